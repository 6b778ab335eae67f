import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";
import { Type } from "@sinclair/typebox";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../bridge/config/load.ts";
import type { DeviceHealth } from "../../../bridge/devices/device.ts";
import { DEVICE_MODELS, type DeviceFactory } from "../../../bridge/devices/factories.ts";
import {
  createReconnectingHidTransport,
  DeviceRegistry,
  describeTransport,
  type RegistryOptions,
} from "../../../bridge/devices/registry.ts";
import { createMemoryHidPair } from "../../../bridge/transports/memory.ts";
import { type Hosting, hostOnMemory, hostOnPty, memoryDriverFactory } from "../../../simulators/devices/host.ts";
import { createScannerSimulator } from "../../../simulators/devices/scanner/index.ts";
import { PingDevice, PongSimulator } from "../../simulators/devices/host-fixtures.ts";
import { flushIo, settle, until } from "../../support/settle.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { capturingLogger } from "./printer/helpers.ts";

const logger = pino({ level: "silent" });
const BACKOFF = { initialMs: 5, maxMs: 40 };

/** A test-only model: the ping protocol from host-fixtures, over any transport. */
const PING: DeviceFactory = {
  kind: "relay",
  model: "pong",
  summary: "ping/pong test device",
  transports: ["serial", "tcp", "hid"],
  serial: { baudRate: 9600 },
  options: Type.Object(
    { failCreate: Type.Boolean({ default: false }), failStart: Type.Boolean({ default: false }) },
    { additionalProperties: false },
  ),
  create({ id, transport, options, logger: log }) {
    const opts = options as { failCreate: boolean; failStart: boolean };
    if (opts.failCreate) throw new Error("the board answered nonsense");
    const device = new PingDevice(id, transport, log);
    if (opts.failStart) device.start = () => Promise.reject(new Error("firmware too old"));
    return device;
  },
};
const FACTORIES = [PING];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function config(devices: unknown[]) {
  return parseConfig({ devices }, "test", { models: FACTORIES }).devices;
}

function registry(options: Omit<RegistryOptions, "logger" | "factories" | "backoff">): DeviceRegistry {
  const r = new DeviceRegistry({ logger, factories: FACTORIES, backoff: BACKOFF, ...options });
  cleanups.push(() => r.stop());
  return r;
}

async function hosted(): Promise<Hosting & { type: "memory" }> {
  const hosting = await hostOnMemory(new PongSimulator());
  cleanups.push(() => hosting.close());
  return hosting as Hosting & { type: "memory" };
}

function healthOf(r: DeviceRegistry, id: string, state: DeviceHealth["state"]): Promise<DeviceHealth> {
  return new Promise((resolve) => {
    const current = r.list().find((e) => e.id === id)?.health;
    if (current?.state === state) return resolve(current);
    const check = (which: string, health: DeviceHealth) => {
      if (which !== id || health.state !== state) return;
      r.off("health", check);
      resolve(health);
    };
    r.on("health", check);
  });
}

const pong = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  kind: "relay",
  model: "pong",
  transport: { type: "serial", path: `/dev/null-${id}` },
  ...extra,
});

describe("DeviceRegistry", () => {
  it("starts every device; one that is missing or broken does not stop the others", async () => {
    const a = await hosted();
    const b = await hosted();
    const devices = config([
      pong("a"),
      pong("b"),
      pong("missing", { transport: { type: "serial", path: "/dev/does-not-exist-selfcheck" } }),
      pong("broken", { options: { failCreate: true } }),
      pong("stubborn", { options: { failStart: true } }),
      pong("off", { enabled: false }),
    ]);
    const byId: Record<string, Hosting> = { a, b };
    const r = registry({
      devices,
      transportFor: (d) => {
        const h = byId[d.id];
        return h && h.exposure.type === "memory" ? memoryDriverFactory(h as never) : undefined;
      },
    });
    await r.start();
    const states = Object.fromEntries(r.list().map((e) => [e.id, e.health.state]));
    expect(states).toEqual({
      a: "ok",
      b: "ok",
      missing: "disconnected",
      broken: "disconnected",
      stubborn: "disconnected",
      off: "disconnected",
    });
    const entries = Object.fromEntries(r.list().map((e) => [e.id, e]));
    expect(entries.missing?.health.lastError).toMatchObject({
      code: "DEVICE_NOT_FOUND",
      message: expect.stringContaining("/dev/does-not-exist-selfcheck"),
    });
    expect(entries.missing?.connection).toMatchObject({ state: "disconnected", nextRetryAt: expect.any(String) });
    expect(entries.broken?.health.lastError).toMatchObject({
      code: "DEVICE_CREATE_FAILED",
      message: expect.stringContaining("the board answered nonsense"),
    });
    expect(entries.stubborn?.health.lastError).toMatchObject({
      code: "DEVICE_START_FAILED",
      message: expect.stringContaining("firmware too old"),
    });
    expect(entries.off).toMatchObject({ enabled: false, health: { detail: { disabled: true } } });
    expect(entries.a).toMatchObject({ kind: "relay", model: "pong", name: "a" });
    expect(r.get("a")).toBeInstanceOf(PingDevice);
    expect(r.get("broken")).toBeUndefined();
    expect(r.ofKind("relay").map((d) => d.id)).toEqual(["a", "b", "missing"]);

    await expect(r.test("a")).resolves.toMatchObject({ ok: true, summary: "answered PONG 1" });
    await expect(r.test("off")).resolves.toMatchObject({ ok: false, error: { code: "DEVICE_DISABLED" } });
    await expect(r.test("broken")).resolves.toMatchObject({ ok: false, error: { code: "DEVICE_CREATE_FAILED" } });
    await expect(r.test("missing", { timeoutMs: 50 })).resolves.toMatchObject({
      ok: false,
      error: { code: "DEVICE_DISCONNECTED" },
    });
    await expect(r.test("nope")).rejects.toMatchObject({
      code: "DEVICE_UNKNOWN",
      message: expect.stringContaining("a, b, missing, broken, stubborn, off"),
    });
  });

  it("emits health changes by id and follows a device through unplug and replug", async () => {
    const a = await hosted();
    const r = registry({ devices: config([pong("a")]), transportFor: () => memoryDriverFactory(a as never) });
    const seen: string[] = [];
    r.on("health", (id, h) => seen.push(`${id}:${h.state}`));
    await r.start();
    expect(await r.whenAllOk(10_000)).toBe(true);
    const down = healthOf(r, "a", "disconnected");
    await a.unplug();
    expect((await down).lastError?.code).toBe("DEVICE_DISCONNECTED");
    const up = healthOf(r, "a", "ok");
    await a.replug();
    await up;
    expect(seen).toEqual(["a:ok", "a:disconnected", "a:ok"]);
    await expect(r.test("a")).resolves.toMatchObject({ ok: true });
  });

  it("whenAllOk gives up after its timeout", async () => {
    const r = registry({ devices: config([pong("missing")]) });
    await r.start();
    expect(await r.whenAllOk(30)).toBe(false);
  });

  it("shows a HID device as disconnected with HID_UNAVAILABLE while node-hid cannot load, and runs the rest", async () => {
    const a = await hosted();
    const devices = config([
      pong("a"),
      {
        id: "hid",
        kind: "relay",
        model: "pong",
        transport: { type: "hid", match: { vendorId: "16c0", productId: "05df" } },
      },
    ]);
    const r = registry({
      devices,
      transportFor: (d) => (d.id === "a" ? memoryDriverFactory(a as never) : undefined),
      hidLoader: () =>
        Promise.reject(
          Object.assign(new Error("libusb-1.0.so.0: cannot open shared object file"), { code: "ERR_DLOPEN_FAILED" }),
        ),
    });
    await r.start();
    const hid = r.list().find((e) => e.id === "hid");
    expect(hid?.description).toContain("hid 16c0:05df");
    expect(hid?.health).toMatchObject({
      state: "disconnected",
      lastError: { code: "HID_UNAVAILABLE", message: expect.stringMatching(/libusb/) },
    });
    expect(r.list().find((e) => e.id === "a")?.health.state).toBe("ok");
  });

  it("with the real drivers: a HID POS scanner shows HID_UNAVAILABLE naming libusb, a serial scanner next to it works", async () => {
    const sim = createScannerSimulator({ model: "serial-line" });
    const pty = await hostOnPty(sim);
    cleanups.push(() => pty.close());
    const devices = parseConfig(
      {
        devices: [
          {
            id: "hid-scanner",
            kind: "scanner",
            model: "hid-pos",
            transport: { type: "hid", match: { vendorId: "0c2e", productId: "0b10" } },
          },
          {
            id: "serial-scanner",
            kind: "scanner",
            model: "serial-line",
            transport: { type: "serial", path: pty.exposure.path },
          },
        ],
      },
      "test",
      { models: DEVICE_MODELS },
    ).devices;
    const r = new DeviceRegistry({
      devices,
      logger,
      backoff: BACKOFF,
      hidLoader: () =>
        Promise.reject(
          Object.assign(new Error("libusb-1.0.so.0: cannot open shared object file"), { code: "ERR_DLOPEN_FAILED" }),
        ),
    });
    cleanups.push(() => r.stop());
    await r.start();
    const [hid, serial] = r.list();
    expect(hid?.health).toMatchObject({
      state: "disconnected",
      lastError: { code: "HID_UNAVAILABLE", message: expect.stringContaining("libusb-1.0-0") },
    });
    // The port is open but a serial scanner is silent until it scans: it cannot be verified yet.
    expect(serial?.health.state).toBe("unverified");
    const scanner = r.get("serial-scanner");
    const scanned = new Promise<{ code: string }>((resolve) => scanner?.once("scan", resolve));
    await sim.control("scan", { code: "34711000000010" });
    expect((await scanned).code).toBe("34711000000010");
    expect(r.list()[1]?.health.state).toBe("ok");
  });

  it("finds a serial device by USB identity wherever it is, over a real PTY", async () => {
    const sim = new PongSimulator();
    const pty = await hostOnPty(sim);
    cleanups.push(() => pty.close());
    const devices = config([
      pong("by-id", {
        transport: { type: "serial", match: { vendorId: "0403", productId: "6001", serialNumber: "A1" } },
      }),
    ]);
    let path = pty.exposure.path;
    const r = registry({
      devices,
      listSerialPorts: async () => [
        { path: "/dev/ttyUSB9", kind: "usb", vendorId: 0x0403, productId: 0x6001, serialNumber: "OTHER" },
        { path, kind: "usb", vendorId: 0x0403, productId: 0x6001, serialNumber: "A1" },
      ],
    });
    expect(r.list()[0]?.description).toBe("serial USB 0403:6001 serial A1 @9600 8N1");
    await r.start();
    expect(r.list()[0]?.health.state).toBe("ok");
    await expect(r.test("by-id")).resolves.toMatchObject({ ok: true });
    // Replugged at another path: the registry finds it again by identity.
    const down = healthOf(r, "by-id", "disconnected");
    await pty.unplug();
    await down;
    const up = healthOf(r, "by-id", "ok");
    await pty.replug();
    path = pty.exposure.path;
    await up;
    await expect(r.test("by-id")).resolves.toMatchObject({ ok: true, summary: "answered PONG 2" });
  });

  it("stop() stops every device and closes their transports", async () => {
    const a = await hosted();
    const r = registry({
      devices: config([pong("a"), pong("missing")]),
      transportFor: (d) => (d.id === "a" ? memoryDriverFactory(a as never) : undefined),
    });
    await r.start();
    await r.stop();
    expect(r.list().map((e) => [e.id, e.health.state, e.connection?.state])).toEqual([
      ["a", "disconnected", "closed"],
      ["missing", "disconnected", "closed"],
    ]);
  });

  it("describes transports from the config", () => {
    const [serial, tcp, hid] = config([
      pong("s", { transport: { type: "serial", path: "/dev/ttyUSB0", baudRate: 19200, parity: "even" } }),
      pong("t", { transport: { type: "tcp", host: "10.0.0.7", port: 4001 } }),
      pong("h", { transport: { type: "hid", path: "/dev/hidraw2" } }),
    ]);
    expect([serial, tcp, hid].map((d) => d && describeTransport(d))).toEqual([
      "serial /dev/ttyUSB0 @19200 8E1",
      "tcp 10.0.0.7:4001",
      "hid /dev/hidraw2",
    ]);
  });
});

describe("createReconnectingHidTransport", () => {
  it("passes feature reports to the connected device and refuses them while it is away", async () => {
    const [host, device] = createMemoryHidPair();
    await device.open();
    const received: number[][] = [];
    device.handleFeatureReports({
      set: (bytes) => received.push([...bytes]),
      get: (reportId, length) => new Uint8Array([reportId, 1, 2, 3].slice(0, length)),
    });
    const transport = createReconnectingHidTransport({ factory: () => host, label: "relay board", backoff: BACKOFF });
    cleanups.push(() => transport.close());
    await expect(transport.sendFeatureReport(new Uint8Array([0, 0xff, 1]))).rejects.toMatchObject({
      code: "DEVICE_DISCONNECTED",
    });
    await transport.open();
    await expect(transport.sendFeatureReport(new Uint8Array([0, 0xff, 1]))).resolves.toBe(3);
    expect(received).toEqual([[0, 0xff, 1]]);
    expect([...(await transport.getFeatureReport(0, 3))]).toEqual([0, 1, 2]);
    host.disconnect();
    await expect(transport.getFeatureReport(0, 3)).rejects.toMatchObject({ code: "DEVICE_DISCONNECTED" });
  });
});

describe("DeviceRegistry under faults", () => {
  it("a TCP printer that accepts and at once closes: backs off, logs the state once, one device key per line", async () => {
    const server = createServer((socket) => {
      accepted.push(clock.now());
      socket.destroy();
    });
    const accepted: number[] = [];
    const clock = new VirtualClock();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const devices = parseConfig(
      {
        devices: [
          { id: "printer", kind: "printer", model: "escpos", transport: { type: "tcp", host: "127.0.0.1", port } },
        ],
      },
      "test",
      { models: DEVICE_MODELS },
    ).devices;
    const { logger: captured, lines } = capturingLogger("info");
    const r = new DeviceRegistry({ devices, logger: captured, clock });
    cleanups.push(() => r.stop());
    await settle(clock, r.start());
    // Before: ~450 ms between attempts for ever. Now the backoff grows: 0.5, 1, 2, 4 s (less up to 20 % jitter).
    await until(clock, () => accepted.length >= 5, { limitMs: 20_000 });
    const gaps = accepted.slice(1).map((at, i) => at - (accepted[i] ?? 0));
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(0.8 * 500 * 2 ** i);
    expect(r.list()[0]).toMatchObject({ health: { state: "disconnected" }, connection: { state: expect.any(String) } });
    const parsed = lines.map((l) => JSON.parse(l));
    const health = parsed.filter((l) => l.msg === "device health");
    expect(health).toHaveLength(1);
    expect(health[0]).toMatchObject({ level: 40, device: "printer", state: "disconnected" });
    expect(lines.length).toBeLessThanOrEqual(2);
    for (const line of lines) expect(line.match(/"device":/g)).toHaveLength(1);
  });

  it("a throwing health listener on the registry is logged with the device id; the others still hear", async () => {
    const hosting = await hosted();
    const { logger: captured, lines } = capturingLogger("error");
    const r = new DeviceRegistry({
      devices: config([pong("gate")]),
      logger: captured,
      factories: FACTORIES,
      backoff: BACKOFF,
      transportFor: () => memoryDriverFactory(hosting as never),
    });
    cleanups.push(() => r.stop());
    const fatal: unknown[] = [];
    const onFatal = (e: unknown) => fatal.push(e);
    process.on("unhandledRejection", onFatal);
    process.on("uncaughtException", onFatal);
    cleanups.push(async () => {
      process.off("unhandledRejection", onFatal);
      process.off("uncaughtException", onFatal);
    });
    r.on("health", () => {
      throw new Error("console bug");
    });
    const ok = healthOf(r, "gate", "ok");
    await r.start();
    await ok;
    await flushIo();
    expect(fatal).toEqual([]);
    const bug = lines.map((l) => JSON.parse(l)).find((l) => l.msg.startsWith("a device health listener threw"));
    expect(bug).toMatchObject({ device: "gate", reason: "console bug" });
  });
});

describe("device trace", () => {
  it('"trace": true logs each frame with direction, time and hex; --trace does the same; unknown ids are refused', async () => {
    const hosting = await hosted();
    const other = await hosted();
    const { logger: captured, lines } = capturingLogger("info");
    const clock = new VirtualClock();
    const r = new DeviceRegistry({
      devices: config([pong("gate", { trace: true }), pong("quiet"), pong("asked")]),
      logger: captured,
      factories: FACTORIES,
      backoff: BACKOFF,
      clock,
      trace: ["asked"],
      transportFor: (d) => memoryDriverFactory((d.id === "gate" ? hosting : other) as never),
    });
    cleanups.push(() => r.stop());
    await settle(clock, r.start());
    expect(await settle(clock, r.test("gate"))).toMatchObject({ ok: true });
    const frames = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "frame");
    const gate = frames.filter((f) => f.device === "gate");
    expect(gate.map((f) => f.trace)).toEqual(["out", "in"]);
    expect(gate[0]).toMatchObject({ hex: Buffer.from("PING\n").toString("hex"), length: 5, at: expect.any(String) });
    expect(Buffer.from(gate[1].hex, "hex").toString()).toMatch(/^PONG/);
    expect(Date.parse(gate[0].at)).toBe(clock.now());
    await settle(clock, r.test("quiet"));
    await settle(clock, r.test("asked"));
    expect(lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "frame" && l.device === "quiet")).toEqual([]);
    const asked = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "frame" && l.device === "asked");
    expect(asked.map((f) => f.trace)).toEqual(expect.arrayContaining(["out", "in"]));
    expect(
      () => new DeviceRegistry({ devices: config([pong("gate")]), logger, factories: FACTORIES, trace: ["gat"] }),
    ).toThrow(expect.objectContaining({ code: "DEVICE_UNKNOWN", message: expect.stringMatching(/"gat".*gate/) }));
  });

  it.each([
    [true, false],
    ["unredacted", true],
  ] as const)("a scanner traced with %j shows its codes: %j", async (trace, shown) => {
    const sim = createScannerSimulator({ model: "serial-line" });
    const pty = await hostOnPty(sim);
    cleanups.push(() => pty.close());
    const devices = parseConfig(
      {
        devices: [
          {
            id: "scanner",
            kind: "scanner",
            model: "serial-line",
            transport: { type: "serial", path: pty.exposure.path },
            trace,
          },
        ],
      },
      "test",
      { models: DEVICE_MODELS },
    ).devices;
    const { logger: captured, lines } = capturingLogger("info");
    const r = new DeviceRegistry({ devices, logger: captured, backoff: BACKOFF });
    cleanups.push(() => r.stop());
    await r.start();
    const scanned = new Promise((resolve) => r.get("scanner")?.once("scan", resolve));
    await sim.control("scan", { code: "23191000105866" });
    await scanned;
    const text = lines.join("");
    expect(text.includes(Buffer.from("23191000105866").toString("hex"))).toBe(shown);
    const frames = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "frame");
    expect(frames.length).toBeGreaterThan(0);
    if (!shown)
      for (const f of frames) expect(f).toMatchObject({ trace: "in", redacted: true, length: expect.any(Number) });
  });
});
