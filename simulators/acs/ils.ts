/**
 * An in-memory ILS for the SIP2 ACS simulator: patrons, items, loans, holds and fees with the
 * circulation rules a real ACS applies, so a kiosk can be built and tested against it.
 *
 * Behaviour follows what Koha (C4/SIP) and Evergreen (OpenILS::SIP) answer over SIP2; where they
 * differ, the comment names the one followed. Operations never throw for business reasons: a refused
 * request comes back with ok=false, a `refusal` code and screen messages. Only malformed arguments
 * (an invalid Date) throw IlsRequestError.
 *
 * Time rules (all in UTC so results do not depend on the host's zone):
 * - Due date: the loan day plus the loan period for the media type, at 23:59:59.
 * - Overdue fine: whole calendar days between the due day and the return day; none within the grace
 *   days, otherwise every day late × the daily fine for the media type, capped per loan. Charged when
 *   the loan ends (checkin) or is extended while overdue (renewal).
 * - A card is valid through its expiry day.
 * - Holds: a pending hold past its expiry and a ready hold past its shelf expiry are dropped at the
 *   start of the next operation; a dropped ready hold leaves its item "waiting to be re-shelved".
 */
import { CodedError } from "../../protocols/errors.ts";
import {
  type AlertType,
  type CirculationStatus,
  type FeeType,
  type HoldMode,
  type HoldType,
  type MediaType,
  PATRON_STATUS_FLAGS,
  type PatronStatus,
  type PatronStatusFlag,
  type PaymentType,
  type SecurityMarker,
  SUMMARY_LISTS,
  type SummaryList,
} from "../../protocols/sip2/enums.ts";
import type {
  CirculationPolicy,
  Fixture,
  FixtureAccount,
  FixtureBranch,
  FixtureInstitution,
  FixtureItem,
  FixturePatron,
  HoldState,
  PerMediaType,
} from "./fixture.ts";

export class IlsRequestError extends CodedError<"ILS_BAD_REQUEST"> {}

// ---------------------------------------------------------------------------------------------
// Money

/** Minor units (cents) to a locale-independent decimal: 1250 → "12.50", -5 → "-0.05". */
export function formatAmount(minor: number): string {
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(Math.trunc(minor));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

const AMOUNT_PATTERN = /^(\d{1,9})(?:\.(\d{1,2}))?$/;

/** A decimal amount as SIP2 carries it ("12", "12.5", "12.50") to minor units; undefined if malformed. */
export function parseAmount(text: string): number | undefined {
  const m = AMOUNT_PATTERN.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

// ---------------------------------------------------------------------------------------------
// Dates

const DAY_MS = 86_400_000;
const dayOf = (d: Date): number => Math.floor(d.getTime() / DAY_MS);
const endOfDay = (day: number): Date => new Date((day + 1) * DAY_MS - 1000);
const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const later = (a: Date, b: Date): Date => (a.getTime() >= b.getTime() ? a : b);

function checkDate(value: Date | undefined, name: string): void {
  if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime()))) {
    throw new IlsRequestError("ILS_BAD_REQUEST", `${name} is not a valid Date; pass a Date object with a real time`, {
      argument: name,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// State records: the fixture's shapes with real dates.

export type PatronRecord = Omit<FixturePatron, "expires"> & {
  /** Last valid day, as a UTC day number. */
  expiresDay: number;
  cardRetained: boolean;
};
export type ItemRecord = FixtureItem;
export interface LoanRecord {
  patron: string;
  item: string;
  checkedOut: Date;
  due: Date;
  renewals: number;
  branch: string;
}
export interface HoldRecord {
  id: string;
  patron: string;
  titleId: string;
  item?: string | undefined;
  pickupBranch: string;
  placed: Date;
  expires?: Date | undefined;
  state: HoldState;
  trappedItem?: string | undefined;
  shelfExpires?: Date | undefined;
}
export interface FeeRecord {
  id: string;
  patron: string;
  type: FeeType;
  amount: number;
  balance: number;
  item?: string | undefined;
  created: Date;
  description: string;
}
export interface PaymentRecord {
  transactionId: string;
  patron: string;
  amount: number;
  paymentType: PaymentType;
  at: Date;
  applied: { fee: string; amount: number }[];
}

// ---------------------------------------------------------------------------------------------
// Refusals: one table of reasons and the screen message each one shows.

export const REFUSALS = {
  patronUnknown: "Invalid patron barcode. Please contact library staff.",
  invalidPassword: "Invalid PIN. Please try again.",
  patronBlocked: "Your account is blocked. Please contact library staff.",
  cardLost: "This card has been reported lost. Please contact library staff.",
  patronExpired: "Your library card has expired. Please contact library staff.",
  excessiveFines: "Outstanding fees block this transaction. Please pay them first.",
  tooManyOverdue: "You have too many overdue items. Please return them first.",
  checkoutLimit: "You have reached the maximum number of loans.",
  unknownBranch: "This location is not known to the library system.",
  itemUnknown: "Invalid item barcode. Please contact library staff.",
  itemOnLoanToOther: "Item already checked out to another patron. Please return item for check-in.",
  itemOnHoldForOther: "Item is on hold for another patron.",
  itemLost: "This item is recorded as lost. Please take it to the desk.",
  itemMissing: "This item is recorded as missing. Please take it to the desk.",
  itemInTransit: "This item is in transit to another library. Please take it to the desk.",
  itemNotCirculating: "This item is for use in the library only.",
  itemNotAvailable: "This item cannot be borrowed yet. Please take it to the desk.",
  feeNotAcknowledged: "This transaction has a fee. Please confirm the fee to continue.",
  renewalLimit: "Item has reached maximum renewals.",
  holdsBlockRenewal: "Item unavailable due to outstanding holds.",
  notOnLoanToPatron: "Item not checked out to you.",
  titleUnknown: "No such title.",
  holdLimit: "You have reached the maximum number of holds.",
  holdExists: "You already have a hold on this title.",
  holdOnOwnLoan: "You already have this title on loan.",
  holdNotFound: "No such hold on your account.",
  invalidAmount: "Invalid amount. Use digits with an optional decimal point, e.g. 12.50.",
  wrongCurrency: "This currency is not accepted.",
  feeNotFound: "Bill not found.",
  noFees: "There are no fees to pay.",
  overpayment: "Overpayment not allowed.",
} as const;
export type Refusal = keyof typeof REFUSALS;

// ---------------------------------------------------------------------------------------------
// Requests and results

export interface FeeInfo {
  type: FeeType;
  /** Minor units. */
  amount: number;
  currency: string;
  /** The fee record created, when one was charged. */
  feeId?: string | undefined;
}

export interface PatronStatusResult {
  patronId: string;
  found: boolean;
  validPatron: boolean;
  /** undefined when no password was given. */
  validPassword: boolean | undefined;
  status: PatronStatus;
  name: string;
  language: string;
  /** Total owed, minor units. */
  feeTotal: number;
  currency: string;
  screenMessages: string[];
}

export interface SummaryListRequest {
  kind: SummaryList;
  /** 1-based, inclusive (BP). */
  start?: number | undefined;
  /** 1-based, inclusive (BQ). */
  end?: number | undefined;
}

/** One line of a Patron Information list: an item, a title or a fee. */
export interface SummaryEntry {
  /** Item barcode; a title id for a title-level hold not yet filled; the fee id for fine items. */
  id: string;
  title: string;
  dueDate?: Date | undefined;
  /** Fine items: what is still owed, minor units. */
  amount?: number | undefined;
  feeType?: FeeType | undefined;
}

export interface PatronInformationResult extends PatronStatusResult {
  counts: Record<SummaryList, number>;
  limits: { hold: number; overdue: number; charged: number; fee: number };
  contact: { address?: string | undefined; email?: string | undefined; phone?: string | undefined };
  homeBranch?: string | undefined;
  /** The entries of the requested list, sliced by start/end; empty when none was asked for. */
  list: { kind: SummaryList; entries: SummaryEntry[] } | undefined;
}

export interface CheckoutRequest {
  patronId: string;
  itemId: string;
  patronPassword?: string | undefined;
  feeAcknowledged?: boolean | undefined;
  /** Offline transaction replayed later: accepted even when blocked, dated at transactionDate. */
  noBlock?: boolean | undefined;
  transactionDate: Date;
  /** Due date the SC gave while offline; honoured for noBlock transactions. */
  nbDueDate?: Date | undefined;
  /** Branch of the terminal (from its SIP account). */
  branch: string;
}

/** Result of checkout (12) and renew (30). */
export interface CirculationResult {
  ok: boolean;
  refusal?: Refusal | undefined;
  /** The item was already on loan to this patron, so this was a renewal. */
  renewal: boolean;
  patronId: string;
  itemId: string;
  validPatron: boolean;
  validPassword: boolean | undefined;
  title?: string | undefined;
  dueDate?: Date | undefined;
  magneticMedia?: boolean | undefined;
  desensitize: boolean;
  mediaType?: MediaType | undefined;
  parts?: number | undefined;
  fee?: FeeInfo | undefined;
  transactionId?: string | undefined;
  screenMessages: string[];
}

export interface CheckinRequest {
  itemId: string;
  /** Branch where the item is returned. */
  branch: string;
  /** When the item came back; defaults to now. Fines are computed to this date. */
  returnDate?: Date | undefined;
  /** Offline return replayed later. */
  noBlock?: boolean | undefined;
}

export interface CheckinResult {
  ok: boolean;
  refusal?: Refusal | undefined;
  itemId: string;
  resensitize: boolean;
  magneticMedia?: boolean | undefined;
  alert: boolean;
  alertType?: AlertType | undefined;
  title?: string | undefined;
  mediaType?: MediaType | undefined;
  parts?: number | undefined;
  permanentLocation?: string | undefined;
  currentLocation?: string | undefined;
  callNumber?: string | undefined;
  sortBin?: string | undefined;
  /** The borrower whose loan this checkin ended. */
  patronId?: string | undefined;
  destination?: string | undefined;
  holdPatronId?: string | undefined;
  holdPatronName?: string | undefined;
  holdShelfExpires?: Date | undefined;
  fine?: FeeInfo | undefined;
  screenMessages: string[];
}

export interface RenewRequest {
  patronId: string;
  patronPassword?: string | undefined;
  itemId?: string | undefined;
  /** Used when itemId is absent: renews the patron's loan of a copy of this title. */
  titleId?: string | undefined;
  feeAcknowledged?: boolean | undefined;
  noBlock?: boolean | undefined;
  nbDueDate?: Date | undefined;
  transactionDate?: Date | undefined;
}

export interface RenewAllResult {
  ok: boolean;
  refusal?: Refusal | undefined;
  patronId: string;
  renewed: string[];
  unrenewed: string[];
  /** Per item, why it was not renewed. */
  reasons: Record<string, Refusal>;
  screenMessages: string[];
}

export interface ItemInformationResult {
  found: boolean;
  itemId: string;
  circulationStatus: CirculationStatus;
  securityMarker: SecurityMarker;
  feeType: FeeType;
  fee?: FeeInfo | undefined;
  holdQueueLength: number;
  dueDate?: Date | undefined;
  recallDate?: Date | undefined;
  /** Last day a ready hold waits on the shelf. */
  holdPickupDate?: Date | undefined;
  title?: string | undefined;
  owner?: string | undefined;
  mediaType?: MediaType | undefined;
  magneticMedia?: boolean | undefined;
  permanentLocation?: string | undefined;
  currentLocation?: string | undefined;
  destination?: string | undefined;
  callNumber?: string | undefined;
  parts?: number | undefined;
  properties?: string | undefined;
  screenMessages: string[];
}

export interface ItemStatusUpdateResult {
  ok: boolean;
  refusal?: Refusal | undefined;
  itemId: string;
  title?: string | undefined;
  properties?: string | undefined;
  screenMessages: string[];
}

export interface HoldRequest {
  mode: HoldMode;
  patronId: string;
  patronPassword?: string | undefined;
  itemId?: string | undefined;
  titleId?: string | undefined;
  pickupLocation?: string | undefined;
  expirationDate?: Date | undefined;
  /** With an itemId: specificCopy (the default) holds that copy, anyCopy/anyCopyAtBranch its title. */
  holdType?: HoldType | undefined;
  feeAcknowledged?: boolean | undefined;
}

export interface HoldResult {
  ok: boolean;
  refusal?: Refusal | undefined;
  /** A copy of the title (or the very copy) is on the shelf now. */
  available: boolean;
  patronId: string;
  holdId?: string | undefined;
  itemId?: string | undefined;
  titleId?: string | undefined;
  title?: string | undefined;
  queuePosition?: number | undefined;
  pickupLocation?: string | undefined;
  expirationDate?: Date | undefined;
  fee?: FeeInfo | undefined;
  screenMessages: string[];
}

export interface FeePaidRequest {
  patronId: string;
  patronPassword?: string | undefined;
  /** Decimal as sent in BV, e.g. "12.50". */
  amount: string;
  /** Pays only fees of this type, unless "other" (SIP2 makes the field mandatory; 01 means any). */
  feeType?: FeeType | undefined;
  paymentType: PaymentType;
  currency: string;
  /** Pays this fee only. */
  feeId?: string | undefined;
  transactionId?: string | undefined;
}

export interface FeePaidResult {
  accepted: boolean;
  refusal?: Refusal | undefined;
  patronId: string;
  transactionId?: string | undefined;
  /** Minor units actually applied. */
  amountPaid: number;
  /** What the patron still owes, minor units. */
  balance: number;
  applied: { feeId: string; amount: number }[];
  screenMessages: string[];
}

export interface EndSessionResult {
  ended: boolean;
  patronId: string;
  screenMessages: string[];
}

export interface IlsOptions {
  now?: () => Date;
}

// ---------------------------------------------------------------------------------------------

/** Why a patron may not do something, most important first. */
interface Standing {
  loans: LoanRecord[];
  balance: number;
  chargeRefusal: Refusal | undefined;
  /** Renewals and holds are denied for the same reasons, bar too many overdue items. */
  renewRefusal: Refusal | undefined;
  status: PatronStatus;
  messages: string[];
}

const perMediaType = (table: PerMediaType, type: MediaType): number => table[type] ?? table.default;
const noStatus = (): Record<PatronStatusFlag, boolean> =>
  Object.fromEntries(PATRON_STATUS_FLAGS.map((f) => [f, false])) as Record<PatronStatusFlag, boolean>;

/** Item states that stop a checkout, and why. Items not listed may be lent. */
const STATE_REFUSALS: Partial<Record<ItemRecord["state"], Refusal>> = {
  lost: "itemLost",
  missing: "itemMissing",
  inTransit: "itemInTransit",
  inProcess: "itemNotAvailable",
  onOrder: "itemNotAvailable",
};

/** Item states reported as such by Item Information; the rest derive from loans and holds. */
const STATE_STATUS: Record<ItemRecord["state"], CirculationStatus | undefined> = {
  available: undefined,
  inTransit: "inTransit",
  lost: "lost",
  missing: "missing",
  inProcess: "inProcess",
  onOrder: "onOrder",
  waitingToBeReshelved: "waitingToBeReshelved",
};

export class InMemoryIls {
  readonly institution: Readonly<FixtureInstitution>;
  readonly policy: Readonly<CirculationPolicy>;
  readonly branches: readonly Readonly<FixtureBranch>[];
  private readonly accounts: FixtureAccount[];
  private readonly patrons = new Map<string, PatronRecord>();
  private readonly items = new Map<string, ItemRecord>();
  /** Copies per title id; the catalogue does not change while the ILS runs. */
  private readonly copies = new Map<string, ItemRecord[]>();
  /** Keyed by item barcode: an item has at most one loan. */
  private readonly loans = new Map<string, LoanRecord>();
  /** In placement order; the queue of a title is its holds in this order. */
  private holds: HoldRecord[] = [];
  private readonly fees: FeeRecord[] = [];
  private readonly payments: PaymentRecord[] = [];
  private readonly counters = { hold: 0, fee: 0, transaction: 0 };
  private readonly now: () => Date;

  constructor(fixture: Fixture, options: IlsOptions = {}) {
    this.now = options.now ?? (() => new Date());
    const copy = structuredClone(fixture);
    const start = this.now();
    checkDate(start, "the time from the ILS clock (its now option)");
    const shiftDays = copy.referenceDate === undefined ? 0 : dayOf(start) - dayOf(new Date(copy.referenceDate));
    const at = (iso: string): Date => new Date(Date.parse(iso) + shiftDays * DAY_MS);
    const atOpt = (iso: string | undefined): Date | undefined => (iso === undefined ? undefined : at(iso));

    this.institution = copy.institution;
    this.policy = copy.policy;
    this.branches = copy.branches;
    this.accounts = copy.accounts;
    for (const { expires, ...p } of copy.patrons) {
      this.patrons.set(p.barcode, {
        ...p,
        expiresDay: dayOf(new Date(`${expires}T00:00:00Z`)) + shiftDays,
        cardRetained: false,
      });
    }
    for (const item of copy.items) {
      this.items.set(item.barcode, item);
      this.copies.set(item.titleId, [...(this.copies.get(item.titleId) ?? []), item]);
    }
    for (const l of copy.loans) this.loans.set(l.item, { ...l, checkedOut: at(l.checkedOut), due: at(l.due) });
    this.holds = copy.holds
      .map((h) => ({ ...h, placed: at(h.placed), expires: atOpt(h.expires), shelfExpires: atOpt(h.shelfExpires) }))
      .sort((a, b) => a.placed.getTime() - b.placed.getTime());
    for (const f of copy.fees) this.fees.push({ ...f, created: at(f.created) });
  }

  // --- accounts ------------------------------------------------------------------------------

  /** The SIP account for these credentials, or undefined. */
  login(userId: string, password: string): FixtureAccount | undefined {
    const account = this.accounts.find((a) => a.userId === userId && a.password === password);
    return account === undefined ? undefined : structuredClone(account);
  }

  hasBranch(id: string): boolean {
    return this.branches.some((b) => b.id === id);
  }

  // --- patrons -------------------------------------------------------------------------------

  patronStatus(patronId: string, password?: string): PatronStatusResult {
    const at = this.tick();
    const patron = this.patrons.get(patronId);
    if (!patron) return this.unknownPatron(patronId);
    return this.statusOf(patron, password, this.standing(patron, at));
  }

  patronInformation(patronId: string, password?: string, list?: SummaryListRequest): PatronInformationResult {
    const at = this.tick();
    const patron = this.patrons.get(patronId);
    if (!patron) {
      const counts = Object.fromEntries(SUMMARY_LISTS.map((k) => [k, 0])) as Record<SummaryList, number>;
      return { ...this.unknownPatron(patronId), counts, limits: this.limits(), contact: {}, list: undefined };
    }
    const standing = this.standing(patron, at);
    const lists = this.summaryLists(patron, at);
    const counts = Object.fromEntries(SUMMARY_LISTS.map((k) => [k, lists[k].length])) as Record<SummaryList, number>;
    let requested: PatronInformationResult["list"];
    if (list) {
      const entries = lists[list.kind];
      const first = Math.max(1, Math.trunc(list.start ?? 1));
      const last = Math.min(entries.length, Math.trunc(list.end ?? entries.length));
      requested = { kind: list.kind, entries: last >= first ? entries.slice(first - 1, last) : [] };
    }
    return {
      ...this.statusOf(patron, password, standing),
      counts,
      limits: this.limits(),
      contact: { address: patron.address, email: patron.email, phone: patron.phone },
      homeBranch: patron.homeBranch,
      list: requested,
    };
  }

  /** Block Patron (01): the ACS answers with a patron status. */
  blockPatron(patronId: string, message: string, cardRetained: boolean): PatronStatusResult {
    this.tick();
    const patron = this.patrons.get(patronId);
    if (patron) {
      patron.blocked = true;
      patron.blockMessage = message.trim() === "" ? "Card blocked. Please contact library staff." : message;
      patron.cardRetained = cardRetained;
    }
    return this.patronStatus(patronId);
  }

  /** Patron Enable (25): lifts a block; expiry, lost card and fines still apply. */
  patronEnable(patronId: string, password?: string): PatronStatusResult {
    this.tick();
    const patron = this.patrons.get(patronId);
    if (patron && this.passwordCheck(patron, password) !== false) {
      patron.blocked = false;
      delete patron.blockMessage;
      patron.cardRetained = false;
    }
    return this.patronStatus(patronId, password);
  }

  endSession(patronId: string): EndSessionResult {
    this.tick();
    const found = this.patrons.has(patronId);
    return { ended: found, patronId, screenMessages: [found ? "Thank you!" : REFUSALS.patronUnknown] };
  }

  // --- circulation ---------------------------------------------------------------------------

  checkout(req: CheckoutRequest): CirculationResult {
    const at = this.tick();
    checkDate(req.transactionDate, "transactionDate");
    checkDate(req.nbDueDate, "nbDueDate");
    const noBlock = req.noBlock === true;
    const when = noBlock ? req.transactionDate : at;
    const patron = this.patrons.get(req.patronId);
    const item = this.items.get(req.itemId);
    const validPassword = patron ? this.passwordCheck(patron, req.patronPassword) : undefined;
    const refuse = (refusal: Refusal, extra: Partial<CirculationResult> = {}): CirculationResult => ({
      ...this.circulationBase(req.patronId, req.itemId, item),
      validPatron: patron !== undefined,
      validPassword,
      refusal,
      ...extra,
      screenMessages: [REFUSALS[refusal], ...(extra.screenMessages ?? [])],
    });

    if (!patron) return refuse("patronUnknown");
    if (!this.hasBranch(req.branch)) return refuse("unknownBranch");
    if (!noBlock && this.passwordRefused(patron, validPassword)) return refuse("invalidPassword");
    const standing = this.standing(patron, at);
    if (!noBlock && standing.chargeRefusal)
      return refuse(standing.chargeRefusal, { screenMessages: standing.messages });
    if (!item) return refuse("itemUnknown");

    const loan = this.loans.get(item.barcode);
    if (loan?.patron === patron.barcode) {
      // Koha and Evergreen both turn a checkout of an item the patron already has into a renewal.
      return this.extend(patron, item, loan, {
        noBlock,
        when,
        nbDueDate: req.nbDueDate,
        feeAcknowledged: req.feeAcknowledged === true,
        validPassword,
      });
    }
    if (loan && noBlock && loan.checkedOut.getTime() > when.getTime()) {
      // A replayed offline checkout older than the current loan: the item changed hands since.
      return refuse("itemOnLoanToOther", {
        screenMessages: ["The item was checked out again after this offline transaction; the newer loan stays."],
      });
    }
    const trapped = this.trappedHold(item.barcode);
    if (!noBlock) {
      if (loan) return refuse("itemOnLoanToOther");
      const stateRefusal = STATE_REFUSALS[item.state];
      if (stateRefusal) return refuse(stateRefusal);
      if (!item.circulates) return refuse("itemNotCirculating");
      if (trapped && trapped.patron !== patron.barcode) return refuse("itemOnHoldForOther");
      if (standing.loans.length >= this.policy.checkoutLimit) return refuse("checkoutLimit");
      if (item.rentalFee > 0 && req.feeAcknowledged !== true)
        return refuse("feeNotAcknowledged", { fee: this.feeInfo("rental", item.rentalFee) });
    }

    // Accepted. An offline checkout may find the item still on someone else's loan: that loan
    // ended when the item changed hands, at the transaction date.
    const messages: string[] = [];
    if (loan) this.endLoan(loan, when);
    if (trapped && trapped.patron !== patron.barcode) this.untrap(trapped);
    item.state = "available";
    delete item.transitTo;
    item.currentBranch = req.branch;
    const filled = this.fillHold(patron, item);
    if (filled)
      messages.push(filled.state === "pending" ? "Your hold on this title is filled." : "Item was reserved for you.");
    const due = noBlock && req.nbDueDate ? req.nbDueDate : this.dueDate(when, item.mediaType);
    this.loans.set(item.barcode, {
      patron: patron.barcode,
      item: item.barcode,
      checkedOut: when,
      due,
      renewals: 0,
      branch: req.branch,
    });
    const fee =
      item.rentalFee > 0
        ? this.charge(patron.barcode, "rental", item.rentalFee, item, `Rental: ${item.title}`, when)
        : undefined;
    if (this.waitingHolds(item, patron.barcode).length > 0)
      messages.push("Another patron is waiting for this title: it cannot be renewed.");
    if (item.parts > 1) messages.push(`This item has ${item.parts} parts. Please make sure all are present.`);
    return {
      ...this.circulationBase(patron.barcode, item.barcode, item),
      ok: true,
      validPatron: true,
      validPassword,
      dueDate: due,
      // Koha's ILS.pm: desensitize unless magnetic media (which a desensitizer would damage).
      desensitize: this.hasSecurity(item),
      fee,
      transactionId: fee ? this.nextTransactionId() : undefined,
      screenMessages: messages,
    };
  }

  checkin(req: CheckinRequest): CheckinResult {
    const at = this.tick();
    checkDate(req.returnDate, "returnDate");
    const item = this.items.get(req.itemId);
    if (!item) {
      // Koha answers an unknown barcode with ok=0, alert=Y, alert type 99.
      return {
        ok: false,
        refusal: "itemUnknown",
        itemId: req.itemId,
        resensitize: false,
        alert: true,
        alertType: "other",
        screenMessages: [REFUSALS.itemUnknown],
      };
    }
    const base = {
      itemId: item.barcode,
      magneticMedia: item.magneticMedia,
      title: item.title,
      mediaType: item.mediaType,
      parts: item.parts,
      permanentLocation: item.homeBranch,
      callNumber: item.callNumber,
    };
    if (!this.hasBranch(req.branch)) {
      return {
        ...base,
        ok: false,
        refusal: "unknownBranch",
        resensitize: false,
        alert: true,
        alertType: "other",
        screenMessages: [REFUSALS.unknownBranch],
      };
    }
    const returned = req.returnDate ?? at;
    const messages: string[] = [];
    const loan = this.loans.get(item.barcode);
    if (loan && req.noBlock === true && loan.checkedOut.getTime() > returned.getTime()) {
      // A replayed offline return older than the current loan: the item went out again since.
      return {
        ...base,
        ok: true,
        resensitize: false,
        alert: false,
        currentLocation: item.currentBranch,
        screenMessages: ["This item was checked out again after the offline return; the current loan stays open."],
      };
    }
    let fine: FeeInfo | undefined;
    if (loan) {
      fine = this.endLoan(loan, returned);
      if (fine) messages.push(`Returned late: a fine of ${formatAmount(fine.amount)} ${fine.currency} was charged.`);
    }
    if (item.state === "lost" || item.state === "missing")
      messages.push(`This item was recorded as ${item.state}; it is now found.`);
    if (item.parts > 1) messages.push(`This item has ${item.parts} parts. Please make sure all are returned.`);

    const { messages: routing, ...routed } = this.route(item, req.branch, at);
    return {
      ...base,
      ok: true,
      // Koha and Evergreen: resensitize = !magnetic_media.
      resensitize: this.hasSecurity(item),
      alert: routed.alertType !== undefined,
      currentLocation: item.currentBranch,
      patronId: loan?.patron,
      fine,
      ...routed,
      screenMessages: [...messages, ...routing],
    };
  }

  renew(req: RenewRequest): CirculationResult {
    const at = this.tick();
    checkDate(req.transactionDate, "transactionDate");
    checkDate(req.nbDueDate, "nbDueDate");
    const noBlock = req.noBlock === true;
    const when = noBlock && req.transactionDate ? req.transactionDate : at;
    const patron = this.patrons.get(req.patronId);
    const validPassword = patron ? this.passwordCheck(patron, req.patronPassword) : undefined;
    const loan = patron ? this.findLoan(patron.barcode, req.itemId, req.titleId) : undefined;
    const itemId = req.itemId ?? loan?.item ?? "";
    const item = this.items.get(itemId);
    const refuse = (refusal: Refusal, more: string[] = []): CirculationResult => ({
      ...this.circulationBase(req.patronId, itemId, item),
      validPatron: patron !== undefined,
      validPassword,
      refusal,
      screenMessages: [REFUSALS[refusal], ...more],
    });
    if (!patron) return refuse("patronUnknown");
    if (!noBlock && this.passwordRefused(patron, validPassword)) return refuse("invalidPassword");
    const standing = this.standing(patron, at);
    if (!noBlock && standing.renewRefusal) return refuse(standing.renewRefusal, standing.messages);
    if (!loan || !item) return refuse(item || req.itemId === undefined ? "notOnLoanToPatron" : "itemUnknown");
    return this.extend(patron, item, loan, {
      noBlock,
      when,
      nbDueDate: req.nbDueDate,
      feeAcknowledged: req.feeAcknowledged === true,
      validPassword,
    });
  }

  renewAll(patronId: string, password?: string, feeAcknowledged = false): RenewAllResult {
    const at = this.tick();
    const patron = this.patrons.get(patronId);
    const result: RenewAllResult = { ok: false, patronId, renewed: [], unrenewed: [], reasons: {}, screenMessages: [] };
    const refuse = (refusal: Refusal, more: string[] = []): RenewAllResult => {
      const items = patron ? this.loansOfPatron(patron.barcode).map((l) => l.item) : [];
      for (const id of items) result.reasons[id] = refusal;
      return { ...result, refusal, unrenewed: items, screenMessages: [REFUSALS[refusal], ...more] };
    };
    if (!patron) return refuse("patronUnknown");
    const validPassword = this.passwordCheck(patron, password);
    if (this.passwordRefused(patron, validPassword)) return refuse("invalidPassword");
    const standing = this.standing(patron, at);
    if (standing.renewRefusal) return refuse(standing.renewRefusal, standing.messages);
    for (const loan of this.loansOfPatron(patron.barcode)) {
      const item = this.items.get(loan.item);
      if (!item) continue;
      const r = this.extend(patron, item, loan, {
        noBlock: false,
        when: at,
        nbDueDate: undefined,
        feeAcknowledged,
        validPassword,
      });
      if (r.ok) result.renewed.push(loan.item);
      else {
        result.unrenewed.push(loan.item);
        if (r.refusal) result.reasons[loan.item] = r.refusal;
      }
    }
    result.ok = true;
    result.screenMessages.push(`${result.renewed.length} renewed, ${result.unrenewed.length} not renewed.`);
    return result;
  }

  // --- items ---------------------------------------------------------------------------------

  itemInformation(itemId: string): ItemInformationResult {
    const at = this.tick();
    const item = this.items.get(itemId);
    if (!item) {
      return {
        found: false,
        itemId,
        circulationStatus: "other",
        securityMarker: "other",
        feeType: "other",
        holdQueueLength: 0,
        screenMessages: [REFUSALS.itemUnknown],
      };
    }
    const loan = this.loans.get(item.barcode);
    const trapped = this.trappedHold(item.barcode);
    const messages: string[] = [];
    if (!item.circulates) messages.push(REFUSALS.itemNotCirculating);
    if (loan && loan.due.getTime() < at.getTime()) messages.push(`Overdue since ${isoDay(dayOf(loan.due))}.`);
    return {
      found: true,
      itemId: item.barcode,
      circulationStatus: this.circulationStatus(item),
      securityMarker: item.securityMarker,
      feeType: item.rentalFee > 0 ? "rental" : "other",
      fee: item.rentalFee > 0 ? this.feeInfo("rental", item.rentalFee) : undefined,
      holdQueueLength: this.activeHoldsFor(item).length,
      dueDate: loan?.due,
      holdPickupDate: trapped?.state === "ready" ? trapped.shelfExpires : undefined,
      title: item.title,
      owner: item.homeBranch,
      mediaType: item.mediaType,
      magneticMedia: item.magneticMedia,
      permanentLocation: item.homeBranch,
      currentLocation: item.currentBranch,
      destination: item.transitTo,
      callNumber: item.callNumber,
      parts: item.parts,
      properties: item.properties,
      screenMessages: messages,
    };
  }

  /** Item Status Update (19): stores the item properties (CH). */
  itemStatusUpdate(itemId: string, properties: string): ItemStatusUpdateResult {
    this.tick();
    const item = this.items.get(itemId);
    if (!item) return { ok: false, refusal: "itemUnknown", itemId, screenMessages: [REFUSALS.itemUnknown] };
    item.properties = properties;
    return { ok: true, itemId, title: item.title, properties, screenMessages: ["Item properties updated."] };
  }

  // --- holds ---------------------------------------------------------------------------------

  hold(req: HoldRequest): HoldResult {
    const at = this.tick();
    checkDate(req.expirationDate, "expirationDate");
    const patron = this.patrons.get(req.patronId);
    const base: HoldResult = {
      ok: false,
      available: false,
      patronId: req.patronId,
      itemId: req.itemId,
      titleId: req.titleId,
      screenMessages: [],
    };
    const refuse = (refusal: Refusal, extra: Partial<HoldResult> = {}): HoldResult => ({
      ...base,
      refusal,
      ...extra,
      screenMessages: [REFUSALS[refusal], ...(extra.screenMessages ?? [])],
    });
    if (!patron) return refuse("patronUnknown");
    if (this.passwordRefused(patron, this.passwordCheck(patron, req.patronPassword))) return refuse("invalidPassword");
    const item = req.itemId === undefined ? undefined : this.items.get(req.itemId);
    if (req.itemId !== undefined && !item) return refuse("itemUnknown");
    const titleId = item?.titleId ?? req.titleId;
    const title = titleId === undefined ? undefined : this.titleText(titleId);
    if (titleId === undefined || title === undefined || (req.titleId !== undefined && req.titleId !== titleId))
      return refuse("titleUnknown");
    base.titleId = titleId;
    base.title = title;
    if (req.pickupLocation !== undefined && !this.hasBranch(req.pickupLocation)) return refuse("unknownBranch");

    if (req.mode === "add") return this.addHold(patron, item, titleId, title, req, at, refuse);

    const hold = this.holds.find(
      (h) =>
        h.patron === patron.barcode &&
        h.titleId === titleId &&
        (item === undefined || h.item === undefined || h.item === item.barcode),
    );
    if (!hold) return refuse("holdNotFound");
    if (req.mode === "delete") {
      this.holds = this.holds.filter((h) => h !== hold);
      if (hold.state !== "pending") this.untrap(hold, true);
      return { ...base, ok: true, itemId: hold.item ?? hold.trappedItem, screenMessages: ["Hold cancelled."] };
    }
    // change: pickup branch and expiry; a copy already set aside follows the new pickup branch.
    if (req.expirationDate !== undefined) hold.expires = req.expirationDate;
    if (req.pickupLocation !== undefined && req.pickupLocation !== hold.pickupBranch) {
      hold.pickupBranch = req.pickupLocation;
      const trapped = hold.trappedItem === undefined ? undefined : this.items.get(hold.trappedItem);
      if (trapped) this.route(trapped, trapped.currentBranch, at);
    }
    return { ...this.holdView(hold, base), ok: true, screenMessages: ["Hold updated."] };
  }

  // --- fees ----------------------------------------------------------------------------------

  feePaid(req: FeePaidRequest): FeePaidResult {
    const at = this.tick();
    const patron = this.patrons.get(req.patronId);
    const result: FeePaidResult = {
      accepted: false,
      patronId: req.patronId,
      transactionId: req.transactionId,
      amountPaid: 0,
      balance: patron ? this.owed(patron.barcode) : 0,
      applied: [],
      screenMessages: [],
    };
    const refuse = (refusal: Refusal): FeePaidResult => ({ ...result, refusal, screenMessages: [REFUSALS[refusal]] });
    if (!patron) return refuse("patronUnknown");
    if (this.passwordCheck(patron, req.patronPassword) === false) return refuse("invalidPassword");
    const amount = parseAmount(req.amount);
    if (amount === undefined || amount <= 0) return refuse("invalidAmount");
    if (req.currency !== this.institution.currency) return refuse("wrongCurrency");

    let targets: FeeRecord[];
    if (req.feeId !== undefined) {
      const fee = this.fees.find((f) => f.id === req.feeId && f.patron === patron.barcode && f.balance > 0);
      if (!fee) return refuse("feeNotFound");
      targets = [fee];
    } else {
      const byType = req.feeType !== undefined && req.feeType !== "other";
      targets = this.openFees(patron.barcode).filter((f) => !byType || f.type === req.feeType);
      if (targets.length === 0) return refuse("noFees");
    }
    // Evergreen refuses overpayment rather than keeping a credit; balances never go below zero.
    const owed = targets.reduce((sum, f) => sum + f.balance, 0);
    if (amount > owed) return refuse("overpayment");

    let left = amount;
    for (const fee of targets) {
      if (left === 0) break;
      const part = Math.min(left, fee.balance);
      fee.balance -= part;
      left -= part;
      result.applied.push({ feeId: fee.id, amount: part });
    }
    const transactionId = req.transactionId ?? this.nextTransactionId();
    this.payments.push({
      transactionId,
      patron: patron.barcode,
      amount,
      paymentType: req.paymentType,
      at,
      applied: result.applied.map((a) => ({ fee: a.feeId, amount: a.amount })),
    });
    const balance = this.owed(patron.barcode);
    const cur = this.institution.currency;
    return {
      ...result,
      accepted: true,
      transactionId,
      amountPaid: amount,
      balance,
      screenMessages: [
        `Payment of ${formatAmount(amount)} ${cur} accepted. Remaining balance ${formatAmount(balance)} ${cur}.`,
      ],
    };
  }

  // --- state for tests and tools: copies as of the clock's now; changing them changes nothing ----

  patron(id: string): PatronRecord | undefined {
    return this.view(() => this.patrons.get(id));
  }
  item(id: string): ItemRecord | undefined {
    return this.view(() => this.items.get(id));
  }
  loanOf(itemId: string): LoanRecord | undefined {
    return this.view(() => this.loans.get(itemId));
  }
  loansOf(patronId: string): LoanRecord[] {
    return this.view(() => this.loansOfPatron(patronId));
  }
  holdsOf(patronId: string): HoldRecord[] {
    return this.view(() => this.holds.filter((h) => h.patron === patronId));
  }
  /** Active holds on a title, in queue order. */
  holdQueue(titleId: string): HoldRecord[] {
    return this.view(() => this.holds.filter((h) => h.titleId === titleId));
  }
  feesOf(patronId: string): FeeRecord[] {
    return this.view(() => this.fees.filter((f) => f.patron === patronId));
  }
  paymentsOf(patronId: string): PaymentRecord[] {
    return this.view(() => this.payments.filter((p) => p.patron === patronId));
  }
  /** What the patron owes in total, minor units. */
  balanceOf(patronId: string): number {
    this.tick();
    return this.owed(patronId);
  }
  patronIds(): string[] {
    return [...this.patrons.keys()];
  }
  itemIds(): string[] {
    return [...this.items.keys()];
  }
  /** The whole state as fixture JSON, dated at the clock's now: feed it to parseFixture to restore it. */
  toFixture(): Fixture {
    this.tick();
    const iso = (d: Date) => d.toISOString();
    const isoOpt = (d: Date | undefined) => (d === undefined ? undefined : d.toISOString());
    const strip = <T extends object>(o: T): T =>
      Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
    return structuredClone({
      referenceDate: iso(this.now()),
      institution: this.institution,
      branches: [...this.branches],
      accounts: this.accounts,
      policy: this.policy,
      patrons: [...this.patrons.values()].map(({ expiresDay, cardRetained: _, ...p }) =>
        strip({ ...p, expires: isoDay(expiresDay) }),
      ),
      items: [...this.items.values()].map((i) => strip(i)),
      loans: [...this.loans.values()].map((l) => ({ ...l, checkedOut: iso(l.checkedOut), due: iso(l.due) })),
      holds: this.holds.map((h) =>
        strip({ ...h, placed: iso(h.placed), expires: isoOpt(h.expires), shelfExpires: isoOpt(h.shelfExpires) }),
      ),
      fees: this.fees.map((f) => strip({ ...f, created: iso(f.created) })),
    }) as Fixture;
  }

  // --- internals -----------------------------------------------------------------------------

  /** Applies hold expiry first, so views show the state as of the clock's now. */
  private view<T>(read: () => T): T {
    this.tick();
    return structuredClone(read());
  }

  private owed(patronId: string): number {
    return this.openFees(patronId).reduce((sum, f) => sum + f.balance, 0);
  }

  /** Reads the clock and drops holds that expired since the last operation. */
  private tick(): Date {
    const at = this.now();
    checkDate(at, "the time from the ILS clock (its now option)");
    const expired = (h: HoldRecord) =>
      (h.state === "pending" && h.expires !== undefined && h.expires < at) ||
      (h.state === "ready" && h.shelfExpires !== undefined && h.shelfExpires < at);
    const gone = this.holds.filter(expired);
    for (const hold of gone) this.untrap(hold, true);
    if (gone.length > 0) this.holds = this.holds.filter((h) => !gone.includes(h));
    return at;
  }

  private limits(): PatronInformationResult["limits"] {
    const p = this.policy;
    return { hold: p.holdLimit, overdue: p.overdueLimit, charged: p.checkoutLimit, fee: p.fineBlockThreshold };
  }

  private unknownPatron(patronId: string): PatronStatusResult {
    // Koha and SIPServer: an unknown patron has the four privileges denied and valid patron N.
    const status = noStatus();
    for (const f of PATRON_STATUS_FLAGS.slice(0, 4)) status[f] = true;
    return {
      patronId,
      found: false,
      validPatron: false,
      validPassword: undefined,
      status,
      name: "",
      language: "000",
      feeTotal: 0,
      currency: this.institution.currency,
      screenMessages: [REFUSALS.patronUnknown],
    };
  }

  private statusOf(patron: PatronRecord, password: string | undefined, standing: Standing): PatronStatusResult {
    const validPassword = this.passwordCheck(patron, password);
    const messages = [...(patron.message ? [patron.message] : []), ...standing.messages];
    if (validPassword === false) messages.push(REFUSALS.invalidPassword);
    return {
      patronId: patron.barcode,
      found: true,
      validPatron: true,
      validPassword,
      status: standing.status,
      name: patron.name,
      language: patron.language,
      feeTotal: standing.balance,
      currency: this.institution.currency,
      screenMessages: messages,
    };
  }

  /**
   * undefined when no password was given: kiosks that do not ask for a PIN send AD empty, and Koha
   * checks the password only when one is present.
   */
  private passwordCheck(patron: PatronRecord, password: string | undefined): boolean | undefined {
    if (password === undefined || password === "") return undefined;
    return password === patron.password;
  }

  /** A wrong password is always refused; a missing one only when the patron needs a PIN. */
  private passwordRefused(patron: PatronRecord, valid: boolean | undefined): boolean {
    return valid === false || (patron.pinRequired && valid !== true);
  }

  private standing(patron: PatronRecord, at: Date): Standing {
    const loans = this.loansOfPatron(patron.barcode);
    const overdue = loans.filter((l) => l.due < at).length;
    const balance = this.owed(patron.barcode);
    const expired = dayOf(at) > patron.expiresDay;
    const fines = balance > this.policy.fineBlockThreshold;
    const tooManyOverdue = overdue >= this.policy.overdueLimit;
    const cur = this.institution.currency;
    // Most important first: the first one is the refusal.
    const reasons: [boolean, Refusal, string][] = [
      [patron.blocked, "patronBlocked", patron.blockMessage ?? REFUSALS.patronBlocked],
      [patron.cardLost, "cardLost", REFUSALS.cardLost],
      [
        expired,
        "patronExpired",
        `Your library card expired on ${isoDay(patron.expiresDay)}. Please renew it at the desk.`,
      ],
      [
        fines,
        "excessiveFines",
        `You owe ${formatAmount(balance)} ${cur}, more than the limit of ${formatAmount(this.policy.fineBlockThreshold)} ${cur}.`,
      ],
      [tooManyOverdue, "tooManyOverdue", `You have ${overdue} overdue items.`],
    ];
    const active = reasons.filter(([on]) => on);
    const renewActive = active.filter(([, r]) => r !== "tooManyOverdue");
    const denied = renewActive.length > 0;
    const status = noStatus();
    status.chargePrivilegesDenied = active.length > 0;
    status.renewalPrivilegesDenied = denied;
    status.recallPrivilegesDenied = denied;
    status.holdPrivilegesDenied = denied;
    status.cardReportedLost = patron.cardLost;
    status.tooManyItemsCharged = loans.length >= this.policy.checkoutLimit;
    status.tooManyItemsOverdue = tooManyOverdue;
    // Koha and Evergreen treat fines and fees as one balance.
    status.excessiveOutstandingFines = fines;
    status.excessiveOutstandingFees = fines;
    return {
      loans,
      balance,
      chargeRefusal: active[0]?.[1],
      renewRefusal: renewActive[0]?.[1],
      status,
      messages: active.map(([, , message]) => message),
    };
  }

  private summaryLists(patron: PatronRecord, at: Date): Record<SummaryList, SummaryEntry[]> {
    const loans = this.loansOfPatron(patron.barcode);
    const loanEntry = (l: LoanRecord): SummaryEntry => ({
      id: l.item,
      title: this.items.get(l.item)?.title ?? "",
      dueDate: l.due,
    });
    const holds = this.holds.filter((h) => h.patron === patron.barcode);
    const holdEntry = (h: HoldRecord): SummaryEntry => ({
      id: h.trappedItem ?? h.item ?? h.titleId,
      title: this.titleText(h.titleId) ?? "",
    });
    return {
      // Koha lists waiting (ready) holds as hold items; the rest are unavailable holds.
      holdItems: holds.filter((h) => h.state === "ready").map(holdEntry),
      overdueItems: loans.filter((l) => l.due < at).map(loanEntry),
      chargedItems: loans.map(loanEntry),
      fineItems: this.openFees(patron.barcode).map((f) => ({
        id: f.id,
        title: f.description,
        amount: f.balance,
        feeType: f.type,
      })),
      recallItems: [],
      unavailableHoldItems: holds.filter((h) => h.state !== "ready").map(holdEntry),
    };
  }

  private circulationBase(patronId: string, itemId: string, item: ItemRecord | undefined): CirculationResult {
    return {
      ok: false,
      renewal: false,
      patronId,
      itemId,
      validPatron: false,
      validPassword: undefined,
      title: item?.title,
      magneticMedia: item?.magneticMedia,
      desensitize: false,
      mediaType: item?.mediaType,
      parts: item?.parts,
      screenMessages: [],
    };
  }

  /** Renewal, also reached by checking out an item the patron already has. */
  private extend(
    patron: PatronRecord,
    item: ItemRecord,
    loan: LoanRecord,
    o: {
      noBlock: boolean;
      when: Date;
      nbDueDate: Date | undefined;
      feeAcknowledged: boolean;
      validPassword: boolean | undefined;
    },
  ): CirculationResult {
    const base = {
      ...this.circulationBase(patron.barcode, item.barcode, item),
      renewal: true,
      validPatron: true,
      validPassword: o.validPassword,
      dueDate: loan.due,
    };
    const refuse = (refusal: Refusal, fee?: FeeInfo): CirculationResult => ({
      ...base,
      refusal,
      fee,
      screenMessages: [REFUSALS[refusal]],
    });
    if (!o.noBlock) {
      if (loan.renewals >= this.policy.renewalLimit) return refuse("renewalLimit");
      if (this.waitingHolds(item, patron.barcode).length > 0) return refuse("holdsBlockRenewal");
      if (item.rentalFee > 0 && !o.feeAcknowledged)
        return refuse("feeNotAcknowledged", this.feeInfo("rental", item.rentalFee));
    }
    const messages: string[] = [];
    const fine = this.chargeOverdue(loan, o.when);
    if (fine) messages.push(`Renewed late: a fine of ${formatAmount(fine.amount)} ${fine.currency} was charged.`);
    // A renewal runs a new loan period from today but never shortens the loan.
    const due = o.noBlock && o.nbDueDate ? o.nbDueDate : later(loan.due, this.dueDate(o.when, item.mediaType));
    loan.due = due;
    loan.renewals += 1;
    const fee =
      item.rentalFee > 0
        ? this.charge(patron.barcode, "rental", item.rentalFee, item, `Rental renewal: ${item.title}`, o.when)
        : undefined;
    messages.push(`Renewed until ${isoDay(dayOf(due))}.`);
    return {
      ...base,
      ok: true,
      dueDate: due,
      // Koha's renew: the item is already desensitized.
      desensitize: false,
      fee: fee ?? fine,
      transactionId: fee || fine ? this.nextTransactionId() : undefined,
      screenMessages: messages,
    };
  }

  private dueDate(from: Date, mediaType: MediaType): Date {
    return endOfDay(dayOf(from) + perMediaType(this.policy.loanPeriodDays, mediaType));
  }

  /** Charges the overdue fine accrued up to `until` and moves nothing else. */
  private chargeOverdue(loan: LoanRecord, until: Date): FeeInfo | undefined {
    const item = this.items.get(loan.item);
    if (!item) return undefined;
    const daysLate = dayOf(until) - dayOf(loan.due);
    if (daysLate <= this.policy.fineGraceDays) return undefined;
    const amount = Math.min(
      daysLate * perMediaType(this.policy.overdueFinePerDay, item.mediaType),
      this.policy.maxOverdueFine,
    );
    if (amount <= 0) return undefined;
    return this.charge(loan.patron, "overdue", amount, item, `Overdue ${daysLate} days: ${item.title}`, until);
  }

  /** Closes a loan at `returned`, charging any overdue fine. */
  private endLoan(loan: LoanRecord, returned: Date): FeeInfo | undefined {
    const fine = this.chargeOverdue(loan, returned);
    this.loans.delete(loan.item);
    return fine;
  }

  private charge(
    patron: string,
    type: FeeType,
    amount: number,
    item: ItemRecord | undefined,
    description: string,
    at: Date,
  ): FeeInfo {
    const id = this.nextId("fee", "F", (x) => this.fees.some((f) => f.id === x));
    this.fees.push({ id, patron, type, amount, balance: amount, item: item?.barcode, created: at, description });
    return { ...this.feeInfo(type, amount), feeId: id };
  }

  private feeInfo(type: FeeType, amount: number): FeeInfo {
    return { type, amount, currency: this.institution.currency };
  }

  /**
   * Where a returned item goes: to a hold set aside for it or the first one it can fill (hold shelf
   * here or transit to the pickup branch), else home if it belongs elsewhere, else back on the shelf.
   */
  private route(
    item: ItemRecord,
    branch: string,
    at: Date,
  ): Pick<
    CheckinResult,
    "alertType" | "sortBin" | "destination" | "holdPatronId" | "holdPatronName" | "holdShelfExpires"
  > & {
    messages: string[];
  } {
    item.currentBranch = branch;
    delete item.transitTo;
    item.state = "available";
    const bins = this.policy.sortBins;
    const hold = this.trappedHold(item.barcode) ?? this.waitingHolds(item, undefined)[0];
    if (hold) {
      const holder = this.patrons.get(hold.patron);
      hold.trappedItem = item.barcode;
      const who = { holdPatronId: hold.patron, holdPatronName: holder?.name };
      if (hold.pickupBranch === branch) {
        if (hold.state !== "ready") hold.shelfExpires = endOfDay(dayOf(at) + this.policy.holdShelfDays);
        hold.state = "ready";
        return {
          ...who,
          alertType: "holdHere",
          sortBin: bins.holdShelf,
          holdShelfExpires: hold.shelfExpires,
          messages: ["Item is on hold: place it on the hold shelf."],
        };
      }
      hold.state = "inTransit";
      delete hold.shelfExpires;
      item.state = "inTransit";
      item.transitTo = hold.pickupBranch;
      return {
        ...who,
        alertType: "holdElsewhere",
        sortBin: bins.transit,
        destination: hold.pickupBranch,
        messages: [`Item is on hold: send it to ${this.branchName(hold.pickupBranch)}.`],
      };
    }
    if (item.homeBranch !== branch) {
      item.state = "inTransit";
      item.transitTo = item.homeBranch;
      return {
        alertType: "transit",
        sortBin: bins.transit,
        destination: item.homeBranch,
        messages: [`Item belongs to ${this.branchName(item.homeBranch)}: send it there.`],
      };
    }
    return { sortBin: bins.shelf, messages: [] };
  }

  /** Releases the copy a hold had set aside; `gone` when the hold itself is being removed. */
  private untrap(hold: HoldRecord, gone = false): void {
    const item = hold.trappedItem === undefined ? undefined : this.items.get(hold.trappedItem);
    // A copy left on the hold shelf needs staff to check it in again.
    if (item && hold.state === "ready" && item.state === "available" && !this.loans.has(item.barcode))
      item.state = "waitingToBeReshelved";
    if (!gone) {
      hold.state = "pending";
      delete hold.trappedItem;
      delete hold.shelfExpires;
    }
  }

  /** Fills the patron's hold this checkout satisfies: one set aside for this copy, else their oldest pending one. */
  private fillHold(patron: PatronRecord, item: ItemRecord): HoldRecord | undefined {
    const hold =
      this.holds.find((h) => h.patron === patron.barcode && h.trappedItem === item.barcode) ??
      this.holds.find((h) => h.patron === patron.barcode && h.state === "pending" && this.canFill(h, item));
    if (hold) this.holds = this.holds.filter((h) => h !== hold);
    return hold;
  }

  private canFill(hold: HoldRecord, item: ItemRecord): boolean {
    return item.circulates && hold.titleId === item.titleId && (hold.item === undefined || hold.item === item.barcode);
  }

  /** Pending holds this copy could fill, oldest first, leaving out `except`'s own. */
  private waitingHolds(item: ItemRecord, except: string | undefined): HoldRecord[] {
    return this.holds.filter((h) => h.state === "pending" && h.patron !== except && this.canFill(h, item));
  }

  /** Holds this copy matters to: set aside for it, or pending ones it could fill. */
  private activeHoldsFor(item: ItemRecord): HoldRecord[] {
    return this.holds.filter((h) => h.trappedItem === item.barcode || (h.state === "pending" && this.canFill(h, item)));
  }

  private trappedHold(itemId: string): HoldRecord | undefined {
    return this.holds.find((h) => h.trappedItem === itemId);
  }

  private circulationStatus(item: ItemRecord): CirculationStatus {
    const fromState = STATE_STATUS[item.state];
    if (item.state === "lost" || item.state === "missing") return fromState ?? "other";
    if (this.loans.has(item.barcode)) return "charged";
    if (fromState) return fromState;
    return this.trappedHold(item.barcode)?.state === "ready" ? "waitingOnHoldShelf" : "available";
  }

  private addHold(
    patron: PatronRecord,
    item: ItemRecord | undefined,
    titleId: string,
    title: string,
    req: HoldRequest,
    at: Date,
    refuse: (refusal: Refusal, extra?: Partial<HoldResult>) => HoldResult,
  ): HoldResult {
    const standing = this.standing(patron, at);
    if (standing.renewRefusal) return refuse(standing.renewRefusal, { screenMessages: standing.messages });
    const copyLevel = item !== undefined && req.holdType !== "anyCopy" && req.holdType !== "anyCopyAtBranch";
    const copies = this.copies.get(titleId) ?? [];
    if (copyLevel ? !item.circulates : !copies.some((i) => i.circulates)) return refuse("itemNotCirculating");
    if (standing.loans.some((l) => this.items.get(l.item)?.titleId === titleId)) return refuse("holdOnOwnLoan");
    const mine = this.holds.filter((h) => h.patron === patron.barcode);
    if (mine.some((h) => h.titleId === titleId)) return refuse("holdExists");
    if (mine.length >= this.policy.holdLimit) return refuse("holdLimit");
    if (this.policy.holdFee > 0 && req.feeAcknowledged !== true)
      return refuse("feeNotAcknowledged", { fee: this.feeInfo("holdFee", this.policy.holdFee) });

    const hold: HoldRecord = {
      id: this.nextId("hold", "H", (x) => this.holds.some((h) => h.id === x)),
      patron: patron.barcode,
      titleId,
      item: copyLevel ? item.barcode : undefined,
      pickupBranch: req.pickupLocation ?? patron.homeBranch,
      placed: at,
      expires: req.expirationDate,
      state: "pending",
    };
    this.holds.push(hold);
    const fee =
      this.policy.holdFee > 0
        ? this.charge(patron.barcode, "holdFee", this.policy.holdFee, item, `Hold: ${title}`, at)
        : undefined;
    const view = this.holdView(hold, { ok: true, available: false, patronId: patron.barcode, screenMessages: [] });
    return {
      ...view,
      fee,
      screenMessages: [
        `Hold placed on "${title}" for pickup at ${this.branchName(hold.pickupBranch)}. You are number ${view.queuePosition} in the queue.`,
      ],
    };
  }

  private holdView(hold: HoldRecord, base: HoldResult): HoldResult {
    const queue = this.holds.filter((h) => h.titleId === hold.titleId);
    const onShelf = (this.copies.get(hold.titleId) ?? []).some(
      (i) => this.canFill(hold, i) && i.circulates && this.circulationStatus(i) === "available",
    );
    return {
      ...base,
      holdId: hold.id,
      available: onShelf || hold.state === "ready",
      itemId: hold.trappedItem ?? hold.item,
      titleId: hold.titleId,
      title: this.titleText(hold.titleId),
      queuePosition: queue.indexOf(hold) + 1,
      pickupLocation: hold.pickupBranch,
      expirationDate: hold.expires,
    };
  }

  private findLoan(patronId: string, itemId: string | undefined, titleId: string | undefined): LoanRecord | undefined {
    if (itemId !== undefined) {
      const loan = this.loans.get(itemId);
      return loan?.patron === patronId ? loan : undefined;
    }
    if (titleId === undefined) return undefined;
    return this.loansOfPatron(patronId).find((l) => this.items.get(l.item)?.titleId === titleId);
  }

  private loansOfPatron(patronId: string): LoanRecord[] {
    return [...this.loans.values()].filter((l) => l.patron === patronId);
  }

  private openFees(patronId: string): FeeRecord[] {
    return this.fees
      .filter((f) => f.patron === patronId && f.balance > 0)
      .sort((a, b) => a.created.getTime() - b.created.getTime());
  }

  private hasSecurity(item: ItemRecord): boolean {
    return !item.magneticMedia && item.securityMarker !== "none";
  }

  private titleText(titleId: string): string | undefined {
    return this.copies.get(titleId)?.[0]?.title;
  }

  private branchName(id: string): string {
    return this.branches.find((b) => b.id === id)?.name ?? id;
  }

  private nextId(counter: keyof InMemoryIls["counters"], prefix: string, taken: (id: string) => boolean): string {
    let id: string;
    do {
      this.counters[counter] += 1;
      id = `${prefix}${String(this.counters[counter]).padStart(6, "0")}`;
    } while (taken(id));
    return id;
  }

  private nextTransactionId(): string {
    return this.nextId("transaction", `${this.institution.id}-T`, (x) =>
      this.payments.some((p) => p.transactionId === x),
    );
  }
}
