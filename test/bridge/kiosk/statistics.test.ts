import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openKioskDatabase } from "../../../bridge/kiosk/database.ts";
import { OfflineJournal } from "../../../bridge/kiosk/journal.ts";
import { Statistics, type TransactionStatistic, toCsv } from "../../../bridge/kiosk/statistics.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { tempDatabases } from "./helpers.ts";

const databases = tempDatabases();
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0); // Tuesday 1 December 2026, 09:00 UTC

function statistics(options: { timeZone?: string; retentionDays?: number } = {}) {
  const clock = new VirtualClock(T0);
  const db = databases.open();
  return { stats: new Statistics(db, { clock, retentionDays: options.retentionDays ?? 30, ...options }), clock, db };
}

describe("Statistics", () => {
  it("records each transaction with time, kind, result, error code, duration and device", async () => {
    const { stats, clock } = statistics();
    stats.record({ kind: "checkout", result: "ok", durationMs: 412.4, device: "rfid-pad" });
    await clock.advance(5000);
    stats.record({ kind: "checkout", result: "error", errorCode: "ILS_TIMEOUT", durationMs: 10_000 });
    stats.record({ kind: "checkin", result: "offline", durationMs: 30, at: T0 + 1000 });
    expect(stats.records()).toEqual([
      { at: T0, kind: "checkout", result: "ok", durationMs: 412, device: "rfid-pad" },
      { at: T0 + 1000, kind: "checkin", result: "offline", durationMs: 30 },
      { at: T0 + 5000, kind: "checkout", result: "error", errorCode: "ILS_TIMEOUT", durationMs: 10_000 },
    ]);
    expect(stats.records({ from: T0 + 1000, to: T0 + 5000 })).toHaveLength(1);
  });

  it("refuses values that are not codes, without repeating them", () => {
    const { stats } = statistics();
    const bad: TransactionStatistic[] = [
      { kind: "lend" as "checkout", result: "ok", durationMs: 1 },
      { kind: "checkout", result: "fine" as "ok", durationMs: 1 },
      { kind: "checkout", result: "error", errorCode: "Patron 23999000012345 is blocked", durationMs: 1 },
      { kind: "checkout", result: "ok", device: "Pad of 23999000012345", durationMs: 1 },
      { kind: "checkout", result: "ok", durationMs: -1 },
      { kind: "checkout", result: "ok", durationMs: Number.NaN },
    ];
    for (const stat of bad) {
      let error: unknown;
      try {
        stats.record(stat);
      } catch (err) {
        error = err;
      }
      expect(error).toMatchObject({ code: "STATISTICS_INVALID" });
      expect((error as Error).message).not.toContain("23999000012345");
    }
    expect(stats.records()).toEqual([]);
  });

  it("no patron identifier reaches the statistics table, whatever the caller passes", () => {
    const { stats, db } = statistics();
    const patron = "23999000077777";
    // A caller that hands over its whole transaction object by mistake.
    const careless = {
      kind: "checkout",
      result: "refused",
      errorCode: "PATRON_BLOCKED",
      durationMs: 80,
      device: "rfid-pad",
      patronId: patron,
      patronIdentifier: patron,
      AA: patron,
    } as TransactionStatistic;
    stats.record(careless);
    const columns = (db.prepare("PRAGMA table_info(statistics)").all() as { name: string }[]).map((c) => c.name);
    expect(columns).toEqual(["id", "at", "kind", "result", "error_code", "duration_ms", "device"]);
    const dump = JSON.stringify(db.prepare("SELECT * FROM statistics").all());
    expect(dump).toContain("PATRON_BLOCKED");
    expect(dump).not.toContain(patron);
    expect(stats.csv("records")).not.toContain(patron);
    db.close();
    expect(readFileSync(db.name).includes(Buffer.from(patron))).toBe(false);
  });

  it("shares the database with the journal", () => {
    const { stats, db, clock } = statistics();
    const journal = new OfflineJournal(db, { clock });
    journal.append({ kind: "checkin", itemId: "1", offline: true });
    stats.record({ kind: "checkin", result: "offline", durationMs: 3 });
    expect(journal.list()).toHaveLength(1);
    expect(stats.records()).toHaveLength(1);
  });

  it("adds up hours and days in the library's time zone", () => {
    const { stats } = statistics({ timeZone: "Asia/Kolkata" }); // UTC+05:30: local hours are not UTC hours
    const at = (h: number, m: number) => Date.UTC(2026, 11, 1, h, m);
    stats.record({ kind: "checkout", result: "ok", durationMs: 100, at: at(9, 29) }); // 14:59 local
    stats.record({ kind: "checkout", result: "ok", durationMs: 300, at: at(9, 31) }); // 15:01
    stats.record({ kind: "checkout", result: "ok", durationMs: 500, at: at(10, 0) }); // 15:30
    stats.record({ kind: "checkout", result: "refused", errorCode: "ITEM_ON_HOLD", durationMs: 7, at: at(10, 5) });
    stats.record({ kind: "checkin", result: "ok", durationMs: 20, at: at(18, 40) }); // 00:10 on 2 December
    expect(stats.aggregate("hour")).toEqual([
      {
        period: "2026-12-01T14:00+05:30",
        kind: "checkout",
        result: "ok",
        count: 1,
        meanDurationMs: 100,
        maxDurationMs: 100,
      },
      {
        period: "2026-12-01T15:00+05:30",
        kind: "checkout",
        result: "ok",
        count: 2,
        meanDurationMs: 400,
        maxDurationMs: 500,
      },
      {
        period: "2026-12-01T15:00+05:30",
        kind: "checkout",
        result: "refused",
        count: 1,
        meanDurationMs: 7,
        maxDurationMs: 7,
      },
      {
        period: "2026-12-02T00:00+05:30",
        kind: "checkin",
        result: "ok",
        count: 1,
        meanDurationMs: 20,
        maxDurationMs: 20,
      },
    ]);
    expect(stats.aggregate("day").map((a) => [a.period, a.kind, a.result, a.count])).toEqual([
      ["2026-12-01", "checkout", "ok", 3],
      ["2026-12-01", "checkout", "refused", 1],
      ["2026-12-02", "checkin", "ok", 1],
    ]);
  });

  it("keeps the two hours of a daylight-saving fall-back apart", () => {
    const { stats } = statistics({ timeZone: "Europe/Berlin", retentionDays: 400 });
    // 25 October 2026: 03:00 CEST becomes 02:00 CET; 00:30 and 01:30 UTC are both 02:30 local.
    stats.record({ kind: "checkin", result: "ok", durationMs: 1, at: Date.UTC(2026, 9, 25, 0, 30) });
    stats.record({ kind: "checkin", result: "ok", durationMs: 1, at: Date.UTC(2026, 9, 25, 1, 30) });
    expect(stats.aggregate("hour").map((a) => a.period)).toEqual(["2026-10-25T02:00+02:00", "2026-10-25T02:00+01:00"]);
    expect(stats.aggregate("day").map((a) => [a.period, a.count])).toEqual([["2026-10-25", 2]]);
  });

  it("hourly and daily counts always add up to the records", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            offset: fc.integer({ min: 0, max: 10 * DAY }),
            kind: fc.constantFrom("checkout", "checkin", "renew"),
            result: fc.constantFrom("ok", "refused"),
            durationMs: fc.nat(5000),
          }),
          { maxLength: 40 },
        ),
        fc.constantFrom("UTC", "America/St_Johns", "Australia/Eucla", "Europe/Berlin"),
        (rows, timeZone) => {
          const db = openKioskDatabase(":memory:");
          const stats = new Statistics(db, { clock: new VirtualClock(T0 + 10 * DAY), retentionDays: 100, timeZone });
          for (const r of rows) stats.record({ ...r, at: T0 + r.offset } as TransactionStatistic);
          for (const period of ["hour", "day"] as const) {
            const aggregates = stats.aggregate(period);
            expect(aggregates.reduce((n, a) => n + a.count, 0)).toBe(rows.length);
            const keys = aggregates.map((a) => `${a.period}|${a.kind}|${a.result}`);
            expect(new Set(keys).size).toBe(keys.length);
          }
          db.close();
        },
      ),
      { numRuns: 50 },
    );
  });

  it("labels every hour as Intl does, across daylight-saving changes", () => {
    fc.assert(
      fc.property(
        // Quarter hours clustered within ten days of a month when these zones change their clocks.
        fc
          .tuple(
            fc.constantFrom(2025, 2026),
            fc.constantFrom(2, 3, 8, 9, 10),
            fc.integer({ min: 1, max: 28 }),
            fc.array(fc.nat(10 * 96), { minLength: 1, maxLength: 30 }),
          )
          .map(([year, month, day, deltas]) => deltas.map((d) => Date.UTC(year, month, day) + d * 900_000)),
        fc.constantFrom("Europe/Berlin", "America/St_Johns", "Australia/Lord_Howe", "America/Santiago", "UTC"),
        (times, timeZone) => {
          const db = openKioskDatabase(":memory:");
          const stats = new Statistics(db, { clock: new VirtualClock(T0), retentionDays: 1000, timeZone });
          for (const at of times) stats.record({ kind: "checkin", result: "ok", durationMs: 1, at });
          const expected = new Set(times.map((at) => intlHour(at, timeZone)));
          expect(new Set(stats.aggregate("hour").map((a) => a.period))).toEqual(expected);
          db.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it("deletes records past the retention, at most once an hour while recording", async () => {
    const { stats, clock } = statistics({ retentionDays: 2 });
    stats.record({ kind: "checkout", result: "ok", durationMs: 1 }); // the first record prunes
    await clock.advance(30 * 60_000);
    stats.record({ kind: "checkout", result: "ok", durationMs: 1, at: T0 - 3 * DAY });
    expect(stats.records()).toHaveLength(2); // not pruned again within the hour
    await clock.advance(30 * 60_000);
    stats.record({ kind: "checkout", result: "ok", durationMs: 1 });
    expect(stats.records().map((r) => r.at)).toEqual([T0, T0 + 60 * 60_000]);
    await clock.advance(3 * DAY);
    expect(stats.prune()).toBe(2);
  });
});

describe("CSV export", () => {
  it("quotes as RFC 4180 says and ends every line with CRLF", () => {
    expect(toCsv([["a", 'say "hi"', "x,y", "line\nbreak", "cr\r", 3, undefined]])).toBe(
      'a,"say ""hi""","x,y","line\nbreak","cr\r",3,\r\n',
    );
  });

  it("round-trips any text through a strict RFC 4180 reader", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ unit: "grapheme" }), { minLength: 1, maxLength: 5 }), { maxLength: 6 }),
        (rows) => {
          expect(parseCsv(toCsv(rows))).toEqual(rows);
        },
      ),
    );
  });

  it("exports records and aggregates with a header row", () => {
    const { stats } = statistics({ timeZone: "UTC" });
    stats.record({ kind: "checkout", result: "ok", durationMs: 250, device: "rfid-pad" });
    stats.record({ kind: "checkout", result: "error", errorCode: "ILS_TIMEOUT", durationMs: 750 });
    expect(stats.csv("records")).toBe(
      "time,kind,result,error_code,duration_ms,device\r\n" +
        "2026-12-01T09:00:00.000Z,checkout,ok,,250,rfid-pad\r\n" +
        "2026-12-01T09:00:00.000Z,checkout,error,ILS_TIMEOUT,750,\r\n",
    );
    expect(stats.csv("hour")).toBe(
      "hour,kind,result,count,mean_duration_ms,max_duration_ms\r\n" +
        "2026-12-01T09:00+00:00,checkout,error,1,750,750\r\n" +
        "2026-12-01T09:00+00:00,checkout,ok,1,250,250\r\n",
    );
    expect(stats.csv("day").split("\r\n")[1]).toBe("2026-12-01,checkout,error,1,750,750");
  });
});

/** The hour label straight from Intl, slowly: the reference for the statistics' cached offsets. */
function intlHour(at: number, timeZone: string): string {
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    hourCycle: "h23",
    timeZoneName: "longOffset",
  });
  const p = Object.fromEntries(format.formatToParts(at).map((part) => [part.type, part.value]));
  const offset = (p.timeZoneName ?? "GMT").replace(/^GMT/, "") || "+00:00";
  return `${p.year}-${p.month}-${p.day}T${p.hour}:00${offset}`;
}

/** A strict RFC 4180 reader (the test's own, to check the writer against). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let i = 0;
  while (i < text.length) {
    const row: string[] = [];
    for (;;) {
      let field = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          const quote = text.indexOf('"', i);
          if (quote < 0) throw new Error("unterminated quote");
          field += text.slice(i, quote);
          i = quote + 1;
          if (text[i] === '"') {
            field += '"';
            i++;
          } else break;
        }
      } else {
        while (i < text.length && text[i] !== "," && !text.startsWith("\r\n", i)) {
          if (text[i] === '"' || text[i] === "\n" || text[i] === "\r") throw new Error(`bare ${text[i]} at ${i}`);
          field += text[i];
          i++;
        }
      }
      row.push(field);
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (!text.startsWith("\r\n", i)) throw new Error(`expected CRLF at ${i}`);
      i += 2;
      break;
    }
    rows.push(row);
  }
  return rows;
}
