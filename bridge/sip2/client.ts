/**
 * The SIP2 client the kiosk depends on (`Sip2Service`): typed transactions over a pool of connections.
 *
 * A transaction is never doubled and never lost silently. When a checkout, checkin, renewal or fee
 * payment times out or its connection drops before the answer, it is not simply sent again: the client
 * asks the ILS on a healthy connection what state the item (or the patron's balance) is in, and then
 * reports the transaction as done, sends it once more, or fails with SIP2_OUTCOME_UNKNOWN. Everything for
 * one item runs in order (the pool's key), so no other request for that item slips in between.
 * Every transaction has an id (`tx`), in the logs and in its result or error.
 *
 * Each kind is one row of TRANSACTIONS (request, answer, what to note before, how to verify); one runner
 * sends them all. `inquire` runs a kind's verification alone, for a journal recovering after a crash.
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
  SUPPORTED_MESSAGES,
  type SummaryList,
  type SupportedMessage,
} from "../../protocols/sip2/index.ts";
import type { Clock } from "../transports/clock.ts";
import type { Sip2ConnectionState } from "./connection.ts";
import { isLinkFailure, Sip2ClientError } from "./errors.ts";
import type { PoolRequestOptions, Sip2Pool } from "./pool.ts";

/** What the client sends besides the request's own fields; the ILS profile decides most of these. */
export interface Sip2TransactionSettings {
  /** AO; empty: the one the ACS names in its status (98). */
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
  /** The answer as decoded; for a recovered renew all, the 63 that confirmed it. */
  raw: Sip2Message;
}

export interface HoldResult extends Common {
  ok: boolean;
  available: boolean;
  queuePosition?: string;
  pickupLocation?: string;
  /** The answer as decoded; for a recovered hold, the 63 that confirmed it. */
  raw: Sip2Message;
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

export type CirculationRequest = PatronRequest & {
  itemId: string;
  feeAcknowledged?: boolean;
  /**
   * Checkout only: false sends the SC renewal policy as N for this checkout, so the ILS does not renew an
   * item the patron already has (the library's choice, `kiosk.renewOnCheckout`). It can only narrow the
   * connection's own policy (`sip2.overrides.scRenewalPolicy`), never widen it.
   */
  renewal?: boolean;
};
export type RenewAllRequest = PatronRequest & { feeAcknowledged?: boolean };

export interface FeePaidRequest extends PatronRequest {
  amount: string;
  currency: string;
  feeType?: FeeType;
  paymentType?: PaymentType;
  feeId?: string;
  transactionId?: string;
}

export interface HoldRequest extends PatronRequest {
  mode: HoldMode;
  itemId?: string;
  titleId?: string;
  pickupLocation?: string;
  holdType?: HoldType;
  expires?: Date;
}

/**
 * Every transaction that changes the ILS: its request, its result, the answer it expects, and what is
 * noted before it is sent so that a lost answer can be settled afterwards (`before`; plain JSON, so a
 * journal can keep it across a crash).
 */
export interface Sip2Transactions {
  checkout: { request: CirculationRequest; result: CheckoutResult; answer: "checkoutResponse"; before: undefined };
  checkin: { request: { itemId: string }; result: CheckinResult; answer: "checkinResponse"; before: undefined };
  /** A renewal leaves no trace but a later due date: the due date before (AH as sent, "" for none). */
  renew: { request: CirculationRequest; result: CheckoutResult; answer: "renewResponse"; before: { dueDate: string } };
  /** The due date of every loan before (item → AH). */
  renewAll: {
    request: RenewAllRequest;
    result: RenewAllResult;
    answer: "renewAllResponse";
    before: { dueDates: Record<string, string> };
  };
  /**
   * The balance before (BV as the ILS reports it, "0" for none) and, for a payment of one fee (CG), whether
   * the ILS listed that fee among the patron's fine items (false also when its lines carry no fee ids).
   */
  feePaid: {
    request: FeePaidRequest;
    result: FeePaidResult;
    answer: "feePaidResponse";
    before: { balance: string; feeListed: boolean };
  };
  /** How many holds the patron had: ready ones (hold items) and the others (unavailable holds). */
  hold: {
    request: HoldRequest;
    result: HoldResult;
    answer: "holdResponse";
    before: { ready: number; waiting: number };
  };
  endSession: { request: PatronRequest; result: EndSessionResult; answer: "endSessionResponse"; before: undefined };
}

export type TransactionKind = keyof Sip2Transactions;
type Req<K extends TransactionKind> = Sip2Transactions[K]["request"];
type Res<K extends TransactionKind> = Sip2Transactions[K]["result"];
type Before<K extends TransactionKind> = Sip2Transactions[K]["before"];

/**
 * What asking the ILS about a transaction found out. `not-done` means sending it (again) is safe: the ILS
 * did not do it, or doing it twice changes nothing more than once (end session, a hold change).
 */
export type Inquiry<R> =
  | { outcome: "done"; result: R }
  | { outcome: "not-done" }
  | { outcome: "unknown"; reason: string };

export interface Sip2Service {
  readonly state: Sip2ConnectionState;
  /** Whether the ACS supports a message (SC Status BX); undefined when not known yet. */
  supports?(message: SupportedMessage): boolean | undefined;
  on(event: "state", listener: (state: Sip2ConnectionState) => void): unknown;
  off(event: "state", listener: (state: Sip2ConnectionState) => void): unknown;
  checkout(request: CirculationRequest, options?: TransactionOptions): Promise<CheckoutResult>;
  checkin(request: { itemId: string }, options?: TransactionOptions): Promise<CheckinResult>;
  renew(request: CirculationRequest, options?: TransactionOptions): Promise<CheckoutResult>;
  renewAll(request: RenewAllRequest, options?: TransactionOptions): Promise<RenewAllResult>;
  feePaid(request: FeePaidRequest, options?: TransactionOptions): Promise<FeePaidResult>;
  hold(request: HoldRequest, options?: TransactionOptions): Promise<HoldResult>;
  endSession(request: PatronRequest, options?: TransactionOptions): Promise<EndSessionResult>;
  patronStatus(request: PatronRequest, options?: TransactionOptions): Promise<PatronResult>;
  patronInformation(
    request: PatronRequest & { summary?: SummaryList; start?: number; end?: number },
    options?: TransactionOptions,
  ): Promise<PatronInformationResult>;
  itemInformation(request: { itemId: string }, options?: TransactionOptions): Promise<ItemResult>;
  /** Notes what `inquire` will compare against; call it before the transaction is sent. */
  snapshot<K extends TransactionKind>(kind: K, request: Req<K>, options?: TransactionOptions): Promise<Before<K>>;
  /**
   * Asks the ILS whether a transaction that may have reached it was done (crash recovery, a lost answer).
   * Throws a link failure when the ILS cannot be asked; never sends the transaction itself.
   */
  inquire<K extends TransactionKind>(
    kind: K,
    request: Req<K>,
    before: Before<K> | undefined,
    options?: TransactionOptions,
  ): Promise<Inquiry<Res<K>>>;
  close(): Promise<void>;
}

/** What a transaction's steps may use: its id and date, the settings, and the reads that verify. */
interface TxContext {
  tx: string;
  settings: Sip2TransactionSettings;
  noBlock: boolean;
  institution(): string;
  /** The transaction's own date (offline replay), else now. */
  transactionDate(): string;
  date(at: Date): string;
  patron(request: PatronRequest): PatronFields;
  common(r: { screenMessage?: string[]; printLine?: string[] }): Common;
  /** The item and patron reads of a verification: see `Sip2Client.#recognised`. */
  item(itemId: string): Promise<ItemResult>;
  patronInfo(
    request: PatronRequest & { summary?: SummaryList; start?: number; end?: number },
  ): Promise<PatronInformationResult>;
}

interface PatronFields {
  institutionId: string;
  patronIdentifier: string;
  terminalPassword: string;
  patronPassword?: string;
}

/** One transaction kind: how to send it, read its answer, and settle it after a lost answer. */
interface TransactionSpec<K extends TransactionKind> {
  /** Work under one key runs in order: an item's, or a patron's for patron-wide transactions. */
  key(request: Req<K>): string;
  answer: Sip2Transactions[K]["answer"];
  message(request: Req<K>, ctx: TxContext): Sip2Message;
  result(answer: MessageOf<Sip2Transactions[K]["answer"]>, ctx: TxContext): Res<K>;
  /** Only for kinds whose trace in the ILS is a change (a later due date, a lower balance). */
  snapshot?(request: Req<K>, ctx: TxContext): Promise<Before<K>>;
  /** `before` is undefined when nothing was noted (a journal entry written without it). */
  verify(request: Req<K>, ctx: TxContext, before: Before<K> | undefined): Promise<Inquiry<Res<K>>>;
}

const CHARGED: ReadonlySet<string> = new Set([CIRCULATION_STATUS.charged, CIRCULATION_STATUS.chargedNotRecallable]);

const NOT_DONE = { outcome: "not-done" } as const;
const unknown = (reason: string) => ({ outcome: "unknown", reason }) as const;
const done = <R>(result: R) => ({ outcome: "done", result }) as const;
const NOTHING_NOTED = unknown("nothing was noted before it was sent to compare with");
/** A 63 whose patron the ACS does not recognise lists no loans, holds or fees: it says nothing about them. */
const UNRECOGNISED = unknown("the ILS did not recognise the patron when asked");
/** Nor does an 18 for an item the ACS does not know say whether it is on loan. */
const ITEM_UNKNOWN = unknown("the ILS did not know the item when asked");

const itemKey = (request: { itemId: string }) => request.itemId.trim();
const patronKey = (request: PatronRequest) => `patron:${request.patronId.trim()}`;
const feeAck = (request: { feeAcknowledged?: boolean }) =>
  request.feeAcknowledged !== undefined ? { feeAcknowledged: request.feeAcknowledged ? "Y" : "N" } : {};

/** What checkout (11) and renew (29) both carry. */
function circulationFields(request: CirculationRequest, ctx: TxContext) {
  return {
    noBlock: ctx.noBlock,
    transactionDate: ctx.transactionDate(),
    nbDueDate: SIP2_BLANK_DATE,
    ...ctx.patron(request),
    itemIdentifier: itemKey(request),
    ...feeAck(request),
  };
}

/** Due date of every loan of the patron (item → AH, "" for none): one 63, then a 17 per loan. */
async function loansDue(request: PatronRequest, ctx: TxContext) {
  const info = await ctx.patronInfo({ ...request, summary: "chargedItems", start: 1, end: 9999 });
  const items = await Promise.all(info.items.map((id) => ctx.item(id)));
  const allFound = items.every((i) => i.found);
  return { info, allFound, dueDates: Object.fromEntries(items.map((i) => [i.itemId, i.raw.dueDate ?? ""])) };
}

async function holdsOf(request: PatronRequest, ctx: TxContext) {
  const info = await ctx.patronInfo({ patronId: request.patronId, ...opt("patronPassword", request.patronPassword) });
  return { info, counts: { ready: info.counts.holds, waiting: info.counts.unavailableHolds } };
}

function recoveredCheckout(ctx: TxContext, itemId: string, item: ItemResult): CheckoutResult {
  return {
    ...ctx.common(item.raw),
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

function circulation(ctx: TxContext, r: MessageOf<"checkoutResponse" | "renewResponse">): CheckoutResult {
  return {
    ...ctx.common(r),
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

/**
 * The transactions, as data. Each `verify` asks with reads only (17 Item Information, 63 Patron
 * Information): reference/sip2.md "Double checkout risk: … Ask with Item Information (17) before retrying".
 */
const TRANSACTIONS: { [K in TransactionKind]: TransactionSpec<K> } = {
  checkout: {
    key: itemKey,
    answer: "checkoutResponse",
    message: (request, ctx) => ({
      type: "checkout",
      scRenewalPolicy: ctx.settings.scRenewalPolicy && request.renewal !== false,
      ...circulationFields(request, ctx),
    }),
    result: (r, ctx) => circulation(ctx, r),
    verify: async (request, ctx) => {
      const itemId = itemKey(request);
      const item = await ctx.item(itemId);
      if (!item.found) return ITEM_UNKNOWN;
      if (!CHARGED.has(item.raw.circulationStatus)) return NOT_DONE;
      // Charged: to this patron? The 18 does not say: Koha (C4/SIP/Sip/MsgType.pm handle_item_information) and
      // Evergreen (OpenILS/Application/SIP2.pm handle_item_info) send no borrower (Evergreen's CY is the patron
      // a hold waits for). So the patron's charged items (63) tell.
      const patron = await ctx.patronInfo({ ...request, summary: "chargedItems", start: 1, end: 9999 });
      if (!patron.valid) return UNRECOGNISED;
      if (patron.items.includes(itemId)) return done(recoveredCheckout(ctx, itemId, item));
      return patron.items.length >= patron.counts.charged ? NOT_DONE : unknown("the list of loans is cut short");
    },
  },

  checkin: {
    key: itemKey,
    answer: "checkinResponse",
    message: (request, ctx) => {
      const date = ctx.transactionDate();
      return {
        type: "checkin",
        noBlock: ctx.noBlock,
        transactionDate: date,
        returnDate: date,
        currentLocation: ctx.settings.location,
        institutionId: ctx.institution(),
        itemIdentifier: itemKey(request),
        terminalPassword: ctx.settings.terminalPassword,
      };
    },
    result: (r, ctx) => ({
      ...ctx.common(r),
      ok: r.ok,
      itemId: r.itemIdentifier,
      ...opt("title", r.titleIdentifier || undefined),
      resensitize: r.resensitize,
      magneticMedia: r.magneticMedia,
      ...opt("permanentLocation", r.permanentLocation || undefined),
      alerts: checkinAlerts(r, ctx.settings.location),
      raw: r,
    }),
    verify: async (request, ctx) => {
      const item = await ctx.item(itemKey(request));
      if (!item.found) return ITEM_UNKNOWN;
      if (CHARGED.has(item.raw.circulationStatus)) return NOT_DONE;
      // The 17 says where the item is going, not why: a transit or the hold shelf is all it can tell.
      const alerts: CheckinAlert[] =
        item.circulationStatus === "inTransit"
          ? [{ kind: "transit", ...opt("destination", item.raw.destinationLocation) }]
          : item.circulationStatus === "waitingOnHoldShelf"
            ? [{ kind: "hold-here" }]
            : [];
      return done({
        ...ctx.common(item.raw),
        recovered: "confirmed",
        ok: true,
        itemId: item.itemId,
        ...opt("title", item.title),
        resensitize: true,
        magneticMedia: null,
        ...opt("permanentLocation", item.permanentLocation),
        alerts,
        raw: item.raw,
      });
    },
  },

  renew: {
    key: itemKey,
    answer: "renewResponse",
    message: (request, ctx) => ({
      type: "renew",
      thirdPartyAllowed: false,
      ...circulationFields(request, ctx),
    }),
    result: (r, ctx) => circulation(ctx, r),
    snapshot: async (request, ctx) => ({ dueDate: (await ctx.item(itemKey(request))).raw.dueDate ?? "" }),
    verify: async (request, ctx, before) => {
      if (before === undefined) return NOTHING_NOTED;
      const after = await ctx.item(itemKey(request));
      if (!after.found) return ITEM_UNKNOWN;
      if (!CHARGED.has(after.raw.circulationStatus)) return unknown("the item is no longer on loan");
      // An unchanged due date does not prove it was not renewed: a renewal on the day of the checkout (or
      // of an earlier renewal) gives the same date. Sending it again could renew twice, so it is unknown.
      if ((after.raw.dueDate ?? "") === before.dueDate) return unknown("the due date did not change");
      return done(recoveredCheckout(ctx, itemKey(request), after));
    },
  },

  renewAll: {
    key: patronKey,
    answer: "renewAllResponse",
    message: (request, ctx) => ({
      type: "renewAll",
      transactionDate: ctx.transactionDate(),
      ...ctx.patron(request),
      ...feeAck(request),
    }),
    result: (r, ctx) => ({
      ...ctx.common(r),
      ok: r.ok,
      renewed: r.renewedItems ?? [],
      unrenewed: r.unrenewedItems ?? [],
      raw: r,
    }),
    snapshot: async (request, ctx) => ({ dueDates: (await loansDue(request, ctx)).dueDates }),
    // Renewed loans show a later due date. None changed cannot be told from renewals to the same date
    // (as for renew), so it is unknown rather than sent again.
    verify: async (request, ctx, before) => {
      if (before === undefined) return NOTHING_NOTED;
      const after = await loansDue(request, ctx);
      if (!after.info.valid) return UNRECOGNISED;
      if (!after.allFound) return ITEM_UNKNOWN;
      const loans = Object.keys(before.dueDates);
      const due = after.dueDates;
      const renewed = loans.filter((id) => due[id] !== undefined && due[id] !== before.dueDates[id]);
      if (renewed.length === 0) return unknown("no due date changed");
      return done({
        ...ctx.common(after.info.raw),
        recovered: "confirmed",
        ok: true,
        renewed,
        unrenewed: loans.filter((id) => !renewed.includes(id)),
        raw: after.info.raw,
      });
    },
  },

  feePaid: {
    // A payment is keyed on the patron: two payments of one patron never overlap, so balances compare.
    key: patronKey,
    answer: "feePaidResponse",
    message: (request, ctx) => ({
      type: "feePaid",
      transactionDate: ctx.transactionDate(),
      feeType: FEE_TYPE[request.feeType ?? "other"],
      paymentType: PAYMENT_TYPE[request.paymentType ?? "cash"],
      currencyType: request.currency,
      feeAmount: request.amount.trim(),
      ...ctx.patron(request),
      ...opt("feeIdentifier", request.feeId),
      ...opt("transactionId", request.transactionId ?? ctx.tx),
    }),
    result: (r, ctx) => ({
      ...ctx.common(r),
      accepted: r.paymentAccepted,
      ...opt("transactionId", r.transactionId),
      raw: r,
    }),
    snapshot: async (request, ctx) => {
      const { balance, feeListed } = await outstanding(request, ctx);
      return { balance, feeListed };
    },
    // SIP2 has no message that looks a payment up: the 37's transaction id (BK) is only echoed in the 38 (SIP2
    // 2.00 "Fee Paid"; Koha C4/SIP/ILS.pm pay_fee and Evergreen OpenILS/SIP.pm pay_fee set it on the reply).
    // What a client can see is the patron's balance (BV of 63/64) and the fine items (AV, summary position 3),
    // whose lines are free text: Koha's default is "description amount" (C4/SIP/ILS/Patron.pm fine_items,
    // av_field_template), Evergreen's "balance type title" (OpenILS/SIP/Patron.pm fine_items); a fee id leads
    // a line only where the ILS is set up so. So: the fee paid (CG) no longer listed, or the balance lower by
    // at least the amount → applied; the balance unchanged and the fee (if it was listed) still there → not
    // applied, safe to send again; anything else (a fine that grew meanwhile, a part payment) → unknown.
    verify: async (request, ctx, before) => {
      if (before === undefined) return NOTHING_NOTED;
      const after = await outstanding(request, ctx);
      if (!after.info.valid) return UNRECOGNISED;
      const was = cents(before.balance);
      const now = cents(after.balance);
      const paid = cents(request.amount);
      const feeGone = before.feeListed && !after.feeListed;
      const recovered = () =>
        done({ ...ctx.common(after.info.raw), recovered: "confirmed" as const, accepted: true, raw: after.info.raw });
      if (feeGone) return recovered();
      if (was === undefined || now === undefined || paid === undefined) {
        return unknown("the ILS reports no readable balance");
      }
      if (now === was && after.feeListed === before.feeListed) return NOT_DONE;
      if (was - now >= paid) return recovered();
      return unknown(
        `the balance was ${before.balance} before and is ${after.balance} now, for a payment of ${request.amount.trim()}`,
      );
    },
  },

  hold: {
    key: patronKey,
    answer: "holdResponse",
    message: (request, ctx) => ({
      type: "hold",
      holdMode: HOLD_MODE[request.mode],
      transactionDate: ctx.transactionDate(),
      ...(request.expires ? { expirationDate: ctx.date(request.expires) } : {}),
      ...opt("pickupLocation", request.pickupLocation),
      ...(request.holdType ? { holdType: HOLD_TYPE[request.holdType] } : {}),
      ...ctx.patron(request),
      ...opt("itemIdentifier", request.itemId?.trim()),
      ...opt("titleIdentifier", request.titleId),
    }),
    result: (r, ctx) => ({
      ...ctx.common(r),
      ok: r.ok,
      available: r.available,
      ...opt("queuePosition", r.queuePosition),
      ...opt("pickupLocation", r.pickupLocation),
      raw: r,
    }),
    snapshot: async (request, ctx) => (await holdsOf(request, ctx)).counts,
    // A placed hold adds one to the patron's holds, a cancelled one takes one away. A change (pickup,
    // expiry) leaves no count to compare, and making the same change twice is the same as once.
    verify: async (request, ctx, before) => {
      if (request.mode === "change") return NOT_DONE;
      if (before === undefined) return NOTHING_NOTED;
      const { info, counts } = await holdsOf(request, ctx);
      if (!info.valid) return UNRECOGNISED;
      const change = counts.ready + counts.waiting - (before.ready + before.waiting);
      if (change === 0) return NOT_DONE;
      if (change !== (request.mode === "add" ? 1 : -1)) return unknown(`the patron's holds changed by ${change}`);
      return done({
        ...ctx.common(info.raw),
        recovered: "confirmed",
        ok: true,
        // A new hold counted among the ready ones (hold items) is waiting on the shelf already.
        available: request.mode === "add" && counts.ready > before.ready,
        ...opt("pickupLocation", request.pickupLocation),
        raw: info.raw,
      });
    },
  },

  endSession: {
    key: patronKey,
    answer: "endSessionResponse",
    message: (request, ctx) => ({
      type: "endPatronSession",
      transactionDate: ctx.transactionDate(),
      ...ctx.patron(request),
    }),
    result: (r, ctx) => ({ ...ctx.common(r), ended: r.endSession, raw: r }),
    // Ending a session twice ends it once: it is simply sent again.
    verify: async () => NOT_DONE,
  },
};

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

  /** Whether the ACS says it supports a message (its SC Status BX list); undefined before any status. */
  supports(message: SupportedMessage): boolean | undefined {
    const bx = this.pool.connections.find((c) => c.acsStatus)?.acsStatus?.supportedMessages;
    if (typeof bx !== "string" || bx.length === 0) return undefined;
    return bx[SUPPORTED_MESSAGES.indexOf(message)]?.toUpperCase() === "Y";
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  // ---- transactions that change the ILS ------------------------------------------------------------

  checkout(request: CirculationRequest, options: TransactionOptions = {}): Promise<CheckoutResult> {
    return this.#run("checkout", request, options);
  }

  checkin(request: { itemId: string }, options: TransactionOptions = {}): Promise<CheckinResult> {
    return this.#run("checkin", request, options);
  }

  renew(request: CirculationRequest, options: TransactionOptions = {}): Promise<CheckoutResult> {
    return this.#run("renew", request, options);
  }

  renewAll(request: RenewAllRequest, options: TransactionOptions = {}): Promise<RenewAllResult> {
    return this.#run("renewAll", request, options);
  }

  feePaid(request: FeePaidRequest, options: TransactionOptions = {}): Promise<FeePaidResult> {
    return this.#run("feePaid", request, options);
  }

  hold(request: HoldRequest, options: TransactionOptions = {}): Promise<HoldResult> {
    return this.#run("hold", request, options);
  }

  endSession(request: PatronRequest, options: TransactionOptions = {}): Promise<EndSessionResult> {
    return this.#run("endSession", request, options);
  }

  snapshot<K extends TransactionKind>(kind: K, request: Req<K>, options: TransactionOptions = {}): Promise<Before<K>> {
    const spec: TransactionSpec<K> = TRANSACTIONS[kind];
    const ctx = this.#context(this.#tx(options), options);
    return this.pool.withKey(spec.key(request), async () =>
      spec.snapshot ? spec.snapshot(request, ctx) : (undefined as Before<K>),
    );
  }

  inquire<K extends TransactionKind>(
    kind: K,
    request: Req<K>,
    before: Before<K> | undefined,
    options: TransactionOptions = {},
  ): Promise<Inquiry<Res<K>>> {
    const spec: TransactionSpec<K> = TRANSACTIONS[kind];
    const ctx = this.#context(this.#tx(options), options);
    return this.pool.withKey(spec.key(request), () => spec.verify(request, ctx, before));
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
   * Sends a transaction; after a link failure asks the ILS what happened (the kind's `verify`) and then
   * reports it done, sends it again (up to `transactionRetries`), or fails with SIP2_OUTCOME_UNKNOWN.
   */
  #run<K extends TransactionKind>(kind: K, request: Req<K>, options: TransactionOptions): Promise<Res<K>> {
    const spec: TransactionSpec<K> = TRANSACTIONS[kind];
    const ctx = this.#context(this.#tx(options), options);
    const { tx } = ctx;
    return this.pool.withKey(spec.key(request), async () => {
      const before = spec.snapshot ? await spec.snapshot(request, ctx) : undefined;
      let resentAfterOffline = false;
      for (let attempt = 0; ; attempt++) {
        let lost: Sip2ClientError;
        try {
          const answer = await this.#request(spec.message(request, ctx), spec.answer, tx, options);
          const out = spec.result(answer as MessageOf<Sip2Transactions[K]["answer"]>, ctx);
          if (refused(out) && ACS_OFFLINE_WORDING.test(out.screenMessages.join(" "))) {
            await this.#offlineRefusal(kind, tx);
            // Refused as offline, yet its status says online: it came back in between (or the wording was
            // about something else). A refusal did nothing, so it goes once more, and that answer stands.
            if (!resentAfterOffline) {
              resentAfterOffline = true;
              this.#logger?.info(
                { tx, what: kind },
                "sip2: refused as offline, but the ACS is online; sending it again",
              );
              attempt--;
              continue;
            }
          }
          return attempt > 0 ? { ...out, recovered: "retried" } : out;
        } catch (error) {
          if (!isLinkFailure(error)) throw error;
          lost = error as Sip2ClientError;
        }
        this.#logger?.warn(
          { tx, what: kind, code: lost.code, attempt },
          "sip2: answer lost; asking the ILS what happened",
        );
        let verdict: Inquiry<Res<K>>;
        try {
          verdict = await spec.verify(request, ctx, before);
        } catch (error) {
          verdict = unknown(`asking the ILS failed too (${(error as Error).message})`);
        }
        if (verdict.outcome === "done") {
          this.#logger?.info({ tx, what: kind }, "sip2: the ILS confirms the transaction was done");
          return verdict.result;
        }
        if (verdict.outcome === "not-done" && attempt < this.#settings.transactionRetries) {
          this.#logger?.info({ tx, what: kind }, "sip2: the ILS did not do it; sending it again");
          continue;
        }
        const notDone = verdict.outcome === "not-done";
        throw new Sip2ClientError(
          notDone ? lost.code : "SIP2_OUTCOME_UNKNOWN",
          `${kind} ${tx}: the answer was lost (${lost.message}) and ` +
            (verdict.outcome === "unknown"
              ? `${verdict.reason}. Check at the staff desk before trying again.`
              : "the ILS did not do it and the retries are used up. Nothing was done; it can be tried again."),
          { tx, what: kind, outcome: verdict.outcome },
          { cause: lost },
        );
      }
    });
  }

  /**
   * A refusal that says the ACS is offline: its status is asked now (not at the next heartbeat). If a 98
   * says online = N, the refusal is the ACS's state, not a verdict on this item: SIP2_ACS_OFFLINE, and
   * the pool reports acs-offline, so the kiosk lends offline from now on.
   */
  #offlineRefusal(kind: TransactionKind, tx: string): Promise<void> {
    return this.#requireOnline(
      `${kind} ${tx}: the ACS refused it because it is offline (its status says online = N). Nothing was done; ` +
        "it can be done offline or tried again when the ACS is back.",
      { tx, what: kind },
    );
  }

  /** Throws SIP2_ACS_OFFLINE with `message` when the ACS's status, asked now, says online = N. */
  async #requireOnline(message: string, details: Record<string, unknown>): Promise<void> {
    if ((await this.pool.checkStatus()) !== "acs-offline") return;
    throw new Sip2ClientError("SIP2_ACS_OFFLINE", message, details);
  }

  #context(tx: string, options: TransactionOptions): TxContext {
    return {
      tx,
      settings: this.#settings,
      noBlock: options.noBlock === true,
      institution: () => this.#institution(),
      transactionDate: () => this.#date(options.transactionDate),
      date: (at) => this.#date(at),
      patron: (request) => this.#patron(request),
      common: (r) => this.#common(tx, r),
      item: (itemId) =>
        this.#recognised(
          () => this.#item(itemId, tx, options),
          (r) => r.found,
          tx,
        ),
      patronInfo: (request) =>
        this.#recognised(
          () => this.#patronInfo(request, tx, options),
          (r) => r.valid,
          tx,
        ),
    };
  }

  /**
   * A verification's read. An ACS that is offline, or whose ILS is down a moment, may answer for nobody: a 63
   * with BL N, an 18 with no title (as for an unknown item). Such an answer is asked again if the ACS's status
   * says online (it may have come back since), else SIP2_ACS_OFFLINE, to be asked when it is back. A second
   * answer that still does not recognise it stands; the verifications read it as telling nothing.
   */
  async #recognised<R>(read: () => Promise<R>, recognised: (r: R) => boolean, tx: string): Promise<R> {
    const first = await read();
    if (recognised(first)) return first;
    await this.#requireOnline(
      `${tx}: the ACS is offline (its status says online = N), so it cannot tell now; ask again when it is back.`,
      { tx },
    );
    return read();
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
        institutionId: this.#institution(),
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
      // Item lists may carry a title after the barcode; a fine item's line is free text, kept whole.
      items: request.summary === "fineItems" ? list : list.map((entry) => entry.split(" ")[0] ?? entry),
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

  #common(tx: string, r: { screenMessage?: string[]; printLine?: string[] }): Common {
    return { tx, screenMessages: r.screenMessage ?? [], printLines: r.printLine ?? [] };
  }

  /** AO, AA, AC and AD, as every patron request carries them. */
  #patron(request: PatronRequest): PatronFields {
    const pin = request.patronPassword;
    return {
      institutionId: this.#institution(),
      patronIdentifier: request.patronId.trim(),
      terminalPassword: this.#settings.terminalPassword,
      ...(pin !== undefined || this.#settings.sendEmptyPatronPassword ? { patronPassword: pin ?? "" } : {}),
    };
  }

  #institution(): string {
    return (
      this.#settings.institution || (this.pool.connections.find((c) => c.acsStatus)?.acsStatus?.institutionId ?? "")
    );
  }

  #date(date?: Date): string {
    return formatSip2Date(date ?? new Date(this.#clock.now()), this.#settings.dateZone);
  }

  #tx(options: TransactionOptions): string {
    return options.tx ?? `${this.#txPrefix}-${++this.#txCount}`;
  }
}

/**
 * Screen wording of an ACS that refuses because it is offline (the simulator's "The library system is
 * offline."); only a hint: the 98 it then sends decides (#offlineRefusal).
 */
const ACS_OFFLINE_WORDING = /\boff-?line\b/i;

function refused(out: object): boolean {
  return ("ok" in out && out.ok === false) || ("accepted" in out && out.accepted === false);
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

/**
 * The patron's balance (BV) and, when the payment names a fee (CG), whether a fine-item line (AV) starts with
 * that fee's id. One 63 asks for both: the fine items summary (position 3) brings the balance with it.
 */
async function outstanding(
  request: FeePaidRequest,
  ctx: TxContext,
): Promise<{ balance: string; feeListed: boolean; info: PatronInformationResult }> {
  const patron = { patronId: request.patronId, ...opt("patronPassword", request.patronPassword) };
  const info = await ctx.patronInfo(
    request.feeId === undefined ? patron : { ...patron, summary: "fineItems", start: 1, end: 9999 },
  );
  const id = request.feeId?.trim();
  const feeListed = id !== undefined && info.items.some((line) => line.trim().split(/\s+/)[0] === id);
  return { balance: info.fee?.amount ?? "0", feeListed, info };
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
