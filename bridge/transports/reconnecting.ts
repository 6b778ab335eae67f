/**
 * A transport that keeps itself connected. It wraps a factory that makes a fresh transport for each
 * attempt (so the factory can look the device up again by its USB identity: after a replug it may sit
 * at another /dev path), retries with capped exponential backoff, and forwards data from whichever
 * transport is current. Drivers above see one transport that is sometimes down:
 *
 * - `open`/`close` events each time the device comes and goes (`close` with reason "disconnected"),
 *   and one final `close` with reason "requested" after close();
 * - status changes for the health display, through onStatus(): connecting → open → disconnected (with
 *   the error and the next retry time) → connecting …, and closed at the end;
 * - `write()` while down rejects with DEVICE_DISCONNECTED carrying the last error.
 *
 * `open()` resolves when the device is first reached. It never rejects because an attempt failed: it
 * keeps trying (watch `status` to tell people why), and rejects with TRANSPORT_CLOSED only if close()
 * is called first. Callers that must not wait simply do not await it.
 *
 * A device that accepts and at once drops the connection (a TCP printer whose port is taken by another
 * host, a serial server with nothing behind it) must not be hammered twice a second: the backoff only
 * starts again from `initialMs` once a connection has stayed up for `stableMs`.
 */
import { EventEmitter } from "node:events";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";
import { emitToEach } from "./emit.ts";
import { reasonOf, TransportError, transportError } from "./errors.ts";
import {
  type ConnectionStatus,
  listenerError,
  StatusBoard,
  type StatusListener,
  type Transport,
  type TransportEvents,
  type TransportFactory,
} from "./transport.ts";

export type { ConnectionState, ConnectionStatus } from "./transport.ts";

export interface BackoffPolicy {
  /** Delay before the first retry. Default 500 ms. */
  initialMs: number;
  /** Longest delay. Default 30 s. */
  maxMs: number;
  /** Growth per failed attempt. Default 2. */
  factor: number;
  /** 0..1: each delay is shortened by up to this fraction at random, so many kiosks do not retry in step. Default 0.2. */
  jitter: number;
  /** A connection that lasted this long resets the backoff; a shorter one counts as a failed attempt. Default 10 s. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = {
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.2,
  stableMs: 10_000,
};

/**
 * Delay before retry number `failures` (1 = after the first failure):
 * min(maxMs, initialMs · factor^(failures-1)), minus up to `jitter` of it. `random` returns [0, 1).
 */
export function backoffDelay(
  failures: number,
  policy: Omit<BackoffPolicy, "stableMs">,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, failures - 1);
  // With initialMs 0 every delay is 0 (0 · Infinity would be NaN); Infinity caps to maxMs.
  const capped = policy.initialMs === 0 ? 0 : Math.min(policy.maxMs, policy.initialMs * policy.factor ** exponent);
  const r = Math.min(1, Math.max(0, random()));
  return Math.max(0, Math.round(capped * (1 - policy.jitter * r)));
}

export interface ReconnectingOptions {
  /** Makes a fresh, unopened transport; called once per attempt. A thrown TransportError counts as a failed attempt. */
  factory: TransportFactory;
  /** Name for logs while no underlying transport exists yet, e.g. "RFID pad (USB 0403:6001 #A1B2)". */
  label: string;
  backoff?: Partial<BackoffPolicy>;
  /** Source of jitter randomness; tests pass a fixed one. */
  random?: () => number;
  /** Times the retries. Default: the system clock. */
  clock?: Clock;
  /** Hears every chunk read ("in") and every write ("out"): the device trace. */
  onFrame?: FrameListener;
}

export type FrameListener = (direction: "in" | "out", bytes: Uint8Array) => void;

export class ReconnectingTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly label: string;
  readonly #factory: TransportFactory;
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  readonly #clock: Clock;
  readonly #onFrame: FrameListener | undefined;
  #current: Transport | undefined;
  #running = false;
  /** Bumped by open() and close(), so an attempt still in flight from an earlier run gives up. */
  #session = 0;
  #failures = 0;
  /** When the current connection opened (clock time), to tell a stable one from a flapping one. */
  #openedAt = 0;
  #timer: TimerHandle | undefined;
  readonly #status = new StatusBoard();
  #firstOpen: { promise: Promise<void>; resolve: () => void; reject: (e: TransportError) => void } | undefined;

  constructor(options: ReconnectingOptions) {
    super();
    this.#factory = options.factory;
    this.label = options.label;
    this.#policy = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#random = options.random ?? Math.random;
    this.#clock = options.clock ?? systemClock;
    this.#onFrame = options.onFrame;
    validatePolicy(this.#policy, this.label);
  }

  get description(): string {
    const device = this.#status.current.device;
    return device ? `${this.label} (${device})` : this.label;
  }

  get isOpen(): boolean {
    return this.#current?.isOpen === true && this.#status.current.state === "open";
  }

  /** The latest status, for a health display that did not see the events. */
  get status(): ConnectionStatus {
    return this.#status.current;
  }

  onStatus(listener: StatusListener): () => void {
    return this.#status.subscribe(listener);
  }

  open(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    if (this.#firstOpen) return this.#firstOpen.promise;
    let resolve!: () => void;
    let reject!: (e: TransportError) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#firstOpen = { promise, resolve, reject };
    if (!this.#running) {
      this.#running = true;
      this.#failures = 0;
      this.#run(++this.#session);
    }
    return promise;
  }

  async close(): Promise<void> {
    const wasRunning = this.#running;
    this.#running = false;
    this.#session++;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const current = this.#current;
    this.#current = undefined;
    const wasOpen = current?.isOpen === true && this.#status.current.state === "open";
    if (current) {
      current.removeAllListeners();
      current.on("error", () => undefined);
      await current.close().catch(() => undefined);
    }
    this.#firstOpen?.reject(
      transportError("TRANSPORT_CLOSED", `${this.description}: closed before the device could be opened.`, {
        device: this.description,
      }),
    );
    this.#firstOpen = undefined;
    if (!wasRunning) return;
    this.#status.set({ state: "closed", attempt: 0 });
    if (wasOpen) this.#emit("close", { reason: "requested" });
  }

  async write(bytes: Uint8Array): Promise<void> {
    const current = this.#current;
    if (!current || !this.isOpen) {
      const last = this.#status.current.lastError;
      throw transportError(
        this.#running ? "DEVICE_DISCONNECTED" : "DEVICE_NOT_OPEN",
        this.#running
          ? `${this.description}: cannot write, the device is disconnected` +
              (last ? ` (${last.message})` : "") +
              "; the bridge keeps trying to reconnect."
          : `${this.description}: cannot write, the device is not started (the bridge has not opened it yet, or has stopped it).`,
        { device: this.description, lastError: last?.code },
        last,
      );
    }
    this.frame("out", bytes);
    return current.write(bytes);
  }

  /** Passes a frame to the trace, if there is one; a failing trace never stops the bytes. */
  frame(direction: "in" | "out", bytes: Uint8Array): void {
    try {
      this.#onFrame?.(direction, bytes);
    } catch {
      // The trace is for people debugging; it must not cost the device anything.
    }
  }

  /** One attempt. It catches what it can; anything it could not (a bug) goes to `error`, never unhandled. */
  #run(session: number): void {
    this.#timer = undefined;
    this.#attempt(session).catch((err: unknown) => this.#reportError(asTransportError(err, this.description)));
  }

  async #attempt(session: number): Promise<void> {
    const stale = () => session !== this.#session;
    if (stale()) return;
    const attempt = this.#failures + 1;
    this.#status.set({ ...this.#deviceField(), state: "connecting", attempt });
    let transport: Transport | undefined;
    try {
      transport = await this.#factory();
      if (stale()) return;
      if (this.#status.current.device !== transport.description) {
        this.#status.set({ state: "connecting", attempt, device: transport.description });
      }
      this.#listen(transport);
      this.#current = transport;
      await transport.open();
    } catch (err) {
      if (transport) {
        transport.removeAllListeners();
        transport.on("error", () => undefined);
        await transport.close().catch(() => undefined);
      }
      if (stale()) return;
      if (this.#current === transport) this.#current = undefined;
      this.#failed(asTransportError(err, this.description));
      return;
    }
    if (stale() || this.#current !== transport) {
      transport.removeAllListeners();
      await transport.close().catch(() => undefined);
      return;
    }
    this.#openedAt = this.#clock.now();
    this.#status.set({ state: "open", attempt, device: transport.description });
    this.#firstOpen?.resolve();
    this.#firstOpen = undefined;
    this.#emit("open");
  }

  /** Emits to each listener on its own; a throwing one is reported on `error`, never to the caller. */
  #emit<K extends "open" | "close" | "data">(event: K, ...args: TransportEvents[K]): void {
    emitToEach(this, event, args, (err) => this.#reportError(listenerError(this.description, event, err)));
  }

  #reportError(error: TransportError): void {
    emitToEach(this, "error", [error], () => undefined);
  }

  #listen(transport: Transport): void {
    transport.on("data", (bytes) => {
      this.frame("in", bytes);
      this.#emit("data", bytes);
    });
    transport.on("error", (error) => this.#reportError(error));
    transport.on("close", (info) => {
      if (transport !== this.#current || info.reason === "requested") return;
      this.#current = undefined;
      transport.removeAllListeners();
      transport.on("error", () => undefined);
      const error =
        info.error ??
        transportError("DEVICE_DISCONNECTED", `${transport.description}: the device went away.`, {
          device: transport.description,
        });
      // Only a connection that stayed up a while starts the backoff afresh.
      if (this.#clock.now() - this.#openedAt >= this.#policy.stableMs) this.#failures = 0;
      this.#failed(error);
      this.#emit("close", { reason: "disconnected", error });
    });
  }

  #failed(error: TransportError): void {
    if (!this.#running) return;
    this.#failures++;
    const delay = backoffDelay(this.#failures, this.#policy, this.#random);
    this.#status.set({
      ...this.#deviceField(),
      state: "disconnected",
      attempt: this.#failures,
      lastError: error,
      nextRetryAt: this.#clock.now() + delay,
    });
    const session = this.#session;
    this.#timer = this.#clock.setTimeout(() => this.#run(session), delay);
  }

  #deviceField(): { device?: string } {
    const device = this.#status.current.device;
    return device === undefined ? {} : { device };
  }
}

export function createReconnectingTransport(options: ReconnectingOptions): ReconnectingTransport {
  return new ReconnectingTransport(options);
}

function asTransportError(err: unknown, device: string): TransportError {
  if (err instanceof TransportError) return err;
  return transportError("DEVICE_OPEN_FAILED", `${device}: could not open (${reasonOf(err)}).`, { device }, err);
}

function validatePolicy(p: BackoffPolicy, label: string): void {
  const ok =
    p.initialMs >= 0 &&
    p.maxMs >= p.initialMs &&
    p.factor >= 1 &&
    p.jitter >= 0 &&
    p.jitter <= 1 &&
    p.maxMs < 2 ** 31 &&
    p.stableMs >= 0;
  if (!ok) {
    throw transportError(
      "TRANSPORT_OPTIONS_INVALID",
      `${label}: backoff needs 0 ≤ initialMs ≤ maxMs < 2^31 ms, factor ≥ 1, 0 ≤ jitter ≤ 1 and stableMs ≥ 0 (got ${JSON.stringify(p)}).`,
      { backoff: p },
    );
  }
}
