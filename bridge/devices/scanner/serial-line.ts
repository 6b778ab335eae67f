/**
 * Serial line scanners (RS-232 or USB CDC/VCP): the scanner writes each code followed by a suffix,
 * CR or CR LF (Honeywell's RS-232 plug-and-play code sets CR LF at 115200 8N1, per the 4820 manual;
 * Unitech scanners default to 9600 8N1). Without a suffix, a code ends when the line goes quiet for
 * the inter-character timeout. Suffix "CR" is the most tolerant setting: it also reads CR LF.
 *
 * Why not @serialport/parser-readline and parser-inter-byte-timeout (read in their 13.0.0 sources,
 * dist/index.js): the readline parser (a DelimiterParser) keeps everything until the delimiter with no
 * length limit, concatenating each chunk onto the buffer, and knows one delimiter, so "CR, and a CR LF
 * scanner too" needs a second pass; the inter-byte-timeout parser times with the global setTimeout, not
 * the shared Clock, and at its maxBufferSize it passes the partial packet on as data, where a scanner
 * must drop it (BARCODE_TOO_LONG). Both are streams fed by a port, and this decoder is fed by any
 * Transport (serial, TCP serial servers, memory). What is left for them to do is the dozen lines of
 * #byte(); so the decoder stays, and neither package is needed by the bridge.
 */
import type { Clock } from "../../transports/clock.ts";
import type { DecoderSink, ScanDecoder } from "./decoder.ts";
import { IdleTimer } from "./idle-timer.ts";

export const LINE_SUFFIXES = ["CR", "LF", "CRLF", "none"] as const;
export type LineSuffix = (typeof LINE_SUFFIXES)[number];
export const TEXT_ENCODINGS = ["latin1", "utf8"] as const;
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

export interface SerialLineSettings {
  suffix: LineSuffix;
  /** An idle gap this long completes the code; 0 turns it off (then a suffix is required). */
  interCharTimeoutMs: number;
  /** With the inter-character timeout off, a partial code idle this long is dropped as stale. */
  staleTimeoutMs: number;
  /** Longest code in bytes; longer input is dropped up to the next suffix or idle gap. */
  maxLength: number;
  encoding: TextEncoding;
}

const CR = 0x0d;
const LF = 0x0a;
const DEL = 0x7f;
/**
 * Control characters that belong in barcode data: EOT, RS and GS (ISO/IEC 15434 envelopes in 2D codes;
 * GS also stands for FNC1 in GS1 codes), TAB, and CR/LF inside multi-line 2D codes. Any other C0 or C1
 * control character in a line means the bytes were garbled on the way.
 */
const DATA_CONTROLS = new Set([0x04, 0x09, CR, LF, 0x1d, 0x1e]);

const isBadControl = (c: number) => (c < 0x20 && !DATA_CONTROLS.has(c)) || (c >= DEL && c <= 0x9f);
const hex = (c: number) => `0x${c.toString(16).padStart(2, "0")}`;

export class SerialLineDecoder implements ScanDecoder {
  readonly settings: Readonly<SerialLineSettings>;
  readonly #sink: DecoderSink;
  readonly #idle: IdleTimer;
  readonly #buffer: Uint8Array;
  #length = 0;
  /** The current line went over maxLength: drop it up to its end. */
  #overflow = false;
  /** With suffix CR, the previous byte was the terminating CR (a following LF is the rest of CR LF). */
  #afterCr = false;

  constructor(settings: SerialLineSettings, sink: DecoderSink, clock: Clock) {
    this.settings = { ...settings };
    this.#sink = sink;
    this.#idle = new IdleTimer(clock);
    this.#buffer = new Uint8Array(settings.maxLength);
  }

  feed(bytes: Uint8Array): void {
    for (const b of bytes) this.#byte(b);
    if (this.#length === 0 && !this.#overflow) {
      this.#idle.cancel();
      return;
    }
    const { interCharTimeoutMs, staleTimeoutMs } = this.settings;
    if (interCharTimeoutMs > 0) this.#idle.arm(interCharTimeoutMs, () => this.#endLine());
    else this.#idle.arm(staleTimeoutMs, () => this.#stale());
  }

  reset(): void {
    this.#idle.cancel();
    this.#length = 0;
    this.#overflow = false;
    this.#afterCr = false;
  }

  #byte(b: number): void {
    const { suffix } = this.settings;
    if (suffix === "CR") {
      // Tolerate a scanner that sends CR LF when CR is configured.
      const restOfCrLf = b === LF && this.#afterCr;
      this.#afterCr = b === CR;
      if (restOfCrLf) return;
      if (b === CR) {
        this.#endLine();
        return;
      }
    } else if ((suffix === "LF" || suffix === "CRLF") && b === LF) {
      const crBefore = this.#length > 0 && this.#buffer[this.#length - 1] === CR;
      // With LF configured a CR before it is tolerated; with CR LF a lone LF is data (2D codes).
      if (suffix === "LF" || crBefore) {
        if (crBefore) this.#length--;
        this.#endLine();
        return;
      }
    }
    if (this.#overflow) return;
    if (this.#length === this.#buffer.length) {
      this.#overflow = true;
      this.#length = 0;
      this.#sink.problem(
        "BARCODE_TOO_LONG",
        `No end of code (${this.settings.suffix === "none" ? "idle gap" : this.#suffixName()}) after ` +
          `${this.settings.maxLength} bytes; the input was dropped. ` +
          "Check that the scanner's suffix matches the bridge's setting, or raise maxLength.",
      );
      return;
    }
    this.#buffer[this.#length++] = b;
  }

  #endLine(): void {
    this.#idle.cancel();
    const line = this.#buffer.slice(0, this.#length);
    const overflowed = this.#overflow;
    this.#length = 0;
    this.#overflow = false;
    if (overflowed || line.length === 0) return;
    const text = this.#decode(line);
    if (text !== undefined) this.#sink.scan({ raw: text });
  }

  #stale(): void {
    const length = this.#length;
    const overflowed = this.#overflow;
    this.reset();
    if (overflowed) return;
    this.#sink.problem(
      "SCANNER_PARTIAL_CODE",
      `${length} bytes arrived without the ${this.#suffixName()} suffix and nothing followed for ` +
        `${this.settings.staleTimeoutMs} ms, so they were dropped. Set the scanner's suffix to ${this.#suffixName()} ` +
        "or change the bridge's suffix setting to match the scanner.",
    );
  }

  /** The line as text, or undefined (after reporting SCANNER_GARBLED) when it holds bytes no barcode has. */
  #decode(line: Uint8Array): string | undefined {
    let text: string | undefined;
    if (this.settings.encoding === "utf8") {
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(line);
      } catch {
        return this.#garbled(line.length, "is not valid UTF-8");
      }
    } else {
      text = latin1(line);
    }
    for (const ch of text) {
      const c = ch.codePointAt(0) ?? 0;
      if (isBadControl(c)) return this.#garbled(line.length, `holds the control character ${hex(c)}`);
    }
    return text;
  }

  #garbled(length: number, what: string): undefined {
    this.#sink.problem(
      "SCANNER_GARBLED",
      `A ${length}-byte code ${what}, so it was dropped. This usually means the bridge's baud rate, ` +
        "data bits or parity differ from the scanner's; check both settings.",
    );
    return undefined;
  }

  #suffixName(): string {
    return this.settings.suffix === "CRLF" ? "CR LF" : this.settings.suffix;
  }
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
