import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import type { DeviceRegistry } from "../../../bridge/devices/registry.ts";
import { devicesPort, KIOSK_PAD_PACE, KioskPad, PadTags } from "../../../bridge/kiosk/device-ports.ts";
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

describe("KioskPad: the pace of the pad's polling (real driver and simulator, virtual time)", () => {
  it("rests between rounds, and hardly at all while a patron is at the checkout or return screen", async () => {
    const { pad, sim, clock } = await memoryRig("3m810", cleanups, { start: true });
    const rounds: number[] = [];
    sim.on("command", (c) => {
      if (c.kind === "inventory") rounds.push(clock.now());
    });
    // The registry as KioskPad sees it: its one RFID device, and word when devices are replaced.
    const registry = Object.assign(new EventEmitter(), { ofKind: () => [pad] }) as unknown as DeviceRegistry;
    const { logger } = capturedLogger("silent");
    const kioskPad = new KioskPad(registry, { logger, pace: KIOSK_PAD_PACE });
    cleanups.push(() => kioskPad.close());
    /** The gaps between the rounds of the next `ms` of virtual time (the simulator answers at once). */
    const gapsOver = async (ms: number) => {
      const from = rounds.length;
      const end = clock.now() + ms;
      await until(null, () => clock.now() >= end, { what: `${ms} ms of polling` });
      const seen = rounds.slice(from);
      return new Set(seen.slice(1).map((at, i) => at - (seen[i] as number)));
    };

    expect(await gapsOver(1000)).toEqual(new Set([KIOSK_PAD_PACE.restingMs]));
    kioskPad.followPhase("checkout");
    expect(await gapsOver(1000)).toEqual(new Set([KIOSK_PAD_PACE.watchingMs]));
    kioskPad.followPhase("idle");
    expect(await gapsOver(1000)).toEqual(new Set([KIOSK_PAD_PACE.restingMs]));
  });
});

describe("A stack on the pad at the checkout screen (real driver, simulator and engine; virtual time)", () => {
  // Issue 9's latencies: inventory 100 ms, tag write 30 ms, ILS 50 ms a checkout on 2 connections. The pad is
  // the one serial resource: one round to see the stack, then the first checkout, then 20 writes back to back.
  const LATENCY = { inventory: 100, write: 30, ils: 50 };
  const ITEMS = 20;
  const BOUND = LATENCY.inventory + LATENCY.ils + ITEMS * LATENCY.write;
  const PACE = KIOSK_PAD_PACE;

  it.each([0, 45, 90, 135, 180])(
    "placed %i ms after the screen shows: done within the bound plus one round",
    async (placeAfter) => {
      const { pad, sim, clock } = await memoryRig("3m810", cleanups);
      await sim.control("setFaults", {
        commandDelayMs: { inventory: LATENCY.inventory, writeAfi: LATENCY.write, writeBlocks: LATENCY.write },
      });
      const ils = new ScriptedIls();
      const checkout = ils.checkout.bind(ils);
      ils.checkout = (request: CheckinRequest) => {
        const answer = checkout(request);
        void clock.sleep(LATENCY.ils).then(() => ils.answer(request.itemId));
        return answer;
      };
      const registry = Object.assign(new EventEmitter(), { ofKind: () => [pad] }) as unknown as DeviceRegistry;
      const { logger } = capturedLogger("silent");
      const kioskPad = new KioskPad(registry, { logger, pace: PACE });
      cleanups.push(() => kioskPad.close());
      const engine = new KioskEngine({ settings: { ilsConcurrency: 2 }, ports: { ils, pad: kioskPad }, clock, logger });
      cleanups.push(() => engine.close());
      engine.onPhase((_, to) => kioskPad.followPhase(to)); // as bridge/main.ts does
      const items = Array.from({ length: ITEMS }, (_, i) => `3100000000${String(i + 1).padStart(4, "0")}`);
      // The moment the engine's state first shows every row settled, in virtual time.
      let doneAt: number | undefined;
      engine.subscribe(() => {
        const rows = engine.snapshot().items;
        if (doneAt === undefined && rows.length === ITEMS && rows.every((r) => r.status === "done"))
          doneAt = clock.now();
      });

      await clock.sleep(400); // the idle kiosk's polling, at the resting pace
      await engine.execute({ type: "identify", id: "1", credential: PATRON });
      await engine.execute({ type: "verifyPin", id: "2", pin: PIN });
      await engine.execute({ type: "show", id: "3", screen: "checkout" });
      await clock.sleep(placeAfter);
      const placedAt = clock.now();
      sim.placeTags(items.map((itemId) => ({ itemId, secured: true })));
      await until(null, () => doneAt !== undefined, { what: "every row done", limitMs: 60_000 });
      // At worst the stack comes just after a round began: that round, the rest after it, then the work.
      // Resting 150 ms, or polling between the stack's reads and its writes, would take longer.
      const elapsed = (doneAt as number) - placedAt;
      expect(elapsed).toBeGreaterThanOrEqual(BOUND);
      expect(elapsed).toBeLessThanOrEqual(BOUND + LATENCY.inventory + PACE.watchingMs);
    },
  );
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
