/**
 * Barcode scanners: one driver (BarcodeScanner, kind "scanner") for three models, chosen by config.
 *
 *   serial-line   RS-232 / USB-serial scanners that send each code with a suffix (CR, LF, CR LF or none)
 *   hid-pos       USB HID POS scanners (usage page 0x8C), opened as a HID device
 *   hid-keyboard  keyboard-wedge scanners read as a HID device (hidraw on Linux), layout us or de
 */

import type { TObject } from "@sinclair/typebox";
import { type ClassifyRule, createClassifier, DEFAULT_LIBRARY_RULES } from "../../../protocols/barcode/classify.ts";
import { KEYBOARD_LAYOUTS, type KeyboardLayoutName } from "../../../protocols/barcode/keyboard-layouts.ts";
import { describeError } from "../../../protocols/errors.ts";
import type { Logger } from "../../log/logger.ts";
import { type Clock, systemClock } from "../../transports/clock.ts";
import type { Transport } from "../../transports/transport.ts";
import { integerOption } from "../options.ts";
import type { DecoderSink, ScanDecoder } from "./decoder.ts";
import { ScannerError } from "./errors.ts";
import { HidKeyboardDecoder, KEYBOARD_TERMINATORS, type KeyboardTerminator } from "./hid-keyboard.ts";
import { HidPosDecoder } from "./hid-pos.ts";
import { HidKeyboardOptionsSchema, HidPosOptionsSchema, SerialLineOptionsSchema } from "./options.ts";
import { BarcodeScanner, SCANNER_MODELS, type ScannerModel } from "./scanner.ts";
import { LINE_SUFFIXES, type LineSuffix, SerialLineDecoder, TEXT_ENCODINGS, type TextEncoding } from "./serial-line.ts";

export type { DecodedScan, DecoderSink, ScanDecoder } from "./decoder.ts";
export { ScannerError, type ScannerErrorCode } from "./errors.ts";
export { HidKeyboardDecoder, type HidKeyboardSettings, KEYBOARD_TERMINATORS } from "./hid-keyboard.ts";
export { HidPosDecoder, type HidPosSettings } from "./hid-pos.ts";
export { IdleTimer } from "./idle-timer.ts";
export {
  BarcodeScanner,
  type BarcodeScannerParts,
  DEFAULT_SELF_TEST_TIMEOUT_MS,
  SCANNER_MODELS,
  type ScanEvent,
  type ScannerEvents,
  type ScannerModel,
} from "./scanner.ts";
export { LINE_SUFFIXES, SerialLineDecoder, type SerialLineSettings, TEXT_ENCODINGS } from "./serial-line.ts";

interface CommonScannerConfig {
  /** The device id from the config, e.g. "scanner". */
  id: string;
  /** Classification rules; default: 14-digit library Codabar (2… patron, 3… item). */
  rules?: readonly ClassifyRule[];
  /** The same code within this window is one scan. Default 1000 ms; 0 turns suppression off. */
  duplicateWindowMs?: number;
  /** Longest accepted code. Default 1024 (bytes or characters). */
  maxLength?: number;
  /** The scanner prefixes AIM identifiers ("]C0"): malformed ones drop the scan. Default false. */
  aim?: boolean;
}

export interface SerialLineScannerConfig extends CommonScannerConfig {
  model: "serial-line";
  /** Default "CR". */
  suffix?: LineSuffix;
  /** Idle gap that completes a code. Default 50 ms with suffix "none", else 0 (off). */
  interCharTimeoutMs?: number;
  /** A partial code idle this long is dropped (when the inter-character timeout is off). Default 1000 ms. */
  staleTimeoutMs?: number;
  /** Default "latin1". */
  encoding?: TextEncoding;
}

export interface HidPosScannerConfig extends CommonScannerConfig {
  model: "hid-pos";
  /** Report ID of the scanned-data report. Default 0x02. */
  reportId?: number;
  /** A multi-report code whose next report does not come in this time is dropped. Default 1000 ms. */
  staleTimeoutMs?: number;
}

export interface HidKeyboardScannerConfig extends CommonScannerConfig {
  model: "hid-keyboard";
  /** The keyboard layout the scanner is set to. Default "us". */
  layout?: KeyboardLayoutName;
  /** Default "enter". */
  terminator?: KeyboardTerminator;
  /** Pause between key reports that ends a code. Default 50 ms with terminator "none", else 0 (off). */
  interKeyTimeoutMs?: number;
  /** Typed text without a terminator is dropped after this pause (when the inter-key timeout is off). Default 1000 ms. */
  staleTimeoutMs?: number;
  /** Report ID prefixing each keyboard report, for composite devices. Default: none. */
  reportId?: number;
}

export type ScannerConfig = SerialLineScannerConfig | HidPosScannerConfig | HidKeyboardScannerConfig;

export interface ScannerDependencies {
  /** Usually a ReconnectingTransport around a serial or HID transport factory. */
  transport: Transport;
  logger: Logger;
  clock?: Clock;
}

/** The idle gap that ends a code when nothing else does (no suffix, no terminator). */
const DEFAULT_IDLE_COMPLETION_MS = 50;

type MakeDecoder = (sink: DecoderSink, clock: Clock) => ScanDecoder;

/** Per model: its options schema (every key, default and limit), and how its decoder is made from a checked config. */
const MODELS: {
  [M in ScannerModel]: {
    schema: TObject;
    decoder(config: Extract<ScannerConfig, { model: M }>, check: OptionChecker, maxLength: number): MakeDecoder;
  };
} = {
  "serial-line": {
    schema: SerialLineOptionsSchema,
    decoder(_config, check, maxLength) {
      const suffix = check.oneOf("suffix", LINE_SUFFIXES, "CR");
      const defaultIdle = suffix === "none" ? DEFAULT_IDLE_COMPLETION_MS : 0;
      const settings = {
        suffix,
        interCharTimeoutMs: check.integer("interCharTimeoutMs", defaultIdle),
        staleTimeoutMs: check.integer("staleTimeoutMs"),
        encoding: check.oneOf("encoding", TEXT_ENCODINGS, "latin1"),
        maxLength,
      };
      if (settings.suffix === "none" && settings.interCharTimeoutMs === 0) {
        throw check.error("interCharTimeoutMs", 'must be > 0 when suffix is "none", or codes would never end');
      }
      return (sink, clock) => new SerialLineDecoder(settings, sink, clock);
    },
  },
  "hid-pos": {
    schema: HidPosOptionsSchema,
    decoder(_config, check, maxLength) {
      const settings = {
        reportId: check.integer("reportId"),
        staleTimeoutMs: check.integer("staleTimeoutMs"),
        maxLength,
      };
      return (sink, clock) => new HidPosDecoder(settings, sink, clock);
    },
  },
  "hid-keyboard": {
    schema: HidKeyboardOptionsSchema,
    decoder(config, check, maxLength) {
      const terminator = check.oneOf("terminator", KEYBOARD_TERMINATORS, "enter");
      const defaultIdle = terminator === "none" ? DEFAULT_IDLE_COMPLETION_MS : 0;
      const layoutNames = Object.keys(KEYBOARD_LAYOUTS) as KeyboardLayoutName[];
      const settings = {
        layout: check.oneOf("layout", layoutNames, "us"),
        terminator,
        interKeyTimeoutMs: check.integer("interKeyTimeoutMs", defaultIdle),
        staleTimeoutMs: check.integer("staleTimeoutMs"),
        maxLength,
        ...(config.reportId === undefined ? {} : { reportId: check.integer("reportId") }),
      };
      if (terminator === "none" && settings.interKeyTimeoutMs === 0) {
        throw check.error("interKeyTimeoutMs", 'must be > 0 when terminator is "none", or codes would never end');
      }
      return (sink, clock) => new HidKeyboardDecoder(settings, sink, clock);
    },
  },
};

/**
 * Builds a scanner driver from its config. Throws SCANNER_BAD_OPTIONS naming the option when the config
 * is unusable (unknown model or option, wrong type or range, or a classification rule that does not compile).
 */
export function createBarcodeScanner(config: ScannerConfig, deps: ScannerDependencies): BarcodeScanner {
  if (typeof config !== "object" || config === null) {
    throw new ScannerError("SCANNER_BAD_OPTIONS", "Scanner config must be an object with at least id and model.");
  }
  const id = typeof config.id === "string" && config.id !== "" ? config.id : undefined;
  if (id === undefined) throw new OptionChecker("(unnamed)", config).error("id", "must be a non-empty string");
  const model = new OptionChecker(id, config).oneOf("model", SCANNER_MODELS, undefined);
  const schema = MODELS[model].schema;
  const check = new OptionChecker(id, config, schema);
  const known = new Set(["id", "model", ...Object.keys(schema.properties)]);
  for (const key of Object.keys(config)) {
    if (!known.has(key))
      throw check.error(key, `is not an option of the ${model} model (options: ${[...known].join(", ")})`);
  }
  const maxLength = check.integer("maxLength");
  const duplicateWindowMs = check.integer("duplicateWindowMs");
  const aim = check.boolean("aim", false);
  let classifier: ReturnType<typeof createClassifier>;
  try {
    classifier = createClassifier(config.rules ?? DEFAULT_LIBRARY_RULES);
  } catch (err) {
    throw check.error("rules", `are not usable: ${describeError(err)}`);
  }
  const build = MODELS[model].decoder as (c: ScannerConfig, k: OptionChecker, m: number) => MakeDecoder;
  return new BarcodeScanner({
    id,
    model,
    transport: deps.transport,
    makeDecoder: build(config, check, maxLength),
    classifier,
    duplicateWindowMs,
    aim,
    logger: deps.logger,
    clock: deps.clock ?? systemClock,
  });
}

/** Reads optional config values with defaults; every failure names the scanner and the option. */
class OptionChecker {
  readonly #id: string;
  readonly #config: Record<string, unknown>;
  readonly #schema: TObject | undefined;

  constructor(id: string, config: object, schema?: TObject) {
    this.#id = id;
    this.#config = config as Record<string, unknown>;
    this.#schema = schema;
  }

  error(key: string, problem: string, showValue = true): ScannerError {
    const got = showValue && key in this.#config ? ` (got ${safeJson(this.#config[key])})` : "";
    return new ScannerError("SCANNER_BAD_OPTIONS", `Scanner "${this.#id}": option "${key}" ${problem}${got}.`, {
      device: this.#id,
      option: key,
    });
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T | undefined): T {
    const value = this.#config[key];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
    throw this.error(key, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
  }

  /** A whole number within the schema's limits; missing, `fallback` or else the schema's default. */
  integer(key: string, fallback?: number): number {
    if (!this.#schema) throw this.error(key, "cannot be checked before the model is known");
    const value = this.#config[key];
    // integerOption's problem already says what it got.
    return integerOption(this.#schema, key, value === undefined ? fallback : (value as number), (k, problem) =>
      this.error(k, problem, false),
    );
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.#config[key];
    if (value === undefined) return fallback;
    if (typeof value === "boolean") return value;
    throw this.error(key, "must be true or false");
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
