/**
 * The in-memory ILS's state records and the requests and results of its operations.
 */
import { CodedError } from "../../../protocols/errors.ts";
import type {
  AlertType,
  CirculationStatus,
  FeeType,
  HoldMode,
  HoldType,
  MediaType,
  PatronStatus,
  PaymentType,
  SecurityMarker,
  SummaryList,
} from "../../../protocols/sip2/enums.ts";
import type { FixtureItem, FixturePatron, HoldState } from "../fixture.ts";
import type { Refusal } from "./refusal-reasons.ts";

export class IlsRequestError extends CodedError<"ILS_BAD_REQUEST"> {}
/** The ILS broke one of its own rules: a bug, reported with every problem found. */
export class IlsInvariantError extends CodedError<"ILS_INVARIANT"> {}

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
  /** Renewals the ILS granted; never more than the policy's renewalLimit. */
  renewals: number;
  /** No-block renewals the SC reported after the fact: accepted whatever the limit, counted apart. */
  offlineRenewals: number;
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
  /**
   * The SC renewal policy (11's first fixed field): false means the terminal may not renew, so a checkout of
   * an item the patron already has is refused, as Evergreen's SIPServer does ("Renewals not permitted").
   * Default true, as Koha, which renews whatever the flag says.
   */
  renewalAllowed?: boolean | undefined;
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
  /**
   * Check every invariant of the state after each operation and throw ILS_INVARIANT when one breaks
   * (a bug in the ILS). Tests turn it on; it costs a pass over the whole state per operation.
   */
  checkInvariants?: boolean;
}
