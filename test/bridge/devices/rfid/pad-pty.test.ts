/** RfidPad against the simulator through the real serialport package on a pseudo-terminal pair. */
import { afterEach, describe, expect, it } from "vitest";
import { createRfidPad, readerSerialSettings } from "../../../../bridge/devices/rfid/pad.ts";
import type { RfidModel } from "../../../../bridge/devices/rfid/reader.ts";
import { createReconnectingTransport } from "../../../../bridge/transports/reconnecting.ts";
import { createSerialTransport } from "../../../../bridge/transports/serial.ts";
import { createRfidReaderSimulator } from "../../../../simulators/devices/rfid/simulator.ts";
import { openPtyPair } from "../../../support/pty.ts";
import { itemIds, nextEvent } from "./rig.ts";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Line settings per reader family, as its driver documents them. */
const LINE: Record<RfidModel, string> = { "3m810": "@19200 8N1", "cpr-m02": "@38400 8E1" };

describe.each(["3m810", "cpr-m02"] as const)("RfidPad %s over a PTY with the real serialport", (model) => {
  it("works, survives a hangup mid-inventory and works again after the replug", async () => {
    const pty = await openPtyPair();
    cleanups.push(() => pty.close());
    const readerEnd = createSerialTransport(readerSerialSettings(model, pty.b));
    await readerEnd.open();
    cleanups.push(() => readerEnd.close());
    // 30 tags: a CPR-M02 whose firmware lists 40 per inventory (the standard firmware lists 4).
    const limit = model === "cpr-m02" ? { maxInventoryTags: 40 } : {};
    const sim = createRfidReaderSimulator({ model, seed: 9, ...limit });
    sim.attach(readerEnd);
    cleanups.push(() => sim.detach());

    const transport = createReconnectingTransport({
      label: "RFID pad",
      factory: () => createSerialTransport({ ...readerSerialSettings(model, pty.a), presenceCheckMs: 50 }),
      backoff: { initialMs: 20, maxMs: 100, jitter: 0 },
    });
    const pad = createRfidPad({ id: "rfid-pad", model, transport, commandTimeoutMs: 1000, ...limit });
    cleanups.push(() => pad.stop());
    await pad.start();
    expect(pad.health()).toMatchObject({ state: "ok", detail: { model } });
    expect(pad.description).toContain(`serial ${pty.a} ${LINE[model]}`);

    const ids = itemIds(30);
    const uids = sim.placeTags(ids.map((itemId) => ({ itemId, secured: true })));
    expect((await pad.inventory()).map((t) => t.uid)).toEqual(uids);
    expect((await pad.readTag(uids[29] as string)).data?.itemId).toBe(ids[29]);
    expect((await pad.setSecurity(uids, false)).every((r) => r.ok)).toBe(true);

    // Hang up while an inventory is on the wire (the reader takes 300 ms to answer).
    await sim.control("setFaults", { responseDelayMs: 300 });
    const asked = new Promise<void>((resolve) => sim.once("command", () => resolve()));
    const down = nextEvent(pad, "health", (h) => h.state === "disconnected");
    // Catch the rejection at once: it may come before the health event below is awaited.
    const inFlight = pad.inventory().then(
      () => undefined,
      (error: unknown) => error,
    );
    await asked;
    await pty.hangup("a");
    const [health] = await down;
    expect(health.lastError?.code).toBe("DEVICE_DISCONNECTED");
    expect(health.lastError?.message).toMatch(/reconnects when it is back/);
    expect(await inFlight).toMatchObject({ code: "RFID_DISCONNECTED" });

    await sim.control("setFaults", { responseDelayMs: 0 });
    const up = nextEvent(pad, "health", (h) => h.state === "ok");
    const path = await pty.replug("a");
    await up;
    expect(pad.description).toContain(path);
    expect((await pad.inventory()).map((t) => t.uid)).toEqual(uids);
    expect((await pad.readTag(uids[0] as string)).data?.itemId).toBe(ids[0]);
  });
});
