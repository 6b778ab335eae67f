import { type AimIdentifier, splitAim } from "./aim.ts";
import { BarcodeError } from "./errors.ts";

/**
 * HID POS barcode scanner input reports (USB HID Point of Sale Usage Tables 1.02, usage page 0x8C
 * "Bar Code Scanner", scanned data report). Real scanners use one 64-byte input report layout,
 * documented identically in the Access-IS LSR116/LSR118/ATR110 manuals and seen in captures from
 * Honeywell scanners (HenkVanAsselt/python_hon_usbhid):
 *
 *   byte 0       report ID, 0x02
 *   byte 1       number of data bytes in this report (0..56), not counting the AIM bytes
 *   bytes 2..4   AIM symbology identifier, "]" + code + modifier (e.g. "]C0")
 *   bytes 5..60  data, zero padded
 *   byte 61      vendor symbology identifier (Honeywell code ID, e.g. "j"); 0 when none
 *   byte 62      reserved, 0
 *   byte 63      bit 0 set: more data follows in the next report (the AIM bytes repeat in each)
 */
export const HID_POS = {
  reportLength: 64,
  reportId: 0x02,
  dataOffset: 5,
  maxDataPerReport: 56,
  vendorSymbologyOffset: 61,
  flagsOffset: 63,
  moreDataFollows: 0x01,
} as const;

export interface HidPosReport {
  reportId: number;
  /** The 3 identifier bytes as text, e.g. "]C0"; "" when the scanner sends zeros there. */
  aim: string;
  data: Uint8Array;
  /** Byte 61, or 0 when absent. */
  vendorSymbology: number;
  moreFollows: boolean;
}

export interface HidPosEncodeOptions {
  /** AIM identifier to send, e.g. "]F0". Default "]X0" (other). */
  aim?: string;
  vendorSymbology?: number;
  reportId?: number;
}

const ascii = (bytes: Uint8Array) => String.fromCharCode(...bytes);

function aimBytes(aim: string): Uint8Array {
  if (aim === "") return new Uint8Array(3);
  const { aim: parsed, data } = splitAim(aim);
  if (!parsed || data !== "" || parsed.identifier.length !== 3) {
    throw new BarcodeError("BARCODE_BAD_AIM", `HID POS reports carry a 3-character AIM identifier, got "${aim}"`, {
      aim,
    });
  }
  return Uint8Array.from(parsed.identifier, (c) => c.charCodeAt(0));
}

/** Splits one scanned code into as many 64-byte reports as it needs (simulator side). */
export function encodeHidPosReports(code: Uint8Array | string, options: HidPosEncodeOptions = {}): Uint8Array[] {
  const data = typeof code === "string" ? latin1Bytes(code) : code;
  const aim = aimBytes(options.aim ?? "]X0");
  const reportId = options.reportId ?? HID_POS.reportId;
  const vendor = options.vendorSymbology ?? 0;
  for (const [name, v] of [
    ["reportId", reportId],
    ["vendorSymbology", vendor],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) {
      throw new BarcodeError("BARCODE_BAD_REPORT", `HID POS ${name} must be a byte, got ${v}`, { [name]: v });
    }
  }
  const reports: Uint8Array[] = [];
  let offset = 0;
  do {
    const chunk = data.subarray(offset, offset + HID_POS.maxDataPerReport);
    offset += chunk.length;
    const report = new Uint8Array(HID_POS.reportLength);
    report[0] = reportId;
    report[1] = chunk.length;
    report.set(aim, 2);
    report.set(chunk, HID_POS.dataOffset);
    report[HID_POS.vendorSymbologyOffset] = vendor;
    report[HID_POS.flagsOffset] = offset < data.length ? HID_POS.moreDataFollows : 0;
    reports.push(report);
  } while (offset < data.length);
  return reports;
}

/** Decodes one input report (driver side). Throws BARCODE_BAD_REPORT on a malformed report. */
export function decodeHidPosReport(bytes: Uint8Array, expectedReportId: number = HID_POS.reportId): HidPosReport {
  if (bytes.length < HID_POS.reportLength) {
    throw new BarcodeError(
      "BARCODE_BAD_REPORT",
      `HID POS report must be ${HID_POS.reportLength} bytes including the report ID, got ${bytes.length}`,
      { length: bytes.length },
    );
  }
  const reportId = bytes[0] ?? 0;
  if (reportId !== expectedReportId) {
    throw new BarcodeError(
      "BARCODE_BAD_REPORT",
      `HID POS report ID is 0x${reportId.toString(16)}, expected 0x${expectedReportId.toString(16)} (scanned data)`,
      { reportId },
    );
  }
  const length = bytes[1] ?? 0;
  if (length > HID_POS.maxDataPerReport) {
    throw new BarcodeError(
      "BARCODE_BAD_REPORT",
      `HID POS report claims ${length} data bytes; at most ${HID_POS.maxDataPerReport} fit`,
      { length },
    );
  }
  const aimRaw = bytes.subarray(2, HID_POS.dataOffset);
  const aim = aimRaw.every((b) => b === 0) ? "" : ascii(aimRaw);
  if (aim !== "") {
    try {
      aimBytes(aim);
    } catch (err) {
      throw new BarcodeError(
        "BARCODE_BAD_REPORT",
        `HID POS report has a bad AIM identifier: ${(err as Error).message}`,
        {
          aim,
        },
      );
    }
  }
  return {
    reportId,
    aim,
    data: bytes.slice(HID_POS.dataOffset, HID_POS.dataOffset + length),
    vendorSymbology: bytes[HID_POS.vendorSymbologyOffset] ?? 0,
    moreFollows: ((bytes[HID_POS.flagsOffset] ?? 0) & HID_POS.moreDataFollows) !== 0,
  };
}

export interface HidPosScan {
  data: Uint8Array;
  /** Data decoded as Latin-1 (scanners send single-byte text). */
  text: string;
  aim?: AimIdentifier;
  vendorSymbology: number;
}

export type HidPosEvent =
  | ({ type: "scan" } & HidPosScan)
  | { type: "warning"; code: "BARCODE_BAD_REPORT" | "BARCODE_TOO_LONG"; message: string };

/**
 * Reassembles codes split over several reports (driver side). Never throws; a bad report or an
 * over-long code becomes a warning and the partial code is dropped.
 */
export class HidPosReassembler {
  private parts: Uint8Array[] = [];
  private size = 0;
  private readonly maxLength: number;
  private readonly reportId: number;

  constructor(options: { maxLength?: number; reportId?: number } = {}) {
    this.maxLength = options.maxLength ?? 8192;
    this.reportId = options.reportId ?? HID_POS.reportId;
  }

  feed(bytes: Uint8Array): HidPosEvent[] {
    let report: HidPosReport;
    try {
      report = decodeHidPosReport(bytes, this.reportId);
    } catch (err) {
      this.reset();
      return [{ type: "warning", code: "BARCODE_BAD_REPORT", message: (err as Error).message }];
    }
    if (this.size + report.data.length > this.maxLength) {
      this.reset();
      return [
        {
          type: "warning",
          code: "BARCODE_TOO_LONG",
          message: `Scanned code exceeds ${this.maxLength} bytes; dropped`,
        },
      ];
    }
    this.parts.push(report.data);
    this.size += report.data.length;
    if (report.moreFollows) return [];
    const data = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      data.set(p, at);
      at += p.length;
    }
    this.reset();
    const aim = report.aim === "" ? undefined : splitAim(report.aim).aim;
    const scan: HidPosScan = { data, text: latin1(data), vendorSymbology: report.vendorSymbology };
    if (aim) scan.aim = aim;
    return [{ type: "scan", ...scan }];
  }

  private reset(): void {
    this.parts = [];
    this.size = 0;
  }
}

function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => {
    const code = c.charCodeAt(0);
    if (code > 0xff) {
      throw new BarcodeError(
        "BARCODE_UNMAPPABLE_CHAR",
        `HID POS data is single-byte; ${JSON.stringify(c)} does not fit`,
        {
          char: c,
        },
      );
    }
    return code;
  });
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
