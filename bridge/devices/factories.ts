/**
 * Every device model the bridge can drive, as one table keyed by kind + model: which transports it
 * can use, its line settings, the schema of its `options` in the config file, and how to build its
 * driver from a transport. The config loader checks files against these rows; the registry builds
 * drivers with them. Adding a model is adding a row.
 */
import { type Static, type TObject, type TProperties, type TSchema, Type } from "@sinclair/typebox";
import type { Logger } from "pino";
import { CHECK_DIGIT_ALGORITHM_NAMES } from "../../protocols/barcode/check-digits.ts";
import { KEYBOARD_LAYOUTS } from "../../protocols/barcode/keyboard-layouts.ts";
import { type DeviceModelSpec, oneOf } from "../config/schema.ts";
import type { Transport } from "../transports/transport.ts";
import type { Device, DeviceKind } from "./device.ts";
import {
  createBarcodeScanner,
  KEYBOARD_TERMINATORS,
  LINE_SUFFIXES,
  type ScannerConfig,
  TEXT_ENCODINGS,
} from "./scanner/index.ts";

// biome-ignore lint/suspicious/noExplicitAny: drivers add their own events (scan, tagsChanged, alarm) to Device's
export type AnyDevice = Device<any>;

/** What a factory gets to build one driver. */
export interface DriverContext<Options> {
  /** The config id, e.g. "rfid-pad". */
  id: string;
  /** The config name for people, e.g. "RFID pad". */
  name: string;
  /**
   * The device's transport, already wrapped to reconnect by itself (not yet opened). HID transports
   * for models that need feature reports also implement FeatureReports.
   */
  transport: Transport;
  /** The config's options, checked against the row's schema with its defaults filled in. */
  options: Options;
  logger: Logger;
}

export interface DeviceFactory<S extends TSchema = TSchema> extends DeviceModelSpec {
  options: S;
  /** The driver calls sendFeatureReport/getFeatureReport (USB HID relay boards). */
  featureReports?: boolean;
  create(context: DriverContext<Static<S>>): AnyDevice;
}

/** Keeps each row's options type tied to its schema. */
function row<S extends TSchema>(factory: DeviceFactory<S>): DeviceFactory {
  return factory as unknown as DeviceFactory;
}

// ---- option schemas. Defaults stay with the drivers (one place); these check names, types and ranges.

/** A closed object: unknown option names are typos, reported with a suggestion. */
const options = <P extends TProperties>(properties: P): TObject<P> =>
  Type.Object(properties, { additionalProperties: false });
const milliseconds = Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }));
const byte = Type.Optional(Type.Integer({ minimum: 0, maximum: 255, acceptHex: true }));

/** protocols/barcode/classify.ts ClassifyRule, as config. */
const ClassifyRuleSchema = options({
  kind: oneOf(["patron", "item"]),
  pattern: Type.Optional(Type.String({ minLength: 1 })),
  prefix: Type.Optional(Type.String({ minLength: 1 })),
  length: Type.Optional(
    Type.Union([
      Type.Integer({ minimum: 1 }),
      options({ min: Type.Integer({ minimum: 1 }), max: Type.Integer({ minimum: 1 }) }),
    ]),
  ),
  checkDigit: Type.Optional(oneOf(CHECK_DIGIT_ALGORITHM_NAMES)),
  name: Type.Optional(Type.String()),
});

const scannerCommon = {
  /** Patron/item barcode rules; default 14-digit library Codabar. */
  rules: Type.Optional(Type.Array(ClassifyRuleSchema, { minItems: 1 })),
  /** The same code again within this window is one scan (0 = off). */
  duplicateWindowMs: milliseconds,
  maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 1 << 20 })),
  /** The scanner prefixes AIM symbology identifiers. */
  aim: Type.Optional(Type.Boolean()),
};

const SCANNER_OPTIONS = {
  "serial-line": options({
    ...scannerCommon,
    suffix: Type.Optional(oneOf(LINE_SUFFIXES)),
    interCharTimeoutMs: milliseconds,
    staleTimeoutMs: milliseconds,
    encoding: Type.Optional(oneOf(TEXT_ENCODINGS)),
  }),
  "hid-pos": options({ ...scannerCommon, reportId: byte, staleTimeoutMs: milliseconds }),
  "hid-keyboard": options({
    ...scannerCommon,
    layout: Type.Optional(oneOf(Object.keys(KEYBOARD_LAYOUTS) as (keyof typeof KEYBOARD_LAYOUTS)[])),
    terminator: Type.Optional(oneOf(KEYBOARD_TERMINATORS)),
    interKeyTimeoutMs: milliseconds,
    staleTimeoutMs: milliseconds,
    reportId: byte,
  }),
};

function scannerRow(model: keyof typeof SCANNER_OPTIONS, summary: string, transports: DeviceModelSpec["transports"]) {
  return row({
    kind: "scanner",
    model,
    summary,
    transports,
    // Most serial scanners ship at 9600 8N1.
    serial: { baudRate: 9600 },
    options: SCANNER_OPTIONS[model],
    create: ({ id, transport, options: o, logger }) =>
      createBarcodeScanner({ id, model, ...o } as ScannerConfig, { transport, logger }),
  });
}

export const DEVICE_FACTORIES: readonly DeviceFactory[] = [
  scannerRow("serial-line", "serial (RS-232 / USB-serial) barcode scanner, one code per line", ["serial", "tcp"]),
  scannerRow("hid-pos", "USB HID POS barcode scanner (usage page 0x8C)", ["hid"]),
  scannerRow("hid-keyboard", "keyboard-wedge barcode scanner read as a HID device", ["hid"]),
];

/** The facts the config loader needs, without the constructors. */
export const DEVICE_MODELS: readonly DeviceModelSpec[] = DEVICE_FACTORIES;

export function findFactory(
  kind: DeviceKind,
  model: string,
  factories: readonly DeviceFactory[] = DEVICE_FACTORIES,
): DeviceFactory | undefined {
  return factories.find((f) => f.kind === kind && f.model === model);
}
