/**
 * Time as the bridge and the simulators see it. Everything that waits, times out, polls or stamps a
 * time takes a Clock, so tests drive it with a virtual one (test/support/virtual-clock.ts) and never
 * depend on how fast the machine is.
 */
/** Opaque: whatever the clock returned from setTimeout. */
export type TimerHandle = object;

export interface Clock {
  /** Milliseconds since the epoch (a virtual clock starts wherever the test puts it). */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  /** Resolves after `ms`; the usual way to pause inside async code. */
  sleep(ms: number): Promise<void>;
}

/** The real clock. Timers are unref'd only by their owners, never here. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    if (handle !== undefined) clearTimeout(handle as NodeJS.Timeout);
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Waits for `promise` at most `ms` on `clock`; the timeout's error comes from `onTimeout`. */
export function withTimeout<T>(clock: Clock, promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clock.clearTimeout(timer));
}
