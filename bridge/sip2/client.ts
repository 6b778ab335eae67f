/**
 * The SIP2 client the kiosk depends on (`Sip2Service`): typed transactions over a pool of connections.
 *
 * A transaction is never doubled and never lost silently. When a checkout, checkin, renewal or fee
 * payment times out or its connection drops before the answer, it is not simply sent again: the client
 * asks the ILS on a healthy connection what state the item (or the patron's balance) is in, and then
 * reports the transaction as done, sends it once more, or fails with SIP2_OUTCOME_UNKNOWN. Everything for
 * one item runs in order (the pool's key), so no other request for that item slips in between.
 * Every transaction has an id (`tx`), in the logs and in its result or error.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import {
  ALERT_TYPE,
  CIRCULATION_STATUS,
  type CirculationStatus,
  type DueDate,
  FEE_TYPE,
  type FeeType,
  formatSip2Date,
  HOLD_MODE,
  HOLD_TYPE,
  type HoldMode,
  type HoldType,
  type MessageOf,
  type MessageType,
  nameOfCode,
  PAYMENT_TYPE,
  type PatronStatus,
  type PaymentType,
  parseDueDate,
  SIP2_BLANK_DATE,
  type Sip2Message,
  type SummaryList,
} from "../../protocols/sip2/index.ts";
import type { Clock } from "../transports/clock.ts";
import type { Sip2ConnectionState } from "./connection.ts";
import { isLinkFailure, Sip2ClientError } from "./errors.ts";
import type { PoolRequestOptions, Sip2Pool } from "./pool.ts";

/** What the client sends besides the request's own fields; the ILS profile decides most of these. */
export interface Sip2TransactionSettings {
  /** AO. */
  institution: string;
  /** AC: the terminal password, when the ILS wants one. */
  terminalPassword: string;
  /** AP of checkin (and the kiosk's branch): where the item is now. */
  location: string;
  /** Send AD (patron password) even when empty: some ILSes answer 96 without it. */
  sendEmptyPatronPassword: boolean;
  /** The SC's renewal policy flag in 11: may the ILS renew an item the patron already has? */
  scRenewalPolicy: boolean;
  /** Dates the SC sends: local time (four spaces) or UTC ("   Z"). */
  dateZone: "local" | "utc";
  /** Reads (17, 63, 23) are asked again on another connection after a link failure, this many times. */
  readRetries: number;
  /** A transaction that did not happen (the ILS says so after a link failure) is sent again this many times. */
  transactionRetries: number;
}

/** Offline replay: the journal sends what the kiosk did while the ILS was away, with its own date. */
export interface TransactionOptions {
  /** Transaction id for logs and results; default: a fresh one. */
  tx?: string;
  /** Ask the ILS to accept it whatever its rules say (offline transactions). */
  noBlock?: boolean;
  /** When it really happened; default now. */
  transactionDate?: Date;
  signal?: AbortSignal;
}

interface Common {
  tx: string;
  screenMessages: string[];
  printLines: string[];
  /** Set when the answer was lost and the ILS confirmed the transaction afterwards. */
  recovered?: "confirmed" | "retried";
}

export interface FeeDetails {
  type?: FeeType | string;
  amount: string;
  currency?: string;
}

export interface CheckoutResult extends Common {
  ok: boolean;
  itemId: string;
  title?: string;
  dueDate?: DueDate;
  renewalOk: boolean;
  /** The ILS's flags; decide security from `ok` (some ILSes hard-code these). */
  magneticMedia: boolean | null;
  desensitize: boolean | null;
  fee?: FeeDetails;
  mediaType?: string;
  transactionId?: string;
  /** The answer as decoded; for diagnostics. For a recovered transaction, the 17 that confirmed it. */
  raw: Sip2Message;
}

export type CheckinAlert =
  | { kind: "hold-here" }
  | { kind: "hold-elsewhere"; destination?: string }
  | { kind: "transit"; destination?: string }
  | { kind: "sort-bin"; bin: string }
  | { kind: "other" };

export interface CheckinResult extends Common {
  ok: boolean;
  itemId: string;
  title?: string;
  resensitize: boolean;
  magneticMedia: boolean | null;
  permanentLocation?: string;
  alerts: CheckinAlert[];
  fee?: FeeDetails;
  raw: Sip2Message;
}

export interface FeePaidResult extends Common {
  accepted: boolean;
  transactionId?: string;
  raw: Sip2Message;
}

export interface PatronResult extends Common {
  patronId: string;
  valid: boolean;
  /** undefined when no password was given or the ILS did not say. */
  passwordValid?: boolean;
  name: string;
  status: PatronStatus;
  fee?: FeeDetails;
  raw: MessageOf<"patronStatusResponse"> | MessageOf<"patronInformationResponse">;
}

export interface PatronInformationResult extends PatronResult {
  counts: { holds: number; overdue: number; charged: number; fines: number; recalls: number; unavailableHolds: number };
  /** The list asked for with `summary`. */
  items: string[];
  raw: MessageOf<"patronInformationResponse">;
}

export interface ItemResult extends Common {
  itemId: string;
  found: boolean;
  circulationStatus: CirculationStatus | undefined;
  title?: string;
  dueDate?: DueDate;
  holdQueueLength?: number;
  permanentLocation?: string;
  currentLocation?: string;
  fee?: FeeDetails;
  raw: MessageOf<"itemInformationResponse">;
}

export interface RenewAllResult extends Common {
  ok: boolean;
  renewed: string[];
  unrenewed: string[];
  raw: MessageOf<"renewAllResponse">;
}

export interface HoldResult extends Common {
  ok: boolean;
  available: boolean;
  queuePosition?: string;
  pickupLocation?: string;
  raw: MessageOf<"holdResponse">;
}

export interface EndSessionResult extends Common {
  ended: boolean;
  raw: MessageOf<"endSessionResponse">;
}

export interface PatronRequest {
  patronId: string;
  /** The PIN; never logged. */
  patronPassword?: string;
}

export interface Sip2Service {
  readonly state: Sip2ConnectionState;
  on(event: "state", listener: (state: Sip2ConnectionState) => void): unknown;
  off(event: "state", listener: (state: Sip2ConnectionState) => void): unknown;
  checkout(
    request: PatronRequest & { itemId: string; feeAcknowledged?: boolean },
    options?: TransactionOptions,
  ): Promise<CheckoutResult>;
  checkin(request: { itemId: string }, options?: TransactionOptions): Promise<CheckinResult>;
  renew(
    request: PatronRequest & { itemId: string; feeAcknowledged?: boolean },
    options?: TransactionOptions,
  ): Promise<CheckoutResult>;
  renewAll(
    request: PatronRequest & { feeAcknowledged?: boolean },
    options?: TransactionOptions,
  ): Promise<RenewAllResult>;
  feePaid(
    request: PatronRequest & {
      amount: string;
      currency: string;
      feeType?: FeeType;
      paymentType?: PaymentType;
      feeId?: string;
      transactionId?: string;
    },
    options?: TransactionOptions,
  ): Promise<FeePaidResult>;
  patronStatus(request: PatronRequest, options?: TransactionOptions): Promise<PatronResult>;
  patronInformation(
    request: PatronRequest & { summary?: SummaryList; start?: number; end?: number },
    options?: TransactionOptions,
  ): Promise<PatronInformationResult>;
  itemInformation(request: { itemId: string }, options?: TransactionOptions): Promise<ItemResult>;
  endSession(request: PatronRequest, options?: TransactionOptions): Promise<EndSessionResult>;
  hold(
    request: PatronRequest & {
      mode: HoldMode;
      itemId?: string;
      titleId?: string;
      pickupLocation?: string;
      holdType?: HoldType;
      expires?: Date;
    },
    options?: TransactionOptions,
  ): Promise<HoldResult>;
  close(): Promise<void>;
}

const CHARGED: ReadonlySet<string> = new Set([CIRCULATION_STATUS.charged, CIRCULATION_STATUS.chargedNotRecallable]);

/** What asking the ILS after a lost answer found out. */
type Verdict<R> = { done: R } | "not-done" | { unknown: string };

export interface Sip2ClientDeps {
  pool: Sip2Pool;
  clock: Clock;
  logger?: Logger | undefined;
}

export class Sip2Client extends EventEmitter<{ state: [state: Sip2ConnectionState] }> implements Sip2Service {
  readonly pool: Sip2Pool;
  readonly #settings: Sip2TransactionSettings;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #txPrefix = randomBytes(3).toString("hex");
  #txCount = 0;

  constructor(settings: Sip2TransactionSettings, deps: Sip2ClientDeps) {
    super();
    this.#settings = settings;
    this.pool = deps.pool;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.pool.on("state", (state) => this.emit("state", state));
  }

  get state(): Sip2ConnectionState {
    return this.pool.state;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  // ---- transactions that change the ILS ------------------------------------------------------------

  checkout(
    request: PatronRequest & { itemId: string; feeAcknowledged?: boolean },
    options: TransactionOptions = {},
  ): Promise<CheckoutResult> {
    const itemId = request.itemId.trim();
    const tx = this.#tx(options);
    const message = (): Sip2Message => ({
      type: "checkout",
      scRenewalPolicy: this.#settings.scRenewalPolicy,
      noBlock: options.noBlock === true,
      transactionDate: this.#date(options.transactionDate),
      nbDueDate: SIP2_BLANK_DATE,
      ...this.#patron(request),
      itemIdentifier: itemId,
      ...(request.feeAcknowledged !== undefined ? { feeAcknowledged: request.feeAcknowledged ? "Y" : "N" } : {}),
    });
    return this.pool.withKey(itemId, () =>
      this.#transact<"checkoutResponse", CheckoutResult>(
        "checkout",
        tx,
        options,
        message,
        "checkoutResponse",
        (r) => this.#circulation(tx, r),
        {
          verify: async () => {
            const item = await this.#item(itemId, tx, options);
            if (!CHARGED.has(item.raw.circulationStatus)) return "not-done";
            // Charged: to this patron? Ask for the patron's charged items.
            const patron = await this.#patronInfo(
              { ...request, summary: "chargedItems", start: 1, end: 9999 },
              tx,
              options,
            );
            if (patron.items.includes(itemId)) {
              return { done: this.#recoveredCheckout(tx, itemId, item) };
            }
            return patron.items.length >= patron.counts.charged
              ? "not-done"
              : { unknown: "the list of loans is cut short" };
          },
        },
      ),
    );
  }

  checkin(request: { itemId: string }, options: TransactionOptions = {}): Promise<CheckinResult> {
    const itemId = request.itemId.trim();
    const tx = this.#tx(options);
    const message = (): Sip2Message => {
      const date = this.#date(options.transactionDate);
      return {
        type: "checkin",
        noBlock: options.noBlock === true,
        transactionDate: date,
        returnDate: date,
        currentLocation: this.#settings.location,
        institutionId: this.#settings.institution,
        itemIdentifier: itemId,
        terminalPassword: this.#settings.terminalPassword,
      };
    };
    return this.pool.withKey(itemId, () =>
      this.#transact<"checkinResponse", CheckinResult>(
        "checkin",
        tx,
        options,
        message,
        "checkinResponse",
        (r) => this.#checkinResult(tx, r),
        {
          verify: async () => {
            const item = await this.#item(itemId, tx, options);
            if (CHARGED.has(item.raw.circulationStatus)) return "not-done";
            // The 17 says where the item is going, not why: a transit or the hold shelf is all it can tell.
            const alerts: CheckinAlert[] =
              item.circulationStatus === "inTransit"
                ? [{ kind: "transit", ...opt("destination", item.raw.destinationLocation) }]
                : item.circulationStatus === "waitingOnHoldShelf"
                  ? [{ kind: "hold-here" }]
                  : [];
            return {
              done: {
                ...this.#common(tx, item.raw),
                recovered: "confirmed",
                ok: true,
                itemId,
                ...opt("title", item.title),
                resensitize: true,
                magneticMedia: null,
                ...opt("permanentLocation", item.permanentLocation),
                alerts,
                raw: item.raw,
              },
            };
          },
        },
      ),
    );
  }

  renew(
    request: PatronRequest & { itemId: string; feeAcknowledged?: boolean },
    options: TransactionOptions = {},
  ): Promise<CheckoutResult> {
    const itemId = request.itemId.trim();
    const tx = this.#tx(options);
    const message = (): Sip2Message => ({
      type: "renew",
      thirdPartyAllowed: false,
      noBlock: options.noBlock === true,
      transactionDate: this.#date(options.transactionDate),
      nbDueDate: SIP2_BLANK_DATE,
      ...this.#patron(request),
      itemIdentifier: itemId,
      ...(request.feeAcknowledged !== undefined ? { feeAcknowledged: request.feeAcknowledged ? "Y" : "N" } : {}),
    });
    return this.pool.withKey(itemId, async () => {
      // A renewal leaves no trace but a later due date, so note the due date before.
      const before = await this.#item(itemId, tx, options);
      return this.#transact<"renewResponse", CheckoutResult>(
        "renew",
        tx,
        options,
        message,
        "renewResponse",
        (r) => this.#circulation(tx, r),
        {
          verify: async () => {
            const after = await this.#item(itemId, tx, options);
            if (!CHARGED.has(after.raw.circulationStatus)) return { unknown: "the item is no longer on loan" };
            if ((after.raw.dueDate ?? "") === (before.raw.dueDate ?? "")) return "not-done";
            return { done: this.#recoveredCheckout(tx, itemId, after) };
          },
        },
      );
    });
  }

  feePaid(
    request: PatronRequest & {
      amount: string;
      currency: string;
      feeType?: FeeType;
      paymentType?: PaymentType;
      feeId?: string;
      transactionId?: string;
    },
    options: TransactionOptions = {},
  ): Promise<FeePaidResult> {
    const tx = this.#tx(options);
    const amount = request.amount.trim();
    const message = (): Sip2Message => ({
      type: "feePaid",
      transactionDate: this.#date(options.transactionDate),
      feeType: FEE_TYPE[request.feeType ?? "other"],
      paymentType: PAYMENT_TYPE[request.paymentType ?? "cash"],
      currencyType: request.currency,
      feeAmount: amount,
      ...this.#patron(request),
      ...opt("feeIdentifier", request.feeId),
      ...opt("transactionId", request.transactionId ?? tx),
    });
    // A payment is keyed on the patron: two payments of one patron never overlap, so balances compare.
    return this.pool.withKey(`patron:${request.patronId}`, async () => {
      const before = await this.#patronInfo(request, tx, options);
      return this.#transact<"feePaidResponse", FeePaidResult>(
        "feePaid",
        tx,
        options,
        message,
        "feePaidResponse",
        (r): FeePaidResult => ({
          ...this.#common(tx, r),
          accepted: r.paymentAccepted,
          ...opt("transactionId", r.transactionId),
          raw: r,
        }),
        {
          verify: async () => {
            const after = await this.#patronInfo(request, tx, options);
            const was = cents(before.fee?.amount ?? "0");
            const now = cents(after.fee?.amount ?? "0");
            const paid = cents(amount);
            if (was === undefined || now === undefined || paid === undefined) {
              return { unknown: "the ILS reports no readable balance" };
            }
            if (now === was) return "not-done";
            if (now === was - paid) {
              return {
                done: { ...this.#common(tx, after.raw), recovered: "confirmed", accepted: true, raw: after.raw },
              };
            }
            return { unknown: `the balance changed by ${(was - now) / 100}, not by ${amount}` };
          },
        },
      );
    });
  }

  renewAll(
    request: PatronRequest & { feeAcknowledged?: boolean },
    options: TransactionOptions = {},
  ): Promise<RenewAllResult> {
    const tx = this.#tx(options);
    // Renew All is not asked again after a lost answer: renewing what is renewable twice changes nothing
    // more than once, but the kiosk shows the due dates it gets from Patron Information afterwards anyway.
    return this.#request(
      {
        type: "renewAll",
        transactionDate: this.#date(options.transactionDate),
        ...this.#patron(request),
        ...(request.feeAcknowledged !== undefined ? { feeAcknowledged: request.feeAcknowledged ? "Y" : "N" } : {}),
      },
      "renewAllResponse",
      tx,
      options,
    ).then((r) => ({
      ...this.#common(tx, r),
      ok: r.ok,
      renewed: r.renewedItems ?? [],
      unrenewed: r.unrenewedItems ?? [],
      raw: r,
    }));
  }

  hold(
    request: PatronRequest & {
      mode: HoldMode;
      itemId?: string;
      titleId?: string;
      pickupLocation?: string;
      holdType?: HoldType;
      expires?: Date;
    },
    options: TransactionOptions = {},
  ): Promise<HoldResult> {
    const tx = this.#tx(options);
    return this.#request(
      {
        type: "hold",
        holdMode: HOLD_MODE[request.mode],
        transactionDate: this.#date(options.transactionDate),
        ...(request.expires ? { expirationDate: this.#date(request.expires) } : {}),
        ...opt("pickupLocation", request.pickupLocation),
        ...(request.holdType ? { holdType: HOLD_TYPE[request.holdType] } : {}),
        ...this.#patron(request),
        ...opt("itemIdentifier", request.itemId?.trim()),
        ...opt("titleIdentifier", request.titleId),
      },
      "holdResponse",
      tx,
      options,
    ).then((r) => ({
      ...this.#common(tx, r),
      ok: r.ok,
      available: r.available,
      ...opt("queuePosition", r.queuePosition),
      ...opt("pickupLocation", r.pickupLocation),
      raw: r,
    }));
  }

  endSession(request: PatronRequest, options: TransactionOptions = {}): Promise<EndSessionResult> {
    const tx = this.#tx(options);
    return this.#request(
      { type: "endPatronSession", transactionDate: this.#date(options.transactionDate), ...this.#patron(request) },
      "endSessionResponse",
      tx,
      { ...options, retries: this.#settings.readRetries },
    ).then((r) => ({ ...this.#common(tx, r), ended: r.endSession, raw: r }));
  }

  // ---- reads ---------------------------------------------------------------------------------------

  patronStatus(request: PatronRequest, options: TransactionOptions = {}): Promise<PatronResult> {
    const tx = this.#tx(options);
    return this.#request(
      {
        type: "patronStatusRequest",
        language: "000",
        transactionDate: this.#date(options.transactionDate),
        ...this.#patron(request),
        patronPassword: request.patronPassword ?? "",
      },
      "patronStatusResponse",
      tx,
      { ...options, retries: this.#settings.readRetries },
    ).then((r) => this.#patronResult(tx, r, request));
  }

  patronInformation(
    request: PatronRequest & { summary?: SummaryList; start?: number; end?: number },
    options: TransactionOptions = {},
  ): Promise<PatronInformationResult> {
    return this.#patronInfo(request, this.#tx(options), options);
  }

  itemInformation(request: { itemId: string }, options: TransactionOptions = {}): Promise<ItemResult> {
    return this.#item(request.itemId.trim(), this.#tx(options), options);
  }

  // ---- the machinery -------------------------------------------------------------------------------

  /**
   * Sends a transaction; after a link failure asks the ILS what happened (`verify`) and then reports it
   * done, sends it again (up to `transactionRetries`), or fails with SIP2_OUTCOME_UNKNOWN.
   */
  async #transact<T extends MessageType, R>(
    what: string,
    tx: string,
    options: TransactionOptions,
    message: () => Sip2Message,
    expect: T,
    result: (answer: MessageOf<T>) => R,
    recovery: { verify: () => Promise<Verdict<R>> },
  ): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      let lost: Error;
      try {
        const answer = await this.#request(message(), expect, tx, options);
        const out = result(answer);
        return attempt > 0 ? { ...out, recovered: "retried" } : out;
      } catch (error) {
        if (!isLinkFailure(error)) throw error;
        lost = error as Error;
      }
      this.#logger?.warn(
        { tx, what, code: (lost as Sip2ClientError).code, attempt },
        "sip2: answer lost; asking the ILS what happened",
      );
      let verdict: Verdict<R>;
      try {
        verdict = await recovery.verify();
      } catch (error) {
        verdict = { unknown: `asking the ILS failed too (${(error as Error).message})` };
      }
      if (verdict !== "not-done" && "done" in verdict) {
        this.#logger?.info({ tx, what }, "sip2: the ILS confirms the transaction was done");
        return verdict.done;
      }
      if (verdict === "not-done" && attempt < this.#settings.transactionRetries) {
        this.#logger?.info({ tx, what }, "sip2: the ILS did not do it; sending it again");
        continue;
      }
      const why = verdict === "not-done" ? "the ILS did not do it and the retries are used up" : verdict.unknown;
      throw new Sip2ClientError(
        verdict === "not-done" ? (lost as Sip2ClientError).code : "SIP2_OUTCOME_UNKNOWN",
        `${what} ${tx}: the answer was lost (${lost.message}) and ${why}. ` +
          (verdict === "not-done"
            ? "Nothing was done; it can be tried again."
            : "Check the item at the staff desk before trying again."),
        { tx, what, outcome: verdict === "not-done" ? "not-done" : "unknown" },
        { cause: lost },
      );
    }
  }

  #request<T extends MessageType>(
    message: Sip2Message,
    expect: T,
    tx: string,
    options: TransactionOptions & PoolRequestOptions,
  ): Promise<MessageOf<T>> {
    this.#logger?.debug({ tx, type: message.type }, "sip2: request");
    return this.pool.request(message, expect, {
      tx,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.retries ? { retries: options.retries } : {}),
    });
  }

  async #item(itemId: string, tx: string, options: TransactionOptions): Promise<ItemResult> {
    const r = await this.#request(
      {
        type: "itemInformation",
        transactionDate: this.#date(),
        institutionId: this.#settings.institution,
        itemIdentifier: itemId,
        terminalPassword: this.#settings.terminalPassword,
      },
      "itemInformationResponse",
      tx,
      { ...options, retries: this.#settings.readRetries },
    );
    const status = nameOfCode(CIRCULATION_STATUS, r.circulationStatus);
    return {
      ...this.#common(tx, r),
      itemId,
      // An ILS that does not know the item answers with no title (Koha, Evergreen) or circulation status 01.
      found: (r.titleIdentifier ?? "") !== "",
      circulationStatus: status,
      ...opt("title", r.titleIdentifier || undefined),
      ...(r.dueDate ? { dueDate: parseDueDate(r.dueDate) } : {}),
      ...(r.holdQueueLength ? { holdQueueLength: Number.parseInt(r.holdQueueLength, 10) } : {}),
      ...opt("permanentLocation", r.permanentLocation),
      ...opt("currentLocation", r.currentLocation),
      ...fee(r),
      raw: r,
    };
  }

  async #patronInfo(
    request: PatronRequest & { summary?: SummaryList; start?: number; end?: number },
    tx: string,
    options: TransactionOptions,
  ): Promise<PatronInformationResult> {
    const r = await this.#request(
      {
        type: "patronInformation",
        language: "000",
        transactionDate: this.#date(),
        summary: request.summary ?? null,
        ...this.#patron(request),
        ...(request.start !== undefined ? { startItem: String(request.start) } : {}),
        ...(request.end !== undefined ? { endItem: String(request.end) } : {}),
      },
      "patronInformationResponse",
      tx,
      { ...options, retries: this.#settings.readRetries },
    );
    const list = request.summary ? (r[request.summary] ?? []) : [];
    return {
      ...this.#patronResult(tx, r, request),
      counts: {
        holds: r.holdItemsCount,
        overdue: r.overdueItemsCount,
        charged: r.chargedItemsCount,
        fines: r.fineItemsCount,
        recalls: r.recallItemsCount,
        unavailableHolds: r.unavailableHoldsCount,
      },
      // Lists carry the barcode first; some ILSes (and fine lists) add text after a space.
      items: list.map((entry) => entry.split(" ")[0] ?? entry),
      raw: r,
    };
  }

  #patronResult<M extends MessageOf<"patronStatusResponse"> | MessageOf<"patronInformationResponse">>(
    tx: string,
    r: M,
    request: PatronRequest,
  ): PatronResult & { raw: M } {
    return {
      ...this.#common(tx, r),
      patronId: request.patronId,
      valid: r.validPatron === "Y",
      ...(request.patronPassword !== undefined && r.validPatronPassword !== undefined
        ? { passwordValid: r.validPatronPassword === "Y" }
        : {}),
      name: r.personalName,
      status: r.patronStatus,
      ...fee(r),
      raw: r,
    };
  }

  #circulation(tx: string, r: MessageOf<"checkoutResponse" | "renewResponse">): CheckoutResult {
    return {
      ...this.#common(tx, r),
      ok: r.ok,
      itemId: r.itemIdentifier,
      ...opt("title", r.titleIdentifier || undefined),
      ...(r.dueDate ? { dueDate: parseDueDate(r.dueDate) } : {}),
      renewalOk: r.renewalOk,
      magneticMedia: r.magneticMedia,
      desensitize: r.desensitize,
      ...fee(r),
      ...opt("mediaType", r.mediaType),
      ...opt("transactionId", r.transactionId),
      raw: r,
    };
  }

  #recoveredCheckout(tx: string, itemId: string, item: ItemResult): CheckoutResult {
    return {
      ...this.#common(tx, item.raw),
      recovered: "confirmed",
      ok: true,
      itemId,
      ...opt("title", item.title),
      ...opt("dueDate", item.dueDate),
      renewalOk: false,
      magneticMedia: null,
      desensitize: null,
      raw: item.raw,
    };
  }

  #checkinResult(tx: string, r: MessageOf<"checkinResponse">): CheckinResult {
    return {
      ...this.#common(tx, r),
      ok: r.ok,
      itemId: r.itemIdentifier,
      ...opt("title", r.titleIdentifier || undefined),
      resensitize: r.resensitize,
      magneticMedia: r.magneticMedia,
      ...opt("permanentLocation", r.permanentLocation || undefined),
      alerts: checkinAlerts(r, this.#settings.location),
      raw: r,
    };
  }

  #common(tx: string, r: { screenMessage?: string[]; printLine?: string[] }) {
    return { tx, screenMessages: r.screenMessage ?? [], printLines: r.printLine ?? [] };
  }

  /** AO, AA, AC and AD, as every patron request carries them. */
  #patron(request: PatronRequest) {
    const pin = request.patronPassword;
    return {
      institutionId: this.#settings.institution,
      patronIdentifier: request.patronId.trim(),
      terminalPassword: this.#settings.terminalPassword,
      ...(pin !== undefined || this.#settings.sendEmptyPatronPassword ? { patronPassword: pin ?? "" } : {}),
    };
  }

  #date(date?: Date): string {
    return formatSip2Date(date ?? new Date(this.#clock.now()), this.#settings.dateZone);
  }

  #tx(options: TransactionOptions): string {
    return options.tx ?? `${this.#txPrefix}-${++this.#txCount}`;
  }
}

/**
 * Alerts of a checkin answer. With the CV extension (Koha, Evergreen) the type is explicit; without it the
 * alert flag plus a destination (CT) other than here means transit. A sort bin (CL) is its own alert.
 */
export function checkinAlerts(r: MessageOf<"checkinResponse">, here: string): CheckinAlert[] {
  const alerts: CheckinAlert[] = [];
  const destination = r.destinationLocation || undefined;
  const type = r.alertType ? nameOfCode(ALERT_TYPE, r.alertType) : undefined;
  if (type === "holdHere") alerts.push({ kind: "hold-here" });
  else if (type === "holdElsewhere") alerts.push({ kind: "hold-elsewhere", ...opt("destination", destination) });
  else if (type === "transit") alerts.push({ kind: "transit", ...opt("destination", destination) });
  else if (r.alert || type !== undefined) {
    alerts.push(destination && destination !== here ? { kind: "transit", destination } : { kind: "other" });
  }
  if (r.sortBin) alerts.push({ kind: "sort-bin", bin: r.sortBin });
  return alerts;
}

function fee(r: { feeType?: string; feeAmount?: string; currencyType?: string }): { fee?: FeeDetails } {
  if (!r.feeAmount) return {};
  const type = r.feeType ? (nameOfCode(FEE_TYPE, r.feeType) ?? r.feeType) : undefined;
  return { fee: { amount: r.feeAmount, ...opt("type", type), ...opt("currency", r.currencyType) } };
}

/** Amount in hundredths, locale-independent ("12.50" → 1250); undefined when unreadable. */
function cents(amount: string): number | undefined {
  const m = /^\s*(-?)(\d+)(?:[.,](\d{1,2}))?\s*$/.exec(amount);
  if (!m) return undefined;
  const value = Number(m[2]) * 100 + Number((m[3] ?? "0").padEnd(2, "0"));
  return m[1] === "-" ? -value : value;
}

/** `{ [key]: value }` when value is set, else nothing: for exactOptionalPropertyTypes. */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
