/** Test helpers for the scanner driver: a manual clock, a log capture, and waiting on events. */
import { Writable } from "node:stream";
import type { ScannerClock } from "../../../../bridge/devices/scanner/clock.ts";
import type { DecodedScan, DecoderSink } from "../../../../bridge/devices/scanner/decoder.ts";
import type { ScannerErrorCode } from "../../../../bridge/devices/scanner/errors.ts";
import { createLogger, type Logger } from "../../../../bridge/log/logger.ts";

/** Time that only moves when the test says so; due timers fire in order. */
export class ManualClock implements ScannerClock {
  time = 1_700_000_000_000;
  #next = 1;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= target && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.#timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = target;
  }
}

/** A decoder sink that records what it gets. */
export function recordingSink(): DecoderSink & {
  scans: DecodedScan[];
  problems: Array<{ code: ScannerErrorCode; message: string }>;
  raws(): string[];
} {
  const scans: DecodedScan[] = [];
  const problems: Array<{ code: ScannerErrorCode; message: string }> = [];
  return {
    scans,
    problems,
    scan: (s) => scans.push(s),
    problem: (code, message) => problems.push({ code, message }),
    raws: () => scans.map((s) => s.raw),
  };
}

/** A real pino logger (with the project's redaction) writing JSON lines into memory. */
export function capturedLogger(level = "debug"): { logger: Logger; lines: () => string[]; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  const logger = createLogger({ level, destination });
  const text = () => chunks.join("");
  return {
    logger,
    text,
    lines: () =>
      text()
        .split("\n")
        .filter((l) => l !== ""),
  };
}

/** Resolves with the next `count` emissions of `event`; rejects after `timeoutMs`. */
export function nextEvents<T>(
  emitter: { on(e: string, l: (v: T) => void): unknown; off(e: string, l: (v: T) => void): unknown },
  event: string,
  count = 1,
  timeoutMs = 5000,
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const seen: T[] = [];
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} "${event}" events (got ${seen.length})`));
    }, timeoutMs);
    const listener = (value: T) => {
      seen.push(value);
      if (seen.length < count) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(seen);
    };
    emitter.on(event, listener);
  });
}

/** Resolves with the first value of `event` that satisfies `predicate`. */
export function waitForEvent<T>(
  emitter: { on(e: string, l: (v: T) => void): unknown; off(e: string, l: (v: T) => void): unknown },
  event: string,
  predicate: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for a matching "${event}" event`));
    }, timeoutMs);
    const listener = (value: T) => {
      if (!predicate(value)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(value);
    };
    emitter.on(event, listener);
  });
}

export const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** Valid library barcodes (14-digit Codabar, mod 10 check digit computed independently with Python). */
export const CODES = {
  /** Dynix/Ameritech worked example. */
  item: "33191000105864",
  item2: "30000000000012",
  patron: "23191000105866",
  patron2: "21234567890124",
  /** The ISBN-13 example from the ISBN users' manual. */
  isbn: "9780306406157",
} as const;
