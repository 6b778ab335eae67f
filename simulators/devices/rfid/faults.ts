/**
 * Faults a virtual RFID pad can show, all drawn from the injected random source so a seeded test sees the
 * same faults every run. What each one does on the wire is documented where the responders use it.
 */
import { normalizeUid, type Uid } from "../../../protocols/rfid/iso15693.ts";
import { badParams } from "./errors.ts";
import { isRecord, optionalBoolean, optionalNumber, optionalRate, type Params, record } from "./params.ts";

/** Faults of one tag (a weak or damaged label, or one a patron is about to lift off the pad). */
export interface TagFaults {
  /** Replaces the pad's readMissRate for this tag. */
  readMissRate?: number;
  /** Replaces the pad's writeFailureRate for this tag. */
  writeFailureRate?: number;
  /** Replaces the pad's lostWriteRate for this tag. */
  lostWriteRate?: number;
  /**
   * The tag leaves the field after this many more blocks have been written to it: the block write that
   * would exceed it fails as "no tag" and the tag is gone from the pad. One-shot.
   */
  removeAfterBlocks?: number;
}

export interface PadFaults {
  /** Chance that a tag sits out an inventory round, or does not answer an addressed read. */
  readMissRate: number;
  /** Chance that programming one block (or the AFI, EAS or DSFID byte) fails with an ISO error. */
  writeFailureRate: number;
  /**
   * Chance that a write is acknowledged but does not stick (weak programming field): the tag keeps its old
   * value. Only a read-back notices, which is why drivers verify AFI writes (koha-rfid-3m810-js does).
   */
  lostWriteRate: number;
  /**
   * Chance per inventory round that two tags answer in the same slot and the reader cannot separate them
   * within its time budget: both are missing from that round's list (they reappear in later rounds).
   */
  collisionRate: number;
  /** Delay before each reply, milliseconds (a real reader takes tens of ms per inventory). */
  responseDelayMs: number;
  /**
   * Delay before the reply to one kind of command, replacing responseDelayMs for it, e.g. `{inventory: 100,
   * writeAfi: 30}`: an inventory round and a tag write take different times on a real reader.
   */
  commandDelayMs: Record<string, number>;
  /** The reader reads commands but never answers (switched off, wrong baud rate). */
  unresponsive: boolean;
  /** Random garbage bytes sent before each reply (line noise), to exercise the driver's resync. */
  noiseBytes: number;
  tags: Record<Uid, TagFaults>;
}

export const NO_FAULTS: Readonly<PadFaults> = {
  readMissRate: 0,
  writeFailureRate: 0,
  lostWriteRate: 0,
  collisionRate: 0,
  responseDelayMs: 0,
  commandDelayMs: {},
  unresponsive: false,
  noiseBytes: 0,
  tags: {},
};

function parseTagFaults(value: unknown, where: string): TagFaults {
  const p = record(value, where);
  const out: TagFaults = {};
  const readMiss = optionalRate(p, "readMissRate", where);
  const writeFailure = optionalRate(p, "writeFailureRate", where);
  const lostWrite = optionalRate(p, "lostWriteRate", where);
  const removeAfter = optionalNumber(p, "removeAfterBlocks", where, { min: 0, max: 65535, integer: true });
  if (readMiss !== undefined) out.readMissRate = readMiss;
  if (writeFailure !== undefined) out.writeFailureRate = writeFailure;
  if (lostWrite !== undefined) out.lostWriteRate = lostWrite;
  if (removeAfter !== undefined) out.removeAfterBlocks = removeAfter;
  return out;
}

function parseCommandDelays(value: unknown): Record<string, number> {
  const where = "faults.commandDelayMs";
  const p = record(value, where);
  const out: Record<string, number> = {};
  for (const kind of Object.keys(p)) {
    const ms = optionalNumber(p, kind, where, { min: 0, max: 60_000, integer: true });
    if (ms !== undefined) out[kind] = ms;
  }
  return out;
}

/**
 * Merges setFaults() parameters into the current faults: fields left out keep their value; `tags`
 * replaces the per-tag faults of the UIDs it names ({} clears one). `reset: true` starts from no faults.
 */
export function applyFaultParams(current: PadFaults, params: Params): PadFaults {
  const where = "faults";
  const next: PadFaults =
    params.reset === true ? { ...NO_FAULTS, tags: {}, commandDelayMs: {} } : { ...current, tags: { ...current.tags } };
  for (const key of ["readMissRate", "writeFailureRate", "lostWriteRate", "collisionRate"] as const) {
    const v = optionalRate(params, key, where);
    if (v !== undefined) next[key] = v;
  }
  const delay = optionalNumber(params, "responseDelayMs", where, { min: 0, max: 60_000, integer: true });
  if (delay !== undefined) next.responseDelayMs = delay;
  if (params.commandDelayMs !== undefined) next.commandDelayMs = parseCommandDelays(params.commandDelayMs);
  const noise = optionalNumber(params, "noiseBytes", where, { min: 0, max: 1024, integer: true });
  if (noise !== undefined) next.noiseBytes = noise;
  const unresponsive = optionalBoolean(params, "unresponsive", where);
  if (unresponsive !== undefined) next.unresponsive = unresponsive;
  if (params.tags !== undefined) {
    if (!isRecord(params.tags)) throw badParams("faults.tags must map UIDs to tag faults", { field: "faults.tags" });
    for (const [rawUid, value] of Object.entries(params.tags)) {
      let uid: Uid;
      try {
        uid = normalizeUid(rawUid);
      } catch {
        throw badParams(`faults.tags key "${rawUid}" is not a UID (16 hex digits)`, { field: "faults.tags" });
      }
      const tagFaults = parseTagFaults(value, `faults.tags.${rawUid}`);
      if (Object.keys(tagFaults).length === 0) delete next.tags[uid];
      else next.tags[uid] = tagFaults;
    }
  }
  const known = new Set([...Object.keys(NO_FAULTS), "reset"]);
  const unknown = Object.keys(params).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw badParams(`unknown fault(s) ${unknown.join(", ")}; known: ${Object.keys(NO_FAULTS).join(", ")}`, {
      field: unknown[0],
    });
  }
  return next;
}
