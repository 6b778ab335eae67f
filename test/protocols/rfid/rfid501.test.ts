import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concatBytes, hexToBytes } from "../../../protocols/rfid/bytes.ts";
import { RfidError } from "../../../protocols/rfid/errors.ts";
import {
  decodeRfid501,
  encodeRfid501,
  isBlankMemory,
  isRfid501Blank3M,
  type Rfid501Input,
  rfid501Blank,
  rfid501Blank3M,
} from "../../../protocols/rfid/rfid501.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

/** Biblio-RFID t/05-RFID501.t, both tags (blocks joined). */
const T05_TAG1 = concatBytes(
  hexToBytes("04110000"),
  ascii("2009"),
  ascii("0101"),
  ascii("0123"),
  new Uint8Array(4),
  hexToBytes("FFFFFFFF"),
  hexToBytes("7FFFFFFF"),
  new Uint8Array(4),
);
const T05_TAG2 = concatBytes(
  hexToBytes("04110001"),
  ascii("1302"),
  ascii("0037"),
  ascii("67"),
  new Uint8Array(2),
  new Uint8Array(16),
);
/** koha-rfid-3m810-js live capture, tag E004010031269117 blocks 0-7 (memory order). */
const LIVE_BOOK = hexToBytes("04110001 31333032 30393939 39390000 00000000 00000000 00000000 00000000");
const LIVE_CARD = hexToBytes("04110000 32303030 30303030 30303432 00000000 00000000 00000000 00000000");

describe("3M RFID501", () => {
  it("decodes the Biblio-RFID test tags", () => {
    expect(decodeRfid501(T05_TAG1)).toEqual({
      setIndex: 1,
      setTotal: 1,
      itemType: 0,
      itemTypeLabel: "Other",
      barcode: "200901010123",
      branch: 0xfff,
      library: 0xfffff,
      custom: 2147483647,
      anomalies: [],
    });
    expect(decodeRfid501(T05_TAG2)).toMatchObject({
      barcode: "1302003767",
      itemType: 1,
      itemTypeLabel: "Book",
      custom: 0,
    });
  });

  it("re-encodes them byte for byte, as the Perl round-trip test does", () => {
    for (const tag of [T05_TAG1, T05_TAG2]) expect(encodeRfid501({ ...decodeRfid501(tag) })).toEqual(tag);
  });

  it("decodes the live 3M 810 capture", () => {
    expect(decodeRfid501(LIVE_BOOK)).toMatchObject({ barcode: "1302099999", itemTypeLabel: "Book" });
    expect(decodeRfid501(LIVE_CARD)).toMatchObject({ barcode: "200000000042", itemType: 0 });
  });

  it("recognises blanks and reports anomalies without failing", () => {
    expect(isRfid501Blank3M(rfid501Blank3M())).toBe(true);
    expect(isRfid501Blank3M(LIVE_BOOK)).toBe(false);
    expect(isBlankMemory(rfid501Blank())).toBe(true);
    const odd = LIVE_BOOK.slice();
    odd[2] = 0x07;
    odd[31] = 1;
    expect(decodeRfid501(odd).anomalies).toEqual(["byte 2 is 0x7, expected 0x00", "block 7 is not zero"]);
  });

  it("rejects short data, a wrong marker and unencodable input", () => {
    expect(() => decodeRfid501(LIVE_BOOK.subarray(0, 20))).toThrow(expect.objectContaining({ code: "RFID_TAG_DATA" }));
    expect(() => decodeRfid501(rfid501Blank3M())).toThrow(expect.objectContaining({ code: "RFID_TAG_DATA" }));
    for (const bad of [
      { barcode: "" },
      { barcode: "x".repeat(17) },
      { barcode: "1", branch: 0x1000 },
      { barcode: "1", setIndex: 16 },
    ]) {
      expect(() => encodeRfid501(bad)).toThrow(expect.objectContaining({ code: "RFID_ENCODE" }));
    }
  });

  it("round-trips random items", () => {
    const input: fc.Arbitrary<Rfid501Input> = fc.record({
      barcode: fc.string({
        unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)),
        minLength: 1,
        maxLength: 16,
      }),
      setIndex: fc.integer({ min: 0, max: 15 }),
      setTotal: fc.integer({ min: 0, max: 15 }),
      itemType: fc.integer({ min: 0, max: 255 }),
      branch: fc.integer({ min: 0, max: 0xfff }),
      library: fc.integer({ min: 0, max: 0xfffff }),
      custom: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    });
    fc.assert(
      fc.property(input, (i) => {
        expect(decodeRfid501(encodeRfid501(i))).toMatchObject({ ...i, anomalies: [] });
      }),
    );
  });

  it("random bytes decode or fail with RFID_TAG_DATA only", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.boolean(), (b, marker) => {
        if (marker && b.length > 0) b[0] = 0x04;
        try {
          decodeRfid501(b);
        } catch (err) {
          expect(err).toBeInstanceOf(RfidError);
          expect((err as RfidError).code).toBe("RFID_TAG_DATA");
        }
      }),
      { numRuns: 1000 },
    );
  });
});
