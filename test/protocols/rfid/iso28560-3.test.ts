import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../../protocols/rfid/bytes.ts";
import { RfidError } from "../../../protocols/rfid/errors.ts";
import {
  computeIso28560_3Crc,
  DSFID_ISO28560_3,
  decodeIso28560_3,
  encodeIso28560_3,
  type Iso28560_3Input,
} from "../../../protocols/rfid/iso28560-3.ts";

/** libdanrfid DDMDataTest.java: barcode 11223344, DE/705, CRC 0x3E51 (32-byte tag). */
const LIBDANRFID = "11010131313232333334340000000000000000513e4445373035000000000000";
/** Rust DanishRfidItem test: patron card 2935000003649, RU/293, CRC bytes 87 93 (byte 0 written as 0x81). */
const RUST = "810101323933353030303030333634390000008793525532393300000000000000000000";

function reverse4(hex: string): Uint8Array {
  const b = hexToBytes(hex);
  for (let i = 0; i + 4 <= b.length; i += 4) b.subarray(i, i + 4).reverse();
  return b;
}

describe("ISO 28560-3", () => {
  it("uses DSFID 0x3E", () => expect(DSFID_ISO28560_3).toBe(0x3e));

  it("decodes the libdanrfid test tag and verifies its CRC", () => {
    expect(decodeIso28560_3(hexToBytes(LIBDANRFID))).toMatchObject({
      version: 1,
      typeOfUsage: 1,
      partsInSet: 1,
      partNumber: 1,
      primaryItemId: "11223344",
      country: "DE",
      library: "705",
      ownerInstitution: "DE-705",
      crc: 0x3e51,
      truncated: true,
      blocksReversed: false,
    });
  });

  it("decodes the Rust decoder's full 34-byte block (nibbles kept as stored)", () => {
    const data = decodeIso28560_3(hexToBytes(RUST));
    expect(data).toMatchObject({
      primaryItemId: "2935000003649",
      ownerInstitution: "RU-293",
      crc: 0x9387,
      truncated: false,
    });
    expect([data.version, data.typeOfUsage]).toEqual([8, 1]);
    expect(computeIso28560_3Crc(hexToBytes(RUST))).toBe(0x9387);
  });

  it("recovers tags read with byte-reversed blocks", () => {
    const data = decodeIso28560_3(reverse4(LIBDANRFID));
    expect(data.blocksReversed).toBe(true);
    expect(data.primaryItemId).toBe("11223344");
    expect(() => decodeIso28560_3(reverse4(LIBDANRFID), { tryReversedBlocks: false })).toThrow(
      expect.objectContaining({ code: "RFID_TAG_DATA" }),
    );
  });

  it("encodes the libdanrfid tag byte for byte", () => {
    const bytes = encodeIso28560_3({ primaryItemId: "11223344", ownerInstitution: "DE-705" }, { capacity: 32 });
    expect(bytesToHex(bytes)).toBe(LIBDANRFID.toUpperCase());
  });

  it("rejects a damaged CRC, short memory and a long-id pointer with typed errors", () => {
    const damaged = hexToBytes(LIBDANRFID);
    damaged[5] = (damaged[5] as number) ^ 0x01;
    try {
      decodeIso28560_3(damaged);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RfidError);
      expect((err as RfidError).code).toBe("RFID_TAG_DATA");
      expect((err as RfidError).details.offset).toBe(19);
    }
    expect(() => decodeIso28560_3(new Uint8Array(20))).toThrow(expect.objectContaining({ code: "RFID_TAG_DATA" }));
    const pointer = new Uint8Array(34);
    pointer.set([0x11, 1, 1, 0x01]);
    const crc = computeIso28560_3Crc(pointer);
    pointer[19] = crc & 0xff;
    pointer[20] = crc >> 8;
    expect(() => decodeIso28560_3(pointer)).toThrow(expect.objectContaining({ code: "RFID_UNSUPPORTED" }));
  });

  it("refuses what the basic block cannot hold", () => {
    const bad: [Iso28560_3Input, { capacity?: number }][] = [
      [{ primaryItemId: "12345678901234567" }, {}],
      [{ primaryItemId: "" }, {}],
      [{ primaryItemId: "Žižek" }, {}],
      [{ primaryItemId: "1", ownerInstitution: "ZDB-1" }, {}],
      [{ primaryItemId: "1", ownerInstitution: "DK-12345678901" }, { capacity: 32 }],
      [{ primaryItemId: "1", typeOfUsage: 16 }, {}],
      [{ primaryItemId: "1", extensionBlocks: [{ blockId: 1, data: new Uint8Array(4) }] }, { capacity: 32 }],
    ];
    for (const [input, options] of bad) {
      expect(() => encodeIso28560_3(input, options)).toThrow(expect.objectContaining({ code: "RFID_ENCODE" }));
    }
  });

  it("round-trips extension blocks with their XOR checksum", () => {
    const bytes = encodeIso28560_3({
      primaryItemId: "1",
      extensionBlocks: [
        { blockId: 2, data: Uint8Array.of(1, 2, 3) },
        { blockId: 0x0104, data: new TextEncoder().encode("Title") },
      ],
    });
    const data = decodeIso28560_3(bytes);
    expect(data.extensionBlocks.map((b) => [b.blockId, bytesToHex(b.data), b.checksumOk])).toEqual([
      [2, "010203", true],
      [0x0104, "5469746C65", true],
    ]);
    expect(data.extensionAreaMalformed).toBe(false);
    const garbage = new Uint8Array(40);
    garbage.set(bytes.subarray(0, 34));
    garbage.fill(0x55, 34);
    expect(decodeIso28560_3(garbage).extensionAreaMalformed).toBe(true);
  });

  const latin1 = fc.string({
    unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: 16,
  });
  const input: fc.Arbitrary<Iso28560_3Input> = fc.record({
    primaryItemId: latin1.filter((s) => s !== "\x01"),
    version: fc.integer({ min: 0, max: 15 }),
    typeOfUsage: fc.integer({ min: 0, max: 15 }),
    partsInSet: fc.integer({ min: 0, max: 255 }),
    partNumber: fc.integer({ min: 0, max: 255 }),
    ownerInstitution: fc
      .tuple(fc.stringMatching(/^[A-Z]{2}$/), fc.stringMatching(/^[A-Za-z0-9:/-]{1,11}$/))
      .map(([c, l]) => `${c}-${l}`),
  });

  it("round-trips random basic blocks, including Latin-1 identifiers", () => {
    fc.assert(
      fc.property(input, (i) => {
        const d = decodeIso28560_3(encodeIso28560_3(i));
        expect(d).toMatchObject({
          primaryItemId: i.primaryItemId,
          version: i.version,
          typeOfUsage: i.typeOfUsage,
          partsInSet: i.partsInSet,
          partNumber: i.partNumber,
          ownerInstitution: i.ownerInstitution,
          blocksReversed: false,
        });
      }),
      { numRuns: 300 },
    );
  });

  it("random and mutated memory decode or fail with typed errors only", () => {
    const check = (bytes: Uint8Array) => {
      try {
        decodeIso28560_3(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(RfidError);
        expect(["RFID_TAG_DATA", "RFID_UNSUPPORTED"]).toContain((err as RfidError).code);
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => check(b)),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(input, fc.nat(), fc.integer({ min: 1, max: 255 }), (i, at, x) => {
        const bytes = encodeIso28560_3(i);
        bytes[at % 34] = (bytes[at % 34] as number) ^ x;
        expect(() => decodeIso28560_3(bytes, { tryReversedBlocks: false })).toThrow(RfidError);
      }),
      { numRuns: 300 },
    );
  });
});
