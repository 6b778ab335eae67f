import { Buffer } from "node:buffer";

/** Character sets seen on real SIP2 links; configured per connection. */
export const SIP2_CHARSETS = ["utf-8", "iso-8859-1", "cp850"] as const;
export type Sip2Charset = (typeof SIP2_CHARSETS)[number];

// Code page 850, bytes 0x80–0xFF (the lower half is ASCII). Checked against python3's cp850 codec in the tests.
const CP850_HIGH =
  "\u00c7\u00fc\u00e9\u00e2\u00e4\u00e0\u00e5\u00e7\u00ea\u00eb\u00e8\u00ef\u00ee\u00ec\u00c4\u00c5" +
  "\u00c9\u00e6\u00c6\u00f4\u00f6\u00f2\u00fb\u00f9\u00ff\u00d6\u00dc\u00f8\u00a3\u00d8\u00d7\u0192" +
  "\u00e1\u00ed\u00f3\u00fa\u00f1\u00d1\u00aa\u00ba\u00bf\u00ae\u00ac\u00bd\u00bc\u00a1\u00ab\u00bb" +
  "\u2591\u2592\u2593\u2502\u2524\u00c1\u00c2\u00c0\u00a9\u2563\u2551\u2557\u255d\u00a2\u00a5\u2510" +
  "\u2514\u2534\u252c\u251c\u2500\u253c\u00e3\u00c3\u255a\u2554\u2569\u2566\u2560\u2550\u256c\u00a4" +
  "\u00f0\u00d0\u00ca\u00cb\u00c8\u0131\u00cd\u00ce\u00cf\u2518\u250c\u2588\u2584\u00a6\u00cc\u2580" +
  "\u00d3\u00df\u00d4\u00d2\u00f5\u00d5\u00b5\u00fe\u00de\u00da\u00db\u00d9\u00fd\u00dd\u00af\u00b4" +
  "\u00ad\u00b1\u2017\u00be\u00b6\u00a7\u00f7\u00b8\u00b0\u00a8\u00b7\u00b9\u00b3\u00b2\u25a0\u00a0";

const CP850_ENCODE = new Map<string, number>([...CP850_HIGH].map((ch, i) => [ch, 0x80 + i]));

/** The byte written in place of a character the charset cannot represent. */
export const REPLACEMENT = 0x3f; // "?"

/** The cp850 byte for a character at or above U+0080, or undefined when cp850 has none. */
export function cp850Byte(ch: string): number | undefined {
  return CP850_ENCODE.get(ch);
}

export function decodeText(bytes: Uint8Array, charset: Sip2Charset, start = 0, end = bytes.length): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (charset === "utf-8") return buf.toString("utf8", start, end);
  if (charset === "iso-8859-1") return buf.toString("latin1", start, end);
  let out = "";
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    out += b < 0x80 ? String.fromCharCode(b) : CP850_HIGH[b - 0x80];
  }
  return out;
}

/** Whether every character of `text` can be written in `charset` without replacement. */
export function canEncode(text: string, charset: Sip2Charset): boolean {
  if (charset === "utf-8") return true;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) continue;
    if (charset === "iso-8859-1" ? cp > 0xff : !CP850_ENCODE.has(ch)) return false;
  }
  return true;
}
