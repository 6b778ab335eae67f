import { afterEach, describe, expect, it } from "vitest";
import { createSerialTransport } from "../../../bridge/transports/serial.ts";
import type { Transport } from "../../../bridge/transports/transport.ts";
import { createUsbPrinterTransport, type DeviceFileHandle } from "../../../bridge/transports/usb-printer.ts";
import { openPtyPair } from "../../support/pty.ts";
import { allBytes, collect, nextClose } from "./helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function track<T extends Transport>(t: T): T {
  cleanups.push(() => t.close());
  return t;
}

const errno = (code: string) => Object.assign(new Error(`${code}: from the fake device`), { code });

/** A scripted device file: each read/write call takes the next scripted outcome. */
function scriptedFile(script: { reads?: Array<Uint8Array | string>; writes?: Array<number | string> }) {
  const written: number[] = [];
  let closed = false;
  const handle: DeviceFileHandle = {
    async read(buffer, offset) {
      const next = script.reads?.shift() ?? "EAGAIN";
      if (typeof next === "string") throw errno(next);
      buffer.set(next, offset);
      return { bytesRead: next.length };
    },
    async write(buffer, offset, length) {
      const next = script.writes?.shift() ?? length;
      if (typeof next === "string") throw errno(next);
      const n = Math.min(next, length);
      written.push(...buffer.subarray(offset, offset + n));
      return { bytesWritten: n };
    },
    async close() {
      closed = true;
    },
  };
  return {
    written,
    get closed() {
      return closed;
    },
    openFile: async () => handle,
  };
}

describe("usb printer transport", () => {
  it("writes to and reads status from a device file (a pseudo-terminal standing in for /dev/usb/lp0)", async () => {
    const pty = await openPtyPair();
    cleanups.push(() => pty.close());
    const printer = track(createUsbPrinterTransport({ path: pty.a, pollIntervalMs: 5 }));
    const far = track(createSerialTransport({ path: pty.b, baudRate: 9600 }));
    await far.open();
    await printer.open();
    expect(printer.description).toBe(`usb printer ${pty.a}`);
    const atPrinter = collect(far);
    const atHost = collect(printer);
    // ESC @ (initialise), every byte value, then DLE EOT 1 (real-time status request).
    const job = Uint8Array.from([0x1b, 0x40, ...allBytes(), 0x10, 0x04, 0x01]);
    await printer.write(job);
    expect(await atPrinter.waitFor(job.length)).toEqual(job);
    await far.write(Uint8Array.of(0x16)); // a DLE EOT 1 style reply: fixed bits 0x12 plus bit 2
    expect(await atHost.waitFor(1)).toEqual(Uint8Array.of(0x16));
    const closed = nextClose(printer);
    await pty.hangup("a");
    // The pty reads EOF after hangup (not an error), so the next write is what notices.
    await expect(printer.write(Uint8Array.of(0x0a))).rejects.toMatchObject({ code: "DEVICE_DISCONNECTED" });
    expect((await closed).error?.code).toBe("DEVICE_DISCONNECTED");
  });

  it("a missing printer → DEVICE_NOT_FOUND mentioning usblp", async () => {
    const t = createUsbPrinterTransport({ path: "/dev/usb/lp-none" });
    const err = await t.open().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DEVICE_NOT_FOUND" });
    expect((err as Error).message).toMatch(/usblp/);
  });

  it("permission denied → DEVICE_PERMISSION telling to join the lp group; busy → DEVICE_BUSY", async () => {
    const denied = createUsbPrinterTransport({
      openFile: async () => {
        throw errno("EACCES");
      },
    });
    const err = await denied.open().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DEVICE_PERMISSION" });
    expect((err as Error).message).toMatch(/'lp' group/);
    const busy = createUsbPrinterTransport({
      openFile: async () => {
        throw errno("EBUSY");
      },
    });
    await expect(busy.open()).rejects.toMatchObject({ code: "DEVICE_BUSY" });
  });

  it("retries EAGAIN and partial writes until every byte is taken, in order", async () => {
    const file = scriptedFile({ writes: ["EAGAIN", 3, "EAGAIN", 0, 2, "EINTR"] });
    const t = track(createUsbPrinterTransport({ pollIntervalMs: 1, openFile: file.openFile }));
    await t.open();
    const job = Uint8Array.from({ length: 10 }, (_, i) => i + 1);
    await t.write(job);
    expect(file.written).toEqual([...job]);
  });

  it("out of paper (ENOSPC) → DEVICE_WRITE_FAILED saying so; the printer stays open", async () => {
    const file = scriptedFile({ writes: ["ENOSPC"] });
    const t = track(createUsbPrinterTransport({ openFile: file.openFile }));
    await t.open();
    const err = await t.write(Uint8Array.of(1)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DEVICE_WRITE_FAILED" });
    expect((err as Error).message).toMatch(/out of paper/);
    expect(t.isOpen).toBe(true);
  });

  it("a printer that takes nothing → DEVICE_WRITE_FAILED after the write timeout", async () => {
    const file = scriptedFile({ writes: Array(1000).fill("EAGAIN") });
    const t = track(createUsbPrinterTransport({ pollIntervalMs: 2, writeTimeoutMs: 30, openFile: file.openFile }));
    await t.open();
    const err = await t.write(Uint8Array.of(1, 2)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DEVICE_WRITE_FAILED", details: { written: 0, total: 2 } });
    expect((err as Error).message).toMatch(/online, has paper/);
  });

  it("reads status bytes between EAGAINs; ENODEV on read → close with DEVICE_DISCONNECTED", async () => {
    const file = scriptedFile({ reads: ["EAGAIN", Uint8Array.of(0x12), "EAGAIN", Uint8Array.of(0x1e), "ENODEV"] });
    const t = track(createUsbPrinterTransport({ pollIntervalMs: 1, openFile: file.openFile }));
    const atHost = collect(t);
    const closed = nextClose(t);
    await t.open();
    const info = await closed;
    expect(atHost.bytes()).toEqual(Uint8Array.of(0x12, 0x1e));
    expect(info.reason).toBe("disconnected");
    expect(info.error?.message).toMatch(/read failed/);
    expect(file.closed).toBe(true);
  });

  it("rejects bad settings with TRANSPORT_OPTIONS_INVALID", () => {
    expect(() => createUsbPrinterTransport({ pollIntervalMs: 0 })).toThrow(
      expect.objectContaining({ code: "TRANSPORT_OPTIONS_INVALID" }),
    );
    expect(() => createUsbPrinterTransport({ path: "" })).toThrow(
      expect.objectContaining({ code: "TRANSPORT_OPTIONS_INVALID" }),
    );
  });
});
