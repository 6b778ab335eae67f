import { once } from "node:events";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryPair } from "../../../../bridge/transports/memory.ts";
import type { TransportError } from "../../../../bridge/transports/transport.ts";
import { EscPosPrinterSimulator, type PrintedReceipt } from "../../../../simulators/devices/printer/escpos-printer.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The simulator on one end of a memory cable; the test is the host on the other. */
async function wired(maxChunkSize?: number) {
  const [host, device] = createMemoryPair({
    names: ["host", "printer"],
    ...(maxChunkSize === undefined ? {} : { maxChunkSize }),
  });
  await host.open();
  await device.open();
  const simulator = new EscPosPrinterSimulator({ columns: 32 });
  simulator.attach(device);
  const errors: TransportError[] = [];
  device.on("error", (e) => errors.push(e));
  const received: number[] = [];
  const waiters: Array<() => void> = [];
  host.on("data", (bytes) => {
    received.push(...bytes);
    for (const w of waiters.splice(0)) w();
  });
  /** Waits until the printer has sent `total` bytes in all. */
  const waitFor = async (total: number) => {
    while (received.length < total) await new Promise<void>((r) => waiters.push(r));
  };
  /** Sends bytes and waits until `n` more bytes have come back from the printer. */
  const answer = async (bytes: Uint8Array | number[], n: number): Promise<number[]> => {
    const start = received.length;
    await host.write(Uint8Array.from(bytes));
    await waitFor(start + n);
    return received.slice(start, start + n);
  };
  cleanups.push(
    () => host.close(),
    () => device.close(),
  );
  return { host, device, simulator, received, answer, waitFor, errors };
}

const DLE_EOT = (n: number) => [0x10, 0x04, n];
const ALL_STATUS = [...DLE_EOT(1), ...DLE_EOT(2), ...DLE_EOT(3), ...DLE_EOT(4)];
const ascii = (s: string) => [...Buffer.from(s, "latin1")];

function nextReceipt(simulator: EscPosPrinterSimulator): Promise<PrintedReceipt> {
  return once(simulator, "receipt").then(([r]) => r as PrintedReceipt);
}

describe("ESC/POS printer simulator: status answers", () => {
  // Expected bytes from Epson's DLE EOT bit tables: fixed bits 0x12 (bits 1 and 4), offline 0x08;
  // cover open 0x04, paper end stop 0x20, error 0x40; autocutter 0x08; near end 0x0C, paper end 0x60
  // (the same constants lucy-escpos-kt's EPStatusConstants and python-escpos status checks use).
  it.each([
    ["ready", () => undefined, [0x12, 0x12, 0x12, 0x12]],
    ["paper near end", (s: EscPosPrinterSimulator) => s.setPaper({ state: "near-end" }), [0x12, 0x12, 0x12, 0x1e]],
    ["paper out", (s: EscPosPrinterSimulator) => s.setPaper({ state: "out" }), [0x1a, 0x32, 0x12, 0x7e]],
    ["cover open", (s: EscPosPrinterSimulator) => s.setCover({ open: true }), [0x1a, 0x16, 0x12, 0x12]],
    ["offline", (s: EscPosPrinterSimulator) => s.setOnline({ online: false }), [0x1a, 0x12, 0x12, 0x12]],
    ["autocutter error", (s: EscPosPrinterSimulator) => s.setFaults({ error: "autocutter" }), [0x1a, 0x52, 0x1a, 0x12]],
    [
      "unrecoverable error",
      (s: EscPosPrinterSimulator) => s.setFaults({ error: "unrecoverable" }),
      [0x1a, 0x52, 0x32, 0x12],
    ],
  ] as const)("%s → DLE EOT 1-4 answers %j", async (_, change, expected) => {
    const { simulator, answer } = await wired();
    change(simulator as EscPosPrinterSimulator);
    expect(await answer(ALL_STATUS, 4)).toEqual(expected);
    expect(simulator.state().statusRequests).toBe(4);
  });

  it("answers nothing while noAnswer is set", async () => {
    const { simulator, host, device, answer, received } = await wired();
    simulator.setFaults({ noAnswer: true });
    const arrived = once(device, "data");
    await host.write(Uint8Array.from(DLE_EOT(1)));
    await arrived;
    simulator.setFaults({ noAnswer: false });
    expect(await answer(DLE_EOT(2), 1)).toEqual([0x12]);
    expect(received).toEqual([0x12]); // the first request got no answer
    expect(simulator.state().statusRequests).toBe(2);
  });

  it("answers status while a command cut short by an unplug still waits for its data", async () => {
    const { simulator, answer, host, device } = await wired();
    const arrived = once(device, "data");
    // A receipt that stopped inside its barcode: 10 more bytes are announced than ever came.
    await host.write(Uint8Array.from([0x1b, 0x40, ...ascii("Loan"), 0x0a, 0x1d, 0x6b, 73, 14, ...ascii("{BTX")]));
    await arrived;
    expect(await answer([...DLE_EOT(1), ...DLE_EOT(2), ...DLE_EOT(4)], 3)).toEqual([0x12, 0x12, 0x12]);
    expect(simulator.state().statusRequests).toBe(3);
  });

  it("GS a: automatic status back at once and on every change (Epson ASB layout)", async () => {
    const { simulator, answer, received, waitFor } = await wired();
    expect(await answer([0x1d, 0x61, 0x0f], 4)).toEqual([0x10, 0x00, 0x00, 0x00]);
    const next = received.length;
    simulator.setPaper({ state: "out" });
    await waitFor(next + 4);
    // offline 0x08 in byte 1; near end 0x03 and paper end 0x0C in byte 3
    expect(received.slice(next, next + 4)).toEqual([0x18, 0x00, 0x0f, 0x00]);
  });
});

describe("ESC/POS printer simulator: printing", () => {
  it("renders what it prints and splits receipts at cuts, whatever the chunking", async () => {
    const { simulator, host } = await wired(3);
    const first = nextReceipt(simulator);
    // ESC @, ESC t 16 (WPC1252), text with é (E9) and € (80), LF, GS V 1 (partial cut)
    await host.write(Uint8Array.from([0x1b, 0x40, 0x1b, 0x74, 16, ...ascii("Caf\xe9 \x80 5"), 0x0a, 0x1d, 0x56, 1]));
    expect(await first).toMatchObject({
      number: 1,
      partialCut: true,
      lines: ["Café € 5", "--------- partial cut ----------"],
    });
    const second = nextReceipt(simulator);
    // GS k 73 (CODE128, {B set) then GS ( k QR store + print, then GS V 0
    const data = ascii("{BTX-1");
    const qr = ascii("TX-1");
    await host.write(
      Uint8Array.from([
        0x1d,
        0x6b,
        73,
        data.length,
        ...data,
        0x1d,
        0x28,
        0x6b,
        qr.length + 3,
        0,
        49,
        80,
        48,
        ...qr,
        0x1d,
        0x28,
        0x6b,
        3,
        0,
        49,
        81,
        48,
        0x1d,
        0x56,
        0,
      ]),
    );
    const receipt = await second;
    expect(receipt.codes).toEqual([
      { type: "barcode", symbology: "code128", data: "TX-1" },
      { type: "qrcode", data: "TX-1" },
    ]);
    expect(receipt.partialCut).toBe(false);
    expect(simulator.receipts().map((r) => r.number)).toEqual([1, 2]);
    expect(receipt.html).toContain('<div class="data">TX-1</div>');
  });

  it("flags line ends a printer set to auto line feed would double-space, and a line feed after the cut", async () => {
    const { simulator, host } = await wired();
    const first = nextReceipt(simulator);
    // Lines ended LF CR, and LF CR after the cut: the receipt-printer-encoder's default newline.
    await host.write(Uint8Array.from([0x1b, 0x40, ...ascii("one"), 0x0a, 0x0d, ...ascii("two"), 0x0a, 0x0d]));
    await host.write(Uint8Array.from([0x1d, 0x56, 0, 0x0a, 0x0d]));
    expect((await first).warnings).toEqual([
      "2 carriage returns (CR, 0x0D): ESC/POS prints on LF; a printer set to treat CR as a line feed double-spaces these lines",
    ]);
    const second = nextReceipt(simulator);
    await host.write(Uint8Array.from([0x1b, 0x40, ...ascii("three"), 0x0a, 0x1d, 0x56, 0]));
    const receipt = await second;
    expect(receipt.lines[0]).toBe("");
    expect(receipt.warnings).toEqual([
      "Line feed right after the previous cut: this receipt starts with a blank line",
      "1 carriage return (CR, 0x0D): ESC/POS prints on LF; a printer set to treat CR as a line feed double-spaces these lines",
    ]);
    const third = nextReceipt(simulator);
    await host.write(Uint8Array.from([0x1b, 0x40, ...ascii("four"), 0x0a, 0x1d, 0x56, 0]));
    expect(await third).toMatchObject({ lines: ["four", expect.stringContaining("cut")], warnings: [] });
  });

  it("throws printed content away while it cannot print, but still answers status", async () => {
    const { simulator, host, answer } = await wired();
    simulator.setCover({ open: true });
    await host.write(Uint8Array.from([0x1b, 0x40, ...ascii("lost"), 0x0a, 0x1d, 0x56, 0]));
    expect(await answer(DLE_EOT(2), 1)).toEqual([0x16]);
    expect(simulator.receipts()).toEqual([]);
    expect(simulator.state().discarded).toBeGreaterThanOrEqual(3);
    simulator.setCover({ open: false });
    const printed = nextReceipt(simulator);
    await host.write(Uint8Array.from([...ascii("kept"), 0x0a, 0x1d, 0x56, 0]));
    expect((await printed).lines[0]).toBe("kept");
  });

  it("keeps at most keepReceipts receipts; clear() forgets them", async () => {
    const [host, device] = createMemoryPair();
    await host.open();
    await device.open();
    cleanups.push(
      () => host.close(),
      () => device.close(),
    );
    const simulator = new EscPosPrinterSimulator({ keepReceipts: 2 });
    simulator.attach(device);
    for (const n of [1, 2, 3]) {
      const printed = nextReceipt(simulator);
      await host.write(Uint8Array.from([...ascii(`r${n}`), 0x0a, 0x1d, 0x56, 0]));
      await printed;
    }
    expect(simulator.receipts().map((r) => r.lines[0])).toEqual(["r2", "r3"]);
    await simulator.control("clear");
    expect(simulator.receipts()).toEqual([]);
  });

  it("random bytes never break it; after a new connection it answers again", async () => {
    const { simulator, host, device, answer, errors } = await wired(5);
    // Each run waits for all of its noise to arrive: a tail still in flight after the re-attach below
    // could open a command that swallows the status request, and the test would wait for ever.
    let arrivedBytes = 0;
    device.on("data", (bytes) => {
      arrivedBytes += bytes.length;
    });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (noise) => {
        const bytes = noise.length > 0 ? noise : Uint8Array.of(0x0a);
        const target = arrivedBytes + bytes.length;
        await host.write(bytes);
        while (arrivedBytes < target) await once(device, "data");
      }),
      { numRuns: 100 },
    );
    expect(errors).toEqual([]); // no data listener ever threw
    expect(JSON.parse(JSON.stringify(simulator.state()))).toHaveProperty("condition");
    // Noise can leave the stream inside a huge "image"; a real printer needs a reconnect or reset too.
    simulator.attach(device);
    expect(await answer(DLE_EOT(1), 1)).toEqual([0x12]);
  });
});

describe("ESC/POS printer simulator: control API", () => {
  it("lists its actions and runs them with plain JSON parameters", async () => {
    const simulator = new EscPosPrinterSimulator();
    expect(simulator.actions().map((a) => a.name)).toEqual([
      "setPaper",
      "setCover",
      "setOnline",
      "setFaults",
      "clear",
      "receipts",
    ]);
    expect(await simulator.control("setPaper", { state: "near-end" })).toMatchObject({ paper: "near-end" });
    expect(await simulator.control("setCover", { open: true })).toMatchObject({ coverOpen: true, ready: false });
    expect(await simulator.control("setOnline", { online: false })).toMatchObject({ online: false });
    expect(await simulator.control("setFaults", { noAnswer: true, error: "autocutter" })).toMatchObject({
      noAnswer: true,
      error: "autocutter",
    });
    expect(await simulator.control("receipts")).toEqual([]);
    expect(JSON.parse(JSON.stringify(simulator.state()))).toMatchObject({
      condition: { paper: "near-end", coverOpen: true, online: false },
      receipts: [],
    });
  });

  it.each([
    ["setPaper", { state: "empty" }, "SIM_BAD_PARAMS", /state.*ok, near-end, out/],
    ["setCover", { open: "yes" }, "SIM_BAD_PARAMS", /"open" must be true or false/],
    ["setFaults", { error: "fire" }, "SIM_BAD_PARAMS", /error/],
    ["eject", {}, "SIM_BAD_ACTION", /no action "eject".*setPaper/],
  ])("%s %j → %s", async (action, params, code, message) => {
    const simulator = new EscPosPrinterSimulator();
    await expect(simulator.control(action, params)).rejects.toMatchObject({
      code,
      message: expect.stringMatching(message),
    });
  });

  it("a new connection starts a fresh command stream", async () => {
    const { simulator, host, device } = await wired();
    const arrived = once(device, "data");
    await host.write(Uint8Array.from([0x1d, 0x6b])); // half a barcode command
    await arrived;
    simulator.attach(device);
    const printed = nextReceipt(simulator);
    await host.write(Uint8Array.from([...ascii("fresh"), 0x0a, 0x1d, 0x56, 0]));
    expect((await printed).lines[0]).toBe("fresh");
  });
});
