/**
 * The library's opening hours (config `kiosk.hours`): is it open at an instant, and when does that next
 * change. Pure: the engine asks with its Clock's time, so tests cross closing times, midnights and DST
 * changes on a VirtualClock.
 *
 * Hours are wall-clock times in the library's time zone. An instant is open when its wall-clock time in that
 * zone falls inside one of its day's intervals (the day's exception, else its weekday's). So on the night
 * clocks go forward an interval that starts in the skipped hour starts when the clock jumps past its start;
 * in the hour that repeats when clocks go back, an interval that ends inside it is open again the second
 * time round, as a wall clock says it is.
 */
import { minutesOf, systemTimeZone } from "../config/hours.ts";
import { type OpenInterval, type OpeningHoursConfig, WEEKDAYS } from "../config/schema.ts";

const MINUTE = 60_000;
const DAY_MS = 1440 * MINUTE;
/** How far ahead the next change is looked for; a library shut longer than this has no "opens again". */
const HORIZON_DAYS = 400;

/** A day's hours as minutes after midnight, sorted: [[540, 750], [810, 1140]]. */
type Spans = ReadonlyArray<readonly [number, number]>;

export interface DayHours {
  /** The library's calendar day, YYYY-MM-DD. */
  date: string;
  intervals: OpenInterval[];
  /** The exception's note, when the day has one. */
  note?: string;
  /** The day has an exception (a holiday or special hours). */
  exception: boolean;
}

interface Wall {
  date: string;
  /** Monday 0 … Sunday 6. */
  weekday: number;
  /** Milliseconds since the wall clock's midnight. */
  msOfDay: number;
  /** Wall clock minus UTC, in milliseconds. */
  offset: number;
}

export class OpeningHours {
  readonly timeZone: string;
  /** Hours are set (`weekly` given) and the kiosk follows them (`whenClosed: "closed"`). */
  readonly followed: boolean;
  readonly returnsWhenClosed: boolean;
  readonly #config: OpeningHoursConfig;
  readonly #format: Intl.DateTimeFormat;
  readonly #weekly: Spans[];
  readonly #exceptions = new Map<string, { spans: Spans; index: number }>();
  readonly #horizonEnd: number;

  constructor(config: OpeningHoursConfig) {
    this.#config = config;
    this.timeZone = config.timeZone ?? systemTimeZone();
    this.followed = config.weekly !== undefined && config.whenClosed === "closed";
    this.returnsWhenClosed = config.returnsWhenClosed;
    this.#format = new Intl.DateTimeFormat("en-US", {
      timeZone: this.timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    this.#weekly = WEEKDAYS.map((day) => spansOf(config.weekly?.[day] ?? []));
    let lastException = 0;
    config.exceptions.forEach((exception, index) => {
      const spans = spansOf(exception.hours);
      const last = Date.parse(`${exception.until ?? exception.date}T00:00:00Z`);
      lastException = Math.max(lastException, last);
      for (let t = Date.parse(`${exception.date}T00:00:00Z`); t <= last; t += DAY_MS) {
        this.#exceptions.set(new Date(t).toISOString().slice(0, 10), { spans, index });
      }
    });
    this.#horizonEnd = lastException + 8 * DAY_MS;
  }

  /** The config these hours came from. */
  get config(): OpeningHoursConfig {
    return this.#config;
  }

  /** Open at `t` by the hours (always, when the kiosk does not follow hours). */
  isOpen(t: number): boolean {
    if (!this.followed) return true;
    const wall = this.#wall(t);
    const minute = wall.msOfDay / MINUTE;
    return this.#spans(wall).some(([from, to]) => from <= minute && minute < to);
  }

  /** The first instant after `t` at which isOpen flips; undefined when it does not within about a year. */
  nextChange(t: number): number | undefined {
    if (!this.followed) return undefined;
    const open = this.isOpen(t);
    const horizon = Math.max(t + HORIZON_DAYS * DAY_MS, this.#horizonEnd);
    for (let at = t; at < horizon; ) {
      at = this.#nextBoundary(at);
      if (this.isOpen(at) !== open) return at;
    }
    return undefined;
  }

  /** The next wall-clock midnight after `t` (when "opens tomorrow" becomes "opens today"). */
  nextMidnight(t: number): number {
    const wall = this.#wall(t);
    return this.#crossing(t, t + (DAY_MS - wall.msOfDay), wall.offset);
  }

  /** The hours of the library's day that contains `t`. */
  dayHours(t: number): DayHours {
    const wall = this.#wall(t);
    const exception = this.#exceptions.get(wall.date);
    const entry = exception ? this.#config.exceptions[exception.index] : undefined;
    const weekday = WEEKDAYS[wall.weekday] ?? "monday";
    const intervals = entry ? entry.hours : (this.#config.weekly?.[weekday] ?? []);
    return {
      date: wall.date,
      intervals: [...intervals].sort((a, b) => minutesOf(a.opens) - minutesOf(b.opens)),
      exception: entry !== undefined,
      ...(entry?.note ? { note: entry.note } : {}),
    };
  }

  #spans(wall: Wall): Spans {
    return this.#exceptions.get(wall.date)?.spans ?? this.#weekly[wall.weekday] ?? [];
  }

  /**
   * The next instant after `t` at which the answer may change: the wall clock reaching an opening or closing
   * time or midnight (a new day's hours), or the zone's offset changing (the wall clock jumps).
   */
  #nextBoundary(t: number): number {
    const wall = this.#wall(t);
    const minute = wall.msOfDay / MINUTE;
    let next = 1440;
    for (const [from, to] of this.#spans(wall)) {
      if (from > minute && from < next) next = from;
      if (to > minute && to < next) next = to;
    }
    return this.#crossing(t, t + (next * MINUTE - wall.msOfDay), wall.offset);
  }

  /** `target`, or the first instant after `t` where the offset differs from `offset` if that comes sooner. */
  #crossing(t: number, target: number, offset: number): number {
    if (this.#wall(target).offset === offset) return target;
    let lo = t;
    let hi = target;
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (this.#wall(mid).offset === offset) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  #wall(t: number): Wall {
    const parts: Record<string, number> = {};
    for (const part of this.#format.formatToParts(t)) {
      if (part.type !== "literal") parts[part.type] = Number(part.value);
    }
    const { year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
    const midnight = Date.UTC(year, month - 1, day);
    const msOfDay = (hour * 3600 + minute * 60 + second) * 1000 + (((t % 1000) + 1000) % 1000);
    return {
      date: new Date(midnight).toISOString().slice(0, 10),
      weekday: (new Date(midnight).getUTCDay() + 6) % 7,
      msOfDay,
      offset: midnight + msOfDay - t,
    };
  }
}

function spansOf(intervals: readonly OpenInterval[]): Spans {
  return intervals.map((i) => [minutesOf(i.opens), minutesOf(i.closes)] as const).sort((a, b) => a[0] - b[0]);
}
