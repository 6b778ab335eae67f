import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import type { DeviceHealth } from "../../../bridge/devices/device.ts";
import { DriverLifecycle, JobQueue, type Presence } from "../../../bridge/devices/lifecycle.ts";
import { createMemoryPair } from "../../../bridge/transports/memory.ts";
import { createReconnectingTransport } from "../../../bridge/transports/reconnecting.ts";
import type { Transport } from "../../../bridge/transports/transport.ts";
import { CodedError } from "../../../protocols/errors.ts";
import { elapse, flushIo, until } from "../../support/settle.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { capturingLogger } from "./printer/helpers.ts";

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

/** A minimal driver on the lifecycle: what it needs of one, nothing more. */
class Probe extends EventEmitter {
  readonly life: DriverLifecycle;
  readonly received: number[] = [];

  constructor(transport: Transport, clock: VirtualClock, presence: Presence, logger = capturingLogger().logger) {
    super();
    this.life = new DriverLifecycle({
      device: this,
      id: "probe",
      transport,
      logger,
      clock,
      presence,
      detail: () => ({ received: this.received.length }),
      notNews: ["received"],
      data: (bytes) => {
        this.received.push(...bytes);
        this.life.confirmed();
      },
    });
  }
}

function reconnectingPair(clock: VirtualClock) {
  const [host, device] = createMemoryPair({ names: ["host", "device"] });
  const transport = createReconnectingTransport({
    label: "probe",
    factory: () => host,
    backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
    clock,
  });
  return { host, device, transport };
}

describe("DriverLifecycle", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it.each([
    ["open", "ok"],
    ["silent", "unverified"],
  ] as const)("presence %s: health %s once the transport opens", async (presence, state) => {
    const clock = new VirtualClock();
    const { device, transport } = reconnectingPair(clock);
    await device.open();
    const probe = new Probe(transport, clock, presence);
    cleanups.push(() => probe.life.stop());
    await probe.life.start();
    expect(probe.life.health().state).toBe(state);
    await device.write(Uint8Array.of(1));
    await until(clock, () => probe.received.length === 1);
    expect(probe.life.health().state).toBe("ok"); // a silent device that spoke is verified
  });

  it("presence verify: ok when the device answers; disconnected with the error when it does not", async () => {
    const clock = new VirtualClock();
    const { device, transport } = reconnectingPair(clock);
    await device.open();
    let answers = false;
    const verify = async () => {
      if (!answers) throw new CodedError("PROBE_SILENT", "the probe did not answer");
    };
    const probe: Probe = new Probe(transport, clock, {
      verify: (): Promise<void> => verify().then(() => probe.life.setHealth("ok")),
    });
    cleanups.push(() => probe.life.stop());
    await probe.life.start();
    expect(probe.life.health()).toMatchObject({ state: "disconnected", lastError: { code: "PROBE_SILENT" } });
    answers = true;
    device.disconnect(); // the next connection is verified again
    device.reconnect();
    await device.open();
    await until(clock, () => probe.life.health().state === "ok");
  });

  it("shows when a reconnecting transport retries, without making every retry news", async () => {
    const clock = new VirtualClock();
    const { host, transport } = reconnectingPair(clock);
    host.disconnect();
    const probe = new Probe(transport, clock, "open");
    const heard: DeviceHealth[] = [];
    probe.on("health", (h: DeviceHealth) => heard.push(h));
    cleanups.push(() => probe.life.stop());
    await probe.life.start();
    const first = probe.life.health();
    expect(first).toMatchObject({ state: "disconnected", lastError: { code: "DEVICE_NOT_FOUND" } });
    expect(first.detail?.nextRetryAt).toBe(new Date(clock.now() + 100).toISOString());
    await elapse(clock, 1000, 10);
    expect(probe.life.health().detail?.nextRetryAt).not.toBe(first.detail?.nextRetryAt);
    expect(heard).toHaveLength(1);
  });

  it("a throwing open, status, data or health listener never reaches the process; the device keeps working", async () => {
    const clock = new VirtualClock();
    const { host, device, transport } = reconnectingPair(clock);
    await device.open();
    const { logger, lines } = capturingLogger("debug");
    const probe = new Probe(transport, clock, "open", logger);
    const fatal: unknown[] = [];
    const onFatal = (e: unknown) => fatal.push(e);
    process.on("unhandledRejection", onFatal);
    process.on("uncaughtException", onFatal);
    cleanups.push(() => {
      process.off("unhandledRejection", onFatal);
      process.off("uncaughtException", onFatal);
    });
    const bug = () => {
      throw new Error("listener bug");
    };
    transport.on("open", bug);
    transport.on("data", bug);
    transport.onStatus(bug);
    probe.on("health", bug);
    const transportErrors: string[] = [];
    transport.on("error", (e) => transportErrors.push(e.code));
    cleanups.push(() => probe.life.stop());

    await probe.life.start();
    expect(probe.life.health().state).toBe("ok");
    host.disconnect(); // down and up again: every listener runs once more
    host.reconnect();
    await device.open();
    await until(clock, () => transport.isOpen);
    await device.write(Uint8Array.of(7));
    await until(clock, () => probe.received.length === 1);
    await flushIo(); // an unhandled rejection would be reported by now

    expect(fatal).toEqual([]);
    expect(probe.life.health().state).toBe("ok");
    expect(transportErrors).toContain("LISTENER_FAILED");
    expect(transportErrors).toContain("DATA_LISTENER_FAILED");
    const bugLines = lines.map((l) => JSON.parse(l)).filter((l) => l.msg.startsWith("a device event listener threw"));
    expect(bugLines.length).toBeGreaterThan(0);
    expect(bugLines[0]).toMatchObject({ device: "probe", event: "health", reason: "listener bug" });
  });

  it("logs a state change once, as JSON without repeated keys, however often the device fails the same way", async () => {
    const clock = new VirtualClock();
    const { host, device, transport } = reconnectingPair(clock);
    await device.open();
    const { logger, lines } = capturingLogger("info");
    // The registry hands drivers a logger already bound to the device: it must not be bound twice.
    const probe = new Probe(transport, clock, "open", logger.child({ device: "probe" }));
    cleanups.push(() => probe.life.stop());
    await probe.life.start();
    for (let i = 0; i < 5; i++) {
      host.disconnect();
      await until(clock, () => probe.life.health().state === "disconnected");
      host.reconnect();
      await until(clock, () => transport.isOpen);
      host.disconnect();
      host.reconnect();
      await elapse(clock, 50);
    }
    const health = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "device health");
    // ok at start, then each of the five unplug/replug rounds: down once, up once.
    expect(health.map((l) => l.state).slice(0, 3)).toEqual(["ok", "disconnected", "ok"]);
    expect(health.length).toBeLessThanOrEqual(1 + 2 * 5 * 2);
    for (const line of lines) expect(line.match(/"device":/g)).toHaveLength(1);
  });
});
