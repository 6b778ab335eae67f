import { type Logger, type LoggerOptions, pino } from "pino";

/**
 * Keys that may carry patron identity. Their values never reach a log line:
 * SIP2 field ids (AA patron id, AD patron password, AE name, BD address, BE email, BF phone,
 * CY/DA hold patron, CO and AC passwords) and the property names our own code uses for the same data.
 */
export const REDACTED_KEYS = [
  "patronIdentifier",
  "patronId",
  "patronPassword",
  "patronName",
  "personalName",
  "pin",
  "password",
  "loginPassword",
  "terminalPassword",
  "homeAddress",
  "emailAddress",
  "homePhoneNumber",
  "holdPatronId",
  "holdPatronName",
  "AA",
  "AD",
  "AE",
  "BD",
  "BE",
  "BF",
  "CY",
  "DA",
  "CO",
  "AC",
] as const;

export interface LoggerSettings {
  level?: string;
  name?: string;
  /** Only for debugging on a test system: log patron data as it is. */
  unredacted?: boolean;
  destination?: NodeJS.WritableStream;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? process.env.LOG_LEVEL ?? "info",
    base: settings.name ? { name: settings.name } : null,
  };
  if (!settings.unredacted) {
    options.redact = { paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]), censor: "[redacted]" };
  }
  return settings.destination ? pino(options, settings.destination) : pino(options);
}

export type { Logger };
