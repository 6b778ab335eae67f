/**
 * Virtual tags: what placeTags() accepts, how it becomes ISO 15693 tag memory, and how a tag is shown
 * in state(). Item data is encoded with the shared tag-data codecs, exactly as a tagging station would
 * write it, so the driver reads real ISO 28560-2/-3 or RFID501 bytes.
 */
import { bytesToHex, hexToBytes } from "../../../protocols/rfid/bytes.ts";
import { isRfidError } from "../../../protocols/rfid/errors.ts";
import {
  createTagMemory,
  normalizeUid,
  type TagMemory,
  tagUserData,
  type Uid,
} from "../../../protocols/rfid/iso15693.ts";
import {
  type SecurityPolicy,
  type SecurityState,
  securityState,
  securityTarget,
} from "../../../protocols/rfid/security.ts";
import {
  decodeTagData,
  type EncodableTagDataModel,
  encodeTagData,
  type LibraryItemInput,
} from "../../../protocols/rfid/tag-data.ts";
import type { Random } from "../../random.ts";
import { badParams } from "./errors.ts";
import { array, optionalBoolean, optionalChoice, optionalNumber, optionalString, record } from "./params.ts";

export const TAG_DATA_MODELS: readonly EncodableTagDataModel[] = ["iso28560-2", "iso28560-3", "rfid501"];

/** One tag to place, as control("placeTags") takes it. Without itemId or memory the tag is blank. */
export interface TagSpec {
  uid?: string;
  itemId?: string;
  /** Data model for itemId; default ISO 28560-2. */
  model?: EncodableTagDataModel;
  owner?: string;
  partNumber?: number;
  partsInSet?: number;
  typeOfUsage?: number;
  title?: string;
  /** Raw user memory as hex, instead of item data. */
  memory?: string;
  /** Sets AFI and EAS from the simulator's security values; afi/eas below override. */
  secured?: boolean;
  dsfid?: number;
  afi?: number;
  eas?: boolean;
  /** Default 4 bytes (ICODE SLIX). */
  blockSize?: number;
  /** Default 28 blocks (ICODE SLIX). */
  blockCount?: number;
  lockedBlocks?: number[];
  afiLocked?: boolean;
  easLocked?: boolean;
  dsfidLocked?: boolean;
}

function parseTagSpec(value: unknown, where: string): TagSpec {
  const p = record(value, where);
  const spec: TagSpec = {};
  const set = <K extends keyof TagSpec>(key: K, v: TagSpec[K] | undefined) => {
    if (v !== undefined) spec[key] = v;
  };
  set("uid", optionalString(p, "uid", where));
  set("itemId", optionalString(p, "itemId", where));
  set("model", optionalChoice(p, "model", where, TAG_DATA_MODELS));
  set("owner", optionalString(p, "owner", where));
  set("partNumber", optionalNumber(p, "partNumber", where, { min: 1, max: 255, integer: true }));
  set("partsInSet", optionalNumber(p, "partsInSet", where, { min: 1, max: 255, integer: true }));
  set("typeOfUsage", optionalNumber(p, "typeOfUsage", where, { min: 0, max: 255, integer: true }));
  set("title", optionalString(p, "title", where));
  set("memory", optionalString(p, "memory", where));
  set("secured", optionalBoolean(p, "secured", where));
  for (const key of ["dsfid", "afi"] as const)
    set(key, optionalNumber(p, key, where, { min: 0, max: 255, integer: true }));
  set("eas", optionalBoolean(p, "eas", where));
  set("blockSize", optionalNumber(p, "blockSize", where, { min: 1, max: 32, integer: true }));
  set("blockCount", optionalNumber(p, "blockCount", where, { min: 1, max: 256, integer: true }));
  for (const key of ["afiLocked", "easLocked", "dsfidLocked"] as const) set(key, optionalBoolean(p, key, where));
  if (p.lockedBlocks !== undefined) {
    spec.lockedBlocks = array(p.lockedBlocks, `${where}.lockedBlocks`).map((b, i) => {
      if (!Number.isInteger(b) || (b as number) < 0) {
        throw badParams(`${where}.lockedBlocks[${i}] must be a block number`, { field: `${where}.lockedBlocks` });
      }
      return b as number;
    });
  }
  if (spec.itemId !== undefined && spec.memory !== undefined) {
    throw badParams(`${where} gives both itemId and memory; give item data or raw memory, not both`, {
      field: where,
    });
  }
  return spec;
}

/** Reads placeTags' `tags` parameter. */
export function parseTagSpecs(value: unknown): TagSpec[] {
  const list = array(value, "tags");
  if (list.length === 0) throw badParams("tags is empty: give at least one tag", { field: "tags" });
  return list.map((t, i) => parseTagSpec(t, `tags[${i}]`));
}

/** A fresh NXP-style UID (E0 04 …) from the simulator's random source. */
export function randomUid(random: Random): Uid {
  let hex = "E004";
  for (let i = 0; i < 6; i++) {
    hex += Math.floor(random() * 256)
      .toString(16)
      .padStart(2, "0");
  }
  return hex.toUpperCase();
}

function itemInput(spec: TagSpec & { itemId: string }): LibraryItemInput {
  const input: LibraryItemInput = { itemId: spec.itemId };
  if (spec.owner !== undefined) input.owner = spec.owner;
  if (spec.partNumber !== undefined) input.partNumber = spec.partNumber;
  if (spec.partsInSet !== undefined) input.partsInSet = spec.partsInSet;
  if (spec.typeOfUsage !== undefined) input.typeOfUsage = spec.typeOfUsage;
  if (spec.title !== undefined) input.title = spec.title;
  return input;
}

/** Builds the tag a spec describes; codec errors (an item id too long for the model …) become SIM_BAD_PARAMS. */
export function buildTag(spec: TagSpec, uid: Uid, policy: SecurityPolicy, where: string): TagMemory {
  try {
    const blockSize = spec.blockSize ?? 4;
    const blockCount = spec.blockCount ?? 28;
    let data: Uint8Array | undefined;
    let dsfid = 0;
    if (spec.itemId !== undefined) {
      const encoded = encodeTagData(spec.model ?? "iso28560-2", itemInput({ ...spec, itemId: spec.itemId }), {
        capacity: blockSize * blockCount,
        blockSize,
      });
      data = encoded.memory;
      dsfid = encoded.dsfid;
    } else if (spec.memory !== undefined) {
      data = hexToBytes(spec.memory);
    }
    const security = securityTarget({ ...policy, mode: "both" }, spec.secured ?? false);
    const tag = createTagMemory({
      uid,
      blockSize,
      blockCount,
      dsfid: spec.dsfid ?? dsfid,
      afi: spec.afi ?? (spec.secured === undefined ? 0 : (security.afi as number)),
      eas: spec.eas ?? (spec.secured === undefined ? false : (security.eas as boolean)),
      ...(data && { data }),
    });
    for (const b of spec.lockedBlocks ?? []) {
      if (b >= blockCount)
        throw badParams(`${where}.lockedBlocks: block ${b} is beyond the tag's ${blockCount} blocks`);
      tag.lockedBlocks[b] = true;
    }
    tag.afiLocked = spec.afiLocked ?? false;
    tag.easLocked = spec.easLocked ?? false;
    tag.dsfidLocked = spec.dsfidLocked ?? false;
    return tag;
  } catch (err) {
    if (isRfidError(err)) throw badParams(`${where}: ${err.message}`, { field: where, code: err.code });
    throw err;
  }
}

export function tagUid(spec: TagSpec, random: Random, where: string): Uid {
  if (spec.uid === undefined) return randomUid(random);
  try {
    return normalizeUid(spec.uid);
  } catch {
    throw badParams(`${where}.uid "${spec.uid}" must be 16 hex digits (8 bytes)`, { field: `${where}.uid` });
  }
}

/** A tag as state() and listTags() show it: identity, security bytes and the decoded item data. */
export interface TagView {
  uid: Uid;
  dsfid: number;
  afi: number;
  eas: boolean;
  /** What a gate reading the AFI would conclude, under the simulator's AFI values. */
  afiState: SecurityState;
  blockSize: number;
  blockCount: number;
  memory: string;
  /** Blocks locked for good (ISO 15693 Lock Block), by number. */
  lockedBlocks: number[];
  data:
    | {
        model: string;
        itemId: string;
        owner?: string;
        partNumber?: number;
        partsInSet?: number;
        typeOfUsage?: number;
      }
    | { error: { code: string; message: string } };
}

export function viewTag(tag: TagMemory, policy: SecurityPolicy): TagView {
  const memory = tagUserData(tag);
  let data: TagView["data"];
  try {
    const { raw: _raw, ...fields } = decodeTagData(tag.dsfid, memory);
    data = fields;
  } catch (err) {
    data = isRfidError(err)
      ? { error: { code: err.code, message: err.message } }
      : { error: { code: "SIM_DECODE", message: String(err) } };
  }
  return {
    uid: tag.uid,
    dsfid: tag.dsfid,
    afi: tag.afi,
    eas: tag.eas,
    afiState: securityState({ ...policy, mode: "afi" }, { afi: tag.afi }),
    blockSize: tag.blockSize,
    blockCount: tag.blocks.length,
    memory: bytesToHex(memory),
    lockedBlocks: tag.lockedBlocks.flatMap((locked, i) => (locked ? [i] : [])),
    data,
  };
}
