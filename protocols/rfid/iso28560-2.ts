import { ByteReader, bytesToHex, checkInteger, concatBytes } from "./bytes.ts";
import {
  COMPACTION_BY_CODE,
  COMPACTION_CODE,
  type CompactionScheme,
  compactIsil,
  expandIsil,
  expandText,
  isIsilText,
  mostCompact,
  type TextCompaction,
} from "./compaction.ts";
import { RfidError } from "./errors.ts";

/** DSFID announcing ISO 28560-2 data (ISO/IEC 15962 no-directory access method). */
export const DSFID_ISO28560_2 = 0x06;

/** Relative OIDs of ISO 28560-1 data elements under the library root OID (1.0.28560). */
export const ISO28560_ELEMENTS = [
  { oid: 1, key: "primaryItemId", name: "Primary item identifier" },
  { oid: 2, key: "contentParameter", name: "Content parameter" },
  { oid: 3, key: "ownerInstitution", name: "Owner institution (ISIL)" },
  { oid: 4, key: "setInformation", name: "Set information" },
  { oid: 5, key: "typeOfUsage", name: "Type of usage" },
  { oid: 6, key: "shelfLocation", name: "Shelf location" },
  { oid: 7, key: "onixMediaFormat", name: "ONIX media format" },
  { oid: 8, key: "marcMediaFormat", name: "MARC media format" },
  { oid: 9, key: "supplierIdentifier", name: "Supplier identifier" },
  { oid: 10, key: "orderNumber", name: "Order number" },
  { oid: 11, key: "illBorrowingInstitution", name: "ILL borrowing institution (ISIL)" },
  { oid: 12, key: "illBorrowingTransactionNumber", name: "ILL borrowing transaction number" },
  { oid: 13, key: "gs1ProductIdentifier", name: "GS1 product identifier" },
  { oid: 14, key: "alternativeUniqueItemIdentifier", name: "Alternative unique item identifier" },
  { oid: 15, key: "localDataA", name: "Local data A" },
  { oid: 16, key: "localDataB", name: "Local data B" },
  { oid: 17, key: "title", name: "Title" },
  { oid: 18, key: "productIdentifierLocal", name: "Product identifier local" },
  { oid: 19, key: "mediaFormatOther", name: "Media format (other)" },
  { oid: 20, key: "supplyChainStage", name: "Supply chain stage" },
  { oid: 21, key: "supplierInvoiceNumber", name: "Supplier invoice number" },
  { oid: 22, key: "alternativeItemIdentifier", name: "Alternative item identifier" },
  { oid: 23, key: "alternativeOwnerInstitution", name: "Alternative owner institution" },
  { oid: 24, key: "subsidiaryOfOwnerInstitution", name: "Subsidiary of an owner institution" },
  { oid: 25, key: "alternativeIllBorrowingInstitution", name: "Alternative ILL borrowing institution" },
  { oid: 26, key: "localDataC", name: "Local data C" },
] as const;
export type Iso28560ElementKey = (typeof ISO28560_ELEMENTS)[number]["key"];

const ELEMENT_BY_OID = new Map<number, (typeof ISO28560_ELEMENTS)[number]>(ISO28560_ELEMENTS.map((e) => [e.oid, e]));
export const OID = Object.fromEntries(ISO28560_ELEMENTS.map((e) => [e.key, e.oid])) as Record<
  Iso28560ElementKey,
  number
>;

/** Elements whose application-defined encoding is ISIL compaction. */
const ISIL_OIDS = new Set([
  OID.ownerInstitution,
  OID.illBorrowingInstitution,
  OID.alternativeOwnerInstitution,
  OID.alternativeIllBorrowingInstitution,
]);

/** Highest relative OID the precursor carries directly; 15 means "OID - 15 follows in the next byte". */
const PRECURSOR_OID_MAX = 14;
const PRECURSOR_OID_EXTENDED = 15;
const MAX_OID = PRECURSOR_OID_EXTENDED + 0xff;

/** One data set as stored: where it was, how it was compacted, and its value. */
export interface DataElement {
  oid: number;
  key: Iso28560ElementKey | undefined;
  compaction: CompactionScheme;
  /** Compacted bytes exactly as on the tag. */
  raw: Uint8Array;
  /** Decoded text; undefined for application-defined data this codec does not interpret. */
  text: string | undefined;
  /** Offset of the precursor byte in tag memory. */
  offset: number;
}

export interface SetInformation {
  partsInSet: number;
  partNumber: number;
}

/** Type of usage: main class (0 acquisition, 1 circulating, 2 not for circulation, 7 discarded, 8 patron card, 9 equipment …) and sub-class. */
export interface TypeOfUsage {
  class: number;
  subclass: number;
}

export interface Iso28560_2Data {
  primaryItemId: string;
  /** Text of the first element of each named OID that decodes to text. */
  fields: Partial<Record<Iso28560ElementKey, string>>;
  /** OIDs the content parameter announces as present on the tag. */
  contentParameter?: number[];
  ownerInstitution?: string;
  setInformation?: SetInformation;
  typeOfUsage?: TypeOfUsage;
  title?: string;
  shelfLocation?: string;
  /** Every data set in tag order, including OIDs without a name (kept raw). */
  elements: DataElement[];
}

function tagError(message: string, offset: number, extra: Record<string, unknown> = {}): RfidError {
  return new RfidError("RFID_TAG_DATA", `ISO 28560-2 ${message}`, { offset, ...extra });
}

/** ISO/IEC 15962 lengths are extensible bit vectors: 7 bits per byte, high bit set on all but the last. */
function readLength(r: ByteReader): number {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const b = r.u8("length");
    value = (value << 7) | (b & 0x7f);
    if (!(b & 0x80)) return value;
  }
  throw r.error("ISO 28560-2 length field is longer than 4 bytes");
}

function writeLength(length: number): number[] {
  const out = [length & 0x7f];
  for (let v = length >>> 7; v > 0; v >>>= 7) out.unshift((v & 0x7f) | 0x80);
  return out;
}

/** Content parameter: bit map, most significant bit of the first byte standing for OID 3. */
function decodeContentParameter(raw: Uint8Array): number[] {
  const oids: number[] = [];
  raw.forEach((byte, i) => {
    for (let b = 0; b < 8; b++) if (byte & (0x80 >> b)) oids.push(3 + i * 8 + b);
  });
  return oids;
}

function encodeContentParameter(oids: readonly number[]): Uint8Array {
  const max = Math.max(...oids);
  const out = new Uint8Array(Math.max(1, Math.ceil((max - 2) / 8)));
  for (const oid of oids) {
    checkInteger(oid, 3, MAX_OID, "content parameter OID");
    const bit = oid - 3;
    out[bit >> 3] = (out[bit >> 3] as number) | (0x80 >> (bit & 7));
  }
  return out;
}

/** Decodes the value of one element; application-defined data is interpreted per OID where known. */
function elementText(oid: number, compaction: CompactionScheme, raw: Uint8Array): string | undefined {
  if (compaction !== "application") return expandText(compaction, raw);
  if (ISIL_OIDS.has(oid)) return expandIsil(raw);
  if (oid === OID.typeOfUsage && raw.length === 1) return bytesToHex(raw);
  if (oid === OID.gs1ProductIdentifier && raw.length > 0) return expandText("integer", raw);
  return undefined;
}

/** Set information as digits: first half the number of parts, second half this part's number ("0201"). */
function parseSetInformation(text: string): SetInformation | undefined {
  if (!/^[0-9]+$/.test(text) || text.length % 2 !== 0) return undefined;
  const half = text.length / 2;
  return { partsInSet: Number(text.slice(0, half)), partNumber: Number(text.slice(half)) };
}

/**
 * Decodes ISO 28560-2 user memory: data sets of precursor (offset flag, compaction, relative OID),
 * optional offset byte, optional OID extension byte, length, data and pad bytes, until a zero
 * precursor (terminator) or the end of memory. The first data set must be the primary item identifier.
 */
export function decodeIso28560_2(memory: Uint8Array): Iso28560_2Data {
  const r = new ByteReader(memory, "ISO 28560-2 data", "RFID_TAG_DATA");
  const elements: DataElement[] = [];
  while (r.remaining > 0) {
    const offset = r.offset;
    const precursor = r.u8("precursor");
    if (precursor === 0) break;
    const oidBits = precursor & 0x0f;
    if (oidBits === 0)
      throw tagError(`precursor 0x${precursor.toString(16).padStart(2, "0")} has relative OID 0`, offset);
    const padding = precursor & 0x80 ? r.u8("offset byte") : 0;
    const oid = oidBits === PRECURSOR_OID_EXTENDED ? PRECURSOR_OID_EXTENDED + r.u8("relative OID") : oidBits;
    const compaction = COMPACTION_BY_CODE[(precursor >> 4) & 0x07] as CompactionScheme;
    const raw = r.take(readLength(r), `data of OID ${oid}`);
    r.take(padding, `padding of OID ${oid}`);
    let text: string | undefined;
    try {
      text = elementText(oid, compaction, raw);
    } catch (err) {
      throw err instanceof RfidError ? err.withDetails({ offset, oid }) : err;
    }
    elements.push({ oid, key: ELEMENT_BY_OID.get(oid)?.key, compaction, raw: raw.slice(), text, offset });
  }
  const first = elements[0];
  if (!first) throw tagError("memory holds no data sets (a primary item identifier is mandatory)", 0);
  if (first.oid !== OID.primaryItemId) {
    throw tagError(
      `first data set is OID ${first.oid}; the standard requires the primary item identifier (OID 1) first`,
      first.offset,
    );
  }
  if (first.text === undefined)
    throw tagError("primary item identifier uses application-defined compaction", first.offset);

  const fields: Partial<Record<Iso28560ElementKey, string>> = {};
  for (const e of elements) if (e.key && e.text !== undefined && !(e.key in fields)) fields[e.key] = e.text;
  const data: Iso28560_2Data = { primaryItemId: first.text, fields, elements };
  const contentParameter = elements.find((e) => e.oid === OID.contentParameter && e.compaction === "application");
  if (contentParameter) data.contentParameter = decodeContentParameter(contentParameter.raw);
  if (fields.ownerInstitution !== undefined) data.ownerInstitution = fields.ownerInstitution;
  if (fields.title !== undefined) data.title = fields.title;
  if (fields.shelfLocation !== undefined) data.shelfLocation = fields.shelfLocation;
  const set = fields.setInformation === undefined ? undefined : parseSetInformation(fields.setInformation);
  if (set) data.setInformation = set;
  const usage = elements.find((e) => e.oid === OID.typeOfUsage && e.compaction === "application" && e.raw.length === 1);
  if (usage) {
    const byte = usage.raw[0] as number;
    data.typeOfUsage = { class: byte >> 4, subclass: byte & 0x0f };
  }
  return data;
}

/** An element written as given, for OIDs this codec has no typed field for. */
export interface RawElementInput {
  oid: number;
  compaction: CompactionScheme;
  data: Uint8Array;
}

export interface Iso28560_2Input {
  primaryItemId: string;
  /** true: announce the OIDs being written (3 and up); an array: announce exactly these. */
  contentParameter?: boolean | readonly number[];
  ownerInstitution?: string;
  setInformation?: SetInformation;
  typeOfUsage?: TypeOfUsage;
  shelfLocation?: string;
  title?: string;
  extra?: readonly RawElementInput[];
}

export interface Iso28560_2EncodeOptions {
  /** Pad the result with zeros to whole blocks of this size (default 4; 1 for no padding). */
  blockSize?: number;
  /** Tag user memory in bytes; throws RFID_ENCODE if the data does not fit. */
  capacity?: number;
}

function dataSet(oid: number, compaction: CompactionScheme, data: Uint8Array): Uint8Array {
  checkInteger(oid, 1, MAX_OID, "relative OID");
  const extended = oid > PRECURSOR_OID_MAX;
  const precursor = (COMPACTION_CODE[compaction] << 4) | (extended ? PRECURSOR_OID_EXTENDED : oid);
  return concatBytes([precursor], extended ? [oid - PRECURSOR_OID_EXTENDED] : [], writeLength(data.length), data);
}

function textSet(oid: number, text: string, allowed?: readonly TextCompaction[]): Uint8Array {
  const { scheme, bytes } = mostCompact(text, allowed);
  return dataSet(oid, scheme, bytes);
}

function setInformationText(set: SetInformation): string {
  checkInteger(set.partsInSet, 1, 255, "partsInSet");
  checkInteger(set.partNumber, 1, set.partsInSet, "partNumber");
  const width = String(set.partsInSet).length;
  return String(set.partsInSet).padStart(width, "0") + String(set.partNumber).padStart(width, "0");
}

/**
 * Encodes ISO 28560-2 user memory: primary item identifier first, then content parameter, owner
 * institution, set information, type of usage, shelf location, title and any raw extras, each with
 * the most compact scheme its text allows, then a zero terminator and zero padding to whole blocks.
 */
export function encodeIso28560_2(input: Iso28560_2Input, options: Iso28560_2EncodeOptions = {}): Uint8Array {
  if (input.primaryItemId.length === 0) {
    throw new RfidError("RFID_ENCODE", "ISO 28560-2 needs a primary item identifier", { field: "primaryItemId" });
  }
  const sets: Uint8Array[] = [textSet(OID.primaryItemId, input.primaryItemId)];
  const later: [number, Uint8Array][] = [];
  if (input.ownerInstitution !== undefined) {
    if (!isIsilText(input.ownerInstitution)) {
      throw new RfidError(
        "RFID_ENCODE",
        `owner institution "${input.ownerInstitution}" is not an ISIL (A-Z a-z 0-9 - : /)`,
        {
          field: "ownerInstitution",
        },
      );
    }
    later.push([
      OID.ownerInstitution,
      dataSet(OID.ownerInstitution, "application", compactIsil(input.ownerInstitution)),
    ]);
  }
  if (input.setInformation) {
    later.push([
      OID.setInformation,
      textSet(OID.setInformation, setInformationText(input.setInformation), ["integer", "numeric"]),
    ]);
  }
  if (input.typeOfUsage) {
    const { class: cls, subclass } = input.typeOfUsage;
    const byte =
      (checkInteger(cls, 0, 15, "typeOfUsage.class") << 4) | checkInteger(subclass, 0, 15, "typeOfUsage.subclass");
    later.push([OID.typeOfUsage, dataSet(OID.typeOfUsage, "application", Uint8Array.of(byte))]);
  }
  if (input.shelfLocation !== undefined)
    later.push([OID.shelfLocation, textSet(OID.shelfLocation, input.shelfLocation)]);
  if (input.title !== undefined) later.push([OID.title, textSet(OID.title, input.title)]);
  for (const e of input.extra ?? []) {
    if (e.oid === OID.primaryItemId) {
      throw new RfidError("RFID_ENCODE", "the primary item identifier cannot be repeated as an extra element", {
        field: "extra",
      });
    }
    later.push([e.oid, dataSet(e.oid, e.compaction, e.data)]);
  }
  const announce =
    input.contentParameter === true
      ? later.map(([oid]) => oid).filter((oid) => oid >= 3)
      : Array.isArray(input.contentParameter)
        ? input.contentParameter
        : undefined;
  if (announce && announce.length > 0)
    sets.push(dataSet(OID.contentParameter, "application", encodeContentParameter(announce)));
  sets.push(...later.map(([, bytes]) => bytes), Uint8Array.of(0));

  const blockSize = checkInteger(options.blockSize ?? 4, 1, 32, "blockSize");
  const used = sets.reduce((n, s) => n + s.length, 0);
  const out = new Uint8Array(Math.ceil(used / blockSize) * blockSize);
  out.set(concatBytes(...sets));
  if (options.capacity !== undefined && used > options.capacity) {
    throw new RfidError(
      "RFID_ENCODE",
      `ISO 28560-2 data needs ${used} bytes but the tag holds ${options.capacity}; drop optional elements`,
      {
        length: used,
        expected: options.capacity,
      },
    );
  }
  return out;
}
