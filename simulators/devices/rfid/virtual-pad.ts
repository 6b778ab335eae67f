/**
 * The RF side of a simulated reader: the stack of tags on the pad and what happens when the reader
 * talks to them, with faults. Protocol-neutral: the 3M 810 and CPR-M02 responders turn these outcomes
 * into their own status bytes.
 */
import {
  type Iso15693ErrorCode,
  type TagMemory,
  type TagResult,
  type Uid,
  writeTagBlocks,
} from "../../../protocols/rfid/iso15693.ts";
import { chance, type Random } from "../../random.ts";
import { NO_FAULTS, type PadFaults, type TagFaults } from "./faults.ts";

/** What a tag operation came to: a value, no answer at all, or an ISO 15693 error from the tag. */
export type TagOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; failure: "absent" }
  | { ok: false; failure: "tag-error"; isoError: Iso15693ErrorCode };

const ABSENT = { ok: false, failure: "absent" } as const;
const tagError = (isoError: Iso15693ErrorCode) => ({ ok: false, failure: "tag-error", isoError }) as const;

/** ISO 15693 "block programming failed": what a tag answers when a write does not take. */
export const ISO_PROGRAMMING_FAILED: Iso15693ErrorCode = 0x13;
/** ISO 15693 "unknown error": a failed AFI/EAS/DSFID write (the standard has no more specific code). */
export const ISO_UNKNOWN_ERROR: Iso15693ErrorCode = 0x0f;

export class VirtualPad {
  /** Insertion order is the stack order, which is also the order inventories list tags in. */
  readonly #tags = new Map<Uid, TagMemory>();
  readonly #random: Random;
  faults: PadFaults = { ...NO_FAULTS, tags: {} };

  constructor(random: Random) {
    this.#random = random;
  }

  get size(): number {
    return this.#tags.size;
  }

  has(uid: Uid): boolean {
    return this.#tags.has(uid);
  }

  get(uid: Uid): TagMemory | undefined {
    return this.#tags.get(uid);
  }

  tags(): TagMemory[] {
    return [...this.#tags.values()];
  }

  /** Puts a tag on the pad (replacing one with the same UID, as if it were lifted and put back). */
  place(tag: TagMemory): void {
    this.#tags.delete(tag.uid);
    this.#tags.set(tag.uid, tag);
  }

  /** Lifts tags off the pad; returns the UIDs that were there. */
  remove(uids: readonly Uid[]): Uid[] {
    return uids.filter((uid) => this.#tags.delete(uid));
  }

  removeAll(): Uid[] {
    const uids = [...this.#tags.keys()];
    this.#tags.clear();
    return uids;
  }

  /** The tags that answer one inventory round, after read misses and an unresolved collision. */
  inventoryRound(): TagMemory[] {
    const answering = this.tags().filter((tag) => !chance(this.#random, this.#rate(tag.uid, "readMissRate")));
    if (answering.length >= 2 && chance(this.#random, this.faults.collisionRate)) {
      const first = Math.floor(this.#random() * answering.length);
      const offset = 1 + Math.floor(this.#random() * (answering.length - 1));
      const second = (first + offset) % answering.length;
      return answering.filter((_, i) => i !== first && i !== second);
    }
    return answering;
  }

  /** An addressed read: the tag may miss it; otherwise `op` answers from the tag's memory. */
  read<T>(uid: Uid, op: (tag: TagMemory) => TagResult<T>): TagOutcome<T> {
    const tag = this.#tags.get(uid);
    if (!tag || chance(this.#random, this.#rate(uid, "readMissRate"))) return ABSENT;
    const result = op(tag);
    return result.ok ? result : tagError(result.error);
  }

  /** An addressed write of one byte-sized field (AFI, EAS, DSFID, a lock): may fail like a block write. */
  update(uid: Uid, op: (tag: TagMemory) => TagResult<TagMemory>): TagOutcome<undefined> {
    const tag = this.#tags.get(uid);
    if (!tag) return ABSENT;
    if (chance(this.#random, this.#rate(uid, "writeFailureRate"))) return tagError(ISO_UNKNOWN_ERROR);
    const result = op(tag);
    if (!result.ok) return tagError(result.error);
    if (!chance(this.#random, this.#rate(uid, "lostWriteRate"))) this.#tags.set(uid, result.value);
    return { ok: true, value: undefined };
  }

  /**
   * Writes whole blocks one at a time, as readers program ISO 15693 labels: blocks before a failure stay
   * written. A scheduled removal takes the tag away before the block that would exceed its budget.
   */
  writeBlocks(uid: Uid, firstBlock: number, data: Uint8Array): TagOutcome<number> {
    const start = this.#tags.get(uid);
    if (!start) return ABSENT;
    const size = start.blockSize;
    if (data.length === 0 || data.length % size !== 0) return tagError(0x02);
    const count = data.length / size;
    if (firstBlock + count > start.blocks.length) return tagError(0x10);
    for (let i = 0; i < count; i++) {
      const tagFaults = this.faults.tags[uid];
      if (tagFaults?.removeAfterBlocks !== undefined) {
        if (tagFaults.removeAfterBlocks === 0) {
          this.#tags.delete(uid);
          this.#setTagFault(uid, { ...tagFaults, removeAfterBlocks: undefined });
          return ABSENT;
        }
        this.#setTagFault(uid, { ...tagFaults, removeAfterBlocks: tagFaults.removeAfterBlocks - 1 });
      }
      if (chance(this.#random, this.#rate(uid, "writeFailureRate"))) return tagError(ISO_PROGRAMMING_FAILED);
      const tag = this.#tags.get(uid) as TagMemory;
      const result = writeTagBlocks(tag, firstBlock + i, data.subarray(i * size, (i + 1) * size));
      if (!result.ok) return tagError(result.error);
      if (!chance(this.#random, this.#rate(uid, "lostWriteRate"))) this.#tags.set(uid, result.value);
    }
    return { ok: true, value: count };
  }

  #rate(uid: Uid, key: "readMissRate" | "writeFailureRate" | "lostWriteRate"): number {
    return this.faults.tags[uid]?.[key] ?? this.faults[key];
  }

  #setTagFault(uid: Uid, faults: { [K in keyof TagFaults]: TagFaults[K] | undefined }): void {
    const kept = Object.fromEntries(Object.entries(faults).filter(([, v]) => v !== undefined)) as TagFaults;
    const tags = { ...this.faults.tags };
    if (Object.keys(kept).length === 0) delete tags[uid];
    else tags[uid] = kept;
    this.faults = { ...this.faults, tags };
  }
}
