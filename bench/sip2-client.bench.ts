/**
 * The "sip2-client" suite: the bridge's SIP2 client against `selfcheck acs` started through the package's
 * bin in its own process (so the ACS does not share this event loop), as an integrator would run it.
 *
 * - Overhead per transaction at zero latency: one connection, one Item Information at a time; the time
 *   includes the loopback and the ACS's own work, so it is an upper bound of the client's share.
 * - A 10-item checkout with the ACS answering after 1,200 ms (FOLIO-like), over 1 and over 4 connections.
 *   SIP2 allows one request in flight per connection, so k connections need ceil(10 / k) rounds of 1.2 s:
 *   3.6 s with 4, 2.4 s with 5. Timed from the first checkout, with every connection logged in before (as
 *   at a kiosk, where they log in at start-up); docs/sip2.md says why nothing else can overlap.
 * - Transactions per second through a 4-connection pool at zero latency (16 callers, Item Information).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Sip2ConfigSchema } from "../bridge/config/schema.ts";
import { checkValue } from "../bridge/config/validate.ts";
import { createSip2Client } from "../bridge/sip2/index.ts";
import { systemClock } from "../bridge/transports/clock.ts";
import { loadFixture } from "../simulators/acs/fixture.ts";
import { DEFAULT_FIXTURE_PATH } from "../simulators/acs/fixtures/generate.ts";
import { startServerProcess } from "./acs.bench.ts";
import { type BenchRow, type BenchSuite, quantile } from "./harness.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(root, "bin/selfcheck.js");
const fixture = loadFixture(DEFAULT_FIXTURE_PATH);
const regular = fixture.items.filter((i) => i.note === "regular" && !fixture.loans.some((l) => l.item === i.barcode));
const freePatrons = fixture.patrons.filter(
  (p) => p.note === "regular" && !fixture.loans.some((l) => l.patron === p.barcode),
);

function acs(...faults: string[]) {
  return startServerProcess([BIN, "acs", "--log-level", "silent", ...faults.flatMap((f) => ["--fault", f]), "--port"]);
}

async function client(port: number, connections: number, timeoutMs = 10_000) {
  const { value, problems } = checkValue(Sip2ConfigSchema, {
    host: "127.0.0.1",
    port,
    login: { user: "kiosk-main", password: "main-secret" },
    institution: "OSC",
    connections,
    timeoutMs,
    heartbeatMs: 0,
  });
  if (problems.length > 0) throw new Error(JSON.stringify(problems));
  const c = createSip2Client(value, { clock: systemClock });
  c.pool.start();
  // Every connection online before timing starts (each login costs a round trip at the ACS's latency).
  await Promise.all(
    c.pool.connections.map(
      (conn) =>
        new Promise<void>((resolve) => {
          if (conn.usable) return resolve();
          conn.on("state", (s) => {
            if (s.state === "online") resolve();
          });
        }),
    ),
  );
  return c;
}

async function overheadRows(): Promise<BenchRow[]> {
  const server = await acs();
  const c = await client(server.port, 1);
  try {
    const item = regular[0]!.barcode;
    for (let i = 0; i < 100; i++) await c.itemInformation({ itemId: item }); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < 1_000; i++) {
      const start = performance.now();
      await c.itemInformation({ itemId: item });
      samples.push((performance.now() - start) * 1000);
    }
    const note = "Item Information round trip on loopback, ACS in its own process; includes the ACS's work";
    return [
      { name: "transaction overhead p50, zero latency", value: quantile(samples, 0.5), unit: "µs", note },
      { name: "transaction overhead p99, zero latency", value: quantile(samples, 0.99), unit: "µs", note },
    ];
  } finally {
    await c.close();
    await server.stop();
  }
}

async function stackRows(): Promise<BenchRow[]> {
  const server = await acs("latency=1200");
  const rows: BenchRow[] = [];
  try {
    let nextItem = 0;
    for (const [connections, target] of [
      [1, undefined],
      [4, 3.5],
      [5, undefined],
    ] as const) {
      const c = await client(server.port, connections);
      const patronId = freePatrons[connections]!.barcode;
      const items = regular.slice(nextItem, nextItem + 10).map((i) => i.barcode);
      nextItem += 10;
      const start = performance.now();
      const results = await Promise.all(items.map((itemId) => c.checkout({ patronId, itemId })));
      const seconds = (performance.now() - start) / 1000;
      await c.close();
      const ok = results.filter((r) => r.ok).length;
      rows.push({
        name: `10-item checkout at 1,200 ms per response, ${connections} connection${connections > 1 ? "s" : ""}`,
        value: seconds,
        unit: "s",
        ...(target ? { target: { value: target, better: "lower" as const } } : {}),
        note: `${ok}/10 ok; ceil(10/${connections}) rounds of 1.2 s = ${(Math.ceil(10 / connections) * 1.2).toFixed(1)} s at best`,
      });
    }
  } finally {
    await server.stop();
  }
  return rows;
}

async function throughputRows(): Promise<BenchRow[]> {
  const server = await acs();
  const c = await client(server.port, 4);
  try {
    const items = regular.slice(0, 16).map((i) => i.barcode);
    const until = performance.now() + 3_000;
    let count = 0;
    await Promise.all(
      items.map(async (itemId) => {
        while (performance.now() < until) {
          await c.itemInformation({ itemId });
          count++;
        }
      }),
    );
    return [
      {
        name: "transactions/s through a 4-connection pool, zero latency",
        value: count / 3,
        unit: "tx/s",
        note: "16 callers, Item Information, ACS in its own process",
      },
    ];
  } finally {
    await c.close();
    await server.stop();
  }
}

const suite: BenchSuite = {
  name: "sip2-client",
  run: async () => [...(await overheadRows()), ...(await stackRows()), ...(await throughputRows())],
};
export default suite;
