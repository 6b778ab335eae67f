/**
 * SIP2 for people: which answer each request expects, messages field by field with their names, the
 * BX list in words, and transcripts with passwords and PINs masked. Used by `selfcheck sip2`.
 */
import {
  CIRCULATION_STATUS,
  FIELDS,
  type MessageType,
  nameOfCode,
  PATRON_STATUS_FLAGS,
  type PatronStatus,
  type Sip2Message,
  SUPPORTED_MESSAGES,
} from "../../protocols/sip2/index.ts";

/** The answer each request expects. */
export const RESPONSE_TYPE: Readonly<Partial<Record<MessageType, MessageType>>> = {
  login: "loginResponse",
  scStatus: "acsStatus",
  patronStatusRequest: "patronStatusResponse",
  patronInformation: "patronInformationResponse",
  patronEnable: "patronEnableResponse",
  blockPatron: "patronStatusResponse",
  endPatronSession: "endSessionResponse",
  checkout: "checkoutResponse",
  checkin: "checkinResponse",
  renew: "renewResponse",
  renewAll: "renewAllResponse",
  hold: "holdResponse",
  itemInformation: "itemInformationResponse",
  itemStatusUpdate: "itemStatusUpdateResponse",
  feePaid: "feePaidResponse",
};

/** Passwords and PINs: CO login password, AD patron password, AC terminal password. */
const SECRET_FIELDS = ["CO", "AD", "AC"] as const;
const SECRET_NAMES: ReadonlySet<string> = new Set(SECRET_FIELDS.map((id) => FIELDS[id]));
const MASK = "****";

/**
 * The wire text with secrets masked. In every request these fields follow a "|" (none is the first
 * variable field of its message), so masking what follows "|CO", "|AD" and "|AC" is exact.
 */
export function maskWire(text: string): string {
  return text.replace(/\|(CO|AD|AC)[^|]*/g, (_, id: string) => `|${id}${MASK}`);
}

/** The decoded message with secrets masked, for printing. */
export function maskMessage(message: Sip2Message): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) out[key] = SECRET_NAMES.has(key) && value ? MASK : value;
  return out;
}

const FIELD_ID_OF: ReadonlyMap<string, string> = new Map(Object.entries(FIELDS).map(([id, name]) => [name, id]));

/** One line per field: "AB itemIdentifier: 30001…". Fixed fields have no id. */
export function fieldLines(message: Sip2Message): string[] {
  return Object.entries(maskMessage(message))
    .filter(([key]) => key !== "type")
    .map(([key, value]) => {
      const id = FIELD_ID_OF.get(key);
      const shown =
        key === "patronStatus" ? blocksInWords(value as PatronStatus).join(", ") || "no blocks" : JSON.stringify(value);
      return `  ${id ? `${id} ` : "   "}${key}: ${shown}`;
    });
}

/** The BX list in words: which of the sixteen messages the ACS supports. */
export function supportedMessages(bx: string): { supported: string[]; unsupported: string[] } {
  const supported: string[] = [];
  const unsupported: string[] = [];
  SUPPORTED_MESSAGES.forEach((name, i) => {
    (bx[i]?.toUpperCase() === "Y" ? supported : unsupported).push(name);
  });
  return { supported, unsupported };
}

/** Patron status flags that are set, in words ("charge privileges denied"). */
export function blocksInWords(status: PatronStatus): string[] {
  return PATRON_STATUS_FLAGS.filter((flag) => status[flag]).map((flag) => words(flag));
}

/** Circulation status code in words ("charged"), or the code itself. */
export function circulationInWords(code: string): string {
  const name = nameOfCode(CIRCULATION_STATUS, code);
  return name ? words(name) : `code ${code}`;
}

/** camelCase → "camel case". */
export function words(name: string): string {
  return name.replace(/([A-Z])/g, " $1").toLowerCase();
}
