import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RfidError } from "../../../protocols/rfid/errors.ts";
import {
  createTagMemory,
  ISO15693_COMMAND,
  isIso15693Uid,
  lockTagBlock,
  lockTagField,
  NXP_EAS_COMMAND,
  normalizeUid,
  readTagBlocks,
  setTagEas,
  tagUserData,
  uidFromBytes,
  uidManufacturer,
  uidToBytes,
  writeTagAfi,
  writeTagBlocks,
  writeTagDsfid,
} from "../../../protocols/rfid/iso15693.ts";

const UID = "E00401003123AA26";

function ok<T>(result: { ok: true; value: T } | { ok: false; error: number }): T {
  if (!result.ok) throw new Error(`tag error 0x${result.error.toString(16)}`);
  return result.value;
}

describe("ISO 15693 command set", () => {
  it("has the ISO 15693-3 and NXP EAS command codes", () => {
    expect(ISO15693_COMMAND).toMatchObject({
      inventory: 0x01,
      readSingleBlock: 0x20,
      writeSingleBlock: 0x21,
      lockBlock: 0x22,
      readMultipleBlocks: 0x23,
      writeMultipleBlocks: 0x24,
      writeAfi: 0x27,
      lockAfi: 0x28,
      writeDsfid: 0x29,
      lockDsfid: 0x2a,
      getSystemInformation: 0x2b,
      getMultipleBlockSecurityStatus: 0x2c,
    });
    expect(NXP_EAS_COMMAND).toEqual({ setEas: 0xa2, resetEas: 0xa3, lockEas: 0xa4, easAlarm: 0xa5 });
  });
});

describe("UIDs", () => {
  it("read MSB-first (3M/FEIG host order) and LSB-first (air order) bytes to one canonical form", () => {
    const msb = Uint8Array.of(0xe0, 0x04, 0x01, 0x00, 0x31, 0x23, 0xaa, 0x26);
    expect(uidFromBytes(msb)).toBe(UID);
    expect(uidFromBytes(msb.slice().reverse(), "lsb-first")).toBe(UID);
    expect(uidToBytes(UID, "lsb-first")).toEqual(msb.slice().reverse());
    expect(normalizeUid("e0:04:01:00:31:23:aa:26")).toBe(UID);
  });

  it("names the IC manufacturer", () => {
    expect(uidManufacturer(UID)).toEqual({ code: 0x04, name: "NXP Semiconductors" });
    expect(uidManufacturer("E007000012345678").name).toBe("Texas Instruments");
    expect(uidManufacturer("E0FF000012345678").name).toBeUndefined();
    expect(isIso15693Uid(UID)).toBe(true);
    expect(isIso15693Uid("A00401003123AA26")).toBe(false);
  });

  it("rejects malformed UIDs with typed errors", () => {
    expect(() => uidToBytes("E0040100")).toThrow(expect.objectContaining({ code: "RFID_ENCODE" }));
    expect(() => uidFromBytes(Uint8Array.of(1, 2))).toThrow(RfidError);
  });

  it("round-trip any 8 bytes in both orders", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.constantFrom("msb-first", "lsb-first" as const),
        (b, order) => {
          expect(uidToBytes(uidFromBytes(b, order), order)).toEqual(b);
        },
      ),
    );
  });
});

describe("TagMemory", () => {
  it("creates ICODE SLIX geometry and holds initial data", () => {
    const tag = createTagMemory({ uid: UID, data: Uint8Array.of(1, 2, 3, 4, 5) });
    expect(tag.blocks).toHaveLength(28);
    expect(tag.blockSize).toBe(4);
    expect(tagUserData(tag).subarray(0, 8)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 0, 0, 0));
    expect(() => createTagMemory({ uid: UID, blockCount: 2, data: new Uint8Array(9) })).toThrow(
      expect.objectContaining({ code: "RFID_ENCODE" }),
    );
  });

  it("writes, reads and refuses what a real tag refuses", () => {
    let tag = createTagMemory({ uid: UID, blockCount: 8 });
    tag = ok(writeTagBlocks(tag, 1, Uint8Array.of(9, 9, 9, 9, 8, 8, 8, 8)));
    expect(ok(readTagBlocks(tag, 1, 2))).toEqual([Uint8Array.of(9, 9, 9, 9), Uint8Array.of(8, 8, 8, 8)]);
    expect(readTagBlocks(tag, 7, 2)).toEqual({ ok: false, error: 0x10 });
    expect(writeTagBlocks(tag, 0, Uint8Array.of(1, 2, 3))).toEqual({ ok: false, error: 0x02 });
    tag = ok(lockTagBlock(tag, 2));
    expect(lockTagBlock(tag, 2)).toEqual({ ok: false, error: 0x11 });
    expect(writeTagBlocks(tag, 2, new Uint8Array(4))).toEqual({ ok: false, error: 0x12 });
    expect(ok(readTagBlocks(tag, 2, 1))[0]).toEqual(Uint8Array.of(8, 8, 8, 8));
  });

  it("writes and locks AFI, DSFID and EAS", () => {
    let tag = createTagMemory({ uid: UID });
    tag = ok(writeTagAfi(tag, 0x07));
    tag = ok(writeTagDsfid(tag, 0x06));
    tag = ok(setTagEas(tag, true));
    expect([tag.afi, tag.dsfid, tag.eas]).toEqual([0x07, 0x06, true]);
    tag = ok(lockTagField(tag, "afi"));
    expect(writeTagAfi(tag, 0xc2)).toEqual({ ok: false, error: 0x12 });
    expect(lockTagField(tag, "afi")).toEqual({ ok: false, error: 0x11 });
    tag = ok(lockTagField(tag, "eas"));
    expect(setTagEas(tag, false)).toEqual({ ok: false, error: 0x12 });
    expect(ok(writeTagDsfid(tag, 0x3e)).dsfid).toBe(0x3e);
  });

  it("reads back what was written, anywhere in memory", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 27 }), fc.uint8Array({ minLength: 1, maxLength: 8 }), (first, blocks) => {
        const tag = createTagMemory({ uid: UID });
        const data = new Uint8Array(Math.min(blocks.length, 28 - first) * 4).map(
          (_, i) => blocks[i % blocks.length] as number,
        );
        const written = ok(writeTagBlocks(tag, first, data));
        const read = ok(readTagBlocks(written, first, data.length / 4));
        expect(Uint8Array.from(read.flatMap((b) => [...b]))).toEqual(data);
        expect(tagUserData(tag).every((b) => b === 0)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
