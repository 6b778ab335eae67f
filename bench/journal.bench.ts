/**
 * The offline journal and statistics on this machine's disk: how many transactions per second the
 * kiosk can make durable with synchronous = FULL (each commit waits for fsync), how fast a replay
 * drains the journal when the ILS answers at once, and what statistics cost.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openKioskDatabase } from "../bridge/kiosk/database.ts";
import { OfflineJournal, type TransactionExecutor } from "../bridge/kiosk/journal.ts";
import { Statistics } from "../bridge/kiosk/statistics.ts";
import { systemClock } from "../bridge/transports/clock.ts";
import { type BenchRow, type BenchSuite, quantile } from "./harness.ts";

const instantIls: TransactionExecutor = {
  send: async () => ({ result: "done" }),
  inquire: async () => "not-done",
};

/** Median rate (per second) of `count` calls of `fn`, over `rounds` rounds. */
function rate(fn: (i: number) => void, count: number, rounds = 3): number {
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < count; i++) fn(r * count + i);
    rates.push((count * 1000) / (performance.now() - start));
  }
  return quantile(rates, 0.5);
}

const suite: BenchSuite = {
  name: "journal",
  async run(): Promise<BenchRow[]> {
    const dir = mkdtempSync(join(tmpdir(), "selfcheck-bench-journal-"));
    const note = `WAL, synchronous FULL, in ${tmpdir()}; load average ${loadavg()[0]?.toFixed(0)}`;
    try {
      const db = openKioskDatabase(join(dir, "kiosk.db"));
      const journal = new OfflineJournal(db, { clock: systemClock });
      const tx = (i: number) => ({
        kind: "checkout" as const,
        itemId: `item-${i}`,
        patronId: `p-${i % 50}`,
        offline: true,
      });

      const appends = rate((i) => journal.append(tx(i)), 200);
      // What one online checkout costs the journal: append, then sending, then done (three commits).
      const lifecycles = rate((i) => {
        const entry = journal.append(tx(i));
        journal.begin(entry.id);
        journal.finish(entry.id, { result: "done" });
      }, 100);

      for (let i = 0; i < 2000; i++) journal.append(tx(i));
      const backlog = journal.counts().pending;
      const start = performance.now();
      await journal.replay(instantIls);
      const replayed = (backlog * 1000) / (performance.now() - start);

      const stats = new Statistics(db, { clock: systemClock, retentionDays: 3650 });
      const records = rate(
        (i) => stats.record({ kind: "checkout", result: "ok", durationMs: i % 900, device: "rfid-pad" }),
        200,
      );
      // A year of a busy kiosk: 300 transactions a day.
      const yearStart = Date.now() - 365 * 86_400_000;
      db.transaction(() => {
        for (let i = 0; i < 365 * 300; i++) {
          stats.record({
            kind: i % 3 ? "checkout" : "checkin",
            result: "ok",
            durationMs: 200,
            at: yearStart + i * 288_000,
          });
        }
      })();
      const t0 = performance.now();
      const days = stats.aggregate("day").length;
      const aggregateMs = performance.now() - t0;
      db.close();

      return [
        { name: "journal append (durable)", value: appends, unit: "/s", note },
        { name: "journal append + sending + done", value: lifecycles, unit: "transactions/s", note },
        {
          name: "journal replay, ILS answering at once",
          value: replayed,
          unit: "entries/s",
          note: `${backlog} entries`,
        },
        { name: "statistics record (durable)", value: records, unit: "/s", note },
        {
          name: "statistics daily aggregate, one year",
          value: aggregateMs,
          unit: "ms",
          note: `${days} rows from 109,500 records`,
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default suite;
