/**
 * A HID POS scanner (usage page 0x8C): each code goes out as 64-byte input reports with the AIM
 * identifier in every report, on the device end of a HID transport (protocols/barcode/hid-pos.ts).
 */
import { encodeHidPosReports } from "../../../protocols/barcode/hid-pos.ts";
import {
  checkOption,
  DEFAULT_AIM,
  encodeOrBadParams,
  isByte,
  isDelay,
  ScannerSimulator,
  type ScannerSimulatorTiming,
} from "./base.ts";

export interface HidPosSimulatorOptions extends ScannerSimulatorTiming {
  /** Report ID of the scanned-data report. Default 0x02. */
  reportId?: number;
  /** Byte 61, the vendor's own symbology id (e.g. Honeywell "j" = 0x6A for Code 128). Default 0. */
  vendorSymbology?: number;
  /** Pause between the reports of one long code. Default 1 ms (one USB full-speed poll interval). */
  reportGapMs?: number;
}

export class HidPosScannerSimulator extends ScannerSimulator {
  readonly model = "hid-pos";
  readonly #reportId: number | undefined;
  readonly #vendorSymbology: number | undefined;
  readonly #gapMs: number;

  constructor(options: HidPosSimulatorOptions = {}) {
    super(options);
    checkOption(isByte(options.reportId), this.model, "reportId", "must be a byte (0-255)");
    checkOption(isByte(options.vendorSymbology), this.model, "vendorSymbology", "must be a byte (0-255)");
    checkOption(isDelay(options.reportGapMs), this.model, "reportGapMs", "must be ≥ 0");
    this.#reportId = options.reportId;
    this.#vendorSymbology = options.vendorSymbology;
    this.#gapMs = options.reportGapMs ?? 1;
  }

  protected override aimToSend(requested: string | undefined): string {
    return requested ?? DEFAULT_AIM;
  }

  protected override encode(code: string, aim: string | undefined): Array<{ bytes: Uint8Array; pauseMs: number }> {
    const reports = encodeOrBadParams("scan", () =>
      encodeHidPosReports(code, {
        aim: aim ?? DEFAULT_AIM,
        ...(this.#reportId === undefined ? {} : { reportId: this.#reportId }),
        ...(this.#vendorSymbology === undefined ? {} : { vendorSymbology: this.#vendorSymbology }),
      }),
    );
    return reports.map((bytes, i) => ({ bytes, pauseMs: i === 0 ? 0 : this.#gapMs }));
  }

  protected override extraState(): Record<string, unknown> {
    return { reportId: this.#reportId ?? 0x02 };
  }
}
