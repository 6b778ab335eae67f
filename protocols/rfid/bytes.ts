import { RfidError, type RfidErrorCode } from "./errors.ts";

/** Uppercase hex without separators ("E004010031269117"), or with `separator` between bytes. */
export function bytesToHex(bytes: Uint8Array, separator = ""): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) out += separator;
    out += (bytes[i] as number).toString(16).padStart(2, "0");
  }
  return out.toUpperCase();
}

/** Parses hex, ignoring spaces, colons and dashes between digits ("E0 04 01", "e0:04:01"). */
export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/[\s:-]/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new RfidError("RFID_ENCODE", `"${hex}" is not hex: use pairs of digits 0-9 and A-F`, { actual: hex });
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function concatBytes(...parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws RFID_ENCODE unless `value` is an integer in [min, max]; `what` names the field for the message. */
export function checkInteger(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RfidError("RFID_ENCODE", `${what} must be an integer from ${min} to ${max}, got ${value}`, {
      field: what,
      actual: value,
    });
  }
  return value;
}

/** Latin-1 text to bytes; throws RFID_ENCODE for characters above U+00FF or NUL (used as padding). */
export function latin1Bytes(text: string, what: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 || c > 0xff) {
      throw new RfidError(
        "RFID_ENCODE",
        `${what} "${text}" has a character (U+${c.toString(16).padStart(4, "0")}) that one byte cannot hold; use ISO 8859-1 characters without NUL`,
        { field: what, offset: i },
      );
    }
    out[i] = c;
  }
  return out;
}

/** Bytes to Latin-1 text (every byte maps to one character). */
export function latin1Text(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i] as number);
  return out;
}

/** Drops trailing NUL padding. */
export function trimNul(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.subarray(0, end);
}

/**
 * Cursor over a byte array that names what it is reading, so a short or malformed input becomes
 * one typed error saying which field ran out and where.
 */
export class ByteReader {
  private at = 0;

  constructor(
    readonly bytes: Uint8Array,
    private readonly context: string,
    private readonly code: RfidErrorCode,
    private readonly base = 0,
  ) {}

  get offset(): number {
    return this.at;
  }

  get remaining(): number {
    return this.bytes.length - this.at;
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.at++] as number;
  }

  u16be(field: string): number {
    this.need(2, field);
    const v = ((this.bytes[this.at] as number) << 8) | (this.bytes[this.at + 1] as number);
    this.at += 2;
    return v;
  }

  u16le(field: string): number {
    this.need(2, field);
    const v = (this.bytes[this.at] as number) | ((this.bytes[this.at + 1] as number) << 8);
    this.at += 2;
    return v;
  }

  take(length: number, field: string): Uint8Array {
    this.need(length, field);
    const out = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }

  rest(): Uint8Array {
    const out = this.bytes.subarray(this.at);
    this.at = this.bytes.length;
    return out;
  }

  /** Throws unless every byte has been read: trailing bytes mean the layout was misunderstood. */
  end(): void {
    if (this.remaining > 0) {
      throw this.error(`${this.context} has ${this.remaining} unexpected trailing byte(s)`, this.at);
    }
  }

  error(message: string, offset = this.at): RfidError {
    return new RfidError(this.code, message, { offset: this.base + offset, length: this.bytes.length });
  }

  private need(length: number, field: string): void {
    if (this.at + length > this.bytes.length) {
      throw this.error(
        `${this.context} ends before ${field}: needs ${length} byte(s) at offset ${this.base + this.at}, has ${this.remaining}`,
      );
    }
  }
}
