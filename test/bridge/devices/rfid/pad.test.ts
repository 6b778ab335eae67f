import { afterEach, describe, expect, it } from "vitest";
import { createRfidPad, POLL_YIELD_MAX_MS } from "../../../../bridge/devices/rfid/pad.ts";
import type { RfidModel } from "../../../../bridge/devices/rfid/reader.ts";
import { TransportError } from "../../../../bridge/transports/errors.ts";
import { createMemoryPair } from "../../../../bridge/transports/memory.ts";
import { createReconnectingTransport } from "../../../../bridge/transports/reconnecting.ts";
import { bytesToHex } from "../../../../protocols/rfid/bytes.ts";
import { createRfidReaderSimulator } from "../../../../simulators/devices/rfid/simulator.ts";
import type { TagView } from "../../../../simulators/devices/rfid/tags.ts";
import { advanceWhileIdle } from "../../../support/settle.ts";
import { VirtualClock } from "../../../support/virtual-clock.ts";
import { itemIds, memoryRig, nextEvent } from "./rig.ts";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const MODELS: RfidModel[] = ["3m810", "cpr-m02"];
/** What each model's set-up sends, in order (Biblio-RFID init() of 3M810.pm and CPRM02.pm). */
const SETUP: Record<RfidModel, string[]> = {
  "3m810": ["version", "setup"],
  "cpr-m02": ["baudRateDetection", "softwareVersion", "readerInfo", "rfReset"],
};

function tagsOf(state: Record<string, unknown>): TagView[] {
  return state.tags as TagView[];
}

describe.each(MODELS)("RfidPad %s against its simulator over a memory pair", (model) => {
  it("sets the reader up and reports ok with the firmware version", async () => {
    const { pad, commands } = await memoryRig(model, cleanups);
    expect(commands).toEqual(SETUP[model]);
    const health = pad.health();
    expect(health.state).toBe("ok");
    expect(health.detail).toMatchObject({ model, firmware: model === "3m810" ? "10.5.0.2" : "2.4", tagsOnPad: 0 });
    expect(pad.kind).toBe("rfid");
    expect(pad.description).toBe("memory rfid host");
  });

  it("inventories a stack of 30 tags (CPR-M02: firmware listing 40, over 0x94 continuations)", async () => {
    const { pad, sim } = await memoryRig(model, cleanups, { maxInventoryTags: 40 });
    const uids = sim.placeTags(itemIds(30).map((itemId) => ({ itemId })));
    const tags = await pad.inventory();
    expect(tags.map((t) => t.uid)).toEqual(uids);
    // Only the FEIG inventory carries the DSFID (0x06: ISO 28560-2).
    for (const t of tags) expect(t.dsfid).toBe(model === "cpr-m02" ? 0x06 : undefined);
  });

  it("reads and decodes tags in each data model", async () => {
    const { pad, sim } = await memoryRig(model, cleanups);
    const [a, b, c, blank] = sim.placeTags([
      { itemId: "30001000000010", owner: "DE-Mue1", partsInSet: 2, partNumber: 1, secured: true },
      { itemId: "1302099999", model: "rfid501" },
      { itemId: "33191000105865", model: "iso28560-3", owner: "DK-710100" },
      {},
    ]);
    const first = await pad.readTag(a as string);
    expect(first.data).toMatchObject({
      model: "iso28560-2",
      itemId: "30001000000010",
      owner: "DE-Mue1",
      partsInSet: 2,
    });
    expect(first).toMatchObject({ afi: 0x07, security: "secured", blockSize: 4 });
    expect(first.blockCount).toBe(model === "3m810" ? 8 : 28);
    expect(first.blocks).toHaveLength(first.blockCount);
    expect(first.blocks.map((b) => bytesToHex(b)).join("")).toBe(bytesToHex(first.memory));
    expect(bytesToHex(first.memory)).toBe(tagsOf(sim.state())[0]?.memory.slice(0, first.blockCount * 8));
    if (model === "cpr-m02") expect(first.dsfid).toBe(0x06);
    expect((await pad.readTag(b as string)).data).toMatchObject({ model: "rfid501", itemId: "1302099999" });
    expect((await pad.readTag(c as string)).data).toMatchObject({ model: "iso28560-3", itemId: "33191000105865" });
    const empty = await pad.readTag(blank as string);
    expect(empty.data).toMatchObject({ model: "blank", itemId: "" });
    expect(empty.security).toBe("unknown");
  });

  it("reads item data alone when asked (the kiosk): no AFI command on the 3M 810, whose security is then unknown", async () => {
    const { pad, sim, commands } = await memoryRig(model, cleanups);
    const [uid] = sim.placeTags([{ itemId: "30001000000010", secured: true }]);
    commands.length = 0;
    const reading = await pad.readTag(uid as string, { security: false });
    expect(reading.data?.itemId).toBe("30001000000010");
    // The FEIG reader's system info carries the AFI anyway; the 3M 810 needs a command of its own for it.
    expect(reading.security).toBe(model === "3m810" ? "unknown" : "secured");
    expect(commands.includes("readAfi")).toBe(false);
    commands.length = 0;
    expect((await pad.readTag(uid as string)).security).toBe("secured");
    expect(commands.includes("readAfi")).toBe(model === "3m810");
  });

  it("reports memory no data model fits as dataError, not as a failure", async () => {
    const { pad, sim } = await memoryRig(model, cleanups);
    const [uid] = sim.placeTags([{ memory: "FF".repeat(32) }]);
    const reading = await pad.readTag(uid as string);
    expect(reading.data).toBeUndefined();
    expect(reading.dataError?.code).toBe("RFID_TAG_DATA");
  });

  it("writes item data, verifies it and clears the rest of the data area", async () => {
    const { pad, sim, commands } = await memoryRig(model, cleanups);
    const [uid] = sim.placeTags([{ itemId: "1302099999", model: "rfid501" }]);
    const result = await pad.writeTagData(uid as string, "iso28560-2", { itemId: "30001000000999", owner: "DE-1" });
    expect(result).toMatchObject({ uid, model: "iso28560-2", dsfid: 0x06, attempts: 1 });
    const [tag] = tagsOf(sim.state());
    expect(tag?.data).toMatchObject({ model: "iso28560-2", itemId: "30001000000999", owner: "DE-1" });
    // The 3M 810 cannot write the DSFID; the FEIG reader writes it so gates and readers know the model.
    expect(tag?.dsfid).toBe(model === "cpr-m02" ? 0x06 : 0);
    expect(commands).toContain(model === "cpr-m02" ? "writeDsfid" : "writeBlocks");
    expect((await pad.readTag(uid as string)).data).toMatchObject({ itemId: "30001000000999" });
  });

  it("refuses item data that does not fit the tag with the codec's RFID_ENCODE", async () => {
    const { pad, sim } = await memoryRig(model, cleanups);
    const [uid] = sim.placeTags([{ itemId: "1", blockCount: 8 }]);
    await expect(
      pad.writeTagData(uid as string, "iso28560-2", {
        itemId: "30001000000999",
        title: "Der Zauberberg. Roman in zwei Bänden, Band 1",
      }),
    ).rejects.toMatchObject({ code: "RFID_ENCODE" });
  });

  it("secures and unsecures a 30-tag stack, verifying each AFI", async () => {
    const { pad, sim } = await memoryRig(model, cleanups);
    const uids = sim.placeTags(itemIds(30).map((itemId) => ({ itemId, secured: true })));
    const out = await pad.setSecurity(uids, false);
    expect(out).toEqual(uids.map((uid) => ({ uid, ok: true, attempts: 1 })));
    expect(tagsOf(sim.state()).map((t) => t.afi)).toEqual(uids.map(() => 0xc2));
    const back = await pad.setSecurity(uids, true);
    expect(back.every((r) => r.ok)).toBe(true);
    expect(tagsOf(sim.state()).map((t) => t.afi)).toEqual(uids.map(() => 0x07));
  });

  it("reports a write failure on one tag of a stack per tag while the others succeed", async () => {
    const { pad, sim } = await memoryRig(model, cleanups, { pad: { retries: 2 }, maxInventoryTags: 10 });
    const uids = sim.placeTags(itemIds(10).map((itemId) => ({ itemId, secured: true })));
    const bad = uids[4] as string;
    await sim.control("setFaults", { tags: { [bad]: { writeFailureRate: 1 } } });
    const out = await pad.setSecurity(uids, false);
    for (const r of out) {
      if (r.uid === bad) {
        expect(r).toMatchObject({ ok: false, attempts: 3, error: { code: "RFID_TAG_WRITE_FAILED" } });
        expect(r.error?.message).toMatch(/3 attempts/);
      } else expect(r).toEqual({ uid: r.uid, ok: true, attempts: 1 });
    }
    const afis = tagsOf(sim.state()).map((t) => t.afi);
    expect(afis).toEqual(uids.map((u) => (u === bad ? 0x07 : 0xc2)));
  });

  it("retries writes that fail now and then, and counts the attempts", async () => {
    const { pad, sim } = await memoryRig(model, cleanups, { pad: { retries: 6 }, maxInventoryTags: 12 });
    const uids = sim.placeTags(itemIds(12).map((itemId) => ({ itemId, secured: false })));
    await sim.control("setFaults", { writeFailureRate: 0.4 });
    const out = await pad.setSecurity(uids, true);
    expect(out.every((r) => r.ok)).toBe(true);
    expect(out.some((r) => r.attempts > 1)).toBe(true);
    expect(tagsOf(sim.state()).every((t) => t.afi === 0x07)).toBe(true);
  });

  it("reads through read misses by retrying", async () => {
    const { pad, sim, commands } = await memoryRig(model, cleanups, { pad: { retries: 8 } });
    const uids = sim.placeTags(itemIds(8).map((itemId) => ({ itemId })));
    await sim.control("setFaults", { readMissRate: 0.3 });
    commands.length = 0;
    for (const [i, uid] of uids.entries()) {
      expect((await pad.readTag(uid)).data?.itemId).toBe(itemIds(8)[i]);
    }
    const reads = commands.filter((c) => c !== "inventory").length;
    const perTag = model === "3m810" ? 2 : 5; // 3M: AFI + 8 blocks; FEIG: system info + 4 × 8 blocks
    expect(reads).toBeGreaterThan(uids.length * perTag);
  });

  it("notices a write that was acknowledged but did not stick (RFID_VERIFY_FAILED)", async () => {
    const { pad, sim } = await memoryRig(model, cleanups, { pad: { retries: 1 } });
    const [weak, fine] = sim.placeTags([
      { itemId: "1", secured: true },
      { itemId: "2", secured: true },
    ]) as [string, string];
    await sim.control("setFaults", { tags: { [weak]: { lostWriteRate: 1 } } });
    const [first, second] = await pad.setSecurity([weak, fine], false);
    expect(first).toMatchObject({ uid: weak, ok: false, attempts: 2, error: { code: "RFID_VERIFY_FAILED" } });
    expect(first?.error?.message).toMatch(/afi reads 7, wanted 194/);
    expect(second).toMatchObject({ ok: true });
    await expect(pad.writeTagData(weak, "rfid501", { itemId: "123" })).rejects.toMatchObject({
      code: "RFID_VERIFY_FAILED",
    });
  });

  it("reports RFID_TAG_GONE for a tag lifted off the pad in the middle of a write", async () => {
    const { pad, sim } = await memoryRig(model, cleanups);
    const [leaving, staying] = sim.placeTags([{ itemId: "1" }, { itemId: "2" }]) as [string, string];
    await sim.control("setFaults", { tags: { [leaving]: { removeAfterBlocks: 3 } } });
    const err = await pad.writeTagData(leaving, "iso28560-2", { itemId: "30001000000999" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "RFID_TAG_GONE", details: { uid: leaving, attempts: 1 } });
    expect((err as Error).message).toMatch(/left the pad.*Put the item back/);
    expect(tagsOf(sim.state()).map((t) => t.uid)).toEqual([staying]);
    const [afterwards] = await pad.setSecurity([leaving], true);
    expect(afterwards).toMatchObject({ ok: false, attempts: 1, error: { code: "RFID_TAG_GONE" } });
    await expect(pad.readTag(leaving)).rejects.toMatchObject({ code: "RFID_TAG_GONE" });
  });

  it("loses tags to unresolved collisions for a round; polling does not report them removed", async () => {
    const { pad, sim } = await memoryRig(model, cleanups, { pad: { missThreshold: 5 } });
    const uids = sim.placeTags([{ itemId: "1" }, { itemId: "2" }]);
    await sim.control("setFaults", { collisionRate: 1 });
    expect(await pad.inventory()).toEqual([]);
    await sim.control("setFaults", { collisionRate: 0.3 });
    expect((await pad.inventory({ rounds: 8 })).map((t) => t.uid).sort()).toEqual([...uids].sort());
    const changes = [];
    for (let i = 0; i < 20; i++) changes.push(await pad.refresh());
    expect(changes.flatMap((c) => c.removed)).toEqual([]);
    expect(
      pad
        .tagsOnPad()
        .map((t) => t.uid)
        .sort(),
    ).toEqual([...uids].sort());
  });

  it("with a miss threshold of 1, the same collisions make tags flicker", async () => {
    const { pad, sim } = await memoryRig(model, cleanups, { pad: { missThreshold: 1 } });
    sim.placeTags([{ itemId: "1" }, { itemId: "2" }]);
    await sim.control("setFaults", { collisionRate: 0.4 });
    const removed = [];
    for (let i = 0; i < 20; i++) removed.push(...(await pad.refresh()).removed);
    expect(removed.length).toBeGreaterThan(0);
  });

  it("polls: books put on and lifted off the pad become tagsChanged events", async () => {
    const { pad, sim } = await memoryRig(model, cleanups, { pad: { missThreshold: 2 } });
    pad.startPolling(5);
    const added = nextEvent(pad, "tagsChanged", (c) => c.added.length === 3);
    const uids = sim.placeTags(itemIds(3).map((itemId) => ({ itemId })));
    const [change] = await added;
    expect(change.added.map((t) => t.uid)).toEqual(uids);
    expect(change.present).toHaveLength(3);
    expect(pad.health().detail).toMatchObject({ tagsOnPad: 3, polling: true });
    const removed = nextEvent(pad, "tagsChanged", (c) => c.removed.length > 0);
    await sim.control("removeTags", { uids: [uids[1]] });
    const [gone] = await removed;
    expect(gone.removed.map((t) => t.uid)).toEqual([uids[1]]);
    expect(gone.present.map((t) => t.uid)).toEqual([uids[0], uids[2]]);
    pad.stopPolling();
    expect(pad.health().detail).toMatchObject({ polling: false });
  });

  it("polling gives way to tag writes, but never for longer than POLL_YIELD_MAX_MS", async () => {
    // (A CPR-M02 firmware that lists 40 tags at once, so one pad holds the whole stream.)
    const { pad, sim, commands, clock } = await memoryRig(model, cleanups, { maxInventoryTags: 40 });
    const uids = sim.placeTags(itemIds(30).map((itemId) => ({ itemId, secured: true })));
    await pad.refresh();
    await sim.control("setFaults", { commandDelayMs: { writeAfi: 100 } });
    commands.length = 0;
    pad.startPolling(5);
    while (!commands.includes("inventory")) await new Promise((r) => setImmediate(r));
    await pad.inventory(); // queued behind polling's first round, so that round is over when it returns
    // A few writes (300 ms of work) go through with no inventory between them.
    commands.length = 0;
    const started = clock.now();
    const results = await pad.setSecurity(uids.slice(0, 3), false);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(clock.now() - started).toBeLessThan(POLL_YIELD_MAX_MS);
    expect(commands.filter((c) => c === "inventory")).toEqual([]);
    // A stream of writes longer than the limit: polling still runs a round within each POLL_YIELD_MAX_MS.
    commands.length = 0;
    const rounds: number[] = [];
    sim.on("command", (c) => c.kind === "inventory" && rounds.push(clock.now()));
    const from = clock.now();
    await pad.setSecurity(uids.slice(3), false);
    const until = clock.now();
    expect(until - from).toBeGreaterThan(2 * POLL_YIELD_MAX_MS);
    const marks = [from, ...rounds.filter((t) => t <= until), until];
    const gaps = marks.slice(1).map((t, i) => t - (marks[i] as number));
    // A round may start just after the limit and then wait its turn behind one write (with its read-back).
    expect(Math.max(...gaps)).toBeLessThanOrEqual(POLL_YIELD_MAX_MS + 150);
  });

  it("polling keeps off the pad for its quiet time after reads and writes, then resumes its pace", async () => {
    const { pad, sim, commands, clock } = await memoryRig(model, cleanups);
    const uids = sim.placeTags(itemIds(3).map((itemId) => ({ itemId, secured: true })));
    await sim.control("setFaults", { commandDelayMs: { inventory: 100 } });
    const QUIET = 200;
    expect(() => pad.startPolling(20, { quietMs: -1 })).toThrow(/quietMs/);
    expect(() => pad.startPolling(20, { quietMs: POLL_YIELD_MAX_MS + 1 })).toThrow(/quietMs/);
    pad.startPolling(20, { quietMs: QUIET });
    while (!commands.includes("inventory")) await new Promise((r) => setImmediate(r));
    for (const uid of uids) await pad.readTag(uid); // the first waits for polling's round to end
    // A stack's reads, then the wait for the first checkout's answer: no round may start in that gap, or
    // the security writes that follow wait a whole round for the pad.
    commands.length = 0;
    await clock.sleep(QUIET - 50);
    expect(commands).toEqual([]);
    const rounds: number[] = [];
    sim.on("command", (c) => c.kind === "inventory" && rounds.push(clock.now()));
    const results = await pad.setSecurity(uids, false);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(rounds).toEqual([]);
    const workEnded = clock.now();
    // Then the pad keeps quiet, and polls at its pace again: 100 ms rounds, 20 ms apart.
    await clock.sleep(QUIET + 300);
    expect(rounds[0]).toBe(workEnded + QUIET);
    expect(rounds.slice(1).map((at, i) => at - (rounds[i] as number))).toEqual([120, 120]);
  });

  it("a change of pace keeps the rhythm: the next round is the new pace after the last, not at once", async () => {
    const { pad, sim, clock } = await memoryRig(model, cleanups);
    await sim.control("setFaults", { commandDelayMs: { inventory: 100 } });
    const rounds: number[] = [];
    sim.on("command", (c) => c.kind === "inventory" && rounds.push(clock.now()));
    pad.startPolling(150);
    await clock.sleep(10);
    expect(rounds).toHaveLength(1); // the first call polls at once
    await clock.sleep(100 + 50);
    pad.startPolling(20); // 50 ms into the rest after the first round: the next round is due now
    pad.startPolling(20);
    await clock.sleep(1);
    expect(rounds).toHaveLength(2);
    expect(rounds[1]! - rounds[0]!).toBeLessThan(100 + 60);
    await clock.sleep(100 + 5);
    pad.startPolling(150); // 5 ms into a 20 ms rest: the round waits 145 ms more
    await clock.sleep(140);
    expect(rounds).toHaveLength(2);
    await clock.sleep(10);
    expect(rounds).toHaveLength(3);
    expect(rounds[2]! - rounds[1]!).toBe(100 + 150);
  });

  it("times out on a silent reader (degraded), then sets it up again when it answers", async () => {
    const { pad, sim, commands } = await memoryRig(model, cleanups);
    const [uid] = sim.placeTags([{ itemId: "1" }]);
    await sim.control("setFaults", { unresponsive: true });
    const healthEvents: string[] = [];
    pad.on("health", (h) => healthEvents.push(h.state));
    await expect(pad.readTag(uid as string)).rejects.toMatchObject({ code: "RFID_TIMEOUT" });
    expect(pad.health()).toMatchObject({ state: "degraded", lastError: { code: "RFID_TIMEOUT" } });
    await sim.control("setFaults", { unresponsive: false });
    commands.length = 0;
    expect((await pad.readTag(uid as string)).data?.itemId).toBe("1");
    expect(commands.slice(0, SETUP[model].length)).toEqual(SETUP[model]);
    expect(pad.health().state).toBe("ok");
    expect(pad.health().lastError?.code).toBe("RFID_TIMEOUT"); // kept for staff to see
    expect(healthEvents).toEqual(["degraded", "ok"]);
  });

  it("polling survives a reader that goes silent for a while", async () => {
    const { pad, sim } = await memoryRig(model, cleanups, { pad: { commandTimeoutMs: 30 } });
    pad.startPolling(5);
    const degraded = nextEvent(pad, "health", (h) => h.state !== "ok");
    await sim.control("setFaults", { unresponsive: true });
    expect((await degraded)[0].lastError?.code).toBe("RFID_TIMEOUT");
    const back = nextEvent(pad, "health", (h) => h.state === "ok");
    await sim.control("setFaults", { unresponsive: false });
    await back;
    const seen = nextEvent(pad, "tagsChanged", (c) => c.added.length === 1);
    const [uid] = sim.placeTags([{ itemId: "1" }]);
    expect((await seen)[0].added[0]?.uid).toBe(uid);
  });

  it("resyncs past line noise before every reply", async () => {
    const { pad, sim } = await memoryRig(model, cleanups, { pair: { maxChunkSize: 3 }, maxInventoryTags: 5 });
    const uids = sim.placeTags(itemIds(5).map((itemId) => ({ itemId })));
    await sim.control("setFaults", { noiseBytes: 7 });
    expect((await pad.inventory()).map((t) => t.uid)).toEqual(uids);
    expect((await pad.readTag(uids[2] as string)).data?.itemId).toBe(itemIds(5)[2]);
    expect((await pad.setSecurity(uids, true)).every((r) => r.ok)).toBe(true);
  });

  it("self test: N tags on the pad with their item ids; patron cards stay masked", async () => {
    const { pad, sim } = await memoryRig(model, cleanups);
    expect(await pad.selfTest()).toMatchObject({ ok: true, summary: expect.stringMatching(/^No tags on the pad/) });
    sim.placeTags([{ itemId: "30001000000010" }, { itemId: "23191000105866", typeOfUsage: 8 }]);
    const result = await pad.selfTest();
    expect(result.ok).toBe(true);
    expect(result.summary).toBe("2 tags on the pad: 30001000000010, [patron card]");
    expect(JSON.stringify(result)).not.toContain("23191000105866");
  });

  it("self test of a silent reader fails with the error instead of throwing", async () => {
    const { pad, sim } = await memoryRig(model, cleanups);
    await sim.control("setFaults", { unresponsive: true });
    const result = await pad.selfTest();
    expect(result).toMatchObject({ ok: false, error: { code: "RFID_TIMEOUT" } });
  });

  it("a reader that never answers the set-up is disconnected with RFID_TIMEOUT, until it does", async () => {
    const { pad, sim } = await memoryRig(model, cleanups, { start: false });
    await sim.control("setFaults", { unresponsive: true });
    await pad.start();
    expect(pad.health()).toMatchObject({ state: "disconnected", lastError: { code: "RFID_TIMEOUT" } });
    expect(pad.health().lastError?.message).toMatch(/model and serial settings/);
    const ok = nextEvent(pad, "health", (h) => h.state === "ok");
    await sim.control("setFaults", { unresponsive: false });
    await ok; // the set-up retry timer got through
  });

  it("stop() fails the command in flight with RFID_STOPPED and later calls too", async () => {
    // The pad's timeouts run on a clock nobody moves, and the reader stays silent: the command is
    // in flight for as long as the test likes, however slow the machine.
    const { pad, sim } = await memoryRig(model, cleanups, { pad: { clock: new VirtualClock() } });
    await sim.control("setFaults", { unresponsive: true });
    const arrived = new Promise((resolve) => sim.once("command", resolve));
    const pending = pad.inventory();
    pending.catch(() => undefined); // asserted below; may reject before the assertion attaches
    await arrived;
    await pad.stop();
    await expect(pending).rejects.toMatchObject({ code: "RFID_STOPPED" });
    await expect(pad.inventory()).rejects.toMatchObject({ code: "RFID_STOPPED" });
    expect(pad.health().state).toBe("disconnected");
  });

  it("unplug → disconnected with the transport error → replug → set up again, polling resumes", async () => {
    const clock = new VirtualClock();
    const [host, device] = createMemoryPair({ names: ["rfid host", "rfid reader"], clock });
    await device.open();
    const sim = createRfidReaderSimulator({ model, seed: 3, clock });
    sim.attach(device);
    const transport = createReconnectingTransport({
      label: "RFID pad",
      factory: () => host,
      backoff: { initialMs: 5, maxMs: 20, jitter: 0 },
      clock,
    });
    const pad = createRfidPad({ id: "rfid-pad", model, transport, commandTimeoutMs: 300, missThreshold: 1, clock });
    cleanups.push(
      advanceWhileIdle(clock),
      () => pad.stop(),
      () => device.close(),
    );
    await pad.start();
    pad.startPolling(5);
    expect(pad.health().state).toBe("ok");

    const down = nextEvent(pad, "health", (h) => h.state === "disconnected");
    await sim.control("setFaults", { responseDelayMs: 50 });
    const inFlight = pad.inventory();
    inFlight.catch(() => undefined); // asserted below; may reject before the assertion attaches
    host.disconnect();
    const [health] = await down;
    expect(health.lastError?.code).toBe("DEVICE_DISCONNECTED");
    await expect(inFlight).rejects.toMatchObject({ code: "RFID_DISCONNECTED" });
    await expect(pad.readTag("E004010000000001")).rejects.toMatchObject({ code: "RFID_DISCONNECTED" });

    await sim.control("setFaults", { responseDelayMs: 0 });
    const up = nextEvent(pad, "health", (h) => h.state === "ok");
    host.reconnect();
    await device.open();
    await up;
    const seen = nextEvent(pad, "tagsChanged", (c) => c.added.length === 1);
    const [uid] = sim.placeTags([{ itemId: "30001000000010" }]);
    expect((await seen)[0].added[0]?.uid).toBe(uid);
  });
});

describe("RfidPad options", () => {
  const [host] = createMemoryPair();

  it("refuses EAS security on the 3M 810, which has no EAS commands", () => {
    expect(() => createRfidPad({ id: "p", model: "3m810", transport: host, security: { mode: "both" } })).toThrow(
      expect.objectContaining({ code: "RFID_BAD_OPTIONS", message: expect.stringMatching(/security\.mode.*3M 810/) }),
    );
  });

  it.each([
    [{ model: "feig" }, /model/],
    [{ retries: -1 }, /retries/],
    [{ commandTimeoutMs: 0 }, /commandTimeoutMs/],
    [{ missThreshold: 1.5 }, /missThreshold/],
    [{ security: { securedAfi: 7, unsecuredAfi: 7 } }, /security/],
    [{ security: { securedAfi: 300 } }, /security/],
  ])("rejects %j with RFID_BAD_OPTIONS naming the option", (bad, pattern) => {
    expect(() => createRfidPad({ id: "p", model: "cpr-m02", transport: host, ...(bad as object) })).toThrow(
      expect.objectContaining({ code: "RFID_BAD_OPTIONS", message: expect.stringMatching(pattern) }),
    );
  });

  it("fails operations before start() with RFID_STOPPED", async () => {
    const pad = createRfidPad({ id: "p", model: "cpr-m02", transport: host });
    await expect(pad.inventory()).rejects.toMatchObject({ code: "RFID_STOPPED" });
    expect(pad.health().state).toBe("disconnected");
  });
});

describe("RfidPad start() with a reader that is not there yet", () => {
  it("resolves after the first attempt with disconnected health, and comes up when the reader appears", async () => {
    const clock = new VirtualClock();
    const [host, device] = createMemoryPair({ clock });
    let plugged = false;
    const transport = createReconnectingTransport({
      label: "RFID pad",
      factory: () => {
        if (!plugged) throw new TransportError("DEVICE_NOT_FOUND", "no reader at /dev/ttyUSB0");
        return host;
      },
      backoff: { initialMs: 5, maxMs: 10, jitter: 0 },
      clock,
    });
    const pad = createRfidPad({ id: "rfid-pad", model: "3m810", transport, clock });
    cleanups.push(
      advanceWhileIdle(clock),
      () => pad.stop(),
      () => device.close(),
    );
    await pad.start();
    expect(pad.health()).toMatchObject({ state: "disconnected", lastError: { code: "DEVICE_NOT_FOUND" } });
    await device.open();
    createRfidReaderSimulator({ model: "3m810", clock }).attach(device);
    const up = nextEvent(pad, "health", (h) => h.state === "ok");
    plugged = true;
    expect((await up)[0].detail).toMatchObject({ firmware: "10.5.0.2" });
  });
});

describe("RfidPad EAS security on the CPR-M02", () => {
  it.each(["eas", "both"] as const)("mode %s sets and verifies the EAS bit (and AFI for both)", async (mode) => {
    const { pad, sim } = await memoryRig("cpr-m02", cleanups, { pad: { security: { mode } } });
    const uids = sim.placeTags(itemIds(4).map((itemId) => ({ itemId, secured: false })));
    expect((await pad.setSecurity(uids, true)).every((r) => r.ok && r.attempts === 1)).toBe(true);
    for (const t of tagsOf(sim.state())) {
      expect(t.eas).toBe(true);
      expect(t.afi).toBe(mode === "both" ? 0x07 : 0xc2);
    }
    const reading = await pad.readTag(uids[0] as string);
    expect(reading).toMatchObject({ eas: true, security: "secured" });
    expect((await pad.setSecurity(uids, false)).every((r) => r.ok)).toBe(true);
    expect(tagsOf(sim.state()).every((t) => !t.eas)).toBe(true);
  });

  it("an EAS write that does not stick fails verification", async () => {
    const { pad, sim } = await memoryRig("cpr-m02", cleanups, { pad: { security: { mode: "eas" }, retries: 2 } });
    const [uid] = sim.placeTags([{ itemId: "1", secured: false }]);
    await sim.control("setFaults", { lostWriteRate: 1 });
    const [result] = await pad.setSecurity([uid as string], true);
    expect(result).toMatchObject({ ok: false, attempts: 3, error: { code: "RFID_VERIFY_FAILED" } });
    expect(result?.error?.message).toMatch(/eas reads false, wanted true/);
  });

  it("a locked EAS bit is a write failure, not a gone tag", async () => {
    const { pad, sim } = await memoryRig("cpr-m02", cleanups, { pad: { security: { mode: "eas" }, retries: 1 } });
    const [uid] = sim.placeTags([{ itemId: "1", secured: false, easLocked: true }]);
    const [result] = await pad.setSecurity([uid as string], true);
    expect(result).toMatchObject({ ok: false, attempts: 2, error: { code: "RFID_TAG_WRITE_FAILED" } });
    expect(result?.error?.message).toMatch(/ISO error 0x12/);
  });

  it("a malformed UID in a stack is reported for that entry only", async () => {
    const { pad, sim } = await memoryRig("cpr-m02", cleanups);
    const [uid] = sim.placeTags([{ itemId: "1" }]);
    const results = await pad.setSecurity(["not-a-uid", uid as string], true);
    expect(results[0]).toMatchObject({ uid: "not-a-uid", ok: false, attempts: 0, error: { code: "RFID_ENCODE" } });
    expect(results[1]).toMatchObject({ ok: true });
  });
});

describe("RfidPad AFI locking", () => {
  it("locks the AFI on a CPR-M02: later AFI writes to that tag fail, the others still work", async () => {
    const { pad, sim } = await memoryRig("cpr-m02", cleanups, { pad: { retries: 1 } });
    const [locked, free] = sim.placeTags(itemIds(2).map((itemId) => ({ itemId, secured: true }))) as [string, string];
    await pad.lockAfi(locked);
    const out = await pad.setSecurity([locked, free], false);
    // ISO 15693 error 0x12: "the specified block is locked and its content cannot be changed".
    expect(out[0]).toMatchObject({ uid: locked, ok: false, error: { code: "RFID_TAG_WRITE_FAILED" } });
    expect(out[0]?.error?.message).toMatch(/ISO error 0x12/);
    expect(out[1]).toEqual({ uid: free, ok: true, attempts: 1 });
    expect(tagsOf(sim.state()).map((t) => t.afi)).toEqual([0x07, 0xc2]);
  });

  it("says the 3M 810 cannot lock the AFI and what to do instead", async () => {
    const { pad, sim } = await memoryRig("3m810", cleanups);
    const [uid] = sim.placeTags([{ itemId: "30001000000010" }]) as [string];
    await expect(pad.lockAfi(uid)).rejects.toMatchObject({
      code: "RFID_NOT_SUPPORTED",
      message: expect.stringMatching(/cannot lock the AFI; lock tags on a reader that can/),
    });
  });
});
