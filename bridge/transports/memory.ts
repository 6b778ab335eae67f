/**
 * In-memory transports: a virtual cable with two ends, for unit tests where a driver talks to its
 * simulator. Bytes written on one end arrive as `data` on the other, asynchronously and in order,
 * optionally late and cut into small chunks like a real serial line delivers them.
 *
 * Like a real line, bytes that arrive at an end that is not open are lost. `disconnect()` unplugs the
 * cable (both ends close with DEVICE_DISCONNECTED and cannot be opened); `reconnect()` plugs it back.
 */
import { type Clock, systemClock } from "./clock.ts";
import { checkFeatureReportRequest, disconnectedError, type TransportError, transportError } from "./errors.ts";
import { type FeatureReports, plainCopy, TransportBase } from "./transport.ts";

export interface MemoryPairOptions {
  /** Names for the two ends, used in `description` ("memory scanner-host"). Default "a" and "b". */
  names?: readonly [string, string];
  /** Delay before written bytes arrive at the other end. Default 0 (next macrotask). */
  latencyMs?: number;
  /**
   * Largest `data` chunk the other end sees: writes are cut into chunks of at most this many bytes,
   * each delivered in its own macrotask. A function chooses each chunk size (e.g. randomly in a
   * property test). Default: each write arrives whole.
   */
  maxChunkSize?: number | ((remaining: number) => number);
  /** Times `latencyMs`; tests pass a VirtualClock. Default: the system clock. */
  clock?: Clock;
}

type Side = 0 | 1;

/** The shared medium between two ends: plug state and one ordered queue per direction. */
class Cable {
  plugged = true;
  readonly ends: [MemoryTransport | undefined, MemoryTransport | undefined] = [undefined, undefined];
  readonly #queues: [Delivery[], Delivery[]] = [[], []];
  /** Cancels the pending delivery towards each end, if one is scheduled. */
  readonly #pending: [(() => void) | undefined, (() => void) | undefined] = [undefined, undefined];
  readonly #lastDue: [number, number] = [0, 0];

  readonly #clock: Clock;

  constructor(readonly options: MemoryPairOptions) {
    this.#clock = options.clock ?? systemClock;
  }

  /** Queues bytes travelling towards end `to`. */
  send(to: Side, bytes: Uint8Array, whole: boolean): void {
    const now = this.#clock.now();
    const due = Math.max(now + (this.options.latencyMs ?? 0), this.#lastDue[to]);
    this.#lastDue[to] = due;
    const queue = this.#queues[to];
    for (const chunk of whole ? [bytes] : this.#chunks(bytes)) queue.push({ due, bytes: chunk });
    this.#schedule(to);
  }

  /** Drops everything in flight, as an unplugged cable does. */
  clear(): void {
    for (const side of [0, 1] as const) {
      this.#queues[side].length = 0;
      this.#pending[side]?.();
      this.#pending[side] = undefined;
    }
  }

  #chunks(bytes: Uint8Array): Uint8Array[] {
    const limit = this.options.maxChunkSize;
    if (limit === undefined) return [bytes];
    const chunks: Uint8Array[] = [];
    for (let offset = 0; offset < bytes.length; ) {
      const remaining = bytes.length - offset;
      const wanted = typeof limit === "function" ? limit(remaining) : limit;
      const size = Math.min(remaining, Math.max(1, Math.floor(Number.isFinite(wanted) ? wanted : remaining)));
      chunks.push(bytes.subarray(offset, offset + size));
      offset += size;
    }
    return chunks;
  }

  #schedule(to: Side): void {
    if (this.#pending[to] !== undefined) return;
    const next = this.#queues[to][0];
    if (!next) return;
    // One chunk per macrotask, so a reader sees separate `data` events like on a real line. Chunks
    // already due go out on setImmediate: setTimeout(0) would cost a millisecond each.
    const deliver = () => {
      this.#pending[to] = undefined;
      const delivery = this.#queues[to].shift();
      if (delivery) this.ends[to]?.arrive(delivery.bytes);
      this.#schedule(to);
    };
    const wait = next.due - this.#clock.now();
    if (wait > 0) {
      const timer = this.#clock.setTimeout(deliver, wait);
      this.#pending[to] = () => this.#clock.clearTimeout(timer);
    } else {
      const immediate = setImmediate(deliver);
      this.#pending[to] = () => clearImmediate(immediate);
    }
  }
}

interface Delivery {
  due: number;
  bytes: Uint8Array;
}

/** One end of an in-memory cable. */
export class MemoryTransport extends TransportBase {
  readonly description: string;
  protected readonly cable: Cable;
  protected readonly side: Side;
  readonly #wholeWrites: boolean;

  /** @internal Use createMemoryPair() or createMemoryHidPair(). */
  constructor(cable: Cable, side: Side, name: string, wholeWrites: boolean) {
    super();
    this.cable = cable;
    this.side = side;
    this.description = `memory ${name}`;
    this.#wholeWrites = wholeWrites;
    cable.ends[side] = this;
  }

  /** Unplugs the cable: both ends close with DEVICE_DISCONNECTED, bytes in flight are lost. */
  disconnect(): void {
    if (!this.cable.plugged) return;
    this.cable.plugged = false;
    this.cable.clear();
    for (const end of this.cable.ends) end?.unplugged();
  }

  /** Plugs the cable back in; the ends stay closed until opened again. */
  reconnect(): void {
    this.cable.plugged = true;
  }

  get plugged(): boolean {
    return this.cable.plugged;
  }

  /** The other end of the cable. */
  protected get peer(): MemoryTransport | undefined {
    return this.cable.ends[this.side === 0 ? 1 : 0];
  }

  protected async openDevice(): Promise<void> {
    if (!this.cable.plugged) {
      throw transportError(
        "DEVICE_NOT_FOUND",
        `${this.description}: device not found, the simulated cable is unplugged; plug it back in (replug) to go on.`,
        { device: this.description },
      );
    }
  }

  protected async closeDevice(): Promise<void> {}

  protected async writeDevice(bytes: Uint8Array): Promise<void> {
    this.cable.send(this.side === 0 ? 1 : 0, plainCopy(bytes), this.#wholeWrites);
  }

  /** @internal Called by the cable when bytes reach this end. */
  arrive(bytes: Uint8Array): void {
    this.received(bytes);
  }

  /** @internal Called by the cable on disconnect(). */
  unplugged(): void {
    this.lost(disconnectedError(this.description, "the memory cable was unplugged"));
  }
}

/**
 * Two connected in-memory transports. Typical use: the driver gets `a`, its simulator gets `b`.
 */
export function createMemoryPair(options: MemoryPairOptions = {}): [MemoryTransport, MemoryTransport] {
  validate(options);
  const cable = new Cable(options);
  const [nameA, nameB] = options.names ?? ["a", "b"];
  return [new MemoryTransport(cable, 0, nameA, false), new MemoryTransport(cable, 1, nameB, false)];
}

/**
 * What a simulated HID device does with feature reports. `set` receives each report the host sends;
 * `get` answers a host read (report id first, like hidapi). A missing method fails the host call.
 */
export interface FeatureReportHandler {
  set?(bytes: Uint8Array): void;
  get?(reportId: number, length: number): Uint8Array;
}

/** The host end of a memory HID pair: what a HID driver sees. Writes are output reports. */
export class MemoryHidHost extends MemoryTransport implements FeatureReports {
  async sendFeatureReport(bytes: Uint8Array): Promise<number> {
    const device = this.#device("send feature report");
    const copy = plainCopy(bytes);
    await nextMacrotask();
    const handler = device.featureReportHandler;
    if (!handler?.set) throw this.#unsupported("set");
    try {
      handler.set(copy);
    } catch (err) {
      throw this.#failed("send", err);
    }
    return copy.length;
  }

  async getFeatureReport(reportId: number, length: number): Promise<Uint8Array> {
    checkFeatureReportRequest(this.description, reportId, length);
    const device = this.#device("get feature report");
    await nextMacrotask();
    const handler = device.featureReportHandler;
    if (!handler?.get) throw this.#unsupported("get");
    try {
      return plainCopy(handler.get(reportId, length).subarray(0, length));
    } catch (err) {
      throw this.#failed("get", err);
    }
  }

  #device(action: string): MemoryHidDevice {
    const device = this.peer;
    if (!this.isOpen || !(device instanceof MemoryHidDevice) || !device.isOpen) {
      throw transportError(
        this.isOpen ? "DEVICE_DISCONNECTED" : "DEVICE_NOT_OPEN",
        `${this.description}: cannot ${action}, ${this.isOpen ? "the simulated device end is not open" : "the transport is not open"}.`,
        { device: this.description },
      );
    }
    return device;
  }

  #unsupported(kind: "get" | "set"): TransportError {
    return transportError(
      "HID_FEATURE_REPORT_FAILED",
      `${this.description}: the simulated device does not ${kind} feature reports.`,
      { device: this.description },
    );
  }

  #failed(kind: "get" | "send", err: unknown): TransportError {
    return transportError(
      "HID_FEATURE_REPORT_FAILED",
      `${this.description}: the simulated device failed to ${kind} a feature report.`,
      { device: this.description },
      err,
    );
  }
}

/** The device end of a memory HID pair: what a HID device simulator drives. Writes are input reports. */
export class MemoryHidDevice extends MemoryTransport {
  featureReportHandler: FeatureReportHandler | undefined;

  /** Installs the simulator's feature report behaviour (replaces any previous handler). */
  handleFeatureReports(handler: FeatureReportHandler): void {
    this.featureReportHandler = handler;
  }
}

/**
 * A host/device pair carrying HID reports. Reports are never split or merged: each write on one end is
 * one `data` event on the other, as node-hid delivers them.
 */
export function createMemoryHidPair(
  options: Omit<MemoryPairOptions, "maxChunkSize"> = {},
): [MemoryHidHost, MemoryHidDevice] {
  validate(options);
  const cable = new Cable(options);
  const [nameHost, nameDevice] = options.names ?? ["hid host", "hid device"];
  return [new MemoryHidHost(cable, 0, nameHost, true), new MemoryHidDevice(cable, 1, nameDevice, true)];
}

function validate(options: MemoryPairOptions): void {
  const { latencyMs, maxChunkSize } = options;
  if (latencyMs !== undefined && !(Number.isFinite(latencyMs) && latencyMs >= 0)) {
    throw transportError("TRANSPORT_OPTIONS_INVALID", `memory pair: latencyMs must be ≥ 0 (got ${latencyMs}).`, {
      latencyMs,
    });
  }
  if (typeof maxChunkSize === "number" && !(Number.isInteger(maxChunkSize) && maxChunkSize >= 1)) {
    throw transportError(
      "TRANSPORT_OPTIONS_INVALID",
      `memory pair: maxChunkSize must be a whole number ≥ 1 (got ${maxChunkSize}).`,
      { maxChunkSize },
    );
  }
}

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
