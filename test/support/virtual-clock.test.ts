import { describe, expect, it } from "vitest";
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
