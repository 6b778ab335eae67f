/**
 * USB HID devices (HID POS scanners, USB relay boards) through node-hid.
 *
 * node-hid is native and optional: it needs libusb/hidraw libraries that a kiosk may lack. It is
 * therefore loaded lazily, only when a HID transport is opened or HID devices are listed, and a
 * failure to load it only affects HID devices (HID_UNAVAILABLE), never the rest of the bridge.
 */
import {
  checkFeatureReportRequest,
  disconnectedError,
  openError,
  reasonOf,
  TransportError,
  transportError,
} from "./errors.ts";
import { type FeatureReports, ownedCopy, TransportBase } from "./transport.ts";

/** One HID device as node-hid lists it. */
export interface HidDeviceDescriptor {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  interface?: number | undefined;
  usagePage?: number | undefined;
  usage?: number | undefined;
}

/** An open device, the subset of node-hid's HIDAsync that we use. */
export interface HidDeviceHandle {
  on(event: "data", listener: (report: Buffer) => void): unknown;
  on(event: "error", listener: (err: unknown) => void): unknown;
  removeAllListeners(event?: string): unknown;
  write(report: number[] | Buffer): Promise<number>;
  sendFeatureReport(report: number[] | Buffer): Promise<number>;
  getFeatureReport(reportId: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** The subset of the node-hid module that we use. */
export interface HidModule {
  devicesAsync(): Promise<HidDeviceDescriptor[]>;
  HIDAsync: { open(path: string, options?: { nonExclusive?: boolean }): Promise<HidDeviceHandle> };
}

/** Loads node-hid (or a fake in tests). Rejects with HID_UNAVAILABLE when it cannot. */
export type HidLoader = () => Promise<HidModule>;

const INSTALL_LIBUSB = "install libusb-1.0-0 (Debian/Ubuntu: sudo apt-get install libusb-1.0-0)";

/** The error for a node-hid that cannot load, with the fix for the usual causes. */
export function hidUnavailable(cause: unknown): TransportError {
  const reason = reasonOf(cause);
  const code = (cause as { code?: unknown } | null)?.code;
  const notInstalled =
    (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && /node-hid/.test(reason) && !/\.so/.test(reason);
  const fix = notInstalled
    ? "The node-hid package is not installed: run `npm install node-hid` in the bridge directory"
    : `Its native library is missing: ${INSTALL_LIBUSB}`;
  return transportError(
    "HID_UNAVAILABLE",
    `USB HID devices are unavailable: node-hid could not be loaded (${reason}). ${fix}, then restart the bridge. Other devices are not affected.`,
    { reason },
    cause,
  );
}

/**
 * The real loader. The import specifier is a variable so that nothing (tsc, bundlers, vitest) pulls
 * node-hid in statically. node-hid itself loads its native binding lazily, so a cheap call is made to
 * surface a missing shared library here rather than at the first device access.
 */
export const loadNodeHid: HidLoader = async () => {
  const specifier = "node-hid";
  try {
    const imported = (await import(specifier)) as { default?: unknown };
    const hid = (imported.default ?? imported) as HidModule & { getHidapiVersion(): string };
    hid.getHidapiVersion();
    return hid;
  } catch (err) {
    throw hidUnavailable(err);
  }
};

/** Which HID device to open: by OS path, or by USB identity (the first match when several fit). */
export type HidSelector = { path: string } | { vendorId: number; productId: number; serialNumber?: string };

export interface HidOptions {
  /** Loads node-hid; tests inject a fake. Default: loadNodeHid. */
  loader?: HidLoader;
  /** Let other programs open the device too (hidapi's non-exclusive mode, macOS only). */
  nonExclusive?: boolean;
}

const hex4 = (n: number) => n.toString(16).padStart(4, "0");

export function describeHidSelector(selector: HidSelector): string {
  if ("path" in selector) return `hid ${selector.path}`;
  const serial = selector.serialNumber === undefined ? "" : ` serial ${selector.serialNumber}`;
  return `hid ${hex4(selector.vendorId)}:${hex4(selector.productId)}${serial}`;
}

export class HidDeviceTransport extends TransportBase implements FeatureReports {
  readonly description: string;
  readonly selector: Readonly<HidSelector>;
  readonly #loader: HidLoader;
  readonly #nonExclusive: boolean;
  #device: HidDeviceHandle | undefined;

  constructor(selector: HidSelector, options: HidOptions = {}) {
    super();
    validateSelector(selector);
    this.selector = { ...selector };
    this.description = describeHidSelector(selector);
    this.#loader = options.loader ?? loadNodeHid;
    this.#nonExclusive = options.nonExclusive ?? false;
  }

  protected async openDevice(): Promise<void> {
    let hid: HidModule;
    try {
      hid = await this.#loader();
    } catch (err) {
      throw err instanceof TransportError ? err : hidUnavailable(err);
    }
    const path = await this.#resolvePath(hid);
    let device: HidDeviceHandle;
    try {
      device = await hid.HIDAsync.open(path, this.#nonExclusive ? { nonExclusive: true } : undefined);
    } catch (err) {
      // hidapi's open error rarely says why; on Linux it is nearly always permissions on /dev/hidraw*.
      const mapped = openError(err, { device: this.description });
      if (mapped.code !== "DEVICE_OPEN_FAILED") throw mapped;
      throw transportError(
        "DEVICE_OPEN_FAILED",
        `${this.description}: could not open ${path} (${reasonOf(err)}). On Linux this usually means ` +
          "the bridge's user may not access /dev/hidraw*: add a udev rule for the device " +
          '(SUBSYSTEM=="hidraw", ATTRS{idVendor}=="…", MODE="0660", GROUP="plugdev") and replug it.',
        { device: this.description, path },
        err,
      );
    }
    device.on("data", (report: Buffer) => this.received(report));
    // node-hid reports a failed read (the device was unplugged) as an `error` event.
    device.on("error", (err: unknown) => this.#gone(device, err));
    this.#device = device;
  }

  protected async closeDevice(): Promise<void> {
    const device = this.#device;
    this.#device = undefined;
    if (!device) return;
    device.removeAllListeners();
    await device.close();
  }

  protected async writeDevice(bytes: Uint8Array): Promise<void> {
    await this.#open("write").write(ownedCopy(bytes));
  }

  async sendFeatureReport(bytes: Uint8Array): Promise<number> {
    const device = this.#open("send a feature report");
    try {
      return await device.sendFeatureReport(ownedCopy(bytes));
    } catch (err) {
      throw this.#featureError("send", err);
    }
  }

  async getFeatureReport(reportId: number, length: number): Promise<Uint8Array> {
    checkFeatureReportRequest(this.description, reportId, length);
    const device = this.#open("read a feature report");
    try {
      return new Uint8Array(await device.getFeatureReport(reportId, length));
    } catch (err) {
      throw this.#featureError("read", err);
    }
  }

  async #resolvePath(hid: HidModule): Promise<string> {
    const selector = this.selector;
    if ("path" in selector) return selector.path;
    const all = await hid.devicesAsync().catch((err: unknown) => {
      throw transportError(
        "DEVICE_OPEN_FAILED",
        `${this.description}: could not list HID devices (${reasonOf(err)}).`,
        { device: this.description },
        err,
      );
    });
    const match = all.find(
      (d) =>
        d.vendorId === selector.vendorId &&
        d.productId === selector.productId &&
        (selector.serialNumber === undefined || d.serialNumber === selector.serialNumber) &&
        typeof d.path === "string",
    );
    if (!match?.path) {
      throw transportError(
        "DEVICE_NOT_FOUND",
        `${this.description}: device not found among ${all.length} HID device(s). Check that it is plugged in` +
          (selector.serialNumber === undefined ? "." : " and that the serial number is right."),
        { device: this.description, seen: all.length },
      );
    }
    return match.path;
  }

  #open(action: string): HidDeviceHandle {
    if (!this.isOpen || !this.#device) {
      throw transportError(
        "DEVICE_NOT_OPEN",
        `${this.description}: cannot ${action}, the device is not open yet (or was closed).`,
        { device: this.description },
      );
    }
    return this.#device;
  }

  #featureError(kind: "send" | "read", cause: unknown): TransportError {
    return transportError(
      "HID_FEATURE_REPORT_FAILED",
      `${this.description}: could not ${kind} a feature report (${reasonOf(cause)}). Check the report id and length for this device.`,
      { device: this.description },
      cause,
    );
  }

  #gone(device: HidDeviceHandle, cause: unknown): void {
    if (device !== this.#device) return;
    this.#device = undefined;
    device.removeAllListeners();
    device.on("error", () => undefined);
    device.close().catch(() => undefined);
    this.lost(disconnectedError(this.description, "read failed, the device was probably unplugged", cause));
  }
}

export function createHidTransport(selector: HidSelector, options?: HidOptions): HidDeviceTransport {
  return new HidDeviceTransport(selector, options);
}

function validateSelector(selector: HidSelector): void {
  const ok =
    "path" in selector
      ? typeof selector.path === "string" && selector.path.length > 0
      : isUsbId(selector.vendorId) && isUsbId(selector.productId);
  if (!ok) {
    throw transportError(
      "TRANSPORT_OPTIONS_INVALID",
      "hid: give either a device path or a vendorId and productId (0-0xffff). Fix the device settings in the configuration.",
      { selector },
    );
  }
}

function isUsbId(n: unknown): boolean {
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 0xffff;
}
