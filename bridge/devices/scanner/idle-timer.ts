/** One re-armable timeout on the shared Clock, for the decoders' inter-character and stale timeouts. */
import type { Clock, TimerHandle } from "../../transports/clock.ts";

export class IdleTimer {
  readonly #clock: Clock;
  #handle: TimerHandle | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Each arm() replaces the previous one. */
  arm(ms: number, callback: () => void): void {
    this.cancel();
    this.#handle = this.#clock.setTimeout(() => {
      this.#handle = undefined;
      callback();
    }, ms);
  }

  cancel(): void {
    this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
  }
}
