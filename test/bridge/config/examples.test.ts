import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../bridge/config/load.ts";
import { DEVICE_MODELS } from "../../../bridge/devices/factories.ts";
import { SIMULATOR_MODELS } from "../../../simulators/devices/catalog.ts";

const example = (name: string) => fileURLToPath(new URL(`../../../config/${name}`, import.meta.url));

describe("config/simulated.json", () => {
  it("loads against the real driver and simulator tables", async () => {
    const config = await loadConfig(example("simulated.json"), {
      models: DEVICE_MODELS,
      simulatorModels: SIMULATOR_MODELS,
    });
    expect(config.devices.map((d) => d.kind).sort()).toEqual(["printer", "relay", "rfid", "scanner"]);
    expect(config.sip2).toMatchObject({ host: "127.0.0.1", port: 6001, login: { user: "kiosk-main" } });
  });

  it("has a simulator for every device, exposed where the device's transport looks", async () => {
    const config = await loadConfig(example("simulated.json"), {
      models: DEVICE_MODELS,
      simulatorModels: SIMULATOR_MODELS,
    });
    for (const device of config.devices) {
      const sim = config.simulators.find((s) => s.id === device.id);
      expect(sim, device.id).toMatchObject({ kind: device.kind, model: device.model });
      const t = device.transport;
      const e = sim?.expose;
      if (t.type === "serial") expect(e, device.id).toMatchObject({ type: "pty", link: t.path });
      else if (t.type === "tcp") expect(e, device.id).toMatchObject({ type: "tcp", host: t.host, port: t.port });
      else throw new Error(`${device.id}: ${t.type} cannot reach a simulator in another process`);
    }
    expect(config.simulators.map((s) => s.id).sort()).toEqual(config.devices.map((d) => d.id).sort());
  });
});

describe("config/example-hardware.json", () => {
  it("loads, with the kiosk's devices found by USB identity where they are USB devices", async () => {
    const config = await loadConfig(example("example-hardware.json"), { models: DEVICE_MODELS });
    const byId = Object.fromEntries(config.devices.map((d) => [d.id, d]));
    expect(byId["rfid-pad"]).toMatchObject({
      model: "3m810",
      transport: { type: "serial", match: { vendorId: 0x0403, productId: 0x6001 }, baudRate: 19200, parity: "none" },
      options: { security: { securedAfi: 0x07, unsecuredAfi: 0xc2 } },
    });
    expect(byId.scanner).toMatchObject({ model: "hid-pos", transport: { type: "hid", match: { vendorId: 0x0c2e } } });
    expect(byId.printer).toMatchObject({ model: "escpos", transport: { type: "tcp", port: 9100 } });
    expect(byId.relay).toMatchObject({
      model: "usb-hid-relay",
      transport: { type: "hid", match: { vendorId: 0x16c0, productId: 0x05df } },
    });
    expect(config.sip2).toMatchObject({ tls: { rejectUnauthorized: true }, errorDetection: true });
  });
});
