import fc from "fast-check";
import {
  FIELDS,
  FIXED_WIDTH,
  MESSAGES,
  type MessageType,
  PATRON_STATUS_FLAGS,
  type Sip2Charset,
  type Sip2Message,
  SUMMARY_LISTS,
} from "../../../protocols/sip2/index.ts";

// Characters each charset can carry, minus the three that SIP2 framing reserves (CR, LF, "|").
const LATIN1_EXTRA = Array.from({ length: 0x60 }, (_, i) => String.fromCharCode(0xa0 + i));
const CP850_EXTRA = [
  ..."ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐ßÔÒõÕµþÞÚÛÙýÝ¯´±‗¾¶§÷¸°¨·¹³²■",
];
const ASCII = Array.from({ length: 0x5f }, (_, i) => String.fromCharCode(0x20 + i)).filter((c) => c !== "|");

const charUnit: Record<Sip2Charset, fc.Arbitrary<string>> = {
  "iso-8859-1": fc.constantFrom(...ASCII, ...LATIN1_EXTRA),
  cp850: fc.constantFrom(...ASCII, ...CP850_EXTRA),
  "utf-8": fc.oneof(
    fc.constantFrom(...ASCII),
    fc.constantFrom(..."éüßÆø中文日本語한국어€😀ñ"),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }).filter((s) => !/[\r\n|]/.test(s)),
  ),
};

export const fieldValue = (charset: Sip2Charset) => fc.string({ unit: charUnit[charset], maxLength: 30 });

const sip2Date = fc.oneof(
  fc.constant(" ".repeat(18)),
  fc
    .tuple(
      fc.integer({ min: 1970, max: 2099 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 28 }),
      fc.constantFrom("    ", "   Z"),
      fc.integer({ min: 0, max: 235959 }),
    )
    .map(
      ([y, m, d, z, t]) =>
        `${y}${String(m).padStart(2, "0")}${String(d).padStart(2, "0")}${z}${String(t).padStart(6, "0")}`,
    ),
);

function fixedArbitrary(kind: string, width: number | undefined): fc.Arbitrary<unknown> {
  switch (kind) {
    case "flag":
    case "bool":
      return fc.boolean();
    case "ynu":
      return fc.constantFrom(true, false, null);
    case "int":
      return fc.integer({ min: 0, max: 10 ** (width ?? 1) - 1 });
    case "date":
      return sip2Date;
    case "status":
      return fc.record(Object.fromEntries(PATRON_STATUS_FLAGS.map((f) => [f, fc.boolean()])));
    case "summary":
      return fc.constantFrom(null, ...SUMMARY_LISTS);
    default:
      return fc.string({ unit: fc.constantFrom(...ASCII), minLength: width ?? 0, maxLength: width ?? 0 });
  }
}

/** A random, valid message of the given type whose every field can be carried by the charset. */
export function messageArbitrary(type: MessageType, charset: Sip2Charset, withSequence: boolean) {
  const spec = MESSAGES[type];
  const parts: Record<string, fc.Arbitrary<unknown>> = { type: fc.constant(type) };
  const requiredKeys = ["type"];
  for (const [name, kind, width] of spec.fixed as ReadonlyArray<readonly [string, string, number?]>) {
    parts[name] = fixedArbitrary(kind, width ?? FIXED_WIDTH[kind as keyof typeof FIXED_WIDTH]);
    requiredKeys.push(name);
  }
  const known = new Set<string>();
  for (const f of spec.fields as readonly string[]) {
    const id = f.slice(0, 2) as keyof typeof FIELDS;
    known.add(id);
    const name = FIELDS[id];
    if (f.endsWith("*")) parts[name] = fc.array(fieldValue(charset), { minLength: 1, maxLength: 3 });
    else parts[name] = fieldValue(charset);
    if (f.endsWith("!")) requiredKeys.push(name);
  }
  // Vendor fields: ids no catalog entry uses, starting with Z or X (so never AY/AZ).
  const unknownId = fc
    .tuple(fc.constantFrom("Z", "X"), fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    .map(([a, b]) => a + b)
    .filter((id) => !known.has(id));
  parts.unknownFields = fc.array(fc.tuple(unknownId, fieldValue(charset)), { minLength: 1, maxLength: 3 });
  if (withSequence) parts.sequence = fc.integer({ min: 0, max: 9 });
  return fc.record(parts, { requiredKeys }) as fc.Arbitrary<Sip2Message>;
}

export const anyMessage = (charset: Sip2Charset, withSequence: boolean) =>
  fc.constantFrom(...(Object.keys(MESSAGES) as MessageType[])).chain((t) => messageArbitrary(t, charset, withSequence));
