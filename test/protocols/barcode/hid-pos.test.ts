import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeHidPosReport,
  encodeHidPosReports,
  HID_POS,
  HidPosReassembler,
} from "../../../protocols/barcode/hid-pos.ts";

// The last two reports of a Honeywell Voyager 1602g answer in HID POS mode, as captured in
// HenkVanAsselt/python_hon_usbhid's README (report ID 2, length, "]X0", data, code ID '?', 0, flags).
const text = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const CAPTURED = [
  Uint8Array.from([2, 56, 93, 88, 48, ...text(" Type: N/A   Revision: N/A   Serial Number: N/A   Checks"), 63, 0, 1]),
  Uint8Array.from([2, 9, 93, 88, 48, ...text("um: N/A\r\n"), ...new Array(47).fill(0), 63, 0, 0]),
];
const CAPTURED_TEXT = " Type: N/A   Revision: N/A   Serial Number: N/A   Checksum: N/A\r\n";

describe("HID POS scanner reports", () => {
  it("matches a real scanner's reports byte for byte", () => {
    expect(CAPTURED.map((r) => r.length)).toEqual([64, 64]);
    expect(encodeHidPosReports(CAPTURED_TEXT, { aim: "]X0", vendorSymbology: 63 })).toEqual(CAPTURED);
  });

  it("decodes a captured report", () => {
    const first = decodeHidPosReport(CAPTURED[0] as Uint8Array);
    expect(first).toMatchObject({ reportId: 2, aim: "]X0", vendorSymbology: 63, moreFollows: true });
    expect(first.data.length).toBe(56);
    expect(decodeHidPosReport(CAPTURED[1] as Uint8Array).moreFollows).toBe(false);
  });

  it("reassembles a multi-report code", () => {
    const r = new HidPosReassembler();
    expect(r.feed(CAPTURED[0] as Uint8Array)).toEqual([]);
    expect(r.feed(CAPTURED[1] as Uint8Array)).toEqual([
      expect.objectContaining({
        type: "scan",
        text: CAPTURED_TEXT,
        vendorSymbology: 63,
        aim: expect.objectContaining({ symbology: "other" }),
      }),
    ]);
  });

  it("encodes a short code into one report with its AIM identifier", () => {
    const [report, ...rest] = encodeHidPosReports("33191000105864", { aim: "]F0" });
    expect(rest).toEqual([]);
    expect(Array.from(report?.subarray(0, 8) ?? [])).toEqual([2, 14, 0x5d, 0x46, 0x30, 0x33, 0x33, 0x31]);
    expect(report?.[HID_POS.flagsOffset]).toBe(0);
  });

  it("rejects malformed reports with BARCODE_BAD_REPORT", () => {
    const good = encodeHidPosReports("1")[0] as Uint8Array;
    const tweak = (i: number, v: number) => {
      const c = good.slice();
      c[i] = v;
      return c;
    };
    for (const bad of [good.subarray(0, 10), tweak(0, 4), tweak(1, 57), tweak(3, 0x57)]) {
      expect(() => decodeHidPosReport(bad)).toThrow(expect.objectContaining({ code: "BARCODE_BAD_REPORT" }));
    }
    expect(() => encodeHidPosReports("x", { aim: "]W0" })).toThrow(
      expect.objectContaining({ code: "BARCODE_BAD_AIM" }),
    );
    expect(() => encodeHidPosReports("€")).toThrow(expect.objectContaining({ code: "BARCODE_UNMAPPABLE_CHAR" }));
  });

  it("round trips any code of any length", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom("]C0", "]E0", "]Q1", "]d2"), (data, aim) => {
        const reports = encodeHidPosReports(data, { aim });
        expect(reports.length).toBe(Math.max(1, Math.ceil(data.length / 56)));
        const r = new HidPosReassembler();
        const events = reports.flatMap((rep) => r.feed(rep));
        expect(events).toEqual([expect.objectContaining({ type: "scan", data })]);
        expect(events[0]).toMatchObject({ aim: { identifier: aim } });
      }),
    );
  });

  it("never throws on random reports and bounds the partial code", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 60, maxLength: 70 }), { maxLength: 50 }), (reports) => {
        const r = new HidPosReassembler({ maxLength: 200 });
        for (const rep of reports) {
          for (const e of r.feed(rep)) {
            if (e.type === "scan") expect(e.data.length).toBeLessThanOrEqual(200);
          }
        }
      }),
    );
  });
});
