import type { PatronStatus, SummaryList } from "./enums.ts";

/**
 * The SIP2 2.00 message catalog: the one table encoder, decoder and types are derived from.
 *
 * Fixed fields are `[name, kind]` or `[name, "text", width]`, in wire order:
 *   flag    Y/N → boolean                 ynu     Y/N/U → boolean, or null for U (unknown)
 *   bool    1/0 → boolean (the "ok" style) int     N digits → number
 *   date    18 characters, kept as text    text    N characters, kept as text (codes, language, version)
 *   status  the 14 patron status flags     summary the 10-character summary of message 63
 * Variable fields are field ids: "AO!" required, "AF*" repeatable, "AJ" optional.
 */
export const FIELDS = {
  AA: "patronIdentifier",
  AB: "itemIdentifier",
  AC: "terminalPassword",
  AD: "patronPassword",
  AE: "personalName",
  AF: "screenMessage",
  AG: "printLine",
  AH: "dueDate",
  AJ: "titleIdentifier",
  AL: "blockedCardMessage",
  AM: "libraryName",
  AN: "terminalLocation",
  AO: "institutionId",
  AP: "currentLocation",
  AQ: "permanentLocation",
  AS: "holdItems",
  AT: "overdueItems",
  AU: "chargedItems",
  AV: "fineItems",
  BD: "homeAddress",
  BE: "emailAddress",
  BF: "homePhoneNumber",
  BG: "owner",
  BH: "currencyType",
  BI: "cancel",
  BK: "transactionId",
  BL: "validPatron",
  BM: "renewedItems",
  BN: "unrenewedItems",
  BO: "feeAcknowledged",
  BP: "startItem",
  BQ: "endItem",
  BR: "queuePosition",
  BS: "pickupLocation",
  BT: "feeType",
  BU: "recallItems",
  BV: "feeAmount",
  BW: "expirationDate",
  BX: "supportedMessages",
  BY: "holdType",
  BZ: "holdItemsLimit",
  CA: "overdueItemsLimit",
  CB: "chargedItemsLimit",
  CC: "feeLimit",
  CD: "unavailableHoldItems",
  CF: "holdQueueLength",
  CG: "feeIdentifier",
  CH: "itemProperties",
  CI: "securityInhibit",
  CJ: "recallDate",
  CK: "mediaType",
  CL: "sortBin",
  CM: "holdPickupDate",
  CN: "loginUserId",
  CO: "loginPassword",
  CP: "locationCode",
  CQ: "validPatronPassword",
  // Extensions from 3M's SIP2 extensions document (rev. 1.20), as listed in Koha's Sip::Constants.
  CR: "collectionCode",
  CS: "callNumber",
  CT: "destinationLocation",
  CV: "alertType",
  CY: "holdPatronId",
  DA: "holdPatronName",
  // Extensions used by Envisionware terminals and by Koha (patron birth date, class, access, internet).
  PA: "pacAccessType",
  PB: "patronBirthDate",
  PC: "patronClass",
  PI: "internetProfile",
} as const;

export type FieldId = keyof typeof FIELDS;
export type FieldName = (typeof FIELDS)[FieldId];

type FixedKind = "flag" | "ynu" | "bool" | "int" | "date" | "text" | "status" | "summary";
type FixedSpec = readonly [name: string, kind: FixedKind, width?: number];
type VarSpec = FieldId | `${FieldId}!` | `${FieldId}*`;

interface MessageSpec {
  readonly code: string;
  readonly fixed: readonly FixedSpec[];
  readonly fields: readonly VarSpec[];
}

const spec = <const F extends readonly FixedSpec[], const V extends readonly VarSpec[]>(
  code: string,
  fixed: F,
  fields: V,
) => ({ code, fixed, fields }) satisfies MessageSpec;

const TX_DATE = ["transactionDate", "date"] as const;
const PATRON_STATUS = ["patronStatus", "status"] as const;
const LANGUAGE = ["language", "text", 3] as const;
const SCREEN = ["AF*", "AG*"] as const;

export const MESSAGES = {
  login: spec(
    "93",
    [
      ["uidAlgorithm", "text", 1],
      ["pwdAlgorithm", "text", 1],
    ],
    ["CN!", "CO!", "CP"],
  ),
  loginResponse: spec("94", [["ok", "bool"]], []),
  scStatus: spec(
    "99",
    [
      ["statusCode", "text", 1],
      ["maxPrintWidth", "int", 3],
      ["protocolVersion", "text", 4],
    ],
    [],
  ),
  acsStatus: spec(
    "98",
    [
      ["onlineStatus", "flag"],
      ["checkinOk", "flag"],
      ["checkoutOk", "flag"],
      ["acsRenewalPolicy", "flag"],
      ["statusUpdateOk", "flag"],
      ["offlineOk", "flag"],
      ["timeoutPeriod", "text", 3],
      ["retriesAllowed", "text", 3],
      ["dateTimeSync", "date"],
      ["protocolVersion", "text", 4],
    ],
    ["AO!", "AM", "BX!", "AN", ...SCREEN],
  ),
  requestAcsResend: spec("97", [], []),
  requestScResend: spec("96", [], []),
  checkout: spec(
    "11",
    [["scRenewalPolicy", "flag"], ["noBlock", "flag"], TX_DATE, ["nbDueDate", "date"]],
    ["AO!", "AA!", "AB!", "AC!", "CH", "AD", "BO", "BI"],
  ),
  checkoutResponse: spec(
    "12",
    [["ok", "bool"], ["renewalOk", "flag"], ["magneticMedia", "ynu"], ["desensitize", "ynu"], TX_DATE],
    ["AO!", "AA!", "AB!", "AJ!", "AH!", "BT", "CI", "BH", "BV", "CK", "CH", "BK", ...SCREEN, "CR", "CS"],
  ),
  checkin: spec("09", [["noBlock", "flag"], TX_DATE, ["returnDate", "date"]], ["AP!", "AO!", "AB!", "AC!", "CH", "BI"]),
  checkinResponse: spec(
    "10",
    [["ok", "bool"], ["resensitize", "flag"], ["magneticMedia", "ynu"], ["alert", "flag"], TX_DATE],
    ["AO!", "AB!", "AQ!", "AJ", "CL", "AA", "CK", "CH", ...SCREEN, "CR", "CS", "CT", "CV", "CY", "DA"],
  ),
  blockPatron: spec("01", [["cardRetained", "flag"], TX_DATE], ["AO!", "AL!", "AA!", "AC!"]),
  patronStatusRequest: spec("23", [LANGUAGE, TX_DATE], ["AO!", "AA!", "AC!", "AD!"]),
  patronStatusResponse: spec(
    "24",
    [PATRON_STATUS, LANGUAGE, TX_DATE],
    ["AO!", "AA!", "AE!", "BL", "CQ", "BH", "BV", ...SCREEN, "PB", "PC", "PI"],
  ),
  patronEnable: spec("25", [TX_DATE], ["AO!", "AA!", "AC", "AD"]),
  patronEnableResponse: spec("26", [PATRON_STATUS, LANGUAGE, TX_DATE], ["AO!", "AA!", "AE!", "BL", "CQ", ...SCREEN]),
  hold: spec("15", [["holdMode", "text", 1], TX_DATE], ["BW", "BS", "BY", "AO!", "AA!", "AD", "AB", "AJ", "AC", "BO"]),
  holdResponse: spec(
    "16",
    [["ok", "bool"], ["available", "flag"], TX_DATE],
    ["BW", "BR", "BS", "AO!", "AA!", "AB", "AJ", ...SCREEN],
  ),
  itemInformation: spec("17", [TX_DATE], ["AO!", "AB!", "AC"]),
  itemInformationResponse: spec(
    "18",
    [["circulationStatus", "text", 2], ["securityMarker", "text", 2], ["feeType", "text", 2], TX_DATE],
    ["CF", "AH", "CJ", "CM", "AB!", "AJ!", "BG", "BH", "BV", "CK", "AQ", "AP", "CH", ...SCREEN, "CR", "CS", "CT"],
  ),
  itemStatusUpdate: spec("19", [TX_DATE], ["AO!", "AB!", "AC", "CH!"]),
  itemStatusUpdateResponse: spec("20", [["itemPropertiesOk", "bool"], TX_DATE], ["AB!", "AJ", "CH", ...SCREEN]),
  renew: spec(
    "29",
    [["thirdPartyAllowed", "flag"], ["noBlock", "flag"], TX_DATE, ["nbDueDate", "date"]],
    ["AO!", "AA!", "AD", "AB", "AJ", "AC", "CH", "BO"],
  ),
  renewResponse: spec(
    "30",
    [["ok", "bool"], ["renewalOk", "flag"], ["magneticMedia", "ynu"], ["desensitize", "ynu"], TX_DATE],
    ["AO!", "AA!", "AB!", "AJ!", "AH!", "BT", "CI", "BH", "BV", "CK", "CH", "BK", ...SCREEN],
  ),
  renewAll: spec("65", [TX_DATE], ["AO!", "AA!", "AD", "AC", "BO"]),
  renewAllResponse: spec(
    "66",
    [["ok", "bool"], ["renewedCount", "int", 4], ["unrenewedCount", "int", 4], TX_DATE],
    ["AO!", "BM*", "BN*", ...SCREEN],
  ),
  endPatronSession: spec("35", [TX_DATE], ["AO!", "AA!", "AC", "AD"]),
  endSessionResponse: spec("36", [["endSession", "flag"], TX_DATE], ["AO!", "AA!", ...SCREEN]),
  feePaid: spec(
    "37",
    [TX_DATE, ["feeType", "text", 2], ["paymentType", "text", 2], ["currencyType", "text", 3]],
    ["BV!", "AO!", "AA!", "AC", "AD", "CG", "BK"],
  ),
  feePaidResponse: spec("38", [["paymentAccepted", "flag"], TX_DATE], ["AO!", "AA!", "BK", ...SCREEN]),
  patronInformation: spec("63", [LANGUAGE, TX_DATE, ["summary", "summary"]], ["AO!", "AA!", "AC", "AD", "BP", "BQ"]),
  patronInformationResponse: spec(
    "64",
    [
      PATRON_STATUS,
      LANGUAGE,
      TX_DATE,
      ["holdItemsCount", "int", 4],
      ["overdueItemsCount", "int", 4],
      ["chargedItemsCount", "int", 4],
      ["fineItemsCount", "int", 4],
      ["recallItemsCount", "int", 4],
      ["unavailableHoldsCount", "int", 4],
    ],
    [
      "AO!",
      "AA!",
      "AE!",
      "BZ",
      "CA",
      "CB",
      "BL",
      "CQ",
      "BH",
      "BV",
      "CC",
      "AS*",
      "AT*",
      "AU*",
      "AV*",
      "BU*",
      "CD*",
      "BD",
      "BE",
      "BF",
      ...SCREEN,
      "PA",
      "PB",
      "PC",
      "PI",
    ],
  ),
} as const;

export type MessageType = keyof typeof MESSAGES;

/** Widths of the fixed kinds that have one. */
export const FIXED_WIDTH: Readonly<Record<Exclude<FixedKind, "text" | "int">, number>> = {
  flag: 1,
  ynu: 1,
  bool: 1,
  date: 18,
  status: 14,
  summary: 10,
};

// ---- types derived from the table -------------------------------------------------------------------

type FixedValue<K> = K extends "flag" | "bool"
  ? boolean
  : K extends "ynu"
    ? boolean | null
    : K extends "int"
      ? number
      : K extends "status"
        ? PatronStatus
        : K extends "summary"
          ? SummaryList | null
          : string;

type FixedPart<F extends readonly FixedSpec[]> = { -readonly [S in F[number] as S[0]]: FixedValue<S[1]> };
type NameOf<S> = S extends `${infer Id}${"!" | "*"}` ? (typeof FIELDS)[Id & FieldId] : (typeof FIELDS)[S & FieldId];
type RequiredPart<V extends readonly VarSpec[]> = {
  [S in V[number] as S extends `${string}!` ? NameOf<S> : never]: string;
};
type OptionalPart<V extends readonly VarSpec[]> = {
  [S in V[number] as S extends `${string}${"!" | "*"}` ? never : NameOf<S>]?: string;
};
type RepeatPart<V extends readonly VarSpec[]> = {
  [S in V[number] as S extends `${string}*` ? NameOf<S> : never]?: string[];
};
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Present on every message: error detection and vendor fields we do not know. */
export interface MessageEnvelope {
  /** AY, 0–9, when the sender used error detection. */
  sequence?: number;
  /** Fields not in the catalog for this message, in the order received; re-sent untouched. */
  unknownFields?: Array<[id: string, value: string]>;
}

export type MessageOf<T extends MessageType> = Simplify<
  { type: T } & MessageEnvelope &
    FixedPart<(typeof MESSAGES)[T]["fixed"]> &
    RequiredPart<(typeof MESSAGES)[T]["fields"]> &
    OptionalPart<(typeof MESSAGES)[T]["fields"]> &
    RepeatPart<(typeof MESSAGES)[T]["fields"]>
>;

export type Sip2Message = { [T in MessageType]: MessageOf<T> }[MessageType];
