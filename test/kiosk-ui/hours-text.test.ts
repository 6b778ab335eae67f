/** The opening hours as the console's inputs hold them: text ↔ intervals, an exception ↔ its row of fields. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exceptionOf, intervalsText, parseIntervals, rowOf } from "../../kiosk-ui/src/staff/hours-text.ts";

const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, "0"));
const time = fc.tuple(two(23), two(59)).map(([h, m]) => `${h}:${m}`);
const interval = fc.record({ opens: time, closes: fc.oneof(time, fc.constant("24:00")) });
const day = fc
  .date({ min: new Date("2000-01-01"), max: new Date("2099-12-31"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
/** A note as the config keeps it: trimmed, never empty. */
const note = fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim() === s && s !== "");

describe("the opening hours as text", () => {
  it("reads back every list of intervals it writes", () => {
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 12 }), (intervals) => {
        expect(parseIntervals(intervalsText(intervals))).toEqual(intervals);
      }),
    );
  });

  it("reads what staff type: a hyphen or an en dash, spaces, a trailing comma; empty is closed", () => {
    expect(parseIntervals(" 09:00 - 12:30 ,13:30–19:00, ")).toEqual([
      { opens: "09:00", closes: "12:30" },
      { opens: "13:30", closes: "19:00" },
    ]);
    expect(parseIntervals("")).toEqual([]);
    // Not an interval: sent as typed, for the bridge to name at its key.
    expect(parseIntervals("9")).toEqual([{ opens: "9", closes: "" }]);
  });

  it("gives back every exception its row was made from", () => {
    const exception = fc.record(
      { date: day, until: day, hours: fc.array(interval, { maxLength: 12 }), note },
      { requiredKeys: ["date", "hours"] },
    );
    fc.assert(
      fc.property(exception, fc.nat(), (e, key) => {
        const expected = e.until === e.date ? (({ until: _, ...rest }) => rest)(e) : e;
        expect(exceptionOf(rowOf(e, key))).toEqual(expected);
      }),
    );
  });

  it("writes no `until` for one day and no empty note", () => {
    const row = { key: 1, date: "2026-12-24", until: "2026-12-24", hours: "09:00–14:00", note: "  " };
    expect(exceptionOf(row)).toEqual({ date: "2026-12-24", hours: [{ opens: "09:00", closes: "14:00" }] });
  });
});
