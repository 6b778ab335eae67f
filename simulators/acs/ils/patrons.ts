/**
 * Patrons: status, information with its summary lists, block and enable, end of session.
 */
import { SUMMARY_LISTS, type SummaryList } from "../../../protocols/sip2/enums.ts";
import { passwordCheck, REFUSALS, standingOf, statusOf, unknownPatron } from "./refusals.ts";
import type { IlsStore } from "./store.ts";
import type {
  EndSessionResult,
  HoldRecord,
  LoanRecord,
  PatronInformationResult,
  PatronRecord,
  PatronStatusResult,
  SummaryEntry,
  SummaryListRequest,
} from "./types.ts";

export function patronStatus(s: IlsStore, at: Date, patronId: string, password?: string): PatronStatusResult {
  const patron = s.patrons.get(patronId);
  if (!patron) return unknownPatron(s, patronId);
  return statusOf(s, patron, password, standingOf(s, patron, at));
}

export function patronInformation(
  s: IlsStore,
  at: Date,
  patronId: string,
  password?: string,
  list?: SummaryListRequest,
): PatronInformationResult {
  const patron = s.patrons.get(patronId);
  if (!patron) {
    const counts = Object.fromEntries(SUMMARY_LISTS.map((k) => [k, 0])) as Record<SummaryList, number>;
    return { ...unknownPatron(s, patronId), counts, limits: s.limits(), contact: {}, list: undefined };
  }
  const standing = standingOf(s, patron, at);
  const lists = summaryLists(s, patron, at);
  const counts: Record<SummaryList, number> = {
    holdItems: lists.holdItems.length,
    overdueItems: lists.overdueItems.length,
    chargedItems: lists.chargedItems.length,
    fineItems: lists.fineItems.length,
    recallItems: lists.recallItems.length,
    unavailableHoldItems: lists.unavailableHoldItems.length,
  };
  let requested: PatronInformationResult["list"];
  if (list) {
    const entries = lists[list.kind];
    const first = Math.max(1, Math.trunc(list.start ?? 1));
    const last = Math.min(entries.length, Math.trunc(list.end ?? entries.length));
    requested = { kind: list.kind, entries: last >= first ? entries.slice(first - 1, last) : [] };
  }
  // Added to the status rather than spread from it: a spread followed by more fields is several times
  // slower in V8, and this runs for every 63 (issue 7's profile).
  return Object.assign(statusOf(s, patron, password, standing), {
    counts,
    limits: s.limits(),
    contact: { address: patron.address, email: patron.email, phone: patron.phone },
    homeBranch: patron.homeBranch,
    list: requested,
  });
}

/** Block Patron (01): the ACS answers with a patron status. */
export function blockPatron(
  s: IlsStore,
  at: Date,
  patronId: string,
  message: string,
  cardRetained: boolean,
): PatronStatusResult {
  const patron = s.patrons.get(patronId);
  if (patron) {
    patron.blocked = true;
    patron.blockMessage = message.trim() === "" ? "Card blocked. Please contact library staff." : message;
    patron.cardRetained = cardRetained;
  }
  return patronStatus(s, at, patronId);
}

/** Patron Enable (25): lifts a block; expiry, lost card and fines still apply. */
export function patronEnable(s: IlsStore, at: Date, patronId: string, password?: string): PatronStatusResult {
  const patron = s.patrons.get(patronId);
  if (patron && passwordCheck(patron, password) !== false) {
    patron.blocked = false;
    delete patron.blockMessage;
    patron.cardRetained = false;
  }
  return patronStatus(s, at, patronId, password);
}

export function endSession(s: IlsStore, patronId: string): EndSessionResult {
  const found = s.patrons.has(patronId);
  return { ended: found, patronId, screenMessages: [found ? "Thank you!" : REFUSALS.patronUnknown] };
}

export function summaryLists(s: IlsStore, patron: PatronRecord, at: Date): Record<SummaryList, SummaryEntry[]> {
  const loans = s.loansOfPatron(patron.barcode);
  const loanEntry = (l: LoanRecord): SummaryEntry => ({
    id: l.item,
    title: s.items.get(l.item)?.title ?? "",
    dueDate: l.due,
  });
  const holds = s.holds.filter((h) => h.patron === patron.barcode);
  const holdEntry = (h: HoldRecord): SummaryEntry => ({
    id: h.trappedItem ?? h.item ?? h.titleId,
    title: s.titleText(h.titleId) ?? "",
  });
  return {
    // Koha lists waiting (ready) holds as hold items; the rest are unavailable holds.
    holdItems: holds.filter((h) => h.state === "ready").map(holdEntry),
    overdueItems: loans.filter((l) => l.due.getTime() < at.getTime()).map(loanEntry),
    chargedItems: loans.map(loanEntry),
    fineItems: s.openFees(patron.barcode).map((f) => ({
      id: f.id,
      title: f.description,
      amount: f.balance,
      feeType: f.type,
    })),
    recallItems: [],
    unavailableHoldItems: holds.filter((h) => h.state !== "ready").map(holdEntry),
  };
}
