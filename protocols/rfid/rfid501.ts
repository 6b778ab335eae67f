import { checkInteger, latin1Bytes, latin1Text, trimNul } from "./bytes.ts";
import { RfidError } from "./errors.ts";

/**
 * 3M "RFID 501" alphanumeric tag layout, as documented by Biblio-RFID's RFID501.pm (4-byte blocks):
 *   0    04 is 00 tt   i = this item's number in the set, s = items in set (nibbles), tt = item type
 *   1-4  barcode, 16 bytes, NUL padded
 *   5    branch (12 bits) and library (20 bits), big-endian
 *   6    custom signed 32-bit integer, big-endian
 *   7    zero
 */
export const RFID501_MARKER = 0x04;
export const RFID501_LENGTH = 32;
/** Shortest read that holds barcode and branch/library (Biblio-RFID refuses less). */
export const RFID501_MIN_LENGTH = 24;
const BARCODE = { start: 4, length: 16 } as const;

/** Item types from Biblio-RFID's RFID501.pm table. */
export const RFID501_ITEM_TYPES: Readonly<Record<number, string>> = {
  0: "Other",
  1: "Book",
  2: "Magazine",
  3: "Bound Journal",
  4: "Audio Tape",
  5: "Video",
  6: "CD/CD ROM",
  7: "Diskette",
  8: "Book with Diskette",
  9: "Book with CD/CD ROM",
  13: "Book with Audio Tape",
};

/** A 3M manufacturing blank: six blocks of 0x55 then a zero block. */
export function rfid501Blank3M(): Uint8Array {
  const out = new Uint8Array(28);
  out.fill(0x55, 0, 24);
  return out;
}

/** A generic blank: three zero blocks. */
export function rfid501Blank(): Uint8Array {
  return new Uint8Array(12);
}

/** True for the 3M manufacturing blank pattern (0x55 in blocks 0-5 and zeros after). */
export function isRfid501Blank3M(memory: Uint8Array): boolean {
  if (memory.length < 24) return false;
  for (let i = 0; i < memory.length; i++) if (memory[i] !== (i < 24 ? 0x55 : 0)) return false;
  return true;
}

export interface Rfid501Data {
  /** This item's number within its set (high nibble of byte 1). */
  setIndex: number;
  /** Items in the set (low nibble of byte 1). */
  setTotal: number;
  itemType: number;
  itemTypeLabel: string | undefined;
  barcode: string;
  branch: number;
  library: number;
  custom: number;
  /** Deviations Biblio-RFID also warns about: byte 2 not zero, block 7 not zero. */
  anomalies: string[];
}

/** Decodes an RFID501 tag; throws RFID_TAG_DATA if it is too short or does not start with 0x04. */
export function decodeRfid501(memory: Uint8Array): Rfid501Data {
  if (memory.length < RFID501_MIN_LENGTH) {
    throw new RfidError(
      "RFID_TAG_DATA",
      `RFID501 data needs ${RFID501_MIN_LENGTH} bytes, got ${memory.length}; read 8 blocks`,
      {
        length: memory.length,
        expected: RFID501_MIN_LENGTH,
      },
    );
  }
  if (memory[0] !== RFID501_MARKER) {
    throw new RfidError(
      "RFID_TAG_DATA",
      `RFID501 data starts with 0x04, got 0x${(memory[0] as number).toString(16).padStart(2, "0")}`,
      {
        offset: 0,
        expected: RFID501_MARKER,
        actual: memory[0] as number,
      },
    );
  }
  const view = new DataView(memory.buffer, memory.byteOffset, memory.byteLength);
  const set = memory[1] as number;
  const itemType = memory[3] as number;
  const branchLibrary = view.getUint32(20);
  const anomalies: string[] = [];
  if (memory[2] !== 0) anomalies.push(`byte 2 is 0x${(memory[2] as number).toString(16)}, expected 0x00`);
  if (memory.length >= 32 && view.getUint32(28) !== 0) anomalies.push("block 7 is not zero");
  const barcode = memory.subarray(BARCODE.start, BARCODE.start + BARCODE.length);
  const nul = barcode.indexOf(0);
  return {
    setIndex: set >> 4,
    setTotal: set & 0x0f,
    itemType,
    itemTypeLabel: RFID501_ITEM_TYPES[itemType],
    barcode: latin1Text(nul < 0 ? barcode : barcode.subarray(0, nul)),
    branch: branchLibrary >>> 20,
    library: branchLibrary & 0xfffff,
    custom: memory.length >= 28 ? view.getInt32(24) : 0,
    anomalies,
  };
}

export interface Rfid501Input {
  barcode: string;
  setIndex?: number;
  setTotal?: number;
  itemType?: number;
  branch?: number;
  library?: number;
  custom?: number;
}

/** Encodes the 32-byte (8-block) RFID501 layout. */
export function encodeRfid501(input: Rfid501Input): Uint8Array {
  const barcode = latin1Bytes(input.barcode, "barcode");
  if (barcode.length === 0 || barcode.length > BARCODE.length) {
    throw new RfidError("RFID_ENCODE", `RFID501 barcode must be 1 to 16 bytes, got ${barcode.length}`, {
      field: "barcode",
      length: barcode.length,
    });
  }
  const out = new Uint8Array(RFID501_LENGTH);
  const view = new DataView(out.buffer);
  out[0] = RFID501_MARKER;
  out[1] =
    (checkInteger(input.setIndex ?? 1, 0, 15, "setIndex") << 4) | checkInteger(input.setTotal ?? 1, 0, 15, "setTotal");
  out[3] = checkInteger(input.itemType ?? 1, 0, 255, "itemType");
  out.set(barcode, BARCODE.start);
  const branch = checkInteger(input.branch ?? 0, 0, 0xfff, "branch");
  const library = checkInteger(input.library ?? 0, 0, 0xfffff, "library");
  view.setUint32(20, ((branch << 20) | library) >>> 0);
  view.setInt32(24, checkInteger(input.custom ?? 0, -0x80000000, 0x7fffffff, "custom"));
  return out;
}

/** All-zero memory (after trimming) is a blank tag. */
export function isBlankMemory(memory: Uint8Array): boolean {
  return trimNul(memory).length === 0;
}
