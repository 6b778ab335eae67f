/**
 * Transaction statistics for staff: what happened, when, how long it took and on which device — never
 * who. The record type has no field for a patron, `record` copies only the fields below, and the free
 * text fields are restricted to code-shaped values, so neither a caller's mistake nor an error message can
 * carry a patron's identity into the table. Kept in the kiosk database, next to the journal.
 */
import { CodedError } from "../../protocols/errors.ts";
import type { Clock } from "../transports/clock.ts";
import { crashSafeWrite, type KioskDatabase, statements, storageError } from "./database.ts";
import { TRANSACTION_KINDS } from "./journal.ts";

export const STATISTIC_KINDS = [
  ...TRANSACTION_KINDS,
  "renew-all",
  "hold-place",
  "hold-cancel",
  "patron-login",
] as const;
export type StatisticKind = (typeof STATISTIC_KINDS)[number];

/** ok: the ILS did it; offline: done offline, waiting in the journal; refused: the ILS said no; error: it failed. */
export const STATISTIC_RESULTS = ["ok", "offline", "refused", "error"] as const;
export type StatisticResult = (typeof STATISTIC_RESULTS)[number];

export interface TransactionStatistic {
  kind: StatisticKind;
  result: StatisticResult;
  /** A stable error or reason code (`ILS_TIMEOUT`, `ITEM_ON_HOLD`), never a message. */
  errorCode?: string;
  durationMs: number;
  /** The device id from the config (`rfid-pad`), or none for a typed entry. */
  device?: string;
  /** When it happened; default: now. */
  at?: number;
}

export interface StatisticRow {
  at: number;
  kind: StatisticKind;
  result: StatisticResult;
  errorCode?: string;
  durationMs: number;
  device?: string;
}

export type Period = "hour" | "day";

export interface StatisticAggregate {
  /** Local to the configured time zone: "2026-12-01" for a day, "2026-12-01T14:00+01:00" for an hour. */
  period: string;
  kind: StatisticKind;
  result: StatisticResult;
  count: number;
  meanDurationMs: number;
  maxDurationMs: number;
}

export interface TimeRange {
  /** Inclusive, ms since the epoch; default: the beginning. */
  from?: number;
  /** Exclusive; default: no end. */
  to?: number;
}

export interface StatisticsOptions {
  clock: Clock;
  /** Records older than this are deleted. */
  retentionDays: number;
  /** IANA time zone for hours and days (e.g. "Europe/Berlin"); default: the system's. */
  timeZone?: string;
}

export class StatisticsError extends CodedError<"STATISTICS_INVALID"> {}

const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const DEVICE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Aggregation first counts in quarter hours (every time zone's offset is a multiple of 15 minutes), then folds them into local hours or days. */
const SLOT_MS = 900_000;

export class Statistics {
  readonly #db: KioskDatabase;
  readonly #sql: ReturnType<typeof statements>;
  readonly #clock: Clock;
  readonly #retentionMs: number;
  readonly #zone: Intl.DateTimeFormat;
  /** Slots from `from` to `until` (inclusive) are known to share one UTC offset. */
  #span: { from: number; until: number; minutes: number } | undefined;
  #prunedAt = Number.NEGATIVE_INFINITY;

  constructor(db: KioskDatabase, options: StatisticsOptions) {
    this.#db = db;
    this.#sql = statements(db);
    this.#clock = options.clock;
    this.#retentionMs = options.retentionDays * DAY_MS;
    this.#zone = new Intl.DateTimeFormat("en-US", { timeZone: options.timeZone, timeZoneName: "longOffset" });
  }

  /** Stores one transaction's statistic (and, at most hourly, drops records past the retention). */
  record(stat: TransactionStatistic): void {
    const now = this.#clock.now();
    const row = checked(stat, now);
    try {
      // A statistic is not worth waiting for the disk in the middle of a checkout.
      crashSafeWrite(this.#db, () =>
        this.#sql(
          "INSERT INTO statistics (at, kind, result, error_code, duration_ms, device) VALUES (?, ?, ?, ?, ?, ?)",
        ).run(row.at, row.kind, row.result, row.errorCode ?? null, row.durationMs, row.device ?? null),
      );
    } catch (err) {
      throw storageError(err, this.#db.name, "record a statistic");
    }
    if (now - this.#prunedAt >= HOUR_MS) this.prune();
  }

  /** Deletes records older than the retention; returns how many. */
  prune(): number {
    const now = this.#clock.now();
    this.#prunedAt = now;
    try {
      // Undone by a power cut at worst, and done again within the hour.
      return crashSafeWrite(
        this.#db,
        () => this.#sql("DELETE FROM statistics WHERE at < ?").run(now - this.#retentionMs).changes,
      );
    } catch (err) {
      throw storageError(err, this.#db.name, "delete old statistics");
    }
  }

  records(range: TimeRange = {}): StatisticRow[] {
    const rows = this.#sql(
      "SELECT at, kind, result, error_code, duration_ms, device FROM statistics WHERE at >= ? AND at < ? ORDER BY at, id",
    ).all(...bounds(range)) as {
      at: number;
      kind: StatisticKind;
      result: StatisticResult;
      error_code: string | null;
      duration_ms: number;
      device: string | null;
    }[];
    return rows.map((r) => {
      const row: StatisticRow = { at: r.at, kind: r.kind, result: r.result, durationMs: r.duration_ms };
      if (r.error_code !== null) row.errorCode = r.error_code;
      if (r.device !== null) row.device = r.device;
      return row;
    });
  }

  /** Counts and durations per local hour or day, kind and result, in time order. */
  aggregate(period: Period, range: TimeRange = {}): StatisticAggregate[] {
    const slots = this.#sql(
      `SELECT at / ${SLOT_MS} AS slot, kind, result, count(*) AS n, sum(duration_ms) AS total, max(duration_ms) AS longest
         FROM statistics WHERE at >= ? AND at < ? GROUP BY slot, kind, result ORDER BY slot`,
    ).all(...bounds(range)) as {
      slot: number;
      kind: StatisticKind;
      result: StatisticResult;
      n: number;
      total: number;
      longest: number;
    }[];
    const groups = new Map<string, StatisticAggregate & { total: number }>();
    for (const s of slots) {
      const label = this.#label(s.slot * SLOT_MS, period);
      const key = `${label}\u0000${s.kind}\u0000${s.result}`;
      const group = groups.get(key) ?? {
        period: label,
        kind: s.kind,
        result: s.result,
        count: 0,
        meanDurationMs: 0,
        maxDurationMs: 0,
        total: 0,
      };
      group.count += s.n;
      group.total += s.total;
      group.maxDurationMs = Math.max(group.maxDurationMs, s.longest);
      groups.set(key, group);
    }
    return [...groups.values()].map(({ total, ...g }) => ({ ...g, meanDurationMs: Math.round(total / g.count) }));
  }

  /** CSV (RFC 4180) of the records, or of the hourly or daily aggregates. */
  csv(what: "records" | Period, range: TimeRange = {}): string {
    if (what === "records") {
      return toCsv([
        ["time", "kind", "result", "error_code", "duration_ms", "device"],
        ...this.records(range).map((r) => [
          new Date(r.at).toISOString(),
          r.kind,
          r.result,
          r.errorCode,
          r.durationMs,
          r.device,
        ]),
      ]);
    }
    return toCsv([
      [what, "kind", "result", "count", "mean_duration_ms", "max_duration_ms"],
      ...this.aggregate(what, range).map((a) => [
        a.period,
        a.kind,
        a.result,
        a.count,
        a.meanDurationMs,
        a.maxDurationMs,
      ]),
    ]);
  }

  #label(at: number, period: Period): string {
    const minutes = this.#offsetAt(at);
    const local = new Date(at + minutes * 60_000).toISOString();
    if (period === "day") return local.slice(0, 10);
    const sign = minutes < 0 ? "-" : "+";
    const abs = Math.abs(minutes);
    const offset = `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
    return `${local.slice(0, 13)}:00${offset}`;
  }

  /**
   * The zone's UTC offset at slot `at`, in minutes. Asking Intl for every slot costs seconds for a year
   * of figures, so one answer is kept for a span: offsets change a few times a year and never twice in a
   * day, so if the offset a day later is the same, the whole day shares it; if not, the change is found
   * by halving the day down to one slot.
   */
  #offsetAt(at: number): number {
    const span = this.#span;
    if (span && at >= span.from && at <= span.until) return span.minutes;
    const minutes = this.#offsetMinutes(at);
    let until = at + DAY_MS;
    if (this.#offsetMinutes(until) !== minutes) {
      let same = at;
      let changed = until;
      while (changed - same > SLOT_MS) {
        const mid = same + Math.floor((changed - same) / SLOT_MS / 2) * SLOT_MS;
        if (this.#offsetMinutes(mid) === minutes) same = mid;
        else changed = mid;
      }
      until = same;
    }
    this.#span = { from: at, until, minutes };
    return minutes;
  }

  #offsetMinutes(at: number): number {
    // "GMT+05:30", "GMT-03:30", or "GMT" for UTC itself.
    const name = this.#zone.formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
    const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
    if (!match) return 0;
    return (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
  }
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function checked(stat: TransactionStatistic, now: number): StatisticRow {
  const problems: string[] = [];
  if (!(STATISTIC_KINDS as readonly string[]).includes(stat.kind))
    problems.push(`kind (one of ${STATISTIC_KINDS.join(", ")})`);
  if (!(STATISTIC_RESULTS as readonly string[]).includes(stat.result))
    problems.push(`result (one of ${STATISTIC_RESULTS.join(", ")})`);
  if (stat.errorCode !== undefined && !CODE.test(stat.errorCode))
    problems.push("errorCode (expected an upper-case code like ILS_TIMEOUT)");
  if (stat.device !== undefined && !DEVICE.test(stat.device)) problems.push("device (expected a config device id)");
  if (!Number.isFinite(stat.durationMs) || stat.durationMs < 0) problems.push("durationMs (expected ≥ 0)");
  if (stat.at !== undefined && !Number.isFinite(stat.at)) problems.push("at (expected ms since the epoch)");
  if (problems.length > 0) {
    // The values are not echoed: a wrong field might hold exactly what must not be stored or shown.
    throw new StatisticsError(
      "STATISTICS_INVALID",
      `statistics: not recorded, invalid ${problems.join(", ")}. This is a bug in the caller.`,
      {
        problems,
      },
    );
  }
  // Field by field: whatever else the caller's object carries stays out.
  const row: StatisticRow = {
    at: stat.at ?? now,
    kind: stat.kind,
    result: stat.result,
    durationMs: Math.round(stat.durationMs),
  };
  if (stat.errorCode !== undefined) row.errorCode = stat.errorCode;
  if (stat.device !== undefined) row.device = stat.device;
  return row;
}

function bounds(range: TimeRange): [number, number] {
  return [range.from ?? Number.MIN_SAFE_INTEGER, range.to ?? Number.MAX_SAFE_INTEGER];
}

/**
 * RFC 4180 (https://www.rfc-editor.org/rfc/rfc4180): CRLF after every record; a field with a comma,
 * double quote, CR or LF is enclosed in double quotes, and its double quotes are doubled.
 */
export function toCsv(rows: readonly (readonly (string | number | undefined)[])[]): string {
  return rows.map((row) => `${row.map(csvField).join(",")}\r\n`).join("");
}

function csvField(value: string | number | undefined): string {
  const text = value === undefined ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
