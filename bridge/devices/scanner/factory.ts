/**
 * The scanner rows for the device factories table (bridge/devices/factories.ts): per model its
 * transports, serial line defaults, the schema of its config `options` and how to build the driver.
 * The schemas check names, types and ranges; defaults stay in one place, createBarcodeScanner(), which
 * also checks the options again, so a driver built by hand gets the same errors.
 */
import { Type } from "@sinclair/typebox";
import { CHECK_DIGIT_ALGORITHM_NAMES } from "../../../protocols/barcode/check-digits.ts";
import { KEYBOARD_LAYOUTS, type KeyboardLayoutName } from "../../../protocols/barcode/keyboard-layouts.ts";
import { closedObject as closed, oneOf } from "../../config/schema.ts";
import type { DeviceFactory, DriverContext } from "../driver-factory.ts";
import { KEYBOARD_TERMINATORS } from "./hid-keyboard.ts";
import { createBarcodeScanner, type ScannerConfig } from "./index.ts";
import type { ScannerModel } from "./scanner.ts";
import { LINE_SUFFIXES, TEXT_ENCODINGS } from "./serial-line.ts";

const milliseconds = Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }));
const byte = Type.Optional(Type.Integer({ minimum: 0, maximum: 255, acceptHex: true }));

/** protocols/barcode/classify.ts ClassifyRule, as config. */
const ClassifyRuleSchema = closed({
  kind: oneOf(["patron", "item"] as const),
  pattern: Type.Optional(Type.String({ minLength: 1 })),
  prefix: Type.Optional(Type.String({ minLength: 1 })),
  length: Type.Optional(
    Type.Union([
      Type.Integer({ minimum: 1 }),
      closed({ min: Type.Integer({ minimum: 1 }), max: Type.Integer({ minimum: 1 }) }),
    ]),
  ),
  checkDigit: Type.Optional(oneOf(CHECK_DIGIT_ALGORITHM_NAMES)),
  name: Type.Optional(Type.String()),
});

const COMMON = {
  /** Patron/item rules, first match wins. Default: 14-digit library Codabar (2… patron, 3… item). */
  rules: Type.Optional(Type.Array(ClassifyRuleSchema, { minItems: 1 })),
  /** The same code again within this window is one scan (0 = off). Default 1000. */
  duplicateWindowMs: milliseconds,
  /** Default 1024. */
  maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 1 << 20 })),
  /** The scanner prefixes AIM symbology identifiers. Default false. */
  aim: Type.Optional(Type.Boolean()),
};

export const SerialLineOptionsSchema = closed({
  ...COMMON,
  /** Default "CR" (also reads CR LF). */
  suffix: Type.Optional(oneOf(LINE_SUFFIXES)),
  /** Default: 50 ms with suffix "none", else off. */
  interCharTimeoutMs: milliseconds,
  /** Default 1000. */
  staleTimeoutMs: milliseconds,
  /** Default "latin1". */
  encoding: Type.Optional(oneOf(TEXT_ENCODINGS)),
});

export const HidPosOptionsSchema = closed({
  ...COMMON,
  /** Default 0x02. */
  reportId: byte,
  staleTimeoutMs: milliseconds,
});

export const HidKeyboardOptionsSchema = closed({
  ...COMMON,
  /** Default "us". */
  layout: Type.Optional(oneOf(Object.keys(KEYBOARD_LAYOUTS) as KeyboardLayoutName[])),
  /** Default "enter". */
  terminator: Type.Optional(oneOf(KEYBOARD_TERMINATORS)),
  /** Default: 50 ms with terminator "none", else off. */
  interKeyTimeoutMs: milliseconds,
  staleTimeoutMs: milliseconds,
  reportId: byte,
});

function build<M extends ScannerModel>(model: M) {
  return (context: DriverContext<Record<string, unknown>>) =>
    createBarcodeScanner({ ...context.options, id: context.id, model } as ScannerConfig, {
      transport: context.transport,
      logger: context.logger,
      clock: context.clock,
    });
}

/** Rows for DEVICE_FACTORIES. */
export const SCANNER_FACTORIES: readonly DeviceFactory[] = [
  {
    kind: "scanner",
    model: "serial-line",
    summary: "Serial barcode scanner (RS-232 or USB serial), one code per line",
    // A serial scanner may also sit behind a TCP serial server.
    transports: ["serial", "tcp"],
    // Most serial scanners ship at 9600 8N1 (e.g. Unitech); Honeywell's RS-232 code sets 115200.
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
