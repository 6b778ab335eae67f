import { latin1Text } from "./bytes.ts";
import { RfidError } from "./errors.ts";

/**
 * ISO/IEC 15962 compaction schemes, as ISO 28560-2 uses them in the precursor's 3-bit field.
 * Code table and the 6-bit character table as listed by a public Finnish ISO 28560 decoder;
 * "application" means the data element defines its own encoding (e.g. ISIL compaction).
 */
export const COMPACTION_CODE = {
  application: 0,
  integer: 1,
  numeric: 2,
  bits5: 3,
  bits6: 4,
  bits7: 5,
  octet: 6,
  utf8: 7,
} as const;
export type CompactionScheme = keyof typeof COMPACTION_CODE;
export const COMPACTION_BY_CODE = Object.keys(COMPACTION_CODE) as CompactionScheme[];
export type TextCompaction = Exclude<CompactionScheme, "application">;

function tagDataError(message: string, details: Record<string, unknown> = {}): RfidError {
  return new RfidError("RFID_TAG_DATA", message, details);
}

function encodeError(scheme: string, text: string): RfidError {
  return new RfidError("RFID_ENCODE", `"${text}" cannot be written with ${scheme} compaction`, {
    scheme,
    actual: text,
  });
}

// --- bit packing (most significant bit first) ---

function setBit(bytes: Uint8Array, at: number): void {
  bytes[at >> 3] = (bytes[at >> 3] as number) | (0x80 >> (at & 7));
}

/** Packs symbols MSB first, filling the last byte with `padBit`. */
function packBits(symbols: readonly { value: number; width: number }[], padBit: 0 | 1): Uint8Array {
  const bits = symbols.reduce((n, s) => n + s.width, 0);
  const out = new Uint8Array(Math.ceil(bits / 8));
  let at = 0;
  for (const s of symbols) {
    for (let b = s.width - 1; b >= 0; b--, at++) if ((s.value >> b) & 1) setBit(out, at);
  }
  if (padBit === 1) for (; at < out.length * 8; at++) setBit(out, at);
  return out;
}

function fixedWidth(values: readonly number[], width: number): { value: number; width: number }[] {
  return values.map((value) => ({ value, width }));
}

function readBits(bytes: Uint8Array, at: number, width: number): number {
  let v = 0;
  for (let i = 0; i < width; i++) v = (v << 1) | (((bytes[(at + i) >> 3] as number) >> (7 - ((at + i) & 7))) & 1);
  return v;
}

/**
 * Fixed-width symbols padded with fewer than 8 zero bits. A final zero symbol that starts after the
 * first bit of the last byte is padding: without it the data would still need that byte.
 */
function unpackFixed(bytes: Uint8Array, width: number): number[] {
  const bits = bytes.length * 8;
  const symbols: number[] = [];
  for (let at = 0; at + width <= bits; at += width) {
    const s = readBits(bytes, at, width);
    if (s === 0 && at > bits - 8) break;
    symbols.push(s);
  }
  return symbols;
}

/** True when packing `count` symbols would put the last one where the decoder treats zero as padding. */
function lastSymbolInPad(count: number, width: number): boolean {
  const bytes = Math.ceil((count * width) / 8);
  return (count - 1) * width > bytes * 8 - 8;
}

// --- character tables ---

/** 5-bit code: ISO 646 0x40-0x5F ("@A-Z[\]^_"), symbol = code - 0x40. */
const FIVE_BIT = Array.from({ length: 32 }, (_, v) => String.fromCharCode(0x40 + v));

/**
 * 6-bit code: ISO 646 0x20-0x5F with 0x21 and 0x23/0x24 replaced by EOT, FS and US for
 * ISO/IEC 15434 syntax; the remaining punctuation positions 0x22 and 0x25-0x27 are reserved.
 */
const SIX_BIT: (string | undefined)[] = Array.from({ length: 64 }, (_, v) => {
  if (v < 32) return String.fromCharCode(0x40 + v);
  const replaced: Record<number, string | undefined> = {
    33: "\x04",
    34: undefined,
    35: "\x1c",
    36: "\x1f",
    37: undefined,
    38: undefined,
    39: undefined,
  };
  return v in replaced ? replaced[v] : String.fromCharCode(v);
});

function indexTable(table: readonly (string | undefined)[]): Map<string, number> {
  const m = new Map<string, number>();
  table.forEach((c, v) => {
    if (c !== undefined) m.set(c, v);
  });
  return m;
}
const FIVE_BIT_INDEX = indexTable(FIVE_BIT);
const SIX_BIT_INDEX = indexTable(SIX_BIT);

function symbolsFor(text: string, index: Map<string, number>): number[] | undefined {
  const out: number[] = [];
  for (const c of text) {
    const v = index.get(c);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

// --- integer and numeric ---

function bigintToBytes(n: bigint): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function bytesToBigint(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

const INTEGER_TEXT = /^(0|[1-9][0-9]*)$/;
const NUMERIC_TEXT = /^[0-9]+$/;

// --- UTF-8 ---

const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

/** One scheme: `encode` returns undefined when the text is outside its character set. */
interface TextCodec {
  encode(text: string): Uint8Array | undefined;
  decode(bytes: Uint8Array): string;
}

const TEXT_CODECS: Record<TextCompaction, TextCodec> = {
  // Unsigned big-endian binary; only digit strings without leading zeros survive the round trip.
  integer: {
    encode: (t) => (INTEGER_TEXT.test(t) ? bigintToBytes(BigInt(t)) : undefined),
    decode: (b) => {
      if (b.length === 0) throw tagDataError("integer data element has no bytes");
      return bytesToBigint(b).toString();
    },
  },
  // Digit strings with leading zeros: a "1" is prefixed before conversion to binary so zeros survive.
  numeric: {
    encode: (t) => (NUMERIC_TEXT.test(t) ? bigintToBytes(BigInt(`1${t}`)) : undefined),
    decode: (b) => {
      const s = b.length === 0 ? "" : bytesToBigint(b).toString();
      if (s.length < 2 || s[0] !== "1")
        throw tagDataError("numeric data element lacks its leading 1 digit", { actual: s });
      return s.slice(1);
    },
  },
  bits5: {
    encode: (t) => {
      const s = symbolsFor(t, FIVE_BIT_INDEX);
      if (!s || s.length === 0 || (s.at(-1) === 0 && lastSymbolInPad(s.length, 5))) return undefined;
      return packBits(fixedWidth(s, 5), 0);
    },
    decode: (b) =>
      unpackFixed(b, 5)
        .map((v) => FIVE_BIT[v])
        .join(""),
  },
  bits6: {
    encode: (t) => {
      const s = symbolsFor(t, SIX_BIT_INDEX);
      if (!s || s.length === 0 || (s.at(-1) === 0 && lastSymbolInPad(s.length, 6))) return undefined;
      return packBits(fixedWidth(s, 6), 0);
    },
    decode: (b) =>
      unpackFixed(b, 6)
        .map((v, i) => {
          const c = SIX_BIT[v];
          if (c === undefined) throw tagDataError(`6-bit code ${v} is reserved`, { offset: Math.floor((i * 6) / 8) });
          return c;
        })
        .join(""),
  },
  bits7: {
    encode: (t) => {
      const s: number[] = [];
      for (let i = 0; i < t.length; i++) {
        const c = t.charCodeAt(i);
        if (c === 0 || c > 0x7f) return undefined;
        s.push(c);
      }
      return s.length === 0 ? undefined : packBits(fixedWidth(s, 7), 0);
    },
    decode: (b) => String.fromCharCode(...unpackFixed(b, 7)),
  },
  // ISO/IEC 8859-1 octets.
  octet: {
    encode: (t) => {
      for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) > 0xff) return undefined;
      return t.length === 0 ? undefined : Uint8Array.from(t, (c) => c.charCodeAt(0));
    },
    decode: (b) => latin1Text(b),
  },
  utf8: {
    encode: (t) => (t.length > 0 && isWellFormed(t) ? utf8Encoder.encode(t) : undefined),
    decode: (b) => {
      try {
        return utf8Decoder.decode(b);
      } catch (cause) {
        throw new RfidError("RFID_TAG_DATA", "UTF-8 data element is not valid UTF-8", {}, { cause });
      }
    },
  },
};

/** Encodes `text` with one scheme; throws RFID_ENCODE if the scheme cannot represent it. */
export function compactText(scheme: TextCompaction, text: string): Uint8Array {
  const out = TEXT_CODECS[scheme].encode(text);
  if (!out) throw encodeError(scheme, text);
  return out;
}

/** Decodes bytes stored with a text scheme; throws RFID_TAG_DATA if they cannot be valid. */
export function expandText(scheme: TextCompaction, bytes: Uint8Array): string {
  return TEXT_CODECS[scheme].decode(bytes);
}

/** Order of preference when two schemes give the same length: the more specific first. */
export const TEXT_COMPACTIONS: readonly TextCompaction[] = [
  "integer",
  "numeric",
  "bits5",
  "bits6",
  "bits7",
  "octet",
  "utf8",
];

/** The scheme giving the fewest bytes among `allowed`; throws RFID_ENCODE if none can hold `text`. */
export function mostCompact(
  text: string,
  allowed: readonly TextCompaction[] = TEXT_COMPACTIONS,
): { scheme: TextCompaction; bytes: Uint8Array } {
  let best: { scheme: TextCompaction; bytes: Uint8Array } | undefined;
  for (const scheme of allowed) {
    const bytes = TEXT_CODECS[scheme].encode(text);
    if (bytes && (!best || bytes.length < best.bytes.length)) best = { scheme, bytes };
  }
  if (!best) throw encodeError(allowed.join("/"), text);
  return best;
}

// --- ISIL compaction (ISO 28560-2 owner institution) ---

type IsilMode = "upper" | "lower" | "numeric";
type IsilSymbol = string | { latch: IsilMode } | { shift: IsilMode };

/**
 * ISIL compaction: 5-bit upper and lower case sets and a 4-bit digit set with latch/shift codes,
 * starting in upper case (tables as in the public Finnish ISO 28560 decoder). Padding uses one-bits,
 * which decode as an unfinished shift and so never add characters.
 */
const ISIL_TABLES: Record<IsilMode, { width: number; symbols: IsilSymbol[] }> = {
  upper: {
    width: 5,
    symbols: [
      "-",
      ..."ABCDEFGHIJKLMNOPQRSTUVWXYZ",
      ":",
      { latch: "lower" },
      { shift: "lower" },
      { latch: "numeric" },
      { shift: "numeric" },
    ],
  },
  lower: {
    width: 5,
    symbols: [
      "-",
      ..."abcdefghijklmnopqrstuvwxyz",
      "/",
      { latch: "upper" },
      { shift: "upper" },
      { latch: "numeric" },
      { shift: "numeric" },
    ],
  },
  numeric: {
    width: 4,
    symbols: [
      ..."0123456789",
      "-",
      ":",
      { latch: "upper" },
      { shift: "upper" },
      { latch: "lower" },
      { shift: "lower" },
    ],
  },
};

const ISIL_MODES = Object.keys(ISIL_TABLES) as IsilMode[];

function isilCode(mode: IsilMode, wanted: IsilSymbol): number {
  return ISIL_TABLES[mode].symbols.findIndex((s) =>
    typeof wanted === "string" ? s === wanted : typeof s === "object" && JSON.stringify(s) === JSON.stringify(wanted),
  );
}

export function compactIsil(isil: string): Uint8Array {
  const chars = [...isil];
  if (chars.length === 0) throw encodeError("ISIL", isil);
  const symbols: { value: number; width: number }[] = [];
  const emit = (mode: IsilMode, s: IsilSymbol) =>
    symbols.push({ value: isilCode(mode, s), width: ISIL_TABLES[mode].width });
  let mode: IsilMode = "upper";
  chars.forEach((c, i) => {
    if (isilCode(mode, c) >= 0) {
      emit(mode, c);
      return;
    }
    const next = chars[i + 1];
    const targets = ISIL_MODES.filter((m) => isilCode(m, c) >= 0);
    const target = targets.find((m) => next !== undefined && isilCode(m, next) >= 0) ?? targets[0];
    if (!target) throw encodeError("ISIL", isil);
    if (next !== undefined && isilCode(target, next) >= 0) {
      emit(mode, { latch: target });
      mode = target;
    } else {
      emit(mode, { shift: target });
    }
    emit(target, c);
  });
  return packBits(symbols, 1);
}

export function expandIsil(bytes: Uint8Array): string {
  let latched: IsilMode = "upper";
  let shifted: IsilMode | undefined;
  let out = "";
  const bits = bytes.length * 8;
  for (let at = 0; ; ) {
    const mode: IsilMode = shifted ?? latched;
    const { width, symbols } = ISIL_TABLES[mode];
    if (at + width > bits) break;
    const s = symbols[readBits(bytes, at, width)] as IsilSymbol;
    at += width;
    shifted = undefined;
    if (typeof s === "string") out += s;
    else if ("latch" in s) latched = s.latch;
    else shifted = s.shift;
  }
  return out;
}

/** True when every character of `text` is in the ISIL character repertoire (A-Z a-z 0-9 - : /). */
export function isIsilText(text: string): boolean {
  return /^[A-Za-z0-9:/-]+$/.test(text);
}
