import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TagTracker } from "../../../../bridge/devices/rfid/tag-tracker.ts";

const POOL = ["E004000000000001", "E004000000000002", "E004000000000003", "E004000000000004", "E004000000000005"];

describe("TagTracker", () => {
  it("adds at once, removes after missThreshold rounds without the tag", () => {
    const tracker = new TagTracker(2);
    const [a, b] = POOL as [string, string];
    expect(tracker.update([{ uid: a }, { uid: b, dsfid: 6 }])).toEqual({
      added: [{ uid: a }, { uid: b, dsfid: 6 }],
      removed: [],
      present: [{ uid: a }, { uid: b, dsfid: 6 }],
    });
    expect(tracker.update([{ uid: a }])).toBeUndefined(); // b missed once: still present
    expect(tracker.present().map((t) => t.uid)).toEqual([a, b]);
    expect(tracker.update([{ uid: a }, { uid: b }])).toBeUndefined(); // b back: miss count reset
    expect(tracker.update([{ uid: a }])).toBeUndefined();
    expect(tracker.update([{ uid: a }])).toEqual({ added: [], removed: [{ uid: b }], present: [{ uid: a }] });
  });

  it("matches a reference model: present = seen in any of the last missThreshold rounds", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.subarray(POOL), { maxLength: 40 }),
        (threshold, rounds) => {
          const tracker = new TagTracker(threshold);
          let before = new Set<string>();
          rounds.forEach((seen, k) => {
            const change = tracker.update(seen.map((uid) => ({ uid })));
            const window = rounds.slice(Math.max(0, k - threshold + 1), k + 1);
            const expected = new Set(window.flat());
            const now = new Set(tracker.present().map((t) => t.uid));
            expect(now).toEqual(expected);
            const added = [...now].filter((u) => !before.has(u)).sort();
            const removed = [...before].filter((u) => !now.has(u)).sort();
            if (added.length === 0 && removed.length === 0) expect(change).toBeUndefined();
            else {
              expect(change?.added.map((t) => t.uid).sort()).toEqual(added);
              expect(change?.removed.map((t) => t.uid).sort()).toEqual(removed);
              expect(new Set(change?.present.map((t) => t.uid))).toEqual(now);
            }
            before = now;
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("counts a UID listed twice in one round once", () => {
    const tracker = new TagTracker(1);
    expect(tracker.update([{ uid: "E004000000000001" }, { uid: "E004000000000001" }])?.added).toHaveLength(1);
    expect(tracker.size).toBe(1);
    tracker.clear();
    expect(tracker.present()).toEqual([]);
  });
});
