/**
 * The config `options` of the scanner models, with the defaults and limits the driver (index.ts) uses:
 * one schema, read by the config loader and by the driver alike. Defaults that depend on another option
 * (the idle gap that ends a code without a suffix) are the driver's.
 */
import { Type } from "@sinclair/typebox";
import { CHECK_DIGIT_ALGORITHM_NAMES } from "../../../protocols/barcode/check-digits.ts";
import { KEYBOARD_LAYOUTS, type KeyboardLayoutName } from "../../../protocols/barcode/keyboard-layouts.ts";
import { closedObject as closed, oneOf } from "../../config/schema.ts";
import { KEYBOARD_TERMINATORS } from "./hid-keyboard.ts";
import { LINE_SUFFIXES, TEXT_ENCODINGS } from "./serial-line.ts";

/** Timer values fit Node's 32-bit timers; `value` is the default, where there is one. */
const milliseconds = (minimum: number, value?: number) =>
  Type.Optional(Type.Integer({ minimum, maximum: 2 ** 31 - 1, ...(value === undefined ? {} : { default: value }) }));
const byte = (value?: number) =>
  Type.Optional(
    Type.Integer({ minimum: 0, maximum: 255, acceptHex: true, ...(value === undefined ? {} : { default: value }) }),
  );
/** A partial code idle this long is dropped; 0 would drop every code before it ends. */
const staleTimeoutMs = milliseconds(1, 1000);

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
  /** The same code again within this window is one scan (0 = off). */
  duplicateWindowMs: milliseconds(0, 1000),
  /** Longest accepted code (bytes or characters). */
  maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 1 << 20, default: 1024 })),
  /** The scanner prefixes AIM symbology identifiers. Default false. */
  aim: Type.Optional(Type.Boolean()),
};

export const SerialLineOptionsSchema = closed({
  ...COMMON,
  /** CR also reads CR LF. */
  suffix: Type.Optional(oneOf(LINE_SUFFIXES, { default: "CR" })),
  /** Default: 50 ms with suffix "none", else 0 (off). */
  interCharTimeoutMs: milliseconds(0),
  staleTimeoutMs,
  encoding: Type.Optional(oneOf(TEXT_ENCODINGS, { default: "latin1" })),
});

export const HidPosOptionsSchema = closed({
  ...COMMON,
  /** Report ID of the scanned-data report. */
  reportId: byte(0x02),
  staleTimeoutMs,
});

export const HidKeyboardOptionsSchema = closed({
  ...COMMON,
  layout: Type.Optional(oneOf(Object.keys(KEYBOARD_LAYOUTS) as KeyboardLayoutName[], { default: "us" })),
  terminator: Type.Optional(oneOf(KEYBOARD_TERMINATORS, { default: "enter" })),
  /** Default: 50 ms with terminator "none", else 0 (off). */
  interKeyTimeoutMs: milliseconds(0),
  staleTimeoutMs,
  /** Report ID prefixing each keyboard report, for composite devices. Default: none. */
  reportId: byte(),
});
