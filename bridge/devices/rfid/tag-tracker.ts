/**
 * Which tags are on the pad, from successive inventory rounds. A tag counts as added the first round it
 * answers, and as removed only after `missThreshold` rounds in a row without it: single rounds miss tags
 * (weak labels, unresolved collisions), and a book must not flicker off the kiosk screen because of one.
 */
import type { Uid } from "../../../protocols/rfid/iso15693.ts";
import type { InventoryTag } from "./reader.ts";

export interface TagsChange {
  added: InventoryTag[];
  removed: InventoryTag[];
  /** Every tag now considered on the pad (including ones missed fewer than missThreshold rounds). */
  present: InventoryTag[];
}

export class TagTracker {
  readonly missThreshold: number;
  readonly #tags = new Map<Uid, { tag: InventoryTag; misses: number }>();

  constructor(missThreshold: number) {
    this.missThreshold = missThreshold;
  }

  present(): InventoryTag[] {
    return [...this.#tags.values()].map((t) => t.tag);
  }

  get size(): number {
    return this.#tags.size;
  }

  /** Takes one round's result; returns what changed, or undefined when nothing did. */
  update(seen: readonly InventoryTag[]): TagsChange | undefined {
    const seenUids = new Set<Uid>();
    const added: InventoryTag[] = [];
    for (const tag of seen) {
      if (seenUids.has(tag.uid)) continue;
      seenUids.add(tag.uid);
      const known = this.#tags.get(tag.uid);
      if (known) {
        known.misses = 0;
        known.tag = tag;
      } else {
        this.#tags.set(tag.uid, { tag, misses: 0 });
        added.push(tag);
      }
    }
    const removed: InventoryTag[] = [];
    for (const [uid, entry] of this.#tags) {
      if (seenUids.has(uid)) continue;
      entry.misses++;
      if (entry.misses >= this.missThreshold) {
        this.#tags.delete(uid);
        removed.push(entry.tag);
      }
    }
    if (added.length === 0 && removed.length === 0) return undefined;
    return { added, removed, present: this.present() };
  }

  clear(): void {
    this.#tags.clear();
  }
}
