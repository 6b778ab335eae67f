/**
 * HID POS scanners (USB HID usage page 0x8C, "Bar Code Scanner"): each code arrives as one or more
 * 64-byte input reports with the AIM identifier in every report (protocols/barcode/hid-pos.ts).
 */
import { HidPosReassembler } from "../../../protocols/barcode/hid-pos.ts";
import type { Clock } from "../../transports/clock.ts";
import type { DecodedScan, DecoderSink, ScanDecoder } from "./decoder.ts";
import { IdleTimer } from "./idle-timer.ts";

export interface HidPosSettings {
  /** Report ID of the scanned-data input report. Default 0x02. */
  reportId: number;
  /** Longest code in bytes. */
  maxLength: number;
  /** A code announced to continue in another report is dropped when none comes within this time. */
  staleTimeoutMs: number;
}

export class HidPosDecoder implements ScanDecoder {
  readonly settings: Readonly<HidPosSettings>;
  readonly #sink: DecoderSink;
  readonly #idle: IdleTimer;
  #reassembler: HidPosReassembler;

  constructor(settings: HidPosSettings, sink: DecoderSink, clock: Clock) {
    this.settings = { ...settings };
    this.#sink = sink;
    this.#idle = new IdleTimer(clock);
    this.#reassembler = this.#freshReassembler();
  }

  feed(bytes: Uint8Array): void {
    const events = this.#reassembler.feed(bytes);
    if (events.length === 0) {
      // A valid report whose "more data follows" bit is set: wait for the rest, but not forever.
      this.#idle.arm(this.settings.staleTimeoutMs, () => this.#stale());
      return;
    }
    this.#idle.cancel();
    for (const event of events) {
      if (event.type === "warning") {
        this.#sink.problem(event.code, `${event.message}. Check that the scanner is set to HID POS mode.`);
        continue;
      }
      const scan: DecodedScan = { raw: (event.aim?.identifier ?? "") + event.text };
      if (event.aim) scan.aim = event.aim;
      if (event.vendorSymbology !== 0) scan.vendorSymbology = event.vendorSymbology;
      this.#sink.scan(scan);
    }
  }

  reset(): void {
    this.#idle.cancel();
    this.#reassembler = this.#freshReassembler();
  }

  #stale(): void {
    this.reset();
    this.#sink.problem(
      "SCANNER_PARTIAL_CODE",
      `A HID POS report announced more data, but no further report came within ${this.settings.staleTimeoutMs} ms; ` +
        "the partial code was dropped. Scan again; if it keeps happening, check the USB cable.",
    );
  }

  #freshReassembler(): HidPosReassembler {
    return new HidPosReassembler({ maxLength: this.settings.maxLength, reportId: this.settings.reportId });
  }
}
