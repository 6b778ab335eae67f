import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HidKeyboardDecoder, type HidKeyboardSettings } from "../../../../bridge/devices/scanner/hid-keyboard.ts";
import { VirtualClock } from "../../../support/virtual-clock.ts";
import { recordingSink } from "./helpers.ts";

// Boot keyboard reports written by hand from the HID Usage Tables (keyboard page 0x07) and the German
// layout (DIN 2137: Z on usage 0x1C, Y on 0x1D; AltGr = Right Alt, modifier bit 0x40; @ = AltGr+Q,
// € = AltGr+E, { } = AltGr+7/0, \ = AltGr+ß, | = AltGr+<, ~ = AltGr++), not by our encoder.
const NONE = 0x00;
const SHIFT = 0x02;
const ALTGR = 0x40;
const press = (modifiers: number, usage: number) => Uint8Array.of(modifiers, 0, usage, 0, 0, 0, 0, 0);
const RELEASE = new Uint8Array(8);
const ENTER = 0x28;
const TAB = 0x2b;

/** Key strokes as [modifiers, usage] → press/release report pairs, as a scanner sends them. */
const typed = (strokes: Array<[number, number]>) => strokes.flatMap(([m, u]) => [press(m, u), RELEASE]);

const GERMAN_CODE = "Zy-ü@€{}\\|~ÄÖß";
const GERMAN_STROKES: Array<[number, number]> = [
  [SHIFT, 0x1c], // Z
  [NONE, 0x1d], // y
  [NONE, 0x38], // -
  [NONE, 0x2f], // ü
  [ALTGR, 0x14], // @
  [ALTGR, 0x08], // €
  [ALTGR, 0x24], // {
  [ALTGR, 0x27], // }
  [ALTGR, 0x2d], // \
  [ALTGR, 0x64], // |
  [ALTGR, 0x30], // ~
  [SHIFT, 0x34], // Ä
  [SHIFT, 0x33], // Ö
  [NONE, 0x2d], // ß
];

const SETTINGS: HidKeyboardSettings = {
  layout: "de",
  terminator: "enter",
  interKeyTimeoutMs: 0,
  staleTimeoutMs: 1000,
  maxLength: 64,
};

function decoder(settings: Partial<HidKeyboardSettings> = {}) {
  const clock = new VirtualClock();
  const sink = recordingSink();
  return { clock, sink, d: new HidKeyboardDecoder({ ...SETTINGS, ...settings }, sink, clock) };
}

const feedAll = (d: HidKeyboardDecoder, reports: Uint8Array[]) => {
  for (const r of reports) d.feed(r);
};

describe("keyboard-wedge decoder", () => {
  it("German layout: y/z, umlauts, ß and AltGr characters", async () => {
    const { sink, d } = decoder();
    feedAll(d, typed([...GERMAN_STROKES, [NONE, ENTER]]));
    expect(sink.raws()).toEqual([GERMAN_CODE]);
    expect(sink.problems).toEqual([]);
  });

  it("the same reports read with the US layout swap y and z: the layout setting matters", async () => {
    const { sink, d } = decoder({ layout: "us" });
    feedAll(
      d,
      typed([
        [NONE, 0x1c],
        [NONE, 0x1d],
        [NONE, ENTER],
      ]),
    );
    expect(sink.raws()).toEqual(["yz"]);
    const de = decoder();
    feedAll(
      de.d,
      typed([
        [NONE, 0x1c],
        [NONE, 0x1d],
        [NONE, ENTER],
      ]),
    );
    expect(de.sink.raws()).toEqual(["zy"]);
  });

  it("German dead keys: ´ then e gives é; ^ then space gives ^", async () => {
    const { sink, d } = decoder();
    feedAll(
      d,
      typed([
        [NONE, 0x2e],
        [NONE, 0x08],
        [NONE, 0x35],
        [NONE, 0x2c],
        [NONE, 0x1e],
        [NONE, ENTER],
      ]),
    );
    expect(sink.raws()).toEqual(["é^1"]);
  });

  it("Tab ends a code too; key-up reports and held keys do not repeat characters", async () => {
    const { sink, d } = decoder({ layout: "us" });
    // "a" held over two reports, then released; then Tab.
    feedAll(d, [press(0, 0x04), press(0, 0x04), RELEASE, press(0, 0x05), RELEASE, press(0, TAB), RELEASE]);
    expect(sink.raws()).toEqual(["ab"]);
  });

  it("terminator none: a pause longer than the inter-key timeout ends the code", async () => {
    const { clock, sink, d } = decoder({ layout: "us", terminator: "none", interKeyTimeoutMs: 50 });
    for (const r of typed([
      [NONE, 0x1e],
      [NONE, 0x1f],
      [NONE, 0x20],
    ])) {
      d.feed(r);
      await clock.advance(8);
    }
    expect(sink.scans).toEqual([]);
    await clock.advance(50);
    for (const r of typed([[NONE, 0x21]])) d.feed(r);
    await clock.advance(50);
    expect(sink.raws()).toEqual(["123", "4"]);
  });

  it("typed text without terminator goes stale and is dropped with SCANNER_PARTIAL_CODE", async () => {
    const { clock, sink, d } = decoder({ layout: "us" });
    feedAll(
      d,
      typed([
        [NONE, 0x1e],
        [NONE, 0x1f],
      ]),
    );
    await clock.advance(1000);
    expect(sink.scans).toEqual([]);
    expect(sink.problems.map((p) => p.code)).toEqual(["SCANNER_PARTIAL_CODE"]);
    expect(sink.problems[0]?.message).toMatch(/2 characters.*send Enter/);
  });

  it("a key the layout cannot map drops the whole code (it would be wrong), then scanning goes on", async () => {
    const { sink, d } = decoder({ layout: "us" });
    feedAll(
      d,
      typed([
        [NONE, 0x1e],
        [NONE, 0x3a],
        [NONE, 0x1f],
        [NONE, ENTER],
      ]),
    ); // 0x3a = F1
    feedAll(
      d,
      typed([
        [NONE, 0x20],
        [NONE, ENTER],
      ]),
    );
    expect(sink.raws()).toEqual(["3"]);
    expect(sink.problems.map((p) => p.code)).toEqual(["BARCODE_UNKNOWN_KEY", "SCANNER_CODE_DROPPED"]);
  });

  it("rollover and malformed reports are problems; a code they touched is dropped", async () => {
    const { sink, d } = decoder({ layout: "us" });
    feedAll(d, [press(0, 0x1e), RELEASE, Uint8Array.of(0, 0, 1, 1, 1, 1, 1, 1), press(0, ENTER), RELEASE]);
    feedAll(d, [Uint8Array.of(1, 2, 3), press(0, 0x1f), RELEASE, press(0, ENTER), RELEASE]);
    expect(sink.scans).toEqual([]);
    expect(sink.problems.map((p) => p.code)).toEqual([
      "BARCODE_ROLLOVER",
      "SCANNER_CODE_DROPPED",
      "BARCODE_BAD_REPORT",
      "SCANNER_CODE_DROPPED",
    ]);
  });

  it("an over-long code is cut and its tail is not passed on as a code", async () => {
    const { sink, d } = decoder({ layout: "us", maxLength: 4 });
    feedAll(
      d,
      typed([
        [NONE, 0x1e],
        [NONE, 0x1f],
        [NONE, 0x20],
        [NONE, 0x21],
        [NONE, 0x22],
        [NONE, 0x23],
        [NONE, ENTER],
      ]),
    );
    feedAll(
      d,
      typed([
        [NONE, 0x1e],
        [NONE, ENTER],
      ]),
    );
    expect(sink.raws()).toEqual(["1"]);
    expect(sink.problems.map((p) => p.code)).toEqual(["BARCODE_TOO_LONG", "SCANNER_CODE_DROPPED"]);
  });

  it("with a report ID configured, strips it and rejects reports with another", async () => {
    const { sink, d } = decoder({ layout: "us", reportId: 1 });
    const withId = (r: Uint8Array) => Uint8Array.from([1, ...r]);
    feedAll(
      d,
      typed([
        [NONE, 0x1e],
        [NONE, ENTER],
      ]).map(withId),
    );
    d.feed(Uint8Array.from([2, ...press(0, 0x1f)]));
    expect(sink.raws()).toEqual(["1"]);
    expect(sink.problems.map((p) => p.code)).toEqual(["BARCODE_BAD_REPORT"]);
  });

  it("reset() forgets held keys and typed text", async () => {
    const { sink, d } = decoder({ layout: "us" });
    d.feed(press(0, 0x1e));
    d.reset();
    feedAll(d, [press(0, 0x1e), RELEASE, press(0, ENTER), RELEASE]);
    expect(sink.raws()).toEqual(["1"]);
  });

  it("random reports never throw; only typed problems come out and timers settle", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ minLength: 8, maxLength: 8 })), {
          maxLength: 30,
        }),
        fc.constantFrom("us", "de" as const),
        fc.constantFrom("enter", "none" as const),
        async (reports, layout, terminator) => {
          const { clock, sink, d } = decoder({ layout, terminator, interKeyTimeoutMs: terminator === "none" ? 50 : 0 });
          for (const r of reports) {
            d.feed(r);
            await clock.advance(5);
          }
          await clock.advance(2000);
          expect(clock.pendingTimers).toBe(0);
          for (const s of sink.scans) expect(s.raw).not.toBe("");
          for (const p of sink.problems) {
            expect([
              "BARCODE_BAD_REPORT",
              "BARCODE_UNKNOWN_KEY",
              "BARCODE_ROLLOVER",
              "BARCODE_TOO_LONG",
              "SCANNER_CODE_DROPPED",
              "SCANNER_PARTIAL_CODE",
            ]).toContain(p.code);
          }
        },
      ),
    );
  });
});
