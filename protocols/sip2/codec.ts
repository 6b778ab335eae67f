import { Buffer } from "node:buffer";
import {
  FIELDS,
  FIXED_WIDTH,
  type FieldId,
  MESSAGES,
  type MessageOf,
  type MessageType,
  type Sip2Message,
} from "./catalog.ts";
import { decodeText, encodeText, type Sip2Charset } from "./charset.ts";
import { formatChecksum, sip2Checksum } from "./checksum.ts";
import { PATRON_STATUS_FLAGS, type PatronStatus, SUMMARY_LISTS, type SummaryList } from "./enums.ts";
import { Sip2Error } from "./errors.ts";

export interface Sip2CodecOptions {
  /** Per connection; checksums are computed over the encoded bytes. Default utf-8. */
  charset?: Sip2Charset;
  /** Encode: append AY/AZ. Decode: a message without AZ is refused (SIP2_CHECKSUM_MISSING). Default false. */
  errorDetection?: boolean;
  /** Decode: refuse messages missing a required field instead of reading it as empty. Default false. */
  strict?: boolean;
  /** Encode: message terminator. Default "\r". */
  terminator?: "\r" | "\r\n" | "\n";
}

// ---- the compiled table ------------------------------------------------------------------------------

interface CompiledFixed {
  name: string;
  kind: "flag" | "ynu" | "bool" | "int" | "date" | "text" | "status" | "summary";
  width: number;
}
interface CompiledField {
  id: string;
  name: string;
  required: boolean;
  repeat: boolean;
}
interface CompiledMessage {
  type: MessageType;
  code: string;
  fixed: CompiledFixed[];
  fixedLength: number;
  fields: CompiledField[];
  byId: Map<string, CompiledField>;
}

const BY_CODE = new Map<string, CompiledMessage>();
const BY_TYPE = new Map<MessageType, CompiledMessage>();
for (const [type, spec] of Object.entries(MESSAGES) as [MessageType, (typeof MESSAGES)[MessageType]][]) {
  const fixed = spec.fixed.map(([name, kind, width]): CompiledFixed => {
    const w = kind === "text" || kind === "int" ? width : FIXED_WIDTH[kind];
    return { name, kind, width: w ?? 0 };
  });
  const fields = spec.fields.map((s: string): CompiledField => {
    const id = s.slice(0, 2) as FieldId;
    return { id, name: FIELDS[id], required: s.endsWith("!"), repeat: s.endsWith("*") };
  });
  const compiled: CompiledMessage = {
    type,
    code: spec.code,
    fixed,
    fixedLength: fixed.reduce((n, f) => n + f.width, 0),
    fields,
    byId: new Map(fields.map((f) => [f.id, f])),
  };
  BY_CODE.set(spec.code, compiled);
  BY_TYPE.set(type, compiled);
}

export function messageTypeOfCode(code: string): MessageType | undefined {
  return BY_CODE.get(code)?.type;
}

export function codeOfMessageType(type: MessageType): string {
  return MESSAGES[type].code;
}

// ---- decoding ----------------------------------------------------------------------------------------

const isHex = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const A = 0x41;
const Y = 0x59;
const Z = 0x5a;

function decodeFixed(f: CompiledFixed, text: string, at: number): unknown {
  const raw = text.slice(at, at + f.width);
  switch (f.kind) {
    case "flag":
    case "ynu": {
      const c = raw.toUpperCase();
      if (c === "Y") return true;
      if (c === "N") return false;
      if (c === "U" || c === " ") return f.kind === "ynu" ? null : false;
      break;
    }
    case "bool":
      if (raw === "1" || raw === "Y") return true;
      if (raw === "0" || raw === "N") return false;
      break;
    case "int": {
      const digits = raw.trim();
      if (digits === "") return 0;
      if (/^\d+$/.test(digits)) return Number(digits);
      break;
    }
    case "status": {
      const status = {} as Record<string, boolean>;
      for (let i = 0; i < PATRON_STATUS_FLAGS.length; i++) status[PATRON_STATUS_FLAGS[i]!] = raw[i] === "Y";
      return status;
    }
    case "summary": {
      const at = raw.search(/[Yy]/);
      return at < 0 ? null : (SUMMARY_LISTS[at] ?? null);
    }
    default:
      return raw;
  }
  throw new Sip2Error("SIP2_BAD_FIELD", `fixed field "${f.name}" has an invalid value "${raw}"`, at, {
    field: f.name,
  });
}

/** Decodes one message (without its terminator). Throws only `Sip2Error`. */
export function decodeMessage(frame: Uint8Array, options: Sip2CodecOptions = {}): Sip2Message {
  let end = frame.length;
  while (end > 0 && (frame[end - 1] === 0x0d || frame[end - 1] === 0x0a)) end--;

  // Error detection trailer: ...AY<digit>AZ<4 hex>. The checksum covers every byte up to and including "AZ".
  let sequence: number | undefined;
  const hasChecksum =
    end >= 8 &&
    frame[end - 6] === A &&
    frame[end - 5] === Z &&
    isHex(frame[end - 4]!) &&
    isHex(frame[end - 3]!) &&
    isHex(frame[end - 2]!) &&
    isHex(frame[end - 1]!);
  if (hasChecksum) {
    let expected = 0;
    for (let i = end - 4; i < end; i++) {
      const b = frame[i]!;
      expected = expected * 16 + (b <= 0x39 ? b - 0x30 : (b & 0x5f) - 0x37);
    }
    const actual = sip2Checksum(frame, 0, end - 4);
    if (actual !== expected) {
      throw new Sip2Error(
        "SIP2_CHECKSUM",
        `checksum ${formatChecksum(expected)} does not match the message (computed ${formatChecksum(actual)})`,
        end - 4,
      );
    }
    end -= 6;
  } else if (options.errorDetection) {
    throw new Sip2Error("SIP2_CHECKSUM_MISSING", "message has no AZ checksum but error detection is on", end);
  }
  if (end < 2) throw new Sip2Error("SIP2_TRUNCATED", "message is shorter than its two-digit command code", end);
  const code = String.fromCharCode(frame[0]!, frame[1]!);
  const spec = BY_CODE.get(code);
  if (!spec) throw new Sip2Error("SIP2_UNKNOWN_COMMAND", `unknown command code "${code}"`, 0, { command: code });
  // AY<digit> comes right after the last "|" (or right after the fixed part when there are no fields).
  const ayAt = end - 3;
  if (
    ayAt >= 2 &&
    frame[ayAt] === A &&
    frame[ayAt + 1] === Y &&
    isDigit(frame[ayAt + 2]!) &&
    (frame[ayAt - 1] === 0x7c || ayAt === 2 + spec.fixedLength)
  ) {
    sequence = frame[ayAt + 2]! - 0x30;
    end = ayAt;
  }

  const text = decodeText(frame, options.charset ?? "utf-8", 0, end);
  const fixedEnd = 2 + spec.fixedLength;
  if (text.length < fixedEnd) {
    throw new Sip2Error(
      "SIP2_TRUNCATED",
      `${spec.type} (${code}) needs ${spec.fixedLength} characters of fixed fields, got ${text.length - 2}`,
      text.length,
      { command: code },
    );
  }

  const msg: Record<string, unknown> = { type: spec.type };
  let at = 2;
  for (const f of spec.fixed) {
    msg[f.name] = decodeFixed(f, text, at);
    at += f.width;
  }

  let unknown: Array<[string, string]> | undefined;
  while (at < text.length) {
    if (text.length - at < 2) {
      throw new Sip2Error("SIP2_BAD_FIELD", `dangling characters "${text.slice(at)}" after the last field`, at);
    }
    const c0 = text.charCodeAt(at);
    const c1 = text.charCodeAt(at + 1);
    if (c0 < 0x21 || c0 > 0x7e || c1 < 0x21 || c1 > 0x7e || c0 === 0x7c || c1 === 0x7c) {
      throw new Sip2Error("SIP2_BAD_FIELD", `"${text.slice(at, at + 2)}" is not a field id`, at);
    }
    const id = text.slice(at, at + 2);
    let bar = text.indexOf("|", at + 2);
    if (bar < 0) bar = text.length; // tolerate a last field without its "|"
    const value = text.slice(at + 2, bar);
    const field = spec.byId.get(id);
    if (!field) {
      if (!unknown) unknown = [];
      unknown.push([id, value]);
    } else if (field.repeat) {
      const list = msg[field.name] as string[] | undefined;
      if (list) list.push(value);
      else msg[field.name] = [value];
    } else {
      msg[field.name] = value;
    }
    at = bar + 1;
  }

  for (const f of spec.fields) {
    if (!f.required || msg[f.name] !== undefined) continue;
    if (options.strict) {
      throw new Sip2Error("SIP2_MISSING_FIELD", `${spec.type} (${code}) lacks required field ${f.id} (${f.name})`, at, {
        field: f.id,
      });
    }
    msg[f.name] = "";
  }
  if (unknown) msg.unknownFields = unknown;
  if (sequence !== undefined) msg.sequence = sequence;
  return msg as Sip2Message;
}

export type DecodeResult = { ok: true; message: Sip2Message } | { ok: false; error: Sip2Error };

/** Like `decodeMessage`, but returns the error instead of throwing it. */
export function tryDecodeMessage(frame: Uint8Array, options?: Sip2CodecOptions): DecodeResult {
  try {
    return { ok: true, message: decodeMessage(frame, options) };
  } catch (error) {
    if (error instanceof Sip2Error) return { ok: false, error };
    // Anything else is a bug in the codec; surface it as a typed error so no caller ever crashes on input.
    return {
      ok: false,
      error: new Sip2Error("SIP2_BAD_FIELD", `internal decoder error: ${String(error)}`, undefined),
    };
  }
}

// ---- encoding ----------------------------------------------------------------------------------------

/** CR and LF would end the message early and "|" would end the field: replace them (see reference notes). */
function clean(value: string): string {
  return /[\r\n|]/.test(value) ? value.replace(/[\r\n]/g, " ").replace(/\|/g, "/") : value;
}

function encodeFixed(f: CompiledFixed, value: unknown, type: MessageType): string {
  const bad = (why: string) =>
    new Sip2Error("SIP2_ENCODE", `${type}.${f.name}: ${why} (got ${JSON.stringify(value)})`, undefined, {
      field: f.name,
    });
  switch (f.kind) {
    case "flag":
      return value ? "Y" : "N";
    case "ynu":
      return value === null || value === undefined ? "U" : value ? "Y" : "N";
    case "bool":
      return value ? "1" : "0";
    case "int": {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n >= 10 ** f.width) throw bad(`needs an integer 0–${10 ** f.width - 1}`);
      return String(n).padStart(f.width, "0");
    }
    case "status": {
      const status = value as PatronStatus | undefined;
      let out = "";
      for (const flag of PATRON_STATUS_FLAGS) out += status?.[flag] ? "Y" : " ";
      return out;
    }
    case "summary": {
      const i = value === null || value === undefined ? -1 : SUMMARY_LISTS.indexOf(value as SummaryList);
      return i < 0 ? "          " : `${" ".repeat(i)}Y${" ".repeat(9 - i)}`;
    }
    default: {
      const text = value === undefined ? "" : String(value);
      if (text.length > f.width) throw bad(`is ${f.width} characters wide`);
      return text.padEnd(f.width, " ");
    }
  }
}

/** Encodes a message, with AY/AZ when error detection is on and the terminator. Throws only `Sip2Error`. */
export function encodeMessage(message: Sip2Message, options: Sip2CodecOptions = {}): Buffer {
  const spec = BY_TYPE.get(message.type);
  if (!spec) throw new Sip2Error("SIP2_ENCODE", `unknown message type "${String(message.type)}"`);
  const m = message as unknown as Record<string, unknown>;
  let text = spec.code;
  for (const f of spec.fixed) text += encodeFixed(f, m[f.name], spec.type);
  for (const f of spec.fields) {
    const value = m[f.name];
    if (value === undefined) {
      if (f.required) text += `${f.id}|`;
      continue;
    }
    if (f.repeat) {
      for (const v of value as string[]) text += `${f.id}${clean(v)}|`;
    } else {
      text += `${f.id}${clean(String(value))}|`;
    }
  }
  if (message.unknownFields) for (const [id, v] of message.unknownFields) text += `${id}${clean(v)}|`;

  const charset = options.charset ?? "utf-8";
  const terminator = options.terminator ?? "\r";
  if (!options.errorDetection) return encodeText(text + terminator, charset);
  // Without a sequence number the trailer is just AZ (as in the bare "97AZFEF5" resend request).
  const seq = message.sequence;
  if (seq !== undefined && (!Number.isInteger(seq) || seq < 0 || seq > 9)) {
    throw new Sip2Error("SIP2_ENCODE", `sequence must be a digit 0–9 (got ${seq})`);
  }
  const body = encodeText(seq === undefined ? `${text}AZ` : `${text}AY${seq}AZ`, charset);
  return Buffer.concat([body, encodeText(formatChecksum(sip2Checksum(body)) + terminator, "iso-8859-1")]);
}

/** Convenience for building a message with its type checked against the catalog. */
export function sip2<T extends MessageType>(type: T, fields: Omit<MessageOf<T>, "type">): MessageOf<T> {
  return { type, ...fields } as MessageOf<T>;
}
