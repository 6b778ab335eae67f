import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TransportError } from "../../../bridge/transports/errors.ts";
import { createMemoryHidPair, createMemoryPair } from "../../../bridge/transports/memory.ts";
import { hasFeatureReports, type TransportCloseInfo } from "../../../bridge/transports/transport.ts";
import { flushIo } from "../../support/settle.ts";
import { allBytes, collect, nextClose } from "./helpers.ts";

async function openPair(...args: Parameters<typeof createMemoryPair>) {
  const [a, b] = createMemoryPair(...args);
  await a.open();
  await b.open();
  return [a, b] as const;
}

describe("memory pair", () => {
  it("carries every byte value both ways, asynchronously", async () => {
    const [a, b] = await openPair();
    const atB = collect(b);
    const atA = collect(a);
    await a.write(allBytes());
    expect(atB.chunks).toHaveLength(0); // not delivered inside write()
    expect(await atB.waitFor(256)).toEqual(allBytes());
    await b.write(Uint8Array.of(0x00, 0x0d, 0x0a, 0xff));
    expect(await atA.waitFor(4)).toEqual(Uint8Array.of(0x00, 0x0d, 0x0a, 0xff));
  });

  it("describes its ends", () => {
    const [a, b] = createMemoryPair({ names: ["scanner host", "scanner sim"] });
    expect(a.description).toBe("memory scanner host");
    expect(b.description).toBe("memory scanner sim");
  });

  it("copies written bytes so the caller can reuse its buffer", async () => {
    const [a, b] = await openPair();
    const atB = collect(b);
    const buffer = Uint8Array.of(1, 2, 3);
    await a.write(buffer);
    buffer.fill(9);
    expect(await atB.waitFor(3)).toEqual(Uint8Array.of(1, 2, 3));
  });

  it("preserves order and content under any chunking and latency", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { maxLength: 12 }),
        fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
        fc.integer({ min: 0, max: 2 }),
        async (writes, maxChunkSize, latencyMs) => {
          const [a, b] = await openPair(maxChunkSize === undefined ? { latencyMs } : { latencyMs, maxChunkSize });
          const atB = collect(b);
          for (const w of writes) await a.write(w);
          const expected = Uint8Array.from(writes.flatMap((w) => [...w]));
          expect(await atB.waitFor(expected.length, 2000)).toEqual(expected);
          if (maxChunkSize !== undefined)
            for (const c of atB.chunks) expect(c.length).toBeLessThanOrEqual(maxChunkSize);
          else expect(atB.chunks).toHaveLength(writes.filter((w) => w.length > 0).length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("lets a function choose chunk sizes, clamping nonsense to at least one byte", async () => {
    const [a, b] = await openPair({ maxChunkSize: (remaining) => (remaining > 3 ? 0 : Number.NaN) });
    const atB = collect(b);
    await a.write(Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(await atB.waitFor(6)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(atB.chunks.map((c) => c.length)).toEqual([1, 1, 1, 3]);
  });

  it("rejects writes when not open, with DEVICE_NOT_OPEN", async () => {
    const [a] = createMemoryPair();
    await expect(a.write(Uint8Array.of(1))).rejects.toMatchObject({ code: "DEVICE_NOT_OPEN" });
    await a.open();
    await a.close();
    const err = await a.write(Uint8Array.of(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).message).toContain("memory a");
  });

  it("rejects a write of something that is not bytes", async () => {
    const [a] = await openPair();
    await expect(a.write("hello" as unknown as Uint8Array)).rejects.toMatchObject({ code: "DEVICE_WRITE_FAILED" });
  });

  it("drops bytes that arrive at an end that is not open, like a serial line", async () => {
    const [a, b] = createMemoryPair();
    await a.open();
    await a.write(Uint8Array.of(1, 2));
    await flushIo(); // the cable has delivered (and dropped) them
    await b.open();
    const atB = collect(b);
    await a.write(Uint8Array.of(3));
    expect(await atB.waitFor(1)).toEqual(Uint8Array.of(3));
  });

  it("opens idempotently, closes once with reason requested and can be reopened", async () => {
    const [a] = createMemoryPair();
    const opens: number[] = [];
    const closes: TransportCloseInfo[] = [];
    a.on("open", () => opens.push(1));
    a.on("close", (info) => closes.push(info));
    await Promise.all([a.open(), a.open()]);
    await a.open();
    expect(a.isOpen).toBe(true);
    expect(opens).toHaveLength(1);
    await Promise.all([a.close(), a.close()]);
    await a.close();
    expect(a.isOpen).toBe(false);
    expect(closes).toEqual([{ reason: "requested" }]);
    await a.open();
    expect(a.isOpen).toBe(true);
    expect(opens).toHaveLength(2);
  });

  it("close() while opening waits for the open and then closes", async () => {
    const [a] = createMemoryPair();
    const opening = a.open();
    const closing = a.close();
    await opening;
    await closing;
    expect(a.isOpen).toBe(false);
  });

  it("disconnect() unplugs both ends: close with DEVICE_DISCONNECTED, no reopen until reconnect()", async () => {
    const [a, b] = await openPair();
    const errors: TransportError[] = [];
    a.on("error", (e) => errors.push(e));
    const closedA = nextClose(a);
    const closedB = nextClose(b);
    await a.write(Uint8Array.of(1, 2, 3)); // in flight, lost with the cable
    const atB = collect(b);
    b.disconnect();
    const [infoA, infoB] = await Promise.all([closedA, closedB]);
    expect(infoA.reason).toBe("disconnected");
    expect(infoA.error?.code).toBe("DEVICE_DISCONNECTED");
    expect(infoB.error?.message).toMatch(/memory b: .*unplugged/);
    expect(errors.map((e) => e.code)).toEqual(["DEVICE_DISCONNECTED"]);
    expect(a.isOpen || b.isOpen).toBe(false);
    expect(a.plugged).toBe(false);
    await expect(a.open()).rejects.toMatchObject({ code: "DEVICE_NOT_FOUND" });
    await expect(a.write(Uint8Array.of(1))).rejects.toMatchObject({ code: "DEVICE_NOT_OPEN" });
    a.reconnect();
    await a.open();
    await b.open();
    await a.write(Uint8Array.of(7));
    expect(await atB.waitFor(1)).toEqual(Uint8Array.of(7));
  });

  it("an unplug nobody listens to does not throw", async () => {
    const [a] = await openPair();
    expect(() => a.disconnect()).not.toThrow();
    expect(a.isOpen).toBe(false);
  });

  it("a throwing data listener is reported as DATA_LISTENER_FAILED and the transport stays up", async () => {
    const [a, b] = await openPair();
    const errors: TransportError[] = [];
    b.on("error", (e) => errors.push(e));
    const atB = collect(b); // listeners run in order: this one sees the bytes before the throwing one
    b.on("data", () => {
      throw new Error("driver bug");
    });
    await a.write(Uint8Array.of(1));
    await a.write(Uint8Array.of(2));
    await atB.waitFor(2);
    expect(errors.map((e) => e.code)).toEqual(["DATA_LISTENER_FAILED", "DATA_LISTENER_FAILED"]);
    expect(errors[0]?.cause).toBeInstanceOf(Error);
    expect(b.isOpen).toBe(true);
  });

  it("rejects bad options with TRANSPORT_OPTIONS_INVALID", () => {
    expect(() => createMemoryPair({ latencyMs: -1 })).toThrow(
      expect.objectContaining({ code: "TRANSPORT_OPTIONS_INVALID" }),
    );
    expect(() => createMemoryPair({ maxChunkSize: 0 })).toThrow(TransportError);
    expect(() => createMemoryPair({ maxChunkSize: 1.5 })).toThrow(TransportError);
  });
});

describe("memory HID pair", () => {
  it("keeps report boundaries: each write is one data event", async () => {
    const [host, device] = createMemoryHidPair();
    await host.open();
    await device.open();
    const atHost = collect(host);
    const atDevice = collect(device);
    const reports = [Uint8Array.of(0x02, 0x41, 0x42), Uint8Array.of(0x02, 0x43), Uint8Array.of(0x02)];
    for (const r of reports) await device.write(r);
    await atHost.waitFor(6);
    expect(atHost.chunks).toEqual(reports);
    await host.write(Uint8Array.of(0x00, 0xff, 0x01));
    expect(await atDevice.waitFor(3)).toEqual(Uint8Array.of(0x00, 0xff, 0x01));
    expect(hasFeatureReports(host)).toBe(true);
    expect(hasFeatureReports(device)).toBe(false);
  });

  it("carries feature reports to the simulated device and answers reads", async () => {
    const [host, device] = createMemoryHidPair({ names: ["relay host", "relay sim"] });
    await host.open();
    await device.open();
    let state = 0;
    const seen: Uint8Array[] = [];
    device.handleFeatureReports({
      set(bytes) {
        seen.push(bytes);
        if (bytes[1] === 0xff) state |= 1 << ((bytes[2] ?? 1) - 1);
      },
      get(reportId) {
        return Uint8Array.from({ length: 9 }, (_, i) => (i === 0 ? reportId : i === 8 ? state : 0x41 + i));
      },
    });
    const report = Uint8Array.of(0x00, 0xff, 0x02, 0, 0, 0, 0, 0, 0);
    expect(await host.sendFeatureReport(report)).toBe(9);
    report.fill(0); // the device got a copy
    expect(seen[0]).toEqual(Uint8Array.of(0x00, 0xff, 0x02, 0, 0, 0, 0, 0, 0));
    const answer = await host.getFeatureReport(0, 9);
    expect(answer[0]).toBe(0);
    expect(answer[8]).toBe(0b10);
    expect(await host.getFeatureReport(0, 4)).toHaveLength(4);
  });

  it("fails feature reports clearly when the device cannot take them", async () => {
    const [host, device] = createMemoryHidPair();
    await expect(host.sendFeatureReport(Uint8Array.of(0))).rejects.toMatchObject({ code: "DEVICE_NOT_OPEN" });
    await host.open();
    await expect(host.getFeatureReport(0, 8)).rejects.toMatchObject({ code: "DEVICE_DISCONNECTED" });
    await device.open();
    await expect(host.getFeatureReport(0, 8)).rejects.toMatchObject({ code: "HID_FEATURE_REPORT_FAILED" });
    device.handleFeatureReports({
      set() {
        throw new Error("firmware says no");
      },
    });
    const err = await host.sendFeatureReport(Uint8Array.of(0, 1)).catch((e: TransportError) => e);
    expect(err).toMatchObject({ code: "HID_FEATURE_REPORT_FAILED" });
    expect((err as TransportError).cause).toBeInstanceOf(Error);
    await expect(host.getFeatureReport(256, 8)).rejects.toMatchObject({ code: "HID_FEATURE_REPORT_FAILED" });
    await expect(host.getFeatureReport(0, 0)).rejects.toMatchObject({ code: "HID_FEATURE_REPORT_FAILED" });
  });
});
