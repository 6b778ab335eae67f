/**
 * Time as the scanner driver sees it. Inter-character and stale timeouts run on this, so tests can
 * drive a decoder with a manual clock instead of waiting.
 */
export interface ScannerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: ScannerClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** One re-armable timeout: each arm() replaces the previous one. */
export class IdleTimer {
  readonly #clock: ScannerClock;
  #handle: unknown;
  #armed = false;

  constructor(clock: ScannerClock) {
    this.#clock = clock;
  }

  arm(ms: number, callback: () => void): void {
    this.cancel();
    this.#armed = true;
    this.#handle = this.#clock.setTimeout(() => {
      this.#armed = false;
      callback();
    }, ms);
  }

  cancel(): void {
    if (!this.#armed) return;
    this.#armed = false;
    this.#clock.clearTimeout(this.#handle);
  }
}
