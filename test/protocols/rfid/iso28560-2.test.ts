import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../../protocols/rfid/bytes.ts";
import { RfidError } from "../../../protocols/rfid/errors.ts";
import {
  DSFID_ISO28560_2,
  decodeIso28560_2,
  encodeIso28560_2,
  ISO28560_ELEMENTS,
  type Iso28560_2Input,
  OID,
} from "../../../protocols/rfid/iso28560-2.ts";

/** Tags built by an independent Python implementation of the data-set rules (goldens/iso28560_2.py). */
const TAG_A = "11061B4926F2AA0A030622C1E710100F1401150501105F020D8997920B587AE2CBCB165E59C00000";
const TAG_B = "A1020398C6B900006F1903010203460306DC7200AABB";
const TAG_C = "41073090ADC30C3160020280027F0207C5BD69C5BE656B00";

function expectTagDataError(fn: () => unknown): RfidError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RfidError);
    expect((err as RfidError).code).toBe("RFID_TAG_DATA");
    return err as RfidError;
  }
  throw new Error("expected RFID_TAG_DATA");
}

describe("ISO 28560-2", () => {
  it("uses DSFID 0x06 and names relative OIDs 1-26", () => {
    expect(DSFID_ISO28560_2).toBe(0x06);
    expect(ISO28560_ELEMENTS).toHaveLength(26);
    expect(OID).toMatchObject({
      primaryItemId: 1,
      contentParameter: 2,
      ownerInstitution: 3,
      setInformation: 4,
      typeOfUsage: 5,
      shelfLocation: 6,
      title: 17,
      localDataC: 26,
    });
  });

  it("decodes a tag with integer id, ISIL owner, set information, type of usage and a 7-bit title", () => {
    const data = decodeIso28560_2(hexToBytes(TAG_A));
    expect(data).toMatchObject({
      primaryItemId: "30001000000010",
      ownerInstitution: "DK-710100",
      setInformation: { partsInSet: 2, partNumber: 1 },
      typeOfUsage: { class: 1, subclass: 0 },
      title: "Der Zauberberg",
    });
    expect(data.elements.map((e) => [e.oid, e.compaction, e.offset])).toEqual([
      [1, "integer", 0],
      [3, "application", 8],
      [4, "integer", 16],
      [5, "application", 19],
      [17, "bits7", 22],
    ]);
  });

  it("skips offset padding, keeps unknown OIDs raw and stops at the terminator", () => {
    const data = decodeIso28560_2(hexToBytes(TAG_B));
    expect(data.primaryItemId).toBe("0012345");
    expect(data.shelfLocation).toBe("A-12");
    const unknown = data.elements.find((e) => e.oid === 40);
    expect(unknown).toMatchObject({ key: undefined, compaction: "octet", text: "\x01\x02\x03" });
    expect(bytesToHex(unknown?.raw ?? new Uint8Array())).toBe("010203");
    expect(data.elements).toHaveLength(3);
  });

  it("decodes the content parameter bit map and UTF-8 text", () => {
    const data = decodeIso28560_2(hexToBytes(TAG_C));
    expect(data.primaryItemId).toBe("LIB-0001X");
    expect(data.contentParameter).toEqual([3, 17]);
    expect(data.title).toBe("Žižek");
  });

  it("encodes to exactly the independently computed bytes", () => {
    const a = encodeIso28560_2({
      primaryItemId: "30001000000010",
      ownerInstitution: "DK-710100",
      setInformation: { partsInSet: 2, partNumber: 1 },
      typeOfUsage: { class: 1, subclass: 0 },
      title: "Der Zauberberg",
    });
    expect(bytesToHex(a)).toBe(TAG_A);
  });

  it("writes a content parameter right after the identifier", () => {
    const bytes = encodeIso28560_2(
      { primaryItemId: "LIB-0001X", title: "Žižek", contentParameter: [3, 17] },
      { blockSize: 1 },
    );
    expect(bytesToHex(bytes)).toBe(TAG_C);
    const announced = encodeIso28560_2({
      primaryItemId: "LIB-0001X",
      ownerInstitution: "DK-1",
      title: "Žižek",
      contentParameter: true,
    });
    expect(decodeIso28560_2(announced).contentParameter).toEqual([3, 17]);
  });

  it("refuses bad tag data with RFID_TAG_DATA and the offset", () => {
    expect(expectTagDataError(() => decodeIso28560_2(new Uint8Array(8))).message).toMatch(/no data sets/);
    expect(expectTagDataError(() => decodeIso28560_2(hexToBytes("6601410000"))).message).toMatch(/OID 6/);
    expect(expectTagDataError(() => decodeIso28560_2(hexToBytes("1105AABB"))).details.offset).toBeGreaterThan(0);
    expectTagDataError(() => decodeIso28560_2(hexToBytes("10")));
    expectTagDataError(() => decodeIso28560_2(hexToBytes("2101F0")));
    expectTagDataError(() => decodeIso28560_2(hexToBytes("01018000")));
  });

  it("refuses input it cannot encode with RFID_ENCODE", () => {
    const bad: Iso28560_2Input[] = [
      { primaryItemId: "" },
      { primaryItemId: "1", ownerInstitution: "DK 1" },
      { primaryItemId: "1", setInformation: { partsInSet: 2, partNumber: 3 } },
      { primaryItemId: "1", typeOfUsage: { class: 16, subclass: 0 } },
      { primaryItemId: "1", extra: [{ oid: 1, compaction: "octet", data: Uint8Array.of(1) }] },
    ];
    for (const input of bad)
      expect(() => encodeIso28560_2(input)).toThrow(expect.objectContaining({ code: "RFID_ENCODE" }));
    expect(() =>
      encodeIso28560_2({ primaryItemId: "30001000000010", title: "x".repeat(40) }, { capacity: 32 }),
    ).toThrow(expect.objectContaining({ code: "RFID_ENCODE" }));
  });

  const text = (unit: fc.Arbitrary<string>, max: number) => fc.string({ unit, minLength: 1, maxLength: max });
  const isilChar = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-:/");
  const itemInput: fc.Arbitrary<Iso28560_2Input> = fc
    .record(
      {
        primaryItemId: fc.oneof(
          fc.stringMatching(/^[0-9]{1,20}$/),
          text(fc.constantFrom(..."ABCXYZ0123456789-/."), 16),
          text(fc.constantFrom(..."aéßØ€中1"), 12),
        ),
        ownerInstitution: fc
          .tuple(fc.stringMatching(/^[A-Z]{2}$/), text(isilChar, 12))
          .map(([cc, rest]) => `${cc}-${rest}`),
        setInformation: fc
          .integer({ min: 1, max: 255 })
          .chain((partsInSet) =>
            fc.record({ partsInSet: fc.constant(partsInSet), partNumber: fc.integer({ min: 1, max: partsInSet }) }),
          ),
        typeOfUsage: fc.record({ class: fc.integer({ min: 0, max: 15 }), subclass: fc.integer({ min: 0, max: 15 }) }),
        shelfLocation: text(fc.constantFrom(..."ABC 123-./"), 10),
        title: fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }),
        contentParameter: fc.boolean(),
      },
      { requiredKeys: ["primaryItemId"] },
    )
    .map((r) => r as Iso28560_2Input);

  it("round-trips random item data, including non-ASCII identifiers and titles", () => {
    fc.assert(
      fc.property(itemInput, (input) => {
        const data = decodeIso28560_2(encodeIso28560_2(input));
        expect(data.primaryItemId).toBe(input.primaryItemId);
        expect(data.ownerInstitution).toBe(input.ownerInstitution);
        expect(data.setInformation).toEqual(input.setInformation);
        expect(data.typeOfUsage).toEqual(input.typeOfUsage);
        expect(data.shelfLocation).toBe(input.shelfLocation);
        expect(data.title).toBe(input.title);
        if (input.contentParameter) {
          const written = data.elements.map((e) => e.oid).filter((oid) => oid >= 3);
          expect(data.contentParameter ?? []).toEqual(written);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("random and mutated memory decode or fail with RFID_TAG_DATA only", () => {
    const check = (bytes: Uint8Array) => {
      try {
        decodeIso28560_2(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(RfidError);
        expect((err as RfidError).code).toBe("RFID_TAG_DATA");
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => check(b)),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(
        itemInput,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (input, flips) => {
          const bytes = encodeIso28560_2(input);
          for (const [at, v] of flips) bytes[at % bytes.length] = v;
          check(bytes);
        },
      ),
      { numRuns: 500 },
    );
  });
});
