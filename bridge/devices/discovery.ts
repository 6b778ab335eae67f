/**
 * Finding devices: which serial ports and HID devices are attached, and which of them is the one a
 * configuration names. Devices are identified by USB vendor id, product id and serial number (and,
 * for cheap adapters without a serial number, the USB port they sit in), never by /dev path alone:
 * paths change when a device is replugged.
 *
 * Nothing here throws: on a machine without devices, or without udev, the lists are empty.
 */
import { readdir, readFile, realpath } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { SerialPort } from "serialport";
import { reasonOf, transportError } from "../transports/errors.ts";
import { type HidDeviceDescriptor, type HidLoader, loadNodeHid } from "../transports/hid.ts";
import { createSerialTransport, type SerialSettings } from "../transports/serial.ts";
import type { TransportFactory } from "../transports/transport.ts";

/** What identifies a device across replugs. Every field given must match; `path` alone is a last resort. */
export interface DeviceIdentity {
  vendorId?: number;
  productId?: number;
  serialNumber?: string;
  /** USB topology (bus-port.port, e.g. "1-1.4"): stable for a device that stays in the same socket. */
  location?: string;
  /**
   * The last known path. Used as the identity only when nothing else is given; otherwise it only breaks
   * ties between identical candidates.
   */
  path?: string;
}

export interface DeviceCandidate {
  path?: string | undefined;
  vendorId?: number | undefined;
  productId?: number | undefined;
  serialNumber?: string | undefined;
  location?: string | undefined;
}

export type SerialPortKind = "usb" | "builtin" | "other";

export interface SerialPortInfo extends DeviceCandidate {
  path: string;
  /** usb: USB-serial adapter or CDC-ACM device; builtin: on-board UART (PCI/PnP); other: anything else. */
  kind: SerialPortKind;
  manufacturer?: string;
  product?: string;
  /** USB interface number, to tell the ports of a multi-port adapter apart. */
  interfaceNumber?: number;
  /** Kernel driver, e.g. ftdi_sio, ch341-uart, cdc_acm. */
  driver?: string;
}

/**
 * The candidate that `identity` names, or undefined. Every identifying field given must match;
 * among several matches the one at `identity.path` wins, else the first by path.
 */
export function matchDevice<T extends DeviceCandidate>(
  identity: DeviceIdentity,
  candidates: readonly T[],
): T | undefined {
  const strong =
    identity.vendorId !== undefined ||
    identity.productId !== undefined ||
    identity.serialNumber !== undefined ||
    identity.location !== undefined;
  const matches = candidates.filter(
    (c) =>
      (identity.vendorId === undefined || c.vendorId === identity.vendorId) &&
      (identity.productId === undefined || c.productId === identity.productId) &&
      (identity.serialNumber === undefined || c.serialNumber === identity.serialNumber) &&
      (identity.location === undefined || c.location === identity.location) &&
      (strong || (identity.path !== undefined && c.path === identity.path)),
  );
  const samePath = matches.find((c) => identity.path !== undefined && c.path === identity.path);
  if (samePath) return samePath;
  return [...matches].sort((x, y) => (x.path ?? "").localeCompare(y.path ?? ""))[0];
}

export function describeIdentity(identity: DeviceIdentity): string {
  const hex = (n: number | undefined) => (n === undefined ? "*" : n.toString(16).padStart(4, "0"));
  const parts: string[] = [];
  if (identity.vendorId !== undefined || identity.productId !== undefined) {
    parts.push(`USB ${hex(identity.vendorId)}:${hex(identity.productId)}`);
  }
  if (identity.serialNumber !== undefined) parts.push(`serial ${identity.serialNumber}`);
  if (identity.location !== undefined) parts.push(`at ${identity.location}`);
  if (parts.length === 0 && identity.path !== undefined) parts.push(identity.path);
  return parts.join(" ") || "any device";
}

export interface SerialListOptions {
  /** Root of sysfs; tests point it at a fake tree. Default /sys. */
  sysfsRoot?: string;
  /** Directory holding the device nodes. Default /dev. */
  devRoot?: string;
  /** Default process.platform. */
  platform?: NodeJS.Platform;
  /** Include ports with no hardware behind them (legacy ttyS* placeholders). Default false. */
  includePlaceholders?: boolean;
  /** The lister used off Linux. Default: serialport's SerialPort.list(). */
  listPorts?: () => Promise<ListedPort[]>;
}

/** A port as serialport's SerialPort.list() describes it (ids are hex strings there). */
export interface ListedPort {
  path: string;
  vendorId?: string | undefined;
  productId?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  locationId?: string | undefined;
}

/**
 * Serial ports present on this machine. Linux: read from sysfs (serialport's own list() spawns
 * `udevadm`, which may be missing, and its spawn error crashes the process). Other platforms:
 * serialport's list(), guarded. Never throws; returns [] when nothing can be found.
 */
export async function listSerialPorts(options: SerialListOptions = {}): Promise<SerialPortInfo[]> {
  try {
    if ((options.platform ?? process.platform) === "linux") return await listLinuxSerialPorts(options);
    return await listWithSerialPort(options.listPorts ?? defaultListPorts);
  } catch {
    return [];
  }
}

async function listLinuxSerialPorts(options: SerialListOptions): Promise<SerialPortInfo[]> {
  const sys = options.sysfsRoot ?? "/sys";
  const dev = options.devRoot ?? "/dev";
  const classDir = join(sys, "class", "tty");
  const names = await readdir(classDir).catch(() => [] as string[]);
  const ports: SerialPortInfo[] = [];
  for (const name of names.sort()) {
    const info = await describeTty(classDir, name, dev, options.includePlaceholders ?? false).catch(() => undefined);
    if (info) ports.push(info);
  }
  return ports;
}

/** Subsystems that sit between a tty and the device that owns it (serial-base since Linux 6.5). */
const PASS_THROUGH_SUBSYSTEMS = new Set(["serial-base", "usb-serial"]);

async function describeTty(
  classDir: string,
  name: string,
  dev: string,
  includePlaceholders: boolean,
): Promise<SerialPortInfo | undefined> {
  // Only ttys with a `device` link have hardware behind them (virtual consoles and ptys have none).
  const deviceDir = await realpath(join(classDir, name, "device")).catch(() => undefined);
  if (!deviceDir) return undefined;
  const path = join(dev, name);
  // ftdi_sio, ch341-uart, cdc_acm…: the driver bound to the port (usb-serial) or interface (CDC-ACM).
  const driver = await linkName(join(deviceDir, "driver"));
  const usb = await findUsbDevice(deviceDir);
  if (usb) {
    const info: SerialPortInfo = { path, kind: "usb", vendorId: usb.vendorId, productId: usb.productId };
    assignDefined(info, {
      serialNumber: await readAttribute(usb.dir, "serial"),
      manufacturer: await readAttribute(usb.dir, "manufacturer"),
      product: await readAttribute(usb.dir, "product"),
      location: basename(usb.dir),
      interfaceNumber: usb.interfaceDir
        ? parseHex(await readAttribute(usb.interfaceDir, "bInterfaceNumber"))
        : undefined,
      driver,
    });
    return info;
  }
  // Not USB: find the owning bus, skipping the serial-base layer.
  let owner = deviceDir;
  for (let i = 0; i < 3 && PASS_THROUGH_SUBSYSTEMS.has((await linkName(join(owner, "subsystem"))) ?? ""); i++) {
    owner = dirname(owner);
  }
  const bus = await linkName(join(owner, "subsystem"));
  const uartType = await readAttribute(join(classDir, name), "type");
  // serial8250 registers placeholder ttyS ports on the platform bus; a port whose UART type is 0 has
  // no hardware (pyserial hides the platform ones the same way).
  const placeholder = bus === "platform" || uartType === "0";
  if (placeholder && !includePlaceholders) return undefined;
  const kind: SerialPortKind = bus === "pci" || bus === "pnp" || bus === "amba" ? "builtin" : "other";
  const info: SerialPortInfo = { path, kind };
  assignDefined(info, { driver: await linkName(join(owner, "driver")) });
  return info;
}

interface UsbDeviceDirs {
  dir: string;
  interfaceDir?: string;
  vendorId: number;
  productId: number;
}

/** Walks up from a tty's device to the USB device (the directory with idVendor/idProduct). */
async function findUsbDevice(start: string): Promise<UsbDeviceDirs | undefined> {
  let interfaceDir: string | undefined;
  let dir = start;
  for (let depth = 0; depth < 6 && dir !== dirname(dir); depth++, dir = dirname(dir)) {
    if (interfaceDir === undefined && (await readAttribute(dir, "bInterfaceNumber")) !== undefined) interfaceDir = dir;
    const vendorId = parseHex(await readAttribute(dir, "idVendor"));
    const productId = parseHex(await readAttribute(dir, "idProduct"));
    if (vendorId !== undefined && productId !== undefined) {
      return interfaceDir === undefined ? { dir, vendorId, productId } : { dir, interfaceDir, vendorId, productId };
    }
  }
  return undefined;
}

async function readAttribute(dir: string, name: string): Promise<string | undefined> {
  try {
    const text = (await readFile(join(dir, name), "utf8")).trim();
    return text.length > 0 ? text : undefined;
  } catch {
    return undefined;
  }
}

async function linkName(link: string): Promise<string | undefined> {
  try {
    return basename(await realpath(link));
  } catch {
    return undefined;
  }
}

function parseHex(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9a-fA-F]{1,4}$/.test(text)) return undefined;
  return Number.parseInt(text, 16);
}

function assignDefined<T extends object>(target: T, values: { [K in keyof T]?: T[K] | undefined }): void {
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
}

/** serialport's list() for macOS and Windows, mapped to SerialPortInfo. */
async function listWithSerialPort(listPorts: () => Promise<ListedPort[]>): Promise<SerialPortInfo[]> {
  const listed = await listPorts();
  return listed
    .filter((p) => typeof p?.path === "string")
    .map((p) => {
      const vendorId = parseHex(p.vendorId);
      const info: SerialPortInfo = { path: p.path, kind: vendorId === undefined ? "other" : "usb" };
      assignDefined(info, {
        vendorId,
        productId: parseHex(p.productId),
        serialNumber: p.serialNumber,
        manufacturer: p.manufacturer,
        location: p.locationId,
      });
      return info;
    });
}

function defaultListPorts(): Promise<ListedPort[]> {
  return SerialPort.list();
}

export interface HidList {
  devices: HidDeviceInfo[];
  /** Why the list is empty when HID is unavailable (HID_UNAVAILABLE message). */
  error?: string;
}

export interface HidDeviceInfo extends DeviceCandidate {
  vendorId: number;
  productId: number;
  path?: string;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  interfaceNumber?: number;
  usagePage?: number;
  usage?: number;
}

/** HID devices through the lazily loaded node-hid. Never throws. */
export async function listHidDevices(options: { loader?: HidLoader } = {}): Promise<HidList> {
  try {
    const hid = await (options.loader ?? loadNodeHid)();
    const listed = await hid.devicesAsync();
    return { devices: listed.filter(isDescriptor).map(toHidInfo) };
  } catch (err) {
    return { devices: [], error: reasonOf(err) };
  }
}

function isDescriptor(d: unknown): d is HidDeviceDescriptor {
  const c = d as Partial<HidDeviceDescriptor> | null;
  return typeof c?.vendorId === "number" && typeof c.productId === "number";
}

function toHidInfo(d: HidDeviceDescriptor): HidDeviceInfo {
  const info: HidDeviceInfo = { vendorId: d.vendorId, productId: d.productId };
  assignDefined(info, {
    path: d.path,
    serialNumber: d.serialNumber,
    manufacturer: d.manufacturer,
    product: d.product,
    interfaceNumber: d.interface,
    usagePage: d.usagePage,
    usage: d.usage,
  });
  return info;
}

/**
 * A transport factory for a serial device named by identity: each call lists the ports again and opens
 * the one that matches, wherever it is now. Made for createReconnectingTransport().
 */
export function serialFactoryByIdentity(
  identity: DeviceIdentity,
  settings: Omit<SerialSettings, "path">,
  list: () => Promise<SerialPortInfo[]> = () => listSerialPorts(),
): TransportFactory {
  return async () => {
    const ports = await list();
    const port = matchDevice(identity, ports);
    if (!port) {
      throw transportError(
        "DEVICE_NOT_FOUND",
        `serial device ${describeIdentity(identity)} not found among ${ports.length} port(s). Check that it is plugged in.`,
        { identity, seen: ports.map((p) => p.path) },
      );
    }
    return createSerialTransport({ ...settings, path: port.path });
  };
}
