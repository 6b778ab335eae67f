import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hexToBytes } from "../../../protocols/rfid/bytes.ts";
import { RfidError } from "../../../protocols/rfid/errors.ts";
import { encodeIso28560_2 } from "../../../protocols/rfid/iso28560-2.ts";
import { rfid501Blank3M } from "../../../protocols/rfid/rfid501.ts";
import {
  decodeTagData,
  detectTagData,
  type EncodableTagDataModel,
  encodeTagData,
  type LibraryItemInput,
} from "../../../protocols/rfid/tag-data.ts";

const DDM = hexToBytes("11010131313232333334340000000000000000513e4445373035000000000000");
const RFID501 = hexToBytes("04110001 31333032 30393939 39390000 00000000 00000000 00000000 00000000");

describe("tag data detection", () => {
  it("trusts a DSFID that names a model", () => {
    expect(detectTagData(0x06, new Uint8Array(32))).toBe("iso28560-2");
    expect(detectTagData(0x3e, RFID501)).toBe("iso28560-3");
  });

  it("falls back to content for DSFID 0 tags", () => {
    expect(detectTagData(0, DDM)).toBe("iso28560-3");
    expect(detectTagData(0, RFID501)).toBe("rfid501");
    expect(detectTagData(0, encodeIso28560_2({ primaryItemId: "123" }))).toBe("iso28560-2");
    expect(detectTagData(0, new Uint8Array(32))).toBe("blank");
    expect(detectTagData(0, rfid501Blank3M())).toBe("blank");
    expect(detectTagData(0, hexToBytes("FFFFFFFF"))).toBe("unknown");
  });

  it("gives the kiosk one view of every model", () => {
    expect(decodeTagData(0, DDM)).toMatchObject({
      model: "iso28560-3",
      itemId: "11223344",
      owner: "DE-705",
      partNumber: 1,
      partsInSet: 1,
      typeOfUsage: 1,
    });
    expect(decodeTagData(0, RFID501)).toMatchObject({
      model: "rfid501",
      itemId: "1302099999",
      partNumber: 1,
      partsInSet: 1,
    });
    expect(decodeTagData(0, new Uint8Array(16))).toEqual({ model: "blank", itemId: "", raw: undefined });
    expect(() => decodeTagData(0x42, hexToBytes("FFFF"))).toThrow(expect.objectContaining({ code: "RFID_TAG_DATA" }));
  });

  it("encodes in each model with its DSFID and reads the same item back", () => {
    const item = fc.record(
      {
        itemId: fc.stringMatching(/^[0-9A-Z]{1,16}$/),
        owner: fc.stringMatching(/^[A-Z]{2}-[0-9]{1,9}$/),
        parts: fc.integer({ min: 1, max: 15 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n }))),
        typeOfUsage: fc.integer({ min: 0, max: 15 }),
      },
      { requiredKeys: ["itemId"] },
    );
    fc.assert(
      fc.property(item, fc.constantFrom<EncodableTagDataModel>("iso28560-2", "iso28560-3", "rfid501"), (i, model) => {
        const input: LibraryItemInput = { itemId: i.itemId };
        if (i.owner) input.owner = i.owner;
        if (i.parts) [input.partsInSet, input.partNumber] = i.parts;
        if (i.typeOfUsage !== undefined) input.typeOfUsage = i.typeOfUsage;
        const { dsfid, memory } = encodeTagData(model, input);
        expect(detectTagData(dsfid, memory)).toBe(model);
        const back = decodeTagData(dsfid, memory);
        expect(back.model).toBe(model);
        expect(back.itemId).toBe(i.itemId);
        if (model !== "rfid501") {
          expect(back.owner).toBe(i.owner);
          if (i.typeOfUsage !== undefined) expect(back.typeOfUsage).toBe(i.typeOfUsage);
        }
        if (i.parts) expect([back.partsInSet, back.partNumber]).toEqual(i.parts);
      }),
      { numRuns: 300 },
    );
  });

  it("random memory with any DSFID decodes or fails with typed errors only", () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 0x06, 0x3e, 0x42), fc.uint8Array({ maxLength: 48 }), (dsfid, bytes) => {
        try {
          decodeTagData(dsfid, bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(RfidError);
          expect(["RFID_TAG_DATA", "RFID_UNSUPPORTED"]).toContain((err as RfidError).code);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
