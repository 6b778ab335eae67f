import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeMessage, encodeText, type SIP2_CHARSETS, sip2, sip2Checksum } from "../../../protocols/sip2/index.ts";
import { CPU_BOUND_TIMEOUT_MS } from "../../support/timeouts.ts";

/** The bytes of one screen-message value as the message encoder writes them. */
function valueBytes(value: string, charset: (typeof SIP2_CHARSETS)[number]): Buffer {
  const bytes = encodeMessage(sip2("loginResponse", { ok: true, unknownFields: [["ZZ", value]] }), { charset });
  return bytes.subarray(5, bytes.length - 2); // "941ZZ" … "|\r"
}

describe("SIP2 byte writer", () => {
  it("writes UTF-8 exactly as Buffer does, including astral characters and lone surrogates", {
    timeout: CPU_BOUND_TIMEOUT_MS,
  }, () => {
    for (const text of ["plain", "Café ß 中文", "😀 emoji", "lone \ud800 high", "lone \udc00 low", "end \ud83d"]) {
      expect(valueBytes(text, "utf-8")).toEqual(Buffer.from(text, "utf8"));
    }
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (text) => {
        const clean = text.replace(/[\r\n|]/g, "");
        expect(valueBytes(clean, "utf-8")).toEqual(Buffer.from(clean, "utf8"));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes ISO-8859-1 and CP850 with one ? per character it cannot carry", () => {
    // Bytes from python3: text.encode("latin-1" / "cp850", errors="replace").
    const cases: Array<[string, number[], number[]]> = [
      ["Müller é ß", [77, 252, 108, 108, 101, 114, 32, 233, 32, 223], [77, 129, 108, 108, 101, 114, 32, 130, 32, 225]],
      ["€ 中", [63, 32, 63], [63, 32, 63]],
      ["😀", [63], [63]],
      ["░ ▒", [63, 32, 63], [176, 32, 177]],
    ];
    for (const [text, latin1, cp850] of cases) {
      expect([...valueBytes(text, "iso-8859-1")]).toEqual(latin1);
      expect([...valueBytes(text, "cp850")]).toEqual(cp850);
      expect([...encodeText(text, "iso-8859-1")]).toEqual(latin1);
      expect([...encodeText(text, "cp850")]).toEqual(cp850);
    }
  });

  it("grows past its first buffer and keeps the checksum right", () => {
    const long = "x".repeat(5000);
    const bytes = encodeMessage(
      sip2("endSessionResponse", {
        endSession: true,
        transactionDate: "20261125    143000",
        institutionId: "OSC",
        patronIdentifier: "2000",
        screenMessage: [long, long],
        sequence: 2,
      }),
      { errorDetection: true },
    );
    expect(bytes.length).toBeGreaterThan(10_000);
    const body = bytes.subarray(0, -1);
    expect(sip2Checksum(body, 0, body.length - 4)).toBe(Number.parseInt(body.subarray(-4).toString(), 16));
  });
});
