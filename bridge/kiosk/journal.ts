/**
 * The offline journal: every transaction the kiosk makes is written here, and committed to disk, before
 * it is acted on (design.md: "Transactions are durable before they are acted on"). When the ILS is down
 * the entries wait; when it returns, `replay` sends them in their original order. A process killed at any
 * moment loses no acknowledged entry and sends none twice: an entry is marked `sending` (committed)
 * before its request goes out, and an entry found in `sending` is asked about, never blindly re-sent.
 *
 * The journal knows nothing about SIP2: it is handed a TransactionExecutor (the SIP2 client sends with
 * no block = Y and the original transaction date, and asks with Item Information; reference/sip2.md).
 *
 * States and the only legal moves (anything else throws JOURNAL_ILLEGAL_TRANSITION):
 *
 *   pending  ─begin─▶ sending             committed before the request goes on the wire
 *   sending  ───────▶ done                the ILS did it (the send said so, or an inquiry found it done)
 *   sending  ───────▶ refused             the ILS said no to an online transaction: the patron was told
 *                                         at the kiosk and nothing was handed out; nothing to repair
 *   sending  ───────▶ conflict            the ILS said no to an offline transaction the kiosk already acted
 *                                         on (the book left with the patron): staff must repair it
 *   sending  ───────▶ unknown             neither the send nor an inquiry can tell whether the ILS did it
 *                                         (asking again would only repeat that): staff must check
 *   sending  ───────▶ pending             an inquiry says the ILS did not do it (offline entry): send it again
 *   sending  ───────▶ refused             an inquiry says the ILS did not do it (online entry): never sent later
 *   sending  ───────▶ conflict            an inquiry says the ILS lent an item the kiosk kept (KEPT_AT_KIOSK):
 *                                         checked back in (executor.undo) or left for staff (LOAN_NOT_TAKEN*)
 *   unknown  ─retry─▶ pending             staff checked the ILS: not there; send it again
 *   conflict | unknown ─resolve─▶ resolved  staff repaired it by hand (their note is kept)
 *
 * `done`, `refused` and `resolved` are finished. `conflict` and `unknown` wait for staff.
 *
 * Online or offline is decided before an entry is written, never changed afterwards (rather than a
 * "cancelled" state): an online transaction is written already `sending` (`start`) and goes out at once;
 * if the ILS turns out unreachable and did nothing, the entry is finished as `refused` with that code
 * (the patron was told, nothing was handed out), and an offline attempt is a new entry. So an online entry
 * is never sent twice or late: after a crash it is only asked about, and one the ILS did not do is
 * refused, since the patron saw it fail (or the kiosk died before telling them) and left without it.
 *
 * Privacy: a patron's identifier is stored only because a journal entry cannot be replayed without it.
 * It is erased (set to NULL, in the same commit that finishes the entry) as soon as the entry is
 * finished; the table's CHECK makes a finished entry with a patron identifier impossible,
 * `secure_delete` zeroes the old bytes in the file, and a replay ends by emptying the WAL. Entries for staff (`conflict`, `unknown`) keep it until
 * resolved, because staff need to know who has the book. Nothing here logs, and error messages name
 * entries by their id only.
 */
import { randomFillSync } from "node:crypto";
import { CodedError } from "../../protocols/errors.ts";
import type { Clock } from "../transports/clock.ts";
import { crashSafeWrite, type KioskDatabase, statements, storageError } from "./database.ts";

export const TRANSACTION_KINDS = ["checkout", "checkin", "renew", "fee-payment"] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

export const JOURNAL_STATES = ["pending", "sending", "done", "refused", "conflict", "unknown", "resolved"] as const;
export type JournalState = (typeof JOURNAL_STATES)[number];

/** The legal moves, from → to. */
export const JOURNAL_TRANSITIONS: Readonly<Record<JournalState, readonly JournalState[]>> = {
  pending: ["sending"],
  sending: ["done", "refused", "conflict", "unknown", "pending"],
  unknown: ["pending", "resolved"],
  conflict: ["resolved"],
  done: [],
  refused: [],
  resolved: [],
};

export const FINISHED_STATES: readonly JournalState[] = ["done", "refused", "resolved"];
/** Entries that wait for staff. */
export const STAFF_STATES: readonly JournalState[] = ["conflict", "unknown"];

/** Which identifiers each kind needs to be replayed. */
const NEEDS: Readonly<Record<TransactionKind, { item: boolean; patron: boolean }>> = {
  checkout: { item: true, patron: true },
  checkin: { item: true, patron: false },
  renew: { item: true, patron: true },
  "fee-payment": { item: false, patron: true },
};

export type JournalErrorCode = "JOURNAL_ILLEGAL_TRANSITION" | "JOURNAL_UNKNOWN_ENTRY" | "JOURNAL_INVALID_ENTRY";

export class JournalError extends CodedError<JournalErrorCode> {}

/** Extra replay data for a kind (fee id, amount, currency …). Never a patron's identity. */
export type TransactionData = Readonly<Record<string, string | number | boolean>>;

export interface NewTransaction {
  kind: TransactionKind;
  itemId?: string;
  patronId?: string;
  /** Done while the ILS was down (replayed with no block = Y). */
  offline: boolean;
  data?: TransactionData;
  /** When the patron did it (ms since the epoch); default: now. Replay sends this, not the replay time. */
  transactedAt?: number;
}

export interface JournalEntry {
  /** Order of writing; replay follows it. */
  seq: number;
  /** Stable and unique (time-ordered, 26 characters); the key staff and the executor use. */
  id: string;
  kind: TransactionKind;
  itemId?: string;
  /** Present only while the entry is unfinished. */
  patronId?: string;
  data: TransactionData;
  transactedAt: number;
  offline: boolean;
  state: JournalState;
  /** How many times a send was started. */
  attempts: number;
  updatedAt: number;
  /** The ILS's answer (a reason code, a screen message), when there was one. */
  resultCode?: string;
  resultMessage?: string;
  /** Staff's note when they retried or resolved it. */
  note?: string;
}

/** What the ILS answered to a send. An executor that cannot reach the ILS throws instead. */
export type SendOutcome =
  | { result: "done"; code?: string; message?: string }
  | { result: "refused"; code: string; message?: string }
  /** The answer was lost and the executor's own check could not tell (the SIP2 client's SIP2_OUTCOME_UNKNOWN). */
  | { result: "unknown"; code: string; message?: string };

/** What the ILS says about a transaction that may or may not have reached it. */
export type InquiryAnswer = "done" | "not-done" | "unknown";

/** An answer, or an unknown that says what was seen (kept as the entry's result message for staff). */
export type Inquired = InquiryAnswer | { answer: "unknown"; seen: string };

/** Talks to the ILS for the journal. Throwing means "could not reach it": the entry stays as it was. */
export interface TransactionExecutor {
  /**
   * What to note in the entry before it is sent (committed before the request goes out), so that an answer
   * lost afterwards, even to a crash, can be asked about with something to compare (a fee payment's balance).
   */
  prepare?(entry: JournalEntry): Promise<TransactionData | undefined>;
  send(entry: JournalEntry): Promise<SendOutcome>;
  inquire(entry: JournalEntry): Promise<Inquired>;
  /**
   * Takes back a checkout the ILS did although the kiosk kept the item (a checkin). Absent: such a loan is
   * left for staff (config `offline.unknownOutcome: "flag"`).
   */
  undo?(entry: JournalEntry): Promise<SendOutcome>;
}

/**
 * Data mark of an online checkout whose answer was lost and whose item the kiosk kept: the patron was told
 * it was not lent and its security stayed on. Written before the patron is told (`annotate`); only an entry
 * with this mark is ever taken back. One without it may have been handed out (its security released after
 * an answer the journal could not record), so a loan found for it stays the patron's.
 */
export const KEPT_AT_KIOSK = "keptAtKiosk";

/** Result codes of an entry whose loan the ILS made while the kiosk kept the item (staff see them as conflicts). */
export const LOAN_NOT_TAKEN = "LOAN_NOT_TAKEN";
export const LOAN_NOT_TAKEN_CHECKED_IN = "LOAN_NOT_TAKEN_CHECKED_IN";

export interface ReplayReport {
  /** Entries looked at, in order. */
  handled: number;
  sent: number;
  inquired: number;
  /** Final states reached by this replay. */
  results: Partial<Record<JournalState, number>>;
  /** Set when replay stopped early because the executor threw (the ILS went away again). */
  stoppedAt?: { id: string; error: unknown };
}

export interface JournalOptions {
  clock: Clock;
  /** Random bytes for ids (tests may fix them). */
  random?: (size: number) => Uint8Array;
}

interface Row {
  seq: number;
  id: string;
  kind: TransactionKind;
  item_id: string | null;
  patron_id: string | null;
  data: string;
  transacted_at: number;
  offline: number;
  state: JournalState;
  attempts: number;
  updated_at: number;
  result_code: string | null;
  result_message: string | null;
  note: string | null;
}

export const OPEN_STATES: readonly JournalState[] = ["pending", "sending"];

/** Result code of an online entry that an inquiry found the ILS never did. */
export const NOT_DONE = "NOT_DONE";

export interface ReplayOptions {
  /** Entries to leave alone this time (online transactions this process is sending right now). */
  skip?: (id: string) => boolean;
}

/**
 * Told of every new entry (`from` undefined) and every state change, inside the commit that makes it: what
 * it writes to the same database commits with the change or not at all (the statistics use this).
 */
export type JournalObserver = (entry: JournalEntry, from: JournalState | undefined) => void;

interface MoveChanges {
  attempts?: number;
  resultCode?: string | undefined;
  resultMessage?: string | undefined;
  note?: string | undefined;
}

export class OfflineJournal {
  readonly #db: KioskDatabase;
  readonly #observers = new Set<JournalObserver>();
  readonly #sql: ReturnType<typeof statements>;
  readonly #clock: Clock;
  readonly #random: (size: number) => Uint8Array;
  readonly #file: string;
  #replaying: Promise<ReplayReport> | undefined;
  /** Entries pending or sending, counted once and then kept by every change (one process owns the file). */
  #openCount: number | undefined;
  // Built once: better-sqlite3 builds four wrapper functions at every transaction() call.
  readonly #insertOne;
  readonly #moveOne;

  constructor(db: KioskDatabase, options: JournalOptions) {
    this.#db = db;
    this.#sql = statements(db);
    this.#clock = options.clock;
    this.#random = options.random ?? pooledRandomBytes();
    this.#file = db.name;
    this.#insertOne = db.transaction(this.#insertRow.bind(this));
    this.#moveOne = db.transaction(this.#moveRow.bind(this));
  }

  /** Calls `observer` inside the commit of each new entry and each state change; returns how to stop. */
  observe(observer: JournalObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** A replay is running. */
  get replaying(): boolean {
    return this.#replaying !== undefined;
  }

  /** Writes a new `pending` entry and returns once it is committed to disk. */
  append(tx: NewTransaction): JournalEntry {
    return this.#insert(tx, "pending");
  }

  /**
   * Writes a new online entry already `sending` (append and begin in one commit), for a transaction that
   * goes to the ILS now; `finish` it with the answer.
   */
  start(tx: Omit<NewTransaction, "offline">): JournalEntry {
    // The ILS is the record of an online transaction: a power cut may take this entry, never the loan.
    return crashSafeWrite(this.#db, () => this.#insert({ ...tx, offline: false }, "sending"));
  }

  /**
   * Writes a new entry for something the kiosk is about to act on before its request can go out (a fee
   * about to be charged by card): `sending`, so a crash before `release` or `drop` leaves it for the
   * replay to ask about and, unanswerable, for staff (`unknown`), never to send blindly.
   */
  intend(tx: Omit<NewTransaction, "offline">): JournalEntry {
    return this.#insert({ ...tx, offline: true }, "sending");
  }

  /** An intended entry whose act did not happen (the card was declined): refused, nothing to send. */
  drop(id: string, code: string, message: string): JournalEntry {
    return this.#move(id, "refused", { resultCode: code, resultMessage: message });
  }

  #insert(tx: NewTransaction, state: "pending" | "sending"): JournalEntry {
    if (!(TRANSACTION_KINDS as readonly string[]).includes(tx.kind)) {
      throw new JournalError(
        "JOURNAL_INVALID_ENTRY",
        `journal: unknown transaction kind ${JSON.stringify(tx.kind)}; expected one of ${TRANSACTION_KINDS.join(", ")}`,
        { kind: tx.kind },
      );
    }
    const needs = NEEDS[tx.kind];
    for (const [field, needed, value] of [
      ["itemId", needs.item, tx.itemId],
      ["patronId", needs.patron, tx.patronId],
    ] as const) {
      if (needed && !value) {
        throw new JournalError("JOURNAL_INVALID_ENTRY", `journal: a ${tx.kind} needs ${field} to be replayed`, {
          kind: tx.kind,
          field,
        });
      }
    }
    const now = this.#clock.now();
    const id = newEntryId(now, this.#random);
    let entry: JournalEntry;
    try {
      entry = this.#insertOne.immediate(id, tx, state, now);
    } catch (err) {
      throw storageError(err, this.#file, `append a ${tx.kind} to the journal`);
    }
    this.#counted(undefined, state);
    return entry;
  }

  /** One new entry, read back and shown to the observers inside its commit. */
  #insertRow(id: string, tx: NewTransaction, state: "pending" | "sending", now: number): JournalEntry {
    this.#sql(
      `INSERT INTO journal (id, kind, item_id, patron_id, data, transacted_at, offline, state, attempts, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      tx.kind,
      tx.itemId ?? null,
      tx.patronId ?? null,
      JSON.stringify(tx.data ?? {}),
      tx.transactedAt ?? now,
      tx.offline ? 1 : 0,
      state,
      state === "sending" ? 1 : 0,
      now,
    );
    return this.#observed(undefined, id);
  }

  /**
   * The entry as just written, told to the observers inside the running commit; an observer's failure never
   * undoes the journal's change.
   */
  #observed(from: JournalState | undefined, id: string): JournalEntry {
    const entry = this.#get(id);
    for (const observer of this.#observers) {
      try {
        observer(entry, from);
      } catch {
        // The observer reports its own failures (JournaledIls logs a statistic it could not record).
      }
    }
    return entry;
  }

  /** pending → sending: call (and let it commit) just before the request goes out. */
  begin(id: string): JournalEntry {
    return this.#move(id, "sending", { attempts: 1 });
  }

  /** sending → done | refused | conflict | unknown, from the ILS's answer. A refused offline entry is a conflict. */
  finish(id: string, outcome: SendOutcome): JournalEntry {
    const entry = this.#get(id);
    const refused: JournalState = entry.offline ? "conflict" : "refused";
    const to: JournalState = outcome.result === "refused" ? refused : outcome.result;
    const move = () => this.#move(id, to, { resultCode: outcome.code, resultMessage: outcome.message });
    // An online entry that a power cut sends back to `sending` is asked about, not sent again.
    return entry.offline ? move() : crashSafeWrite(this.#db, move);
  }

  /**
   * sending → done | pending | unknown, from what the ILS said when asked; an online entry the ILS did
   * not do is refused instead of sent again (see the top of this file).
   */
  settle(id: string, inquired: Inquired): JournalEntry {
    const answer = typeof inquired === "string" ? inquired : inquired.answer;
    if (answer === "not-done" && !this.#get(id).offline) {
      return this.#move(id, "refused", { resultCode: NOT_DONE, resultMessage: "the ILS did not do it" });
    }
    const to: JournalState = answer === "done" ? "done" : answer === "not-done" ? "pending" : "unknown";
    return this.#move(id, to, typeof inquired === "string" ? {} : { resultMessage: inquired.seen });
  }

  /** Adds to an unfinished entry's data (never its identifiers), in its own commit. */
  annotate(id: string, data: TransactionData): JournalEntry {
    const update = this.#db.transaction(() => {
      const entry = this.#get(id);
      if (FINISHED_STATES.includes(entry.state)) {
        throw new JournalError("JOURNAL_ILLEGAL_TRANSITION", `journal entry ${id}: ${entry.state} is final`, {
          id,
          from: entry.state,
        });
      }
      this.#sql("UPDATE journal SET data = ?, updated_at = ? WHERE id = ?").run(
        JSON.stringify({ ...entry.data, ...data }),
        this.#clock.now(),
        id,
      );
    });
    try {
      update.immediate();
    } catch (err) {
      if (err instanceof JournalError) throw err;
      throw storageError(err, this.#file, `annotate journal entry ${id}`);
    }
    return this.#get(id);
  }

  /** Staff: unknown → pending, after checking the ILS does not have it. Replay sends it again. */
  retry(id: string, note?: string): JournalEntry {
    return this.#move(id, "pending", { note });
  }

  /** Staff: conflict | unknown → resolved, repaired by hand. */
  resolve(id: string, note: string): JournalEntry {
    return this.#move(id, "resolved", { note });
  }

  get(id: string): JournalEntry | undefined {
    const row = this.#sql("SELECT * FROM journal WHERE id = ?").get(id) as Row | undefined;
    return row && toEntry(row);
  }

  /** Entries in write order, optionally only in some states; for staff and for tests. */
  list(options: { states?: readonly JournalState[]; limit?: number; afterSeq?: number } = {}): JournalEntry[] {
    const states = options.states ?? JOURNAL_STATES;
    const rows = this.#sql(
      `SELECT * FROM journal WHERE seq > ? AND state IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT ?`,
    ).all(options.afterSeq ?? 0, JSON.stringify(states), options.limit ?? -1) as Row[];
    return rows.map(toEntry);
  }

  /** How many entries are in each state. */
  counts(): Record<JournalState, number> {
    const counts = Object.fromEntries(JOURNAL_STATES.map((s) => [s, 0])) as Record<JournalState, number>;
    const rows = this.#sql("SELECT state, count(*) AS n FROM journal GROUP BY state").all() as {
      state: JournalState;
      n: number;
    }[];
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  /** Entries not yet settled with the ILS (pending or sending): the metrics' "offline journal length". */
  openCount(): number {
    if (this.#openCount === undefined) {
      const row = this.#sql("SELECT count(*) AS n FROM journal WHERE state IN ('pending', 'sending')").get() as {
        n: number;
      };
      this.#openCount = row.n;
    }
    return this.#openCount;
  }

  /** Offline checkouts of this patron not yet accepted by the ILS: the current offline period's loans. */
  openOfflineCheckouts(patronId: string): number {
    const row = this.#sql(
      "SELECT count(*) AS n FROM journal WHERE patron_id = ? AND kind = 'checkout' AND offline = 1 AND state IN ('pending', 'sending')",
    ).get(patronId) as { n: number };
    return row.n;
  }

  /**
   * Brings one entry to a settled state through the executor: a `sending` entry is asked about first;
   * a `pending` one is marked `sending`, then sent. Throws what the executor throws (the entry stays
   * `sending`, to be asked about next time).
   */
  async perform(id: string, executor: TransactionExecutor, report?: ReplayReport): Promise<JournalEntry> {
    let entry = this.#get(id);
    if (entry.state === "sending") {
      const answer = await executor.inquire(entry);
      if (report) report.inquired++;
      entry =
        answer === "done" && entry.data[KEPT_AT_KIOSK] === true
          ? await this.#takeBack(entry, executor)
          : this.settle(id, answer);
    }
    if (entry.state === "pending") {
      const noted = await executor.prepare?.(entry);
      if (noted) this.annotate(id, noted);
      entry = this.begin(id);
      if (report) report.sent++;
      entry = this.finish(id, await executor.send(entry));
    }
    return entry;
  }

  /**
   * The ILS lent an item the kiosk kept (the patron was told "not lent" and left it): a patron must not be
   * charged for a book they did not take, so it is checked back in when the executor can, and staff see
   * it as a conflict either way, with what was done. Throws what `undo` throws (the entry stays `sending`;
   * the next replay asks again, and checking in twice changes nothing more than once).
   */
  async #takeBack(entry: JournalEntry, executor: TransactionExecutor): Promise<JournalEntry> {
    const undone = executor.undo ? await executor.undo(entry) : undefined;
    const checkedIn = undone?.result === "done";
    return this.#move(entry.id, "conflict", {
      resultCode: checkedIn ? LOAN_NOT_TAKEN_CHECKED_IN : LOAN_NOT_TAKEN,
      resultMessage: checkedIn
        ? "the ILS lent it after the patron was told it was not lent; the kiosk kept it and checked it back in"
        : `the ILS lent it after the patron was told it was not lent; the kiosk kept it, so check it in by hand${
            undone ? ` (the checkin was refused: ${undone.message ?? undone.code ?? "no reason given"})` : ""
          }`,
    });
  }

  /**
   * Sends every unfinished entry, strictly in write order. Stops at the first entry the executor cannot
   * handle (it threw: the ILS is unreachable again), so no later entry overtakes it. Entries that end
   * in `conflict` or `unknown` do not stop it: they wait for staff. One replay at a time: a second call
   * while one runs gets the running one.
   */
  replay(executor: TransactionExecutor, options: ReplayOptions = {}): Promise<ReplayReport> {
    if (!this.#replaying) {
      this.#replaying = this.#replay(executor, options.skip ?? (() => false)).finally(() => {
        this.#replaying = undefined;
      });
    }
    return this.#replaying;
  }

  async #replay(executor: TransactionExecutor, skip: (id: string) => boolean): Promise<ReplayReport> {
    const report: ReplayReport = { handled: 0, sent: 0, inquired: 0, results: {} };
    let afterSeq = 0;
    for (;;) {
      const [next] = this.list({ states: OPEN_STATES, limit: 1, afterSeq });
      if (!next) {
        if (report.handled > 0) this.#scrub();
        return report;
      }
      afterSeq = next.seq;
      if (skip(next.id)) continue;
      try {
        const entry = await this.perform(next.id, executor, report);
        report.handled++;
        report.results[entry.state] = (report.results[entry.state] ?? 0) + 1;
      } catch (error) {
        // A storage failure is the journal's own problem and must not be mistaken for an ILS outage.
        if (error instanceof CodedError && error.code.startsWith("JOURNAL_")) throw error;
        report.stoppedAt = { id: next.id, error };
        return report;
      }
    }
  }

  /**
   * Copies the WAL into the database and empties it (https://www.sqlite.org/pragma.html#pragma_wal_checkpoint):
   * the WAL still holds old page images with the identifiers of entries just finished.
   */
  #scrub(): void {
    try {
      this.#db.pragma("wal_checkpoint(TRUNCATE)");
    } catch (err) {
      throw storageError(err, this.#file, "checkpoint the journal");
    }
  }

  #get(id: string): JournalEntry {
    const entry = this.get(id);
    if (!entry) {
      throw new JournalError("JOURNAL_UNKNOWN_ENTRY", `journal: no entry ${id}; list the journal for the ids it has`, {
        id,
      });
    }
    return entry;
  }

  #move(id: string, to: JournalState, changes: MoveChanges): JournalEntry {
    let moved: { entry: JournalEntry; from: JournalState };
    try {
      moved = this.#moveOne.immediate(id, to, changes);
    } catch (err) {
      throw storageError(err, this.#file, `move journal entry ${id} to ${to}`);
    }
    this.#counted(moved.from, to);
    return moved.entry;
  }

  #moveRow(id: string, to: JournalState, changes: MoveChanges): { entry: JournalEntry; from: JournalState } {
    const from = this.#get(id).state;
    if (!JOURNAL_TRANSITIONS[from].includes(to)) {
      const allowed = JOURNAL_TRANSITIONS[from];
      throw new JournalError(
        "JOURNAL_ILLEGAL_TRANSITION",
        `journal entry ${id}: cannot go from ${from} to ${to}; ` +
          (allowed.length > 0 ? `from ${from} it can go to ${allowed.join(" or ")}` : `${from} is final`),
        { id, from, to },
      );
    }
    this.#sql(
      `UPDATE journal SET state = @to, updated_at = @now, attempts = attempts + @attempts,
           result_code = coalesce(@resultCode, result_code), result_message = coalesce(@resultMessage, result_message),
           note = coalesce(@note, note),
           patron_id = CASE WHEN @finished THEN NULL ELSE patron_id END
         WHERE id = @id`,
    ).run({
      id,
      to,
      now: this.#clock.now(),
      attempts: changes.attempts ?? 0,
      resultCode: changes.resultCode ?? null,
      resultMessage: changes.resultMessage ?? null,
      note: changes.note ?? null,
      finished: FINISHED_STATES.includes(to) ? 1 : 0,
    });
    return { entry: this.#observed(from, id), from };
  }

  /** Keeps the count of open entries after a committed change (`from` undefined: a new entry). */
  #counted(from: JournalState | undefined, to: JournalState): void {
    if (this.#openCount === undefined) return;
    const open = (state: JournalState | undefined) => (state !== undefined && OPEN_STATES.includes(state) ? 1 : 0);
    this.#openCount += open(to) - open(from);
  }
}

function toEntry(row: Row): JournalEntry {
  const entry: JournalEntry = {
    seq: row.seq,
    id: row.id,
    kind: row.kind,
    data: JSON.parse(row.data) as TransactionData,
    transactedAt: row.transacted_at,
    offline: row.offline === 1,
    state: row.state,
    attempts: row.attempts,
    updatedAt: row.updated_at,
  };
  if (row.item_id !== null) entry.itemId = row.item_id;
  // Readable by the replay, but not enumerable: a journal entry logged or serialised by mistake carries no
  // patron identity (the logger masks only its `patron` key).
  if (row.patron_id !== null) Object.defineProperty(entry, "patronId", { value: row.patron_id, enumerable: false });
  if (row.result_code !== null) entry.resultCode = row.result_code;
  if (row.result_message !== null) entry.resultMessage = row.result_message;
  if (row.note !== null) entry.note = row.note;
  return entry;
}

/**
 * Random bytes handed out from a buffer the system's generator fills 4 KiB at a time: one call into it per
 * ~400 ids instead of one per id. Each call cost ~45 µs p50 and ~150 µs p99 with the process idle before it, as
 * a kiosk's commands come, and every online transaction paid it before its SIP2 request went out. Each request
 * gets its own copy, never bytes handed out before.
 */
export function pooledRandomBytes(poolSize = 4096): (size: number) => Uint8Array {
  const pool = new Uint8Array(poolSize);
  let used = poolSize;
  return (size) => {
    if (size > poolSize) return randomFillSync(new Uint8Array(size));
    if (used + size > poolSize) {
      randomFillSync(pool);
      used = 0;
    }
    used += size;
    return pool.slice(used - size, used);
  };
}

/** Crockford's base32 (https://www.crockford.com/base32.html), as ULIDs use it. */
const BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A ULID-shaped id (https://github.com/ulid/spec): 48 bits of milliseconds, then 80 random bits, in 26
 * base32 characters. Sorts by time; 80 random bits make a collision within one millisecond negligible.
 */
export function newEntryId(now: number, random: (size: number) => Uint8Array): string {
  let time = "";
  let t = Math.max(0, Math.floor(now));
  for (let i = 0; i < 10; i++) {
    time = BASE32[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = random(10);
  let rest = "";
  // 80 bits = 16 groups of 5 bits.
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      rest += BASE32[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return time + rest;
}
