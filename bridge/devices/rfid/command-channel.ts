/**
 * One reader command in flight at a time. Requests queue up; each is written, then the channel waits for
 * the frame that answers it (the caller's `match` says which one does), with a timeout. Frames nobody
 * waits for (a late reply after a timeout) and bad bytes (line noise) are logged and skipped: the frame
 * parser resynchronises on the next frame start.
 */
import type { Logger } from "pino";
import { describeError } from "../../../protocols/errors.ts";
import type { FrameParser } from "../../../protocols/rfid/readers/framing.ts";
import type { Clock, TimerHandle } from "../../transports/clock.ts";
import { TransportError } from "../../transports/errors.ts";
import type { Transport } from "../../transports/transport.ts";
import { RfidPadError } from "./errors.ts";

/** Says whether a frame answers the request: `{ value }` if so, undefined for someone else's frame; throws to fail it. */
export type FrameMatch<F, R> = (frame: F) => { value: R } | undefined;

interface Waiting<F> {
  what: string;
  match: FrameMatch<F, unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  timer: TimerHandle;
}

export interface CommandChannelOptions<F> {
  transport: Transport;
  parser: FrameParser<F>;
  clock: Clock;
  logger: Logger;
}

export class CommandChannel<F> {
  readonly #transport: Transport;
  readonly #parser: FrameParser<F>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #tail: Promise<unknown> = Promise.resolve();
  #waiting: Waiting<F> | undefined;
  readonly #onData = (bytes: Uint8Array) => this.#receive(bytes);
  /** Last time a whole frame arrived, for "the reader is alive" checks. */
  lastFrameAt: number | undefined;

  constructor(options: CommandChannelOptions<F>) {
    this.#transport = options.transport;
    this.#parser = options.parser;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#transport.on("data", this.#onData);
  }

  /** Stops listening; the owner fails what is still waiting with failPending() first. */
  detach(): void {
    this.#transport.off("data", this.#onData);
  }

  /** Queues a command; resolves with what `match` extracted from its answer. */
  request<R>(what: string, bytes: Uint8Array, match: FrameMatch<F, R>, timeoutMs: number): Promise<R> {
    const run = this.#tail.then(() => this.#exchange(what, bytes, match, timeoutMs));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Fails the command in flight (the device went away or the driver stops); queued ones fail as they come up. */
  failPending(error: RfidPadError): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    this.#settle(waiting);
    waiting.reject(error);
  }

  /** Forgets half-received bytes, e.g. after a reconnect. */
  resetParser(): void {
    this.#parser.reset();
  }

  #exchange<R>(what: string, bytes: Uint8Array, match: FrameMatch<F, R>, timeoutMs: number): Promise<R> {
    if (!this.#transport.isOpen) return Promise.reject(disconnected(this.#transport.description, what));
    return new Promise<R>((resolve, reject) => {
      const waiting: Waiting<F> = {
        what,
        match,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: this.#clock.setTimeout(() => {
          if (this.#waiting !== waiting) return;
          this.#waiting = undefined;
          this.#parser.reset();
          reject(
            new RfidPadError(
              "RFID_TIMEOUT",
              `${this.#transport.description}: no answer to ${what} within ${timeoutMs} ms. Check that the reader is ` +
                "switched on and that the configured model and serial settings match it.",
              { command: what, timeoutMs },
            ),
          );
        }, timeoutMs),
      };
      this.#waiting = waiting;
      this.#transport.write(bytes).catch((err: unknown) => {
        if (this.#waiting !== waiting) return;
        this.#settle(waiting);
        reject(
          err instanceof TransportError && (err.code === "DEVICE_DISCONNECTED" || err.code === "DEVICE_NOT_OPEN")
            ? disconnected(this.#transport.description, what, err)
            : new RfidPadError(
                "RFID_READER_ERROR",
                `${this.#transport.description}: could not send ${what} (${describeError(err)}).`,
                { command: what },
                { cause: err },
              ),
        );
      });
    });
  }

  #receive(bytes: Uint8Array): void {
    const { frames, errors } = this.#parser.feed(bytes);
    for (const error of errors) {
      this.#logger.debug({ code: error.code, details: error.details }, "rfid: skipped bad bytes from the reader");
    }
    if (frames.length > 0) this.lastFrameAt = this.#clock.now();
    for (const frame of frames) {
      const waiting = this.#waiting;
      if (!waiting) {
        this.#logger.debug("rfid: dropped a frame nobody waited for (late reply?)");
        continue;
      }
      let answer: { value: unknown } | undefined;
      try {
        answer = waiting.match(frame);
      } catch (err) {
        this.#settle(waiting);
        waiting.reject(err);
        continue;
      }
      if (answer === undefined) {
        this.#logger.debug(
          { command: waiting.what },
          "rfid: dropped a frame that does not answer the command in flight",
        );
        continue;
      }
      this.#settle(waiting);
      waiting.resolve(answer.value);
    }
  }

  #settle(waiting: Waiting<F>): void {
    this.#clock.clearTimeout(waiting.timer);
    if (this.#waiting === waiting) this.#waiting = undefined;
  }
}

export function disconnected(device: string, what: string, cause?: unknown): RfidPadError {
  return new RfidPadError(
    "RFID_DISCONNECTED",
    `${device}: cannot send ${what}, the reader is disconnected. Check its cable and power; the bridge reconnects when it is back.`,
    { command: what },
    cause === undefined ? undefined : { cause },
  );
}
