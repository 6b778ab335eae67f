import { ByteReader, checkInteger, latin1Bytes, latin1Text, trimNul } from "./bytes.ts";
import { crc16CcittFalse } from "./crc.ts";
import { RfidError } from "./errors.ts";

/** DSFID announcing ISO 28560-3 (fixed length, derived from the Danish data model). */
export const DSFID_ISO28560_3 = 0x3e;

/**
 * Basic block layout. Byte positions and the CRC rule follow three public decoders that agree:
 * libdanrfid (DDMData.java, CRC.java), a Rust DanishRfidItem and an Arduino ISO 28560-3 sketch.
 * They put the number of parts in byte 1 and this part's number in byte 2.
 */
export const BASIC_BLOCK = {
  length: 34,
  /** 32-byte tags hold a truncated block: the owner library loses its last two characters. */
  truncatedLength: 32,
  versionAndUsage: 0,
  partsInSet: 1,
  partNumber: 2,
  primaryItemId: { start: 3, length: 16 },
  crc: 19,
  country: { start: 21, length: 2 },
  library: { start: 23, length: 11 },
} as const;

export interface ExtensionBlock {
  blockId: number;
  data: Uint8Array;
  /** XOR over the whole block is zero. */
  checksumOk: boolean;
}

export interface Iso28560_3Data {
  /** High nibble of byte 0 (content parameter / data model version; 1 on Danish-model tags). */
  version: number;
  /** Low nibble of byte 0: 0 acquisition, 1 circulating, 2 not for circulation, 7 discarded, 8 patron card, 9 equipment … */
  typeOfUsage: number;
  partsInSet: number;
  partNumber: number;
  primaryItemId: string;
  /** ISO 3166 country of the owner library ("DK"), empty if not set. */
  country: string;
  /** Owner library within the country ("710100"), empty if not set. */
  library: string;
  /** ISIL assembled from country and library ("DK-710100"). */
  ownerInstitution?: string;
  crc: number;
  truncated: boolean;
  /** The reader returned each 4-byte block reversed; the data was reordered to verify the CRC. */
  blocksReversed: boolean;
  extensionBlocks: ExtensionBlock[];
  /** Extension area held bytes that do not form valid blocks (e.g. vendor filler); basic block is still valid. */
  extensionAreaMalformed: boolean;
}

/** CRC-16/CCITT (poly 0x1021, init 0xFFFF) over bytes 0-18 and 21-33, missing bytes counting as zero. */
export function computeIso28560_3Crc(memory: Uint8Array): number {
  const block = new Uint8Array(BASIC_BLOCK.length);
  block.set(memory.subarray(0, BASIC_BLOCK.length));
  const body = new Uint8Array(BASIC_BLOCK.length - 2);
  body.set(block.subarray(0, BASIC_BLOCK.crc));
  body.set(block.subarray(BASIC_BLOCK.crc + 2), BASIC_BLOCK.crc);
  return crc16CcittFalse(body);
}

function storedCrc(memory: Uint8Array): number {
  return (memory[BASIC_BLOCK.crc] as number) | ((memory[BASIC_BLOCK.crc + 1] as number) << 8);
}

/** Copy with each whole 4-byte block reversed; a trailing partial block is kept as read. */
function reverseBlocks(memory: Uint8Array): Uint8Array {
  const out = memory.slice();
  for (let start = 0; start + 4 <= out.length; start += 4) {
    for (let i = 0; i < 4; i++) out[start + i] = memory[start + 3 - i] as number;
  }
  return out;
}

function field(memory: Uint8Array, f: { start: number; length: number }): string {
  return latin1Text(trimNul(memory.subarray(f.start, f.start + f.length)));
}

/** Structured extension blocks: length (whole block), block ID (2 bytes, LSB first), XOR checksum, data; length 0 ends. */
function decodeExtensionBlocks(area: Uint8Array): { blocks: ExtensionBlock[]; malformed: boolean } {
  const blocks: ExtensionBlock[] = [];
  for (let at = 0; at < area.length; ) {
    const length = area[at] as number;
    if (length === 0) return { blocks, malformed: false };
    if (length < 4 || at + length > area.length) return { blocks, malformed: true };
    const block = area.subarray(at, at + length);
    let xor = 0;
    for (const b of block) xor ^= b;
    blocks.push({
      blockId: (block[1] as number) | ((block[2] as number) << 8),
      data: block.slice(4),
      checksumOk: xor === 0,
    });
    at += length;
  }
  return { blocks, malformed: false };
}

export interface Iso28560_3DecodeOptions {
  /** Retry with every 4-byte block reversed when the CRC fails (some readers swap block bytes). Default true. */
  tryReversedBlocks?: boolean;
}

/** Decodes and CRC-checks a basic block (and any extension blocks); throws RFID_TAG_DATA on a bad CRC. */
export function decodeIso28560_3(memory: Uint8Array, options: Iso28560_3DecodeOptions = {}): Iso28560_3Data {
  if (memory.length < BASIC_BLOCK.truncatedLength) {
    throw new RfidError(
      "RFID_TAG_DATA",
      `ISO 28560-3 needs at least ${BASIC_BLOCK.truncatedLength} bytes of user memory, got ${memory.length}; read more blocks`,
      { length: memory.length, expected: BASIC_BLOCK.truncatedLength },
    );
  }
  let bytes = memory;
  let blocksReversed = false;
  if (computeIso28560_3Crc(bytes) !== storedCrc(bytes)) {
    const reversed = reverseBlocks(memory);
    if (options.tryReversedBlocks !== false && computeIso28560_3Crc(reversed) === storedCrc(reversed)) {
      bytes = reversed;
      blocksReversed = true;
    } else {
      const expected = computeIso28560_3Crc(memory);
      throw new RfidError(
        "RFID_TAG_DATA",
        `ISO 28560-3 basic block CRC is 0x${storedCrc(memory).toString(16).padStart(4, "0")}, computed 0x${expected.toString(16).padStart(4, "0")}: not ISO 28560-3 data or a damaged read`,
        { offset: BASIC_BLOCK.crc, expected, actual: storedCrc(memory) },
      );
    }
  }
  const id = bytes.subarray(
    BASIC_BLOCK.primaryItemId.start,
    BASIC_BLOCK.primaryItemId.start + BASIC_BLOCK.primaryItemId.length,
  );
  if (id[0] === 0x01 && trimNul(id).length === 1) {
    throw new RfidError(
      "RFID_UNSUPPORTED",
      "ISO 28560-3 primary item identifier longer than 16 bytes is stored in the library extension block, which this codec does not read",
      { offset: BASIC_BLOCK.primaryItemId.start },
    );
  }
  const r = new ByteReader(bytes, "ISO 28560-3 basic block", "RFID_TAG_DATA");
  const head = r.u8("version and type of usage");
  const country = field(bytes, BASIC_BLOCK.country);
  const library = field(bytes, BASIC_BLOCK.library);
  const truncated = bytes.length < BASIC_BLOCK.length;
  const ext = truncated ? { blocks: [], malformed: false } : decodeExtensionBlocks(bytes.subarray(BASIC_BLOCK.length));
  const data: Iso28560_3Data = {
    version: head >> 4,
    typeOfUsage: head & 0x0f,
    partsInSet: r.u8("parts in set"),
    partNumber: r.u8("part number"),
    primaryItemId: latin1Text(trimNul(id)),
    country,
    library,
    crc: storedCrc(bytes),
    truncated,
    blocksReversed,
    extensionBlocks: ext.blocks,
    extensionAreaMalformed: ext.malformed,
  };
  const owner = country && library ? `${country}-${library}` : country || library;
  if (owner) data.ownerInstitution = owner;
  return data;
}

export interface Iso28560_3Input {
  primaryItemId: string;
  /** Default 1, as written by Danish-model encoders. */
  version?: number;
  /** Default 1 (circulating item). */
  typeOfUsage?: number;
  partsInSet?: number;
  partNumber?: number;
  /** ISIL with a two-letter country prefix ("DK-710100"); the part after the hyphen is the library. */
  ownerInstitution?: string;
  extensionBlocks?: readonly { blockId: number; data: Uint8Array }[];
}

export interface Iso28560_3EncodeOptions {
  /** 32 writes a truncated basic block for 32-byte tags; otherwise the full 34-byte block. */
  capacity?: number;
  /** Pad with zeros to whole blocks of this size (default 4). */
  blockSize?: number;
}

function splitIsil(isil: string, libraryLength: number): { country: string; library: string } {
  const m = /^([A-Za-z]{2})-(.+)$/.exec(isil);
  if (!m) {
    throw new RfidError(
      "RFID_ENCODE",
      `owner institution "${isil}" needs a two-letter country prefix ("DK-710100"); other prefixes belong in the library extension block, which is not supported`,
      { field: "ownerInstitution" },
    );
  }
  const library = m[2] as string;
  if (library.length > libraryLength) {
    throw new RfidError(
      "RFID_ENCODE",
      `owner library "${library}" is longer than the ${libraryLength} bytes the basic block holds`,
      {
        field: "ownerInstitution",
        length: library.length,
      },
    );
  }
  return { country: m[1] as string, library };
}

/** Encodes a basic block with its CRC (and optional extension blocks), zero-padded to whole blocks. */
export function encodeIso28560_3(input: Iso28560_3Input, options: Iso28560_3EncodeOptions = {}): Uint8Array {
  const truncated = options.capacity !== undefined && options.capacity < BASIC_BLOCK.length;
  if (options.capacity !== undefined && options.capacity < BASIC_BLOCK.truncatedLength) {
    throw new RfidError(
      "RFID_ENCODE",
      `ISO 28560-3 needs at least 32 bytes of tag memory, the tag has ${options.capacity}`,
      {
        expected: BASIC_BLOCK.truncatedLength,
      },
    );
  }
  const id = latin1Bytes(input.primaryItemId, "primaryItemId");
  if (id.length === 0 || id.length > BASIC_BLOCK.primaryItemId.length) {
    throw new RfidError("RFID_ENCODE", `primary item identifier must be 1 to 16 bytes, got ${id.length}`, {
      field: "primaryItemId",
      length: id.length,
    });
  }
  if (id.length === 1 && id[0] === 0x01) {
    throw new RfidError(
      "RFID_ENCODE",
      "primary item identifier 0x01 is reserved to mean 'stored in the extension block'",
      {
        field: "primaryItemId",
      },
    );
  }
  const libraryLength = truncated
    ? BASIC_BLOCK.truncatedLength - BASIC_BLOCK.library.start
    : BASIC_BLOCK.library.length;
  const owner =
    input.ownerInstitution === undefined
      ? { country: "", library: "" }
      : splitIsil(input.ownerInstitution, libraryLength);
  const extensions = (input.extensionBlocks ?? []).map((b) => {
    checkInteger(b.blockId, 0, 0xffff, "extension blockId");
    const block = new Uint8Array(4 + b.data.length);
    if (block.length > 0xff)
      throw new RfidError("RFID_ENCODE", `extension block ${b.blockId} exceeds 255 bytes`, { length: block.length });
    block[0] = block.length;
    block[1] = b.blockId & 0xff;
    block[2] = b.blockId >> 8;
    block.set(b.data, 4);
    block[3] = block.reduce((x, v) => x ^ v, 0);
    return block;
  });
  if (truncated && extensions.length > 0) {
    throw new RfidError("RFID_ENCODE", "a 32-byte tag has no room for extension blocks", { field: "extensionBlocks" });
  }
  const used =
    (truncated ? BASIC_BLOCK.truncatedLength : BASIC_BLOCK.length) + extensions.reduce((n, b) => n + b.length, 0);
  if (options.capacity !== undefined && used > options.capacity) {
    throw new RfidError("RFID_ENCODE", `ISO 28560-3 data needs ${used} bytes but the tag holds ${options.capacity}`, {
      length: used,
      expected: options.capacity,
    });
  }
  const blockSize = checkInteger(options.blockSize ?? 4, 1, 32, "blockSize");
  const out = new Uint8Array(Math.ceil(used / blockSize) * blockSize);
  out[0] =
    (checkInteger(input.version ?? 1, 0, 15, "version") << 4) |
    checkInteger(input.typeOfUsage ?? 1, 0, 15, "typeOfUsage");
  out[BASIC_BLOCK.partsInSet] = checkInteger(input.partsInSet ?? 1, 0, 255, "partsInSet");
  out[BASIC_BLOCK.partNumber] = checkInteger(input.partNumber ?? 1, 0, 255, "partNumber");
  out.set(id, BASIC_BLOCK.primaryItemId.start);
  out.set(latin1Bytes(owner.country, "country"), BASIC_BLOCK.country.start);
  out.set(latin1Bytes(owner.library, "library"), BASIC_BLOCK.library.start);
  let at = BASIC_BLOCK.length;
  for (const b of extensions) {
    out.set(b, at);
    at += b.length;
  }
  const crc = computeIso28560_3Crc(out.subarray(0, truncated ? BASIC_BLOCK.truncatedLength : BASIC_BLOCK.length));
  out[BASIC_BLOCK.crc] = crc & 0xff;
  out[BASIC_BLOCK.crc + 1] = crc >> 8;
  return out;
}
