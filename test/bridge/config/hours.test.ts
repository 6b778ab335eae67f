/** Opening hours in the config: the schema's shapes, then what only bridge/config/hours.ts can check. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../bridge/config/load.ts";
import { ConfigError } from "../../../bridge/config/validate.ts";

const parse = (hours: unknown) => parseConfig({ kiosk: { hours } }, "kiosk.json", { models: [] });
const problemsOf = (hours: unknown) => {
  try {
    parse(hours);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
};

describe("kiosk.hours in the config", () => {
  it("defaults to no hours: the kiosk follows none", () => {
    expect(parseConfig({}, "kiosk.json", { models: [] }).kiosk.hours).toEqual({
      whenClosed: "closed",
      returnsWhenClosed: false,
      exceptions: [],
    });
  });

  it("takes a week with a lunch closure, a day closed, holidays and special hours", () => {
    const hours = parse({
      timeZone: "Europe/Berlin",
      returnsWhenClosed: true,
      weekly: {
        monday: [
          { opens: "09:00", closes: "12:30" },
          { opens: "13:30", closes: "19:00" },
        ],
        saturday: [{ opens: "10:00", closes: "24:00" }],
        sunday: [],
      },
      exceptions: [
        { date: "2026-12-25", until: "2026-12-26", note: "Christmas" },
        { date: "2026-12-24", hours: [{ opens: "09:00", closes: "13:00" }] },
      ],
    }).kiosk.hours;
    expect(hours.exceptions[0]).toEqual({ date: "2026-12-25", until: "2026-12-26", note: "Christmas", hours: [] });
    expect(hours.weekly?.monday).toHaveLength(2);
  });

  it("names the key of every malformed time, date and zone", () => {
    expect(
      problemsOf({
        timeZone: "Europe/Berlinn",
        weekly: { monday: [{ opens: "9:00", closes: "25:00" }], funday: [] },
        exceptions: [{ date: "2026-02-30" }],
      }),
    ).toEqual([
      {
        path: "kiosk.hours.weekly.monday[0].opens",
        message: 'expected a time HH:MM from 00:00 to 23:59 ("09:00"), got "9:00"',
      },
      {
        path: "kiosk.hours.weekly.monday[0].closes",
        message: 'expected a time HH:MM from 00:01 to 24:00 ("18:30"; 24:00 is midnight), got "25:00"',
      },
      { path: "kiosk.hours.weekly.funday", message: 'unknown key; did you mean "sunday"?' },
      { path: "kiosk.hours.exceptions[0].date", message: 'expected a date YYYY-MM-DD, got "2026-02-30"' },
    ]);
    expect(problemsOf({ timeZone: "Europe/Berlinn", weekly: {} })).toEqual([
      {
        path: "kiosk.hours.timeZone",
        message: 'unknown time zone "Europe/Berlinn"; use an IANA name such as "Europe/Berlin" or "UTC"',
      },
    ]);
  });

  it("refuses an interval that closes before it opens, and overlapping intervals, naming each", () => {
    const problems = problemsOf({
      weekly: {
        tuesday: [
          { opens: "13:00", closes: "19:00" },
          { opens: "09:00", closes: "13:30" },
          { opens: "22:00", closes: "02:00" },
          { opens: "19:00", closes: "20:00" },
        ],
      },
      exceptions: [{ date: "2026-12-24", hours: [{ opens: "12:00", closes: "12:00" }] }],
    });
    expect(problems.map((p) => p.path)).toEqual([
      "kiosk.hours.weekly.tuesday[1]",
      "kiosk.hours.weekly.tuesday[2]",
      "kiosk.hours.exceptions[0].hours[0]",
    ]);
    expect(problems[0]?.message).toBe("09:00–13:30 overlaps 13:00–19:00 ([0]); join them or move one");
    expect(problems[1]?.message).toMatch(/^opens at 22:00 but closes at 02:00: the opening time must come first/);
  });

  it("refuses two exceptions for one day and a range that ends before it starts", () => {
    expect(
      problemsOf({
        weekly: {},
        exceptions: [
          { date: "2026-12-24", until: "2026-12-31" },
          { date: "2026-12-31", hours: [{ opens: "10:00", closes: "14:00" }] },
          { date: "2027-01-06", until: "2027-01-05" },
        ],
      }),
    ).toEqual([
      {
        path: "kiosk.hours.exceptions[1].date",
        message:
          "2026-12-31 already has its hours in exceptions[0] (2026-12-24 to 2026-12-31); a day can have one exception: remove one or shorten the range",
      },
      {
        path: "kiosk.hours.exceptions[2].until",
        message: "2027-01-05 is before the exception's date 2027-01-06; give the last day of the range",
      },
    ]);
  });
});
