/**
 * The kiosk WebSocket API, written once: the TypeScript types the bridge and the kiosk UI share, and the
 * schemas the bridge validates every incoming message against (validate.ts). docs/kiosk-api.md explains it
 * with examples.
 *
 * Shape of the conversation:
 * - The bridge opens with `hello`, then sends `state` — the whole kiosk as the patron's screen must show it —
 *   after every change. The UI renders `state` and keeps nothing else, so a reload or a reconnect shows the
 *   live session again at once.
 * - The UI sends commands, each with a request `id`; the bridge answers each with one `reply` (ok, or a
 *   stable error code the UI translates).
 * - `notice` events are the transient things a patron should hear or have announced (an item done, a PIN
 *   refused, the idle warning): the UI plays a tone and speaks them through an aria-live region.
 *
 * Privacy: the patron side never carries a patron identifier, a full name or a PIN back to the screen
 * (a PIN goes only screen → bridge). Names are first names; an email address is masked by the bridge.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { FEE_TYPE, type FeeType, PATRON_STATUS_FLAGS } from "../sip2/enums.ts";

/** Bumped on every incompatible change; the bridge refuses a UI that speaks another version. */
export const KIOSK_API_VERSION = 1;

/** A union of string literals, typed as that union (also used by protocols/staff-api). */
export const literals = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v))));

/** Where the patron is. The bridge owns it; the UI shows the screen for it. */
export const PHASES = [
  "out-of-service",
  "closed",
  "idle",
  "pin",
  "home",
  "checkout",
  "checkin",
  "renew",
  "holds",
  "fees",
  "receipt",
  "goodbye",
] as const;
export type Phase = (typeof PHASES)[number];

/** Screens the patron may ask for from `home` (and `checkin` from `idle`, without logging in). */
export const SCREENS = ["home", "checkout", "checkin", "renew", "holds", "fees"] as const;
export type Screen = (typeof SCREENS)[number];

/**
 * Why an item did not go through, or what the patron must know about it. Stable: the UI maps each to
 * words in every language ("what happened, why, what to do"), never to the ILS's own text.
 */
export const ITEM_REASONS = [
  "ITEM_NOT_FOUND",
  "ITEM_ON_HOLD_FOR_OTHER",
  "ITEM_NOT_LOANABLE",
  "ITEM_ALREADY_ON_LOAN",
  /** On loan to this patron already, and the kiosk does not renew at checkout (`kiosk.renewOnCheckout`). */
  "ITEM_ALREADY_YOURS",
  "LIMIT_REACHED",
  "PATRON_BLOCKED",
  "CARD_EXPIRED",
  "RENEWAL_LIMIT",
  "RENEWAL_NOT_ALLOWED",
  "SET_INCOMPLETE",
  "SET_AT_DESK",
  "SECURITY_NOT_RELEASED",
  "SECURITY_NOT_SET",
  "ITEM_LIFTED_EARLY",
  "ILS_OFFLINE",
  "OFFLINE_LIMIT",
  "OUTCOME_UNKNOWN",
  /** A renewal while the ILS is unreachable: refused, since only the ILS knows limits and holds. */
  "RENEWAL_NEEDS_ILS",
  "SEE_STAFF",
] as const;
export type ItemReason = (typeof ITEM_REASONS)[number];

/**
 * Why a patron may not do something: the 14 SIP2 patron status flags under their names in
 * protocols/sip2/enums.ts (the UI words each one), plus the two blocks a kiosk adds itself.
 */
export const PATRON_BLOCKS = [...PATRON_STATUS_FLAGS, "cardExpired", "offlineBlocked"] as const;
export type PatronBlock = (typeof PATRON_BLOCKS)[number];

/** Error codes of a `reply`. The UI translates them; `message` is for logs and developers. */
export const API_ERRORS = [
  "INVALID_MESSAGE",
  "UNSUPPORTED_VERSION",
  "NOT_ALLOWED_NOW",
  "PATRON_NOT_FOUND",
  "PIN_WRONG",
  "PIN_LOCKED",
  "PATRON_BLOCKED",
  "ILS_OFFLINE",
  "OUT_OF_SERVICE",
  "DEVICE_UNAVAILABLE",
  "PAYMENT_DECLINED",
  "PAYMENT_TIMEOUT",
  "RATE_LIMITED",
  "INTERNAL",
] as const;
export type ApiErrorCode = (typeof API_ERRORS)[number];

/** Transient things to announce and sound. `tone` picks the sound; the code picks the words. */
export const NOTICES = [
  "ITEM_DONE",
  "ITEM_PROBLEM",
  "PATRON_WELCOME",
  "PATRON_NOT_FOUND",
  "PIN_WRONG",
  "PIN_LOCKED",
  "TIMEOUT_WARNING",
  "SESSION_ENDED",
  "RECEIPT_PRINTED",
  "RECEIPT_EMAILED",
  "RECEIPT_FAILED",
  "PAYMENT_APPROVED",
  "PAYMENT_DECLINED",
  "ILS_OFFLINE",
  "ILS_ONLINE",
  "TOO_MANY_TAGS",
] as const;
export type NoticeCode = (typeof NOTICES)[number];

export const Money = Type.Object({
  /** Decimal as the ILS gives it ("12.50"), so no float rounding; the UI formats it with Intl. */
  value: Type.String({ pattern: "^-?\\d+(\\.\\d+)?$" }),
  /** ISO 4217 ("USD", "EUR"). */
  currency: Type.String({ pattern: "^[A-Z]{3}$" }),
});
export type Money = Static<typeof Money>;

/** A date as ISO 8601 text ("2026-12-15" or with a time); the UI formats it for the patron's language. */
const IsoDate = Type.String({ minLength: 10, maxLength: 40 });

export const Routing = Type.Object({
  /** What staff should do with a returned item; the UI names the cart, never a patron. */
  kind: literals(["reshelve", "hold-here", "hold-elsewhere", "transit", "sort-bin"] as const),
  /** Branch or library the item goes to (hold-elsewhere, transit). */
  destination: Type.Optional(Type.String()),
  /** Sort bin from the ILS (CL). */
  bin: Type.Optional(Type.String()),
  /** Colour of the cart this kiosk's config names for the kind, e.g. "red". */
  cart: Type.Optional(Type.String()),
});
export type Routing = Static<typeof Routing>;

export const ITEM_STATUSES = ["pending", "working", "done", "refused", "attention"] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

/** One row on the checkout, checkin or renew screen. */
export const ItemRow = Type.Object({
  /** Stable within the session: the tag's UID or the scanned barcode. */
  key: Type.String(),
  action: literals(["checkout", "checkin", "renew"] as const),
  /** The item barcode (not patron data). */
  itemId: Type.String(),
  title: Type.Optional(Type.String()),
  /**
   * pending: seen, waiting its turn; working: with the ILS or writing the tag; done: went through;
   * refused: the ILS said no (reason); attention: went through but the patron must act (reason, e.g.
   * SECURITY_NOT_RELEASED), or could not be finished here (SET_AT_DESK, ITEM_LIFTED_EARLY).
   */
  status: literals(ITEM_STATUSES),
  reason: Type.Optional(literals(ITEM_REASONS)),
  dueDate: Type.Optional(IsoDate),
  /** Done while the ILS was unreachable: recorded, sent later; the receipt is provisional. */
  offline: Type.Optional(Type.Boolean()),
  routing: Type.Optional(Routing),
  /** ISO 28560 set information: part `part` of `of`. */
  set: Type.Optional(Type.Object({ part: Type.Integer({ minimum: 1 }), of: Type.Integer({ minimum: 1 }) })),
});
export type ItemRow = Static<typeof ItemRow>;

export const Loan = Type.Object({
  itemId: Type.String(),
  title: Type.Optional(Type.String()),
  dueDate: Type.Optional(IsoDate),
  overdue: Type.Boolean(),
});
export type Loan = Static<typeof Loan>;

export const HoldReady = Type.Object({
  itemId: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  pickupLocation: Type.Optional(Type.String()),
  /** Last day to collect it. */
  expires: Type.Optional(IsoDate),
});
export type HoldReady = Static<typeof HoldReady>;

export const Fee = Type.Object({
  id: Type.String(),
  amount: Money,
  kind: literals(Object.keys(FEE_TYPE) as FeeType[]),
  title: Type.Optional(Type.String()),
});
export type Fee = Static<typeof Fee>;

export const PatronSummary = Type.Object({
  /** First name only (a public screen). */
  firstName: Type.Optional(Type.String()),
  loans: Type.Array(Loan),
  holdsReady: Type.Array(HoldReady),
  holdsWaiting: Type.Integer({ minimum: 0 }),
  fees: Type.Array(Fee),
  feesTotal: Type.Optional(Money),
  blocks: Type.Array(literals(PATRON_BLOCKS)),
  /** May borrow now; false with blocks explains why. */
  canBorrow: Type.Boolean(),
  /** Masked by the bridge ("j•••@e•••.org"); absent when the ILS has none. */
  emailMasked: Type.Optional(Type.String()),
});
export type PatronSummary = Static<typeof PatronSummary>;

export const DEVICE_HEALTHS = ["ok", "degraded", "down", "unverified", "disabled"] as const;
export const DeviceSummary = Type.Object({
  id: Type.String(),
  kind: literals(["scanner", "rfid", "printer", "relay"] as const),
  health: literals(DEVICE_HEALTHS),
  /** Stable code of the current problem (e.g. PRINTER_PAPER_OUT), for the UI and staff. */
  problem: Type.Optional(Type.String()),
});
export type DeviceSummary = Static<typeof DeviceSummary>;

export const ILS_STATUSES = ["connecting", "online", "acs-offline", "down"] as const;

export const RECEIPT_METHODS = ["print", "email", "none"] as const;
export type ReceiptMethod = (typeof RECEIPT_METHODS)[number];

/**
 * `not-recorded`: the card was charged but the ILS did not record every fee (staff apply it by hand).
 * `provisional`: the card was charged while the ILS was unreachable; the payment is journaled and sent to
 * the ILS when it answers (the receipt on screen is provisional).
 */
export const PAYMENT_STATUSES = [
  "waiting-card",
  "processing",
  "approved",
  "provisional",
  "not-recorded",
  "declined",
  "timeout",
] as const;

/** Everything the patron screen shows. Sent whole after each change (a few KB at most). */
export const KioskState = Type.Object({
  /** Increases with every state the bridge sends; a UI ignores an older one. */
  rev: Type.Integer({ minimum: 0 }),
  /** The bridge's clock when sent (epoch ms), so the UI's countdown is right even if the PC clocks differ. */
  serverTime: Type.Integer(),
  phase: literals(PHASES),
  /** BCP 47 tag of the language the patron chose ("en", "ar"); reset to the default at logout. */
  language: Type.String(),
  ils: Type.Object({
    status: literals(ILS_STATUSES),
    /** The ILS is unreachable and the kiosk is lending from its offline journal. */
    offlineMode: Type.Boolean(),
  }),
  devices: Type.Array(DeviceSummary),
  /** What the kiosk can do right now, derived by the bridge from config and device health. */
  can: Type.Object({
    checkout: Type.Boolean(),
    checkin: Type.Boolean(),
    print: Type.Boolean(),
    email: Type.Boolean(),
    pay: Type.Boolean(),
    rfid: Type.Boolean(),
    /** How many items the pad reads at once (the CPR.M02 reads 4); absent when unlimited or no pad. */
    padCapacity: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
  outOfService: Type.Optional(Type.Object({ message: Type.Optional(Type.String()) })),
  /**
   * The library's opening hours, when the kiosk follows them (config `kiosk.hours`). While it is closed the
   * phase is `closed` between sessions; a session under way at closing time goes on to its end.
   */
  hours: Type.Optional(
    Type.Object({
      /** Open now by the hours. */
      open: Type.Boolean(),
      /** The IANA zone of the hours: the UI writes the next opening time in it. */
      timeZone: Type.String(),
      /** When `open` next changes (epoch ms, bridge clock); absent when not within about a year. */
      nextChange: Type.Optional(Type.Integer()),
      /** Returns without a card are taken while closed (`show` checkin from the `closed` phase). */
      returnsWhenClosed: Type.Boolean(),
    }),
  ),
  pin: Type.Optional(Type.Object({ attemptsLeft: Type.Integer({ minimum: 0 }) })),
  patron: Type.Optional(PatronSummary),
  /** The rows of the current activity (checkout, checkin or renew), in the order they appeared. */
  items: Type.Array(ItemRow),
  /** Too many tags on the pad for one read: ask the patron to place fewer at a time. */
  tooManyTags: Type.Optional(Type.Boolean()),
  /** A fee payment on the card terminal. No free text: the UI words each status in the patron's language. */
  payment: Type.Optional(Type.Object({ status: literals(PAYMENT_STATUSES), amount: Money })),
  receipt: Type.Optional(
    Type.Object({
      methods: Type.Array(literals(RECEIPT_METHODS)),
      /** The receipt only records what the ILS has not confirmed yet. */
      provisional: Type.Boolean(),
      result: Type.Optional(literals(["printed", "emailed", "none", "failed"] as const)),
    }),
  ),
  /** The idle timer: the session ends at `deadline` (epoch ms, bridge clock); warn from `warnAt`. */
  idle: Type.Optional(Type.Object({ warnAt: Type.Integer(), deadline: Type.Integer() })),
});
export type KioskState = Static<typeof KioskState>;

// ---- Commands: UI → bridge ----

const command = <T extends string, P extends Record<string, TSchema>>(type: T, properties: P) =>
  Type.Object(
    { type: Type.Literal(type), id: Type.String({ minLength: 1, maxLength: 64 }), ...properties },
    { additionalProperties: false },
  );

/** A barcode or card number as typed or scanned: printable, bounded. */
const Identifier = Type.String({ minLength: 1, maxLength: 64, pattern: "^[\\x21-\\x7e]+$" });

export const COMMANDS = {
  /** Typed card number (scans and RFID cards reach the bridge from its own devices). */
  identify: command("identify", { credential: Identifier }),
  verifyPin: command("verifyPin", { pin: Type.String({ minLength: 1, maxLength: 32, pattern: "^[0-9A-Za-z]+$" }) }),
  show: command("show", { screen: literals(SCREENS) }),
  /** An item barcode typed (or scanned by a wedge) on the checkout or checkin screen. */
  addItem: command("addItem", { itemId: Identifier }),
  renew: command("renew", { itemIds: Type.Array(Identifier, { minItems: 1, maxItems: 200 }) }),
  renewAll: command("renewAll", {}),
  placeHold: command("placeHold", { itemId: Identifier }),
  cancelHold: command("cancelHold", { itemId: Identifier }),
  payFees: command("payFees", { feeIds: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 100 }) }),
  /** Leave the activity for the receipt choice. */
  finish: command("finish", {}),
  chooseReceipt: command("chooseReceipt", { method: literals(RECEIPT_METHODS) }),
  /** "I need more time". */
  extendTime: command("extendTime", {}),
  setLanguage: command("setLanguage", { language: Type.String({ pattern: "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$" }) }),
  endSession: command("endSession", {}),
} as const;

export const ClientMessage = Type.Union(Object.values(COMMANDS));
export type ClientMessage = Static<typeof ClientMessage>;
export type CommandType = ClientMessage["type"];
export type Command<T extends CommandType> = Extract<ClientMessage, { type: T }>;

// ---- Messages: bridge → UI ----

export const ApiError = Type.Object({ code: literals(API_ERRORS), message: Type.String() });
export type ApiError = Static<typeof ApiError>;

export const ServerMessage = Type.Union([
  Type.Object({
    type: Type.Literal("hello"),
    version: Type.Literal(KIOSK_API_VERSION),
    kiosk: Type.String(),
    languages: Type.Array(Type.String()),
    defaultLanguage: Type.String(),
  }),
  Type.Object({ type: Type.Literal("state"), state: KioskState }),
  Type.Object({
    type: Type.Literal("reply"),
    /** The command's id; null when the message was too broken to read one. */
    id: Type.Union([Type.String(), Type.Null()]),
    ok: Type.Boolean(),
    error: Type.Optional(ApiError),
  }),
  Type.Object({
    type: Type.Literal("notice"),
    code: literals(NOTICES),
    tone: literals(["success", "failure", "info"] as const),
    /** The row a notice is about, so the UI can announce its title. */
    itemKey: Type.Optional(Type.String()),
    reason: Type.Optional(literals(ITEM_REASONS)),
    /** Seconds left, for TIMEOUT_WARNING; attempts left, for PIN_WRONG. */
    count: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
]);
export type ServerMessage = Static<typeof ServerMessage>;
export type ServerMessageOf<T extends ServerMessage["type"]> = Extract<ServerMessage, { type: T }>;
