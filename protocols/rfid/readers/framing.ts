import { concatBytes } from "../bytes.ts";
import { RfidError } from "../errors.ts";

/**
 * How one reader family delimits frames on a byte stream. The parser below is generic over it,
 * so each family only states its start byte, length rule and checksum.
 */
export interface FrameFormat<F> {
  readonly family: string;
  readonly minFrameLength: number;
  readonly maxFrameLength: number;
  /** Bytes needed from the start of a frame before its total length is known. */
  readonly headerLength: number;
  /** Can a frame start with this byte? */
  isStart(byte: number): boolean;
  /** Total frame length in bytes, read from the header at `start`. */
  frameLength(buffer: Uint8Array, start: number): number;
  /** Checks the checksum and splits the frame; throws RfidError for a bad frame. */
  decodeFrame(frame: Uint8Array): F;
}

export interface FeedResult<F> {
  frames: F[];
  /** Bad input that was skipped, each with its position in the stream. */
  errors: RfidError[];
}

export interface FrameParserOptions {
  /** Longest frame accepted (and so the most bytes ever buffered); defaults to the family's maximum. */
  maxFrameLength?: number;
}

/**
 * Turns a byte stream into whole, checksum-verified frames. Skips bytes to the next start byte,
 * waits for the length and the body, drops frames with a bad length or checksum, and resynchronises
 * one byte past a bad start. `feed` reports bad input in its result and never throws for it.
 * While a candidate frame is incomplete it looks ahead for a complete valid frame, so one garbage
 * byte that looks like a long header cannot hold back the real frames behind it.
 */
export class FrameParser<F> {
  private pending = new Uint8Array(0);
  private consumed = 0;
  readonly maxFrameLength: number;

  constructor(
    private readonly format: FrameFormat<F>,
    options: FrameParserOptions = {},
  ) {
    this.maxFrameLength = Math.min(options.maxFrameLength ?? format.maxFrameLength, format.maxFrameLength);
    if (this.maxFrameLength < format.minFrameLength) {
      throw new RfidError(
        "RFID_CONFIG",
        `${format.family}: maxFrameLength ${this.maxFrameLength} is below the smallest frame (${format.minFrameLength})`,
        {
          field: "maxFrameLength",
        },
      );
    }
  }

  /** Bytes held while waiting for the rest of a frame; always below maxFrameLength. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Forget buffered bytes, e.g. after a timeout so the next reply starts clean. */
  reset(): void {
    this.consumed += this.pending.length;
    this.pending = new Uint8Array(0);
  }

  feed(chunk: Uint8Array): FeedResult<F> {
    const buf = this.pending.length ? concatBytes(this.pending, chunk) : chunk;
    const frames: F[] = [];
    const errors: RfidError[] = [];
    let pos = 0;
    while (pos < buf.length) {
      const start = this.nextStart(buf, pos);
      if (start > pos) {
        errors.push(
          this.error("RFID_FRAME_BAD_START", `${start - pos} byte(s) before a frame start skipped`, pos, start - pos),
        );
        pos = start;
        if (pos >= buf.length) break;
      }
      if (buf.length - pos < this.format.headerLength) break;
      const length = this.format.frameLength(buf, pos);
      if (length < this.format.minFrameLength || length > this.maxFrameLength) {
        const code = length > this.maxFrameLength ? "RFID_FRAME_TOO_LONG" : "RFID_FRAME_BAD_LENGTH";
        errors.push(
          this.error(
            code,
            `header announces ${length} bytes; frames are ${this.format.minFrameLength} to ${this.maxFrameLength}`,
            pos,
            length,
          ),
        );
        pos++;
        continue;
      }
      if (buf.length - pos < length) {
        const later = this.findCompleteFrame(buf, pos + 1);
        if (later === undefined) break;
        errors.push(
          this.error(
            "RFID_FRAME_TRUNCATED",
            `frame cut short by the next valid frame ${later - pos} byte(s) later`,
            pos,
            later - pos,
          ),
        );
        pos = later;
        continue;
      }
      try {
        frames.push(this.format.decodeFrame(buf.subarray(pos, pos + length)));
        pos += length;
      } catch (err) {
        if (!(err instanceof RfidError)) throw err;
        errors.push(err.withDetails({ streamOffset: this.consumed + pos }));
        pos++;
      }
    }
    this.consumed += pos;
    this.pending = buf.slice(pos);
    return { frames, errors };
  }

  private nextStart(buf: Uint8Array, from: number): number {
    let i = from;
    while (i < buf.length && !this.format.isStart(buf[i] as number)) i++;
    return i;
  }

  /** First position after `from` where a whole frame with a valid checksum sits in `buf`. */
  private findCompleteFrame(buf: Uint8Array, from: number): number | undefined {
    for (let p = this.nextStart(buf, from); p < buf.length; p = this.nextStart(buf, p + 1)) {
      if (buf.length - p < this.format.headerLength) return undefined;
      const length = this.format.frameLength(buf, p);
      if (length < this.format.minFrameLength || length > this.maxFrameLength || buf.length - p < length) continue;
      try {
        this.format.decodeFrame(buf.subarray(p, p + length));
        return p;
      } catch (err) {
        if (!(err instanceof RfidError)) throw err;
      }
    }
    return undefined;
  }

  private error(code: RfidError["code"], message: string, pos: number, length: number): RfidError {
    return new RfidError(code, `${this.format.family}: ${message} at stream offset ${this.consumed + pos}`, {
      streamOffset: this.consumed + pos,
      length,
    });
  }
}
