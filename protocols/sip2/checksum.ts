/**
 * SIP2 error detection: the checksum is the 16-bit two's complement of the sum of every byte from the
 * start of the message up to and including the "AZ" field id, written as four hex digits.
 */
export function sip2Checksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i]!;
  return -sum & 0xffff;
}

export function formatChecksum(value: number): string {
  return (value & 0xffff).toString(16).toUpperCase().padStart(4, "0");
}

/** Next sequence number (AY): one digit, 0–9, wrapping. */
export function nextSequence(previous: number | undefined): number {
  return previous === undefined ? 0 : (previous + 1) % 10;
}
