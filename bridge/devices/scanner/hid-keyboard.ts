/**
 * Keyboard-wedge scanners: the scanner pretends to be a USB keyboard and "types" each code, usually
 * followed by Enter. The bridge reads the 8-byte boot keyboard reports itself and turns key usages
 * into characters with the layout the scanner is set to (protocols/barcode/hid-keyboard.ts).
 *
 * On Linux open such a scanner as a HID device (/dev/hidraw*, by USB vendor/product id), never through
 * the console or X/Wayland input: only then do its keystrokes not also land in the focused window.
 */
import { KeyboardReportDecoder } from "../../../protocols/barcode/hid-keyboard.ts";
import { KEYBOARD_LAYOUTS, type KeyboardLayoutName } from "../../../protocols/barcode/keyboard-layouts.ts";
import type { Clock } from "../../transports/clock.ts";
import type { DecoderSink, ScanDecoder } from "./decoder.ts";
import { IdleTimer } from "./idle-timer.ts";

export const KEYBOARD_TERMINATORS = ["enter", "tab", "none"] as const;
export type KeyboardTerminator = (typeof KEYBOARD_TERMINATORS)[number];

export interface HidKeyboardSettings {
  layout: KeyboardLayoutName;
  /** What the scanner types after each code. Enter and Tab are both accepted whichever is set. */
  terminator: KeyboardTerminator;
  /** A pause between key reports this long ends a code; 0 turns it off (then a terminator is required). */
  interKeyTimeoutMs: number;
  /** With the inter-key timeout off, typed text without a terminator is dropped after this pause. */
  staleTimeoutMs: number;
  maxLength: number;
  /** When the device prefixes its keyboard reports with a report ID (composite devices), that ID. */
  reportId?: number;
}

export class HidKeyboardDecoder implements ScanDecoder {
  readonly settings: Readonly<HidKeyboardSettings>;
  readonly #sink: DecoderSink;
  readonly #idle: IdleTimer;
  #keys: KeyboardReportDecoder;
  /** A report in the current code was lost or a key had no character: the code would be wrong. */
  #lossy = false;

  constructor(settings: HidKeyboardSettings, sink: DecoderSink, clock: Clock) {
    this.settings = { ...settings };
    this.#sink = sink;
    this.#idle = new IdleTimer(clock);
    this.#keys = this.#freshKeys();
  }

  feed(bytes: Uint8Array): void {
    const { reportId } = this.settings;
    let report = bytes;
    if (reportId !== undefined) {
      if (bytes[0] !== reportId) {
        this.#lossy = true;
        this.#sink.problem(
          "BARCODE_BAD_REPORT",
          `Keyboard report starts with ${bytes.length === 0 ? "nothing" : `ID ${bytes[0]}`}, expected report ID ${reportId}; ` +
            "it was ignored. Check the reportId setting against the scanner's HID descriptor.",
        );
        this.#armIdle();
        return;
      }
      report = bytes.subarray(1);
    }
    for (const event of this.#keys.feed(report)) {
      if (event.type === "code") this.#code(event.text);
      else {
        // Whatever is typed after a lost key (or after an over-long code was cut) is not the code.
        this.#lossy = true;
        this.#sink.problem(event.code, `${event.message}. Check the scanner's keyboard layout setting.`);
      }
    }
    this.#armIdle();
  }

  reset(): void {
    this.#idle.cancel();
    this.#keys = this.#freshKeys(); // also forgets which keys were down
    this.#lossy = false;
  }

  #freshKeys(): KeyboardReportDecoder {
    return new KeyboardReportDecoder(KEYBOARD_LAYOUTS[this.settings.layout], { maxLength: this.settings.maxLength });
  }

  #armIdle(): void {
    if (this.#keys.pending === "" && !this.#lossy) {
      this.#idle.cancel();
      return;
    }
    const { interKeyTimeoutMs, staleTimeoutMs } = this.settings;
    if (interKeyTimeoutMs > 0) {
      this.#idle.arm(interKeyTimeoutMs, () => this.#code(this.#keys.flush() ?? ""));
    } else {
      this.#idle.arm(staleTimeoutMs, () => this.#stale());
    }
  }

  #code(text: string): void {
    this.#idle.cancel();
    const lossy = this.#lossy;
    this.#lossy = false;
    if (lossy && text !== "") {
      this.#sink.problem(
        "SCANNER_CODE_DROPPED",
        `A ${[...text].length}-character code lost keys on the way and was dropped; scan again. ` +
          `If it keeps happening, set the scanner's keyboard layout to "${this.settings.layout}".`,
      );
      return;
    }
    if (text !== "") this.#sink.scan({ raw: text });
  }

  #stale(): void {
    const length = [...(this.#keys.flush() ?? "")].length;
    const lossy = this.#lossy;
    this.#lossy = false;
    if (length === 0 && lossy) return;
    this.#sink.problem(
      "SCANNER_PARTIAL_CODE",
      `${length} characters were typed without a terminator and nothing followed for ${this.settings.staleTimeoutMs} ms, ` +
        `so they were dropped. Set the scanner to send ${this.settings.terminator === "tab" ? "Tab" : "Enter"} after each code.`,
    );
  }
}
