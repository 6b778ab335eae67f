/** Helpers for driver-vs-simulator tests: a quiet logger, health waits, and a TCP "printer port". */
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { Writable } from "node:stream";
import type { DeviceHealth } from "../../../../bridge/devices/device.ts";
import type { Receipt } from "../../../../bridge/devices/printer/receipt.ts";
import { createLogger, type Logger } from "../../../../bridge/log/logger.ts";
import { disconnectedError } from "../../../../bridge/transports/errors.ts";
import { TransportBase } from "../../../../bridge/transports/transport.ts";
import type { DeviceSimulator } from "../../../../simulators/devices/simulator.ts";
import { until } from "../../../support/settle.ts";
import type { VirtualClock } from "../../../support/virtual-clock.ts";

/** A logger that keeps every line, so tests can check what was (not) logged. */
export function capturingLogger(level = "debug"): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString("utf8"));
      callback();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

/** What waitForHealth needs of a device, whatever its other events. */
export interface HealthSource {
  health(): DeviceHealth;
  on(event: "health", listener: (health: DeviceHealth) => void): unknown;
  off(event: "health", listener: (health: DeviceHealth) => void): unknown;
}

/**
 * Resolves with the first health (current or coming) that satisfies `predicate`. With a VirtualClock it
 * moves virtual time until then (the way for anything whose outcome depends on time). Without one it
 * only listens: for drivers on real sockets and PTYs, where `hangGuardMs` of wall time is a bound that
 * turns a hang into a clear failure, long enough that a busy machine never reaches it.
 */
export async function waitForHealth(
  device: HealthSource,
  predicate: (h: DeviceHealth) => boolean,
  limit: { clock: VirtualClock; limitMs?: number } | { hangGuardMs: number } = { hangGuardMs: 20_000 },
): Promise<DeviceHealth> {
  if ("clock" in limit) {
    await until(limit.clock, () => predicate(device.health()), { limitMs: limit.limitMs ?? 60_000 });
    return device.health();
  }
  return new Promise((resolve, reject) => {
    const check = (h: DeviceHealth) => {
      if (!predicate(h)) return;
      clearTimeout(timer);
      device.off("health", check);
      resolve(h);
    };
    const timer = setTimeout(() => {
      device.off("health", check);
      reject(new Error(`no matching health within ${limit.hangGuardMs} ms; last: ${JSON.stringify(device.health())}`));
    }, limit.hangGuardMs);
    device.on("health", check);
    check(device.health());
  });
}

/** The device end of an accepted TCP connection, as a Transport a simulator can attach to. */
export class AcceptedSocketTransport extends TransportBase {
  readonly description: string;
  readonly #socket: Socket;

  constructor(socket: Socket) {
    super();
    this.#socket = socket;
    this.description = `tcp peer ${socket.remoteAddress}:${socket.remotePort}`;
    socket.on("data", (chunk: Buffer) => this.received(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => this.lost(disconnectedError(this.description, "the peer closed the connection")));
  }

  protected async openDevice(): Promise<void> {}

  protected async closeDevice(): Promise<void> {
    this.#socket.destroy();
  }

  protected async writeDevice(bytes: Uint8Array): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.#socket.write(Buffer.from(bytes), (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Pulls the network cable: the connection drops without a goodbye. */
  drop(): void {
    this.#socket.destroy();
  }
}

export interface TcpDevicePort {
  port: number;
  /** Every accepted connection, newest last. */
  connections: AcceptedSocketTransport[];
  /** Resolves with the next accepted connection. */
  nextConnection(): Promise<AcceptedSocketTransport>;
  close(): Promise<void>;
}

/** A simulator listening on a local TCP port, like a network printer on 9100; each new connection is attached. */
export async function serveOnTcp(simulator: DeviceSimulator): Promise<TcpDevicePort> {
  const connections: AcceptedSocketTransport[] = [];
  const server: Server = createServer((socket) => {
    const transport = new AcceptedSocketTransport(socket);
    void transport.open().then(() => {
      connections.push(transport);
      simulator.attach(transport);
      server.emit("attached", transport);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP port");
  return {
    port: address.port,
    connections,
    nextConnection: () => once(server, "attached").then(([t]) => t as AcceptedSocketTransport),
    close: async () => {
      for (const c of connections) c.drop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loan receipt with the characters that need the right code pages. */
export const LOAN: Receipt = {
  kind: "checkout",
  library: { name: "Stadtbibliothek Köln" },
  patron: { id: "23191000120012", name: "Erika Mustermann" },
  items: [
    { title: "Café Müller", itemId: "33191000105864", dueDate: new Date("2025-06-02T12:00:00Z") },
    { title: "Über Menschen", itemId: "33191000105872", dueDate: new Date("2025-06-02T12:00:00Z") },
  ],
  totals: [{ label: "Fees paid", amount: { amount: 12.5, currency: "EUR" } }],
  transactionId: "TX-2025-000123",
};
