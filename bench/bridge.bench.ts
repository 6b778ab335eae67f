/**
 * The bridge as a kiosk runs it (issue 9's figures): `selfcheck bridge --config` in its own process, with the
 * shipped logging, its ILS (`selfcheck acs`) and devices (`selfcheck sim`) in two more (bench/kiosk-processes.ts),
 * driven from here over the kiosk WebSocket API and the simulators' control API, as the UI and a patron would.
 *
 * - Latency the bridge adds, through a SIP2 proxy in this process (bench/sip2-proxy.ts): WebSocket command
 *   sent → SIP2 request reaches the proxy, and SIP2 answer leaves the proxy → next WebSocket message here.
 *   Both include two loopback hops and this process's own turns, so they are upper bounds.
 * - Stack checkouts on the RFID pad with the simulated latencies, against the lower bound of the
 *   work that cannot overlap.
 * - Cold start to ready and idle memory of the bridge process; and, for newcomers, of `selfcheck start`
 *   (`npm start`: the bridge and every simulator in one process).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { openKioskDatabase } from "../bridge/kiosk/database.ts";
import { OfflineJournal } from "../bridge/kiosk/journal.ts";
import { systemClock } from "../bridge/transports/clock.ts";
import type { KioskState } from "../protocols/kiosk-api/schema.ts";
import { KioskClient, padSawEmpty } from "../test/support/kiosk-client.ts";
import { type BenchRow, type BenchSuite, quantile } from "./harness.ts";
import { freeItems, type KioskProcesses, signIn, startKioskProcesses } from "./kiosk-processes.ts";
import { startSip2Proxy } from "./sip2-proxy.ts";

const LATENCY_SAMPLES = 100;
const STACK_ROUNDS = 5;
const STARTS = 3;
/** Issue 9: ILS 50 ms per response, 30 ms per tag write, 100 ms per inventory. */
const STACK = { items: 20, ilsMs: 50, writeMs: 30, inventoryMs: 100, connections: 2 };
/** Issue 8/9: 10 items, ILS at 1,200 ms per response, 4 SIP2 connections. */
const SLOW_ILS = { items: 10, ilsMs: 1200, connections: 4 };

async function control(kiosk: KioskProcesses, path: string, body: unknown = {}): Promise<unknown> {
  const response = await fetch(`${kiosk.control}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { result?: unknown }).result;
}

const settled = (s: KioskState, n: number) =>
  s.items.length === n && s.items.every((r) => r.status !== "pending" && r.status !== "working");

async function endSession(ui: KioskClient): Promise<void> {
  await ui.send({ type: "endSession" });
  await ui.until((s) => s.phase === "idle" && s.patron === undefined);
}

/** Resident memory of a process, from /proc (Linux). */
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line?.replace(/\D+/g, "") ?? Number.NaN) / 1024;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time a process has used so far (user + system), in ms, from /proc (Linux; clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const IDLE_CPU_MS = 10_000;

/** Memory and idle CPU are read on the last start: the first may have built the CLI bundle or the UI in the same process. */
async function bridgeStartAndMemory(): Promise<BenchRow[]> {
  const starts: number[] = [];
  let rss = Number.NaN;
  let idleCpu = Number.NaN;
  for (let i = 0; i < STARTS; i++) {
    const kiosk = await startKioskProcesses();
    starts.push(kiosk.bridgeReadyMs);
    if (i === STARTS - 1) {
      await settle(3000);
      rss = rssMb(kiosk.bridgePid);
      const before = cpuMsOf(kiosk.bridgePid);
      await settle(IDLE_CPU_MS);
      idleCpu = ((cpuMsOf(kiosk.bridgePid) - before) / IDLE_CPU_MS) * 100;
    }
    await kiosk.stop();
  }
  const what =
    "`selfcheck bridge --config`, four devices (serial scanner, 3M 810 pad, TCP printer, serial relay) and the ILS in other processes";
  return [
    {
      name: `bridge cold start to ready (median of ${STARTS})`,
      value: quantile(starts, 0.5),
      unit: "ms",
      target: { value: 1500, better: "lower" },
      note: `spawn → every device working and the server listening; ${what}`,
    },
    {
      name: "bridge idle RSS",
      value: rss,
      unit: "MB",
      target: { value: 100, better: "lower" },
      note: `3 s after ready; ${what}`,
    },
    {
      name: "bridge idle CPU",
      value: idleCpu,
      unit: "% of a core",
      note: `over ${IDLE_CPU_MS / 1000} s with nobody at the kiosk, after the RSS reading: mostly the pad's inventory rounds, resting 150 ms apart (KIOSK_PAD_PACE in bridge/kiosk/device-ports.ts); ${what}`,
    },
  ];
}

/** `npm start` as a newcomer runs it: spawn → the line that says it is running. */
async function simulatedStackStart(): Promise<BenchRow[]> {
  const bin = fileURLToPath(new URL("../bin/selfcheck.js", import.meta.url));
  const starts: number[] = [];
  let rss = Number.NaN;
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    const args = ["start", "--port", "0", "--kiosk-port", "0", "--control-port", "0"];
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const lines = createInterface({ input: child.stdout });
    await new Promise<void>((resolve, reject) => {
      lines.on("line", (line) => line.startsWith("Press Ctrl+C") && resolve());
      child.once("exit", (code) => reject(new Error(`selfcheck start exited (${code})`)));
    });
    starts.push(performance.now() - t0);
    if (i === STARTS - 1) {
      await settle(3000);
      rss = rssMb(child.pid as number);
    }
    child.kill("SIGTERM");
    await exited;
  }
  const what = "`selfcheck start` (npm start): the bridge, the ACS and every device simulator in one process";
  return [
    { name: `simulated kiosk start (median of ${STARTS})`, value: quantile(starts, 0.5), unit: "ms", note: what },
    { name: "simulated kiosk idle RSS", value: rss, unit: "MB", note: what },
  ];
}

/** The bridge's own figure: one quantile of a selfcheck_bridge_added_* summary, in ms, from its /metrics. */
function probeQuantile(metrics: string, name: string, direction: string, command: string, quantile: string): number {
  const series = `${name}{quantile="${quantile}",direction="${direction}",command="${command}"}`;
  const line = metrics.split("\n").find((l) => l.startsWith(series));
  if (!line) throw new Error(`the bridge's /metrics has no ${series}`);
  return Number(line.slice(line.lastIndexOf(" ") + 1)) * 1000;
}

export async function addedLatency(): Promise<BenchRow[]> {
  const proxy = await startSip2Proxy(() => performance.now());
  const kiosk = await startKioskProcesses({
    checkoutLimit: 1000,
    latencyProbe: true,
    sip2Via: async (acs) => {
      proxy.setUpstream(acs.host, acs.port);
      return { host: "127.0.0.1", port: proxy.port };
    },
  });
  const ui = await KioskClient.open(kiosk.kiosk);
  const messagesAt: number[] = [];
  ui.socket.on("message", () => messagesAt.push(performance.now()));
  try {
    await signIn(ui);
    const inward: number[] = [];
    const outward: number[] = [];
    for (const [n, itemId] of freeItems(LATENCY_SAMPLES).entries()) {
      const t0 = performance.now();
      await ui.send({ type: "addItem", itemId });
      await ui.until((s) => settled(s, n + 1));
      const request = proxy.passed.find((m) => m.direction === "up" && m.at >= t0);
      const answer = request && proxy.passed.find((m) => m.direction === "down" && m.at >= request.at);
      const event = answer && messagesAt.find((at) => at >= answer.at);
      if (!request || !answer || event === undefined) throw new Error(`no SIP2 exchange seen for item ${n + 1}`);
      inward.push(request.at - t0);
      outward.push(event - answer.at);
    }
    await endSession(ui);
    const metrics = await (await fetch(new URL("/metrics", kiosk.url))).text();
    if (process.env.BENCH_DEBUG) console.error(spread({ inward, outward }));
    const note = `${LATENCY_SAMPLES} checkouts by barcode, one at a time; bench → bridge → SIP2 proxy → ACS, so 2 loopback hops`;
    const inside = `${LATENCY_SAMPLES} checkouts by barcode; stamped inside the bridge where the bytes cross its sockets (SELFCHECK_LATENCY_PROBE)`;
    // Issue 9's target is on the p99 of each direction: the bridge's own figure carries it.
    const cpu = "the bridge process's CPU time over the same spans: its own work, whatever else the machine runs";
    const rows = (name: string, samples: number[], direction: string, command: string): BenchRow[] => {
      const inBridge = (metric: string, q: string) =>
        probeQuantile(metrics, `selfcheck_bridge_added${metric}`, direction, command, q);
      return [
        { name: `${name} p50, end to end`, value: quantile(samples, 0.5), unit: "ms", note },
        { name: `${name} p99, end to end`, value: quantile(samples, 0.99), unit: "ms", note },
        { name: `${name} p50, in the bridge`, value: inBridge("_seconds", "0.5"), unit: "ms", note: inside },
        {
          name: `${name} p99, in the bridge`,
          value: inBridge("_seconds", "0.99"),
          unit: "ms",
          target: { value: 1, better: "lower" },
          note: inside,
        },
        { name: `${name} p50, bridge CPU`, value: inBridge("_cpu_seconds", "0.5"), unit: "ms", note: cpu },
        { name: `${name} p99, bridge CPU`, value: inBridge("_cpu_seconds", "0.99"), unit: "ms", note: cpu },
      ];
    };
    return [
      ...rows("WebSocket command → SIP2 request", inward, "inward", "checkout"),
      ...rows("SIP2 answer → WebSocket event", outward, "outward", "checkoutResponse"),
    ];
  } finally {
    ui.close();
    await kiosk.stop();
    await proxy.close();
  }
}

/**
 * The floor the disk sets under those figures: one journal commit of each kind, wall time, on the disk the
 * bridge's journal used above (the temporary folder), in the same run. FULL waits for fsync; NORMAL hands the
 * WAL to the operating system. Neither checkpoints: the kiosk does that when a session ends (database.ts checkpoint).
 * Back to back, a commit finds the processor's caches warm; a kiosk's commands come one at a time with the
 * patron in between, so NORMAL is timed again with the process idle 20 ms before each: the cold path, which
 * the in-bridge figures pay at every command.
 */
export async function journalCommits(samples = 200): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "selfcheck-bench-disk-"));
  const db = openKioskDatabase(join(dir, "kiosk.db"));
  try {
    const journal = new OfflineJournal(db, { clock: systemClock });
    const full: number[] = [];
    const normal: number[] = [];
    const timed = (into: number[], write: () => unknown) => {
      const t0 = performance.now();
      write();
      into.push(performance.now() - t0);
    };
    // Interleaved, so both kinds see the same moments of the machine.
    for (let i = 0; i < samples; i++) {
      const tx = { kind: "checkout" as const, itemId: `item-${i}`, patronId: "bench-patron" };
      timed(full, () => journal.append({ ...tx, offline: true }));
      timed(normal, () => journal.start(tx));
    }
    const spaced: number[] = [];
    for (let i = 0; i < samples; i++) {
      await settle(20);
      timed(spaced, () => journal.start({ kind: "checkout", itemId: `spaced-${i}`, patronId: "bench-patron" }));
    }
    const rows = (name: string, values: number[], note: string): BenchRow[] => [
      { name: `${name} p50`, value: quantile(values, 0.5), unit: "ms", note },
      { name: `${name} p99`, value: quantile(values, 0.99), unit: "ms", note },
    ];
    return [
      ...rows(
        "journal commit at synchronous FULL (the disk's fsync)",
        full,
        `no target: the disk's floor, in ${tmpdir()}; an offline entry pays it before its checkout goes ahead`,
      ),
      ...rows(
        "journal commit at synchronous NORMAL",
        normal,
        "an online entry, written before its SIP2 request (inside the in-bridge WebSocket → SIP2 figure); back to back",
      ),
      ...rows(
        "journal commit at synchronous NORMAL, one every 20 ms",
        spaced,
        "the same commit with the process idle between, as a kiosk's commands come: the cold path the in-bridge figures pay",
      ),
    ];
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where the samples lie (BENCH_DEBUG): counts per millisecond band, to see what the tail is made of. */
function spread(series: Record<string, number[]>): string {
  const bands = [0.25, 0.5, 1, 2, 4, 8, 16, 32, Number.POSITIVE_INFINITY];
  return Object.entries(series)
    .map(([name, samples]) => {
      const counts = bands.map((top, i) => {
        const bottom = bands[i - 1] ?? 0;
        return `<${top}ms:${samples.filter((v) => v >= bottom && v < top).length}`;
      });
      return `${name}: ${counts.join(" ")}`;
    })
    .join("\n");
}

/** A stack of items placed on the pad at once → every row settled; then all returned for the next round. */
export async function stackCheckout(
  options: { items: number; ilsMs: number; connections: number; writeMs?: number; inventoryMs?: number },
  rounds: number,
): Promise<number[]> {
  const kiosk = await startKioskProcesses({
    checkoutLimit: 1000,
    ilsLatencyMs: options.ilsMs,
    connections: options.connections,
  });
  const ui = await KioskClient.open(kiosk.kiosk);
  try {
    const delays = {
      inventory: options.inventoryMs ?? 0,
      writeAfi: options.writeMs ?? 0,
      writeBlocks: options.writeMs ?? 0,
    };
    await control(kiosk, "/sims/rfid-pad/setFaults", { commandDelayMs: delays });
    const items = freeItems(options.items, 100);
    const times: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await signIn(ui);
      const t0 = performance.now();
      await control(kiosk, "/sims/rfid-pad/placeTags", { tags: items.map((itemId) => ({ itemId })) });
      const done = await ui.until((s) => settled(s, items.length));
      times.push(performance.now() - t0);
      const failed = done.items.filter((r) => r.status !== "done");
      if (failed.length > 0)
        throw new Error(`round ${round + 1}: ${failed.length} items not borrowed (${failed[0]?.reason})`);
      await endSession(ui);
      await ui.send({ type: "show", screen: "checkin" });
      const back = await ui.until((s) => s.phase === "checkin" && settled(s, items.length));
      if (back.items.some((r) => r.status !== "done")) throw new Error(`round ${round + 1}: not every item returned`);
      await endSession(ui);
      await control(kiosk, "/sims/rfid-pad/removeTags", { all: true });
      await padSawEmpty(kiosk.control);
    }
    return times;
  } finally {
    ui.close();
    await kiosk.stop();
  }
}

const suite: BenchSuite = {
  name: "bridge",
  async run(): Promise<BenchRow[]> {
    const rows = [
      ...(await bridgeStartAndMemory()),
      ...(await simulatedStackStart()),
      ...(await addedLatency()),
      ...(await journalCommits()),
    ];

    const stack = await stackCheckout(STACK, STACK_ROUNDS);
    // The pad does one thing at a time: one inventory, then every tag's write; the first write waits for the
    // first checkout. The ILS's share (items × 50 ms over 2 connections) fits inside the writes.
    const bound = STACK.inventoryMs + STACK.ilsMs + STACK.items * STACK.writeMs;
    const stackMs = quantile(stack, 0.5);
    rows.push(
      {
        name: `${STACK.items}-item stack on the pad`,
        value: stackMs,
        unit: "ms",
        note: `median of ${STACK_ROUNDS}; placed → every row done; ILS ${STACK.ilsMs} ms, write ${STACK.writeMs} ms, inventory ${STACK.inventoryMs} ms`,
      },
      {
        name: `${STACK.items}-item stack / lower bound`,
        value: stackMs / bound,
        unit: "×",
        target: { value: 1.15, better: "lower" },
        // The pad is the one serial resource; the bound leaves out the tag reads and the verify read after each
        // write (0 ms in the simulator, one serial round trip each). Not work but in the measure: the wait for
        // the first inventory that sees the stack, 0–110 ms (at the checkout screen the pad rests 10 ms after
        // each 100 ms round: KIOSK_PAD_PACE in bridge/kiosk/device-ports.ts).
        note: `bound ${bound} ms = inventory + first checkout + ${STACK.items} writes; 0–110 ms (55 on average) of waiting for the pad's next inventory round is in the measure`,
      },
    );

    const slow = await stackCheckout(SLOW_ILS, 1);
    const rounds = Math.ceil(SLOW_ILS.items / SLOW_ILS.connections);
    rows.push({
      name: `${SLOW_ILS.items} items, ILS ${SLOW_ILS.ilsMs} ms, ${SLOW_ILS.connections} connections`,
      value: quantile(slow, 0.5),
      unit: "ms",
      target: { value: 3500, better: "lower" },
      // SIP2 carries one request at a time per connection (a one-digit sequence number, and 96/97 resend "the
      // last message", which only a connection with one request outstanding can mean): the floor is above the 3.5 s target.
      note: `one request in flight per connection: ${rounds} rounds × ${SLOW_ILS.ilsMs} ms = ${rounds * SLOW_ILS.ilsMs} ms at best, above the 3,500 ms target`,
    });
    return rows;
  },
};

export default suite;
