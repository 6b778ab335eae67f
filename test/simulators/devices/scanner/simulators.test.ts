import { once } from "node:events";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryHidPair, createMemoryPair } from "../../../../bridge/transports/memory.ts";
import type { Transport } from "../../../../bridge/transports/transport.ts";
import { decodeKeyReports } from "../../../../protocols/barcode/hid-keyboard.ts";
import { US_LAYOUT } from "../../../../protocols/barcode/keyboard-layouts.ts";
import {
  createScannerSimulator,
  HidKeyboardScannerSimulator,
  HidPosScannerSimulator,
  type ScannerSimulatorConfig,
  SerialLineScannerSimulator,
} from "../../../../simulators/devices/scanner/index.ts";
import { seededRandom } from "../../../../simulators/random.ts";
import { VirtualClock } from "../../../support/virtual-clock.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");

interface Recorded {
  writes: Uint8Array[];
  /** The clock's time at each write. */
  times: number[];
}

/** Records every write a simulator makes, and when on `clock` it made it, without a peer. */
function recorder(clock: VirtualClock): Transport & Recorded {
  const [a, b] = createMemoryPair();
  const writes: Uint8Array[] = [];
  const times: number[] = [];
  const original = a.write.bind(a);
  a.write = async (bytes: Uint8Array) => {
    writes.push(Uint8Array.from(bytes));
    times.push(clock.now());
    await original(bytes);
  };
  cleanups.push(
    () => a.close(),
    () => b.close(),
  );
  return Object.assign(a, { writes, times });
}

/** Attaches a recorder; pass the simulator's own clock to time its writes. */
async function attached<T extends { attach(t: Transport): void }>(
  sim: T,
  clock = new VirtualClock(),
): Promise<T & Recorded> {
  const t = recorder(clock);
  await t.open();
  sim.attach(t);
  return Object.assign(sim, { writes: t.writes, times: t.times });
}

/** Runs an action while moving virtual time on until every pause in it is over. */
async function inVirtualTime<T>(clock: VirtualClock, action: Promise<T>): Promise<T> {
  await clock.runAll();
  return action;
}

/** The pauses between successive writes. */
const gaps = (times: number[]) => times.slice(1).map((t, i) => t - (times[i] as number));

describe("serial-line simulator", () => {
  it("writes AIM identifier, code and suffix (bytes checked against Python's ASCII encoding)", async () => {
    const sim = await attached(new SerialLineScannerSimulator({ suffix: "CRLF", aim: true }));
    const result = await sim.control("scan", { code: "A123B", symbology: "codabar" });
    expect(sim.writes.map(toHex)).toEqual(["5d463041313233420d0a"]); // "]F0A123B\r\n"
    expect(result).toMatchObject({ code: "A123B", symbology: "codabar", aimSent: "]F0", writes: 1 });
  });

  it.each([
    ["CR", "0d"],
    ["LF", "0a"],
    ["none", ""],
  ] as const)("suffix %s", async (suffix, tail) => {
    const sim = await attached(new SerialLineScannerSimulator({ suffix }));
    await sim.control("scan", { code: "42", symbology: "code128" });
    expect(sim.writes.map(toHex)).toEqual([`3432${tail}`]); // no AIM prefix unless enabled
  });

  it("cuts a scan into random chunks with pauses up to maxGapMs; the bytes are unchanged", async () => {
    const clock = new VirtualClock();
    const sim = await attached(
      new SerialLineScannerSimulator({ chunks: { maxSize: 3, maxGapMs: 10 }, clock, random: seededRandom(7) }),
      clock,
    );
    await inVirtualTime(clock, sim.control("scan", { code: "33191000105864" }));
    expect(sim.writes.length).toBeGreaterThan(4);
    expect(sim.writes.every((w) => w.length >= 1 && w.length <= 3)).toBe(true);
    expect(Buffer.concat(sim.writes).toString("latin1")).toBe("33191000105864\r");
    const pauses = gaps(sim.times);
    expect(pauses.every((w) => w >= 0 && w <= 10)).toBe(true);
    expect(pauses.some((w) => w > 0)).toBe(true);
  });

  it("property: any code, cut into chunks of 1..maxSize with pauses of 0..maxGapMs, arrives unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom(..."0123456789ABCD-$:/.+"), minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer(),
        async (code, maxSize, maxGapMs, seed) => {
          const clock = new VirtualClock();
          const chunks = { maxSize, maxGapMs };
          const sim = await attached(
            new SerialLineScannerSimulator({ chunks, clock, random: seededRandom(seed) }),
            clock,
          );
          await inVirtualTime(clock, sim.control("scan", { code }));
          expect(Buffer.concat(sim.writes).toString("latin1")).toBe(`${code}\r`);
          expect(sim.writes.every((w) => w.length >= 1 && w.length <= maxSize)).toBe(true);
          expect(gaps(sim.times).every((g) => g >= 0 && g <= maxGapMs)).toBe(true);
        },
      ),
      // Each run steps virtual time a millisecond at a time: 30 runs keep it well inside the test timeout.
      { numRuns: 30 },
    );
  }, 120_000);

  it("Latin-1 by default (ü is one byte 0xFC); UTF-8 when set; unencodable characters are SIM_BAD_PARAMS", async () => {
    const latin = await attached(new SerialLineScannerSimulator());
    await latin.control("scan", { code: "ü" });
    expect(latin.writes.map(toHex)).toEqual(["fc0d"]);
    await expect(latin.control("scan", { code: "ł" })).rejects.toMatchObject({
      code: "SIM_BAD_PARAMS",
      message: expect.stringMatching(/Latin-1/),
    });
    const utf = await attached(new SerialLineScannerSimulator({ encoding: "utf8" }));
    await utf.control("scan", { code: "ł" });
    expect(utf.writes.map(toHex)).toEqual(["c5820d"]);
  });
});

describe("HID POS simulator", () => {
  // Computed with Python from the Access-IS report layout (see the driver's HID POS tests).
  const ITEM =
    "020e5d46303333313931303030313035383634000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";

  it("sends the 64-byte scanned-data report with the AIM identifier", async () => {
    const sim = await attached(new HidPosScannerSimulator());
    await sim.control("scan", { code: "33191000105864", symbology: "codabar" });
    expect(sim.writes.map(toHex)).toEqual([ITEM]);
  });

  it("splits long codes over reports with 'more follows' set on all but the last", async () => {
    const clock = new VirtualClock();
    const sim = await attached(new HidPosScannerSimulator({ clock, vendorSymbology: 0x51, reportGapMs: 2 }), clock);
    await inVirtualTime(clock, sim.control("scan", { code: "x".repeat(120), symbology: "qr" }));
    expect(sim.writes).toHaveLength(3);
    expect(sim.writes.map((r) => [r.length, r[1], r[61], r[63]])).toEqual([
      [64, 56, 0x51, 1],
      [64, 56, 0x51, 1],
      [64, 8, 0x51, 0],
    ]);
    expect(gaps(sim.times)).toEqual([2, 2]);
  });

  it("sends ]X0 when no symbology is given; rejects characters beyond Latin-1", async () => {
    const sim = await attached(new HidPosScannerSimulator());
    await sim.control("scan", { code: "1" });
    expect(toHex(sim.writes[0]?.subarray(2, 5) ?? new Uint8Array())).toBe(toHex(hex("5d5830")));
    await expect(sim.control("scan", { code: "€" })).rejects.toMatchObject({ code: "SIM_BAD_PARAMS" });
  });
});

describe("keyboard-wedge simulator", () => {
  it("types German codes as key-down and key-up reports (usages from the HID tables)", async () => {
    const clock = new VirtualClock();
    const sim = await attached(new HidKeyboardScannerSimulator({ layout: "de", clock }));
    await inVirtualTime(clock, sim.control("scan", { code: "z@ü" }));
    const up = "0000000000000000";
    expect(sim.writes.map(toHex)).toEqual([
      "00001c0000000000", // z is usage 0x1C (the US Y key) on German
      up,
      "4000140000000000", // @ is AltGr (Right Alt, 0x40) + Q (0x14)
      up,
      "00002f0000000000", // ü is usage 0x2F (the US [ key)
      up,
      "0000280000000000", // Enter
      up,
    ]);
  });

  it("waits 2–8 ms between reports by default, drawn from the injected randomness", async () => {
    const clock = new VirtualClock();
    const sim = await attached(new HidKeyboardScannerSimulator({ clock, random: seededRandom(99) }), clock);
    await inVirtualTime(clock, sim.control("scan", { code: "12345" }));
    expect(sim.writes).toHaveLength(12);
    const waits = gaps(sim.times);
    expect(waits).toHaveLength(11);
    expect(waits.every((w) => w >= 2 && w <= 8)).toBe(true);
    expect(new Set(waits.map(Math.round)).size).toBeGreaterThan(1);
  });

  it("setLayout switches the layout; Tab terminator; report ID prefix; AIM typed first", async () => {
    const clock = new VirtualClock();
    const sim = await attached(new HidKeyboardScannerSimulator({ terminator: "tab", reportId: 1, aim: true, clock }));
    expect(await sim.control("setLayout", { layout: "de" })).toEqual({ layout: "de" });
    expect(sim.state()).toMatchObject({ layout: "de", terminator: "tab" });
    await inVirtualTime(clock, sim.control("scan", { code: "y", symbology: "code128" }));
    // ] on German is AltGr+9 (0x26); C is Shift+C (0x06); 0 is 0x27; y is 0x1D; Tab is 0x2B.
    const presses = sim.writes.filter((_, i) => i % 2 === 0).map(toHex);
    expect(presses).toEqual([
      "014000260000000000",
      "010200060000000000",
      "010000270000000000",
      "0100001d0000000000",
      "0100002b0000000000",
    ]);
    await expect(sim.control("setLayout", { layout: "fr" })).rejects.toMatchObject({ code: "SIM_BAD_PARAMS" });
  });

  it("runs one scan at a time: concurrent scans do not interleave their keys", async () => {
    const [host, device] = createMemoryHidPair();
    await host.open();
    await device.open();
    cleanups.push(
      () => host.close(),
      () => device.close(),
    );
    const reports: Uint8Array[] = [];
    host.on("data", (r) => reports.push(Uint8Array.from(r)));
    const clock = new VirtualClock();
    const sim = new HidKeyboardScannerSimulator({ interReportMs: { min: 1, max: 3 }, clock });
    sim.attach(device);
    const both = Promise.all([sim.control("scan", { code: "abc" }), sim.control("scan", { code: "123" })]);
    await inVirtualTime(clock, both);
    // Key down and up for 3 characters and Enter, twice; the pair delivers one report per event-loop turn.
    while (reports.length < 16) await once(host, "data");
    expect(decodeKeyReports(reports, US_LAYOUT).codes).toEqual(["abc", "123"]);
  });

  it("a character the layout cannot type is SIM_BAD_PARAMS and nothing is sent", async () => {
    const sim = await attached(new HidKeyboardScannerSimulator({ layout: "us" }));
    await expect(sim.control("scan", { code: "abü" })).rejects.toMatchObject({
      code: "SIM_BAD_PARAMS",
      message: expect.stringMatching(/cannot be typed on the us layout/),
    });
    expect(sim.writes).toEqual([]);
  });
});

describe("control actions, errors and state", () => {
  it("lists its actions with descriptions", () => {
    expect(new SerialLineScannerSimulator().actions().map((a) => a.name)).toEqual(["scan", "raw"]);
    const keyboard = new HidKeyboardScannerSimulator().actions();
    expect(keyboard.map((a) => a.name)).toEqual(["scan", "raw", "setLayout"]);
    expect(keyboard.every((a) => a.description.length > 10)).toBe(true);
  });

  it.each([
    ["nope", {}, "SIM_BAD_ACTION", /has no action "nope"; it has scan, raw/],
    ["scan", {}, "SIM_BAD_PARAMS", /"code" must be a non-empty string/],
    ["scan", { code: 42 }, "SIM_BAD_PARAMS", /"code"/],
    ["scan", { code: "1", colour: "red" }, "SIM_BAD_PARAMS", /unknown parameter colour/],
    ["scan", { code: "1", symbology: "morse" }, "SIM_BAD_PARAMS", /"morse" is not an AIM symbology/],
    ["scan", { code: "1", symbology: "]%0" }, "SIM_BAD_PARAMS", /not an AIM code character/],
    ["scan", { code: "1", symbology: "]C0x" }, "SIM_BAD_PARAMS", /not one AIM identifier/],
    ["raw", { bytes: [] }, "SIM_BAD_PARAMS", /"bytes" must be/],
    ["raw", { bytes: [256] }, "SIM_BAD_PARAMS", /"bytes" must be/],
    ["toString", {}, "SIM_BAD_ACTION", /no action/],
  ])("%s %j → %s", async (action, params, code, message) => {
    const sim = await attached(new SerialLineScannerSimulator());
    await expect(sim.control(action, params)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(sim.writes).toEqual([]);
  });

  it("refuses to send without a transport (SIM_NOT_ATTACHED), and after detach()", async () => {
    const sim = new HidPosScannerSimulator();
    await expect(sim.control("scan", { code: "1" })).rejects.toMatchObject({ code: "SIM_NOT_ATTACHED" });
    const withT = await attached(sim);
    await withT.control("raw", { bytes: [1, 2, 3] });
    expect(withT.writes.map(toHex)).toEqual(["010203"]);
    sim.detach();
    await expect(sim.control("raw", { bytes: [1] })).rejects.toMatchObject({ code: "SIM_NOT_ATTACHED" });
    expect(sim.state()).toMatchObject({ attached: null });
  });

  it("keeps the 20 most recent scans in its state", async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const sim = await attached(new SerialLineScannerSimulator({ clock }));
    for (let i = 0; i < 23; i++) {
      await sim.control("scan", { code: `code-${i}`, ...(i % 2 ? { symbology: "]E0" } : {}) });
      await clock.advance(1000);
    }
    const state = sim.state() as { recentScans: Array<{ code: string; symbology: string | null; at: string }> };
    expect(state).toMatchObject({ kind: "scanner", model: "serial-line", suffix: "CR", attached: "memory a" });
    expect(state.recentScans).toHaveLength(20);
    expect(state.recentScans[0]).toMatchObject({ code: "code-3", symbology: "ean-upc", aimSent: null });
    expect(state.recentScans.at(-1)).toMatchObject({
      code: "code-22",
      symbology: null,
      at: "2023-11-14T22:13:42.000Z",
    });
  });

  it.each([
    [{ model: "serial-line", suffix: "ETX" }, /option "suffix" must be CR, LF, CRLF or none/],
    [{ model: "serial-line", encoding: "ebcdic" }, /option "encoding"/],
    [{ model: "serial-line", chunks: { maxSize: 0 } }, /option "chunks" needs maxSize ≥ 1/],
    [{ model: "hid-pos", reportId: 256 }, /option "reportId" must be a byte/],
    [{ model: "hid-pos", reportGapMs: -1 }, /option "reportGapMs"/],
    [{ model: "hid-keyboard", layout: "fr" }, /option "layout" must be one of us, de/],
    [{ model: "hid-keyboard", terminator: "space" }, /option "terminator"/],
    [{ model: "hid-keyboard", interReportMs: { min: 8, max: 2 } }, /option "interReportMs" needs 0 ≤ min ≤ max/],
  ])("rejects bad options %j with SIM_BAD_PARAMS", (config, message) => {
    expect(() => createScannerSimulator(config as unknown as ScannerSimulatorConfig)).toThrow(message);
    expect(() => createScannerSimulator(config as unknown as ScannerSimulatorConfig)).toThrow(
      expect.objectContaining({ code: "SIM_BAD_PARAMS" }),
    );
  });

  it("createScannerSimulator makes each model and rejects unknown ones", () => {
    for (const model of ["serial-line", "hid-pos", "hid-keyboard"] as const) {
      expect(createScannerSimulator({ model }).model).toBe(model);
    }
    expect(() => createScannerSimulator({ model: "laser" } as unknown as ScannerSimulatorConfig)).toThrow(
      /No scanner simulator for model "laser"/,
    );
  });
});
