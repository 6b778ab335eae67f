import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import type { DeviceRegistry } from "../../../bridge/devices/registry.ts";
import { devicesPort, PadTags } from "../../../bridge/kiosk/device-ports.ts";
import { KioskEngine } from "../../../bridge/kiosk/engine.ts";
import type { CheckinRequest } from "../../../bridge/kiosk/ports.ts";
import { until } from "../../support/settle.ts";
import { memoryRig } from "../devices/rfid/rig.ts";
import { capturedLogger } from "../devices/scanner/helpers.ts";
import { PATRON, PIN, ScriptedIls } from "./engine-helpers.ts";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("PadTags: the pad's tags for the kiosk engine (real driver and simulator, virtual time)", () => {
  it("reads a stack one whole tag at a time, so the first checkout is in flight while the next tags are read", async () => {
    // The rig's virtual clock moves while I/O is quiet, so the reads' answers come in the order of events.
    const { pad, sim, clock } = await memoryRig("3m810", cleanups);
    // One line per pad command that reads a tag and per checkout sent, in the order they happened.
    const events: string[] = [];
    sim.on("command", (c) => {
      if (c.kind === "readAfi" || c.kind === "readBlocks") events.push(`${c.kind} ${c.uid}`);
    });
    const ils = new ScriptedIls(); // answers nothing: every checkout stays in flight
    const checkout = ils.checkout.bind(ils);
    ils.checkout = (request: CheckinRequest) => {
      events.push(`checkout ${request.itemId}`);
      return checkout(request);
    };
    const { logger } = capturedLogger("silent");
    const engine = new KioskEngine({
      settings: { ilsConcurrency: 4 },
      ports: { ils, pad: new PadTags(pad, logger) },
      clock,
      logger,
    });
    cleanups.push(() => engine.close());
    await engine.execute({ type: "identify", id: "1", credential: PATRON });
    await engine.execute({ type: "verifyPin", id: "2", pin: PIN });
    await engine.execute({ type: "show", id: "3", screen: "checkout" });

    const items = ["31000000000011", "31000000000029", "31000000000037"];
    const uids = sim.placeTags(items.map((itemId) => ({ itemId })));
    await pad.refresh();
    await until(null, () => ils.calls.length === items.length, { what: "a checkout for every tag" });
    // No AFI read: the kiosk reads a book's item data only (its security is written and read back later).
    expect(events).toEqual(items.flatMap((itemId, i) => [`readBlocks ${uids[i]}`, `checkout ${itemId}`]));
  });
});

describe("devicesPort: the devices as the patron's screen sees them", () => {
  it("reads the registry once per change of health or devices, not at every state the engine sends", () => {
    let state: "ok" | "disconnected" = "ok";
    let reads = 0;
    const registry = Object.assign(new EventEmitter(), {
      list: () => {
        reads++;
        const lastError = state === "ok" ? undefined : { code: "DEVICE_NOT_FOUND", message: "gone", at: "" };
        return [{ id: "pad", kind: "rfid", enabled: true, health: { state, ...(lastError ? { lastError } : {}) } }];
      },
    }) as unknown as DeviceRegistry;
    const port = devicesPort(registry);
    expect(port.summaries()).toEqual([{ id: "pad", kind: "rfid", health: "ok" }]);
    port.summaries();
    expect(reads).toBe(1);
    state = "disconnected";
    registry.emit("health", "pad", { state, since: "" });
    expect(port.summaries()).toEqual([{ id: "pad", kind: "rfid", health: "down", problem: "DEVICE_NOT_FOUND" }]);
    registry.emit("replaced", { added: [], removed: [], changed: [] });
    port.summaries();
    expect(reads).toBe(3);
  });
});
