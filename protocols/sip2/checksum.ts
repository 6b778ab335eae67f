/**
 * SIP2 error detection: the checksum is the 16-bit two's complement of the sum of every byte from the
 * start of the message up to and including the "AZ" field id, written as four hex digits.
 */
export function sip2Checksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return checksumAndHighBit(bytes, start, end) & 0xffff;
}

const isHex = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);

/**
 * Whether bytes [0, end) end with the error-detection trailer: "AZ" and four hex digits. Read on the bytes,
 * so a caller that only needs to know (the ACS answering in kind) makes no string and runs no regex.
 */
export function hasChecksumTrailer(bytes: Uint8Array, end = bytes.length): boolean {
  return (
    end >= 6 &&
    bytes[end - 6] === 0x41 &&
    bytes[end - 5] === 0x5a &&
    isHex(bytes[end - 4]!) &&
    isHex(bytes[end - 3]!) &&
    isHex(bytes[end - 2]!) &&
    isHex(bytes[end - 1]!)
  );
}

/** The checksum a trailer found by `hasChecksumTrailer` carries: its four hex digits, read as a number. */
export function trailerChecksum(bytes: Uint8Array, end: number): number {
  let value = 0;
  for (let i = end - 4; i < end; i++) {
    const b = bytes[i]!;
    value = value * 16 + (b <= 0x39 ? b - 0x30 : (b & 0x5f) - 0x37);
  }
  return value;
}

/** Bytes [0, end) end with the error-detection trailer, and its checksum matches them. */
export function checksumHolds(bytes: Uint8Array, end = bytes.length): boolean {
  return hasChecksumTrailer(bytes, end) && sip2Checksum(bytes, 0, end - 4) === trailerChecksum(bytes, end);
}

/** Set in `checksumAndHighBit`'s result when a byte is 0x80 or above. */
export const HIGH_BIT = 0x10000;

/**
 * The checksum of bytes [start, end) in the low 16 bits, and `HIGH_BIT` set when any of them is not ASCII:
 * one pass over the message gives the decoder both.
 */
export function checksumAndHighBit(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  let high = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    // Four bytes a turn: fewer loop checks, and the adds are independent.
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1]!;
    const b2 = bytes[i + 2]!;
    const b3 = bytes[i + 3]!;
    sum += b0 + b1 + b2 + b3;
    high |= b0 | b1 | b2 | b3;
  }
  for (; i < end; i++) {
    const b = bytes[i]!;
    sum += b;
    high |= b;
  }
  return (-sum & 0xffff) | ((high & 0x80) << 9);
}

export function formatChecksum(value: number): string {
  return (value & 0xffff).toString(16).toUpperCase().padStart(4, "0");
}

/** Next sequence number (AY): one digit, 0–9, wrapping. */
export function nextSequence(previous: number | undefined): number {
  return previous === undefined ? 0 : (previous + 1) % 10;
}
