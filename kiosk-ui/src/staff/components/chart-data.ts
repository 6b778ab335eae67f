/**
 * The statistics chart's data: the bridge's rows (one per period, kind and result) folded into one count per
 * period and series (kinds, or results), with the periods between filled in as zeros so the bars stand at
 * their true distance. Pure, so test/kiosk-ui/chart-data.test.ts checks it without a browser.
 */
import type { StatisticsRow } from "../../../../protocols/staff-api/schema.ts";

export type ChartGrouping = "kind" | "result";

export interface ChartSeries {
  /** A kind (checkout, checkin …) or a result (ok, offline, refused, error). */
  name: string;
  /** One count per period, in the order of `periods`. */
  values: number[];
}

export interface ChartData {
  /** The periods in time order, as the bridge names them ("2026-12-01", "2026-12-01T14:00+01:00"). */
  periods: string[];
  series: ChartSeries[];
  /** The count of each period, all series together. */
  totals: number[];
  /** The largest total (0 for no data): the height of the value axis. */
  max: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** "2026-12-01" → the next day; "2026-12-01T14:00+01:00" → the next hour, written with the same offset. */
export function nextPeriod(period: string): string {
  const day = /^(\d{4}-\d\d-\d\d)$/.exec(period);
  if (day) return new Date(Date.parse(`${day[1]}T00:00Z`) + DAY_MS).toISOString().slice(0, 10);
  const hour = /^(\d{4}-\d\d-\d\dT\d\d:\d\d)([+-]\d\d:\d\d|Z)$/.exec(period);
  if (!hour) throw new Error(`not a statistics period: ${period}`);
  // The clock time one hour on, in the same offset (across a DST change the next real period has the new one).
  const next = new Date(Date.parse(`${hour[1]}Z`) + HOUR_MS).toISOString().slice(0, 16);
  return `${next}${hour[2]}`;
}

const instant = (period: string) => Date.parse(period.length === 10 ? `${period}T00:00Z` : period);

/** Folds the rows into a chart by kind or by result; `order` puts known series first, in that order. */
export function chartData(
  rows: readonly StatisticsRow[],
  grouping: ChartGrouping,
  order: readonly string[] = [],
): ChartData {
  const counts = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const perSeries = counts.get(row.period) ?? new Map<string, number>();
    perSeries.set(row[grouping], (perSeries.get(row[grouping]) ?? 0) + row.count);
    counts.set(row.period, perSeries);
  }
  const known = [...counts.keys()].sort((a, b) => instant(a) - instant(b));
  const periods: string[] = [];
  for (const period of known) {
    // Fill the gap up to this period (bounded: a gap never holds more periods than the data's span).
    let last = periods.at(-1);
    while (last !== undefined && instant(nextPeriod(last)) < instant(period) && periods.length < 10_000) {
      last = nextPeriod(last);
      periods.push(last);
    }
    periods.push(period);
  }
  const names = new Set(rows.map((r) => r[grouping]));
  const sorted = [...order.filter((n) => names.has(n)), ...[...names].filter((n) => !order.includes(n)).sort()];
  const series = sorted.map((name) => ({ name, values: periods.map((p) => counts.get(p)?.get(name) ?? 0) }));
  const totals = periods.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  return { periods, series, totals, max: Math.max(0, ...totals) };
}

/** Round steps for the value axis: 1, 2, 5, 10, 20, 50 … so that at most `ticks` lines cover `max`. */
export function axisSteps(max: number, ticks = 5): number[] {
  if (max <= 0) return [0];
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const whole = Math.max(1, Math.round(step));
  const top = Math.ceil(max / whole) * whole;
  return Array.from({ length: top / whole + 1 }, (_, i) => i * whole);
}
