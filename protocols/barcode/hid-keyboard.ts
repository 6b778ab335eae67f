import { BarcodeError } from "./errors.ts";
import type { KeyboardLayout } from "./keyboard-layouts.ts";

/**
 * HID keyboard codec for barcode scanners in keyboard ("wedge") mode: 8-byte boot keyboard input
 * reports (HID 1.11 appendix B.1: modifier byte, reserved byte, six key slots), text → key
 * strokes for the simulator, and a report-stream decoder for the driver.
 */

/** Modifier byte bits (HID 1.11 §8.3; usages 0xE0..0xE7). */
export const MODIFIER = {
  leftCtrl: 0x01,
  leftShift: 0x02,
  leftAlt: 0x04,
  leftGui: 0x08,
  rightCtrl: 0x10,
  rightShift: 0x20,
  rightAlt: 0x40,
  rightGui: 0x80,
} as const;

const SHIFT = MODIFIER.leftShift | MODIFIER.rightShift;
const CTRL = MODIFIER.leftCtrl | MODIFIER.rightCtrl;
const ALT = MODIFIER.leftAlt | MODIFIER.rightAlt;

/** Keys that end a scanned code (scanners send Enter or Tab as suffix). */
export const TERMINATOR_USAGES = { enter: 0x28, tab: 0x2b } as const;
export type Terminator = keyof typeof TERMINATOR_USAGES;
const KEYPAD_ENTER = 0x58;
const BACKSPACE = 0x2a;
/** 0x01..0x03 are error codes (ErrorRollOver, POSTFail, ErrorUndefined), not keys. */
const ERROR_ROLLOVER = 0x01;
const LAST_ERROR_USAGE = 0x03;
const FIRST_MODIFIER_USAGE = 0xe0;

export const BOOT_REPORT_LENGTH = 8;

export interface BootKeyboardReport {
  modifiers: number;
  /** Up to six pressed key usages, no zeros. */
  keys: number[];
}

export interface KeyStroke {
  modifiers: number;
  usage: number;
}

export function encodeBootReport(report: BootKeyboardReport): Uint8Array {
  const { modifiers, keys } = report;
  if (!Number.isInteger(modifiers) || modifiers < 0 || modifiers > 0xff) {
    throw new BarcodeError("BARCODE_BAD_REPORT", `Modifier byte must be 0..255, got ${modifiers}`, { modifiers });
  }
  if (keys.length > 6 || keys.some((k) => !Number.isInteger(k) || k < 1 || k > 0xff)) {
    throw new BarcodeError("BARCODE_BAD_REPORT", "A boot keyboard report holds at most 6 key usages of 1..255", {
      keys,
    });
  }
  const out = new Uint8Array(BOOT_REPORT_LENGTH);
  out[0] = modifiers;
  out.set(keys, 2);
  return out;
}

export function decodeBootReport(bytes: Uint8Array): BootKeyboardReport {
  if (bytes.length !== BOOT_REPORT_LENGTH) {
    throw new BarcodeError(
      "BARCODE_BAD_REPORT",
      `Boot keyboard report must be ${BOOT_REPORT_LENGTH} bytes, got ${bytes.length}; is the device in boot protocol?`,
      { length: bytes.length },
    );
  }
  const keys: number[] = [];
  for (let i = 2; i < BOOT_REPORT_LENGTH; i++) {
    const k = bytes[i] ?? 0;
    if (k !== 0) keys.push(k);
  }
  return { modifiers: bytes[0] ?? 0, keys };
}

/** AltGr is Right Alt, or Ctrl+Alt as Windows allows. */
function isAltGr(modifiers: number): boolean {
  return (modifiers & MODIFIER.rightAlt) !== 0 || ((modifiers & CTRL) !== 0 && (modifiers & ALT) !== 0);
}

/** The character a key produces on a layout, or undefined when it produces none. */
export function characterForKey(layout: KeyboardLayout, stroke: KeyStroke): string | undefined {
  const entry = layout.keys.get(stroke.usage);
  if (!entry) return undefined;
  if (isAltGr(stroke.modifiers)) return entry.altGr;
  // Plain Ctrl or Alt combinations are shortcuts, not text.
  if ((stroke.modifiers & (CTRL | ALT)) !== 0) return undefined;
  return (stroke.modifiers & SHIFT) !== 0 ? (entry.shift ?? entry.plain) : entry.plain;
}

/**
 * Key strokes that type `text` on `layout`. Dead-key characters are typed as dead key + space;
 * accented letters missing from the layout are typed as dead key + base letter when possible.
 * Throws BARCODE_UNMAPPABLE_CHAR for a character the layout cannot produce.
 */
export function textToKeyStrokes(text: string, layout: KeyboardLayout): KeyStroke[] {
  const index = layout.strokes;
  const space = index.get(" ");
  const strokes: KeyStroke[] = [];
  for (const ch of text) {
    const direct = index.get(ch);
    if (direct) {
      strokes.push(direct);
      if (layout.deadKeys.has(ch) && space) strokes.push(space);
      continue;
    }
    const decomposed = ch.normalize("NFD");
    const base = decomposed.charAt(0);
    const mark = decomposed.slice(1);
    const deadChar = [...layout.deadKeys].find(([, m]) => m === mark)?.[0];
    const dead = deadChar === undefined ? undefined : index.get(deadChar);
    const baseStroke = index.get(base);
    if (mark.length === 1 && dead && baseStroke) {
      strokes.push(dead, baseStroke);
      continue;
    }
    throw new BarcodeError(
      "BARCODE_UNMAPPABLE_CHAR",
      `Character ${JSON.stringify(ch)} (U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}) cannot be typed on the ${layout.name} layout`,
      { char: ch, layout: layout.name },
    );
  }
  return strokes;
}

/** Press and release reports for `text`, optionally followed by a terminator key (what a scanner sends). */
export function textToKeyReports(
  text: string,
  layout: KeyboardLayout,
  terminator: Terminator | "none" = "enter",
): Uint8Array[] {
  const strokes = textToKeyStrokes(text, layout);
  if (terminator !== "none") strokes.push({ modifiers: 0, usage: TERMINATOR_USAGES[terminator] });
  const release = new Uint8Array(BOOT_REPORT_LENGTH);
  return strokes.flatMap((s) => [encodeBootReport({ modifiers: s.modifiers, keys: [s.usage] }), release.slice()]);
}

export type KeyboardDecodeEvent =
  | { type: "code"; text: string; terminator: Terminator }
  | {
      type: "warning";
      code: "BARCODE_UNKNOWN_KEY" | "BARCODE_ROLLOVER" | "BARCODE_BAD_REPORT" | "BARCODE_TOO_LONG";
      message: string;
      usage?: number;
    };

export interface KeyboardDecoderOptions {
  /** Longest code kept before the buffer is dropped with a warning (bounds memory). Default 4096. */
  maxLength?: number;
}

/**
 * Turns a stream of boot keyboard reports into scanned codes. A key counts when it appears in a
 * report and was not down in the previous one, so held keys and key-up reports do not repeat.
 * Enter, keypad Enter and Tab end a code. Never throws: bad input becomes a warning event.
 */
export class KeyboardReportDecoder {
  readonly layout: KeyboardLayout;
  private readonly maxLength: number;
  private text = "";
  private down = new Set<number>();
  private pendingDead: string | undefined;

  constructor(layout: KeyboardLayout, options: KeyboardDecoderOptions = {}) {
    this.layout = layout;
    this.maxLength = options.maxLength ?? 4096;
  }

  /** Text typed since the last terminator. */
  get pending(): string {
    return this.text + (this.pendingDead ?? "");
  }

  feed(bytes: Uint8Array): KeyboardDecodeEvent[] {
    let report: BootKeyboardReport;
    try {
      report = decodeBootReport(bytes);
    } catch (err) {
      return [{ type: "warning", code: "BARCODE_BAD_REPORT", message: (err as Error).message }];
    }
    if (report.keys.some((k) => k >= ERROR_ROLLOVER && k <= LAST_ERROR_USAGE)) {
      // Phantom state: the device cannot tell which keys are down. Keep the previous state.
      return [
        { type: "warning", code: "BARCODE_ROLLOVER", message: "Keyboard reported rollover error; report ignored" },
      ];
    }
    const events: KeyboardDecodeEvent[] = [];
    for (const usage of report.keys) {
      if (!this.down.has(usage)) this.press({ modifiers: report.modifiers, usage }, events);
    }
    this.down = new Set(report.keys);
    return events;
  }

  /** Decodes one key stroke (for drivers that get strokes rather than reports). */
  stroke(stroke: KeyStroke): KeyboardDecodeEvent[] {
    const events: KeyboardDecodeEvent[] = [];
    this.press(stroke, events);
    return events;
  }

  /** Ends the current code without a terminator (e.g. after an idle gap); undefined when nothing is pending. */
  flush(): string | undefined {
    const text = this.pending;
    this.text = "";
    this.pendingDead = undefined;
    return text === "" ? undefined : text;
  }

  private press(stroke: KeyStroke, events: KeyboardDecodeEvent[]): void {
    const { usage } = stroke;
    if (usage >= FIRST_MODIFIER_USAGE && usage <= FIRST_MODIFIER_USAGE + 7) return; // modifiers also listed as keys
    if (usage === TERMINATOR_USAGES.enter || usage === KEYPAD_ENTER || usage === TERMINATOR_USAGES.tab) {
      const terminator: Terminator = usage === TERMINATOR_USAGES.tab ? "tab" : "enter";
      events.push({ type: "code", text: this.pending, terminator });
      this.text = "";
      this.pendingDead = undefined;
      return;
    }
    if (usage === BACKSPACE) {
      if (this.pendingDead !== undefined) this.pendingDead = undefined;
      else this.text = [...this.text].slice(0, -1).join("");
      return;
    }
    const ch = characterForKey(this.layout, stroke);
    if (ch === undefined) {
      events.push({
        type: "warning",
        code: "BARCODE_UNKNOWN_KEY",
        message: `Key usage 0x${usage.toString(16).padStart(2, "0")} with modifiers 0x${stroke.modifiers.toString(16).padStart(2, "0")} gives no character on the ${this.layout.name} layout; skipped`,
        usage,
      });
      return;
    }
    this.append(ch, events);
  }

  private append(ch: string, events: KeyboardDecodeEvent[]): void {
    const dead = this.pendingDead;
    if (dead !== undefined) {
      this.pendingDead = undefined;
      const mark = this.layout.deadKeys.get(dead) ?? "";
      const composed = (ch + mark).normalize("NFC");
      // dead + space → the accent itself; dead + composable letter → accented letter; else both.
      ch = ch === " " ? dead : [...composed].length === 1 ? composed : dead + ch;
    } else if (this.layout.deadKeys.has(ch)) {
      this.pendingDead = ch;
      return;
    }
    if (this.text.length + ch.length > this.maxLength) {
      events.push({
        type: "warning",
        code: "BARCODE_TOO_LONG",
        message: `No terminator after ${this.maxLength} characters; input dropped (is the scanner's Enter suffix enabled?)`,
      });
      this.text = "";
      return;
    }
    this.text += ch;
  }
}

/** Decodes a whole list of reports at once (tests, tools). */
export function decodeKeyReports(
  reports: readonly Uint8Array[],
  layout: KeyboardLayout,
): { codes: string[]; pending: string; warnings: Extract<KeyboardDecodeEvent, { type: "warning" }>[] } {
  const decoder = new KeyboardReportDecoder(layout);
  const codes: string[] = [];
  const warnings: Extract<KeyboardDecodeEvent, { type: "warning" }>[] = [];
  for (const report of reports) {
    for (const e of decoder.feed(report)) {
      if (e.type === "code") codes.push(e.text);
      else warnings.push(e);
    }
  }
  return { codes, pending: decoder.pending, warnings };
}
