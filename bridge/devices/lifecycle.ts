/**
 * The one lifecycle every device driver runs: start and stop, following the transport as it comes and
 * goes (any transport: each one reports its ConnectionStatus), health bookkeeping on the shared Clock,
 * events to listeners that may throw, and one log line per health state change.
 *
 * What differs between drivers is a parameter, `presence`: how the driver learns that the device is
 * really there once its transport opens.
 * - "open": opening reaches the device itself (a HID device found by its USB identity): `ok` at once.
 * - "silent": the port opens with nothing behind it (a serial-line scanner, a relay board that cannot
 *   answer): `unverified` until the driver calls confirmed() because the device showed itself.
 * - { verify }: the device answers a question (a printer's status, an RFID reader's set-up, a relay
 *   board's read-back). verify() sets health from the answer; if it throws, the device is
 *   `disconnected` with that error. A device found `disconnected` on a transport that is still open (an
 *   answer lost right after a replug, a print whose status check timed out) is asked again with capped
 *   exponential backoff on the clock (RECHECK_BACKOFF), until it answers or the transport closes: nothing
 *   else would ask it again while no print is waiting.
 */
import type { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { CodedError } from "../../protocols/errors.ts";
import type { Clock, TimerHandle } from "../transports/clock.ts";
import { emitToEach } from "../transports/emit.ts";
import { reasonOf } from "../transports/errors.ts";
import { type BackoffPolicy, backoffDelay } from "../transports/reconnecting.ts";
import type { ConnectionStatus, Transport, TransportCloseInfo } from "../transports/transport.ts";
import type { DeviceHealth, HealthState } from "./device.ts";
import { HealthTracker } from "./health.ts";

export type Presence = "open" | "silent" | { verify(): Promise<void> };

/** How a `verify` device found disconnected on an open transport is asked again: 1 s, 2 s, 4 s … 30 s. */
export const RECHECK_BACKOFF: Readonly<Omit<BackoffPolicy, "stableMs">> = {
  initialMs: 1000,
  maxMs: 30_000,
  factor: 2,
  // One device on one cable: no herd of kiosks to spread out, and tests can name the exact times.
  jitter: 0,
};

export interface DriverLifecycleOptions {
  /** The driver: its events (health and its own) go out on it. */
  // biome-ignore lint/suspicious/noExplicitAny: any driver's event map
  device: EventEmitter<any>;
  id: string;
  transport: Transport;
  /** Bound to this device by the caller or here (a `device` key is added only when missing). */
  logger: Logger;
  clock: Clock;
  presence: Presence;
  /** Kind-specific facts for health.detail, rebuilt on each change. */
  detail(): Record<string, unknown>;
  /** Detail keys (e.g. a check time) whose change alone is not news. */
  notNews?: readonly string[];
  /** Bytes from the device. */
  data?(bytes: Uint8Array): void;
  /** The device went away by itself (health is already `disconnected`): fail what waits for it. */
  disconnected?(error: CodedError): void;
}

export interface HealthUpdate {
  error?: CodedError | undefined;
  /** A line for people in health.detail.message (e.g. "paper near its end"). */
  message?: string;
}

export class DriverLifecycle {
  readonly log: Logger;
  readonly #o: DriverLifecycleOptions;
  readonly #health: HealthTracker;
  #running = false;
  #unhook: (() => void) | undefined;
  /** The verification running for the current connection, so start() can wait for the first one. */
  #verifying: Promise<void> | undefined;
  readonly #timers = new Set<TimerHandle>();
  /** The next verification of a device found disconnected on an open transport, and how many failed in a row. */
  #recheck: { timer: TimerHandle; at: number } | undefined;
  #recheckFailures = 0;

  constructor(options: DriverLifecycleOptions) {
    this.#o = options;
    this.log = deviceLogger(options.logger, options.id);
    this.#health = new HealthTracker(
      { state: "disconnected", since: this.#iso(), detail: options.detail() },
      (health) => this.emit("health", health),
      // A new retry time is not news: every failed attempt has one.
      [...(options.notNews ?? []), "nextRetryAt"],
    );
  }

  get running(): boolean {
    return this.#running;
  }

  get state(): HealthState {
    return this.#health.state;
  }

  get lastError() {
    return this.#health.lastError;
  }

  /** The current health, its detail brought up to date (counters move without being news). */
  health(): DeviceHealth {
    const current = this.#health.current();
    return { ...current, detail: { ...current.detail, ...this.#detail() } };
  }

  /**
   * Hooks the transport and opens it. Resolves once the first attempt has ended (and, when it reached
   * the device, the first verification): a missing device is a `disconnected` health, not an error.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const t = this.#o.transport;
    let attempted!: () => void;
    const firstAttempt = new Promise<void>((resolve) => {
      attempted = resolve;
    });
    const onData = (bytes: Uint8Array) => this.#o.data?.(bytes);
    const onOpen = () => this.#opened();
    const onClose = (info: TransportCloseInfo) => this.#closed(info);
    const onError = (error: Error) => this.log.debug({ code: codeOf(error) }, "transport error");
    t.on("data", onData);
    t.on("open", onOpen);
    t.on("close", onClose);
    t.on("error", onError);
    const offStatus = t.onStatus((status) => {
      this.#status(status);
      if (status.state !== "connecting") attempted();
    });
    this.#unhook = () => {
      t.off("data", onData);
      t.off("open", onOpen);
      t.off("close", onClose);
      t.off("error", onError);
      offStatus();
      attempted(); // stop() before the first attempt ended must not leave start() waiting
    };
    const wasOpen = t.isOpen;
    const opened = t.open().then(
      () => undefined,
      (err: unknown) => {
        if (this.#running) this.setHealth("disconnected", { error: asCoded(err, t.description) });
      },
    );
    if (wasOpen) this.#opened();
    await Promise.race([opened, firstAttempt]);
    await this.#verifying;
  }

  /** Unhooks and closes the transport; `beforeClose` lets the driver finish or fail its work first. */
  async stop(beforeClose?: () => Promise<unknown> | unknown): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    for (const timer of this.#timers) this.#o.clock.clearTimeout(timer);
    this.#timers.clear();
    this.#recheck = undefined;
    await beforeClose?.();
    this.#unhook?.();
    this.#unhook = undefined;
    await this.#o.transport.close().catch(() => undefined);
    this.setHealth("disconnected", { message: "stopped" });
  }

  /** The device showed itself (a "silent" device sent something valid): `unverified` becomes `ok`. */
  confirmed(): void {
    if (this.#health.state === "unverified") this.setHealth("ok");
  }

  /** Logs once per change of state or of error code: a device failing the same way again is not news. */
  setHealth(state: HealthState, update: HealthUpdate = {}): void {
    const previous = { state: this.#health.state, code: this.#health.lastError?.code };
    // Before the detail is built, so the news of the failure carries when the device is asked again.
    if (state === "disconnected") this.#scheduleRecheck();
    else {
      this.#cancelRecheck();
      this.#recheckFailures = 0;
    }
    const detail = { ...this.#detail(), ...(update.message ? { message: update.message } : {}) };
    this.#health.set(state, detail, { error: update.error, at: new Date(this.#o.clock.now()) });
    const newCode = update.error !== undefined && update.error.code !== previous.code;
    if (state !== previous.state || newCode) this.#logChange(state, update.error);
  }

  /** Emits on the driver to each listener on its own; one that throws is logged, never passed up. */
  emit(event: string, ...args: unknown[]): void {
    emitToEach(this.#o.device, event, args, (err) =>
      this.log.error({ event, reason: reasonOf(err) }, "a device event listener threw; this is a bug in the listener"),
    );
  }

  /** Runs `tick` every `ms` on the clock while running (each run scheduled after the last one ended). */
  every(ms: number, tick: () => Promise<unknown> | unknown): void {
    const schedule = () => {
      const timer = this.#o.clock.setTimeout(async () => {
        this.#timers.delete(timer);
        try {
          await tick();
        } catch (err) {
          this.log.debug({ reason: reasonOf(err) }, "periodic task failed");
        }
        if (this.#running) schedule();
      }, ms);
      this.#timers.add(timer);
    };
    if (this.#running) schedule();
  }

  /** The driver's detail, plus when the device is tried again: by a reconnecting transport, or by a recheck. */
  #detail(): Record<string, unknown> {
    const { state, nextRetryAt } = this.#o.transport.status;
    const retry = this.#running && state === "disconnected" ? nextRetryAt : undefined;
    const next = this.#recheck?.at ?? retry;
    return { ...this.#o.detail(), ...(next !== undefined ? { nextRetryAt: new Date(next).toISOString() } : {}) };
  }

  #opened(): void {
    if (!this.#running) return;
    // A new connection starts its verification afresh, now.
    this.#cancelRecheck();
    this.#recheckFailures = 0;
    const presence = this.#o.presence;
    if (presence === "open") this.setHealth("ok");
    else if (presence === "silent") this.setHealth("unverified");
    else this.#verify(presence);
  }

  #verify(presence: { verify(): Promise<void> }): void {
    const verifying = presence.verify().catch((err: unknown) => {
      if (this.#running && this.#o.transport.isOpen) {
        this.setHealth("disconnected", { error: asCoded(err, this.#o.transport.description) });
      }
    });
    this.#verifying = verifying;
    void verifying.finally(() => {
      if (this.#verifying === verifying) this.#verifying = undefined;
    });
  }

  /** Asks a `verify` device again later, when it is disconnected although its transport is open. */
  #scheduleRecheck(): void {
    const presence = this.#o.presence;
    if (typeof presence !== "object" || !this.#running || !this.#o.transport.isOpen || this.#recheck) return;
    this.#recheckFailures++;
    const delay = backoffDelay(this.#recheckFailures, RECHECK_BACKOFF);
    const timer = this.#o.clock.setTimeout(() => {
      this.#timers.delete(timer);
      this.#recheck = undefined;
      if (this.#running && this.#o.transport.isOpen && this.#health.state === "disconnected") {
        this.log.debug({ attempt: this.#recheckFailures }, "asking the device again");
        this.#verify(presence);
      }
    }, delay);
    this.#timers.add(timer);
    this.#recheck = { timer, at: this.#o.clock.now() + delay };
  }

  #cancelRecheck(): void {
    if (!this.#recheck) return;
    this.#o.clock.clearTimeout(this.#recheck.timer);
    this.#timers.delete(this.#recheck.timer);
    this.#recheck = undefined;
  }

  #closed(info: TransportCloseInfo): void {
    if (info.reason !== "disconnected" || !this.#running) return;
    const error =
      info.error ??
      new DeviceGoneError("DEVICE_DISCONNECTED", `${this.#o.transport.description}: the device went away.`);
    this.setHealth("disconnected", { error });
    this.#o.disconnected?.(error);
  }

  #status(status: ConnectionStatus): void {
    if (this.#running && status.state === "disconnected") {
      this.setHealth("disconnected", { error: status.lastError });
    }
  }

  #logChange(state: HealthState, error: CodedError | undefined): void {
    const fields = { state, ...(error && state !== "ok" ? { code: error.code } : {}) };
    if (!this.#running) this.log.debug(fields, "device health");
    else if (state === "ok") this.log.info(fields, "device health");
    else this.log.warn(fields, "device health");
  }

  #iso(): string {
    return new Date(this.#o.clock.now()).toISOString();
  }
}

/** `logger` bound to the device id, unless it already is: pino would write a second `device` key. */
export function deviceLogger(logger: Logger, id: string): Logger {
  return logger.bindings().device === id ? logger : logger.child({ device: id });
}

class DeviceGoneError extends CodedError<"DEVICE_DISCONNECTED"> {}

function codeOf(error: Error): string | undefined {
  return error instanceof CodedError ? error.code : undefined;
}

/** A thrown value as a CodedError, for health. */
export function asCoded(err: unknown, device: string): CodedError {
  if (err instanceof CodedError) return err;
  return new DeviceGoneError("DEVICE_DISCONNECTED", `${device}: ${reasonOf(err)}`, {}, { cause: err });
}
/** Runs jobs one after the other in the order given; a failed job does not stop the ones behind it. */
export class JobQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  /** Whether a job is running or waiting. */
  get busy(): boolean {
    return this.#pending > 0;
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    this.#pending++;
    const run = this.#tail.then(job, job).finally(() => {
      this.#pending--;
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves when every job queued so far has finished. */
  settled(): Promise<unknown> {
    return this.#tail;
  }
}
