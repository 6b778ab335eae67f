import { describe, expect, it } from "vitest";
import { until } from "./settle.ts";
import { VirtualClock } from "./virtual-clock.ts";

describe("VirtualClock", () => {
  it("fires due timers in time order, ties in the order set, and not early", async () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("b@20"), 20);
    clock.setTimeout(() => fired.push("a@10"), 10);
    clock.setTimeout(() => fired.push("c@20"), 20);
    await clock.advance(19);
    expect(fired).toEqual(["a@10"]);
    await clock.advance(1);
    expect(fired).toEqual(["a@10", "b@20", "c@20"]);
    expect(clock.now()).toBe(20);
  });

  it("runs async code that sleeps, awaits and sleeps again", async () => {
    const clock = new VirtualClock(0);
    const stamps: number[] = [];
    const job = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        await Promise.resolve();
        stamps.push(clock.now());
      }
    })();
    await clock.advance(250);
    expect(stamps).toEqual([100, 200]);
    await clock.advance(50);
    await job;
    expect(stamps).toEqual([100, 200, 300]);
  });

  it("cancels timers", async () => {
    const clock = new VirtualClock(0);
    let fired = false;
    const handle = clock.setTimeout(() => {
      fired = true;
    }, 5);
    clock.clearTimeout(handle);
    await clock.runAll();
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("until", () => {
  it("gives up after its bound, naming what it waited for and what it saw instead", async () => {
    const clock = new VirtualClock(0);
    let seen = 0;
    const waited = until(clock, () => false, {
      what: "the answer",
      limitMs: 10,
      diagnostics: () => `checked ${++seen} times`,
    });
    await expect(waited).rejects.toThrow(
      /^gave up waiting for the answer after 10 ms of virtual time; checked 1 times$/,
    );
    await expect(until(null, () => false, { limitMs: 5 })).rejects.toThrow(/the condition after 5 ms \(a hang guard/);
  });
});
