/**
 * The serial-line scanner over a real pseudo-terminal pair with the real serialport package: the
 * driver on end a (the kiosk's USB-serial adapter), the simulator on end b (the scanner).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { DeviceHealth } from "../../../../bridge/devices/device.ts";
import { createBarcodeScanner, type ScanEvent } from "../../../../bridge/devices/scanner/index.ts";
import { createReconnectingTransport } from "../../../../bridge/transports/reconnecting.ts";
import { createSerialTransport } from "../../../../bridge/transports/serial.ts";
import { SerialLineScannerSimulator } from "../../../../simulators/devices/scanner/index.ts";
import { openPtyPair } from "../../../support/pty.ts";
import { CODES, capturedLogger, nextEvents, waitForEvent } from "./helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("serial-line scanner over a pseudo-terminal (real serialport)", () => {
  it("scans, survives a hangup (disconnected) and a replug at a new path, and scans again", async () => {
    const pty = await openPtyPair();
    cleanups.push(() => pty.close());
    const baudRate = 9600;
    const device = createSerialTransport({ path: pty.b, baudRate });
    await device.open();
    cleanups.push(() => device.close());
    const sim = new SerialLineScannerSimulator({ suffix: "CRLF", aim: true, chunks: { maxSize: 4, maxGapMs: 3 } });
    sim.attach(device);

    const transport = createReconnectingTransport({
      label: "scanner (USB 0403:6001)",
      // pty.a is read at each attempt: after a replug the adapter sits at a new path.
      factory: () => createSerialTransport({ path: pty.a, baudRate, presenceCheckMs: 50 }),
      backoff: { initialMs: 20, maxMs: 100 },
    });
    const { logger, text } = capturedLogger();
    const scanner = createBarcodeScanner(
      { id: "scanner", model: "serial-line", suffix: "CRLF", aim: true },
      { transport, logger },
    );
    await scanner.start();
    cleanups.push(() => scanner.stop());
    expect(scanner.health().state).toBe("unverified"); // ok once it has scanned
    expect(scanner.description).toContain(pty.a);

    let next = nextEvents<ScanEvent>(scanner, "scan", 2);
    await sim.control("scan", { code: `A${CODES.patron}B`, symbology: "codabar" });
    await sim.control("scan", { code: CODES.isbn, symbology: "ean-upc" });
    const [patron, isbn] = await next;
    expect(patron).toMatchObject({ code: CODES.patron, symbology: "codabar", classification: { kind: "patron" } });
    expect(isbn).toMatchObject({ code: CODES.isbn, classification: { kind: "isbn", reason: "isbn" } });
    expect(scanner.health().state).toBe("ok");

    const oldPath = pty.a;
    const down = waitForEvent<DeviceHealth>(scanner, "health", (h) => h.state === "disconnected");
    await pty.hangup("a");
    const health = await down;
    expect(health.lastError?.code).toBe("DEVICE_DISCONNECTED");
    expect(health.lastError?.message).toContain(oldPath);

    const up = waitForEvent<DeviceHealth>(scanner, "health", (h) => h.state === "unverified");
    const newPath = await pty.replug("a");
    await up;
    expect(scanner.description).toContain(newPath);
    next = nextEvents<ScanEvent>(scanner, "scan", 1);
    await sim.control("scan", { code: CODES.item, symbology: "code128" });
    expect((await next)[0]).toMatchObject({ code: CODES.item, symbology: "code128", classification: { kind: "item" } });
    expect(text()).not.toContain(CODES.patron);
  });
});
