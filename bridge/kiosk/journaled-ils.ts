/**
 * The ILS as the engine sees it, with the offline journal in front (design.md: "Transactions are durable
 * before they are acted on"). Every checkout, checkin and renewal is written to the journal before it goes
 * anywhere, and marked from the answer; each one's result goes to the statistics, without the patron.
 *
 * - Online (the ILS answers and nothing lent offline is still waiting to be sent): the entry is written
 *   `sending` and the transaction goes to the ILS with the entry's id. If the ILS turns out unreachable and
 *   did nothing, the entry is closed as refused (ILS_OFFLINE) and the transaction is tried offline, as a
 *   new entry. If nobody knows whether the ILS did it, the entry stays `sending`: the next replay asks.
 * - Offline (the ILS is down or says it is offline, or the backlog is still being replayed): the policy
 *   (offline-policy.ts) decides, and an allowed checkout or checkin is written `pending` and done at the
 *   kiosk. While a backlog waits, new transactions join its end, so the ILS gets everything in the order
 *   it happened (an offline return is never overtaken by the next loan of the same book).
 * - An answer reaches the patron before the journal records it: the entry is marked in a timer of its own,
 *   after the turn in which the engine sends what the answer changed, so the journal's commit is not on
 *   the patron's path (bench/bridge.bench.ts). A crash in between leaves the entry `sending`, and the
 *   replay asks the ILS what it did: nothing is lost or sent twice (test/bridge/kiosk/answer-crash.test.ts).
 *   Staff reads and `close` record what waits first.
 * - Lost answers: when nobody knows whether the ILS did an online checkout or checkin (OUTCOME_UNKNOWN),
 *   the patron is not simply told so. The entry is marked as kept at the kiosk (a checkout's security
 *   stays on), and the ILS is asked what it did as soon as it answers again, for as long as the patron may
 *   wait (`unknownOutcomeWaitMs`; the engine's signal ends it with the session): done → the patron gets the
 *   item after all; not done → it is sent once more. Still unknown → the patron is told, and the replay
 *   asks later: a loan the ILS made of an item the kiosk kept is checked back in (`unknownOutcome:
 *   "checkin"`) or left for staff (`"flag"`), a conflict either way (journal.ts #takeBack).
 * - Replay: whenever the ILS comes back (and at start, for what a crash left behind) the journal is sent
 *   in order through the executor (sip2-ils.ts Sip2Replay: no block, the original date). A replay cut
 *   short by another outage is tried again after `replayRetryMs`, asking about its last entry first.
 *
 * Patron lookups change nothing, so they go to the ILS whenever it answers. While it does not, a card is
 * taken on trust within the policy's limits (a patron can be checked against the blocked list only), if
 * the config lets the kiosk lend without checking a PIN.
 */
import { CodedError, describeError } from "../../protocols/errors.ts";
import type { Fee, ItemReason } from "../../protocols/kiosk-api/schema.ts";
import type { Logger } from "../log/logger.ts";
import type { Clock, TimerHandle } from "../transports/clock.ts";
import {
  type JournalEntry,
  type JournalState,
  KEPT_AT_KIOSK,
  NOT_DONE,
  type OfflineJournal,
  type ReplayReport,
  STAFF_STATES,
  type TransactionExecutor,
} from "./journal.ts";
import type { OfflinePolicy, OfflineRefusal } from "./offline-policy.ts";
import type {
  CheckinRequest,
  CheckoutRequest,
  CirculationResult,
  IlsPort,
  IlsStatus,
  ItemRecord,
  PatronRecord,
  RenewRequest,
} from "./ports.ts";
import { IlsUnavailable } from "./sip2-ils.ts";
import type { StatisticKind, StatisticResult, Statistics } from "./statistics.ts";

export interface JournaledIlsOptions {
  /** The ILS itself (Sip2Ils). */
  ils: IlsPort;
  /** How the journal reaches the ILS for replay (Sip2Replay). */
  executor: TransactionExecutor;
  journal: OfflineJournal;
  policy: OfflinePolicy;
  statistics?: Statistics;
  clock: Clock;
  logger: Logger;
  /**
   * A patron may be identified by card alone while the ILS cannot check anything: offline lending is on,
   * and either this kiosk asks no PIN or the config accepts a PIN it cannot check.
   */
  identifyOffline: boolean;
  /** After a replay cut short while the ILS still looks online, try again after this long. */
  replayRetryMs?: number;
  /** What the replay does with a loan the ILS made of an item the kiosk kept (default: check it in). */
  unknownOutcome?: UnknownOutcomePolicy;
  /** How long a patron's transaction whose answer was lost waits for the ILS to say what it did (default 0: ask once). */
  unknownOutcomeWaitMs?: number;
}

export type UnknownOutcomePolicy = "checkin" | "flag";

/** A journal entry as staff see it: the patron (under `patron`, which logs mask) only while staff need it. */
export type StaffJournalEntry = Omit<JournalEntry, "patronId"> & { patron?: string };

export interface ReplaySummary {
  handled: number;
  sent: number;
  inquired: number;
  results: Partial<Record<JournalState, number>>;
  /** The replay stopped at this entry: the ILS could not be reached (code and message say why). */
  stoppedAt?: { id: string; code: string; message: string };
}

export interface JournalSummary {
  counts: Record<JournalState, number>;
  /** The kiosk is lending from the journal now. */
  offlineMode: boolean;
  replaying: boolean;
  lastReplay?: ReplaySummary & { at: number };
  /** The blocked-patrons file could not be read (the last good list, or none, is in force). */
  blocklistProblem?: string;
}

/**
 * What staff may see and do with the offline journal; the staff API calls these (bridge.journal).
 * Errors are CodedErrors: JOURNAL_UNKNOWN_ENTRY, JOURNAL_ILLEGAL_TRANSITION, and the storage codes.
 */
export interface StaffJournal {
  summary(): JournalSummary;
  /** Entries in write order; by default those not finished (pending, sending, conflict, unknown). */
  entries(options?: { states?: readonly JournalState[]; limit?: number; afterSeq?: number }): StaffJournalEntry[];
  /** Sends what waits now; resolves when this replay ends (stoppedAt says if the ILS went away). */
  replayNow(): Promise<ReplaySummary>;
  /** Records the ILS answers patrons have been given but the journal not yet (before a read of the statistics). */
  recordAnswers(): void;
  /** An `unknown` entry staff found missing in the ILS: send it again with the next replay. */
  retry(id: string, note?: string): StaffJournalEntry;
  /** A `conflict` or `unknown` entry staff repaired by hand. */
  resolve(id: string, note: string): StaffJournalEntry;
}

const WAITING: readonly JournalState[] = ["pending", "sending", "conflict", "unknown"];

/**
 * What a checkout or checkin the ILS did but did not describe (offline, or confirmed after a lost answer)
 * asks of a magnetic strip: it follows the transaction.
 */
const ACTED_ON: Readonly<Record<Kind, Partial<CirculationResult>>> = {
  checkout: { desensitize: true },
  checkin: { resensitize: true },
  renew: { desensitize: true },
};

/** What the patron is told when the offline policy says no. */
const OFFLINE_REASONS: Readonly<Record<OfflineRefusal, ItemReason>> = {
  OFFLINE_DISABLED: "ILS_OFFLINE",
  OFFLINE_KIND_NOT_ALLOWED: "ILS_OFFLINE",
  OFFLINE_PATRON_BLOCKED: "PATRON_BLOCKED",
  OFFLINE_ITEM_LIMIT: "OFFLINE_LIMIT",
  OFFLINE_BLOCKLIST_UNAVAILABLE: "ILS_OFFLINE",
};

type Kind = "checkout" | "checkin" | "renew";

export class JournaledIls implements IlsPort, StaffJournal {
  readonly #ils: IlsPort;
  readonly #executor: TransactionExecutor;
  readonly #journal: OfflineJournal;
  readonly #policy: OfflinePolicy;
  readonly #statistics: Statistics | undefined;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #identifyOffline: boolean;
  readonly #replayRetryMs: number;
  #unknownOutcomeWaitMs: number;
  /** The executor the replay uses: without `undo` when loans of kept items are only flagged. */
  readonly #replayExecutor: TransactionExecutor;
  readonly #listeners = new Set<(status: IlsStatus) => void>();
  /** Online entries this process is sending now, or whose answer waits to be recorded: a replay leaves them alone. */
  readonly #live = new Set<string>();
  /** Answers given to the patron and not yet recorded, by entry id (#recordSoon). */
  readonly #unrecorded = new Map<string, { record: () => void; timer: TimerHandle }>();
  readonly #unsubscribe: () => void;
  /** The last status other than "connecting": a reconnect attempt does not make the kiosk look online. */
  #settled: IlsStatus | undefined;
  #notified: string | undefined;
  #retryTimer: TimerHandle | undefined;
  #lastReplay: (ReplaySummary & { at: number }) | undefined;
  #closed = false;

  constructor(options: JournaledIlsOptions) {
    this.#ils = options.ils;
    this.#executor = options.executor;
    this.#journal = options.journal;
    this.#policy = options.policy;
    this.#statistics = options.statistics;
    this.#clock = options.clock;
    this.#logger = options.logger.child({ component: "journal" });
    this.#identifyOffline = options.identifyOffline;
    this.#replayRetryMs = options.replayRetryMs ?? 10_000;
    this.#unknownOutcomeWaitMs = options.unknownOutcomeWaitMs ?? 0;
    const executor = options.executor;
    const undo = options.unknownOutcome !== "flag" && executor.undo ? executor.undo.bind(executor) : undefined;
    this.#replayExecutor = {
      ...(executor.prepare ? { prepare: executor.prepare.bind(executor) } : {}),
      send: (entry) => executor.send(entry),
      inquire: (entry) => executor.inquire(entry),
      ...(undo ? { undo } : {}),
    };
    const offStatus = this.#ils.onStatus((status) => this.#onStatus(status));
    const offJournal = this.#journal.observe((entry, from) => this.#recordOutcome(entry, from));
    this.#unsubscribe = () => {
      offStatus();
      offJournal();
    };
    this.#onStatus(this.#ils.status());
  }

  /** A saved config's offline settings (bridge/main.ts); `unknownOutcome` is read at start only. */
  reconfigure(settings: Pick<JournaledIlsOptions, "identifyOffline" | "unknownOutcomeWaitMs">): void {
    this.#identifyOffline = settings.identifyOffline;
    this.#unknownOutcomeWaitMs = settings.unknownOutcomeWaitMs ?? 0;
  }

  close(): void {
    this.recordAnswers();
    this.#closed = true;
    this.#unsubscribe();
    this.#clock.clearTimeout(this.#retryTimer);
  }

  // ---- IlsPort ----

  status(): IlsStatus {
    return this.#ils.status();
  }

  onStatus(listener: (status: IlsStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  offlineMode(): boolean {
    if (!this.#policy.enabled) return false;
    const unreachable = this.#ils.status() !== "online" && this.#settled !== undefined && this.#settled !== "online";
    return unreachable || this.#backlog();
  }

  async lookupPatron(credential: string, pin: string | undefined): Promise<PatronRecord> {
    if (this.#ils.status() === "online") {
      try {
        return await this.#ils.lookupPatron(credential, pin);
      } catch (err) {
        if (codeOf(err) !== "ILS_OFFLINE") throw err;
      }
    }
    if (!this.#identifyOffline) {
      throw new IlsUnavailable(
        "ILS_OFFLINE",
        "the ILS cannot be reached and this kiosk does not identify patrons offline (offline.enabled, offline.withoutPinCheck)",
      );
    }
    const decision = this.#policy.decide("checkout", credential);
    return {
      found: true,
      ...(pin !== undefined ? { pinOk: true } : {}),
      blocks: decision.allow ? [] : ["offlineBlocked"],
      canBorrow: decision.allow,
      loans: [],
      holdsReady: [],
      holdsWaiting: 0,
      fees: [],
    };
  }

  checkout(request: CheckoutRequest): Promise<CirculationResult> {
    return this.#transact("checkout", request, (transactionId) => this.#ils.checkout({ ...request, transactionId }));
  }

  checkin(request: CheckinRequest): Promise<CirculationResult> {
    return this.#transact("checkin", request, (transactionId) => this.#ils.checkin({ ...request, transactionId }));
  }

  renew(request: RenewRequest): Promise<CirculationResult> {
    return this.#transact("renew", request, (transactionId) => this.#ils.renew({ ...request, transactionId }));
  }

  /**
   * A fee about to be charged by card is journaled first, one entry per fee (data: what a 37 needs, never
   * the patron), kept from the replay while the terminal works. See `payFee` and `dropPayment`.
   */
  notePayment(request: { patron: string; fees: readonly Fee[]; reference: string }): string[] {
    const ids = request.fees.map(
      (fee) =>
        this.#journal.intend({
          kind: "fee-payment",
          patronId: request.patron,
          data: {
            feeId: fee.id,
            feeType: fee.kind,
            amount: fee.amount.value,
            currency: fee.amount.currency,
            reference: request.reference,
          },
        }).id,
    );
    for (const id of ids) this.#live.add(id);
    return ids;
  }

  approvePayment(ids: readonly string[], authorization: string): void {
    for (const id of ids) this.#journal.annotate(id, { authorization });
  }

  dropPayment(ids: readonly string[], why: string): void {
    for (const id of ids) {
      this.#live.delete(id);
      this.#journal.drop(id, "PAYMENT_NOT_TAKEN", `the card was not charged (${why})`);
    }
  }

  /**
   * A fee paid by card. Noted (`transactionId`): its entry has the terminal's authorization (sent as the
   * 37's transaction id; written here if `approvePayment` could not), then the 37 goes now if the ILS
   * answers; if it cannot be reached the entry waits for the replay, which sends it once, and the patron is
   * told the payment is provisional. A 37 the ILS refuses is a conflict for staff (the money is taken).
   * Not noted: straight to the ILS.
   * Holds go straight to the ILS: the kiosk offers them only while it is online.
   */
  async payFee(request: Parameters<IlsPort["payFee"]>[0]): Promise<{ ok: boolean; offline?: boolean }> {
    const id = request.transactionId;
    if (id === undefined) return this.#ils.payFee(request);
    try {
      const noted = this.#journal.get(id);
      const entry =
        noted?.data.authorization === request.reference
          ? noted
          : this.#journal.annotate(id, { authorization: request.reference });
      if (this.#ils.status() === "online" && (await this.#prepared(entry))) {
        try {
          const answer = await this.#ils.payFee({ ...request, transactionId: id });
          this.#journal.finish(id, answer.ok ? { result: "done" } : { result: "refused", code: "FEE_REFUSED" });
          return answer;
        } catch (err) {
          if (codeOf(err) !== "ILS_OFFLINE") {
            // The 37 may have been recorded: the replay asks, and staff settle what it cannot tell.
            return { ok: true, offline: true };
          }
        }
      }
      this.#journal.settle(id, "not-done");
      return { ok: true, offline: true };
    } finally {
      this.#live.delete(id);
      this.#changed();
      this.#replaySoon();
    }
  }

  /**
   * Notes in the entry what the executor wants to compare a lost answer with (a payment's balance), before the
   * request goes. False when that could not be asked: the request is not sent now and waits for the replay.
   */
  async #prepared(entry: JournalEntry): Promise<boolean> {
    try {
      const noted = await this.#executor.prepare?.(entry);
      if (noted) this.#journal.annotate(entry.id, noted);
      return true;
    } catch (err) {
      if (codeOf(err).startsWith("JOURNAL_")) throw err;
      this.#logger.info(
        { id: entry.id, code: codeOf(err) },
        "the ILS could not be asked before a payment: left for the replay",
      );
      return false;
    }
  }

  hold(request: Parameters<IlsPort["hold"]>[0]): ReturnType<IlsPort["hold"]> {
    return this.#ils.hold(request);
  }

  itemInformation(itemId: string): Promise<ItemRecord> {
    if (!this.#ils.itemInformation) {
      return Promise.reject(
        new IlsUnavailable("ILS_OFFLINE", "this ILS connection cannot look items up (no Item Information)"),
      );
    }
    return this.#ils.itemInformation(itemId);
  }

  async endSession(patron: string): Promise<void> {
    if (this.#ils.status() === "online") await this.#ils.endSession(patron);
  }

  // ---- StaffJournal ----

  summary(): JournalSummary {
    this.recordAnswers();
    const problem = this.#policy.problem;
    return {
      counts: this.#journal.counts(),
      offlineMode: this.offlineMode(),
      replaying: this.#journal.replaying,
      ...(this.#lastReplay ? { lastReplay: this.#lastReplay } : {}),
      ...(problem ? { blocklistProblem: problem.message } : {}),
    };
  }

  entries(options: { states?: readonly JournalState[]; limit?: number; afterSeq?: number } = {}): StaffJournalEntry[] {
    this.recordAnswers();
    return this.#journal.list({ ...options, states: options.states ?? WAITING }).map(forStaff);
  }

  async replayNow(): Promise<ReplaySummary> {
    const report = await this.#journal.replay(this.#replayExecutor, { skip: (id) => this.#live.has(id) });
    const summary = summarize(report);
    if (report.handled > 0 || report.stoppedAt) {
      this.#lastReplay = { ...summary, at: this.#clock.now() };
      this.#logger.info({ results: summary.results, stoppedAt: summary.stoppedAt }, "journal replayed");
    }
    if (report.stoppedAt) this.#retryLater();
    // Entries written behind the replay's cursor (an online transaction whose outcome got lost meanwhile).
    else if (report.handled > 0) this.#replaySoon();
    this.#changed();
    return summary;
  }

  retry(id: string, note?: string): StaffJournalEntry {
    const entry = forStaff(this.#journal.retry(id, note));
    this.#changed();
    this.#replaySoon();
    return entry;
  }

  resolve(id: string, note: string): StaffJournalEntry {
    return forStaff(this.#journal.resolve(id, note));
  }

  // ---- the work ----

  async #transact(
    kind: Kind,
    request: CheckinRequest & { patron?: string },
    send: (transactionId: string) => Promise<CirculationResult>,
    resent = false,
  ): Promise<CirculationResult> {
    const started = this.#clock.now();
    const tx = { kind, itemId: request.itemId, ...(request.patron !== undefined ? { patronId: request.patron } : {}) };
    if (this.#ils.status() === "online" && !this.#backlog()) {
      // Written before it is sent; a failure to write means it is not sent at all.
      const entry = this.#journal.start(tx);
      this.#live.add(entry.id);
      let leftForReplay = false;
      let answered = false;
      try {
        const result = await send(entry.id);
        answered = true;
        this.#recordSoon(entry.id, result);
        return { ...result, transactionId: entry.id };
      } catch (err) {
        const code = codeOf(err);
        if (code === "OUTCOME_UNKNOWN" && kind !== "renew") {
          const found = await this.#findOut(kind, entry.id, request.signal);
          if (found === "done")
            return { ...(await this.#described(request.itemId)), ok: true, transactionId: entry.id, ...ACTED_ON[kind] };
          if (found === "not-done") {
            if (!resent) return await this.#transact(kind, request, send, true);
            return { ok: false, reason: "ILS_OFFLINE", transactionId: entry.id };
          }
        }
        if (code !== "ILS_OFFLINE") {
          // Nobody knows whether the ILS did it: the entry stays `sending` for the replay to ask about (its
          // statistic is written when the answer is known).
          leftForReplay = true;
          throw err;
        }
        this.#settle(entry.id, { ok: false, reason: "ILS_OFFLINE" });
      } finally {
        if (!answered) this.#live.delete(entry.id);
        if (leftForReplay) this.#replaySoon();
      }
    }
    const decision = this.#policy.decide(kind, request.patron);
    if (!decision.allow) {
      this.#record(kind, "refused", started, decision.reason);
      // A renewal is never done offline: only the ILS knows its limits and the holds waiting (a renewal
      // journaled now and refused at replay would leave the patron trusting a due date that never moved).
      return { ok: false, reason: kind === "renew" ? "RENEWAL_NEEDS_ILS" : OFFLINE_REASONS[decision.reason] };
    }
    const entry = this.#journal.append({ ...tx, offline: true });
    this.#changed();
    this.#replaySoon();
    // The ILS would say whether a magnetic strip needs the relay; offline, the strip follows the loan.
    return { ok: true, offline: true, transactionId: entry.id, ...ACTED_ON[kind] };
  }

  /**
   * Asks the ILS what it did with an online entry whose answer was lost, whenever it answers, until
   * `unknownOutcomeWaitMs` has passed or `signal` fires. A checkout is first marked as kept at the kiosk:
   * until the ILS confirms it, its security stays on, so a loan found later was not taken (journal.ts).
   * Resolves "unknown" when it could not find out (the entry stays `sending` for the replay).
   */
  async #findOut(kind: Kind, id: string, signal: AbortSignal | undefined): Promise<"done" | "not-done" | "unknown"> {
    if (kind === "checkout") {
      try {
        this.#journal.annotate(id, { [KEPT_AT_KIOSK]: true });
      } catch (err) {
        // Without the mark a loan found later is left as the patron's: the safe side.
        this.#logger.error({ id, code: codeOf(err) }, "could not mark a checkout whose answer was lost as kept");
      }
    }
    const deadline = this.#clock.now() + this.#unknownOutcomeWaitMs;
    for (;;) {
      if (this.#ils.status() === "online") {
        try {
          const answer = await this.#executor.inquire(this.#journal.get(id) as JournalEntry);
          // The patron left while the ILS was asked: what it lent stays with the kiosk, for the replay.
          if (signal?.aborted) return "unknown";
          const entry = this.#journal.settle(id, answer);
          this.#logger.info({ id, kind, answer }, "asked the ILS about a transaction whose answer was lost");
          return entry.state === "done" ? "done" : entry.state === "refused" ? "not-done" : "unknown";
        } catch (err) {
          if (codeOf(err).startsWith("JOURNAL_")) throw err;
          this.#logger.info({ id, code: codeOf(err) }, "the ILS could not be asked yet about a lost answer");
        }
      }
      const left = deadline - this.#clock.now();
      if (left <= 0 || signal?.aborted) return "unknown";
      await this.#untilOnline(Math.min(left, this.#replayRetryMs), signal);
    }
  }

  /** The title and due date of an item whose transaction was confirmed without its answer; best effort. */
  async #described(itemId: string): Promise<Partial<CirculationResult>> {
    const info = await this.itemInformation(itemId).catch(() => undefined);
    return { ...(info?.title ? { title: info.title } : {}), ...(info?.dueDate ? { dueDate: info.dueDate } : {}) };
  }

  /** Resolves when the ILS reports online, after `ms`, or when `signal` fires, whichever is first. */
  #untilOnline(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#clock.clearTimeout(timer);
        off();
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = this.#clock.setTimeout(done, ms);
      const off = this.#ils.onStatus((status) => {
        if (status === "online") done();
      });
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /**
   * Marks an online entry from its answer once the patron has it: in a timer of 0 ms, which runs after the
   * engine's state for this turn (sent from setImmediate, engine.ts #changed) and its notices (sent at once).
   * The entry stays live meanwhile, so a replay leaves it alone and its statistic counts it as answered.
   */
  #recordSoon(id: string, result: { ok: boolean; reason?: ItemReason }): void {
    const record = () => {
      this.#clock.clearTimeout(this.#unrecorded.get(id)?.timer);
      this.#unrecorded.delete(id);
      this.#settle(id, result);
      this.#live.delete(id);
    };
    this.#unrecorded.set(id, { record, timer: this.#clock.setTimeout(record, 0) });
  }

  recordAnswers(): void {
    for (const { record } of [...this.#unrecorded.values()]) record();
  }

  /**
   * Marks an online entry from its answer. If that cannot be written, the patron still gets the ILS's answer
   * (it is what the ILS did); the entry stays `sending` and the next replay asks the ILS again.
   */
  #settle(id: string, result: { ok: boolean; reason?: ItemReason }): void {
    try {
      this.#journal.finish(
        id,
        result.ok ? { result: "done" } : { result: "refused", code: result.reason ?? "SEE_STAFF" },
      );
    } catch (err) {
      this.#logger.error({ id, code: codeOf(err), err: describeError(err) }, "journal entry could not be marked");
    }
  }

  /**
   * One statistic per transaction, written in the same commit as the journal change that settles it, so a
   * kill -9 can neither lose it nor count it twice (the soak checks the statistics against the ILS):
   * an offline entry when it is written; an online one when its first answer is known — from the send, or,
   * when that answer was lost (a crash, a dropped link), from the replay's inquiry (`ok` with ANSWER_LOST).
   * An online entry the ILS could not be reached for counts as the offline attempt or refusal that follows.
   */
  #recordOutcome(entry: JournalEntry, from: JournalState | undefined): void {
    if (entry.kind === "fee-payment") {
      this.#recordPayment(entry, from);
      return;
    }
    if (from === undefined) {
      if (entry.offline) this.#record(entry.kind as Kind, "offline", entry.transactedAt);
      return;
    }
    if (entry.offline || from !== "sending" || entry.attempts !== 1) return;
    const live = this.#live.has(entry.id);
    const outcome = (): [StatisticResult, string | undefined] | undefined => {
      switch (entry.state) {
        case "done":
          return ["ok", live ? undefined : "ANSWER_LOST"];
        case "refused":
          if (entry.resultCode === "ILS_OFFLINE") return undefined;
          return entry.resultCode === NOT_DONE ? ["error", NOT_DONE] : ["refused", entry.resultCode];
        case "unknown":
          return ["error", "OUTCOME_UNKNOWN"];
        case "conflict":
          return ["error", entry.resultCode];
        default:
          return undefined;
      }
    };
    const result = outcome();
    if (result) this.#record(entry.kind as Kind, result[0], entry.transactedAt, result[1]);
  }

  /**
   * A card payment counts once, when its first fate is known: recorded by the ILS (ok), kept for the
   * replay (offline), refused by the ILS, or unknown after a crash. A card not charged is no transaction.
   */
  #recordPayment(entry: JournalEntry, from: JournalState | undefined): void {
    if (from !== "sending" || entry.attempts !== 1) return;
    const outcomes: Partial<Record<JournalState, [StatisticResult, (string | undefined)?]>> = {
      done: ["ok"],
      pending: ["offline"],
      conflict: ["refused", entry.resultCode],
      unknown: ["error", "OUTCOME_UNKNOWN"],
    };
    const outcome = outcomes[entry.state];
    if (outcome) this.#record("fee-payment", outcome[0], entry.transactedAt, outcome[1]);
  }

  #record(kind: StatisticKind, result: StatisticResult, started: number, errorCode?: string): void {
    if (!this.#statistics) return;
    try {
      this.#statistics.record({
        kind,
        result,
        durationMs: this.#clock.now() - started,
        ...(errorCode !== undefined ? { errorCode } : {}),
      });
    } catch (err) {
      this.#logger.warn({ code: codeOf(err) }, "statistic not recorded");
    }
  }

  /** Transactions wait in the journal that this process is not sending right now. */
  #backlog(): boolean {
    return this.#journal.openCount() > this.#live.size;
  }

  #onStatus(status: IlsStatus): void {
    if (status !== "connecting") this.#settled = status;
    if (status === "online") this.#replaySoon();
    this.#changed();
  }

  /** Starts a replay if the ILS answers and something waits; the journal runs one at a time. */
  #replaySoon(): void {
    if (this.#closed || this.#ils.status() !== "online" || !this.#backlog()) return;
    this.replayNow().catch((err: unknown) => {
      this.#logger.error({ code: codeOf(err), err: describeError(err) }, "journal replay failed");
      this.#retryLater();
    });
  }

  #retryLater(): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    this.#retryTimer = this.#clock.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#replaySoon();
    }, this.#replayRetryMs);
  }

  /** Tells listeners when the status or the offline mode changed (the engine redraws and announces it). */
  #changed(): void {
    const status = this.#ils.status();
    const key = `${status}/${this.offlineMode()}`;
    if (key === this.#notified) return;
    this.#notified = key;
    for (const listener of this.#listeners) listener(status);
  }
}

function forStaff(entry: JournalEntry): StaffJournalEntry {
  const { patronId: _hidden, ...rest } = entry;
  return entry.patronId !== undefined && STAFF_STATES.includes(entry.state)
    ? { ...rest, patron: entry.patronId }
    : rest;
}

function summarize(report: ReplayReport): ReplaySummary {
  const summary: ReplaySummary = {
    handled: report.handled,
    sent: report.sent,
    inquired: report.inquired,
    results: { ...report.results },
  };
  if (report.stoppedAt) {
    const error = report.stoppedAt.error;
    summary.stoppedAt = { id: report.stoppedAt.id, code: codeOf(error), message: describeError(error) };
  }
  return summary;
}

function codeOf(err: unknown): string {
  return err instanceof CodedError ? err.code : "INTERNAL";
}
