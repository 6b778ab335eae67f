import { Buffer } from "node:buffer";
import { cp850Byte, REPLACEMENT, type Sip2Charset } from "./charset.ts";

const HEX = [0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46];

/**
 * Writes one SIP2 message straight into bytes, summing them for the checksum as it goes. Encoding,
 * sanitising and checksumming in one pass is what makes encoding fast: building a string and then
 * encoding and scanning it costs three passes and a copy.
 */
export class Sip2Writer {
  private buf: Buffer = Buffer.allocUnsafe(256);
  private n = 0;
  private sum = 0;

  constructor(private readonly charset: Sip2Charset) {}

  private room(bytes: number): void {
    if (this.n + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + bytes));
    this.buf.copy(bigger, 0, 0, this.n);
    this.buf = bigger;
  }

  private byte(b: number): void {
    this.buf[this.n++] = b;
    this.sum += b;
  }

  /** Text as it is (field ids, fixed fields): only characters the charset cannot carry are replaced. */
  raw(text: string): void {
    this.room(text.length * 3);
    // Locals, not fields, in the loop: this is the hot path of every encode.
    const buf = this.buf;
    let n = this.n;
    let sum = this.sum;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        buf[n++] = c;
        sum += c;
      } else {
        this.n = n;
        this.sum = sum;
        i = this.wide(text, i, c);
        n = this.n;
        sum = this.sum;
      }
    }
    this.n = n;
    this.sum = sum;
  }

  /**
   * A variable field's value. CR and LF would end the message early and "|" would end the field, so they
   * become a space and "/" (see the reference notes on patron notes breaking framing).
   */
  value(text: string): void {
    this.room(text.length * 3 + 1);
    const buf = this.buf;
    let n = this.n;
    let sum = this.sum;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= 0x80) {
        this.n = n;
        this.sum = sum;
        i = this.wide(text, i, c);
        n = this.n;
        sum = this.sum;
        continue;
      }
      if (c === 0x0d || c === 0x0a) c = 0x20;
      else if (c === 0x7c) c = 0x2f;
      buf[n++] = c;
      sum += c;
    }
    this.n = n;
    this.sum = sum;
  }

  /** A whole number in `width` zero-padded digits; the caller has checked that it fits. */
  digits(value: number, width: number): void {
    this.room(width);
    let v = value;
    for (let k = width - 1; k >= 0; k--) {
      const d = 0x30 + (v % 10);
      this.buf[this.n + k] = d;
      this.sum += d;
      v = Math.floor(v / 10);
    }
    this.n += width;
  }

  /** A patron status flag: "Y" when set, a space when not. */
  flag(on: unknown): void {
    this.room(1);
    this.byte(on ? 0x59 : 0x20);
  }

  /** One field: id, value, bar. */
  field(id: string, value: unknown): void {
    if (id.length !== 2) {
      // Only vendor fields from callers can be odd; write them as given.
      this.raw(id);
      this.value(typeof value === "string" ? value : String(value));
      this.byte(0x7c);
      return;
    }
    const text = typeof value === "string" ? value : String(value);
    this.room(text.length * 3 + 3);
    const c0 = id.charCodeAt(0);
    const c1 = id.charCodeAt(1);
    this.buf[this.n] = c0;
    this.buf[this.n + 1] = c1;
    this.n += 2;
    this.sum += c0 + c1;
    this.value(text);
    this.byte(0x7c);
  }

  /** Writes the character at `i` (code unit `c` ≥ 0x80) and returns the index of its last code unit. */
  private wide(text: string, i: number, c: number): number {
    if (this.charset === "iso-8859-1") {
      this.byte(c <= 0xff ? c : REPLACEMENT);
      return c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? i + 1 : i; // a pair is one "?"
    }
    if (this.charset === "cp850") {
      const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length;
      this.byte((pair ? undefined : cp850Byte(text[i]!)) ?? REPLACEMENT);
      return pair ? i + 1 : i;
    }
    let cp = c;
    let last = i;
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = text.charCodeAt(i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        last = i + 1;
      } else {
        cp = 0xfffd; // a lone surrogate, as Buffer.from(text, "utf8") writes it
      }
    }
    if (cp < 0x800) {
      this.byte(0xc0 | (cp >> 6));
      this.byte(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      this.byte(0xe0 | (cp >> 12));
      this.byte(0x80 | ((cp >> 6) & 0x3f));
      this.byte(0x80 | (cp & 0x3f));
    } else {
      this.room(1); // four bytes from two code units: one more than reserved
      this.byte(0xf0 | (cp >> 18));
      this.byte(0x80 | ((cp >> 12) & 0x3f));
      this.byte(0x80 | ((cp >> 6) & 0x3f));
      this.byte(0x80 | (cp & 0x3f));
    }
    return last;
  }

  /** Appends the checksum of everything written so far (which must end with "AZ") as four hex digits. */
  checksum(): void {
    const value = -this.sum & 0xffff;
    this.room(4);
    this.byte(HEX[value >> 12]!);
    this.byte(HEX[(value >> 8) & 0xf]!);
    this.byte(HEX[(value >> 4) & 0xf]!);
    this.byte(HEX[value & 0xf]!);
  }

  /** The bytes written; the writer must not be used afterwards. */
  finish(): Buffer {
    return this.buf.subarray(0, this.n);
  }
}

/** Text in a SIP2 charset as it is (no sanitising); characters the charset lacks become "?". */
export function encodeText(text: string, charset: Sip2Charset): Buffer {
  const writer = new Sip2Writer(charset);
  writer.raw(text);
  return writer.finish();
}
