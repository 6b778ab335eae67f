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
 *   `disconnected` with that error.
 */
import type { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { CodedError } from "../../protocols/errors.ts";
import type { Clock, TimerHandle } from "../transports/clock.ts";
import { emitToEach } from "../transports/emit.ts";
import { reasonOf } from "../transports/errors.ts";
import type { ConnectionStatus, Transport, TransportCloseInfo } from "../transports/transport.ts";
import type { DeviceHealth, HealthState } from "./device.ts";
import { HealthTracker } from "./health.ts";

export type Presence = "open" | "silent" | { verify(): Promise<void> };

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

  /** The driver's detail, plus when a reconnecting transport tries again while the device is away. */
  #detail(): Record<string, unknown> {
    const { state, nextRetryAt } = this.#o.transport.status;
    const retry = this.#running && state === "disconnected" && nextRetryAt !== undefined;
    return { ...this.#o.detail(), ...(retry ? { nextRetryAt: new Date(nextRetryAt).toISOString() } : {}) };
  }

  #opened(): void {
    if (!this.#running) return;
    const presence = this.#o.presence;
    if (presence === "open") this.setHealth("ok");
    else if (presence === "silent") this.setHealth("unverified");
    else {
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
