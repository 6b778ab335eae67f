/**
 * The devices of one kiosk: builds a driver for each configured device (through the factories table),
 * gives each a transport that reconnects by itself, starts them all so that one missing or broken device
 * never stops the others, and shows their health in one place.
 *
 * Events: `health` (id, health) whenever a device's health changes; `replaced` (ids) after `reconfigure`
 * stopped, removed, built or started devices, so whoever holds a driver looks it up again.
 * A registry runs once: start(), then stop(); `reconfigure` changes its devices while it runs.
 */
import { EventEmitter } from "node:events";
import { isDeepStrictEqual } from "node:util";
import type { Logger } from "pino";
import { CodedError, describeError } from "../../protocols/errors.ts";
import type { ResolvedDeviceConfig, ResolvedSerialTransport } from "../config/load.ts";
import { type Clock, systemClock } from "../transports/clock.ts";
import { emitToEach } from "../transports/emit.ts";
import { reasonOf, type TransportError, transportError } from "../transports/errors.ts";
import { createHidTransport, describeHidSelector, type HidLoader, type HidSelector } from "../transports/hid.ts";
import {
  type BackoffPolicy,
  type ConnectionStatus,
  createReconnectingTransport,
  type ReconnectingOptions,
  type ReconnectingTransport,
} from "../transports/reconnecting.ts";
import { createSerialTransport, describeSerial, type SerialSettings } from "../transports/serial.ts";
import { createTcpTransport } from "../transports/tcp.ts";
import {
  type FeatureReports,
  hasFeatureReports,
  type Transport,
  type TransportFactory,
} from "../transports/transport.ts";
import { createUsbPrinterTransport } from "../transports/usb-printer.ts";
import type { DeviceHealth, DeviceKind, DeviceTestResult } from "./device.ts";
import { describeIdentity, type SerialPortInfo, serialFactoryByIdentity } from "./discovery.ts";
import { type AnyDevice, DEVICE_FACTORIES, type DeviceFactory, findFactory } from "./factories.ts";
import { frameTracer } from "./trace.ts";

export type RegistryErrorCode = "DEVICE_UNKNOWN" | "DEVICE_CREATE_FAILED" | "DEVICE_START_FAILED";

export class RegistryError extends CodedError<RegistryErrorCode> {}

export interface RegistryOptions {
  devices: readonly ResolvedDeviceConfig[];
  logger: Logger;
  /** Default: bridge/devices/factories.ts. */
  factories?: readonly DeviceFactory[];
  /** Reconnect backoff for every device (tests use a few ms). */
  backoff?: Partial<BackoffPolicy>;
  /**
   * Makes the transport for a device instead of its config (the stack hosts HID simulators on memory
   * pairs this way). Return undefined to use the config's transport.
   */
  transportFor?: (device: ResolvedDeviceConfig) => TransportFactory | undefined;
  /** Loads node-hid; tests inject one. Default: the lazy real loader. */
  hidLoader?: HidLoader;
  /** Lists serial ports for devices matched by USB identity; tests inject one. Default: discovery's. */
  listSerialPorts?: () => Promise<SerialPortInfo[]>;
  /** Times retries, timeouts and health; tests pass a VirtualClock. Default: the system clock. */
  clock?: Clock;
  /** Device ids to trace (`--trace`), besides those with `"trace"` in the config. */
  trace?: readonly string[];
}

/** One row of `list()`: what the staff console and `selfcheck devices` show. */
export interface DeviceEntry {
  id: string;
  name: string;
  kind: DeviceKind;
  model: string;
  /** Where it is: the transport's description. */
  description: string;
  enabled: boolean;
  health: DeviceHealth;
  /** The transport's view: connecting / open / disconnected with the next retry time. */
  connection?: { state: ConnectionStatus["state"]; attempt: number; nextRetryAt?: string };
}

interface Slot {
  config: ResolvedDeviceConfig;
  device?: AnyDevice | undefined;
  transport?: ReconnectingTransport | undefined;
  /** Health shown when there is no driver (disabled, or it could not be built). */
  placeholder: DeviceHealth;
  started: boolean;
}

/** What `reconfigure` did, by device id. */
export interface DeviceChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export class DeviceRegistry extends EventEmitter<{
  health: [id: string, health: DeviceHealth];
  replaced: [changes: DeviceChanges];
}> {
  readonly #options: RegistryOptions;
  readonly #clock: Clock;
  readonly #slots = new Map<string, Slot>();
  #starting: Promise<void> | undefined;

  constructor(options: RegistryOptions) {
    super();
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    const unknown = (options.trace ?? []).filter((id) => !options.devices.some((d) => d.id === id));
    if (unknown.length > 0) {
      throw new RegistryError(
        "DEVICE_UNKNOWN",
        `cannot trace ${unknown.map((id) => `"${id}"`).join(", ")}: no such device; configured devices: ${options.devices.map((d) => d.id).join(", ") || "none"}.`,
        { ids: unknown },
      );
    }
    for (const [id, slot] of this.#newSlots(options.devices)) this.#slots.set(id, slot);
  }

  /** A slot per device, not yet built; ids must be unique. */
  #newSlots(devices: readonly ResolvedDeviceConfig[]): Map<string, Slot> {
    const now = this.#isoNow();
    const slots = new Map<string, Slot>();
    for (const config of devices) {
      if (slots.has(config.id)) {
        throw new RegistryError("DEVICE_CREATE_FAILED", `device id "${config.id}" appears twice; ids must be unique.`, {
          id: config.id,
        });
      }
      const placeholder: DeviceHealth = config.enabled
        ? { state: "disconnected", since: now }
        : { state: "disconnected", since: now, detail: { disabled: true } };
      slots.set(config.id, { config, placeholder, started: false });
    }
    return slots;
  }

  /**
   * Changes the devices while the registry runs (a saved config): a device whose config is unchanged keeps
   * running untouched; one removed or changed is stopped and its transport closed; one added or changed
   * is built and started afresh (a failure shows as its health, as at start). Emits `replaced`.
   */
  async reconfigure(devices: readonly ResolvedDeviceConfig[]): Promise<DeviceChanges> {
    await this.#starting;
    const next = this.#newSlots(devices);
    const same = (id: string) => isDeepStrictEqual(this.#slots.get(id)?.config, next.get(id)?.config);
    const changes: DeviceChanges = {
      added: [...next.keys()].filter((id) => !this.#slots.has(id)),
      removed: [...this.#slots.keys()].filter((id) => !next.has(id)),
      changed: [...next.keys()].filter((id) => this.#slots.has(id) && !same(id)),
    };
    const gone = [...changes.removed, ...changes.changed];
    await Promise.all(
      gone.map(async (id) => {
        const slot = this.#slots.get(id) as Slot;
        await this.#stopOne(slot);
        slot.device?.removeAllListeners("health"); // its id may now belong to the new driver
      }),
    );
    const kept = new Map(this.#slots);
    this.#slots.clear();
    const replaced = new Set(gone);
    for (const [id, slot] of next)
      this.#slots.set(id, kept.has(id) && !replaced.has(id) ? (kept.get(id) as Slot) : slot);
    const fresh = [...changes.added, ...changes.changed].map((id) => this.#slots.get(id) as Slot);
    for (const slot of fresh) this.#emitHealth(slot.config.id, slot.placeholder);
    await Promise.all(fresh.filter((s) => s.config.enabled).map((slot) => this.#startOne(slot)));
    this.#options.logger.info(changes, "devices reconfigured");
    this.emit("replaced", changes);
    return changes;
  }

  /**
   * Builds and starts every enabled device. Resolves when each has made its first attempt; a device
   * that is missing or fails shows up as `disconnected` health and keeps retrying.
   */
  start(): Promise<void> {
    this.#starting ??= this.#startAll();
    return this.#starting;
  }

  async #startAll(): Promise<void> {
    const slots = [...this.#slots.values()].filter((s) => s.config.enabled);
    await Promise.all(slots.map((slot) => this.#startOne(slot)));
  }

  async #startOne(slot: Slot): Promise<void> {
    const { config } = slot;
    const log = this.#options.logger.child({ device: config.id });
    try {
      this.#build(slot, log);
    } catch (err) {
      const error =
        err instanceof CodedError
          ? err
          : new RegistryError(
              "DEVICE_CREATE_FAILED",
              `${config.name}: the ${config.kind} driver "${config.model}" could not be set up (${reasonOf(err)}). Check its options in the config.`,
              { id: config.id },
              { cause: err },
            );
      this.#setPlaceholder(slot, error);
      log.error({ err: error }, "device could not be set up");
      return;
    }
    const device = slot.device;
    if (!device) return;
    try {
      await device.start();
      slot.started = true;
    } catch (err) {
      const error = new RegistryError(
        "DEVICE_START_FAILED",
        `${config.name}: could not start (${describeError(err)}). The other devices keep running.`,
        { id: config.id },
        { cause: err },
      );
      this.#setPlaceholder(slot, error);
      log.error({ err: error }, "device did not start");
    }
  }

  #build(slot: Slot, log: Logger): void {
    const { config } = slot;
    const factory = findFactory(config.kind, config.model, this.#options.factories ?? DEVICE_FACTORIES);
    if (!factory) {
      throw new RegistryError(
        "DEVICE_CREATE_FAILED",
        `${config.name}: no driver for ${config.kind} model "${config.model}" in this build.`,
        { id: config.id },
      );
    }
    const made = this.#options.transportFor?.(config) ?? transportFactory(config, this.#options);
    const traced = this.#options.trace?.includes(config.id) ? config.trace || true : config.trace;
    const onFrame = frameTracer(log, this.#clock, config.kind, traced);
    const reconnecting: ReconnectingOptions = {
      factory: made,
      label: config.name,
      clock: this.#clock,
      ...backoffOption(this.#options.backoff),
      ...(onFrame ? { onFrame } : {}),
    };
    const transport = factory.featureReports
      ? createReconnectingHidTransport(reconnecting)
      : createReconnectingTransport(reconnecting);
    slot.transport = transport;
    const device = factory.create({
      id: config.id,
      name: config.name,
      transport,
      options: config.options,
      logger: log,
      clock: this.#clock,
    });
    slot.device = device;
    // The driver logs its own state changes; the registry only passes them on.
    device.on("health", (health: DeviceHealth) => this.#emitHealth(config.id, health, log));
  }

  /** Tells the registry's listeners, each on its own: one that throws is logged with the device id. */
  #emitHealth(id: string, health: DeviceHealth, log: Logger = this.#options.logger.child({ device: id })): void {
    emitToEach(this, "health", [id, health], (err) =>
      log.error({ reason: reasonOf(err) }, "a device health listener threw; this is a bug in the listener"),
    );
  }

  #setPlaceholder(slot: Slot, error: CodedError): void {
    const at = this.#isoNow();
    slot.placeholder = {
      state: "disconnected",
      since: at,
      lastError: { code: error.code, message: error.message, at },
    };
    slot.device?.removeAllListeners("health");
    slot.device = undefined;
    void slot.transport?.close();
    this.#emitHealth(slot.config.id, slot.placeholder);
  }

  #isoNow(): string {
    return new Date(this.#clock.now()).toISOString();
  }

  /** Every configured device with its current health, in config order. */
  list(): DeviceEntry[] {
    return [...this.#slots.values()].map((slot) => this.#entry(slot));
  }

  #entry(slot: Slot): DeviceEntry {
    const { config, device, transport } = slot;
    const entry: DeviceEntry = {
      id: config.id,
      name: config.name,
      kind: config.kind,
      model: config.model,
      description: describeEntry(config, device?.description),
      enabled: config.enabled,
      health: device ? safeHealth(device, this.#isoNow()) : slot.placeholder,
    };
    const status = transport?.status;
    if (status && config.enabled && device) {
      entry.connection = { state: status.state, attempt: status.attempt };
      if (status.nextRetryAt !== undefined) entry.connection.nextRetryAt = new Date(status.nextRetryAt).toISOString();
      // A driver that has not said why it is down still gets the transport's reason shown.
      if (entry.health.state === "disconnected" && entry.health.lastError === undefined && status.lastError) {
        entry.health = { ...entry.health, lastError: errorFields(status.lastError, this.#isoNow()) };
      }
    }
    return entry;
  }

  /** The driver for `id`, or undefined (unknown, disabled, or it could not be built). */
  get<D extends AnyDevice = AnyDevice>(id: string): D | undefined {
    return this.#slots.get(id)?.device as D | undefined;
  }

  /** The running drivers of one kind, in config order. */
  ofKind<D extends AnyDevice = AnyDevice>(kind: DeviceKind): D[] {
    return [...this.#slots.values()].flatMap((s) => (s.device && s.config.kind === kind ? [s.device as D] : []));
  }

  /** Runs a device's staff test. Unknown ids throw DEVICE_UNKNOWN; a device without a driver fails the test. */
  async test(id: string, options: { timeoutMs?: number } = {}): Promise<DeviceTestResult> {
    const slot = this.#slots.get(id);
    if (!slot) {
      throw new RegistryError(
        "DEVICE_UNKNOWN",
        `no device "${id}"; configured devices: ${[...this.#slots.keys()].join(", ") || "none"}.`,
        { id },
      );
    }
    const device = slot.device;
    if (!device) {
      const error = slot.placeholder.lastError ?? {
        code: "DEVICE_DISABLED",
        message: `${slot.config.name} is disabled in the config.`,
      };
      return {
        ok: false,
        summary: `${slot.config.name} is not running`,
        error: { code: error.code, message: error.message },
      };
    }
    try {
      return await device.selfTest(options);
    } catch (err) {
      // selfTest must not throw; a driver that does still gets a readable result.
      const code = err instanceof CodedError ? err.code : "DEVICE_ERROR";
      return { ok: false, summary: `${slot.config.name}: test failed`, error: { code, message: describeError(err) } };
    }
  }

  /**
   * Resolves when every enabled device is `ok` (true) or when `timeoutMs` has passed (false), whichever
   * comes first. For `selfcheck devices` and tests: no polling, it listens for health changes.
   */
  whenAllOk(timeoutMs: number): Promise<boolean> {
    const allOk = () => this.list().every((e) => !e.enabled || e.health.state === "ok");
    if (allOk()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean) => {
        this.#clock.clearTimeout(timer);
        this.off("health", check);
        resolve(result);
      };
      const check = () => {
        if (allOk()) done(true);
      };
      const timer = this.#clock.setTimeout(() => done(allOk()), timeoutMs);
      this.on("health", check);
    });
  }

  /** Stops every device (each even if another fails) and closes the transports. */
  async stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    await Promise.all([...this.#slots.values()].map((slot) => this.#stopOne(slot)));
  }

  async #stopOne(slot: Slot): Promise<void> {
    try {
      await slot.device?.stop();
    } catch (err) {
      this.#options.logger.warn({ device: slot.config.id, err }, "device did not stop cleanly");
    }
    await slot.transport?.close().catch(() => undefined);
  }
}

/** The driver's description, or the config's while the driver has not reached the device yet. */
function describeEntry(config: ResolvedDeviceConfig, fromDriver: string | undefined): string {
  return fromDriver === undefined || fromDriver === config.name ? describeTransport(config) : fromDriver;
}

function safeHealth(device: AnyDevice, at: string): DeviceHealth {
  try {
    return device.health();
  } catch (err) {
    return {
      state: "disconnected",
      since: at,
      lastError: { code: "DEVICE_ERROR", message: `could not read the device's health: ${reasonOf(err)}`, at },
    };
  }
}

function errorFields(error: TransportError, at: string) {
  return { code: error.code, message: error.message, at };
}

function backoffOption(backoff: Partial<BackoffPolicy> | undefined): { backoff?: Partial<BackoffPolicy> } {
  return backoff === undefined ? {} : { backoff };
}

/** The settings the serial transport takes, from a resolved config (path filled in by the caller). */
function serialSettings(transport: ResolvedSerialTransport): Omit<SerialSettings, "path"> {
  return {
    baudRate: transport.baudRate,
    dataBits: transport.dataBits,
    parity: transport.parity,
    stopBits: transport.stopBits,
    flowControl: transport.flowControl,
  };
}

/** Makes a fresh transport per attempt from the config: found by USB identity where one is given. */
export function transportFactory(
  config: ResolvedDeviceConfig,
  options: Pick<RegistryOptions, "hidLoader" | "listSerialPorts"> = {},
): TransportFactory {
  const t = config.transport;
  switch (t.type) {
    case "serial": {
      const settings = serialSettings(t as ResolvedSerialTransport);
      if (t.match) {
        const identity = { ...t.match, ...(t.path === undefined ? {} : { path: t.path }) };
        return serialFactoryByIdentity(identity, settings, options.listSerialPorts);
      }
      const path = t.path ?? "";
      return () => createSerialTransport({ ...settings, path });
    }
    case "tcp": {
      const { host, port, connectTimeoutMs } = t as typeof t & { port: number };
      return () => createTcpTransport({ host, port, connectTimeoutMs });
    }
    case "hid": {
      const selector = hidSelector(t);
      const hidOptions = options.hidLoader ? { loader: options.hidLoader } : {};
      return () => createHidTransport(selector, hidOptions);
    }
    case "usb-printer":
      return () => createUsbPrinterTransport({ path: t.path });
  }
}

function hidSelector(t: { path?: string; match?: { vendorId: number; productId: number; serialNumber?: string } }) {
  if (t.match) {
    const { vendorId, productId, serialNumber } = t.match;
    return (
      serialNumber === undefined ? { vendorId, productId } : { vendorId, productId, serialNumber }
    ) as HidSelector;
  }
  return { path: t.path ?? "" } as HidSelector;
}

/** "serial USB 0403:6001 serial A1B2 @19200 8N1", "tcp 10.0.0.7:9100", "hid 16c0:05df". */
export function describeTransport(config: ResolvedDeviceConfig): string {
  const t = config.transport;
  switch (t.type) {
    case "serial": {
      const s = t as ResolvedSerialTransport;
      const where = s.match ? describeIdentity(s.match) : (s.path ?? "?");
      return describeSerial({ ...serialSettings(s), path: where });
    }
    case "tcp":
      return `tcp ${t.host}:${t.port ?? "?"}`;
    case "hid":
      return describeHidSelector(hidSelector(t));
    case "usb-printer":
      return `usb-printer ${t.path}`;
  }
}

/**
 * A reconnecting transport that also passes HID feature reports to whichever device is connected now
 * (ReconnectingTransport itself only moves the byte stream).
 */
export type ReconnectingHidTransport = ReconnectingTransport & FeatureReports;

export function createReconnectingHidTransport(options: ReconnectingOptions): ReconnectingHidTransport {
  let latest: Transport | undefined;
  const tracking: TransportFactory = async () => {
    latest = await options.factory();
    return latest;
  };
  const reconnecting = createReconnectingTransport({ ...options, factory: tracking });
  const current = (action: string): FeatureReports => {
    if (latest?.isOpen && reconnecting.isOpen && hasFeatureReports(latest)) return latest;
    const reason =
      latest && !hasFeatureReports(latest) ? "the device has no HID feature reports" : "it is disconnected";
    throw transportError(
      latest && !hasFeatureReports(latest) ? "HID_FEATURE_REPORT_FAILED" : "DEVICE_DISCONNECTED",
      `${reconnecting.description}: cannot ${action}, ${reason}.`,
      { device: reconnecting.description },
    );
  };
  return Object.assign(reconnecting, {
    sendFeatureReport: async (bytes: Uint8Array) => {
      const device = current("send a feature report");
      reconnecting.frame("out", bytes);
      return device.sendFeatureReport(bytes);
    },
    getFeatureReport: async (reportId: number, length: number) => {
      const report = await current("read a feature report").getFeatureReport(reportId, length);
      reconnecting.frame("in", report);
      return report;
    },
  });
}
