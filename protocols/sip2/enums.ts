/**
 * SIP2 2.00 code tables (3M SIP2 Developer's Guide, 2006 revision), as data.
 * Each table maps our names to the wire code so both directions come from one place.
 */

/** Patron status: 14 positions, 'Y' when the condition holds, space otherwise. Order is the wire order. */
export const PATRON_STATUS_FLAGS = [
  "chargePrivilegesDenied",
  "renewalPrivilegesDenied",
  "recallPrivilegesDenied",
  "holdPrivilegesDenied",
  "cardReportedLost",
  "tooManyItemsCharged",
  "tooManyItemsOverdue",
  "tooManyRenewals",
  "tooManyClaimsOfItemsReturned",
  "tooManyItemsLost",
  "excessiveOutstandingFines",
  "excessiveOutstandingFees",
  "recallOverdue",
  "tooManyItemsBilled",
] as const;
export type PatronStatusFlag = (typeof PATRON_STATUS_FLAGS)[number];
export type PatronStatus = Readonly<Record<PatronStatusFlag, boolean>>;

/** Summary field of Patron Information (63): at most one 'Y', at the position of the list wanted. */
export const SUMMARY_LISTS = [
  "holdItems",
  "overdueItems",
  "chargedItems",
  "fineItems",
  "recallItems",
  "unavailableHoldItems",
] as const;
export type SummaryList = (typeof SUMMARY_LISTS)[number];

export const CIRCULATION_STATUS = {
  other: "01",
  onOrder: "02",
  available: "03",
  charged: "04",
  chargedNotRecallable: "05",
  inProcess: "06",
  recalled: "07",
  waitingOnHoldShelf: "08",
  waitingToBeReshelved: "09",
  inTransit: "10",
  claimedReturned: "11",
  lost: "12",
  missing: "13",
} as const;
export type CirculationStatus = keyof typeof CIRCULATION_STATUS;

export const SECURITY_MARKER = { other: "00", none: "01", tattleTape: "02", whisperTape: "03" } as const;
export type SecurityMarker = keyof typeof SECURITY_MARKER;

export const FEE_TYPE = {
  other: "01",
  administrative: "02",
  damage: "03",
  overdue: "04",
  processing: "05",
  rental: "06",
  replacement: "07",
  computerAccess: "08",
  holdFee: "09",
} as const;
export type FeeType = keyof typeof FEE_TYPE;

export const PAYMENT_TYPE = { cash: "00", visa: "01", creditCard: "02" } as const;
export type PaymentType = keyof typeof PAYMENT_TYPE;

export const MEDIA_TYPE = {
  other: "000",
  book: "001",
  magazine: "002",
  boundJournal: "003",
  audioTape: "004",
  videoTape: "005",
  cdOrCdRom: "006",
  diskette: "007",
  bookWithDiskette: "008",
  bookWithCd: "009",
  bookWithAudioTape: "010",
} as const;
export type MediaType = keyof typeof MEDIA_TYPE;

/** Supported messages (BX in 98): 16 positions of Y/N, in this order. */
export const SUPPORTED_MESSAGES = [
  "patronStatusRequest",
  "checkout",
  "checkin",
  "blockPatron",
  "scAcsStatus",
  "requestScAcsResend",
  "login",
  "patronInformation",
  "endPatronSession",
  "feePaid",
  "itemInformation",
  "itemStatusUpdate",
  "patronEnable",
  "hold",
  "renew",
  "renewAll",
] as const;
export type SupportedMessage = (typeof SUPPORTED_MESSAGES)[number];

/** Hold mode in 15: add, delete, change. */
export const HOLD_MODE = { add: "+", delete: "-", change: "*" } as const;
export type HoldMode = keyof typeof HOLD_MODE;

/** Hold type (BY): 1 other, 2 any copy of a title, 3 a specific copy, 4 any copy at a single branch. */
export const HOLD_TYPE = { other: "1", anyCopy: "2", specificCopy: "3", anyCopyAtBranch: "4" } as const;
export type HoldType = keyof typeof HOLD_TYPE;

/** SC status in 99. */
export const SC_STATUS = { ok: "0", printerOutOfPaper: "1", shuttingDown: "2" } as const;
export type ScStatus = keyof typeof SC_STATUS;

/**
 * Checkin alert type (CV), an extension sent by Evergreen and Koha; values as those servers use them.
 * 00 unknown, 01 hold for this library, 02 hold for another library, 04 send to another library
 * (transit), 99 other.
 */
export const ALERT_TYPE = {
  unknown: "00",
  holdHere: "01",
  holdElsewhere: "02",
  transit: "04",
  other: "99",
} as const;
export type AlertType = keyof typeof ALERT_TYPE;

/** Reverse lookup for any of the tables above: wire code → name, or undefined for a code not in the table. */
export function nameOfCode<T extends Record<string, string>>(table: T, code: string): keyof T | undefined {
  for (const key in table) if (table[key] === code) return key;
  return undefined;
}
