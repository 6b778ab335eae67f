import net from "node:net";
import { fileURLToPath } from "node:url";
import { generate } from "selfsigned";
import { Sip2Client, type Sip2TransactionSettings } from "../../../bridge/sip2/client.ts";
import { Sip2Connection, type Sip2LinkSettings } from "../../../bridge/sip2/connection.ts";
import { Sip2Pool } from "../../../bridge/sip2/pool.ts";
import type { Clock } from "../../../bridge/transports/clock.ts";
import { loadFixture } from "../../../simulators/acs/fixture.ts";
import { InMemoryIls } from "../../../simulators/acs/ils.ts";
import { AcsServer, type AcsServerOptions } from "../../../simulators/acs/server.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";

export const FIXTURE_FILE = fileURLToPath(new URL("../../../simulators/acs/fixtures/default.json", import.meta.url));
export const fixture = loadFixture(FIXTURE_FILE);
export const patron = (note: string) => fixture.patrons.find((p) => p.note === note)!;
export const item = (note: string) => fixture.items.find((i) => i.note === note)!;

/** An ACS simulator on a free port, with its ILS. */
export async function startAcs(options: Partial<AcsServerOptions> = {}) {
  const ils = options.ils ?? new InMemoryIls(fixture);
  const server = new AcsServer({ ...options, ils });
  const address = await server.start();
  return { ils, server, port: address.port };
}

/** Settings for a connection to the ACS simulator; generous timeouts, since real sockets are involved. */
export function link(port: number, overrides: Partial<Sip2LinkSettings> = {}): Sip2LinkSettings {
  return {
    host: "127.0.0.1",
    port,
    login: { user: "kiosk-main", password: "main-secret" },
    charset: "utf-8",
    errorDetection: true,
    terminator: "\r",
    timeoutMs: 5_000,
    connectTimeoutMs: 5_000,
    heartbeatMs: 0,
    maxScResends: 2,
    maxAcsResends: 2,
    maxPrintWidth: 40,
    protocolVersion: "2.00",
    backoff: { initialMs: 100, maxMs: 1_000, jitter: 0 },
    ...overrides,
  };
}

/** A CA-less self-signed certificate for "localhost" (and 127.0.0.1), as the ACS tests use. */
export async function selfSigned(commonName = "localhost"): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: "commonName", value: commonName }], {
    keySize: 2048,
    extensions: [
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** Resolves at the next event `name` of `emitter` that `accept` takes. */
export function nextEvent<A extends unknown[]>(
  emitter: {
    on(name: string, fn: (...args: A) => void): unknown;
    off(name: string, fn: (...args: A) => void): unknown;
  },
  name: string,
  accept: (...args: A) => boolean = () => true,
): Promise<A> {
  return new Promise((resolve) => {
    const fn = (...args: A) => {
      if (!accept(...args)) return;
      emitter.off(name, fn);
      resolve(args);
    };
    emitter.on(name, fn);
  });
}

export const TX_SETTINGS: Sip2TransactionSettings = {
  institution: "OSC",
  terminalPassword: "",
  location: "MAIN",
  sendEmptyPatronPassword: false,
  scRenewalPolicy: true,
  dateZone: "local",
  readRetries: 2,
  transactionRetries: 1,
};

/** A client over `k` started connections to the ACS on `port`; resolves when one is online. */
export async function startClient(
  port: number,
  options: { connections?: number; clock?: Clock; link?: Partial<Sip2LinkSettings>; waitMs?: number } = {},
) {
  const clock = options.clock ?? new VirtualClock();
  const connections = Array.from(
    { length: options.connections ?? 2 },
    (_, i) => new Sip2Connection(link(port, options.link), { name: `c${i + 1}`, clock }),
  );
  const pool = new Sip2Pool(connections, { clock, waitMs: options.waitMs ?? 5_000 });
  const client = new Sip2Client(TX_SETTINGS, { pool, clock });
  pool.start();
  await Promise.all(connections.map((c) => nextEvent(c, "state", (s: { state: string }) => s.state === "online")));
  return { client, pool, connections, clock };
}

/**
 * A TCP proxy between the client and the ACS that cuts the link at one chosen message: before a request
 * with code `code` reaches the ACS ("request": the ILS never sees it), or after the ACS answered with
 * `code` and before the answer reaches the client ("answer": the ILS did it, the answer is lost). Each cut
 * happens once, closing both sides; the client's reconnection then goes through cleanly.
 */
export async function startCutter(acsPort: number) {
  type Rule = { direction: "request" | "answer"; code: string; cut: () => void };
  const rules: Rule[] = [];
  const sockets = new Set<net.Socket>();
  const cutAt = (direction: Rule["direction"], frame: string) => {
    const at = rules.findIndex((r) => r.direction === direction && frame.startsWith(r.code));
    if (at < 0) return undefined;
    return rules.splice(at, 1)[0];
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(acsPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const [from, to, direction] of [
      [client, upstream, "request"],
      [upstream, client, "answer"],
    ] as const) {
      let pending = "";
      from.on("data", (chunk: Buffer) => {
        pending += chunk.toString("latin1");
        for (let end = pending.indexOf("\r"); end >= 0; end = pending.indexOf("\r")) {
          const frame = pending.slice(0, end + 1);
          pending = pending.slice(end + 1);
          const rule = cutAt(direction, frame.replace(/^\n/, ""));
          if (rule) {
            close();
            rule.cut();
            return;
          }
          to.write(Buffer.from(frame, "latin1"));
        }
      });
      from.on("close", close);
      from.on("error", close);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    /** Arms a cut; resolves when it has happened. */
    cut(direction: Rule["direction"], code: string): Promise<void> {
      return new Promise((resolve) => rules.push({ direction, code, cut: resolve }));
    },
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
