/**
 * The one interface every device driver talks through: a byte pipe that opens, closes, writes and
 * emits what it reads. Serial ports, HID devices, TCP sockets, printer device files and in-memory
 * pairs all look the same from above.
 *
 * Contract:
 * - `open()` resolves once the device is usable (and is a no-op when already open); it rejects with a
 *   TransportError saying what is wrong and what to do.
 * - `write(bytes)`: one call is one write to the device. Rejects with DEVICE_NOT_OPEN when closed.
 *   The bytes are copied, so the caller may reuse its buffer at once.
 * - `data` carries whatever arrived, in order, in chunks of any size: framing is the driver's job.
 * - `close` is emitted once per open period, with `reason: "requested"` after `close()` and
 *   `reason: "disconnected"` (and the error) when the device went away by itself.
 * - `error` reports problems that did not come from a call (a read failure, an unplug, a throwing
 *   listener). It is only emitted when someone listens, so an unobserved transport never crashes the
 *   process; an unplug's error is also on the `close` event.
 * - `status` says where the connection stands (connecting, open, disconnected and why, closed), the same
 *   for every transport: a plain one goes down for good, a ReconnectingTransport also says when it
 *   retries. `onStatus()` hears each change. Drivers read this instead of asking what kind of
 *   transport they have.
 * - A listener that throws never stops the others nor reaches the caller: it is reported on `error`.
 */
import { EventEmitter } from "node:events";
import { emitToEach } from "./emit.ts";
import { reasonOf, TransportError, transportError, writeError } from "./errors.ts";

export { TransportError, type TransportErrorCode } from "./errors.ts";

export type CloseReason = "requested" | "disconnected";

export interface TransportCloseInfo {
  reason: CloseReason;
  error?: TransportError;
}

export type TransportEvents = {
  data: [bytes: Uint8Array];
  open: [];
  close: [info: TransportCloseInfo];
  error: [error: TransportError];
};

export type ConnectionState = "connecting" | "open" | "disconnected" | "closed";

export interface ConnectionStatus {
  state: ConnectionState;
  /** Attempts made since the device was last open (1 on the first attempt). */
  attempt: number;
  /** The current or last underlying device's description, when there was one. */
  device?: string;
  /** Why the device is down (state "disconnected"). */
  lastError?: TransportError;
  /** When the next attempt starts (state "disconnected", reconnecting transports only), as epoch milliseconds. */
  nextRetryAt?: number;
}

export type StatusListener = (status: ConnectionStatus) => void;

export interface Transport extends EventEmitter<TransportEvents> {
  /** Human readable, for logs and the staff console: "serial /dev/ttyUSB0 @19200 8N1". */
  readonly description: string;
  readonly isOpen: boolean;
  /** The latest connection status (a copy). */
  readonly status: ConnectionStatus;
  /** Calls `listener` on every status change; returns the function that unsubscribes it. */
  onStatus(listener: StatusListener): () => void;
  open(): Promise<void>;
  close(): Promise<void>;
  write(bytes: Uint8Array): Promise<void>;
}

/**
 * HID feature reports, as used by USB relay boards. Report bytes follow hidapi: the first byte is the
 * report id (0 when the device uses none).
 */
export interface FeatureReports {
  /** Sends a feature report; resolves to the number of bytes the device took. */
  sendFeatureReport(bytes: Uint8Array): Promise<number>;
  /** Reads feature report `reportId`; the answer starts with the report id and has at most `length` bytes. */
  getFeatureReport(reportId: number, length: number): Promise<Uint8Array>;
}

export type HidTransport = Transport & FeatureReports;

export function hasFeatureReports(transport: Transport): transport is HidTransport {
  const candidate = transport as Partial<FeatureReports>;
  return typeof candidate.sendFeatureReport === "function" && typeof candidate.getFeatureReport === "function";
}

/** A function that makes a fresh, unopened transport: what reconnecting wrappers and registries take. */
export type TransportFactory = () => Transport | Promise<Transport>;

type State = "closed" | "opening" | "open" | "closing";

/**
 * Shared state machine for the concrete transports. A subclass implements the three device hooks and
 * calls `received()` for incoming bytes and `lost()` when the device goes away by itself.
 */
export abstract class TransportBase extends EventEmitter<TransportEvents> implements Transport {
  abstract readonly description: string;
  #state: State = "closed";
  /**
   * Fails the writes in flight when the connection ends under them: a device that vanishes mid-write may never
   * call back (serialport's write on a hung-up tty can wait for writability forever).
   */
  readonly #abandonWrites = new Set<(error: TransportError) => void>();
  #pending: Promise<void> | undefined;
  readonly #status = new StatusBoard();

  get isOpen(): boolean {
    return this.#state === "open";
  }

  get status(): ConnectionStatus {
    return this.#status.current;
  }

  onStatus(listener: StatusListener): () => void {
    return this.#status.subscribe(listener);
  }

  /** Acquire the device. Throw a TransportError (see openError()) when that fails. */
  protected abstract openDevice(): Promise<void>;
  /** Release the device. Called once per successful openDevice() unless lost() was called. */
  protected abstract closeDevice(): Promise<void>;
  /** Write all bytes. Only called while open. */
  protected abstract writeDevice(bytes: Uint8Array): Promise<void>;

  open(): Promise<void> {
    if (this.#state === "open") return Promise.resolve();
    if (this.#state === "opening" && this.#pending) return this.#pending;
    if (this.#state === "closing" && this.#pending) return this.#pending.then(() => this.open());
    this.#state = "opening";
    this.#status.set({ state: "connecting", attempt: 1, device: this.description });
    const opening = (async () => {
      try {
        await this.openDevice();
      } catch (err) {
        this.#state = "closed";
        const error =
          err instanceof TransportError
            ? err
            : transportError(
                "DEVICE_OPEN_FAILED",
                `${this.description}: could not open (${reasonOf(err)}).`,
                { device: this.description },
                err,
              );
        this.#status.set({ state: "disconnected", attempt: 1, device: this.description, lastError: error });
        throw error;
      }
      this.#state = "open";
      this.#status.set({ state: "open", attempt: 1, device: this.description });
      this.#emit("open");
    })();
    this.#pending = opening;
    return opening;
  }

  async close(): Promise<void> {
    if (this.#state === "opening") await this.#pending?.catch(() => undefined);
    if (this.#state === "closing") return this.#pending;
    if (this.#state !== "open") return;
    this.#state = "closing";
    this.#abandonInFlightWrites(
      transportError("DEVICE_NOT_OPEN", `${this.description}: the connection was closed during the write.`, {
        device: this.description,
      }),
    );
    const closing = (async () => {
      try {
        await this.closeDevice();
      } catch {
        // The handle is being thrown away; a failing close leaves nothing the caller could fix.
      }
      this.#state = "closed";
      this.#status.set({ state: "closed", attempt: 0, device: this.description });
      this.#emit("close", { reason: "requested" });
    })();
    this.#pending = closing;
    return closing;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!(bytes instanceof Uint8Array)) {
      throw transportError("DEVICE_WRITE_FAILED", `${this.description}: can only write bytes (a Uint8Array).`, {
        device: this.description,
      });
    }
    if (this.#state !== "open") {
      throw transportError(
        "DEVICE_NOT_OPEN",
        `${this.description}: cannot write, the connection is not open yet (or was closed).`,
        { device: this.description },
      );
    }
    if (bytes.length === 0) return;
    let abandon: (error: TransportError) => void = () => undefined;
    const abandoned = new Promise<never>((_, reject) => {
      abandon = reject;
    });
    this.#abandonWrites.add(abandon);
    try {
      // race() subscribes to both, so a device write that fails after being abandoned is not an unhandled rejection.
      await Promise.race([this.writeDevice(bytes), abandoned]);
    } catch (err) {
      throw writeError(this.description, err);
    } finally {
      this.#abandonWrites.delete(abandon);
    }
  }

  #abandonInFlightWrites(error: TransportError): void {
    for (const abandon of [...this.#abandonWrites]) abandon(error);
    this.#abandonWrites.clear();
  }

  /**
   * Subclasses call this with bytes read from the device. Buffers are passed on as plain Uint8Array
   * views (no copy), so no driver comes to depend on Buffer-only methods one transport happens to give.
   */
  protected received(bytes: Uint8Array): void {
    if (this.#state !== "open" || bytes.length === 0) return;
    const plain = Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
    emitToEach(this, "data", [plain], (err) => this.reportError(listenerError(this.description, "data", err)));
  }

  /**
   * Subclasses call this when the device went away by itself, after releasing their handle.
   * Returns false when the transport was not open (nothing to report).
   */
  protected lost(error: TransportError): boolean {
    if (this.#state !== "open") return false;
    this.#state = "closed";
    this.#abandonInFlightWrites(error);
    this.#status.set({ state: "disconnected", attempt: 1, device: this.description, lastError: error });
    this.reportError(error);
    this.#emit("close", { reason: "disconnected", error });
    return true;
  }

  #emit<K extends "open" | "close">(event: K, ...args: TransportEvents[K]): void {
    emitToEach(this, event, args, (err) => this.reportError(listenerError(this.description, event, err)));
  }

  /** Emits `error` only when someone listens: an unobserved error must not crash the process. */
  protected reportError(error: TransportError): void {
    emitToEach(this, "error", [error], () => undefined);
  }
}

/** Holds a transport's ConnectionStatus and tells subscribers of each change, each on its own. */
export class StatusBoard {
  #status: ConnectionStatus = { state: "closed", attempt: 0 };
  readonly #listeners = new Set<StatusListener>();

  get current(): ConnectionStatus {
    return { ...this.#status };
  }

  set(status: ConnectionStatus): void {
    this.#status = status;
    for (const listener of [...this.#listeners]) {
      try {
        listener({ ...status });
      } catch {
        // A broken health display must not stop the connection; the driver boundary logs its own errors.
      }
    }
  }

  subscribe(listener: StatusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** What `error` carries when a listener threw; a `data` listener has also missed the bytes. */
export function listenerError(device: string, event: string, err: unknown): TransportError {
  const missed = event === "data" ? " and missed these bytes" : "";
  return transportError(
    event === "data" ? "DATA_LISTENER_FAILED" : "LISTENER_FAILED",
    `${device}: a "${event}" listener threw (${reasonOf(err)})${missed}; the transport carries on. This is a bug in the listener.`,
    { device, event },
    err,
  );
}

/** A copy of `bytes` for a device API, so later changes by the caller do not leak into the device. */
export function ownedCopy(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes);
}

/** A plain Uint8Array copy of `bytes` (Buffer's slice() would share memory). */
export function plainCopy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
