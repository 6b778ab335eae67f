import { Buffer } from "node:buffer";
import { Sip2Error } from "./errors.ts";

export const DEFAULT_MAX_MESSAGE_LENGTH = 64 * 1024;

export interface Sip2FramerOptions {
  /** Longest message accepted, in bytes; a longer one is dropped up to its terminator. Default 64 KiB. */
  maxLength?: number;
  onFrame: (frame: Buffer) => void;
  onError?: (error: Sip2Error) => void;
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * Splits a byte stream into SIP2 messages. CR, LF and CRLF all end a message (CRLF yields no empty
 * message). Bytes arrive in any chunking. A peer that never sends a terminator cannot grow the buffer past
 * `maxLength`: the oversized message is reported once and discarded up to its terminator.
 */
export class Sip2Framer {
  readonly maxLength: number;
  private readonly onFrame: (frame: Buffer) => void;
  private readonly onError: (error: Sip2Error) => void;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private discarding = false;

  constructor(options: Sip2FramerOptions) {
    this.maxLength = options.maxLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
    this.onFrame = options.onFrame;
    this.onError = options.onError ?? (() => {});
  }

  /** Bytes held while waiting for a terminator; never more than `maxLength`. */
  get buffered(): number {
    return this.pendingLength;
  }

  push(input: Uint8Array): void {
    const chunk = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    let start = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i]!;
      if (b !== CR && b !== LF) continue;
      this.take(chunk, start, i);
      this.finish();
      start = i + 1;
    }
    this.take(chunk, start, n);
  }

  /** Forget a partial message (after a reconnect, for example). */
  reset(): void {
    this.pending = [];
    this.pendingLength = 0;
    this.discarding = false;
  }

  private take(chunk: Buffer, start: number, end: number): void {
    if (end <= start || this.discarding) return;
    if (this.pendingLength + (end - start) > this.maxLength) {
      this.onError(
        new Sip2Error(
          "SIP2_TOO_LONG",
          `message longer than ${this.maxLength} bytes without a terminator; discarding it`,
          this.pendingLength,
        ),
      );
      this.pending = [];
      this.pendingLength = 0;
      this.discarding = true;
      return;
    }
    this.pending.push(chunk.subarray(start, end));
    this.pendingLength += end - start;
  }

  private finish(): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (this.pendingLength === 0) return;
    const frame = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLength);
    this.pending = [];
    this.pendingLength = 0;
    this.onFrame(frame);
  }
}
