/**
 * One request in flight at a time, a FIFO in front of it, a timeout per request on the shared Clock, and
 * cancellation when the link closes. Generic over what a response is: the owner decodes bytes into
 * responses and hands each one to `receive`; the request's `match` says whether it answers it.
 *
 * A match can also ask for the exchange to go on (`again`): it writes something (the request once more
 * after the peer asked for a resend, or a "say that again" after a corrupt answer) and the timeout starts
 * over. Bounding those repeats is the match's business, since only the protocol knows its limits.
 *
 * When a request in flight times out or is cancelled, the next one is sent at once. A protocol whose
 * answers carry nothing that ties them to their request (SIP2) should then close the link rather than
 * risk taking a late answer for the next request's.
 *
 * The shape follows zwave-js's send queue (one queue for all request/response traffic, each message
 * declaring the reply it expects); bridge/devices/rfid/command-channel.ts is the older, RFID-only form.
 */
import { CodedError } from "../../protocols/errors.ts";
import type { Clock, TimerHandle } from "./clock.ts";

export type RequestQueueErrorCode = "REQUEST_TIMEOUT" | "REQUEST_CANCELLED" | "QUEUE_CLOSED";

export class RequestQueueError extends CodedError<RequestQueueErrorCode> {}

/** What a match says about a response. */
export type MatchResult<R> =
  | { value: R }
  | { fail: Error }
  /** Keep waiting, after doing this (write again); the timeout restarts. */
  | { again: () => void | Promise<void> }
  /** Not an answer to this request (a late reply, noise): ignored. */
  | undefined;

export interface QueuedRequest<Res, R> {
  /** For errors and logs: "checkout (11)". */
  what: string;
  /** Writes the request; called when it reaches the front. A rejection fails the request. */
  send: () => void | Promise<void>;
  match: (response: Res) => MatchResult<R>;
  timeoutMs: number;
  /** Cancels the request: removed if still queued, failed if in flight. */
  signal?: AbortSignal;
}

export interface RequestQueueOptions {
  clock: Clock;
  /** Names the link in errors: "SIP2 ils.example.org:6001". */
  label: string;
  /** Builds the error for a request that got no answer in time; default REQUEST_TIMEOUT. */
  timeoutError?: (what: string, timeoutMs: number) => Error;
}

interface Entry<Res> {
  request: QueuedRequest<Res, unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  timer?: TimerHandle;
  onAbort?: () => void;
}

export class RequestQueue<Res> {
  readonly #clock: Clock;
  readonly #label: string;
  readonly #timeoutError: (what: string, timeoutMs: number) => Error;
  readonly #waiting: Entry<Res>[] = [];
  #inFlight: Entry<Res> | undefined;
  #closed: Error | undefined;

  constructor(options: RequestQueueOptions) {
    this.#clock = options.clock;
    this.#label = options.label;
    this.#timeoutError =
      options.timeoutError ??
      ((what, ms) =>
        new RequestQueueError(
          "REQUEST_TIMEOUT",
          `${this.#label}: no answer to ${what} within ${ms} ms. Check that the other end is running and reachable.`,
          { what, timeoutMs: ms },
        ));
  }

  /** Requests waiting plus the one in flight. */
  get size(): number {
    return this.#waiting.length + (this.#inFlight ? 1 : 0);
  }

  get busy(): boolean {
    return this.#inFlight !== undefined;
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Queues a request; resolves with what its match extracted from the answer. */
  request<R>(request: QueuedRequest<Res, R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.#closed) return reject(this.#closed);
      if (request.signal?.aborted) return reject(cancelled(this.#label, request.what, request.signal.reason));
      const entry: Entry<Res> = {
        request: request as QueuedRequest<Res, unknown>,
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      if (request.signal) {
        entry.onAbort = () => this.#fail(entry, cancelled(this.#label, request.what, request.signal?.reason));
        request.signal.addEventListener("abort", entry.onAbort, { once: true });
      }
      this.#waiting.push(entry);
      this.#next();
    });
  }

  /** Hands a response to the request in flight. Returns false when nobody wanted it (late or stray). */
  receive(response: Res): boolean {
    const entry = this.#inFlight;
    if (!entry) return false;
    let result: MatchResult<unknown>;
    try {
      result = entry.request.match(response);
    } catch (error) {
      result = { fail: error instanceof Error ? error : new Error(String(error)) };
    }
    if (result === undefined) return false;
    if ("value" in result) this.#settle(entry, () => entry.resolve(result.value));
    else if ("fail" in result) this.#fail(entry, result.fail);
    else this.#write(entry, result.again);
    return true;
  }

  /** Fails the request in flight and every queued one; later requests fail at once with the same error. */
  close(error: Error): void {
    if (this.#closed) return;
    this.#closed = error;
    const all = [...(this.#inFlight ? [this.#inFlight] : []), ...this.#waiting];
    for (const entry of all) this.#fail(entry, error);
  }

  #next(): void {
    if (this.#inFlight || this.#closed) return;
    const entry = this.#waiting.shift();
    if (!entry) return;
    this.#inFlight = entry;
    this.#write(entry, entry.request.send);
  }

  #write(entry: Entry<Res>, write: () => void | Promise<void>): void {
    this.#clock.clearTimeout(entry.timer);
    const { what, timeoutMs } = entry.request;
    entry.timer = this.#clock.setTimeout(() => {
      if (this.#inFlight === entry) this.#fail(entry, this.#timeoutError(what, timeoutMs));
    }, timeoutMs);
    let written: void | Promise<void>;
    try {
      written = write();
    } catch (error) {
      this.#fail(entry, asError(error));
      return;
    }
    if (written instanceof Promise) written.catch((error: unknown) => this.#fail(entry, asError(error)));
  }

  #fail(entry: Entry<Res>, error: Error): void {
    this.#settle(entry, () => entry.reject(error));
  }

  /** Settles an entry once, wherever it is (queued or in flight), and moves the queue on. */
  #settle(entry: Entry<Res>, settle: () => void): void {
    const queuedAt = this.#waiting.indexOf(entry);
    if (queuedAt >= 0) this.#waiting.splice(queuedAt, 1);
    else if (this.#inFlight === entry) this.#inFlight = undefined;
    else return; // already settled
    this.#detach(entry);
    settle();
    this.#next();
  }

  #detach(entry: Entry<Res>): void {
    this.#clock.clearTimeout(entry.timer);
    if (entry.onAbort) entry.request.signal?.removeEventListener("abort", entry.onAbort);
  }
}

function cancelled(label: string, what: string, reason: unknown): RequestQueueError {
  return new RequestQueueError("REQUEST_CANCELLED", `${label}: ${what} was cancelled before its answer arrived.`, {
    what,
    reason: reason instanceof Error ? reason.message : reason === undefined ? undefined : String(reason),
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
