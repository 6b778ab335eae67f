/** The statistics chart's data mapping: rows → periods × series, gaps filled, steady order, round axis steps. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { axisSteps, chartData, nextPeriod } from "../../kiosk-ui/src/staff/components/chart-data.ts";
import type { StatisticsRow } from "../../protocols/staff-api/schema.ts";

const row = (period: string, kind: string, result: string, count: number): StatisticsRow => ({
  period,
  kind,
  result,
  count,
  meanDurationMs: 100,
  maxDurationMs: 200,
});

describe("chartData", () => {
  it("folds kinds per hour, fills the hours between with zeros, known series first", () => {
    const rows = [
      row("2026-12-01T09:00+01:00", "checkin", "ok", 2),
      row("2026-12-01T09:00+01:00", "checkout", "ok", 3),
      row("2026-12-01T09:00+01:00", "checkout", "refused", 1),
      row("2026-12-01T12:00+01:00", "renew", "offline", 4),
    ];
    expect(chartData(rows, "kind", ["checkout", "checkin", "renew"])).toEqual({
      periods: ["2026-12-01T09:00+01:00", "2026-12-01T10:00+01:00", "2026-12-01T11:00+01:00", "2026-12-01T12:00+01:00"],
      series: [
        { name: "checkout", values: [4, 0, 0, 0] },
        { name: "checkin", values: [2, 0, 0, 0] },
        { name: "renew", values: [0, 0, 0, 4] },
      ],
      totals: [6, 0, 0, 4],
      max: 6,
    });
    expect(chartData(rows, "result", ["ok", "offline", "refused", "error"]).series).toEqual([
      { name: "ok", values: [5, 0, 0, 0] },
      { name: "offline", values: [0, 0, 0, 4] },
      { name: "refused", values: [1, 0, 0, 0] },
    ]);
  });

  it("fills days across a month's end; unknown series come after the known ones, by name", () => {
    const rows = [
      row("2026-11-29", "zeta", "ok", 1),
      row("2026-12-01", "alpha", "ok", 1),
      row("2026-12-01", "checkout", "ok", 2),
    ];
    const data = chartData(rows, "kind", ["checkout"]);
    expect(data.periods).toEqual(["2026-11-29", "2026-11-30", "2026-12-01"]);
    expect(data.series.map((s) => s.name)).toEqual(["checkout", "alpha", "zeta"]);
  });

  it("has no periods and a zero axis for no rows", () => {
    expect(chartData([], "kind")).toEqual({ periods: [], series: [], totals: [], max: 0 });
    expect(axisSteps(0)).toEqual([0]);
  });

  it("steps to the next hour in the same offset, and to the next day over a year's end", () => {
    expect(nextPeriod("2026-12-31T23:00-05:00")).toBe("2027-01-01T00:00-05:00");
    expect(nextPeriod("2026-12-31")).toBe("2027-01-01");
    expect(() => nextPeriod("yesterday")).toThrow("not a statistics period");
  });

  it("keeps every count: each series sums to its rows, totals to all (property)", () => {
    const day = fc
      .integer({ min: 0, max: 40 })
      .map((d) => new Date(Date.UTC(2026, 10, 1) + d * 86_400_000).toISOString().slice(0, 10));
    const rows = fc.array(
      fc.record({
        period: day,
        kind: fc.constantFrom("checkout", "checkin", "renew"),
        result: fc.constantFrom("ok", "refused"),
        count: fc.integer({ min: 1, max: 50 }),
      }),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(rows, fc.constantFrom("kind" as const, "result" as const), (list, grouping) => {
        const data = chartData(
          list.map((r) => row(r.period, r.kind, r.result, r.count)),
          grouping,
        );
        const all = list.reduce((sum, r) => sum + r.count, 0);
        expect(data.totals.reduce((a, b) => a + b, 0)).toBe(all);
        for (const s of data.series) {
          expect(s.values.reduce((a, b) => a + b, 0)).toBe(
            list.filter((r) => r[grouping] === s.name).reduce((sum, r) => sum + r.count, 0),
          );
        }
        // Consecutive days, none left out, none twice.
        for (let i = 1; i < data.periods.length; i++)
          expect(data.periods[i]).toBe(nextPeriod(data.periods[i - 1] as string));
        expect(data.max).toBe(Math.max(0, ...data.totals));
      }),
    );
  });

  it("axis steps are round and cover the largest value", () => {
    expect(axisSteps(3)).toEqual([0, 1, 2, 3]);
    expect(axisSteps(7)).toEqual([0, 2, 4, 6, 8]);
    expect(axisSteps(130)).toEqual([0, 50, 100, 150]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (max) => {
        const steps = axisSteps(max);
        expect(steps.at(-1)).toBeGreaterThanOrEqual(max);
        expect(steps.length).toBeLessThanOrEqual(7);
        expect(Number.isInteger(steps[1])).toBe(true);
      }),
    );
  });
});
