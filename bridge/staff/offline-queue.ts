/**
 * The offline queue for staff (issue 9): the journal's unfinished transactions as the staff API shows them,
 * and staff's three moves (replay now, retry, mark resolved), over the StaffJournal the bridge runs
 * (bridge/kiosk/journaled-ils.ts). The patron is never named: staff see the card number's last four
 * characters, and only on entries they must repair.
 */
import type {
  QUEUE_STATES,
  QueueEntry,
  QueueReply,
  StaffApiErrorCode,
  StaffStatus,
} from "../../protocols/staff-api/schema.ts";
import type { JournalErrorCode, JournalState } from "../kiosk/journal.ts";
import type { StaffJournal, StaffJournalEntry } from "../kiosk/journaled-ils.ts";

// The schema's list of states is the journal's: a state added to one and not the other fails here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const statesMatch: Same<(typeof QUEUE_STATES)[number], JournalState> = true;
void statesMatch;

/** How many characters of a card number staff see: enough to match a card on the desk, not to identify a patron. */
const PATRON_TAIL = 4;

/** `•••• 0001`: the last four characters of a card number (of a short one, none). */
export function maskPatron(id: string): string {
  return id.length > PATRON_TAIL * 2 ? `•••• ${id.slice(-PATRON_TAIL)}` : "••••";
}

const iso = (ms: number) => new Date(ms).toISOString();

export function queueEntry(entry: StaffJournalEntry): QueueEntry {
  const { seq: _order, patron, data: _data, transactedAt, updatedAt, ...rest } = entry;
  return {
    ...rest,
    ...(patron !== undefined ? { patron: maskPatron(patron) } : {}),
    transactedAt: iso(transactedAt),
    updatedAt: iso(updatedAt),
  };
}

export function queueReply(journal: StaffJournal): QueueReply {
  const { lastReplay, ...summary } = journal.summary();
  return {
    ...summary,
    ...(lastReplay ? { lastReplay: { ...lastReplay, at: iso(lastReplay.at) } } : {}),
    entries: journal.entries().map(queueEntry),
  };
}

/** The queue in numbers for the live status. */
export function queueCounts(journal: StaffJournal): NonNullable<StaffStatus["offlineQueue"]> {
  const { counts, offlineMode } = journal.summary();
  return { waiting: counts.pending + counts.sending, needsStaff: counts.conflict + counts.unknown, offlineMode };
}

/** The journal's refusals as the staff API's codes (the message, which names the entry by id, stays). */
export const JOURNAL_REFUSALS: Readonly<Partial<Record<JournalErrorCode, StaffApiErrorCode>>> = {
  JOURNAL_UNKNOWN_ENTRY: "STAFF_JOURNAL_ENTRY_UNKNOWN",
  JOURNAL_ILLEGAL_TRANSITION: "STAFF_JOURNAL_NOT_ALLOWED",
};
