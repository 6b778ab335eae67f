import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { transportError } from "../../../bridge/transports/errors.ts";
import { createMemoryPair, type MemoryTransport } from "../../../bridge/transports/memory.ts";
import {
  type BackoffPolicy,
  backoffDelay,
  type ConnectionStatus,
  createReconnectingTransport,
  DEFAULT_BACKOFF,
} from "../../../bridge/transports/reconnecting.ts";
import type { Transport } from "../../../bridge/transports/transport.ts";
import { advanceWhileIdle, flushIo } from "../../support/settle.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { collect, nextClose, nextOpen, statusLog, waitForStatus } from "./helpers.ts";

const FAST: BackoffPolicy = { initialMs: 5, maxMs: 40, factor: 2, jitter: 0, stableMs: 0 };

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * Retries are timed on a VirtualClock that moves only while I/O is quiet, so "the third attempt" or
 * "nothing more within 60 ms" never depends on how busy the machine is.
 */
let clock: VirtualClock;
beforeEach(() => {
  clock = new VirtualClock();
  cleanups.push(advanceWhileIdle(clock));
});

/** Lets `ms` of virtual time pass (the clock moves by itself while I/O is quiet). */
async function pause(ms: number): Promise<void> {
  const end = clock.now() + ms;
  while (clock.now() < end) await flushIo(1);
}

function track<T extends Transport>(t: T): T {
  cleanups.push(() => t.close());
  return t;
}

/** Valid policies: maxMs ≥ initialMs by construction. */
const policy = fc
  .record({
    initialMs: fc.integer({ min: 0, max: 10_000 }),
    extraMs: fc.integer({ min: 0, max: 600_000 }),
    factor: fc.double({ min: 1, max: 10, noNaN: true }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ initialMs, extraMs, factor, jitter }) => ({ initialMs, maxMs: initialMs + extraMs, factor, jitter }));

describe("backoffDelay", () => {
  it("matches min(max, initial·factor^(n-1)) without jitter", () => {
    const p = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, p))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
  });

  it("stays within [capped·(1-jitter), capped] where capped = min(max, initial·factor^(n-1))", () => {
    fc.assert(
      fc.property(policy, fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), (p, n, r) => {
        const capped = p.initialMs === 0 ? 0 : Math.min(p.maxMs, p.initialMs * p.factor ** (n - 1));
        const d = backoffDelay(n, p, () => r);
        expect(d).toBeLessThanOrEqual(Math.round(capped));
        expect(d).toBeGreaterThanOrEqual(Math.max(0, Math.round(capped * (1 - p.jitter)) - 1));
      }),
    );
  });

  it("never shrinks from one failure to the next when there is no jitter", () => {
    fc.assert(
      fc.property(policy, fc.integer({ min: 1, max: 100 }), (p, n) => {
        const q = { ...p, jitter: 0 };
        expect(backoffDelay(n + 1, q)).toBeGreaterThanOrEqual(backoffDelay(n, q));
      }),
    );
  });
});

describe("reconnecting transport", () => {
  it("retries a factory that fails, reporting each failure with its next retry time, then opens", async () => {
    let calls = 0;
    const [device, sim] = createMemoryPair();
    await sim.open();
    const rt = track(
      createReconnectingTransport({
        clock,
        label: "barcode scanner",
        backoff: FAST,
        factory: () => {
          calls++;
          if (calls < 3) {
            throw transportError("DEVICE_NOT_FOUND", `scanner not found (attempt ${calls})`);
          }
          return device;
        },
      }),
    );
    const log = statusLog(rt);
    expect(rt.status.state).toBe("closed");
    const opened = nextOpen(rt);
    await rt.open();
    await opened;
    expect(rt.isOpen).toBe(true);
    expect(calls).toBe(3);
    const states = log.map((s) => `${s.state}#${s.attempt}`);
    expect(states).toEqual([
      "connecting#1",
      "disconnected#1",
      "connecting#2",
      "disconnected#2",
      "connecting#3",
      "connecting#3",
      "open#3",
    ]);
    const failures = log.filter((s) => s.state === "disconnected");
    expect(failures.map((s) => s.lastError?.message)).toEqual([
      "scanner not found (attempt 1)",
      "scanner not found (attempt 2)",
    ]);
    for (const f of failures) expect(f.nextRetryAt).toBeTypeOf("number");
    expect(rt.description).toBe("barcode scanner (memory a)");
  });

  it("a plain Error from the factory counts as DEVICE_OPEN_FAILED", async () => {
    const rt = track(
      createReconnectingTransport({
        clock,
        label: "printer",
        backoff: FAST,
        factory: () => {
          throw new Error("boom");
        },
      }),
    );
    rt.open().catch(() => undefined);
    const s = await waitForStatus(rt, (x) => x.state === "disconnected");
    expect(s.lastError?.code).toBe("DEVICE_OPEN_FAILED");
    expect(s.lastError?.message).toMatch(/printer: could not open \(boom\)/);
  });

  it("unplug → close(disconnected) and status disconnected → replug → open again, data flows both ways", async () => {
    const [device, sim] = createMemoryPair({ names: ["pad", "pad sim"] });
    await sim.open();
    const rt = track(createReconnectingTransport({ clock, label: "RFID pad", backoff: FAST, factory: () => device }));
    await rt.open();
    const atKiosk = collect(rt);
    const atSim = collect(sim);
    await sim.write(Uint8Array.of(1));
    await atKiosk.waitFor(1);

    const closed = nextClose(rt);
    const down = waitForStatus(rt, (s) => s.state === "disconnected");
    device.disconnect();
    expect(await closed).toMatchObject({ reason: "disconnected", error: { code: "DEVICE_DISCONNECTED" } });
    const status = await down;
    expect(status.lastError?.code).toBe("DEVICE_DISCONNECTED");
    expect(rt.isOpen).toBe(false);
    const writeErr = await rt.write(Uint8Array.of(9)).catch((e: unknown) => e);
    expect(writeErr).toMatchObject({ code: "DEVICE_DISCONNECTED" });
    expect((writeErr as Error).message).toMatch(/keeps trying to reconnect/);
    // While unplugged, attempts fail with DEVICE_NOT_FOUND and the delay grows.
    const tries = await waitForStatus(rt, (s) => s.state === "disconnected" && s.attempt >= 3);
    expect(tries.lastError?.code).toBe("DEVICE_NOT_FOUND");

    const reopened = nextOpen(rt);
    device.reconnect();
    await sim.open();
    await reopened;
    await sim.write(Uint8Array.of(2));
    expect(await atKiosk.waitFor(2)).toEqual(Uint8Array.of(1, 2));
    await rt.write(Uint8Array.of(3));
    expect(await atSim.waitFor(1)).toEqual(Uint8Array.of(3));
  });

  it("resets the backoff after a successful open", async () => {
    const [device, sim] = createMemoryPair();
    await sim.open();
    const rt = track(createReconnectingTransport({ clock, label: "x", backoff: FAST, factory: () => device }));
    await rt.open();
    device.disconnect();
    await waitForStatus(rt, (s) => s.state === "disconnected" && s.attempt >= 2);
    device.reconnect();
    await waitForStatus(rt, (s) => s.state === "open");
    const again = waitForStatus(rt, (s) => s.state === "disconnected");
    device.disconnect();
    expect((await again).attempt).toBe(1);
  });

  it("close() stops retrying, rejects a pending open() with TRANSPORT_CLOSED and reports closed", async () => {
    let calls = 0;
    const rt = createReconnectingTransport({
      clock,
      label: "gate",
      backoff: FAST,
      factory: () => {
        calls++;
        throw transportError("DEVICE_NOT_FOUND", "no gate");
      },
    });
    const log = statusLog(rt);
    const opening = rt.open();
    opening.catch(() => undefined); // asserted below; may reject before the assertion attaches
    await waitForStatus(rt, (s) => s.attempt >= 2);
    await rt.close();
    await expect(opening).rejects.toMatchObject({ code: "TRANSPORT_CLOSED" });
    const callsAtClose = calls;
    await pause(60);
    expect(calls).toBe(callsAtClose);
    expect(log.at(-1)?.state).toBe("closed");
    await expect(rt.write(Uint8Array.of(1))).rejects.toMatchObject({ code: "DEVICE_NOT_OPEN" });
  });

  it("close() then open() while an attempt is in flight leaves one retry loop, not two", async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const [device, sim] = createMemoryPair();
    await sim.open();
    const rt = track(
      createReconnectingTransport({
        clock,
        label: "x",
        backoff: FAST,
        factory: async () => {
          calls++;
          if (calls === 1) await new Promise<void>((r) => (release = r)); // a slow device lookup
          return device;
        },
      }),
    );
    rt.open().catch(() => undefined);
    await rt.close();
    const reopened = rt.open();
    release(); // the first lookup finishes only now, for a run that was closed
    await reopened;
    await pause(20);
    expect(calls).toBe(2);
    expect(rt.isOpen).toBe(true);
    expect(device.listenerCount("data")).toBe(1);
  });

  it("close() while open closes the device and emits close(requested) once", async () => {
    const [device, sim] = createMemoryPair();
    await sim.open();
    const rt = createReconnectingTransport({ clock, label: "x", backoff: FAST, factory: () => device });
    await rt.open();
    const closes: unknown[] = [];
    rt.on("close", (info) => closes.push(info));
    await rt.close();
    await rt.close();
    expect(closes).toEqual([{ reason: "requested" }]);
    expect(device.isOpen).toBe(false);
    expect(rt.status.state).toBe("closed");
    // It can be started again.
    await rt.open();
    expect(rt.isOpen).toBe(true);
    await rt.close();
  });

  it("forwards device errors only to listeners, and a throwing status listener does not stop it", async () => {
    const [device, sim] = createMemoryPair();
    await sim.open();
    const rt = track(createReconnectingTransport({ clock, label: "x", backoff: FAST, factory: () => device }));
    rt.onStatus(() => {
      throw new Error("broken display");
    });
    const seen: ConnectionStatus[] = [];
    const unsubscribe = rt.onStatus((s) => seen.push(s));
    await rt.open();
    device.disconnect(); // no error listener on rt: must not throw
    const errors: string[] = [];
    rt.on("error", (e) => errors.push(e.code));
    device.reconnect();
    await waitForStatus(rt, (s) => s.state === "open");
    device.disconnect();
    await waitForStatus(rt, (s) => s.state === "disconnected");
    expect(errors).toEqual(["DEVICE_DISCONNECTED"]);
    unsubscribe();
    const count = seen.length;
    device.reconnect();
    await waitForStatus(rt, (s) => s.state === "open");
    expect(seen).toHaveLength(count);
  });

  it("rejects a bad backoff policy with TRANSPORT_OPTIONS_INVALID", () => {
    for (const backoff of [
      { initialMs: -1 },
      { maxMs: 1, initialMs: 5 },
      { factor: 0.5 },
      { jitter: 2 },
      { maxMs: Number.NaN },
    ]) {
      expect(() =>
        createReconnectingTransport({ clock, label: "x", factory: () => createMemoryPair()[0], backoff }),
      ).toThrow(expect.objectContaining({ code: "TRANSPORT_OPTIONS_INVALID" }));
    }
    expect(DEFAULT_BACKOFF).toEqual({ stableMs: 10_000, initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 });
  });

  it("uses a fresh transport from the factory on each attempt when asked to", async () => {
    const made: MemoryTransport[] = [];
    const sims: MemoryTransport[] = [];
    const rt = track(
      createReconnectingTransport({
        clock,
        label: "scanner",
        backoff: FAST,
        factory: async () => {
          const [a, b] = createMemoryPair({ names: [`a${made.length}`, `b${made.length}`] });
          await b.open();
          made.push(a);
          sims.push(b);
          return a;
        },
      }),
    );
    await rt.open();
    made[0]!.disconnect();
    await waitForStatus(rt, (s) => s.state === "open" && s.device === "memory a1");
    const atKiosk = collect(rt);
    await sims[1]!.write(Uint8Array.of(42));
    expect(await atKiosk.waitFor(1)).toEqual(Uint8Array.of(42));
    expect(made[0]!.listenerCount("data")).toBe(0); // the old transport is let go
  });
});
