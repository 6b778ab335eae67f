import { describe, expect, it } from "vitest";
import { FaultController, parseFaults } from "../../../simulators/acs/faults.ts";
import { seededRandom } from "../../../simulators/random.ts";

describe("fault plans", () => {
  it("parses CLI flags, including drop-after=0 and a seed", () => {
    expect(parseFaults(["latency=200", "drop-after=0", "garble", "seed=42", "offline=false"])).toEqual({
      latencyMs: 200,
      dropAfter: 0,
      garble: true,
      seed: 42,
      offline: false,
    });
  });

  it("names the flag and the valid ones when a flag is wrong", () => {
    expect(() => parseFaults(["lag=5"])).toThrow(/unknown fault "lag"; use one of: latency, jitter/);
    expect(() => parseFaults(["seed=x"])).toThrow(/fault "seed" needs a whole number, e.g. seed=100/);
    expect(() => parseFaults(["stall=3"])).toThrow(/takes no value/);
  });
});

describe("fault randomness", () => {
  const take = (random: () => number, n = 5) => Array.from({ length: n }, random);

  it("repeats exactly for the same seed and differs for another", () => {
    expect(take(seededRandom(7))).toEqual(take(seededRandom(7)));
    expect(take(seededRandom(7))).not.toEqual(take(seededRandom(8)));
    expect(take(seededRandom(7), 1000).every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("gives each connection its own stream from the plan's seed", () => {
    const faults = new FaultController();
    faults.set({ seed: 99 });
    expect(faults.seed).toBe(99);
    expect(take(faults.randomFor(1))).toEqual(take(faults.randomFor(1)));
    expect(take(faults.randomFor(1))).not.toEqual(take(faults.randomFor(2)));
    // Without a seed in the plan one is picked, and reported so the run can be repeated.
    expect(Number.isInteger(new FaultController().seed)).toBe(true);
  });
});
