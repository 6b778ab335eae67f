import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../../protocols/rfid/bytes.ts";
import {
  COMPACTION_CODE,
  compactIsil,
  compactText,
  expandIsil,
  expandText,
  mostCompact,
  TEXT_COMPACTIONS,
  type TextCompaction,
} from "../../../protocols/rfid/compaction.ts";
import { RfidError } from "../../../protocols/rfid/errors.ts";

/** Goldens from an independent Python implementation of the same rules (goldens/iso28560_2.py). */
const GOLDEN: [TextCompaction, string, string][] = [
  ["integer", "30001000000010", "1B4926F2AA0A"],
  ["numeric", "0012345", "98C6B9"],
  ["bits5", "ABC", "0886"],
  ["bits5", "HELLO_WORLD", "4158C7FEEF9308"],
  ["bits6", "AB-12/X", "042B71CAF600"],
  ["bits6", "TITLE WITH SPACE", "50950C1605C95088134010C5"],
  ["bits7", "Der Zauberberg", "8997920B587AE2CBCB165E59C0"],
  ["octet", "Müller", "4DFC6C6C6572"],
  ["utf8", "Žižek", "C5BD69C5BE656B"],
];

const chars = (set: string) => fc.constantFrom(...set);
const UPPER5 = "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_";
const SIX = `${UPPER5} ()*+,-./0123456789:;<=>?\x04\x1c\x1f`;
const ARBITRARY_TEXT: Record<TextCompaction, fc.Arbitrary<string>> = {
  integer: fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String),
  numeric: fc.string({ unit: chars("0123456789"), minLength: 1, maxLength: 30 }),
  bits5: fc.string({ unit: chars(UPPER5), minLength: 1, maxLength: 30 }),
  bits6: fc.string({ unit: chars(SIX), minLength: 1, maxLength: 30 }),
  bits7: fc.string({
    unit: fc.integer({ min: 1, max: 127 }).map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: 30,
  }),
  octet: fc.string({
    unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: 30,
  }),
  utf8: fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }),
};

describe("ISO/IEC 15962 compaction", () => {
  it("uses the 3-bit codes of the precursor", () => {
    expect(COMPACTION_CODE).toEqual({
      application: 0,
      integer: 1,
      numeric: 2,
      bits5: 3,
      bits6: 4,
      bits7: 5,
      octet: 6,
      utf8: 7,
    });
  });

  it.each(GOLDEN)("%s compaction of %j gives %s", (scheme, text, hex) => {
    expect(bytesToHex(compactText(scheme, text))).toBe(hex);
    expect(expandText(scheme, hexToBytes(hex))).toBe(text);
  });

  it("refuses text outside a scheme's repertoire with RFID_ENCODE", () => {
    for (const [scheme, text] of [
      ["integer", "007"],
      ["numeric", "12a"],
      ["bits5", "abc"],
      ["bits6", "a"],
      ["bits7", "é"],
      ["octet", "€"],
      ["utf8", "\ud800"],
      ["bits6", "ABC@"],
    ] as [TextCompaction, string][]) {
      expect(() => compactText(scheme, text)).toThrow(expect.objectContaining({ code: "RFID_ENCODE" }));
    }
  });

  it("keeps a trailing '@' where it is not mistaken for padding", () => {
    expect(expandText("bits6", compactText("bits6", "AB@C@"))).toBe("AB@C@");
    expect(bytesToHex(compactText("bits6", "AB@C@"))).toBe("04200300");
    expect(expandText("bits5", compactText("bits5", "A@"))).toBe("A@");
  });

  it("picks the most compact scheme", () => {
    expect(mostCompact("30001000000010").scheme).toBe("integer");
    expect(mostCompact("0012").scheme).toBe("numeric");
    expect(mostCompact("ABC").scheme).toBe("bits5");
    expect(mostCompact("AB-12").scheme).toBe("bits6");
    expect(mostCompact("Der Zauberberg").scheme).toBe("bits7");
    expect(mostCompact("Müller").scheme).toBe("octet");
    expect(mostCompact("Žižek").scheme).toBe("utf8");
    expect(() => mostCompact("abc", ["integer", "bits5"])).toThrow(expect.objectContaining({ code: "RFID_ENCODE" }));
  });

  it("round-trips random text in every scheme", () => {
    for (const scheme of TEXT_COMPACTIONS) {
      fc.assert(
        fc.property(ARBITRARY_TEXT[scheme], (text) => {
          let bytes: Uint8Array;
          try {
            bytes = compactText(scheme, text);
          } catch (err) {
            // Only the documented padding ambiguity (a final zero symbol inside the last byte) may refuse.
            expect(err).toBeInstanceOf(RfidError);
            expect(text.endsWith("@")).toBe(true);
            return;
          }
          expect(expandText(scheme, bytes)).toBe(text);
        }),
        { numRuns: 200 },
      );
    }
  });

  it("random bytes expand to text or a typed error, never anything else", () => {
    fc.assert(
      fc.property(fc.constantFrom(...TEXT_COMPACTIONS), fc.uint8Array({ maxLength: 40 }), (scheme, bytes) => {
        try {
          expect(typeof expandText(scheme, bytes)).toBe("string");
        } catch (err) {
          expect(err).toBeInstanceOf(RfidError);
          expect((err as RfidError).code).toBe("RFID_TAG_DATA");
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("ISIL compaction", () => {
  it("matches the independently computed encodings", () => {
    expect(bytesToHex(compactIsil("DK-710100"))).toBe("22C1E710100F");
    expect(bytesToHex(compactIsil("FI-He"))).toBe("32408E97");
    expect(expandIsil(hexToBytes("22C1E710100F"))).toBe("DK-710100");
    expect(expandIsil(hexToBytes("32408E97"))).toBe("FI-He");
  });

  it("round-trips any ISIL-character string", () => {
    const isil = fc.string({
      unit: chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-:/"),
      minLength: 1,
      maxLength: 16,
    });
    fc.assert(
      fc.property(isil, (text) => {
        expect(expandIsil(compactIsil(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it("expands random bytes without throwing (every bit pattern is a symbol)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        expect(expandIsil(bytes)).toMatch(/^[A-Za-z0-9:/-]*$/);
      }),
    );
  });

  it("refuses characters outside the ISIL repertoire", () => {
    expect(() => compactIsil("DK_1")).toThrow(expect.objectContaining({ code: "RFID_ENCODE" }));
    expect(() => compactIsil("")).toThrow(RfidError);
  });
});
