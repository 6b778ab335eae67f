/**
 * Driving code that mixes the virtual clock with real I/O. Memory cables deliver on setImmediate and
 * sockets on the event loop, neither of which the VirtualClock moves; `settle` lets that I/O run to
 * quiet, and only then moves virtual time, a millisecond at a time. The outcome depends on the order
 * of events, never on how fast the machine is: a 200 ms answer timeout fires after 200 rounds of
 * I/O without an answer, however long those rounds take.
 */
import type { VirtualClock } from "./virtual-clock.ts";

/** Lets pending I/O callbacks (and what they start) run: `rounds` turns of the event loop. */
export async function flushIo(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface SettleOptions {
  /** Virtual time moved each time I/O is quiet. Default 1 ms. */
  stepMs?: number;
  /** Virtual time after which settle gives up with an error. Default 60 s. */
  limitMs?: number;
}

/** Resolves (or rejects) as `promise` does, moving virtual time forward while it waits. */
export async function settle<T>(clock: VirtualClock, promise: Promise<T>, options: SettleOptions = {}): Promise<T> {
  const { stepMs = 1, limitMs = 60_000 } = options;
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  const start = clock.now();
  for (;;) {
    await flushIo();
    if (done) return promise;
    if (clock.now() - start >= limitMs) throw new Error(`still pending after ${limitMs} ms of virtual time`);
    await clock.advance(stepMs);
  }
}

/** Moves virtual time by `ms`, letting I/O run to quiet at every step. */
export async function elapse(clock: VirtualClock, ms: number, stepMs = 1): Promise<void> {
  for (let passed = 0; passed < ms; passed += stepMs) {
    await flushIo();
    await clock.advance(Math.min(stepMs, ms - passed));
  }
  await flushIo();
}

/** Waits, moving virtual time, until `condition` holds. */
export async function until(clock: VirtualClock, condition: () => boolean, options: SettleOptions = {}): Promise<void> {
  const { stepMs = 1, limitMs = 60_000 } = options;
  const start = clock.now();
  for (;;) {
    await flushIo();
    if (condition()) return;
    if (clock.now() - start >= limitMs) throw new Error(`condition not met after ${limitMs} ms of virtual time`);
    await clock.advance(stepMs);
  }
}

/**
 * Moves virtual time 1 ms whenever I/O is quiet, in the background, until the returned stop() is called:
 * the same order of events as settle(), for rigs where every await in a test would otherwise need it.
 * A timeout of N ms fires only after N rounds of quiet I/O, however slow the machine.
 */
export function advanceWhileIdle(clock: VirtualClock): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await flushIo();
      if (running) await clock.advance(1);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}
