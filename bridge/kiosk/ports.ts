/**
 * What the kiosk engine needs from the world, as narrow interfaces. The composition root (bridge/main.ts)
 * adapts the real SIP2 client and device drivers to them (adapters.ts); tests can hand in the same real
 * pieces or small stand-ins. The engine never sees SIP2 messages or device frames.
 */
import type {
  DeviceSummary,
  Fee,
  HoldReady,
  ItemReason,
  Loan,
  Money,
  PatronBlock,
  Routing,
} from "../../protocols/kiosk-api/schema.ts";

export type IlsStatus = "connecting" | "online" | "acs-offline" | "down";

/** A patron as the ILS describes them, already in kiosk terms. Identity stays in the engine's memory only. */
export interface PatronRecord {
  found: boolean;
  /** Absent when no PIN was checked. */
  pinOk?: boolean;
  firstName?: string;
  email?: string;
  blocks: PatronBlock[];
  /** False when the ILS says this patron may not borrow (a block, an expired card). */
  canBorrow: boolean;
  loans: Loan[];
  holdsReady: HoldReady[];
  holdsWaiting: number;
  fees: Fee[];
  feesTotal?: Money;
}

export interface CirculationResult {
  ok: boolean;
  /** Why it was refused, in kiosk terms (the adapter maps the ILS's answer). */
  reason?: ItemReason;
  title?: string;
  /** ISO 8601. */
  dueDate?: string;
  /** The ILS asks for the security strip to be turned off (checkout) or on (checkin) by the relay. */
  desensitize?: boolean;
  resensitize?: boolean;
  /** Checkin only: where the item goes next. */
  routing?: Routing;
  /** The same patron already had it: this checkout renewed the loan. */
  renewed?: boolean;
  /** Accepted into the offline journal while the ILS is unreachable. */
  offline?: boolean;
  /** Id of the transaction in logs and the journal. */
  transactionId?: string;
}

/**
 * The ILS. Methods reject with a CodedError when no answer could be had: code `ILS_OFFLINE` when the ILS is
 * unreachable (nothing was done), `OUTCOME_UNKNOWN` when it may or may not have been done (the SIP2 client
 * has already asked the ILS and could not tell).
 */
export interface IlsPort {
  status(): IlsStatus;
  onStatus(listener: (status: IlsStatus) => void): () => void;
  lookupPatron(credential: string, pin: string | undefined): Promise<PatronRecord>;
  checkout(request: CheckoutRequest): Promise<CirculationResult>;
  checkin(request: CheckinRequest): Promise<CirculationResult>;
  renew(request: RenewRequest): Promise<CirculationResult>;
  endSession(patron: string): Promise<void>;
  /**
   * The kiosk lends from its offline journal (the ILS is unreachable, or what was lent while it was is
   * still being sent to it): the screen says so and receipts are provisional. Absent: never.
   */
  offlineMode?(): boolean;
  /**
   * Records a fee paid by card (SIP2 37); `ok` false when the ILS refused it. With `transactionId` (an id
   * from `notePayment`) a payment the ILS cannot take now is kept for replay: `ok` and `offline`.
   */
  payFee(request: {
    patron: string;
    pin?: string;
    fee: Fee;
    reference: string;
    transactionId?: string;
  }): Promise<{ ok: boolean; offline?: boolean }>;
  /**
   * Writes the fees about to be charged on the card terminal, one id per fee, before it is asked: money
   * taken is never unrecorded, even if the bridge dies between the approval and the ILS. Absent: not kept.
   */
  notePayment?(request: { patron: string; fees: readonly Fee[]; reference: string }): string[];
  /**
   * The card was charged: the authorization goes on every noted fee at once, before any 37, so a kill from
   * here on leaves fees the replay sends rather than ones staff must check against the terminal.
   */
  approvePayment?(ids: readonly string[], authorization: string): void;
  /** The noted payment was not taken (declined, timed out): nothing to record. */
  dropPayment?(ids: readonly string[], why: string): void;
  /** Places or cancels a hold on the item's title for the patron (SIP2 15). */
  hold(request: { patron: string; pin?: string; itemId: string; mode: "place" | "cancel" }): Promise<HoldOutcome>;
  /** What the ILS knows about an item (SIP2 17), for staff (shelf inventory). Absent: the ILS cannot say. */
  itemInformation?(itemId: string): Promise<ItemRecord>;
}

/** An item as the ILS describes it: no patron in it. */
export interface ItemRecord {
  found: boolean;
  title?: string;
  callNumber?: string;
  /** The SIP2 circulation status by name (available, charged, missing, lost …). */
  circulationStatus?: string;
  /** The owning branch (SIP2 AQ permanent location). */
  homeBranch?: string;
  /** ISO 8601, when the item is on loan. */
  dueDate?: string;
}

/** `transactionId`: the journal entry's id, used as the transaction's id towards the ILS and in logs. */
export interface CheckinRequest {
  itemId: string;
  transactionId?: string;
  /** Fires when the patron has gone: stop waiting to learn the outcome of a transaction whose answer was lost. */
  signal?: AbortSignal;
}
export interface RenewRequest extends CheckinRequest {
  patron: string;
  pin?: string;
}
export interface CheckoutRequest extends RenewRequest {
  renewal: boolean;
}

export interface HoldOutcome {
  ok: boolean;
  /** Why it was refused, in kiosk terms. */
  reason?: ItemReason;
  /** Where the patron collects it (place). */
  pickupLocation?: string;
}

/**
 * A card payment terminal. `charge` asks it to take the amount and resolves with the outcome; when `abort`
 * fires first (the patron left, the kiosk's own limit passed) the terminal stops waiting for a card and the
 * charge resolves as a timeout. It never rejects for a declined card: only when the terminal cannot be
 * reached at all.
 */
export interface PaymentPort {
  charge(request: { amount: Money; reference: string }, abort: AbortSignal): Promise<PaymentOutcome>;
}

export type PaymentOutcome =
  | { status: "approved"; authorization: string }
  | { status: "declined" }
  | { status: "timeout" };

/** One tag on the pad, with its library data read. */
export interface PadTag {
  uid: string;
  /** Item barcode, or a patron's card number when `patronCard`. Absent when the tag could not be read. */
  itemId?: string;
  patronCard?: boolean;
  partNumber?: number;
  partsInSet?: number;
}

export interface PadPort {
  /** How many tags one read handles (CPR.M02: 4); undefined when the reader has no such limit. */
  readonly capacity: number | undefined;
  /** The tags on the pad after each change; `tooMany` when the reader could not read them all at once. */
  onTags(listener: (tags: readonly PadTag[], tooMany: boolean) => void): () => void;
  present(): readonly PadTag[];
  /** Writes the tag's security and reads it back; resolves true only when the read-back agrees. */
  setSecurity(uid: string, secured: boolean): Promise<boolean>;
}

export interface ScanPort {
  /** A code from a barcode scanner, classified by the scanner's rules. */
  onScan(listener: (code: string, kind: "patron" | "item" | "other") => void): () => void;
}

/** The desensitizer relay, for barcode-only items with magnetic strips. */
export interface RelayPort {
  desensitize(): Promise<void>;
  resensitize(): Promise<void>;
}

export interface DevicesPort {
  summaries(): DeviceSummary[];
  onChange(listener: () => void): () => void;
}
