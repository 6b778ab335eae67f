import { FIELDS, FIXED_WIDTH, type FieldId, MESSAGES, type MessageType } from "./catalog.ts";
import { PATRON_STATUS_FLAGS, type PatronStatus, SUMMARY_LISTS, type SummaryList } from "./enums.ts";
import { Sip2Error } from "./errors.ts";
import type { Sip2Writer } from "./writer.ts";

/**
 * Turns the catalog into per-message encoders and decoders. The field walkers are generated from the table
 * (as fast-json-stringify does for JSON schemas) so that each message type reads and writes its properties
 * by name: a generic loop over property names runs several times slower in V8. Only names and ids from
 * the catalog are written into the generated code; values never are.
 */

export type FixedKind = "flag" | "ynu" | "bool" | "int" | "date" | "text" | "status" | "summary";

export interface CompiledFixed {
  name: string;
  kind: FixedKind;
  width: number;
}
export interface CompiledField {
  id: string;
  name: string;
  required: boolean;
  repeat: boolean;
}
export interface CompiledMessage {
  type: MessageType;
  code: string;
  fixed: CompiledFixed[];
  fixedLength: number;
  fields: CompiledField[];
  /**
   * Reads fixed fields from `text` (which starts with the command code) and variable fields after `at`.
   * A missing required field reads as "", or throws SIP2_MISSING_FIELD (at position `end`) when `strict`.
   * `sequence` (AY), when there is one, is set here rather than by the caller: here the message has one
   * shape per type, so the store stays monomorphic.
   */
  decodeBody(
    text: string,
    at: number,
    strict: boolean | undefined,
    end: number,
    sequence: number | undefined,
  ): Record<string, unknown>;
  /** Writes command code, fixed and variable fields, without AY/AZ or terminator. */
  encodeBody(message: Record<string, unknown>, writer: Sip2Writer): void;
}

// ---- fixed fields ------------------------------------------------------------------------------------

function badValue(f: CompiledFixed, text: string, at: number): Sip2Error {
  const raw = text.slice(at, at + f.width);
  return new Sip2Error("SIP2_BAD_FIELD", `fixed field "${f.name}" has an invalid value "${raw}"`, at, {
    field: f.name,
  });
}

/** Reads a one-character flag: Y/N (blank or U reads as false for "flag", null for "ynu"). */
function yesNo(text: string, at: number, f: CompiledFixed): boolean | null {
  const c = text.charCodeAt(at) | 0x20; // lower-cased letter; space stays space
  if (c === 0x79) return true; // y
  if (c === 0x6e) return false; // n
  if (c === 0x75 || c === 0x20) return f.kind === "ynu" ? null : false; // u, or blank
  throw badValue(f, text, at);
}

/** One reader per fixed-field kind; the generated decoders call them with constant positions. */
const FIXED_READERS: Record<FixedKind, (text: string, at: number, f: CompiledFixed) => unknown> = {
  flag: yesNo,
  ynu: yesNo,
  bool(text, at, f) {
    const c = text.charCodeAt(at);
    if (c === 0x31 || c === 0x59) return true; // "1", "Y"
    if (c === 0x30 || c === 0x4e) return false; // "0", "N"
    throw badValue(f, text, at);
  },
  int(text, at, f) {
    let n = 0;
    let digits = 0;
    for (let i = at; i < at + f.width; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x30 && c <= 0x39) {
        n = n * 10 + c - 0x30;
        digits++;
      } else if (c !== 0x20 || digits > 0) {
        throw badValue(f, text, at); // leading blanks only
      }
    }
    return n;
  },
  status(text, at) {
    const status = {} as Record<string, boolean>;
    for (let i = 0; i < PATRON_STATUS_FLAGS.length; i++) status[PATRON_STATUS_FLAGS[i]!] = text[at + i] === "Y";
    return status;
  },
  summary(text, at, f) {
    for (let i = 0; i < f.width; i++) {
      if ((text.charCodeAt(at + i) | 0x20) === 0x79) return SUMMARY_LISTS[i] ?? null;
    }
    return null;
  },
  date: (text, at, f) => text.slice(at, at + f.width),
  text: (text, at, f) => text.slice(at, at + f.width),
};

/**
 * The generated expression that reads fixed field `i` at its constant position: text and dates are slices
 * and the patron status an object literal (one shape, and no loop), the rest a call to its reader.
 */
function fixedExpression(f: CompiledFixed, i: number, at: number): string {
  if (f.kind === "date" || f.kind === "text") return `text.slice(${at}, ${at + f.width})`;
  if (f.kind === "status") {
    const flags = PATRON_STATUS_FLAGS.map((flag, k) => `${JSON.stringify(flag)}: text.charCodeAt(${at + k}) === 0x59`);
    return `{ ${flags.join(", ")} }`;
  }
  return `readers.${f.kind}(text, ${at}, fixed[${i}])`;
}

function badFixed(f: CompiledFixed, type: MessageType, value: unknown, why: string): Sip2Error {
  return new Sip2Error("SIP2_ENCODE", `${type}.${f.name}: ${why} (got ${JSON.stringify(value)})`, undefined, {
    field: f.name,
  });
}

export function encodeFixed(f: CompiledFixed, value: unknown, type: MessageType): string {
  switch (f.kind) {
    case "flag":
      return value ? "Y" : "N";
    case "ynu":
      return value === null || value === undefined ? "U" : value ? "Y" : "N";
    case "bool":
      return value ? "1" : "0";
    case "int": {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n >= 10 ** f.width) {
        throw badFixed(f, type, value, `needs an integer 0–${10 ** f.width - 1}`);
      }
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
      if (text.length > f.width) throw badFixed(f, type, value, `is ${f.width} characters wide`);
      return text.length === f.width ? text : text.padEnd(f.width, " ");
    }
  }
}

// ---- variable fields ---------------------------------------------------------------------------------

const badFieldId = (text: string, at: number) =>
  new Sip2Error("SIP2_BAD_FIELD", `"${text.slice(at, at + 2)}" is not a field id`, at);
const dangling = (text: string, at: number) =>
  new Sip2Error("SIP2_BAD_FIELD", `dangling characters "${text.slice(at)}" after the last field`, at);

const key = (id: string) => (id.charCodeAt(0) << 8) | id.charCodeAt(1);
const prop = (name: string) => `m[${JSON.stringify(name)}]`;

function generateDecoder(fixed: CompiledFixed[], fields: CompiledField[]) {
  let at = 2;
  const literal = fixed.map((f, i) => {
    const s = `${JSON.stringify(f.name)}: ${fixedExpression(f, i, at)}`;
    at += f.width;
    return s;
  });
  const cases = fields.map((f) => {
    const store = f.repeat
      ? `if (${prop(f.name)} === undefined) ${prop(f.name)} = [value]; else ${prop(f.name)}.push(value);`
      : `${prop(f.name)} = value;`;
    return `case ${key(f.id)}: ${store} break;`;
  });
  // A required field that is absent reads as empty, or is refused when the caller is strict.
  const required = fields.flatMap((f, i) =>
    f.required
      ? [`if (${prop(f.name)} === undefined) { if (strict) throw missing(${i}, end); ${prop(f.name)} = ""; }`]
      : [],
  );
  const body = `
    const m = { type: type, ${literal.join(", ")} };
    const n = text.length;
    while (at < n) {
      if (n - at < 2) throw dangling(text, at);
      const c0 = text.charCodeAt(at), c1 = text.charCodeAt(at + 1);
      let bar = text.indexOf("|", at + 2);
      if (bar < 0) bar = n; // tolerate a last field without its "|"
      const value = text.slice(at + 2, bar);
      switch ((c0 << 8) | c1) {
        ${cases.join("\n        ")}
        default: // the catalog's ids are letters; anything else is checked here
          if (c0 < 0x21 || c0 > 0x7e || c1 < 0x21 || c1 > 0x7e || c0 === 0x7c || c1 === 0x7c) throw badFieldId(text, at);
          if (m.unknownFields === undefined) m.unknownFields = [];
          m.unknownFields.push([text.slice(at, at + 2), value]);
      }
      at = bar + 1;
    }
    ${required.join("\n    ")}
    if (sequence !== undefined) m.sequence = sequence;
    return m;`;
  return new Function(
    "type",
    "fixed",
    "readers",
    "dangling",
    "badFieldId",
    "missing",
    `return function (text, at, strict, end, sequence) {${body}};`,
  );
}

function generateEncoder(fixed: CompiledFixed[], fields: CompiledField[]) {
  const lines = fixed.map((f, i) => {
    const v = prop(f.name);
    if (f.kind === "flag") return `w.raw(${v} ? "Y" : "N");`;
    if (f.kind === "bool") return `w.raw(${v} ? "1" : "0");`;
    if (f.kind === "ynu") return `v = ${v}; w.raw(v === null || v === undefined ? "U" : v ? "Y" : "N");`;
    // The common case inline (a value of the right width); anything else takes the checked path.
    if (f.kind === "date" || f.kind === "text") {
      return `v = ${v}; w.raw(typeof v === "string" && v.length === ${f.width} ? v : encodeFixed(fixed[${i}], v, type));`;
    }
    if (f.kind === "int") {
      const limit = 10 ** f.width;
      return `v = ${v}; if (Number.isInteger(v) && v >= 0 && v < ${limit}) w.digits(v, ${f.width}); else w.raw(encodeFixed(fixed[${i}], v, type));`;
    }
    if (f.kind === "status") {
      // One constant-named read per flag: a loop over the names would be a megamorphic keyed load.
      const flags = PATRON_STATUS_FLAGS.map((flag) => `w.flag(v[${JSON.stringify(flag)}]);`).join(" ");
      const blank = JSON.stringify(" ".repeat(PATRON_STATUS_FLAGS.length));
      return `v = ${v}; if (v === undefined || v === null) { const blank = ${blank}; w.raw(blank); } else { ${flags} }`;
    }
    return `w.raw(encodeFixed(fixed[${i}], ${v}, type));`;
  });
  for (const f of fields) {
    const id = JSON.stringify(f.id);
    const v = prop(f.name);
    if (f.repeat) {
      lines.push(`v = ${v}; if (v !== undefined) for (let i = 0; i < v.length; i++) w.field(${id}, v[i]);`);
    } else {
      const absent = f.required ? ` else w.field(${id}, "");` : "";
      lines.push(`v = ${v}; if (v !== undefined) w.field(${id}, v);${absent}`);
    }
  }
  lines.push(`v = m.unknownFields; if (v !== undefined) for (let i = 0; i < v.length; i++) w.field(v[i][0], v[i][1]);`);
  return new Function(
    "code",
    "type",
    "fixed",
    "encodeFixed",
    `return function (m, w) { let v; w.raw(code);\n${lines.join("\n")}\n};`,
  );
}

function compile(type: MessageType): CompiledMessage {
  const spec = MESSAGES[type];
  const fixed = spec.fixed.map(([name, kind, width]): CompiledFixed => {
    const w = kind === "text" || kind === "int" ? width : FIXED_WIDTH[kind];
    return { name, kind, width: w ?? 0 };
  });
  const fields = spec.fields.map((s: string): CompiledField => {
    const id = s.slice(0, 2) as FieldId;
    return { id, name: FIELDS[id], required: s.endsWith("!"), repeat: s.endsWith("*") };
  });
  return {
    type,
    code: spec.code,
    fixed,
    fixedLength: fixed.reduce((n, f) => n + f.width, 0),
    fields,
    decodeBody: generateDecoder(fixed, fields)(
      type,
      fixed,
      FIXED_READERS,
      dangling,
      badFieldId,
      (i: number, end: number) => {
        const f = fields[i]!;
        const message = `${type} (${spec.code}) lacks required field ${f.id} (${f.name})`;
        return new Sip2Error("SIP2_MISSING_FIELD", message, end, { field: f.id });
      },
    ),
    encodeBody: generateEncoder(fixed, fields)(spec.code, type, fixed, encodeFixed),
  };
}

export const BY_TYPE = new Map<MessageType, CompiledMessage>();
/** Indexed by the two bytes of the command code, so the decoder looks a message up without making a string. */
const BY_CODE_BYTES = new Map<number, CompiledMessage>();
for (const type of Object.keys(MESSAGES) as MessageType[]) {
  const compiled = compile(type);
  BY_TYPE.set(type, compiled);
  BY_CODE_BYTES.set((compiled.code.charCodeAt(0) << 8) | compiled.code.charCodeAt(1), compiled);
}

export function compiledForCode(byte0: number, byte1: number): CompiledMessage | undefined {
  return BY_CODE_BYTES.get((byte0 << 8) | byte1);
}
