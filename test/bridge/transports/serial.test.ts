import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { matchDevice, type SerialPortInfo, serialFactoryByIdentity } from "../../../bridge/devices/discovery.ts";
import { createReconnectingTransport } from "../../../bridge/transports/reconnecting.ts";
import {
  createSerialTransport,
  describeSerial,
  type SerialPortClass,
  type SerialSettings,
} from "../../../bridge/transports/serial.ts";
import type { Transport } from "../../../bridge/transports/transport.ts";
import { openPtyPair, type PtyPair } from "../../support/pty.ts";
import { flushIo, until } from "../../support/settle.ts";
import { allBytes, collect, nextClose, randomBytes, statusLog, waitForStatus } from "./helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function ptyPair(): Promise<PtyPair> {
  const pty = await openPtyPair();
  cleanups.push(() => pty.close());
  return pty;
}

function track<T extends Transport>(t: T): T {
  cleanups.push(() => t.close());
  return t;
}

/** What the stand-in port answers to the modem-status ioctl, and how many times it has answered. */
interface PortState {
  getError: Error | null;
  answered?: number;
}

/** A stand-in for serialport's SerialPort that opens anything and never reports a disconnect itself. */
class SilentPort {
  static with(state: PortState = { getError: null }): SerialPortClass {
    return class extends SilentPort {
      override state = state;
    } as unknown as SerialPortClass;
  }
  state: PortState = { getError: null };
  isOpen = false;
  on() {
    return this;
  }
  removeAllListeners() {
    return this;
  }
  open(callback: (err: Error | null) => void) {
    this.isOpen = true;
    setImmediate(() => callback(null));
  }
  get(callback: (err: Error | null) => void) {
    setImmediate(() => {
      this.state.answered = (this.state.answered ?? 0) + 1;
      callback(this.state.getError);
    });
  }
  close(callback: () => void) {
    this.isOpen = false;
    setImmediate(callback);
  }
}

describe("serial transport over a pseudo-terminal pair (real serialport)", () => {
  it.each([19200, 9600])("carries binary data both ways untouched at %i baud", async (baudRate) => {
    const pty = await ptyPair();
    const a = track(createSerialTransport({ path: pty.a, baudRate }));
    const b = track(createSerialTransport({ path: pty.b, baudRate }));
    await a.open();
    await b.open();
    expect(a.description).toBe(`serial ${pty.a} @${baudRate} 8N1`);
    const atA = collect(a);
    const atB = collect(b);
    // Every byte value, including CR, LF, XON/XOFF, ^C and 0xFF, must pass through raw.
    const payload = Uint8Array.from([...allBytes(), ...randomBytes(4000, baudRate)]);
    await a.write(payload);
    expect(await atB.waitFor(payload.length)).toEqual(payload);
    const reply = Uint8Array.of(0xd6, 0x00, 0x05, 0x04, 0x00, 0x11, 0x0a, 0x0d, 0x13);
    await b.write(reply);
    expect(await atA.waitFor(reply.length)).toEqual(reply);
  });

  it("hangup mid-operation → close with DEVICE_DISCONNECTED and an error event", async () => {
    const pty = await ptyPair();
    const a = track(createSerialTransport({ path: pty.a, baudRate: 19200, presenceCheckMs: 50 }));
    await a.open();
    const errors: string[] = [];
    a.on("error", (e) => errors.push(e.code));
    const closed = nextClose(a);
    await pty.hangup("a");
    const info = await closed;
    expect(info.reason).toBe("disconnected");
    expect(info.error?.code).toBe("DEVICE_DISCONNECTED");
    expect(info.error?.message).toContain(pty.a);
    expect(info.error?.message).toMatch(/reconnects when it is back/);
    expect(errors).toEqual(["DEVICE_DISCONNECTED"]);
    expect(a.isOpen).toBe(false);
    await expect(a.write(Uint8Array.of(1))).rejects.toMatchObject({ code: "DEVICE_NOT_OPEN" });
  });

  it("a missing port → DEVICE_NOT_FOUND", async () => {
    const t = createSerialTransport({ path: "/dev/ttyUSB-does-not-exist", baudRate: 9600 });
    const err = await t.open().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DEVICE_NOT_FOUND", details: { errno: "ENOENT" } });
    expect((err as Error).message).toMatch(/ttyUSB-does-not-exist.*plugged in/);
  });

  it("a file that is not a serial port → DEVICE_OPEN_FAILED", async () => {
    const t = createSerialTransport({ path: "/dev/null", baudRate: 9600 });
    await expect(t.open()).rejects.toMatchObject({ code: "DEVICE_OPEN_FAILED" });
  });

  it("a port another program holds → DEVICE_BUSY", async () => {
    const pty = await ptyPair();
    const first = track(createSerialTransport({ path: pty.a, baudRate: 9600 }));
    await first.open();
    const second = createSerialTransport({ path: pty.a, baudRate: 9600 });
    const err = await second.open().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DEVICE_BUSY" });
    expect((err as Error).message).toMatch(/in use by another program/);
  });

  it("permission denied → DEVICE_PERMISSION telling to join the dialout group", async () => {
    // Tests run as root here, so EACCES is produced by a stand-in with serialport's message format.
    class DeniedPort {
      isOpen = false;
      on() {
        return this;
      }
      removeAllListeners() {
        return this;
      }
      open(callback: (err: Error | null) => void) {
        setImmediate(() => callback(new Error("Error: Permission denied, cannot open /dev/ttyUSB0")));
      }
    }
    const t = createSerialTransport({ path: "/dev/ttyUSB0", baudRate: 9600 }, DeniedPort as unknown as SerialPortClass);
    const err = await t.open().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DEVICE_PERMISSION" });
    expect((err as Error).message).toMatch(/'dialout' group/);
  });

  it("notices an unplug serialport misses: the device node disappears", async () => {
    const dir = await mkdtemp(join(tmpdir(), "serial-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const node = join(dir, "ttyUSB0");
    await writeFile(node, "");
    const t = track(createSerialTransport({ path: node, baudRate: 9600, presenceCheckMs: 20 }, SilentPort.with()));
    await t.open();
    const closed = nextClose(t);
    await rm(node);
    const info = await closed;
    expect(info.error?.code).toBe("DEVICE_DISCONNECTED");
    expect(info.error?.message).toMatch(/device node disappeared/);
  });

  it("a write the port never finishes fails when the device goes away, or when the transport is closed", async () => {
    // serialport's write on a hung-up tty can wait for writability forever: the printer's receipt waited with it.
    class StuckWritePort extends SilentPort {
      write() {
        return true;
      }
    }
    const dir = await mkdtemp(join(tmpdir(), "serial-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const node = join(dir, "ttyUSB0");
    await writeFile(node, "");
    const port = StuckWritePort as unknown as SerialPortClass;
    const t = track(createSerialTransport({ path: node, baudRate: 9600, presenceCheckMs: 20 }, port));
    await t.open();
    // The expectations are attached before the write fails, so its rejection is never unhandled.
    const writing = expect(t.write(Uint8Array.of(0x1b, 0x40))).rejects.toMatchObject({ code: "DEVICE_DISCONNECTED" });
    await rm(node);
    await writing;

    await writeFile(node, "");
    const u = track(createSerialTransport({ path: node, baudRate: 9600, presenceCheckMs: 0 }, port));
    await u.open();
    const stuck = expect(u.write(Uint8Array.of(1))).rejects.toMatchObject({ code: "DEVICE_NOT_OPEN" });
    await u.close();
    await stuck;
  });

  it("notices a hung-up tty that answers the modem-status ioctl with EIO", async () => {
    const dir = await mkdtemp(join(tmpdir(), "serial-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const node = join(dir, "ttyACM0");
    await writeFile(node, "");
    const state: PortState = { getError: new Error("Error: Inappropriate ioctl for device, cannot get") };
    const t = track(createSerialTransport({ path: node, baudRate: 9600, presenceCheckMs: 20 }, SilentPort.with(state)));
    await t.open();
    const closes: unknown[] = [];
    t.on("close", (info) => closes.push(info));
    // ENOTTY (a pty, or a port without modem lines) is no unplug: three checks answered so, and still open.
    await until(null, () => (state.answered ?? 0) >= 3 || closes.length > 0, { what: "three presence checks" });
    await flushIo();
    expect(closes).toHaveLength(0);
    const closed = nextClose(t);
    state.getError = new Error("Error: Input/output error, cannot get");
    expect((await closed).error?.message).toMatch(/stopped answering.*Input\/output error/);
  });

  it("describes frame settings and flow control", () => {
    const base: SerialSettings = { path: "/dev/ttyS0", baudRate: 9600 };
    expect(describeSerial(base)).toBe("serial /dev/ttyS0 @9600 8N1");
    expect(describeSerial({ ...base, dataBits: 7, parity: "even", stopBits: 2, flowControl: "rtscts" })).toBe(
      "serial /dev/ttyS0 @9600 7E2 rtscts",
    );
    expect(describeSerial({ ...base, flowControl: "xonxoff" })).toBe("serial /dev/ttyS0 @9600 8N1 xonxoff");
  });

  it("rejects bad settings with TRANSPORT_OPTIONS_INVALID naming the problem", () => {
    const bad = [
      { path: "", baudRate: 9600 },
      { path: "/dev/ttyS0", baudRate: 0 },
      { path: "/dev/ttyS0", baudRate: 9600.5 },
      { path: "/dev/ttyS0", baudRate: 9600, dataBits: 9 },
      { path: "/dev/ttyS0", baudRate: 9600, parity: "sometimes" },
      { path: "/dev/ttyS0", baudRate: 9600, stopBits: 3 },
      { path: "/dev/ttyS0", baudRate: 9600, flowControl: "dtr" },
    ] as unknown as SerialSettings[];
    for (const settings of bad) {
      expect(() => createSerialTransport(settings)).toThrow(
        expect.objectContaining({ code: "TRANSPORT_OPTIONS_INVALID" }),
      );
    }
  });
});

describe("hot-plug: reconnecting serial device found again by identity", () => {
  it("unplug → disconnected with a clear error → replugged at a new path → open again, data flows", async () => {
    const pty = await ptyPair();
    // The simulated device end (b) stays up; end a is the kiosk's USB-serial adapter.
    const device = track(createSerialTransport({ path: pty.b, baudRate: 19200 }));
    await device.open();
    let plugged = true;
    // What discovery would report: the adapter with its serial number, at whatever pty it is now.
    const list = async (): Promise<SerialPortInfo[]> => [
      { path: "/dev/ttyS0", kind: "builtin" },
      ...(plugged
        ? [{ path: pty.a, kind: "usb" as const, vendorId: 0x0403, productId: 0x6001, serialNumber: "A10K7" }]
        : []),
    ];
    const identity = { vendorId: 0x0403, productId: 0x6001, serialNumber: "A10K7" };
    const paths: string[] = [];
    const factory = serialFactoryByIdentity(identity, { baudRate: 19200, presenceCheckMs: 50 }, async () => {
      const ports = await list();
      const found = matchDevice(identity, ports);
      if (found) paths.push(found.path);
      return ports;
    });
    const rt = track(
      createReconnectingTransport({
        label: "RFID pad",
        factory,
        backoff: { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 },
      }),
    );
    const log = statusLog(rt);
    await rt.open();
    const atKiosk = collect(rt);
    await device.write(Uint8Array.of(0xd6, 0x00, 0x01));
    await atKiosk.waitFor(3);

    const down = waitForStatus(rt, (s) => s.state === "disconnected");
    const closed = nextClose(rt);
    plugged = false;
    await pty.hangup("a");
    const status = await down;
    expect((await closed).reason).toBe("disconnected");
    expect(status.lastError?.code).toBe("DEVICE_DISCONNECTED");
    expect(status.lastError?.message).toContain(paths[0]);
    await expect(rt.write(Uint8Array.of(1))).rejects.toMatchObject({ code: "DEVICE_DISCONNECTED" });
    // While unplugged the retries fail to find it by identity.
    const missing = await waitForStatus(
      rt,
      (s) => s.state === "disconnected" && s.lastError?.code === "DEVICE_NOT_FOUND",
    );
    expect(missing.lastError?.message).toMatch(/USB 0403:6001 serial A10K7 not found/);

    const newPath = await pty.replug("a");
    plugged = true;
    await waitForStatus(rt, (s) => s.state === "open");
    expect(paths.at(-1)).toBe(newPath);
    await device.write(Uint8Array.of(0x55, 0xaa));
    expect(await atKiosk.waitFor(5)).toEqual(Uint8Array.of(0xd6, 0x00, 0x01, 0x55, 0xaa));
    const atDevice = collect(device);
    await rt.write(Uint8Array.of(0x01, 0x02));
    expect(await atDevice.waitFor(2)).toEqual(Uint8Array.of(0x01, 0x02));
    expect(log.filter((s) => s.state === "open")).toHaveLength(2);
  });
});
