/**
 * How many tags one inventory lists, as the makers document it (issue 11): a FEIG CPR.M02 with standard
 * firmware lists at most 4 and answers 0x93 "data buffer overflow" beyond (FEIG H20800-16e-ID-B, ANNEX D2
 * and ANNEX C); 3M documents no limit for the 3M 810 (its answer counts UIDs in one byte).
 */
import { afterEach, describe, expect, it } from "vitest";
import { createRfidPad } from "../../../../bridge/devices/rfid/pad.ts";
import { createMemoryPair } from "../../../../bridge/transports/memory.ts";
import { itemIds, memoryRig } from "./rig.ts";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("RfidPad cpr-m02: the reader's inventory limit", () => {
  it("lists 4 tags; a 5th gives RFID_TOO_MANY_TAGS with the capacity, and the pad stays ok", async () => {
    const { pad, sim } = await memoryRig("cpr-m02", cleanups);
    expect(pad.maxInventoryTags).toBe(4);
    expect(pad.health().detail).toMatchObject({ maxInventoryTags: 4 });
    const four = sim.placeTags(itemIds(4).map((itemId) => ({ itemId })));
    expect((await pad.inventory()).map((t) => t.uid)).toEqual(four);
    sim.placeTags([{ itemId: "30001000009999" }]);
    const error = await pad.inventory().catch((err: unknown) => err);
    expect(error).toMatchObject({ code: "RFID_TOO_MANY_TAGS", details: { capacity: 4, status: 0x93 } });
    expect((error as Error).message).toMatch(/at most 4\).*place at most 4 items at a time/);
    expect(pad.health()).toMatchObject({ state: "ok" });
    expect(pad.health().lastError).toBeUndefined();
  });

  it("refresh: tooManyTags once when the pad becomes overfull, tagsChanged again once it is not", async () => {
    const { pad, sim } = await memoryRig("cpr-m02", cleanups);
    const events: string[] = [];
    pad.on("tooManyTags", ({ capacity }) => events.push(`tooManyTags ${capacity}`));
    pad.on("tagsChanged", (c) => events.push(`tagsChanged +${c.added.length} -${c.removed.length}`));
    const uids = sim.placeTags(itemIds(5).map((itemId) => ({ itemId })));
    for (let round = 0; round < 3; round++) {
      await expect(pad.refresh()).rejects.toMatchObject({ code: "RFID_TOO_MANY_TAGS" });
    }
    await sim.control("removeTags", { uids: [uids[0]] });
    expect((await pad.refresh()).present).toHaveLength(4);
    sim.placeTags([{ itemId: "30001000009999" }]);
    await expect(pad.refresh()).rejects.toMatchObject({ code: "RFID_TOO_MANY_TAGS" });
    expect(events).toEqual(["tooManyTags 4", "tagsChanged +4 -0", "tooManyTags 4"]);
    expect(pad.health().state).toBe("ok");
  });

  it("self test of an overfull pad: the reader works, and the summary says how many items fit", async () => {
    const { pad, sim } = await memoryRig("cpr-m02", cleanups);
    sim.placeTags(itemIds(6).map((itemId) => ({ itemId })));
    const result = await pad.selfTest();
    expect(result).toMatchObject({ ok: true, summary: expect.stringMatching(/^RFID pad works; .*at most 4 items/) });
  });

  it("firmware with another limit: maxInventoryTags on the driver and the simulator", async () => {
    const { pad, sim } = await memoryRig("cpr-m02", cleanups, { maxInventoryTags: 5 });
    expect(pad.maxInventoryTags).toBe(5);
    const uids = sim.placeTags(itemIds(5).map((itemId) => ({ itemId })));
    expect((await pad.inventory()).map((t) => t.uid)).toEqual(uids);
    sim.placeTags([{}]);
    await expect(pad.inventory()).rejects.toMatchObject({ code: "RFID_TOO_MANY_TAGS", details: { capacity: 5 } });
  });
});

describe("RfidPad 3m810: no documented inventory limit", () => {
  it("lists 255 tags, all in one answer, and reports no capacity", async () => {
    const { pad, sim, commands } = await memoryRig("3m810", cleanups);
    expect(pad.maxInventoryTags).toBeUndefined();
    expect(pad.health().detail).not.toHaveProperty("maxInventoryTags");
    const uids = sim.placeTags(Array.from({ length: 255 }, () => ({})));
    commands.length = 0;
    expect((await pad.inventory()).map((t) => t.uid)).toEqual(uids);
    expect(commands).toEqual(["inventory"]);
  });
});

describe("RfidPad option maxInventoryTags", () => {
  const transport = () => createMemoryPair()[0];
  it.each([0, 256, 1.5])("refuses %s", (value) => {
    expect(() =>
      createRfidPad({ id: "rfid-pad", model: "cpr-m02", transport: transport(), maxInventoryTags: value }),
    ).toThrow(
      expect.objectContaining({ code: "RFID_BAD_OPTIONS", message: expect.stringMatching(/maxInventoryTags/) }),
    );
  });

  it("is refused for the 3M 810, which documents no limit", () => {
    expect(() =>
      createRfidPad({ id: "rfid-pad", model: "3m810", transport: transport(), maxInventoryTags: 8 }),
    ).toThrow(expect.objectContaining({ code: "RFID_BAD_OPTIONS", message: expect.stringMatching(/CPR-M02/) }));
  });
});
