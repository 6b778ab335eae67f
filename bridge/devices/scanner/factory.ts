/**
 * The scanner rows for the device factories table (bridge/devices/factories.ts): per model its
 * transports, serial line defaults, the schema of its config `options` (defaults filled in by the
 * loader) and how to build the driver. createBarcodeScanner() checks the same options again, so a
 * driver built by hand gets the same errors.
 */
import { type Static, type TObject, type TProperties, Type } from "@sinclair/typebox";
import { CHECK_DIGIT_ALGORITHM_NAMES } from "../../../protocols/barcode/check-digits.ts";
import { KEYBOARD_LAYOUTS, type KeyboardLayoutName } from "../../../protocols/barcode/keyboard-layouts.ts";
import { oneOf } from "../../config/schema.ts";
import type { DeviceFactory, DriverContext } from "../factories.ts";
import { KEYBOARD_TERMINATORS } from "./hid-keyboard.ts";
import { createBarcodeScanner, DEFAULT_DUPLICATE_WINDOW_MS, DEFAULT_MAX_LENGTH, type ScannerConfig } from "./index.ts";
import type { ScannerModel } from "./scanner.ts";
import { LINE_SUFFIXES, TEXT_ENCODINGS } from "./serial-line.ts";

const Milliseconds = (options: { default?: number; minimum?: number } = {}) =>
  Type.Integer({ minimum: options.minimum ?? 0, maximum: 2 ** 31 - 1, ...options });

const ClassifyRuleSchema = Type.Object(
  {
    kind: oneOf(["patron", "item"] as const),
    pattern: Type.Optional(Type.String({ minLength: 1 })),
    prefix: Type.Optional(Type.String({ minLength: 1 })),
    length: Type.Optional(
      Type.Union([
        Type.Integer({ minimum: 1 }),
        Type.Object(
          { min: Type.Integer({ minimum: 1 }), max: Type.Integer({ minimum: 1 }) },
          { additionalProperties: false },
        ),
      ]),
    ),
    checkDigit: Type.Optional(oneOf(CHECK_DIGIT_ALGORITHM_NAMES)),
    name: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const COMMON = {
  /** Classification rules, first match wins. Default: 14-digit library Codabar (2… patron, 3… item). */
  rules: Type.Optional(Type.Array(ClassifyRuleSchema)),
  duplicateWindowMs: Milliseconds({ default: DEFAULT_DUPLICATE_WINDOW_MS }),
  maxLength: Type.Integer({ minimum: 1, maximum: 1 << 20, default: DEFAULT_MAX_LENGTH }),
  aim: Type.Boolean({ default: false }),
};

const options = <P extends TProperties>(properties: P): TObject<typeof COMMON & P> =>
  Type.Object({ ...COMMON, ...properties }, { additionalProperties: false });

export const SerialLineOptionsSchema = options({
  suffix: oneOf(LINE_SUFFIXES, { default: "CR" }),
  /** Default: 50 ms with suffix "none", else off. */
  interCharTimeoutMs: Type.Optional(Milliseconds()),
  staleTimeoutMs: Milliseconds({ minimum: 1, default: 1000 }),
  encoding: oneOf(TEXT_ENCODINGS, { default: "latin1" }),
});

export const HidPosOptionsSchema = options({
  reportId: Type.Integer({ minimum: 0, maximum: 255, default: 0x02 }),
  staleTimeoutMs: Milliseconds({ minimum: 1, default: 1000 }),
});

export const HidKeyboardOptionsSchema = options({
  layout: oneOf(Object.keys(KEYBOARD_LAYOUTS) as KeyboardLayoutName[], { default: "us" }),
  terminator: oneOf(KEYBOARD_TERMINATORS, { default: "enter" }),
  /** Default: 50 ms with terminator "none", else off. */
  interKeyTimeoutMs: Type.Optional(Milliseconds()),
  staleTimeoutMs: Milliseconds({ minimum: 1, default: 1000 }),
  reportId: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
});

function build<M extends ScannerModel>(model: M) {
  return (context: DriverContext<Record<string, unknown>>) =>
    createBarcodeScanner({ ...context.options, id: context.id, model } as ScannerConfig, {
      transport: context.transport,
      logger: context.logger,
    });
}

/** Rows for DEVICE_FACTORIES. */
export const SCANNER_FACTORIES: readonly DeviceFactory[] = [
  {
    kind: "scanner",
    model: "serial-line",
    summary: "Serial barcode scanner (RS-232 or USB serial), one code per line",
    transports: ["serial"],
    serial: { baudRate: 9600, dataBits: 8, parity: "none", stopBits: 1 },
    options: SerialLineOptionsSchema,
    create: build("serial-line"),
  },
  {
    kind: "scanner",
    model: "hid-pos",
    summary: "USB HID POS barcode scanner (usage page 0x8C)",
    transports: ["hid"],
    options: HidPosOptionsSchema,
    create: build("hid-pos"),
  },
  {
    kind: "scanner",
    model: "hid-keyboard",
    summary: "USB keyboard-wedge barcode scanner, read as a HID device so keystrokes stay out of other windows",
    transports: ["hid"],
    options: HidKeyboardOptionsSchema,
    create: build("hid-keyboard"),
  },
];

export type SerialLineOptions = Static<typeof SerialLineOptionsSchema>;
export type HidPosOptions = Static<typeof HidPosOptionsSchema>;
export type HidKeyboardOptions = Static<typeof HidKeyboardOptionsSchema>;
