import { BarcodeError } from "./errors.ts";

/**
 * Keyboard layouts as data: which character each HID keyboard usage (usage page 0x07, HID Usage
 * Tables §10) produces plain, with Shift and with AltGr. A scanner in keyboard mode sends usages;
 * the character depends on the layout the scanner was set to, so driver and simulator must agree.
 *
 * Rows are written as strings over consecutive usages: `run(0x04, "abc…", "ABC…")` means usage
 * 0x04 → "a" / "A", 0x05 → "b" / "B", … A space in an AltGr string means "nothing on AltGr".
 */

export interface KeyCharacters {
  plain: string;
  shift?: string;
  altGr?: string;
}

export interface KeyboardLayout {
  readonly name: string;
  readonly keys: ReadonlyMap<number, KeyCharacters>;
  /** char → the simplest key stroke typing it: plain before Shift before AltGr, lowest usage first. */
  readonly strokes: ReadonlyMap<string, { modifiers: number; usage: number }>;
  /** Dead keys: pressing one prints nothing until the next key (accent + letter, or accent + space). */
  readonly deadKeys: ReadonlyMap<string, string>;
}

export type KeyRun = { start: number; plain: string; shift?: string; altGr?: string };

export function run(start: number, plain: string, shift?: string, altGr?: string): KeyRun {
  const r: KeyRun = { start, plain };
  if (shift !== undefined) r.shift = shift;
  if (altGr !== undefined) r.altGr = altGr;
  return r;
}

/** Builds a layout from runs; every run's shift and AltGr strings must be as long as its plain string. */
export function defineKeyboardLayout(
  name: string,
  runs: readonly KeyRun[],
  deadKeys: Record<string, string> = {},
): KeyboardLayout {
  const keys = new Map<number, KeyCharacters>();
  for (const r of runs) {
    const length = [...r.plain].length;
    for (const field of ["shift", "altGr"] as const) {
      const value = r[field];
      if (value !== undefined && [...value].length !== length) {
        throw new BarcodeError(
          "BARCODE_BAD_LAYOUT",
          `Layout ${name}: the ${field} run at usage 0x${r.start.toString(16)} has ${[...value].length} characters, plain has ${length}`,
          { layout: name, usage: r.start, field },
        );
      }
    }
    [...r.plain].forEach((plain, i) => {
      const entry: KeyCharacters = { plain };
      const shift = r.shift === undefined ? undefined : [...r.shift][i];
      const altGr = r.altGr === undefined ? undefined : [...r.altGr][i];
      if (shift !== undefined) entry.shift = shift;
      if (altGr !== undefined && altGr !== " ") entry.altGr = altGr;
      keys.set(r.start + i, entry);
    });
  }
  const strokes = new Map<string, { modifiers: number; usage: number }>();
  const sorted = [...keys].sort((a, b) => a[0] - b[0]);
  // Left Shift (0x02) and Right Alt (0x40) are the modifier bits a scanner uses for these levels.
  for (const [field, modifiers] of [
    ["plain", 0],
    ["shift", 0x02],
    ["altGr", 0x40],
  ] as const) {
    for (const [usage, chars] of sorted) {
      const c = chars[field];
      if (c !== undefined && !strokes.has(c)) strokes.set(c, { modifiers, usage });
    }
  }
  return { name, keys, strokes, deadKeys: new Map(Object.entries(deadKeys)) };
}

// Usages 0x2C..0x38: Space, -, =, [, ], \, Non-US #, ;, ', `, comma, period, /.
// Keypad 0x54..0x57: / * - +; 0x59..0x63: 1..9, 0, decimal (Num Lock assumed on, Shift ignored).

/** US English (ANSI). Non-US # (0x32) reads as backslash, as Linux maps both to KEY_BACKSLASH. */
export const US_LAYOUT: KeyboardLayout = defineKeyboardLayout("us", [
  run(0x04, "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
  run(0x1e, "1234567890", "!@#$%^&*()"),
  run(0x2c, " -=[]\\\\;'`,./", ' _+{}||:"~<>?'),
  run(0x54, "/*-+", "/*-+"),
  run(0x59, "1234567890.", "1234567890."),
]);

/**
 * German (QWERTZ, DIN 2137 T1). Y and Z swap places; ´ ` ^ are dead keys. The ISO key left of
 * Z (0x64) gives < > |. Keypad decimal gives a comma.
 */
export const GERMAN_LAYOUT: KeyboardLayout = defineKeyboardLayout(
  "de",
  [
    run(
      0x04,
      "abcdefghijklmnopqrstuvwxzy",
      "ABCDEFGHIJKLMNOPQRSTUVWXZY",
      // AltGr: e → €, m → µ, q → @
      "    €       µ   @         ",
    ),
    run(0x1e, "1234567890", '!"§$%&/()=', " ²³   {[]}"),
    run(0x2c, " ß´ü+##öä^,.-", " ?`Ü*''ÖÄ°;:_", " \\  ~        "),
    run(0x54, "/*-+", "/*-+"),
    run(0x59, "1234567890,", "1234567890,"),
    run(0x64, "<", ">", "|"),
  ],
  // dead key → the combining mark it adds to the next letter
  { "´": "\u0301", "`": "\u0300", "^": "\u0302" },
);

export const KEYBOARD_LAYOUTS = { us: US_LAYOUT, de: GERMAN_LAYOUT } as const;
export type KeyboardLayoutName = keyof typeof KEYBOARD_LAYOUTS;
