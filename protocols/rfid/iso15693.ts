import { bytesToHex, checkInteger, concatBytes, hexToBytes } from "./bytes.ts";
import { RfidError } from "./errors.ts";

/** ISO/IEC 15693-3 command codes (mandatory and optional set). */
export const ISO15693_COMMAND = {
  inventory: 0x01,
  stayQuiet: 0x02,
  readSingleBlock: 0x20,
  writeSingleBlock: 0x21,
  lockBlock: 0x22,
  readMultipleBlocks: 0x23,
  writeMultipleBlocks: 0x24,
  select: 0x25,
  resetToReady: 0x26,
  writeAfi: 0x27,
  lockAfi: 0x28,
  writeDsfid: 0x29,
  lockDsfid: 0x2a,
  getSystemInformation: 0x2b,
  getMultipleBlockSecurityStatus: 0x2c,
} as const;
export type Iso15693Command = keyof typeof ISO15693_COMMAND;

/** NXP ICODE SLI/SLIX custom commands for the EAS bit (manufacturer code 0x04). */
export const NXP_EAS_COMMAND = { setEas: 0xa2, resetEas: 0xa3, lockEas: 0xa4, easAlarm: 0xa5 } as const;
export type NxpEasCommand = keyof typeof NXP_EAS_COMMAND;

/** ISO/IEC 15693-3 response error codes (error flag set). */
export const ISO15693_ERROR = {
  1: "command not supported",
  2: "command not recognised (format error)",
  3: "option not supported",
  15: "unknown error",
  16: "block not available",
  17: "block already locked",
  18: "block locked, content cannot change",
  19: "block programming failed",
  20: "block lock failed",
} as const satisfies Record<number, string>;
export type Iso15693ErrorCode = keyof typeof ISO15693_ERROR;

/** IC manufacturer codes (ISO/IEC 7816-6), the second byte of a UID; list as in FEIG's [0xB1] MFR table. */
export const IC_MANUFACTURERS: Readonly<Record<number, string>> = {
  2: "STMicroelectronics",
  4: "NXP Semiconductors",
  5: "Infineon Technologies",
  7: "Texas Instruments",
  8: "Fujitsu",
  22: "EM Microelectronic",
  23: "KSW Microtec",
};

export const UID_LENGTH = 8;
/** Every ISO 15693 UID starts with 0xE0 in its most significant byte. */
export const UID_PREFIX = 0xe0;

/**
 * Byte order of a UID on a wire. On the air interface ISO 15693 sends the least significant byte
 * first; the 3M 810 and FEIG host protocols present it most significant byte first (E0 04 ...).
 */
export type UidOrder = "msb-first" | "lsb-first";

/** Normalised UID: 16 uppercase hex digits, most significant byte first ("E004010031269117"). */
export type Uid = string;

/** Reads a UID from wire bytes in the given order. */
export function uidFromBytes(bytes: Uint8Array, order: UidOrder = "msb-first"): Uid {
  if (bytes.length !== UID_LENGTH) {
    throw new RfidError("RFID_BAD_RESPONSE", `a UID is ${UID_LENGTH} bytes, got ${bytes.length}`, {
      length: bytes.length,
    });
  }
  return bytesToHex(order === "msb-first" ? bytes : bytes.slice().reverse());
}

/** Writes a UID as wire bytes in the given order; throws RFID_ENCODE for anything but 16 hex digits. */
export function uidToBytes(uid: Uid, order: UidOrder = "msb-first"): Uint8Array {
  const bytes = /^[0-9A-Fa-f]{16}$/.test(uid) ? hexToBytes(uid) : undefined;
  if (!bytes) {
    throw new RfidError("RFID_ENCODE", `UID "${uid}" must be 16 hex digits, most significant byte first`, {
      actual: uid,
    });
  }
  return order === "msb-first" ? bytes : bytes.reverse();
}

/** Canonical form of a UID typed or logged in any case or with separators ("e0:04:01:..."). */
export function normalizeUid(uid: string): Uid {
  return uidFromBytes(uidToBytes(uid.replace(/[\s:-]/g, "")));
}

export function isIso15693Uid(uid: Uid): boolean {
  return /^E0[0-9A-F]{14}$/.test(uid);
}

export function uidManufacturer(uid: Uid): { code: number; name: string | undefined } {
  const code = uidToBytes(uid)[1] as number;
  return { code, name: IC_MANUFACTURERS[code] };
}

/**
 * One ISO 15693 tag as both a simulator (device side) and a driver (host side) can describe it:
 * identity, the security bytes and the user memory in tag block order.
 */
export interface TagMemory {
  uid: Uid;
  dsfid: number;
  afi: number;
  /** NXP EAS bit (ICODE SLIX and later). */
  eas: boolean;
  /** Bytes per block: 4 on ICODE SLI/SLIX and most library labels. */
  blockSize: number;
  blocks: Uint8Array[];
  lockedBlocks: boolean[];
  afiLocked: boolean;
  dsfidLocked: boolean;
  easLocked: boolean;
  /** IC reference byte from Get System Information. */
  icReference: number;
}

export interface TagMemoryInit {
  uid: Uid;
  blockCount?: number;
  blockSize?: number;
  dsfid?: number;
  afi?: number;
  eas?: boolean;
  /** Initial user data from block 0; zero-filled to whole blocks. */
  data?: Uint8Array;
  icReference?: number;
}

/** A fresh tag: ICODE SLIX geometry (28 blocks of 4 bytes) unless told otherwise. */
export function createTagMemory(init: TagMemoryInit): TagMemory {
  const uid = normalizeUid(init.uid);
  const blockSize = checkInteger(init.blockSize ?? 4, 1, 32, "blockSize");
  const blockCount = checkInteger(init.blockCount ?? 28, 1, 256, "blockCount");
  const data = init.data ?? new Uint8Array(0);
  if (data.length > blockSize * blockCount) {
    throw new RfidError("RFID_ENCODE", `${data.length} bytes do not fit in ${blockCount} blocks of ${blockSize}`, {
      length: data.length,
    });
  }
  const blocks = Array.from({ length: blockCount }, (_, i) => {
    const block = new Uint8Array(blockSize);
    block.set(data.subarray(i * blockSize, (i + 1) * blockSize));
    return block;
  });
  return {
    uid,
    dsfid: checkInteger(init.dsfid ?? 0, 0, 255, "dsfid"),
    afi: checkInteger(init.afi ?? 0, 0, 255, "afi"),
    eas: init.eas ?? false,
    blockSize,
    blocks,
    lockedBlocks: blocks.map(() => false),
    afiLocked: false,
    dsfidLocked: false,
    easLocked: false,
    icReference: checkInteger(init.icReference ?? 0, 0, 255, "icReference"),
  };
}

/** User memory as one byte array, block 0 first. */
export function tagUserData(tag: TagMemory): Uint8Array {
  return concatBytes(...tag.blocks);
}

/** Outcome of a tag operation: a new tag state, or the ISO 15693 error code the tag would answer. */
export type TagResult<T> = { ok: true; value: T } | { ok: false; error: Iso15693ErrorCode };

function fail<T>(error: Iso15693ErrorCode): TagResult<T> {
  return { ok: false, error };
}

function inRange(tag: TagMemory, first: number, count: number): boolean {
  return (
    Number.isInteger(first) && Number.isInteger(count) && first >= 0 && count >= 1 && first + count <= tag.blocks.length
  );
}

/** Reads `count` blocks from `first`, as Read Multiple Blocks would. */
export function readTagBlocks(tag: TagMemory, first: number, count: number): TagResult<Uint8Array[]> {
  if (!inRange(tag, first, count)) return fail(0x10);
  return { ok: true, value: tag.blocks.slice(first, first + count).map((b) => b.slice()) };
}

/** Writes whole blocks from `first`; a locked block fails the write and leaves the tag unchanged. */
export function writeTagBlocks(tag: TagMemory, first: number, data: Uint8Array): TagResult<TagMemory> {
  if (data.length === 0 || data.length % tag.blockSize !== 0) return fail(0x02);
  const count = data.length / tag.blockSize;
  if (!inRange(tag, first, count)) return fail(0x10);
  for (let i = first; i < first + count; i++) if (tag.lockedBlocks[i]) return fail(0x12);
  const blocks = tag.blocks.map((b, i) =>
    i >= first && i < first + count ? data.slice((i - first) * tag.blockSize, (i - first + 1) * tag.blockSize) : b,
  );
  return { ok: true, value: { ...tag, blocks } };
}

export function lockTagBlock(tag: TagMemory, block: number): TagResult<TagMemory> {
  if (!inRange(tag, block, 1)) return fail(0x10);
  if (tag.lockedBlocks[block]) return fail(0x11);
  return { ok: true, value: { ...tag, lockedBlocks: tag.lockedBlocks.map((l, i) => l || i === block) } };
}

/** The writable security and format bytes, with the lock flag that guards each. */
const LOCKABLE = {
  afi: "afiLocked",
  dsfid: "dsfidLocked",
  eas: "easLocked",
} as const satisfies Record<string, keyof TagMemory>;

export function writeTagAfi(tag: TagMemory, afi: number): TagResult<TagMemory> {
  if (tag.afiLocked) return fail(0x12);
  return { ok: true, value: { ...tag, afi: checkInteger(afi, 0, 255, "afi") } };
}

export function writeTagDsfid(tag: TagMemory, dsfid: number): TagResult<TagMemory> {
  if (tag.dsfidLocked) return fail(0x12);
  return { ok: true, value: { ...tag, dsfid: checkInteger(dsfid, 0, 255, "dsfid") } };
}

export function setTagEas(tag: TagMemory, eas: boolean): TagResult<TagMemory> {
  if (tag.easLocked) return fail(0x12);
  return { ok: true, value: { ...tag, eas } };
}

/** Lock AFI, DSFID or EAS: permanent on real tags; locking twice fails as real tags do. */
export function lockTagField(tag: TagMemory, field: keyof typeof LOCKABLE): TagResult<TagMemory> {
  const flag = LOCKABLE[field];
  if (tag[flag]) return fail(0x11);
  return { ok: true, value: { ...tag, [flag]: true } };
}
