import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import {
  canEncode,
  decodeMessage,
  decodeText,
  encodeMessage,
  encodeText,
  formatSip2Date,
  parseDueDate,
  parseSip2Date,
  sip2,
  sip2Checksum,
} from "../../../protocols/sip2/index.ts";

describe("SIP2 charsets", () => {
  // Byte values from python3: "Müller é ß ½ ░ Ø ÿ".encode("cp850") / .encode("latin-1").
  const TEXT = "Müller é ß ½ ░ Ø ÿ";
  const CP850 = [77, 129, 108, 108, 101, 114, 32, 130, 32, 225, 32, 171, 32, 176, 32, 157, 32, 152];
  const LATIN1 = [77, 252, 108, 108, 101, 114, 32, 233, 32, 223, 32, 189, 32, 63, 32, 216, 32, 255];

  it("encodes and decodes code page 850 byte for byte", () => {
    expect([...encodeText(TEXT, "cp850")]).toEqual(CP850);
    expect(decodeText(Buffer.from(CP850), "cp850")).toBe(TEXT);
  });

  it("encodes ISO-8859-1 and replaces what it cannot represent", () => {
    expect([...encodeText(TEXT, "iso-8859-1")]).toEqual(LATIN1);
    expect(canEncode("中文", "iso-8859-1")).toBe(false);
    expect(canEncode("é", "iso-8859-1")).toBe(true);
    expect(canEncode("€", "cp850")).toBe(false);
    expect(encodeText("a€b", "cp850").toString("latin1")).toBe("a?b");
  });

  it("decodes every cp850 byte to one character and back", () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect([...encodeText(decodeText(all, "cp850"), "cp850")]).toEqual([...all]);
  });

  it("computes the checksum over encoded bytes, so it differs per charset", () => {
    const message = sip2("endSessionResponse", {
      endSession: true,
      transactionDate: "20261125    143000",
      institutionId: "OSC",
      patronIdentifier: "2000",
      screenMessage: ["Tschüß"],
      sequence: 1,
    });
    const utf8 = encodeMessage(message, { errorDetection: true, charset: "utf-8" });
    const cp850 = encodeMessage(message, { errorDetection: true, charset: "cp850" });
    expect(utf8.length).toBe(cp850.length + 2);
    for (const [bytes, charset] of [
      [utf8, "utf-8"],
      [cp850, "cp850"],
    ] as const) {
      const body = bytes.subarray(0, bytes.length - 1);
      expect(sip2Checksum(body, 0, body.length - 4)).toBe(Number.parseInt(body.subarray(-4).toString(), 16));
      expect(decodeMessage(body, { charset, errorDetection: true })).toMatchObject({ screenMessage: ["Tschüß"] });
    }
  });
});

describe("SIP2 dates", () => {
  it("formats local and UTC forms", () => {
    const d = new Date(Date.UTC(2026, 10, 25, 13, 30, 5));
    expect(formatSip2Date(d, "utc")).toBe("20261125   Z133005");
    const local = new Date(2026, 0, 2, 3, 4, 5);
    expect(formatSip2Date(local)).toBe("20260102    030405");
  });

  it("parses both forms back to the same instant", () => {
    const d = new Date(Date.UTC(2026, 10, 25, 13, 30, 5));
    expect(parseSip2Date(formatSip2Date(d, "utc"))).toEqual({ date: d, zone: "utc" });
    expect(parseSip2Date(formatSip2Date(d, "local"))).toEqual({ date: d, zone: "local" });
    expect(parseSip2Date(" ".repeat(18))).toBeUndefined();
  });

  it("refuses impossible dates with a typed error", () => {
    for (const bad of ["20260230    120000", "2026113    1200000", "20261125    256000", "20261125XXXX120000"]) {
      expect(() => parseSip2Date(bad)).toThrow(expect.objectContaining({ code: "SIP2_BAD_DATE" }));
    }
  });

  it("reads due dates in the formats ILSes send, keeping the raw text", () => {
    const at = (y: number, mo: number, d: number, h = 0, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();
    const cases: Array<[string, number | undefined]> = [
      ["20261209    235900", at(2026, 12, 9, 23, 59)],
      ["2026-12-09", at(2026, 12, 9)],
      ["2026-12-09 23:59", at(2026, 12, 9, 23, 59)],
      ["2026-12-09T23:59:00", at(2026, 12, 9, 23, 59)],
      ["2026-12-09T22:59:00Z", Date.UTC(2026, 11, 9, 22, 59)],
      ["2026-12-09T23:59:00+01:00", Date.UTC(2026, 11, 9, 22, 59)],
      ["20261209", at(2026, 12, 9)],
      ["12/09/2026", at(2026, 12, 9)],
      ["09.12.2026", at(2026, 12, 9)],
      [" 2026-12-09 ", at(2026, 12, 9)],
      ["next Tuesday", undefined],
      ["2026-02-30", undefined],
      ["", undefined],
    ];
    for (const [raw, expected] of cases) {
      const due = parseDueDate(raw);
      expect(due.raw, raw).toBe(raw);
      expect(due.date?.getTime(), raw).toBe(expected);
    }
  });
});
