/**
 * The scanner driver against its simulators over in-memory transports: the bytes on the wire are
 * the simulators', the decoding the driver's.
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DeviceHealth } from "../../../../bridge/devices/device.ts";
import {
  type BarcodeScanner,
  createBarcodeScanner,
  type ScanEvent,
  type ScannerConfig,
} from "../../../../bridge/devices/scanner/index.ts";
import { createMemoryHidPair, createMemoryPair, type MemoryTransport } from "../../../../bridge/transports/memory.ts";
import { createReconnectingTransport } from "../../../../bridge/transports/reconnecting.ts";
import type { Transport } from "../../../../bridge/transports/transport.ts";
import {
  HidKeyboardScannerSimulator,
  HidPosScannerSimulator,
  type ScannerSimulator,
  SerialLineScannerSimulator,
} from "../../../../simulators/devices/scanner/index.ts";
import { settle, until } from "../../../support/settle.ts";
import { VirtualClock } from "../../../support/virtual-clock.ts";
import { CODES, capturedLogger, nextEvents, waitForEvent } from "./helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Driver, simulators and reconnecting transports all run on this clock; tests move it. */
let clock: VirtualClock;
beforeEach(() => {
  clock = new VirtualClock();
});

/** Simulator pauses on this test's virtual clock. */
const fast = {
  get clock() {
    return clock;
  },
};

/** Waits for `promise`, moving virtual time while nothing else happens. */
const run = <T>(promise: Promise<T>) => settle(clock, promise);

function reconnecting(host: MemoryTransport) {
  return createReconnectingTransport({
    label: "scanner",
    factory: () => host,
    backoff: { initialMs: 5, maxMs: 20 },
    clock,
  });
}

interface Rig {
  scanner: BarcodeScanner;
  sim: ScannerSimulator;
  host: MemoryTransport;
  device: MemoryTransport;
  logs: () => string;
  scans: ScanEvent[];
}

/** A scanner config without its id (Omit over each member of the union). */
type ConfigWithoutId = ScannerConfig extends infer C ? (C extends unknown ? Omit<C, "id"> : never) : never;

async function rig(
  config: ConfigWithoutId,
  sim: ScannerSimulator,
  options: { maxChunkSize?: number; transport?: (host: MemoryTransport) => Transport } = {},
): Promise<Rig> {
  const hid = config.model !== "serial-line";
  const [host, device] = hid
    ? createMemoryHidPair()
    : createMemoryPair(options.maxChunkSize ? { maxChunkSize: options.maxChunkSize } : {});
  await device.open();
  sim.attach(device);
  const { logger, text } = capturedLogger();
  const scanner = createBarcodeScanner({ id: "scanner", ...config } as ScannerConfig, {
    transport: options.transport ? options.transport(host) : host,
    logger,
    clock,
  });
  const scans: ScanEvent[] = [];
  scanner.on("scan", (s) => scans.push(s));
  await scanner.start();
  cleanups.push(
    () => scanner.stop(),
    () => device.close(),
  );
  return { scanner, sim, host, device, logs: text, scans };
}

const scanAndWait = async (r: Rig, params: Record<string, unknown>, count = 1) => {
  const next = nextEvents<ScanEvent>(r.scanner, "scan", count);
  await run(r.sim.control("scan", params));
  return run(next);
};

describe("serial-line scanner", () => {
  it("classifies patron, item and ISBN scans; the ISBN carries its reason for the UI", async () => {
    const r = await rig({ model: "serial-line" }, new SerialLineScannerSimulator(fast));
    // The port is open, but only a scan shows that a scanner is on it.
    expect(r.scanner.health().state).toBe("unverified");
    const [item] = await scanAndWait(r, { code: CODES.item });
    expect(r.scanner.health().state).toBe("ok");
    expect(item).toMatchObject({ code: CODES.item, raw: CODES.item, classification: { kind: "item", rule: 1 } });
    expect(item?.symbology).toBeUndefined();
    expect(Date.parse(item?.at ?? "")).not.toBeNaN();
    const [patron] = await scanAndWait(r, { code: CODES.patron });
    expect(patron?.classification).toMatchObject({ kind: "patron", rule: 0 });
    const [isbn] = await scanAndWait(r, { code: CODES.isbn });
    expect(isbn?.classification).toMatchObject({ kind: "isbn", reason: "isbn" });
    const [wrongDigit] = await scanAndWait(r, { code: "33191000105865" });
    expect(wrongDigit?.classification).toMatchObject({ kind: "unknown", reason: "check-digit", expected: "4" });
  });

  it.each([
    ["CR", "CR"],
    ["LF", "LF"],
    ["CRLF", "CRLF"],
    ["CR", "CRLF"], // scanner CR LF, bridge CR: tolerated
    ["none", "none"],
  ] as const)("bridge suffix %s reads a scanner sending %s, in random chunks", async (bridgeSuffix, simSuffix) => {
    const sim = new SerialLineScannerSimulator({ ...fast, suffix: simSuffix, chunks: { maxSize: 3, maxGapMs: 5 } });
    // Without a suffix only a pause ends a code (virtual time: the chunk gaps are 5 ms at most).
    const idle = bridgeSuffix === "none" ? { interCharTimeoutMs: 150 } : {};
    const r = await rig({ model: "serial-line", suffix: bridgeSuffix, ...idle }, sim, { maxChunkSize: 2 });
    const codes = [CODES.item, CODES.patron, CODES.item2];
    // One scan at a time, as people scan: without a suffix only the pause tells codes apart.
    for (const code of codes) await scanAndWait(r, { code });
    expect(r.scans.map((s) => s.code)).toEqual(codes);
    expect(r.scanner.health().state).toBe("ok");
  });

  it("AIM prefixes give the symbology; Codabar start/stop characters are removed", async () => {
    const sim = new SerialLineScannerSimulator({ ...fast, aim: true });
    const r = await rig({ model: "serial-line", aim: true }, sim);
    const [codabar] = await scanAndWait(r, { code: `A${CODES.item}B`, symbology: "codabar" });
    expect(codabar).toMatchObject({ code: CODES.item, raw: `]F0A${CODES.item}B`, symbology: "codabar" });
    expect(codabar?.classification.kind).toBe("item");
    const [ean] = await scanAndWait(r, { code: CODES.isbn, symbology: "]E0" });
    expect(ean).toMatchObject({ symbology: "ean-upc", classification: { kind: "isbn", reason: "isbn" } });
  });

  it("a malformed AIM identifier degrades health with BARCODE_BAD_AIM and drops the scan; the next scan recovers", async () => {
    const sim = new SerialLineScannerSimulator({ ...fast, aim: true });
    const r = await rig({ model: "serial-line", aim: true }, sim);
    const degraded = waitForEvent<DeviceHealth>(r.scanner, "health", (h) => h.state === "degraded");
    await run(sim.control("raw", { bytes: [...Buffer.from(`]%0${CODES.item}\r`, "latin1")] }));
    const health = await run(degraded);
    expect(health.lastError?.code).toBe("BARCODE_BAD_AIM");
    expect(health.lastError?.message).toMatch(/Scanner "scanner" \(memory a\)/);
    expect(r.scans).toEqual([]);
    const ok = waitForEvent<DeviceHealth>(r.scanner, "health", (h) => h.state === "ok");
    await scanAndWait(r, { code: CODES.item2, symbology: "code128" });
    const recovered = await run(ok);
    expect(recovered.lastError?.code).toBe("BARCODE_BAD_AIM"); // kept for staff after recovery
  });

  it("garbled bytes (wrong baud rate) → degraded with SCANNER_GARBLED, then ok on the next good scan", async () => {
    const r = await rig({ model: "serial-line" }, new SerialLineScannerSimulator(fast));
    const degraded = waitForEvent<DeviceHealth>(r.scanner, "health", (h) => h.state === "degraded");
    await run(r.sim.control("raw", { bytes: [0xf8, 0x00, 0x86, 0x1f, 0x0d] }));
    expect((await run(degraded)).lastError?.code).toBe("SCANNER_GARBLED");
    await scanAndWait(r, { code: CODES.item });
    expect(r.scanner.health()).toMatchObject({ state: "ok", lastError: { code: "SCANNER_GARBLED" } });
    expect(r.scanner.health().detail).toMatchObject({ scans: 1, problems: 1, model: "serial-line" });
  });

  it("the same code within the window is one scan; after the window it counts again", async () => {
    const r = await rig({ model: "serial-line" }, new SerialLineScannerSimulator(fast));
    await scanAndWait(r, { code: CODES.item });
    await run(r.sim.control("scan", { code: CODES.item }));
    await clock.advance(900);
    await run(r.sim.control("scan", { code: CODES.item })); // still inside: the window slides from the last sighting
    await scanAndWait(r, { code: CODES.item2 }); // a different code is not a duplicate
    await clock.advance(1000);
    await scanAndWait(r, { code: CODES.item });
    expect(r.scans.map((s) => s.code)).toEqual([CODES.item, CODES.item2, CODES.item]);
    expect(r.scanner.health().detail).toMatchObject({ scans: 3, duplicatesSuppressed: 2 });
  });

  it("duplicate suppression can be turned off", async () => {
    const r = await rig({ model: "serial-line", duplicateWindowMs: 0 }, new SerialLineScannerSimulator(fast));
    const next = nextEvents<ScanEvent>(r.scanner, "scan", 2);
    await run(r.sim.control("scan", { code: CODES.item }));
    await run(r.sim.control("scan", { code: CODES.item }));
    expect(await run(next)).toHaveLength(2);
  });

  it("never logs a patron number; item barcodes are logged at debug level", async () => {
    const r = await rig({ model: "serial-line", duplicateWindowMs: 0 }, new SerialLineScannerSimulator(fast));
    await scanAndWait(r, { code: CODES.patron });
    await scanAndWait(r, { code: CODES.patron2 });
    await scanAndWait(r, { code: "21234567890125" }); // a patron number with a wrong check digit: unknown
    await scanAndWait(r, { code: CODES.item });
    const logs = r.logs();
    expect(logs).toContain("patron card scanned");
    for (const secret of [CODES.patron, CODES.patron2, "21234567890125", "2123456789012"]) {
      expect(logs).not.toContain(secret);
    }
    const itemLine = logs.split("\n").find((l) => l.includes(CODES.item));
    expect(JSON.parse(itemLine ?? "{}")).toMatchObject({ level: 20, device: "scanner", classification: "item" });
  });

  it("a throwing scan listener costs nothing: the next scan still arrives", async () => {
    const r = await rig({ model: "serial-line" }, new SerialLineScannerSimulator(fast));
    r.scanner.once("scan", () => {
      throw new Error("listener bug");
    });
    await scanAndWait(r, { code: CODES.item });
    await scanAndWait(r, { code: CODES.item2 });
    expect(r.scans.map((s) => s.code)).toEqual([CODES.item, CODES.item2]);
    expect(r.logs()).toMatch(/a device event listener threw/);
  });

  it("unplug → disconnected with DEVICE_DISCONNECTED → replug → ok → scans again", async () => {
    const sim = new SerialLineScannerSimulator(fast);
    const r = await rig({ model: "serial-line" }, sim, { transport: reconnecting });
    await scanAndWait(r, { code: CODES.item });
    const down = waitForEvent<DeviceHealth>(r.scanner, "health", (h) => h.state === "disconnected");
    r.host.disconnect();
    const health = await run(down);
    expect(health.lastError?.code).toBe("DEVICE_DISCONNECTED");
    expect(r.scanner.health().detail).toMatchObject({ connection: "disconnected" });
    await expect(run(sim.control("scan", { code: CODES.item2 }))).rejects.toMatchObject({ code: "DEVICE_NOT_OPEN" });
    const up = waitForEvent<DeviceHealth>(r.scanner, "health", (h) => h.state === "unverified");
    r.host.reconnect();
    await r.device.open();
    await run(up);
    await scanAndWait(r, { code: CODES.item2 });
    expect(r.scans.map((s) => s.code)).toEqual([CODES.item, CODES.item2]);
  });

  it("an unplug in the middle of a code drops the partial code: the first scan after replug is exact", async () => {
    const sim = new SerialLineScannerSimulator({ ...fast, chunks: { maxSize: 4, maxGapMs: 15 } });
    const r = await rig({ model: "serial-line" }, sim, { transport: reconnecting });
    const received: Uint8Array[] = [];
    r.host.on("data", (bytes) => received.push(bytes));
    const down = waitForEvent<DeviceHealth>(r.scanner, "health", (h) => h.state === "disconnected");
    const scanning = sim.control("scan", { code: "3".repeat(40) });
    scanning.catch(() => undefined); // asserted below; may reject before the assertion attaches
    await until(clock, () => received.length >= 2);
    r.host.disconnect();
    await run(down);
    await expect(run(scanning)).rejects.toMatchObject({ code: "DEVICE_NOT_OPEN" });
    const up = waitForEvent<DeviceHealth>(r.scanner, "health", (h) => h.state === "unverified");
    r.host.reconnect();
    await r.device.open();
    await run(up);
    const [scan] = await scanAndWait(r, { code: CODES.item2 });
    expect(scan?.code).toBe(CODES.item2);
    expect(r.scans.map((s) => s.code)).toEqual([CODES.item2]);
  });

  it("start() with a device that cannot be opened reports disconnected instead of throwing", async () => {
    const [host] = createMemoryPair();
    host.disconnect();
    const { logger } = capturedLogger();
    const scanner = createBarcodeScanner({ id: "s", model: "serial-line" }, { transport: host, logger, clock });
    await scanner.start();
    expect(scanner.health()).toMatchObject({ state: "disconnected", lastError: { code: "DEVICE_NOT_FOUND" } });
    await scanner.stop();
  });

  it("stop() while start() waits for the first attempt lets start() finish", async () => {
    const { logger } = capturedLogger();
    let release: (() => void) | undefined;
    const [host] = createMemoryPair();
    const transport = createReconnectingTransport({
      label: "scanner",
      // A device lookup that takes its time (e.g. a slow USB enumeration).
      factory: () => new Promise<Transport>((resolve) => (release = () => resolve(host))),
      clock,
    });
    const scanner = createBarcodeScanner({ id: "s", model: "serial-line" }, { transport, logger, clock });
    const starting = scanner.start();
    await scanner.stop();
    await starting;
    release?.();
    expect(scanner.health()).toMatchObject({ state: "disconnected", detail: { connection: "stopped" } });
  });

  it("start() with a reconnecting transport resolves after the first failed attempt", async () => {
    const [host] = createMemoryPair();
    host.disconnect();
    const { logger } = capturedLogger();
    const transport = createReconnectingTransport({
      label: "scanner",
      factory: () => host,
      backoff: { initialMs: 50 },
      clock,
    });
    const scanner = createBarcodeScanner({ id: "s", model: "serial-line" }, { transport, logger, clock });
    await scanner.start();
    expect(scanner.health()).toMatchObject({ state: "disconnected", lastError: { code: "DEVICE_NOT_FOUND" } });
    await scanner.stop();
    expect(scanner.health().detail).toMatchObject({ connection: "stopped" });
  });
});

describe("self test", () => {
  it("waits for one scan and reports symbology and kind, never a patron number", async () => {
    const sim = new SerialLineScannerSimulator({ ...fast, aim: true });
    const r = await rig({ model: "serial-line", aim: true }, sim);
    const test = r.scanner.selfTest({ timeoutMs: 5000 });
    await run(sim.control("scan", { code: `A${CODES.patron}B`, symbology: "codabar" }));
    const result = await run(test);
    expect(result).toMatchObject({
      ok: true,
      summary: "Read a codabar barcode: a patron card",
      details: { kind: "patron", symbology: "codabar", length: 14 },
    });
    expect(JSON.stringify(result)).not.toContain(CODES.patron);
  });

  it("an item scan shows its code; a duplicate still completes the test", async () => {
    const r = await rig({ model: "serial-line" }, new SerialLineScannerSimulator(fast));
    await scanAndWait(r, { code: CODES.item });
    const test = r.scanner.selfTest();
    await run(r.sim.control("scan", { code: CODES.item }));
    expect(await run(test)).toMatchObject({
      ok: true,
      summary: "Read a barcode (the scanner does not send symbology identifiers): a library item barcode",
      details: { kind: "item", code: CODES.item, symbology: null },
    });
  });

  it("times out with SCANNER_NO_SCAN; refuses when stopped with SCANNER_NOT_READY", async () => {
    const r = await rig({ model: "serial-line" }, new SerialLineScannerSimulator(fast));
    const timedOut = await run(r.scanner.selfTest({ timeoutMs: 20 }));
    expect(timedOut).toMatchObject({ ok: false, error: { code: "SCANNER_NO_SCAN" } });
    const pending = r.scanner.selfTest({ timeoutMs: 5000 });
    await r.scanner.stop();
    expect(await pending).toMatchObject({ ok: false, error: { code: "SCANNER_NOT_READY" } });
    expect(await r.scanner.selfTest()).toMatchObject({ ok: false, error: { code: "SCANNER_NOT_READY" } });
    expect(await r.scanner.selfTest({ timeoutMs: -1 })).toMatchObject({ error: { code: "SCANNER_BAD_OPTIONS" } });
  });
});

describe("hid-pos scanner", () => {
  it("reads a code spread over several reports with its symbology", async () => {
    const r = await rig({ model: "hid-pos" }, new HidPosScannerSimulator(fast));
    const long = `https://library.example/item/${"x".repeat(100)}`;
    const [qr] = await scanAndWait(r, { code: long, symbology: "qr" });
    expect(qr).toMatchObject({ code: long, symbology: "qr", classification: { kind: "unknown", reason: "no-match" } });
    const [item] = await scanAndWait(r, { code: `A${CODES.item}A`, symbology: "codabar" });
    expect(item).toMatchObject({ code: CODES.item, symbology: "codabar", classification: { kind: "item" } });
    const [isbn] = await scanAndWait(r, { code: CODES.isbn, symbology: "ean-upc" });
    expect(isbn?.classification).toMatchObject({ kind: "isbn", reason: "isbn" });
  });

  it("carries the vendor symbology byte", async () => {
    const r = await rig({ model: "hid-pos" }, new HidPosScannerSimulator({ ...fast, vendorSymbology: 0x6a }));
    const [scan] = await scanAndWait(r, { code: CODES.item2, symbology: "code128" });
    expect(scan).toMatchObject({ vendorSymbology: 0x6a, symbology: "code128" });
  });

  it("a keyboard report on a HID POS driver → degraded with BARCODE_BAD_REPORT", async () => {
    const r = await rig({ model: "hid-pos" }, new HidPosScannerSimulator(fast));
    const degraded = waitForEvent<DeviceHealth>(r.scanner, "health", (h) => h.state === "degraded");
    await run(r.sim.control("raw", { bytes: [0, 0, 0x1e, 0, 0, 0, 0, 0] }));
    expect((await run(degraded)).lastError).toMatchObject({ code: "BARCODE_BAD_REPORT" });
    await scanAndWait(r, { code: CODES.item });
    expect(r.scanner.health().state).toBe("ok");
  });
});

describe("hid-keyboard scanner", () => {
  const GERMAN = "Zy-ü@€{}\\|~ÄÖß";

  it("German layout with realistic 2–8 ms key timing: y/z, umlauts and AltGr characters", async () => {
    const sim = new HidKeyboardScannerSimulator({ layout: "de", ...fast }); // 2–8 ms, virtual
    const r = await rig({ model: "hid-keyboard", layout: "de" }, sim);
    const [scan] = await scanAndWait(r, { code: GERMAN });
    expect(scan?.code).toBe(GERMAN);
    const [item] = await scanAndWait(r, { code: CODES.item });
    expect(item?.classification.kind).toBe("item");
  });

  it("a scanner switched to another layout than the bridge's types other text", async () => {
    const sim = new HidKeyboardScannerSimulator({ ...fast, layout: "de" });
    const r = await rig({ model: "hid-keyboard", layout: "de" }, sim);
    await run(sim.control("setLayout", { layout: "us" }));
    const [scan] = await scanAndWait(r, { code: "xyz-1" });
    expect(scan?.code).toBe("xzyß1"); // US y/z/- keys read on German: z, y, ß
  });

  it("terminator none: codes end on the inter-key pause; Tab works as terminator", async () => {
    const none = await rig(
      { model: "hid-keyboard", terminator: "none", interKeyTimeoutMs: 150 },
      new HidKeyboardScannerSimulator({ ...fast, terminator: "none" }),
    );
    const [a] = await scanAndWait(none, { code: CODES.patron });
    expect(a?.classification.kind).toBe("patron");
    const tab = await rig(
      { model: "hid-keyboard", terminator: "tab" },
      new HidKeyboardScannerSimulator({ ...fast, terminator: "tab" }),
    );
    const [b] = await scanAndWait(tab, { code: CODES.item });
    expect(b?.code).toBe(CODES.item);
  });

  it("AIM typed in front of the code, and report IDs of composite devices", async () => {
    const sim = new HidKeyboardScannerSimulator({ ...fast, aim: true, reportId: 1 });
    const r = await rig({ model: "hid-keyboard", aim: true, reportId: 1 }, sim);
    const [scan] = await scanAndWait(r, { code: CODES.isbn, symbology: "ean-upc" });
    expect(scan).toMatchObject({ raw: `]E0${CODES.isbn}`, symbology: "ean-upc", classification: { kind: "isbn" } });
  });
});

describe("fuzzing the drivers with random reports", () => {
  it.each([["hid-pos"], ["hid-keyboard"]] as const)(
    "%s: random reports never throw; health stays ok or degraded and malformed reports degrade it",
    async (model) => {
      const sim = model === "hid-pos" ? new HidPosScannerSimulator(fast) : new HidKeyboardScannerSimulator(fast);
      const r = await rig({ model }, sim);
      const uncaught: unknown[] = [];
      const onUncaught = (e: unknown) => uncaught.push(e);
      process.on("uncaughtException", onUncaught);
      cleanups.push(() => process.off("uncaughtException", onUncaught));
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.uint8Array({ minLength: 1, maxLength: 70 }), { minLength: 1, maxLength: 6 }),
          async (reports) => {
            for (const report of reports) await r.device.write(report);
            // A report of a length neither model accepts (HID POS: 64, keyboard: 8) marks the stream as garbled.
            const malformed = Uint8Array.of(0xff, 0xfe, 0xfd);
            // A random report may have degraded it already; health then emits nothing new.
            const degraded: Promise<unknown> =
              r.scanner.health().state === "degraded"
                ? Promise.resolve()
                : waitForEvent<DeviceHealth>(r.scanner, "health", (h) => h.state === "degraded");
            await r.device.write(malformed);
            await run(degraded);
            expect(["ok", "degraded"]).toContain(r.scanner.health().state);
          },
        ),
        // Found with FC_SEED=523500628: a first report of a malformed length left nothing to wait for.
        { numRuns: 25, examples: [[[Uint8Array.of(0, 0, 0)]]] },
      );
      expect(uncaught).toEqual([]);
      // Still working afterwards. The first scan may lose keys still "held" by the random reports.
      const next = waitForEvent<ScanEvent>(r.scanner, "scan", (s) => s.code === CODES.item2);
      await run(sim.control("scan", { code: CODES.item }));
      await run(sim.control("scan", { code: CODES.item2 }));
      await run(next);
      expect(r.scanner.health().state).toBe("ok");
    },
  );
});

describe("configuration", () => {
  const { logger } = capturedLogger();
  const [transport] = createMemoryPair();
  const make = (config: unknown) => () => createBarcodeScanner(config as ScannerConfig, { transport, logger });

  it.each([
    [
      { id: "s", model: "laser" },
      /option "model" must be one of "serial-line", "hid-pos", "hid-keyboard" \(got "laser"\)/,
    ],
    [{ id: "s", model: "serial-line", sufix: "CR" }, /option "sufix" is not an option of the serial-line model/],
    [{ id: "s", model: "serial-line", suffix: "CRCR" }, /option "suffix" must be one of/],
    [{ id: "s", model: "serial-line", suffix: "none", interCharTimeoutMs: 0 }, /"interCharTimeoutMs" must be > 0/],
    [{ id: "s", model: "hid-keyboard", layout: "fr" }, /option "layout" must be one of "us", "de"/],
    [{ id: "s", model: "hid-keyboard", terminator: "none", interKeyTimeoutMs: 0 }, /"interKeyTimeoutMs" must be > 0/],
    [{ id: "s", model: "hid-pos", reportId: 300 }, /option "reportId" must be a whole number from 0 to 255/],
    [{ id: "s", model: "hid-pos", duplicateWindowMs: -5 }, /option "duplicateWindowMs"/],
    [{ id: "s", model: "hid-pos", maxLength: 0 }, /option "maxLength"/],
    [{ id: "s", model: "hid-pos", aim: "yes" }, /option "aim" must be true or false/],
    [{ id: "s", model: "hid-pos", rules: [{ kind: "patron" }] }, /option "rules" are not usable: Barcode rule 0/],
    [{ id: "", model: "hid-pos" }, /option "id" must be a non-empty string/],
    [null, /must be an object/],
  ])("rejects %j with SCANNER_BAD_OPTIONS", (config, message) => {
    expect(make(config)).toThrow(message);
    try {
      make(config)();
    } catch (err) {
      expect(err).toMatchObject({ code: "SCANNER_BAD_OPTIONS" });
    }
  });

  it("uses custom classification rules", async () => {
    const r = await rig(
      {
        model: "serial-line",
        rules: [
          { kind: "patron", prefix: "P", length: 6 },
          { kind: "item", pattern: "^I[0-9]+$" },
        ],
      },
      new SerialLineScannerSimulator(fast),
    );
    const [p] = await scanAndWait(r, { code: "P12345" });
    const [i] = await scanAndWait(r, { code: "I99" });
    expect([p?.classification.kind, i?.classification.kind]).toEqual(["patron", "item"]);
    expect(r.scanner).toMatchObject({ id: "scanner", kind: "scanner", model: "serial-line" });
    expect(r.scanner.description).toBe("memory a");
  });
});
