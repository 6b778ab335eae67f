/** Test helpers for the scanner driver: a recording sink, a log capture, and waiting on events. */
import { Writable } from "node:stream";
import type { DecodedScan, DecoderSink } from "../../../../bridge/devices/scanner/decoder.ts";
import type { ScannerErrorCode } from "../../../../bridge/devices/scanner/errors.ts";
import { createLogger, type Logger } from "../../../../bridge/log/logger.ts";

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

/**
 * Resolves with the next `count` emissions of `event`. No wall-clock deadline: a test that waits on
 * virtual time bounds itself with settle(), anything else with vitest's test timeout.
 */
export function nextEvents<T>(
  emitter: { on(e: string, l: (v: T) => void): unknown; off(e: string, l: (v: T) => void): unknown },
  event: string,
  count = 1,
): Promise<T[]> {
  return new Promise((resolve) => {
    const seen: T[] = [];
    const listener = (value: T) => {
      seen.push(value);
      if (seen.length < count) return;
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
): Promise<T> {
  return new Promise((resolve) => {
    const listener = (value: T) => {
      if (!predicate(value)) return;
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
