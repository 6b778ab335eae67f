import type { Buffer } from "node:buffer";
import type { MessageOf, MessageType, Sip2Message } from "./catalog.ts";
import { decodeText, type Sip2Charset } from "./charset.ts";
import { checksumAndHighBit, formatChecksum, HIGH_BIT, hasChecksumTrailer, trailerChecksum } from "./checksum.ts";
import { BY_TYPE, compiledForCode } from "./compile.ts";
import { Sip2Error } from "./errors.ts";
import { Sip2Writer } from "./writer.ts";

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

// ---- decoding ----------------------------------------------------------------------------------------

const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const A = 0x41;
const Y = 0x59;

/** Decodes one message (without its terminator). Throws only `Sip2Error`. */
export function decodeMessage(frame: Uint8Array, options: Sip2CodecOptions = {}): Sip2Message {
  let end = frame.length;
  while (end > 0 && (frame[end - 1] === 0x0d || frame[end - 1] === 0x0a)) end--;

  // Error detection trailer: ...AY<digit>AZ<4 hex>. The checksum covers every byte up to and including "AZ".
  let sequence: number | undefined;
  let ascii = false; // known only after the checksum pass, which sees every byte of the text
  if (end >= 8 && hasChecksumTrailer(frame, end)) {
    const expected = trailerChecksum(frame, end);
    const scan = checksumAndHighBit(frame, 0, end - 4);
    ascii = (scan & HIGH_BIT) === 0;
    const actual = scan & 0xffff;
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
  const spec = compiledForCode(frame[0]!, frame[1]!);
  const code = spec?.code ?? String.fromCharCode(frame[0]!, frame[1]!);
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

  // ASCII reads the same in every charset, and latin1 is the cheapest way for Node to read it.
  const text = decodeText(frame, ascii ? "iso-8859-1" : (options.charset ?? "utf-8"), 0, end);
  const fixedEnd = 2 + spec.fixedLength;
  if (text.length < fixedEnd) {
    throw new Sip2Error(
      "SIP2_TRUNCATED",
      `${spec.type} (${code}) needs ${spec.fixedLength} characters of fixed fields, got ${text.length - 2}`,
      text.length,
      { command: code },
    );
  }

  return spec.decodeBody(text, fixedEnd, options.strict, end, sequence) as Sip2Message;
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

/** Encodes a message, with AY/AZ when error detection is on and the terminator. Throws only `Sip2Error`. */
export function encodeMessage(message: Sip2Message, options: Sip2CodecOptions = {}): Buffer {
  const spec = BY_TYPE.get(message.type);
  if (!spec) throw new Sip2Error("SIP2_ENCODE", `unknown message type "${String(message.type)}"`);
  const writer = new Sip2Writer(options.charset ?? "utf-8");
  spec.encodeBody(message as unknown as Record<string, unknown>, writer);
  if (options.errorDetection) {
    // Without a sequence number the trailer is just AZ (as in the bare "97AZFEF5" resend request).
    const seq = message.sequence;
    if (seq !== undefined && (!Number.isInteger(seq) || seq < 0 || seq > 9)) {
      throw new Sip2Error("SIP2_ENCODE", `sequence must be a digit 0–9 (got ${seq})`);
    }
    writer.raw(seq === undefined ? "AZ" : `AY${seq}AZ`);
    writer.checksum();
  }
  writer.raw(options.terminator ?? "\r");
  return writer.finish();
}

/** Convenience for building a message with its type checked against the catalog. */
export function sip2<T extends MessageType>(type: T, fields: Omit<MessageOf<T>, "type">): MessageOf<T> {
  return { type, ...fields } as MessageOf<T>;
}
