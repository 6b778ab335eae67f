import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ByteReader,
  bytesToHex,
  checkInteger,
  hexToBytes,
  latin1Bytes,
  latin1Text,
  trimNul,
} from "../../../protocols/rfid/bytes.ts";
import { RfidError } from "../../../protocols/rfid/errors.ts";

describe("byte helpers", () => {
  it("convert hex both ways, tolerating separators", () => {
    expect(bytesToHex(hexToBytes("e0:04 01-00"))).toBe("E0040100");
    expect(bytesToHex(Uint8Array.of(1, 0xab), " ")).toBe("01 AB");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        expect(hexToBytes(bytesToHex(b, " "))).toEqual(b);
      }),
    );
  });

  it("reject malformed hex and out-of-range integers with RFID_ENCODE", () => {
    expect(() => hexToBytes("E0F")).toThrow(expect.objectContaining({ code: "RFID_ENCODE" }));
    expect(() => hexToBytes("ZZ")).toThrow(RfidError);
    expect(() => checkInteger(256, 0, 255, "afi")).toThrow(expect.objectContaining({ code: "RFID_ENCODE" }));
    expect(() => checkInteger(1.5, 0, 255, "afi")).toThrow(/afi/);
    expect(checkInteger(7, 0, 255, "afi")).toBe(7);
  });

  it("keep Latin-1 text byte for byte and refuse what does not fit", () => {
    expect(latin1Text(latin1Bytes("Müller", "name"))).toBe("Müller");
    expect(() => latin1Bytes("Žižek", "name")).toThrow(expect.objectContaining({ code: "RFID_ENCODE" }));
    expect(() => latin1Bytes("a\0b", "name")).toThrow(RfidError);
    expect(trimNul(Uint8Array.of(1, 0, 2, 0, 0))).toEqual(Uint8Array.of(1, 0, 2));
  });

  it("ByteReader names the field that ran out and its offset", () => {
    const r = new ByteReader(Uint8Array.of(1, 2, 3), "test frame", "RFID_BAD_RESPONSE", 10);
    expect(r.u16be("word")).toBe(0x0102);
    try {
      r.u16le("second word");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RfidError);
      expect((err as RfidError).code).toBe("RFID_BAD_RESPONSE");
      expect((err as RfidError).message).toMatch(/second word/);
      expect((err as RfidError).details.offset).toBe(12);
    }
    expect(() => new ByteReader(Uint8Array.of(1), "x", "RFID_TAG_DATA").end()).toThrow(/trailing/);
  });
});
