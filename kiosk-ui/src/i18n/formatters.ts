/**
 * Dates, numbers, money and durations through Intl, in whichever language a page shows: the patron screen and
 * the staff console each bind these to their own locale (./format.ts, kiosk-ui/src/staff/i18n/format.ts),
 * since each page configures @lit/localize once, for itself.
 */
import type { Money } from "../../../protocols/kiosk-api/schema.ts";

/** The shapes a date or time is shown in. */
const DATE_STYLES = {
  date: { dateStyle: "medium" },
  dateTime: { dateStyle: "medium", timeStyle: "short" },
  dayMonth: { day: "numeric", month: "short" },
  time: { timeStyle: "short" },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

export type DateStyle = keyof typeof DATE_STYLES;

export interface Formatters {
  /** A calendar day ("2026-12-15") or an instant, as a date. */
  formatDate(iso: string): string;
  /** An instant, as date and time in this browser's time zone. */
  formatDateTime(iso: string): string;
  /**
   * A wall-clock text as written ("2026-12-01", "2026-12-01T14:00", any offset after it is ignored): the day
   * and time someone else's clock named, not moved into this browser's time zone.
   */
  formatWallClock(text: string, style: DateStyle): string;
  formatMoney(money: Money): string;
  formatNumber(n: number): string;
  /** A duration in milliseconds, rounded, with the locale's unit ("420 ms", "٤٢٠ ملي ثانية"). */
  formatDuration(ms: number): string;
  /**
   * An instant on the wall clock of `timeZone` (the library's opening hours), in pieces a sentence is built
   * from: how many calendar days after `now` (0 today, 1 tomorrow), the weekday, the date and the time.
   */
  formatOpening(
    at: number,
    now: number,
    timeZone: string,
  ): { days: number; weekday: string; date: string; time: string };
}

export function formatters(getLocale: () => string): Formatters {
  // Intl formatters are slow to build and a screen of rows formats dozens of values, so each is built once per
  // language and kind.
  const made = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
  function formatter<T extends Intl.DateTimeFormat | Intl.NumberFormat>(kind: string, make: (locale: string) => T): T {
    const key = `${getLocale()}|${kind}`;
    let f = made.get(key);
    if (!f) {
      f = make(getLocale());
      made.set(key, f);
    }
    return f as T;
  }
  const dates = (style: DateStyle, utc: boolean) =>
    formatter(`${style}${utc ? " utc" : ""}`, (l) =>
      Intl.DateTimeFormat(l, { ...DATE_STYLES[style], ...(utc ? { timeZone: "UTC" } : {}) }),
    );

  return {
    formatDate(iso) {
      const date = new Date(iso);
      if (Number.isNaN(date.getTime())) return iso;
      // "2026-12-15" is a calendar day, not an instant: formatted in UTC so no time zone moves it a day.
      return dates("date", /^\d{4}-\d{2}-\d{2}$/.test(iso)).format(date);
    },
    formatDateTime(iso) {
      const date = new Date(iso);
      return Number.isNaN(date.getTime()) ? iso : dates("dateTime", false).format(date);
    },
    formatWallClock(text, style) {
      const clock = /^(\d{4}-\d\d-\d\d)(?:T(\d\d:\d\d))?/.exec(text);
      // Read as UTC and shown in UTC: the fields come out as written.
      const date = clock ? new Date(`${clock[1]}T${clock[2] ?? "00:00"}Z`) : new Date(Number.NaN);
      return Number.isNaN(date.getTime()) ? text : dates(style, true).format(date);
    },
    formatMoney(money) {
      // Intl takes the decimal string as is, so "12.10" is never rounded through a float.
      return formatter(`money ${money.currency}`, (l) =>
        Intl.NumberFormat(l, { style: "currency", currency: money.currency }),
      ).format(money.value as Intl.StringNumericLiteral);
    },
    formatNumber(n) {
      return formatter("number", (l) => Intl.NumberFormat(l)).format(n);
    },
    formatOpening(at, now, timeZone) {
      const zoned = (kind: string, options: Intl.DateTimeFormatOptions) =>
        formatter(`${kind} ${timeZone}`, (l) => Intl.DateTimeFormat(l, { timeZone, ...options })).format(at);
      // en-CA writes YYYY-MM-DD: the calendar day in the zone, to count days between.
      const day = (t: number) =>
        Date.parse(
          `${formatter(`ymd ${timeZone}`, () => Intl.DateTimeFormat("en-CA", { timeZone, dateStyle: "short" })).format(t)}T00:00:00Z`,
        ) / 86_400_000;
      return {
        days: day(at) - day(now),
        weekday: zoned("weekday", { weekday: "long" }),
        date: zoned("long day", { weekday: "long", day: "numeric", month: "long" }),
        time: zoned("time", { timeStyle: "short" }),
      };
    },
    formatDuration(ms) {
      return formatter("ms", (l) =>
        Intl.NumberFormat(l, { style: "unit", unit: "millisecond", unitDisplay: "short", maximumFractionDigits: 0 }),
      ).format(ms);
    },
  };
}
