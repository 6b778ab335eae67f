/** The scanner rows of the factories table, through the real config loader. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../../bridge/config/load.ts";
import { SCANNER_FACTORIES } from "../../../../bridge/devices/scanner/factory.ts";
import type { ScanEvent } from "../../../../bridge/devices/scanner/index.ts";
import { systemClock } from "../../../../bridge/transports/clock.ts";
import { createMemoryHidPair } from "../../../../bridge/transports/memory.ts";
import { HidKeyboardScannerSimulator } from "../../../../simulators/devices/scanner/index.ts";
import { capturedLogger, nextEvents } from "./helpers.ts";

const load = (devices: unknown[]) => parseConfig({ devices }, "test config", { models: SCANNER_FACTORIES });

describe("scanner factory rows", () => {
  it("check options by model, filling in the schema's defaults (the driver's); serial-line gets serial line settings", () => {
    const config = load([
      { id: "serial", kind: "scanner", model: "serial-line", transport: { type: "serial", path: "/dev/ttyUSB0" } },
      {
        id: "pos",
        kind: "scanner",
        model: "hid-pos",
        transport: { type: "hid", path: "/dev/hidraw0" },
        options: { reportId: "0x04" },
      },
      {
        id: "wedge",
        kind: "scanner",
        model: "hid-keyboard",
        transport: { type: "hid", path: "/dev/hidraw1" },
        options: { layout: "de", rules: [{ kind: "item", prefix: "3", length: { min: 8, max: 14 } }] },
      },
    ]);
    const [serial, pos, wedge] = config.devices;
    expect(serial?.options).toEqual({
      duplicateWindowMs: 1000,
      maxLength: 1024,
      suffix: "CR",
      staleTimeoutMs: 1000,
      encoding: "latin1",
    });
    expect(serial?.transport).toMatchObject({ type: "serial", baudRate: 9600 });
    expect(pos?.options).toMatchObject({ reportId: 4, staleTimeoutMs: 1000 });
    expect(wedge?.options).toMatchObject({ layout: "de" });
  });

  it("reject bad options with the key path", () => {
    expect(() =>
      load([
        {
          id: "serial",
          kind: "scanner",
          model: "serial-line",
          transport: { type: "serial", path: "/dev/ttyUSB0" },
          options: { suffix: "CRCR" },
        },
      ]),
    ).toThrow(/devices\[0\]\.options\.suffix/);
    expect(() =>
      load([
        {
          id: "serial",
          kind: "scanner",
          model: "serial-line",
          transport: { type: "serial", path: "/dev/ttyUSB0" },
          options: { sufix: "CR" },
        },
      ]),
    ).toThrow(/sufix/);
    expect(() =>
      load([{ id: "p", kind: "scanner", model: "hid-pos", transport: { type: "serial", path: "/dev/ttyUSB0" } }]),
    ).toThrow(/transport/);
  });

  it("build a working driver from loaded options", async () => {
    const [device] = load([
      {
        id: "wedge",
        kind: "scanner",
        model: "hid-keyboard",
        transport: { type: "hid", path: "/dev/hidraw1" },
        options: { layout: "de", terminator: "tab" },
      },
    ]).devices;
    const row = SCANNER_FACTORIES.find((f) => f.model === "hid-keyboard");
    const [host, end] = createMemoryHidPair();
    await end.open();
    const instant = { ...systemClock, sleep: async () => undefined };
    const sim = new HidKeyboardScannerSimulator({ layout: "de", terminator: "tab", clock: instant });
    sim.attach(end);
    const scanner = row?.create({
      id: "wedge",
      name: "Wedge",
      transport: host,
      options: device?.options,
      logger: capturedLogger().logger,
      clock: systemClock,
    });
    expect(scanner).toMatchObject({ id: "wedge", kind: "scanner", model: "hid-keyboard" });
    // The driver applied its defaults to what the config left out.
    expect(scanner?.health().detail).toMatchObject({
      duplicateWindowMs: 1000,
      settings: { layout: "de", terminator: "tab", interKeyTimeoutMs: 0, staleTimeoutMs: 1000, maxLength: 1024 },
    });
    await scanner?.start();
    const next = nextEvents<ScanEvent>(scanner as NonNullable<typeof scanner>, "scan");
    await sim.control("scan", { code: "Zürich-yz" });
    expect((await next)[0]?.code).toBe("Zürich-yz");
    await scanner?.stop();
  });
});
