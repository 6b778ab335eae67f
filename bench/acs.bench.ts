/**
 * The "acs" suite: the SIP2 ACS simulator measured as users run it. The server is `selfcheck acs` started
 * through the package's bin with its default log level and stdout redirected to /dev/null, in its own
 * process; this process is the load generator (a light SC per connection). A do-nothing SIP2 server, in its
 * own process and driven by the same client, gives the ceiling the client and the loopback allow.
 */
import type { Buffer } from "node:buffer";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeMessage, formatSip2Date, type Sip2Message, sip2 } from "../protocols/sip2/index.ts";
import { type Fixture, loadFixture } from "../simulators/acs/fixture.ts";
import { DEFAULT_FIXTURE_PATH } from "../simulators/acs/fixtures/generate.ts";
import { type BenchRow, type BenchSuite, machineLoad, quantile } from "./harness.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const CODEC = { errorDetection: true, charset: "utf-8" } as const;
const ROUNDS = 5;

/**
 * Server CPU per transaction at one connection before the logging rework: this suite run on d64f646 (pino
 * wildcard redaction, every message logged in full at info), 2026-12-01 15:48 UTC, load average 19 on the
 * 2 cores (six other sessions), right before the run of bench/results/acs.json; its results are in
 * bench/results/acs.before.json. The issue asks for a third of it.
 */
const CPU_PER_TX_BEFORE_US = 328;
/** The do-nothing server's CPU per transaction in that same run (acs.before.json). */
const NULL_CPU_PER_TX_BEFORE_US = 29.4;
/** Before, as a multiple of the do-nothing server: a figure the machine's speed cancels out of. */
const CPU_RATIO_BEFORE = CPU_PER_TX_BEFORE_US / NULL_CPU_PER_TX_BEFORE_US;

interface ServerProcess {
  readonly port: number;
  /** User plus system CPU seconds the process has used so far (Linux /proc). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts `node ...args PORT` with stdout to /dev/null and waits until the port accepts connections. */
export async function startServerProcess(args: readonly string[]): Promise<ServerProcess> {
  const port = await freePort();
  const devNull = openSync("/dev/null", "w");
  const child: ChildProcess = spawn(process.execPath, [...args, String(port)], { stdio: ["ignore", devNull, "pipe"] });
  closeSync(devNull);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`${args.join(" ")} exited: ${stderr}`);
    const socket = net.connect({ port, host: "127.0.0.1" });
    const ok = await new Promise<boolean>((resolve) => {
      socket.once("connect", () => resolve(true));
      socket.once("error", () => resolve(false));
    });
    socket.destroy();
    if (ok) break;
    if (tries > 400) throw new Error(`${args.join(" ")} did not listen on ${port}: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const ticks = 100; // USER_HZ, which Linux fixes at 100 for /proc
  return {
    port,
    cpuSeconds() {
      const fields = readFileSync(`/proc/${child.pid}/stat`, "latin1").split(") ")[1]!.split(" ");
      return (Number(fields[11]) + Number(fields[12])) / ticks; // utime and stime, fields 14 and 15 of stat
    },
    async stop() {
      child.kill("SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
    },
  };
}

/** `selfcheck acs` as a user starts it: the package's bin, default options, a fixed port. */
function shippedAcs(): Promise<ServerProcess> {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { bin: { selfcheck: string } };
  // ACS_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": Node options for the ACS alone, to profile it under
  // this load (the profile is written when the bench stops it).
  const nodeArgs = process.env.ACS_NODE_ARGS?.split(" ") ?? [];
  return startServerProcess([...nodeArgs, join(root, pkg.bin.selfcheck), "acs", "--port"]);
}

function nullServer(): Promise<ServerProcess> {
  return startServerProcess(["--import", "tsx", join(root, "bench/null-sip2-server.process.ts")]);
}

/** Requests a kiosk sends, spread over the fixture's patrons and items: 23, 63, 17, 11 and 09. */
function transactionMix(fixture: Fixture, connection: number): Buffer[] {
  const patron = fixture.patrons[connection % fixture.patrons.length]!.barcode;
  const item = fixture.items[connection % fixture.items.length]!.barcode;
  const now = formatSip2Date(new Date());
  const common = { transactionDate: now, institutionId: "OSC", terminalPassword: "" };
  const messages: Sip2Message[] = [
    sip2("patronStatusRequest", { ...common, language: "001", patronIdentifier: patron, patronPassword: "" }),
    sip2("patronInformation", { ...common, language: "001", summary: "chargedItems", patronIdentifier: patron }),
    sip2("itemInformation", { ...common, itemIdentifier: item }),
    sip2("checkout", {
      ...common,
      scRenewalPolicy: true,
      noBlock: false,
      nbDueDate: " ".repeat(18),
      patronIdentifier: patron,
      itemIdentifier: item,
    }),
    sip2("checkin", { ...common, noBlock: false, returnDate: now, currentLocation: "MAIN", itemIdentifier: item }),
  ];
  return messages.map((m, i) => encodeMessage({ ...m, sequence: i }, CODEC));
}

const LOGIN = encodeMessage(
  sip2("login", { uidAlgorithm: "0", pwdAlgorithm: "0", loginUserId: "kiosk-main", loginPassword: "main-secret" }),
);

interface LoadSc {
  /** Sends the mix back to back (SIP2 allows one request in flight) until `until` (Date.now()); the count. */
  run(until: number): Promise<number>;
  close(): void;
}

/**
 * One SC connection, logged in. Kept as light as it can be, since it shares the machine with the server:
 * a reply is complete when a chunk ends in CR.
 */
async function connectSc(port: number, requests: readonly Buffer[]): Promise<LoadSc> {
  const socket = net.connect({ port, host: "127.0.0.1" });
  socket.setNoDelay(true);
  await once(socket, "connect");
  let onChunk: (chunk: Buffer) => void = () => {};
  let onEnd: (error: Error) => void = () => {};
  socket.on("data", (chunk: Buffer) => onChunk(chunk));
  socket.on("close", () => onEnd(new Error("the server closed a benchmark connection")));
  socket.on("error", (error) => onEnd(error));
  let reply = "";
  await new Promise<void>((resolve, reject) => {
    onEnd = reject;
    onChunk = (chunk) => {
      reply += chunk.toString("latin1");
      if (!reply.endsWith("\r")) return;
      if (reply === "941\r") resolve();
      else reject(new Error(`the server refused the benchmark's login: ${JSON.stringify(reply)}`));
    };
    socket.write(LOGIN);
  });
  return {
    run: (until) =>
      new Promise((resolve, reject) => {
        let done = 0;
        onEnd = reject;
        onChunk = (chunk) => {
          if (chunk[chunk.length - 1] !== 0x0d) return;
          done++;
          if (Date.now() >= until) resolve(done);
          else socket.write(requests[done % requests.length]!);
        };
        socket.write(requests[0]!);
      }),
    close: () => {
      onEnd = () => {};
      socket.destroy();
    },
  };
}

interface Measured {
  txPerSecond: number;
  cpuMicrosPerTx: number;
}

/**
 * Each server with `connections` SCs, measured in alternating rounds of `ms` (server A, server B, A, B, …),
 * `ROUNDS` each; the median throughput and server CPU per transaction of each. Alternating keeps the two
 * comparable on a machine whose other load changes from one minute to the next.
 */
async function measureInTurns(servers: readonly ServerProcess[], connections: number, ms: number): Promise<Measured[]> {
  const fixture = loadFixture(DEFAULT_FIXTURE_PATH);
  const groups = await Promise.all(
    servers.map((server) =>
      Promise.all(Array.from({ length: connections }, (_, c) => connectSc(server.port, transactionMix(fixture, c)))),
    ),
  );
  const samples = servers.map(() => ({ rates: [] as number[], cpu: [] as number[] }));
  for (const scs of groups) await Promise.all(scs.map((sc) => sc.run(Date.now() + 200))); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, server] of servers.entries()) {
      const scs = groups[i]!;
      const cpuBefore = server.cpuSeconds();
      const started = performance.now();
      const until = Date.now() + ms;
      const counts = await Promise.all(scs.map((sc) => sc.run(until)));
      const seconds = (performance.now() - started) / 1000;
      const total = counts.reduce((a, b) => a + b, 0);
      samples[i]!.rates.push(total / seconds);
      samples[i]!.cpu.push(((server.cpuSeconds() - cpuBefore) * 1e6) / total);
    }
  }
  for (const sc of groups.flat()) sc.close();
  return samples.map(({ rates, cpu }) => ({ txPerSecond: quantile(rates, 0.5), cpuMicrosPerTx: quantile(cpu, 0.5) }));
}

async function serverRows(): Promise<BenchRow[]> {
  const note = "loopback TCP, AY/AZ on, mix 23/63/17/11/09, load generator in another process";
  const shipped = "selfcheck acs as shipped (default log level, stdout → /dev/null)";
  const turns = "rounds alternating with the do-nothing server";
  const [acs, ceiling] = await Promise.all([shippedAcs(), nullServer()]);
  try {
    const load = machineLoad();
    const [acsMany, nullMany] = await measureInTurns([acs, ceiling], 1000, 2000);
    const [acsOne, nullOne] = await measureInTurns([acs, ceiling], 1, 1000);
    const cpu = (m: Measured) => m.cpuMicrosPerTx;
    return [
      {
        name: "ACS, 1000 concurrent SCs",
        value: acsMany!.txPerSecond,
        unit: "tx/s",
        target: { value: 20_000, better: "higher" },
        note: `${shipped}; ${note}; ${load}; the issue's figure, from a machine about 2.2× faster than today's`,
      },
      {
        name: "ACS ÷ do-nothing SIP2 server, 1000 concurrent SCs",
        value: acsMany!.txPerSecond / nullMany!.txPerSecond,
        unit: "×",
        target: { value: 1 / 3, better: "higher" },
        note: `the issue's target without the machine: 20 k of a ~60 k ceiling; ${turns}`,
      },
      { name: "ACS, 1 SC", value: acsOne!.txPerSecond, unit: "tx/s", note: "one request in flight" },
      {
        name: "ACS CPU per transaction, 1 SC",
        value: cpu(acsOne!),
        unit: "µs/tx",
        target: { value: CPU_PER_TX_BEFORE_US / 3, better: "lower" },
        note: `server process user+system CPU (/proc); before: ${CPU_PER_TX_BEFORE_US.toFixed(1)} µs`,
      },
      {
        name: "ACS CPU per transaction ÷ do-nothing server's, 1 SC",
        value: cpu(acsOne!) / cpu(nullOne!),
        unit: "×",
        target: { value: CPU_RATIO_BEFORE / 3, better: "lower" },
        note: `a third of before without the machine: before ${CPU_RATIO_BEFORE.toFixed(1)}× (${CPU_PER_TX_BEFORE_US} ÷ ${NULL_CPU_PER_TX_BEFORE_US} µs); ${turns}`,
      },
      {
        name: "do-nothing SIP2 server, 1000 concurrent SCs",
        value: nullMany!.txPerSecond,
        unit: "tx/s",
        note: `the ceiling for this client and machine; ${note}`,
      },
      {
        name: "do-nothing SIP2 server, 1 SC",
        value: nullOne!.txPerSecond,
        unit: "tx/s",
        note: "one request in flight",
      },
      {
        name: "do-nothing SIP2 server CPU per transaction, 1 SC",
        value: cpu(nullOne!),
        unit: "µs/tx",
        note: "server process user+system CPU (/proc)",
      },
    ];
  } finally {
    await Promise.all([acs.stop(), ceiling.stop()]);
  }
}

const suite: BenchSuite = { name: "acs", run: serverRows };
export default suite;
