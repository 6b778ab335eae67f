import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BarcodeError } from "../../../protocols/barcode/errors.ts";
import {
  characterForKey,
  decodeBootReport,
  decodeKeyReports,
  encodeBootReport,
  KeyboardReportDecoder,
  MODIFIER,
  textToKeyReports,
  textToKeyStrokes,
} from "../../../protocols/barcode/hid-keyboard.ts";
import { defineKeyboardLayout, GERMAN_LAYOUT, run, US_LAYOUT } from "../../../protocols/barcode/keyboard-layouts.ts";

const bytes = (...b: number[]) => Uint8Array.from(b);
const RELEASE = bytes(0, 0, 0, 0, 0, 0, 0, 0);
const SHIFT = MODIFIER.leftShift;
const ALTGR = MODIFIER.rightAlt;

describe("boot keyboard reports", () => {
  it("encodes modifier, reserved byte and key slots (HID 1.11 appendix B)", () => {
    expect(encodeBootReport({ modifiers: SHIFT, keys: [0x04] })).toEqual(bytes(0x02, 0, 0x04, 0, 0, 0, 0, 0));
    expect(decodeBootReport(bytes(0x40, 0, 0x14, 0x15, 0, 0, 0, 0))).toEqual({ modifiers: 0x40, keys: [0x14, 0x15] });
  });

  it("rejects bad reports with BARCODE_BAD_REPORT", () => {
    expect(() => decodeBootReport(bytes(0, 0, 4))).toThrow(expect.objectContaining({ code: "BARCODE_BAD_REPORT" }));
    expect(() => encodeBootReport({ modifiers: 256, keys: [] })).toThrow(BarcodeError);
    expect(() => encodeBootReport({ modifiers: 0, keys: [1, 2, 3, 4, 5, 6, 7] })).toThrow(BarcodeError);
  });

  it("round trips any valid report", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.array(fc.integer({ min: 1, max: 255 }), { maxLength: 6 }),
        (modifiers, keys) => {
          expect(decodeBootReport(encodeBootReport({ modifiers, keys }))).toEqual({ modifiers, keys });
        },
      ),
    );
  });
});

describe("layouts", () => {
  // Usages from the HID Usage Tables, Keyboard/Keypad page 0x07.
  it.each([
    [US_LAYOUT, 0x04, 0, "a"],
    [US_LAYOUT, 0x04, SHIFT, "A"],
    [US_LAYOUT, 0x1e, 0, "1"],
    [US_LAYOUT, 0x1f, SHIFT, "@"],
    [US_LAYOUT, 0x2d, 0, "-"],
    [US_LAYOUT, 0x38, SHIFT, "?"],
    [US_LAYOUT, 0x62, 0, "0"],
    [GERMAN_LAYOUT, 0x1c, 0, "z"],
    [GERMAN_LAYOUT, 0x1d, SHIFT, "Y"],
    [GERMAN_LAYOUT, 0x14, ALTGR, "@"],
    [GERMAN_LAYOUT, 0x08, ALTGR, "€"],
    [GERMAN_LAYOUT, 0x10, MODIFIER.leftCtrl | MODIFIER.leftAlt, "µ"],
    [GERMAN_LAYOUT, 0x1f, SHIFT, '"'],
    [GERMAN_LAYOUT, 0x20, SHIFT, "§"],
    [GERMAN_LAYOUT, 0x24, SHIFT, "/"],
    [GERMAN_LAYOUT, 0x24, ALTGR, "{"],
    [GERMAN_LAYOUT, 0x2d, 0, "ß"],
    [GERMAN_LAYOUT, 0x2d, ALTGR, "\\"],
    [GERMAN_LAYOUT, 0x2f, 0, "ü"],
    [GERMAN_LAYOUT, 0x30, ALTGR, "~"],
    [GERMAN_LAYOUT, 0x32, SHIFT, "'"],
    [GERMAN_LAYOUT, 0x38, 0, "-"],
    [GERMAN_LAYOUT, 0x64, ALTGR, "|"],
    [GERMAN_LAYOUT, 0x63, 0, ","],
  ])("%#: usage %i with modifiers %i", (layout, usage, modifiers, ch) => {
    expect(characterForKey(layout, { usage, modifiers })).toBe(ch);
  });

  it("gives no character for Ctrl shortcuts or unmapped keys", () => {
    expect(characterForKey(US_LAYOUT, { usage: 0x04, modifiers: MODIFIER.leftCtrl })).toBeUndefined();
    expect(characterForKey(US_LAYOUT, { usage: 0x3a, modifiers: 0 })).toBeUndefined(); // F1
  });

  it("refuses a layout whose rows do not line up", () => {
    expect(() => defineKeyboardLayout("broken", [run(0x04, "ab", "A")])).toThrow(
      expect.objectContaining({ code: "BARCODE_BAD_LAYOUT" }),
    );
  });
});

describe("text to key reports", () => {
  it("sends press and release per character, then Enter", () => {
    expect(textToKeyReports("a1", US_LAYOUT)).toEqual([
      bytes(0, 0, 0x04, 0, 0, 0, 0, 0),
      RELEASE,
      bytes(0, 0, 0x1e, 0, 0, 0, 0, 0),
      RELEASE,
      bytes(0, 0, 0x28, 0, 0, 0, 0, 0),
      RELEASE,
    ]);
    expect(textToKeyReports("Z", GERMAN_LAYOUT, "tab")[0]).toEqual(bytes(SHIFT, 0, 0x1c, 0, 0, 0, 0, 0));
  });

  it("types accents through dead keys on the German layout", () => {
    expect(textToKeyStrokes("é", GERMAN_LAYOUT)).toEqual([
      { modifiers: 0, usage: 0x2e },
      { modifiers: 0, usage: 0x08 },
    ]);
    expect(textToKeyStrokes("^", GERMAN_LAYOUT)).toEqual([
      { modifiers: 0, usage: 0x35 },
      { modifiers: 0, usage: 0x2c },
    ]);
  });

  it("refuses characters the layout cannot type", () => {
    expect(() => textToKeyStrokes("ß", US_LAYOUT)).toThrow(
      expect.objectContaining({ code: "BARCODE_UNMAPPABLE_CHAR" }),
    );
  });
});

describe("report stream decoder", () => {
  it("decodes codes terminated by Enter or Tab", () => {
    const reports = [...textToKeyReports("33191000105864", US_LAYOUT), ...textToKeyReports("P-1", US_LAYOUT, "tab")];
    expect(decodeKeyReports(reports, US_LAYOUT)).toEqual({
      codes: ["33191000105864", "P-1"],
      pending: "",
      warnings: [],
    });
  });

  it("counts a key once while held and again after release", () => {
    const d = new KeyboardReportDecoder(US_LAYOUT);
    const a = bytes(0, 0, 0x04, 0, 0, 0, 0, 0);
    const ab = bytes(0, 0, 0x04, 0x05, 0, 0, 0, 0);
    for (const r of [a, a, ab, RELEASE, a, RELEASE]) d.feed(r);
    expect(d.flush()).toBe("aba");
    expect(d.flush()).toBeUndefined();
  });

  it("composes dead keys and handles backspace and keypad Enter", () => {
    const d = new KeyboardReportDecoder(GERMAN_LAYOUT);
    const press = (usage: number, modifiers = 0) => [bytes(modifiers, 0, usage, 0, 0, 0, 0, 0), RELEASE];
    const reports = [
      ...press(0x2e), // ´
      ...press(0x08), // e → é
      ...press(0x35), // ^
      ...press(0x2c), // space → ^
      ...press(0x05), // b
      ...press(0x2a), // backspace
      ...press(0x58), // keypad Enter
    ];
    expect(reports.flatMap((r) => d.feed(r))).toEqual([{ type: "code", text: "é^", terminator: "enter" }]);
  });

  it("warns about unknown keys, rollover and bad reports, and keeps going", () => {
    const d = new KeyboardReportDecoder(US_LAYOUT);
    const events = [
      bytes(0, 0, 0x3a, 0, 0, 0, 0, 0), // F1
      RELEASE,
      bytes(0, 0, 1, 1, 1, 1, 1, 1), // ErrorRollOver
      bytes(1, 2, 3),
      bytes(0, 0, 0x05, 0, 0, 0, 0, 0),
      RELEASE,
      bytes(0, 0, 0x28, 0, 0, 0, 0, 0),
    ].flatMap((r) => d.feed(r));
    expect(events.map((e) => (e.type === "warning" ? e.code : e.text))).toEqual([
      "BARCODE_UNKNOWN_KEY",
      "BARCODE_ROLLOVER",
      "BARCODE_BAD_REPORT",
      "b",
    ]);
  });

  it("drops input that never terminates, with a warning", () => {
    const d = new KeyboardReportDecoder(US_LAYOUT, { maxLength: 3 });
    const events = textToKeyReports("abcd", US_LAYOUT, "none").flatMap((r) => d.feed(r));
    expect(events).toEqual([expect.objectContaining({ type: "warning", code: "BARCODE_TOO_LONG" })]);
    expect(d.pending.length).toBeLessThanOrEqual(3);
  });

  it("round trips typable text on both layouts", () => {
    for (const layout of [US_LAYOUT, GERMAN_LAYOUT]) {
      const chars = [...layout.keys.values()]
        .flatMap((k) => [k.plain, k.shift, k.altGr])
        .filter((c) => c !== undefined);
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 40 }), (list) => {
          const text = list.join("");
          expect(decodeKeyReports(textToKeyReports(text, layout), layout).codes).toEqual([text]);
        }),
      );
    }
  });

  it("never throws on random reports and stays bounded", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 10 }), { maxLength: 200 }), (reports) => {
        const d = new KeyboardReportDecoder(GERMAN_LAYOUT, { maxLength: 64 });
        for (const r of reports) d.feed(r);
        expect(d.pending.length).toBeLessThanOrEqual(65);
      }),
    );
  });
});
