/**
 * A Clock whose time moves only when the test says so. Due timers fire in time order (ties in the
 * order they were set); `advance` lets promise callbacks run between timers, so async code that
 * sleeps, awaits and sleeps again behaves as it would in real time.
 */
import type { Clock, TimerHandle } from "../../bridge/transports/clock.ts";

interface Timer {
  at: number;
  order: number;
  callback: () => void;
}

export class VirtualClock implements Clock {
  #time: number;
  #order = 0;
  readonly #timers = new Map<object, Timer>();

  constructor(start = 1_700_000_000_000) {
    this.#time = start;
  }

  now(): number {
    return this.#time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = {};
    this.#timers.set(handle, { at: this.#time + Math.max(0, ms), order: this.#order++, callback });
    return handle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.#timers.delete(handle);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, with microtasks flushed between them. */
  async advance(ms: number): Promise<void> {
    const target = this.#time + ms;
    await flushMicrotasks();
    for (;;) {
      const next = this.#nextDue(target);
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#time = next[1].at;
      next[1].callback();
      await flushMicrotasks();
    }
    this.#time = target;
  }

  /** Fires timers until none is left (or `limitMs` of virtual time has passed, against runaway loops). */
  async runAll(limitMs = 3_600_000): Promise<void> {
    const limit = this.#time + limitMs;
    await flushMicrotasks();
    for (;;) {
      const next = this.#nextDue(limit);
      if (!next) return;
      this.#timers.delete(next[0]);
      this.#time = next[1].at;
      next[1].callback();
      await flushMicrotasks();
    }
  }

  #nextDue(limit: number): [object, Timer] | undefined {
    let due: [object, Timer] | undefined;
    for (const entry of this.#timers) {
      const t = entry[1];
      if (t.at > limit) continue;
      if (!due || t.at < due[1].at || (t.at === due[1].at && t.order < due[1].order)) due = entry;
    }
    return due;
  }
}

/** Lets queued promise callbacks (and their follow-ups) run. */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
