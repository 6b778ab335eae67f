import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One measured figure. `target` is the figure an issue asks for, in the same unit, when there is one. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  target?: { value: number; better: "higher" | "lower" };
  note?: string;
}

/** A benchmark suite: `bench/<name>.bench.ts` exports one as default; results go to bench/results/<name>.json. */
export interface BenchSuite {
  name: string;
  run(): Promise<BenchRow[]>;
}

/** CPU milliseconds this process has used (user + system). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Operations per second of `fn`: after a warm-up, `rounds` timed rounds of about `ms / rounds` each, and the
 * median round. Time is the process's CPU time, not the wall clock: on a shared 2-core machine the wall clock
 * also counts the turns of every other process, and the median keeps one burst of contention from deciding.
 */
export function opsPerSecond(fn: () => unknown, ms = 1000, warmupMs = 200, rounds = 5): number {
  const round = (limit: number) => {
    let n = 0;
    const start = cpuMs();
    let now = start;
    while (now - start < limit) {
      for (let i = 0; i < 100; i++) fn();
      n += 100;
      now = cpuMs();
    }
    return (n * 1000) / (now - start);
  };
  round(warmupMs);
  const rates = Array.from({ length: rounds }, () => round(ms / rounds));
  return quantile(rates, 0.5);
}

/**
 * The machine's load when a figure was taken, for its note. Per CPU second is not per quiet second: beside
 * other work a CPU second does less (shared caches and cores), so the same SIP2 framer code measured 420–459
 * MB/s on 2026-11-25 and 247–276 MB/s on 2026-12-01 at load 10–15. Figures are comparable only at like loads.
 */
export function machineLoad(): string {
  return `load ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`;
}

/** The q-quantile (0..1) of a sample, by nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function meets(row: BenchRow): boolean | undefined {
  if (!row.target) return undefined;
  return row.target.better === "higher" ? row.value >= row.target.value : row.value <= row.target.value;
}

export function formatTable(suite: string, rows: readonly BenchRow[]): string {
  const fmt = (v: number) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : v.toPrecision(3));
  const lines = rows.map((r) => {
    const verdict = meets(r);
    const target = r.target ? `${r.target.better === "higher" ? "≥" : "≤"} ${fmt(r.target.value)}` : "";
    const mark = verdict === undefined ? "" : verdict ? "met" : "MISSED";
    return [r.name, fmt(r.value), r.unit, target, mark, r.note ?? ""];
  });
  const header = ["benchmark", "value", "unit", "target", "", "note"];
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((l) => (l[i] ?? "").length)));
  const render = (l: string[]) =>
    l
      .map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [`## ${suite}`, render(header), widths.map((w) => "-".repeat(w)).join("  "), ...lines.map(render)].join("\n");
}

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "results");

export function writeResults(suite: string, rows: readonly BenchRow[]): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${suite}.json`);
  const payload = {
    suite,
    date: new Date().toISOString(),
    node: process.version,
    rows: rows.map((r) => ({ ...r, met: meets(r) })),
  };
  writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
  return file;
}
