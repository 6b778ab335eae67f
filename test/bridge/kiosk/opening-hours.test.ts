/**
 * Opening hours: examples across a lunch closure, midnight, exceptions and both DST changes, then a
 * property against a naive reference that reads the wall clock minute by minute.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type OpenInterval, type OpeningHoursConfig, WEEKDAYS } from "../../../bridge/config/schema.ts";
import { OpeningHours } from "../../../bridge/kiosk/opening-hours.ts";
import { CPU_BOUND_TIMEOUT_MS } from "../../support/timeouts.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

const hoursOf = (config: Partial<OpeningHoursConfig>) =>
  new OpeningHours({ whenClosed: "closed", returnsWhenClosed: false, exceptions: [], ...config });

const berlin = hoursOf({
  timeZone: "Europe/Berlin",
  weekly: {
    monday: [
      { opens: "13:30", closes: "19:00" },
      { opens: "09:00", closes: "12:30" },
    ],
    tuesday: [{ opens: "09:00", closes: "19:00" }],
    saturday: [{ opens: "20:00", closes: "24:00" }],
    sunday: [{ opens: "00:00", closes: "02:00" }],
  },
  exceptions: [
    { date: "2026-12-24", hours: [{ opens: "09:00", closes: "13:00" }], note: "Christmas Eve" },
    { date: "2026-12-25", until: "2026-12-28", hours: [] },
  ],
});

describe("opening hours", () => {
  it("follow a week with a lunch closure (Monday 7 December 2026, Berlin = UTC+1)", () => {
    expect(berlin.isOpen(at("2026-12-07T07:59:59.999Z"))).toBe(false);
    expect(berlin.isOpen(at("2026-12-07T08:00:00Z"))).toBe(true);
    expect(iso(berlin.nextChange(at("2026-12-07T08:00:00Z")))).toBe("2026-12-07T11:30:00.000Z");
    expect(berlin.isOpen(at("2026-12-07T11:30:00Z"))).toBe(false);
    expect(iso(berlin.nextChange(at("2026-12-07T11:30:00Z")))).toBe("2026-12-07T12:30:00.000Z");
    // Monday evening: closed until Tuesday 09:00.
    expect(iso(berlin.nextChange(at("2026-12-07T18:00:00Z")))).toBe("2026-12-08T08:00:00.000Z");
    expect(berlin.dayHours(at("2026-12-07T10:00:00Z"))).toEqual({
      date: "2026-12-07",
      exception: false,
      intervals: [
        { opens: "09:00", closes: "12:30" },
        { opens: "13:30", closes: "19:00" },
      ],
    });
  });

  it("stay open across midnight when Saturday closes at 24:00 and Sunday opens at 00:00", () => {
    expect(berlin.isOpen(at("2026-12-05T22:59:00Z"))).toBe(true);
    expect(berlin.isOpen(at("2026-12-05T23:00:00Z"))).toBe(true);
    expect(iso(berlin.nextChange(at("2026-12-05T19:00:00Z")))).toBe("2026-12-06T01:00:00.000Z");
  });

  it("take exceptions before the week: special hours, then a closed range, then the week again", () => {
    expect(iso(berlin.nextChange(at("2026-12-24T06:00:00Z")))).toBe("2026-12-24T08:00:00.000Z");
    expect(iso(berlin.nextChange(at("2026-12-24T08:00:00Z")))).toBe("2026-12-24T12:00:00.000Z");
    // 25–28 December closed (the 28th a Monday); Tuesday the 29th opens at 09:00.
    expect(iso(berlin.nextChange(at("2026-12-24T12:00:00Z")))).toBe("2026-12-29T08:00:00.000Z");
    expect(berlin.dayHours(at("2026-12-24T12:00:00Z"))).toMatchObject({ exception: true, note: "Christmas Eve" });
  });

  it("start an interval that begins in the hour clocks skip when the clock jumps past it (Berlin, 29 March 2026)", () => {
    const hours = hoursOf({ timeZone: "Europe/Berlin", weekly: { sunday: [{ opens: "02:30", closes: "04:00" }] } });
    // 02:00 CET (01:00Z) jumps to 03:00 CEST: 02:30 never shows on the wall clock.
    expect(hours.isOpen(at("2026-03-29T00:59:59Z"))).toBe(false);
    expect(iso(hours.nextChange(at("2026-03-29T00:30:00Z")))).toBe("2026-03-29T01:00:00.000Z");
    expect(iso(hours.nextChange(at("2026-03-29T01:00:00Z")))).toBe("2026-03-29T02:00:00.000Z");
  });

  it("open again in the repeated hour when clocks go back (Berlin, 25 October 2026)", () => {
    const hours = hoursOf({ timeZone: "Europe/Berlin", weekly: { sunday: [{ opens: "00:00", closes: "02:30" }] } });
    // 02:30 CEST = 00:30Z closes; at 01:00Z the clock shows 02:00 again (CET) and it is open until 02:30 CET.
    expect(iso(hours.nextChange(at("2026-10-24T23:00:00Z")))).toBe("2026-10-25T00:30:00.000Z");
    expect(iso(hours.nextChange(at("2026-10-25T00:30:00Z")))).toBe("2026-10-25T01:00:00.000Z");
    expect(iso(hours.nextChange(at("2026-10-25T01:00:00Z")))).toBe("2026-10-25T01:30:00.000Z");
  });

  it("are always open without a week or when the kiosk ignores them; never opening has no next change", () => {
    expect(hoursOf({}).isOpen(0)).toBe(true);
    expect(hoursOf({ weekly: {}, whenClosed: "open" }).isOpen(0)).toBe(true);
    const shut = hoursOf({ timeZone: "UTC", weekly: {} });
    expect(shut.isOpen(at("2026-12-07T10:00:00Z"))).toBe(false);
    expect(shut.nextChange(at("2026-12-07T10:00:00Z"))).toBeUndefined();
  });

  it("give the next wall-clock midnight, also on a day with a DST change", () => {
    expect(iso(berlin.nextMidnight(at("2026-12-07T10:00:00Z")))).toBe("2026-12-07T23:00:00.000Z");
    expect(iso(berlin.nextMidnight(at("2026-03-28T12:00:00Z")))).toBe("2026-03-28T23:00:00.000Z");
    expect(iso(berlin.nextMidnight(at("2026-03-29T12:00:00Z")))).toBe("2026-03-29T22:00:00.000Z");
  });
});

// ---- the property ----

/**
 * Zones with DST both ways, half-hour and 45-minute offsets, a 30-minute DST shift, and none; each with its
 * 2026 DST changes, the instants where a wrong answer hides.
 */
const ZONES: Record<string, string[]> = {
  UTC: [],
  "Asia/Kolkata": [],
  "Europe/Berlin": ["2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z"],
  "America/New_York": ["2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z"],
  "America/Santiago": ["2026-04-05T03:00:00Z", "2026-09-06T04:00:00Z"],
  "Australia/Lord_Howe": ["2026-04-04T15:00:00Z", "2026-10-03T15:30:00Z"],
  "Pacific/Chatham": ["2026-04-04T14:00:00Z", "2026-09-26T14:00:00Z"],
  "America/St_Johns": ["2026-03-08T05:30:00Z", "2026-11-01T04:30:00Z"],
};

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/**
 * Sorted distinct boundaries paired up: never overlapping, opens < closes, closes may be 24:00. Half of them
 * in the small hours, where clocks change.
 */
const day = fc
  .uniqueArray(
    fc.oneof(
      fc.integer({ min: 0, max: 48 }).map((h) => h * 30),
      fc.integer({ min: 0, max: 1440 }),
      fc.integer({ min: 0, max: 300 }),
    ),
    { maxLength: 6 },
  )
  .map((points) => {
    const sorted = [...points].sort((a, b) => a - b);
    const intervals: OpenInterval[] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) {
      intervals.push({ opens: hhmm(sorted[i] as number), closes: hhmm(sorted[i + 1] as number) });
    }
    return intervals;
  });

const DAY = 86_400_000;
const zoneAndInstant = fc
  .constantFrom(...Object.keys(ZONES))
  .chain((zone) =>
    fc.tuple(
      fc.constant(zone),
      fc.oneof(
        ...(ZONES[zone] ?? []).map((change) => fc.integer({ min: -DAY, max: DAY }).map((d) => at(change) + d)),
        fc.integer({ min: at("2025-01-01T00:00:00Z"), max: at("2031-01-01T00:00:00Z") }),
      ),
    ),
  );

const scenario = zoneAndInstant.chain(([zone, t]) =>
  fc.record({
    t: fc.constant(t),
    config: fc.record({
      whenClosed: fc.constant("closed" as const),
      returnsWhenClosed: fc.constant(false),
      timeZone: fc.constant(zone),
      weekly: fc.record(
        Object.fromEntries(WEEKDAYS.map((d) => [d, day])) as Record<(typeof WEEKDAYS)[number], typeof day>,
      ),
      exceptions: fc
        .uniqueArray(fc.integer({ min: -2, max: 5 }), { maxLength: 3 })
        .chain((offsets) =>
          fc.tuple(
            ...offsets.map((offset) =>
              day.map((hours) => ({ date: new Date(t + offset * DAY).toISOString().slice(0, 10), hours })),
            ),
          ),
        ),
    }),
  }),
);

const formats = new Map<string, Intl.DateTimeFormat>();
function referenceFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("sv-SE", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** The wall clock read another way (Intl's formatted text), and the day's intervals found by a plain search. */
function naiveOpen(config: OpeningHoursConfig, t: number): boolean {
  const text = referenceFormat(config.timeZone ?? "UTC").format(t);
  const [date = "", time = ""] = text.split(" ");
  const [h = 0, m = 0, s = 0] = time.split(":").map(Number);
  const minute = h * 60 + m + (s + (t % 1000) / 1000) / 60;
  const exception = config.exceptions.find((e) => e.date <= date && date <= (e.until ?? e.date));
  const weekday = WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7] as (typeof WEEKDAYS)[number];
  const intervals = exception ? exception.hours : (config.weekly?.[weekday] ?? []);
  const toMinutes = (x: string) => Number(x.slice(0, 2)) * 60 + Number(x.slice(3));
  return intervals.some((i) => toMinutes(i.opens) <= minute && minute < toMinutes(i.closes));
}

const SCAN_MINUTES = 4 * 1440;

describe("opening hours against a naive minute-by-minute reference", () => {
  it(
    "agree on open now, and the next change is the first minute the reference flips",
    () => {
      fc.assert(
        fc.property(scenario, ({ t, config }) => {
          const hours = new OpeningHours(config);
          const open = naiveOpen(config, t);
          expect(hours.isOpen(t)).toBe(open);
          let expected: number | undefined;
          const first = Math.floor(t / 60_000) * 60_000 + 60_000;
          for (let m = 0; m < SCAN_MINUTES; m++) {
            const mark = first + m * 60_000;
            if (naiveOpen(config, mark) !== open) {
              expected = mark;
              break;
            }
          }
          const next = hours.nextChange(t);
          if (expected !== undefined) expect(iso(next)).toBe(iso(expected));
          else if (next !== undefined) expect(next).toBeGreaterThanOrEqual(first + SCAN_MINUTES * 60_000);
        }),
        { numRuns: 60 },
      );
    },
    CPU_BOUND_TIMEOUT_MS,
  );
});
