import { describe, expect, it } from "vitest";
import { JobQueue } from "../../../bridge/devices/lifecycle.ts";

describe("JobQueue", () => {
  it("runs jobs one at a time in order, and a failed job does not stop the next", async () => {
    const queue = new JobQueue();
    const log: string[] = [];
    const job =
      (name: string, fail = false) =>
      async () => {
        log.push(`${name} start`);
        await new Promise((r) => setTimeout(r, 5));
        log.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const a = queue.run(job("a"));
    const b = queue.run(job("b", true));
    b.catch(() => undefined); // asserted below; may reject before the assertion attaches
    const c = queue.run(job("c"));
    expect(queue.busy).toBe(true);
    await expect(a).resolves.toBe("a");
    await expect(b).rejects.toThrow("b");
    await expect(c).resolves.toBe("c");
    expect(log).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
    await queue.settled();
    expect(queue.busy).toBe(false);
  });
});
