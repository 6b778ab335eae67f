import { fileURLToPath } from "node:url";
import { generate } from "selfsigned";
import type { Sip2LinkSettings } from "../../../bridge/sip2/connection.ts";
import { loadFixture } from "../../../simulators/acs/fixture.ts";
import { InMemoryIls } from "../../../simulators/acs/ils.ts";
import { AcsServer, type AcsServerOptions } from "../../../simulators/acs/server.ts";

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
export async function selfSigned(): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
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
