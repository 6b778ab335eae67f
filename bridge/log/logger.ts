import { type Logger, type LoggerOptions, pino } from "pino";
import { REDACTED } from "../../protocols/sip2/redact.ts";

/**
 * Patron identity is masked where a log entry is built, by structure, not by pino's wildcard redaction
 * paths (those cost about 50 µs of CPU per line, ten times the line itself):
 * - a SIP2 message is logged through `redactSip2Fields` (protocols/sip2), which masks its identity fields;
 * - anything else about a patron (an id, a name, a whole record) goes under the `patron` key of a log
 *   entry, which this logger prints as "[redacted]": `log.info({ patron: id, items: 3 }, "checkout")`.
 * Nothing else is inspected, so an identity put under another key is logged as it is.
 */
export const PATRON_KEY = "patron";

export interface LoggerSettings {
  level?: string;
  name?: string;
  /** Only for debugging on a test system: print the `patron` key as it is. */
  unredacted?: boolean;
  destination?: NodeJS.WritableStream;
  /**
   * Write stdout in blocks of about 4 KB, at least every `flushMs`, instead of one write per line (pino's
   * "asynchronous logging", docs/asynchronous.md). For a process that logs every request: the default
   * hands each line to libuv's thread pool on its own, which costs two thread switches a line. Lines
   * still buffered are written when the process exits (pino flushes on exit), not when it is killed.
   */
  bufferedStdout?: { flushMs: number };
}

/** Bytes of log lines collected before one write, as in pino's asynchronous logging example. */
const LOG_BLOCK_BYTES = 4096;

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? process.env.LOG_LEVEL ?? "info",
    base: settings.name ? { name: settings.name } : null,
    // A serializer runs only for lines that have its key, so the mask costs nothing elsewhere.
    ...(settings.unredacted ? {} : { serializers: { [PATRON_KEY]: () => REDACTED } }),
  };
  if (settings.destination) return pino(options, settings.destination);
  if (settings.bufferedStdout) {
    const { flushMs } = settings.bufferedStdout;
    return pino(options, pino.destination({ fd: 1, sync: false, minLength: LOG_BLOCK_BYTES, periodicFlush: flushMs }));
  }
  return pino(options);
}

export type { Logger };
