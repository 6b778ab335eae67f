import { mkdtemp, readlink, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { DeviceHealth } from "../../../bridge/devices/device.ts";
import { createReconnectingTransport, type ReconnectingTransport } from "../../../bridge/transports/reconnecting.ts";
import { createSerialTransport } from "../../../bridge/transports/serial.ts";
import { createTcpTransport } from "../../../bridge/transports/tcp.ts";
import type { TransportFactory } from "../../../bridge/transports/transport.ts";
import {
  describeExposure,
  type Hosting,
  hostOnMemory,
  hostOnPty,
  hostOnTcp,
  memoryDriverFactory,
} from "../../../simulators/devices/host.ts";
import { PingDevice, PongSimulator } from "./host-fixtures.ts";

const logger = pino({ level: "silent" });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function driverFor(factory: TransportFactory): Promise<{ device: PingDevice; transport: ReconnectingTransport }> {
  const transport = createReconnectingTransport({ factory, label: "ping", backoff: { initialMs: 5, maxMs: 20 } });
  const device = new PingDevice("ping", transport, logger);
  cleanups.push(() => device.stop());
  await device.start();
  return { device, transport };
}

function nextHealth(device: PingDevice, state: DeviceHealth["state"]): Promise<DeviceHealth> {
  return new Promise((resolve) => {
    const check = (health: DeviceHealth) => {
      if (health.state !== state) return;
      device.off("health", check);
      resolve(health);
    };
    device.on("health", check);
  });
}

function track<H extends Hosting>(hosting: H): H {
  cleanups.push(() => hosting.close());
  return hosting;
}

describe("hostOnMemory", () => {
  it("serves the simulator on the far end of a memory cable", async () => {
    const sim = new PongSimulator();
    const hosting = track(await hostOnMemory(sim));
    expect(hosting.where()).toBe("memory (in-process)");
    const { device } = await driverFor(memoryDriverFactory(hosting));
    expect(device.health().state).toBe("ok");
    await expect(device.selfTest()).resolves.toMatchObject({ ok: true, summary: "answered PONG 1" });
  });

  it("unplugs and replugs: the driver sees its device go and come back", async () => {
    const sim = new PongSimulator();
    const hosting = track(await hostOnMemory(sim));
    const { device } = await driverFor(memoryDriverFactory(hosting));
    const down = nextHealth(device, "disconnected");
    await hosting.unplug();
    expect((await down).lastError?.code).toBe("DEVICE_DISCONNECTED");
    expect(sim.attached).toBeUndefined();
    const up = nextHealth(device, "ok");
    await hosting.replug();
    await up;
    await expect(device.selfTest()).resolves.toMatchObject({ ok: true });
  });

  it("gives HID simulators a HID pair with feature reports", async () => {
    const sim = new PongSimulator();
    const hosting = track(await hostOnMemory(sim, { hid: true }));
    expect(hosting.where()).toBe("memory HID (in-process)");
    expect(typeof (hosting.driverTransport as { sendFeatureReport?: unknown }).sendFeatureReport).toBe("function");
  });
});

describe("hostOnTcp", () => {
  it("attaches each accepted connection and answers on it", async () => {
    const sim = new PongSimulator();
    const hosting = track(await hostOnTcp(sim, { port: 0 }));
    const { host, port } = hosting.exposure;
    expect(port).toBeGreaterThan(0);
    expect(hosting.where()).toBe(`tcp ${host}:${port}`);
    const { device } = await driverFor(() => createTcpTransport({ host, port }));
    await expect(device.selfTest()).resolves.toMatchObject({ ok: true, summary: "answered PONG 1" });
    expect(hosting.connections).toBe(1);
  });

  it("a new client takes over from the previous one, as a one-client device port does", async () => {
    const sim = new PongSimulator();
    const hosting = track(await hostOnTcp(sim));
    const { host, port } = hosting.exposure;
    const first = await driverFor(() => createTcpTransport({ host, port }));
    const firstDown = nextHealth(first.device, "disconnected");
    await first.device.stop();
    const second = await driverFor(() => createTcpTransport({ host, port }));
    await firstDown;
    await expect(second.device.selfTest()).resolves.toMatchObject({ ok: true });
    expect(sim.attachCount).toBe(2);
  });

  it("unplug drops the connection and refuses new ones until replug", async () => {
    const sim = new PongSimulator();
    const hosting = track(await hostOnTcp(sim));
    const { host, port } = hosting.exposure;
    const { device } = await driverFor(() => createTcpTransport({ host, port }));
    const down = nextHealth(device, "disconnected");
    await hosting.unplug();
    expect((await down).lastError?.code).toBe("DEVICE_DISCONNECTED");
    const up = nextHealth(device, "ok");
    await hosting.replug();
    await up;
    await expect(device.selfTest()).resolves.toMatchObject({ ok: true });
  });

  it("says which port is taken", async () => {
    const first = track(await hostOnTcp(new PongSimulator()));
    await expect(hostOnTcp(new PongSimulator(), { port: first.exposure.port })).rejects.toMatchObject({
      code: "SIM_HOST_FAILED",
      message: expect.stringContaining(`${first.exposure.port}`),
    });
  });
});

describe("hostOnPty", () => {
  it("serves the simulator on a pseudo-terminal the driver opens with the real serialport", async () => {
    const dir = await mkdtemp(join(tmpdir(), "selfcheck-host-"));
    const link = join(dir, "sub", "pong");
    const sim = new PongSimulator();
    const hosting = track(await hostOnPty(sim, { baudRate: 19200, link }));
    expect(hosting.exposure.path).toBe(hosting.pair.a); // the cable's stable path, not /dev/pts/N
    expect(await readlink(link)).toBe(hosting.exposure.path);
    expect(describeExposure(hosting.exposure)).toBe(`pty ${hosting.exposure.path} (link ${link})`);

    const { device } = await driverFor(() =>
      createSerialTransport({ path: link, baudRate: 19200, presenceCheckMs: 50 }),
    );
    await expect(device.selfTest()).resolves.toMatchObject({ ok: true, summary: "answered PONG 1" });

    // Hot-plug: the driver's end hangs up, then comes back on a new pseudo-terminal behind the same path.
    const down = nextHealth(device, "disconnected");
    await hosting.unplug();
    expect((await down).lastError?.code).toBe("DEVICE_DISCONNECTED");
    await expect(stat(link)).rejects.toMatchObject({ code: "ENOENT" }); // unplugged: the link leads nowhere
    const up = nextHealth(device, "ok");
    await hosting.replug();
    expect(await readlink(link)).toBe(hosting.exposure.path);
    await up;
    await expect(device.selfTest()).resolves.toMatchObject({ ok: true, summary: "answered PONG 2" });
  });

  it("never replaces a real file with its link", async () => {
    const dir = await mkdtemp(join(tmpdir(), "selfcheck-host-"));
    const file = join(dir, "precious");
    await writeFile(file, "keep me");
    await expect(hostOnPty(new PongSimulator(), { link: file })).rejects.toMatchObject({ code: "SIM_LINK_EXISTS" });
  });
});
