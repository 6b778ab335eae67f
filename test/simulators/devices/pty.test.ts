import { readlink, stat } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { openPtyPair, type PtyPair } from "../../../simulators/devices/pty.ts";

const pairs: PtyPair[] = [];
afterEach(async () => {
  for (const pair of pairs.splice(0).reverse()) await pair.close();
});
async function open(): Promise<PtyPair> {
  const pair = await openPtyPair();
  pairs.push(pair);
  return pair;
}

describe("the virtual serial cable", () => {
  it("gives each end a stable path that leads to its pseudo-terminal only while plugged", async () => {
    const pty = await open();
    const before = pty.device("a");
    expect(before).toMatch(/^\/dev\/pts\/\d+$/);
    expect(await readlink(pty.a)).toBe(before);

    await pty.hangup("a");
    await expect(stat(pty.a)).rejects.toMatchObject({ code: "ENOENT" });
    // The kernel hands the freed terminal number to the next pseudo-terminal opened anywhere (on a quiet
    // machine, this other cable's): a driver retrying the unplugged end must reach none of them.
    await open();
    await expect(stat(pty.a)).rejects.toMatchObject({ code: "ENOENT" });

    expect(await pty.replug("a")).toBe(pty.a);
    expect(await readlink(pty.a)).toBe(pty.device("a"));
  });

  it("removes its paths when closed", async () => {
    const pty = await openPtyPair();
    await pty.close();
    await expect(stat(pty.a)).rejects.toMatchObject({ code: "ENOENT" });
    await expect(stat(pty.b)).rejects.toMatchObject({ code: "ENOENT" });
  });
});
