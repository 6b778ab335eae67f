/**
 * What the schema cannot say about opening hours (schema.ts, OpeningHoursSchema): each interval opens before
 * it closes, a day's intervals do not overlap, no day has two exceptions, `until` is not before `date`, and
 * the time zone is one this machine's ICU data knows. Each problem names its key, as the loader's others do.
 */
import { type OpenInterval, type OpeningHoursConfig, WEEKDAYS } from "./schema.ts";
import { type ConfigProblem, joinPath } from "./validate.ts";

/** "09:30" → 570; "24:00" → 1440. The schema has checked the shape. */
export function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** The machine's own zone, the default when the config names none. */
export function systemTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** A time zone this Node (its ICU data) knows; a typo would otherwise fail only when it is first used. */
export function checkTimeZone(timeZone: string | undefined, path: string, problems: ConfigProblem[]): void {
  if (timeZone === undefined) return;
  try {
    new Intl.DateTimeFormat("en", { timeZone });
  } catch {
    problems.push({
      path,
      message: `unknown time zone "${timeZone}"; use an IANA name such as "Europe/Berlin" or "UTC"`,
    });
  }
}

/** Problems of `hours` (already checked against the schema), each at its key under `path`. */
export function checkOpeningHours(hours: OpeningHoursConfig, path: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  checkTimeZone(hours.timeZone, joinPath(path, "timeZone"), problems);
  const weekly = hours.weekly ?? {};
  for (const day of WEEKDAYS) {
    checkDay(weekly[day] ?? [], joinPath(joinPath(path, "weekly"), day), problems);
  }
  const taken = new Map<string, number>();
  hours.exceptions.forEach((exception, i) => {
    const at = joinPath(joinPath(path, "exceptions"), i);
    checkDay(exception.hours, joinPath(at, "hours"), problems);
    if (exception.until !== undefined && exception.until < exception.date) {
      problems.push({
        path: joinPath(at, "until"),
        message: `${exception.until} is before the exception's date ${exception.date}; give the last day of the range`,
      });
      return;
    }
    for (const day of daysOf(exception.date, exception.until ?? exception.date)) {
      const earlier = taken.get(day);
      if (earlier !== undefined) {
        // Named by its dates too: the console shows exceptions as dated rows, not by index.
        const other = hours.exceptions[earlier];
        const range = other?.until ? `${other.date} to ${other.until}` : other?.date;
        problems.push({
          path: joinPath(at, "date"),
          message: `${day} already has its hours in exceptions[${earlier}] (${range}); a day can have one exception: remove one or shorten the range`,
        });
        return;
      }
      taken.set(day, i);
    }
  });
  return problems;
}

function checkDay(intervals: readonly OpenInterval[], path: string, problems: ConfigProblem[]): void {
  const checked: Array<{ index: number; from: number; to: number }> = [];
  intervals.forEach((interval, index) => {
    const from = minutesOf(interval.opens);
    const to = minutesOf(interval.closes);
    if (from >= to) {
      problems.push({
        path: joinPath(path, index),
        message: `opens at ${interval.opens} but closes at ${interval.closes}: the opening time must come first (an interval past midnight is two: until 24:00, and from 00:00 the next day)`,
      });
      return;
    }
    const overlap = checked.find((other) => from < other.to && other.from < to);
    if (overlap) {
      const other = intervals[overlap.index] as OpenInterval;
      problems.push({
        path: joinPath(path, index),
        message: `${interval.opens}–${interval.closes} overlaps ${other.opens}–${other.closes} ([${overlap.index}]); join them or move one`,
      });
      return;
    }
    checked.push({ index, from, to });
  });
}

/** Calendar days from `first` to `last` inclusive, as YYYY-MM-DD; at most a few years (the loop is bounded). */
function daysOf(first: string, last: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${last}T00:00:00Z`);
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= end && days.length < 3700; t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}
