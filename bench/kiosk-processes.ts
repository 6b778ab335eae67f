/**
 * A simulated kiosk in three processes, each started through the package's bin as a user would, with the
 * shipped log levels: `selfcheck acs` (the ILS), `selfcheck sim` (the devices of config/simulated.json on
 * PTYs and TCP) and `selfcheck bridge --config` (the kiosk itself, as it runs on a kiosk PC). The bridge
 * process is alone in its event loop and memory, so what is measured of it is the bridge's own.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { loadFixture } from "../simulators/acs/fixture.ts";
import { DEFAULT_FIXTURE_PATH } from "../simulators/acs/fixtures/generate.ts";
import type { KioskClient } from "../test/support/kiosk-client.ts";
import { freePort } from "./acs.bench.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(root, "bin", "selfcheck.js");
const SIMULATED = JSON.parse(readFileSync(join(root, "config", "simulated.json"), "utf8")) as {
  sip2: Record<string, unknown>;
  devices: Array<{ id: string; transport: Record<string, unknown> }>;
  simulators: Array<{ id: string; kind: string; expose: Record<string, unknown>; options?: Record<string, unknown> }>;
};

const PATRON = "24711000000012"; // "valid", PIN 1111 (simulators/acs/fixtures/CASES.md)
const PIN = "1111";

/** Items nobody has on loan or on hold, for checkouts that succeed. */
export function freeItems(count: number, skip = 0): string[] {
  const fixture = loadFixture(DEFAULT_FIXTURE_PATH);
  const loaned = new Set(fixture.loans.map((l) => l.item));
  const held = new Set(fixture.holds.map((h) => h.titleId));
  const free = fixture.items
    // Items of the kiosk's own branch: one from elsewhere goes in transit when returned, and is not lent again.
    .filter((i) => i.note === "regular" && i.homeBranch === "MAIN" && !loaned.has(i.barcode) && !held.has(i.titleId))
    .map((i) => i.barcode);
  if (free.length < skip + count) throw new Error(`the fixture has only ${free.length} free items`);
  return free.slice(skip, skip + count);
}

/** Signs the fixture's "valid" patron in over the kiosk API and opens the checkout screen. */
export async function signIn(ui: KioskClient): Promise<void> {
  await ui.until((s) => s.ils.status === "online" && s.phase === "idle");
  await ui.send({ type: "identify", credential: PATRON });
  await ui.until((s) => s.phase === "pin");
  await ui.send({ type: "verifyPin", pin: PIN });
  await ui.until((s) => s.phase === "home");
  await ui.send({ type: "show", screen: "checkout" });
}

export interface KioskProcessOptions {
  /** Per-response latency of the ILS (`--fault latency=MS`). */
  ilsLatencyMs?: number;
  /** Loans one patron may have: a 20-item stack is over the default fixture's limit of 10. */
  checkoutLimit?: number;
  /** SIP2 connections of the bridge. */
  connections?: number;
  /**
   * Where the bridge finds the ILS instead of the ACS itself (a proxy in front of it); called with the ACS's
   * address once it listens.
   */
  sip2Via?: (acs: { host: string; port: number }) => Promise<{ host: string; port: number }>;
  /** Turns on the bridge's own latency stamps (SELFCHECK_LATENCY_PROBE, bridge/server/latency-probe.ts). */
  latencyProbe?: boolean;
}

export interface KioskProcesses {
  /** The kiosk page. */
  url: string;
  /** The kiosk WebSocket API. */
  kiosk: string;
  /** The device simulators' control API. */
  control: string;
  /** From spawning the bridge to every device ok and the server listening. */
  bridgeReadyMs: number;
  bridgePid: number;
  stop(): Promise<void>;
}

interface Cli {
  child: ChildProcess;
  /** Resolves with the first line matching, or fails if the process exits first. */
  line(pattern: RegExp): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

function cli(args: readonly string[], env: Record<string, string> = {}): Cli {
  // BRIDGE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": Node options for the bridge alone, to profile it.
  const nodeArgs = args[0] === "bridge" && process.env.BRIDGE_NODE_ARGS ? process.env.BRIDGE_NODE_ARGS.split(" ") : [];
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  const seen: string[] = [];
  const waiting = new Set<() => void>();
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    seen.push(line);
    if (process.env.BENCH_DEBUG) console.error(`[${args[0]}] ${line}`);
    for (const wake of waiting) wake();
  });
  const exited = once(child, "exit");
  return {
    child,
    line(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const line of seen) {
            const match = line.match(pattern);
            if (match) {
              waiting.delete(check);
              resolve(match);
              return;
            }
          }
          if (child.exitCode !== null) {
            waiting.delete(check);
            reject(new Error(`selfcheck ${args[0]} exited (${child.exitCode}):\n${seen.join("\n")}\n${stderr}`));
          }
        };
        waiting.add(check);
        child.once("exit", check);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Where each device of config/simulated.json goes: its PTY link in `dir`, or the printer's free port. */
function rewire<T extends { id: string }>(entry: T, key: keyof T, dir: string, printerPort: number): T {
  const place = entry[key] as Record<string, unknown>;
  const moved =
    place.type === "tcp"
      ? { ...place, port: printerPort }
      : { ...place, [key === "expose" ? "link" : "path"]: join(dir, entry.id) };
  return { ...entry, [key]: moved };
}

export async function startKioskProcesses(options: KioskProcessOptions = {}): Promise<KioskProcesses> {
  const dir = mkdtempSync(join(tmpdir(), "selfcheck-bench-"));
  const started: Cli[] = [];
  const stop = async () => {
    for (const p of started.reverse()) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const fixture = loadFixture(DEFAULT_FIXTURE_PATH);
    if (options.checkoutLimit !== undefined) fixture.policy.checkoutLimit = options.checkoutLimit;
    writeFileSync(join(dir, "fixture.json"), JSON.stringify(fixture));
    const faults = options.ilsLatencyMs ? ["--fault", `latency=${options.ilsLatencyMs}`] : [];
    const acs = cli(["acs", "--port", "0", "--fixture", join(dir, "fixture.json"), ...faults]);
    started.push(acs);
    const [, host, port] = await acs.line(/^SIP2 ACS simulator on tcp:\/\/([^:]+):(\d+)/);
    const acsAddress = { host: host as string, port: Number(port) };

    const printerPort = await freePort();
    // The pad starts empty: the example config puts two books on it for people trying it by hand.
    const simulators = SIMULATED.simulators.map((s) => ({
      ...rewire(s, "expose", dir, printerPort),
      ...(s.kind === "rfid" ? { options: { ...s.options, tags: undefined } } : {}),
    }));
    writeFileSync(join(dir, "sim.json"), JSON.stringify({ simulators }));
    const sim = cli(["sim", "--config", join(dir, "sim.json"), "--control-port", "0"]);
    started.push(sim);
    const [, control] = await sim.line(/^Control API: (\S+)/);

    const ils = options.sip2Via ? await options.sip2Via(acsAddress) : acsAddress;
    const config = {
      sip2: { ...SIMULATED.sip2, ...ils, ...(options.connections ? { connections: options.connections } : {}) },
      devices: SIMULATED.devices.map((d) => rewire(d, "transport", dir, printerPort)),
      server: { host: "127.0.0.1", port: 0 },
      offline: { journalPath: join(dir, "selfcheck.db") },
    };
    writeFileSync(join(dir, "bridge.json"), JSON.stringify(config));
    const t0 = performance.now();
    const bridge = cli(
      ["bridge", "--config", join(dir, "bridge.json")],
      options.latencyProbe ? { SELFCHECK_LATENCY_PROBE: "1" } : {},
    );
    started.push(bridge);
    const [, url] = await bridge.line(/^\s+Kiosk\s+(http\S+)/);
    const [, kiosk] = await bridge.line(/^\s+Kiosk API\s+(\S+)/);
    // Ready when every device is working (a serial-line scanner cannot be asked, so it stays "unverified"):
    // in the table printed at start, or in a line after.
    const ready = "(ok|unverified)\\b";
    await Promise.all(
      config.devices.map((d) =>
        bridge.line(new RegExp(`^(\\s+${d.id}\\s+\\S+ \\S+\\s+${ready}|device ${d.id}: ${ready})`)),
      ),
    );
    const bridgeReadyMs = performance.now() - t0;
    return {
      url: url as string,
      kiosk: kiosk as string,
      control: control as string,
      bridgeReadyMs,
      bridgePid: bridge.child.pid as number,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
