import { EventEmitter } from "node:events";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  createHidTransport,
  type HidDeviceDescriptor,
  type HidDeviceHandle,
  type HidModule,
  hidUnavailable,
  loadNodeHid,
} from "../../../bridge/transports/hid.ts";
import { hasFeatureReports, TransportError } from "../../../bridge/transports/transport.ts";
import { collect, nextClose } from "./helpers.ts";

/** An open fake device: records what the driver sends, lets the test push input reports and fail reads. */
class FakeHandle extends EventEmitter implements HidDeviceHandle {
  written: number[][] = [];
  features: number[][] = [];
  closed = false;
  constructor(readonly path: string) {
    super();
  }
  async write(report: number[] | Buffer) {
    this.written.push([...report]);
    return report.length;
  }
  async sendFeatureReport(report: number[] | Buffer) {
    if (report[0] === 0x99) throw new Error("could not send feature report");
    this.features.push([...report]);
    return report.length;
  }
  async getFeatureReport(reportId: number, length: number) {
    // Shaped like a dcttech relay board's 9-byte answer (size and 5-character name per
    // nkh-lab/usb-relay-module's DcttechConstants.h); the transport only passes bytes through.
    return Buffer.from([reportId, 0x41, 0x42, 0x43, 0x44, 0x45, 0, 0, 0b101].slice(0, length));
  }
  async close() {
    this.closed = true;
  }
}

function fakeHid(devices: HidDeviceDescriptor[]) {
  const opened: FakeHandle[] = [];
  const module: HidModule = {
    async devicesAsync() {
      return devices;
    },
    HIDAsync: {
      async open(path: string) {
        if (!devices.some((d) => d.path === path)) throw new Error(`cannot open device with path ${path}`);
        const handle = new FakeHandle(path);
        opened.push(handle);
        return handle;
      },
    },
  };
  let loads = 0;
  return {
    opened,
    get loads() {
      return loads;
    },
    loader: async () => {
      loads++;
      return module;
    },
  };
}

const RELAY = { vendorId: 0x16c0, productId: 0x05df };
const DEVICES: HidDeviceDescriptor[] = [
  { ...RELAY, path: "/dev/hidraw0", serialNumber: "AAAAA", product: "USBRelay2" },
  { ...RELAY, path: "/dev/hidraw3", serialNumber: "QWERT", product: "USBRelay2" },
  { vendorId: 0x0c2e, productId: 0x0b61, path: "/dev/hidraw1", product: "HID POS scanner" },
];

describe("hid transport with an injected node-hid", () => {
  it("loads node-hid only on open, finds the device by identity and carries reports both ways", async () => {
    const hid = fakeHid(DEVICES);
    const t = createHidTransport({ ...RELAY, serialNumber: "QWERT" }, { loader: hid.loader });
    expect(hid.loads).toBe(0);
    expect(t.description).toBe("hid 16c0:05df serial QWERT");
    await t.open();
    expect(hid.loads).toBe(1);
    const device = hid.opened[0]!;
    expect(device.path).toBe("/dev/hidraw3");
    const received = collect(t);
    device.emit("data", Buffer.from([0x02, 0x33, 0x31]));
    expect(await received.waitFor(3)).toEqual(Uint8Array.of(0x02, 0x33, 0x31));
    await t.write(Uint8Array.of(0x00, 0x01));
    expect(device.written).toEqual([[0x00, 0x01]]);
    await t.close();
    expect(device.closed).toBe(true);
  });

  it("sends and reads feature reports (USB relay board style)", async () => {
    const hid = fakeHid(DEVICES);
    const t = createHidTransport({ path: "/dev/hidraw0" }, { loader: hid.loader });
    expect(hasFeatureReports(t)).toBe(true);
    await expect(t.sendFeatureReport(Uint8Array.of(0, 0xff, 1))).rejects.toMatchObject({ code: "DEVICE_NOT_OPEN" });
    await t.open();
    const on2 = Uint8Array.of(0x00, 0xff, 0x02, 0, 0, 0, 0, 0, 0);
    expect(await t.sendFeatureReport(on2)).toBe(9);
    expect(hid.opened[0]?.features).toEqual([[...on2]]);
    const state = await t.getFeatureReport(0, 9);
    expect(state).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(state.subarray(1, 6))).toBe("ABCDE");
    expect(state[8]).toBe(0b101);
    await expect(t.sendFeatureReport(Uint8Array.of(0x99))).rejects.toMatchObject({
      code: "HID_FEATURE_REPORT_FAILED",
    });
    await expect(t.getFeatureReport(-1, 9)).rejects.toMatchObject({ code: "HID_FEATURE_REPORT_FAILED" });
    await t.close();
  });

  it("a read error (unplug) → close with DEVICE_DISCONNECTED, handle released", async () => {
    const hid = fakeHid(DEVICES);
    const t = createHidTransport({ vendorId: 0x0c2e, productId: 0x0b61 }, { loader: hid.loader });
    await t.open();
    const closed = nextClose(t);
    hid.opened[0]!.emit("error", new Error("could not read from HID device"));
    const info = await closed;
    expect(info.reason).toBe("disconnected");
    expect(info.error?.code).toBe("DEVICE_DISCONNECTED");
    expect(info.error?.message).toMatch(/hid 0c2e:0b61.*could not read from HID device/);
    expect(hid.opened[0]?.closed).toBe(true);
  });

  it("no matching device → DEVICE_NOT_FOUND; open failure → DEVICE_OPEN_FAILED with the udev hint", async () => {
    const hid = fakeHid(DEVICES);
    const missing = createHidTransport({ ...RELAY, serialNumber: "ZZZZZ" }, { loader: hid.loader });
    const err = await missing.open().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DEVICE_NOT_FOUND", details: { seen: 3 } });
    expect((err as Error).message).toMatch(/serial number is right/);
    const bad = createHidTransport({ path: "/dev/hidraw9" }, { loader: hid.loader });
    const openErr = await bad.open().catch((e: unknown) => e);
    expect(openErr).toMatchObject({ code: "DEVICE_OPEN_FAILED" });
    expect((openErr as Error).message).toMatch(/udev rule/);
  });

  it("a loader that throws anything → HID_UNAVAILABLE", async () => {
    const t = createHidTransport(RELAY, {
      loader: async () => {
        throw new Error("libusb-1.0.so.0: cannot open shared object file");
      },
    });
    const err = await t.open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: "HID_UNAVAILABLE" });
    expect(t.isOpen).toBe(false);
  });

  it("rejects an unusable selector with TRANSPORT_OPTIONS_INVALID", () => {
    expect(() => createHidTransport({ path: "" })).toThrow(
      expect.objectContaining({ code: "TRANSPORT_OPTIONS_INVALID" }),
    );
    expect(() => createHidTransport({ vendorId: 0x10000, productId: 1 })).toThrow(TransportError);
  });
});

describe("real node-hid loader", () => {
  it("fails here with HID_UNAVAILABLE telling how to install libusb", async (ctx) => {
    const outcome = await loadNodeHid().then(
      () => "loaded",
      (e: unknown) => e,
    );
    if (outcome === "loaded") ctx.skip(); // a machine with libusb: nothing to check
    expect(outcome).toBeInstanceOf(TransportError);
    const err = outcome as TransportError;
    expect(err.code).toBe("HID_UNAVAILABLE");
    expect(err.message).toContain("install libusb-1.0-0 (Debian/Ubuntu: sudo apt-get install libusb-1.0-0)");
    expect(err.message).toMatch(/libusb-1\.0\.so\.0/); // the loader's own error is included
    const t = createHidTransport(RELAY);
    await expect(t.open()).rejects.toMatchObject({ code: "HID_UNAVAILABLE" });
  });

  it("says to install the package when node-hid itself is missing", () => {
    const missing = Object.assign(new Error("Cannot find package 'node-hid' imported from /x"), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    expect(hidUnavailable(missing).message).toMatch(/npm install node-hid/);
  });

  it("nothing in the bridge imports node-hid statically", async () => {
    const root = fileURLToPath(new URL("../../../bridge/", import.meta.url));
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = await readFile(join(root, file), "utf8");
      expect(text, file).not.toMatch(
        /from\s+["']node-hid["']|require\(\s*["']node-hid["']\s*\)|import\(\s*["']node-hid["']/,
      );
    }
  });
});
