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

export interface WaitOptions {
  /** What the test waits for, named when the wait gives up: "the pad to report the tag". */
  what?: string;
  /** Virtual time moved each time I/O is quiet. Default 1 ms. */
  stepMs?: number;
  /**
   * With a clock: the virtual time after which the wait gives up (default 60 s). Without one: a bound in
   * wall time (default 20 s) that only turns a hang into a clear failure; nothing passes or fails by it
   * on a working system, however busy the machine.
   */
  limitMs?: number;
  /** What else the failure says: what was seen instead (the last state, the notices). */
  diagnostics?: () => string;
}

const gaveUp = ({ what, diagnostics }: WaitOptions, after: string) =>
  new Error(`gave up waiting for ${what ?? "the condition"} after ${after}${diagnostics ? `; ${diagnostics()}` : ""}`);

/** Resolves (or rejects) as `promise` does, moving virtual time forward while it waits. */
export async function settle<T>(clock: VirtualClock, promise: Promise<T>, options: WaitOptions = {}): Promise<T> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await until(clock, () => done, { what: "the promise to settle", ...options });
  return promise;
}

/** Moves virtual time by `ms`, letting I/O run to quiet at every step. */
export async function elapse(clock: VirtualClock, ms: number, stepMs = 1): Promise<void> {
  for (let passed = 0; passed < ms; passed += stepMs) {
    await flushIo();
    await clock.advance(Math.min(stepMs, ms - passed));
  }
  await flushIo();
}

/**
 * Waits until `condition` holds, letting I/O run to quiet between checks. With a clock, virtual time
 * moves `stepMs` whenever I/O is quiet (timeouts fire in the order of events, never by machine speed).
 * With `null`, only real I/O moves things: for code whose time is real (another process, a PTY) and
 * whose outcome does not depend on it.
 */
export async function until(
  clock: VirtualClock | null,
  condition: () => boolean,
  options: WaitOptions = {},
): Promise<void> {
  const { stepMs = 1 } = options;
  if (clock === null) {
    const limitMs = options.limitMs ?? 20_000;
    const giveUpAt = performance.now() + limitMs;
    for (;;) {
      await flushIo();
      if (condition()) return;
      if (performance.now() >= giveUpAt) throw gaveUp(options, `${limitMs} ms (a hang guard, in wall time)`);
      // A real pause, not a spin: what we wait for may need this core (a child process, the kernel).
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  const limitMs = options.limitMs ?? 60_000;
  const start = clock.now();
  for (;;) {
    await flushIo();
    if (condition()) return;
    if (clock.now() - start >= limitMs) throw gaveUp(options, `${limitMs} ms of virtual time`);
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
