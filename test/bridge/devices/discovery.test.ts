import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DeviceCandidate,
  type DeviceIdentity,
  describeIdentity,
  listHidDevices,
  listSerialPorts,
  matchDevice,
  type SerialPortInfo,
  serialFactoryByIdentity,
} from "../../../bridge/devices/discovery.ts";
import type { HidModule } from "../../../bridge/transports/hid.ts";
import { SerialTransport } from "../../../bridge/transports/serial.ts";

/**
 * A fake sysfs laid out like a real Linux 6.x one: an FTDI USB-serial adapter (usb-serial bus), an
 * Arduino-style CDC-ACM device, an on-board PnP UART behind the serial-base layer, a placeholder
 * ttyS port on the platform bus with UART type 0, and a virtual console without a device.
 */
async function fakeSysfs(root: string): Promise<void> {
  const sys = join(root, "sys");
  const file = async (path: string, text: string) => {
    await mkdir(dirname(join(sys, path)), { recursive: true });
    await writeFile(join(sys, path), `${text}\n`);
  };
  const dir = (path: string) => mkdir(join(sys, path), { recursive: true });
  const link = async (path: string, target: string) => {
    await mkdir(dirname(join(sys, path)), { recursive: true });
    await symlink(join(sys, target), join(sys, path));
  };
  for (const bus of ["usb", "usb-serial", "serial-base", "pnp", "platform", "pci"]) await dir(`bus/${bus}`);
  for (const drv of [
    "usb/drivers/ftdi_sio",
    "usb/drivers/cdc_acm",
    "usb-serial/drivers/ftdi_sio",
    "pnp/drivers/serial",
  ]) {
    await dir(`bus/${drv}`);
  }

  const hub = "devices/pci0000:00/0000:00:14.0/usb1";
  // FTDI FT232R on port 1-1.2
  const ftdi = `${hub}/1-1/1-1.2`;
  await file(`${ftdi}/idVendor`, "0403");
  await file(`${ftdi}/idProduct`, "6001");
  await file(`${ftdi}/serial`, "A10K7QZB");
  await file(`${ftdi}/manufacturer`, "FTDI");
  await file(`${ftdi}/product`, "FT232R USB UART");
  await file(`${ftdi}/1-1.2:1.0/bInterfaceNumber`, "00");
  await link(`${ftdi}/1-1.2:1.0/driver`, "bus/usb/drivers/ftdi_sio");
  await link(`${ftdi}/1-1.2:1.0/ttyUSB0/subsystem`, "bus/usb-serial");
  await link(`${ftdi}/1-1.2:1.0/ttyUSB0/driver`, "bus/usb-serial/drivers/ftdi_sio");
  await dir(`${ftdi}/1-1.2:1.0/ttyUSB0/tty/ttyUSB0`);
  await link(`${ftdi}/1-1.2:1.0/ttyUSB0/tty/ttyUSB0/device`, `${ftdi}/1-1.2:1.0/ttyUSB0`);
  await link("class/tty/ttyUSB0", `${ftdi}/1-1.2:1.0/ttyUSB0/tty/ttyUSB0`);

  // CDC-ACM device on port 1-3, interface 1 carries the data
  const acm = `${hub}/1-3`;
  await file(`${acm}/idVendor`, "2341");
  await file(`${acm}/idProduct`, "0043");
  await file(`${acm}/serial`, "75533353038351F0D1C1");
  await file(`${acm}/1-3:1.0/bInterfaceNumber`, "00");
  await link(`${acm}/1-3:1.0/driver`, "bus/usb/drivers/cdc_acm");
  await dir(`${acm}/1-3:1.0/tty/ttyACM0`);
  await link(`${acm}/1-3:1.0/tty/ttyACM0/device`, `${acm}/1-3:1.0`);
  await link("class/tty/ttyACM0", `${acm}/1-3:1.0/tty/ttyACM0`);

  // On-board 16550A behind the serial-base layer (Linux ≥ 6.5)
  const pnp = "devices/pnp0/00:00";
  await link(`${pnp}/subsystem`, "bus/pnp");
  await link(`${pnp}/driver`, "bus/pnp/drivers/serial");
  await link(`${pnp}/00:00:0/subsystem`, "bus/serial-base");
  await link(`${pnp}/00:00:0/00:00:0.0/subsystem`, "bus/serial-base");
  await file(`${pnp}/00:00:0/00:00:0.0/tty/ttyS0/type`, "4");
  await link(`${pnp}/00:00:0/00:00:0.0/tty/ttyS0/device`, `${pnp}/00:00:0/00:00:0.0`);
  await link("class/tty/ttyS0", `${pnp}/00:00:0/00:00:0.0/tty/ttyS0`);

  // Placeholder registered by serial8250 on the platform bus, no UART (type 0)
  const plat = "devices/platform/serial8250";
  await link(`${plat}/subsystem`, "bus/platform");
  await link(`${plat}/serial8250:0/subsystem`, "bus/serial-base");
  await link(`${plat}/serial8250:0/serial8250:0.1/subsystem`, "bus/serial-base");
  await file(`${plat}/serial8250:0/serial8250:0.1/tty/ttyS1/type`, "0");
  await link(`${plat}/serial8250:0/serial8250:0.1/tty/ttyS1/device`, `${plat}/serial8250:0/serial8250:0.1`);
  await link("class/tty/ttyS1", `${plat}/serial8250:0/serial8250:0.1/tty/ttyS1`);

  // A virtual console: no device link at all
  await dir("devices/virtual/tty/tty0");
  await link("class/tty/tty0", "devices/virtual/tty/tty0");
}

let root = "";
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sysfs-"));
  await fakeSysfs(root);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const FTDI: SerialPortInfo = {
  path: "/dev/ttyUSB0",
  kind: "usb",
  vendorId: 0x0403,
  productId: 0x6001,
  serialNumber: "A10K7QZB",
  manufacturer: "FTDI",
  product: "FT232R USB UART",
  location: "1-1.2",
  interfaceNumber: 0,
  driver: "ftdi_sio",
};

describe("listSerialPorts on Linux (sysfs)", () => {
  it("finds USB-serial, CDC-ACM and on-board ports with their identity; skips placeholders and consoles", async () => {
    const ports = await listSerialPorts({ sysfsRoot: join(root, "sys"), platform: "linux" });
    expect(ports).toEqual([
      {
        path: "/dev/ttyACM0",
        kind: "usb",
        vendorId: 0x2341,
        productId: 0x0043,
        serialNumber: "75533353038351F0D1C1",
        location: "1-3",
        interfaceNumber: 0,
        driver: "cdc_acm",
      },
      { path: "/dev/ttyS0", kind: "builtin", driver: "serial" },
      FTDI,
    ]);
  });

  it("lists placeholders when asked", async () => {
    const ports = await listSerialPorts({ sysfsRoot: join(root, "sys"), platform: "linux", includePlaceholders: true });
    expect(ports.map((p) => `${p.path}:${p.kind}`)).toEqual([
      "/dev/ttyACM0:usb",
      "/dev/ttyS0:builtin",
      "/dev/ttyS1:other",
      "/dev/ttyUSB0:usb",
    ]);
  });

  it("uses the given /dev directory for paths", async () => {
    const ports = await listSerialPorts({ sysfsRoot: join(root, "sys"), devRoot: "/chroot/dev", platform: "linux" });
    expect(ports.every((p) => p.path.startsWith("/chroot/dev/tty"))).toBe(true);
  });

  it("returns [] without sysfs, and never throws on this machine", async () => {
    expect(await listSerialPorts({ sysfsRoot: join(root, "nothing-here"), platform: "linux" })).toEqual([]);
    const here = await listSerialPorts();
    expect(Array.isArray(here)).toBe(true);
    for (const p of here) expect(p.path).toMatch(/^\/dev\//);
  });
});

describe("listSerialPorts elsewhere (serialport's list)", () => {
  it("maps serialport's hex strings to numbers", async () => {
    const ports = await listSerialPorts({
      platform: "win32",
      listPorts: async () => [
        { path: "COM3", vendorId: "0403", productId: "6001", serialNumber: "A10K7QZB", manufacturer: "FTDI" },
        { path: "COM1" },
      ],
    });
    expect(ports).toEqual([
      {
        path: "COM3",
        kind: "usb",
        vendorId: 0x0403,
        productId: 0x6001,
        serialNumber: "A10K7QZB",
        manufacturer: "FTDI",
      },
      { path: "COM1", kind: "other" },
    ]);
  });

  it("returns [] when the lister fails (e.g. spawn udevadm ENOENT)", async () => {
    const failing = async () => {
      throw Object.assign(new Error("spawn udevadm ENOENT"), { code: "ENOENT" });
    };
    expect(await listSerialPorts({ platform: "darwin", listPorts: failing })).toEqual([]);
  });
});

describe("matchDevice", () => {
  const ports: SerialPortInfo[] = [
    { path: "/dev/ttyUSB1", kind: "usb", vendorId: 0x1a86, productId: 0x7523, location: "1-4" },
    FTDI,
    { path: "/dev/ttyUSB2", kind: "usb", vendorId: 0x1a86, productId: 0x7523, location: "1-5" },
    { path: "/dev/ttyS0", kind: "builtin" },
  ];

  it("finds a device by vendor, product and serial number wherever it is", () => {
    expect(
      matchDevice({ vendorId: 0x0403, productId: 0x6001, serialNumber: "A10K7QZB", path: "/dev/ttyUSB9" }, ports),
    ).toBe(FTDI);
    expect(matchDevice({ vendorId: 0x0403, productId: 0x6001, serialNumber: "OTHER" }, ports)).toBeUndefined();
  });

  it("tells identical serial-less adapters apart by USB location, else prefers the last path, else the first", () => {
    const ch340 = { vendorId: 0x1a86, productId: 0x7523 };
    expect(matchDevice({ ...ch340, location: "1-5" }, ports)?.path).toBe("/dev/ttyUSB2");
    expect(matchDevice({ ...ch340, path: "/dev/ttyUSB2" }, ports)?.path).toBe("/dev/ttyUSB2");
    expect(matchDevice(ch340, ports)?.path).toBe("/dev/ttyUSB1");
  });

  it("uses the path as identity only when nothing else is given", () => {
    expect(matchDevice({ path: "/dev/ttyS0" }, ports)?.kind).toBe("builtin");
    expect(matchDevice({ path: "/dev/ttyS7" }, ports)).toBeUndefined();
    expect(matchDevice({}, ports)).toBeUndefined();
  });

  const candidate = fc.record(
    {
      path: fc.constantFrom("/dev/ttyUSB0", "/dev/ttyUSB1", "/dev/ttyACM0"),
      vendorId: fc.integer({ min: 0, max: 3 }),
      productId: fc.integer({ min: 0, max: 3 }),
      serialNumber: fc.constantFrom("A", "B"),
      location: fc.constantFrom("1-1", "1-2"),
    },
    { requiredKeys: ["path"] },
  );
  const identity = fc.record(
    {
      path: fc.constantFrom("/dev/ttyUSB0", "/dev/ttyUSB1"),
      vendorId: fc.integer({ min: 0, max: 3 }),
      productId: fc.integer({ min: 0, max: 3 }),
      serialNumber: fc.constantFrom("A", "B"),
      location: fc.constantFrom("1-1", "1-2"),
    },
    { requiredKeys: [] },
  );

  it("only ever returns a candidate that agrees with every identifying field given", () => {
    fc.assert(
      fc.property(identity, fc.array(candidate, { maxLength: 6 }), (id: DeviceIdentity, list: DeviceCandidate[]) => {
        const found = matchDevice(id, list);
        const strong = ["vendorId", "productId", "serialNumber", "location"] as const;
        if (found === undefined) {
          const anyFits = list.some(
            (c) =>
              strong.every((k) => id[k] === undefined || c[k] === id[k]) &&
              (strong.some((k) => id[k] !== undefined) || (id.path !== undefined && c.path === id.path)),
          );
          expect(anyFits).toBe(false);
          return;
        }
        expect(list).toContain(found);
        for (const k of strong) if (id[k] !== undefined) expect(found[k]).toBe(id[k]);
        if (strong.every((k) => id[k] === undefined)) expect(found.path).toBe(id.path);
      }),
    );
  });

  it("describes identities for messages", () => {
    expect(describeIdentity({ vendorId: 0x0403, productId: 0x6001, serialNumber: "A1" })).toBe(
      "USB 0403:6001 serial A1",
    );
    expect(describeIdentity({ vendorId: 0x1a86, location: "1-4" })).toBe("USB 1a86:* at 1-4");
    expect(describeIdentity({ path: "/dev/ttyS0" })).toBe("/dev/ttyS0");
    expect(describeIdentity({})).toBe("any device");
  });
});

describe("serialFactoryByIdentity", () => {
  it("opens the port that matches now, and fails with DEVICE_NOT_FOUND naming the identity", async () => {
    let listed: SerialPortInfo[] = [FTDI];
    const factory = serialFactoryByIdentity(
      { vendorId: 0x0403, productId: 0x6001, serialNumber: "A10K7QZB" },
      { baudRate: 19200 },
      async () => listed,
    );
    const t = await factory();
    expect(t).toBeInstanceOf(SerialTransport);
    expect(t.description).toBe("serial /dev/ttyUSB0 @19200 8N1");
    listed = [{ ...FTDI, path: "/dev/ttyUSB3" }];
    expect((await factory()).description).toBe("serial /dev/ttyUSB3 @19200 8N1");
    listed = [];
    await expect(factory()).rejects.toMatchObject({
      code: "DEVICE_NOT_FOUND",
      message: expect.stringMatching(/USB 0403:6001 serial A10K7QZB not found among 0 port/),
    });
  });
});

describe("listHidDevices", () => {
  it("lists through an injected node-hid, dropping malformed entries", async () => {
    const hid: HidModule = {
      devicesAsync: async () =>
        [
          { vendorId: 0x16c0, productId: 0x05df, path: "/dev/hidraw0", product: "USBRelay2", interface: 0 },
          { vendorId: 0x0c2e, productId: 0x0b61, path: "/dev/hidraw1", usagePage: 0x8c, usage: 2, serialNumber: "" },
          { product: "broken" },
        ] as never,
      HIDAsync: {
        open: async () => {
          throw new Error("not used");
        },
      },
    };
    const list = await listHidDevices({ loader: async () => hid });
    expect(list.error).toBeUndefined();
    expect(list.devices).toEqual([
      { vendorId: 0x16c0, productId: 0x05df, path: "/dev/hidraw0", product: "USBRelay2", interfaceNumber: 0 },
      { vendorId: 0x0c2e, productId: 0x0b61, path: "/dev/hidraw1", usagePage: 0x8c, usage: 2, serialNumber: "" },
    ]);
  });

  it("returns no devices and the reason when node-hid cannot load or list; never throws", async () => {
    const failed = await listHidDevices({
      loader: async () => {
        throw new Error("libusb-1.0.so.0: cannot open shared object file");
      },
    });
    expect(failed).toEqual({ devices: [], error: "libusb-1.0.so.0: cannot open shared object file" });
    const here = await listHidDevices();
    expect(Array.isArray(here.devices)).toBe(true);
    if (here.error !== undefined) expect(here.error).toMatch(/install libusb-1\.0-0/);
  });
});
