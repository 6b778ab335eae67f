/**
 * k connections to the ACS. Each request goes to a free usable connection (online first, then the one
 * idle longest); requests wait in one FIFO in front of all of them, so when a connection fails, what waits
 * simply goes to the others. Work for one item is kept in order with `withKey`: everything run under the
 * same key (an item barcode) runs one after the other, even across connections.
 *
 * An ACS that goes away is noticed at the first sign, not at the next heartbeat (which only keeps an idle
 * link honest): a closed link is down at once (connection.ts); a request that gets no answer within its
 * timeout makes the pool report "down" at once, while it asks the idle connections for the ACS's status
 * (99), and any answer makes it usable again; a lost link or an answer that cannot be read asks the same
 * without changing the state first (the others may be fine). `checkStatus` is that probe, for a client
 * that hears the ACS say it is offline (then the 98s say online = N and the pool is acs-offline).
 *
 * Real ILSes accept several logins per SIP2 account; at a FOLIO-like 1.2 s per checkout, a 10-item stack
 * takes 12 s over one connection and about 3.6 s over four.
 */
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { MessageOf, MessageType, Sip2Message } from "../../protocols/sip2/index.ts";
import type { Clock, TimerHandle } from "../transports/clock.ts";
import type { Sip2Connection, Sip2ConnectionState, Sip2RequestOptions } from "./connection.ts";
import { isLinkFailure, Sip2ClientError } from "./errors.ts";

export interface Sip2PoolOptions {
  clock: Clock;
  logger?: Logger | undefined;
  /** How long a request waits for a usable connection before SIP2_NOT_CONNECTED. */
  waitMs: number;
}

export interface PoolRequestOptions extends Sip2RequestOptions {
  /** For reads only: after a link failure, ask again on another connection (up to this many times). */
  retries?: number;
}

interface Waiter {
  take: (connection: Sip2Connection) => void;
  fail: (error: Error) => void;
  timer: TimerHandle;
}

const STATE_ORDER: readonly Sip2ConnectionState[] = ["online", "acs-offline", "connecting", "down"];

export class Sip2Pool extends EventEmitter<{ state: [state: Sip2ConnectionState] }> {
  readonly connections: readonly Sip2Connection[];
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #waitMs: number;
  readonly #waiting: Waiter[] = [];
  readonly #lent = new Set<Sip2Connection>();
  readonly #lastUsed = new Map<Sip2Connection, number>();
  readonly #keys = new Map<string, Promise<unknown>>();
  #state: Sip2ConnectionState = "down";
  #closed = false;
  /** A request went unanswered and no answer has come since: the ACS counts as down. */
  #silent = false;
  /** What the latest 98 said: the ACS is one system, so its newest word counts for every connection. */
  #acsSays: Sip2ConnectionState = "online";

  constructor(connections: readonly Sip2Connection[], options: Sip2PoolOptions) {
    super();
    this.connections = connections;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#waitMs = options.waitMs;
    connections.forEach((c, i) => {
      this.#lastUsed.set(c, i - connections.length);
      c.on("state", (change) => {
        // Online again means the ACS answered a login and a status.
        if (change.state === "online" || change.state === "acs-offline") {
          this.#acsSays = change.state;
          this.#heard();
        }
        this.#updateState();
        this.#dispatch();
      });
    });
  }

  /** The best state among the connections: online if any is. */
  get state(): Sip2ConnectionState {
    return this.#state;
  }

  /** Starts every connection (each keeps itself up). */
  start(): void {
    for (const c of this.connections) c.start();
  }

  /** Resolves when some connection is usable, or rejects after `ms`. */
  async ready(ms = this.#waitMs): Promise<void> {
    const connection = await this.#acquire(ms);
    this.#release(connection);
  }

  /** Sends one request on a free connection. */
  async request<T extends MessageType>(
    message: Sip2Message,
    expect: T,
    options: PoolRequestOptions = {},
  ): Promise<MessageOf<T>> {
    let attempt = 0;
    for (;;) {
      const connection = await this.#acquire(this.#waitMs, options.signal);
      try {
        const answer = await connection.request(message, expect, options);
        this.#heard();
        return answer;
      } catch (error) {
        if (isLinkFailure(error)) this.#doubt((error as Sip2ClientError).code === "ILS_TIMEOUT");
        if (!isLinkFailure(error) || attempt++ >= (options.retries ?? 0)) throw error;
        this.#logger?.info({ tx: options.tx, type: message.type, attempt }, "sip2: asking again on another connection");
      } finally {
        this.#release(connection);
      }
    }
  }

  /**
   * Asks the ACS for its status now (99): on every idle usable connection, or, when all are at work, on the
   * next one free (the state they last heard may be a heartbeat old: a refusal that just said "offline"
   * needs today's answer). Resolves with the pool's state once asked, or once no connection came free.
   */
  async checkStatus(): Promise<Sip2ConnectionState> {
    const idle = this.#idle();
    if (idle.length > 0) {
      await Promise.allSettled(idle.map((c) => c.probe().then(() => this.#heard())));
      return this.#state;
    }
    let connection: Sip2Connection;
    try {
      connection = await this.#acquire(this.#waitMs);
    } catch {
      return this.#state; // none usable within the wait: the state says so already
    }
    try {
      await connection.probe();
      this.#heard();
    } catch {
      // A failed probe shows in the connection's state, and so in the pool's.
    } finally {
      this.#release(connection);
    }
    return this.#state;
  }

  /**
   * A request failed on its link. After a timeout the ACS counts as down at once (the kiosk lends offline
   * from the next item) until something answers; either way the idle connections are asked now.
   */
  #doubt(silent: boolean): void {
    if (silent && !this.#silent) {
      this.#silent = true;
      this.#logger?.warn("sip2: a request got no answer; the ILS counts as down until it answers again");
      this.#updateState();
    }
    for (const c of this.#idle())
      c.probe().then(
        () => this.#heard(),
        () => undefined,
      );
  }

  #heard(): void {
    if (!this.#silent) return;
    this.#silent = false;
    this.#updateState();
  }

  #idle(): Sip2Connection[] {
    return this.connections.filter((c) => c.usable && !c.busy && !this.#lent.has(c));
  }

  /** Runs `work` after everything queued earlier under the same key has finished. */
  withKey<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.#keys.get(key) ?? Promise.resolve();
    const run = before.then(work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#keys.set(key, settled);
    void settled.then(() => {
      if (this.#keys.get(key) === settled) this.#keys.delete(key);
    });
    return run;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) {
      this.#clock.clearTimeout(w.timer);
      w.fail(new Sip2ClientError("SIP2_CLOSED", "the SIP2 client was closed."));
    }
    await Promise.all(this.connections.map((c) => c.close()));
  }

  #acquire(ms: number, signal?: AbortSignal): Promise<Sip2Connection> {
    if (this.#closed) return Promise.reject(new Sip2ClientError("SIP2_CLOSED", "the SIP2 client was closed."));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        take: (connection) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(connection);
        },
        fail: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
        timer: undefined as unknown as TimerHandle,
      };
      // Waiting behind busy connections is queueing, not a failure: only time with none usable counts.
      const arm = () => {
        waiter.timer = this.#clock.setTimeout(() => {
          if (this.connections.some((c) => c.usable)) arm();
          else this.#giveUp(waiter, this.#notConnected(ms));
        }, ms);
      };
      arm();
      const onAbort = () =>
        this.#giveUp(waiter, new Sip2ClientError("SIP2_NOT_CONNECTED", "cancelled while waiting for a connection."));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(waiter);
      this.#dispatch();
    });
  }

  #giveUp(waiter: Waiter, error: Error): void {
    const at = this.#waiting.indexOf(waiter);
    if (at < 0) return;
    this.#waiting.splice(at, 1);
    this.#clock.clearTimeout(waiter.timer);
    waiter.fail(error);
  }

  #release(connection: Sip2Connection): void {
    this.#lent.delete(connection);
    this.#lastUsed.set(connection, this.#clock.now());
    this.#dispatch();
  }

  #dispatch(): void {
    while (this.#waiting.length > 0) {
      const free = this.connections.filter((c) => c.usable && !this.#lent.has(c));
      if (free.length === 0) return;
      free.sort(
        (a, b) =>
          STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) ||
          (this.#lastUsed.get(a) ?? 0) - (this.#lastUsed.get(b) ?? 0),
      );
      const connection = free[0]!;
      const waiter = this.#waiting.shift()!;
      this.#clock.clearTimeout(waiter.timer);
      this.#lent.add(connection);
      waiter.take(connection);
    }
  }

  #updateState(): void {
    const best = this.#silent
      ? "down"
      : this.connections.some((c) => c.usable)
        ? this.#acsSays
        : (STATE_ORDER.find((s) => this.connections.some((c) => c.state === s)) ?? "down");
    if (best === this.#state) return;
    this.#state = best;
    this.emit("state", best);
  }

  #notConnected(ms: number): Sip2ClientError {
    const errors = this.connections.map((c) => c.lastError?.message).filter((m) => m !== undefined);
    return new Sip2ClientError(
      "SIP2_NOT_CONNECTED",
      `no SIP2 connection to the ILS became usable within ${ms} ms` +
        (errors.length > 0 ? ` (last error: ${errors[errors.length - 1]})` : "") +
        ". Check that the ILS's SIP2 server is running and reachable.",
      { states: this.connections.map((c) => c.state) },
    );
  }
}
