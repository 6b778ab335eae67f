/**
 * Puts a device simulator where a driver can reach it:
 * - on an in-memory cable (tests, and HID devices in the stack): returns the driver's end;
 * - on a TCP server (network printers, readers): returns host:port; every accepted connection is
 *   attached in turn, as a device serving one client at a time;
 * - on a pseudo-terminal pair (serial devices): returns the driver's path; the simulator's end is
 *   opened with the real serialport package, so the driver's serial code runs for real.
 *
 * Each hosting can be unplugged and plugged back (hot-plug demos and tests) and closed.
 */
import { lstat, mkdir, readlink, stat, symlink, unlink } from "node:fs/promises";
import net from "node:net";
import { dirname } from "node:path";
import { disconnectedError, reasonOf } from "../../bridge/transports/errors.ts";
import {
  createMemoryHidPair,
  createMemoryPair,
  type MemoryPairOptions,
  type MemoryTransport,
} from "../../bridge/transports/memory.ts";
import { createSerialTransport, type SerialTransport } from "../../bridge/transports/serial.ts";
import { ownedCopy, type Transport, TransportBase } from "../../bridge/transports/transport.ts";
import { CodedError } from "../../protocols/errors.ts";
import { openPtyPair, type PtyPair } from "./pty.ts";
import type { DeviceSimulator } from "./simulator.ts";

export type HostErrorCode = "SIM_HOST_FAILED" | "SIM_LINK_EXISTS";

export class HostError extends CodedError<HostErrorCode> {}

/** Where a hosted simulator can be reached. */
export type Exposure =
  | { type: "memory"; hid: boolean }
  | { type: "tcp"; host: string; port: number }
  | { type: "pty"; path: string; link?: string }
  /** Handed to the bridge as an object (the payment terminal, which has no wire protocol of its own). */
  | { type: "in-process" };

interface HostingBase {
  readonly simulator: DeviceSimulator;
  readonly exposure: Exposure;
  /** One line for people: "pty /tmp/osc-pty-x1Y2/a (link /tmp/sim/rfid)", "tcp 127.0.0.1:9100". */
  where(): string;
  /** False between unplug() and replug(). */
  readonly plugged: boolean;
  /** Unplugs the driver's side: it sees its device go away, and the simulator is detached. */
  unplug(): Promise<void>;
  /** Plugs it back in (a PTY comes back on a new pseudo-terminal behind the same path). */
  replug(): Promise<void>;
  close(): Promise<void>;
}

export interface MemoryHosting extends HostingBase {
  readonly exposure: { type: "memory"; hid: boolean };
  /** The driver's end of the cable: a MemoryHidHost (with feature reports) when `hid`. Reopens after close. */
  readonly driverTransport: MemoryTransport;
}

export interface TcpHosting extends HostingBase {
  readonly exposure: { type: "tcp"; host: string; port: number };
  /** Open client connections. */
  readonly connections: number;
}

export interface PtyHosting extends HostingBase {
  readonly exposure: { type: "pty"; path: string; link?: string };
  readonly pair: PtyPair;
}

export interface InProcessHosting extends HostingBase {
  readonly exposure: { type: "in-process" };
}

export type Hosting = MemoryHosting | TcpHosting | PtyHosting | InProcessHosting;

/** Hosts a simulator the bridge is given directly; unplugged, it answers nothing (`setReachable(false)`). */
export function hostInProcess(
  simulator: DeviceSimulator & { setReachable(reachable: boolean): void },
): InProcessHosting {
  let plugged = true;
  const plug = async (value: boolean) => {
    plugged = value;
    simulator.setReachable(value);
  };
  return {
    simulator,
    exposure: { type: "in-process" },
    where: () => "in-process",
    get plugged() {
      return plugged;
    },
    unplug: () => plug(false),
    replug: () => plug(true),
    close: () => plug(false),
  };
}

export function describeExposure(exposure: Exposure): string {
  switch (exposure.type) {
    case "memory":
      return exposure.hid ? "memory HID (in-process)" : "memory (in-process)";
    case "tcp":
      return `tcp ${exposure.host}:${exposure.port}`;
    case "pty":
      return exposure.link ? `pty ${exposure.path} (link ${exposure.link})` : `pty ${exposure.path}`;
    case "in-process":
      return "in-process";
  }
}

/** Hosts `simulator` on an in-memory cable; `hid` carries reports and feature reports (HID devices). */
export async function hostOnMemory(
  simulator: DeviceSimulator,
  options: { hid?: boolean } & Omit<MemoryPairOptions, "names"> = {},
): Promise<MemoryHosting> {
  const hid = options.hid === true;
  const { hid: _hid, ...pairOptions } = options;
  const names: [string, string] = [`${simulator.model} driver side`, `${simulator.model} simulator`];
  const [driverEnd, simEnd]: [MemoryTransport, MemoryTransport] = hid
    ? createMemoryHidPair({ ...pairOptions, names })
    : createMemoryPair({ ...pairOptions, names });
  await simEnd.open();
  simulator.attach(simEnd);
  const exposure = { type: "memory" as const, hid };
  return {
    simulator,
    exposure,
    driverTransport: driverEnd,
    where: () => describeExposure(exposure),
    get plugged() {
      return driverEnd.plugged;
    },
    async unplug() {
      simulator.detach();
      driverEnd.disconnect();
    },
    async replug() {
      if (driverEnd.plugged) return;
      driverEnd.reconnect();
      await simEnd.open();
      simulator.attach(simEnd);
    },
    async close() {
      simulator.detach();
      await Promise.all([driverEnd.close(), simEnd.close()]);
    },
  };
}

/**
 * The simulator's side of an accepted TCP connection, as a Transport. It is open from the start: the
 * client connected, there is nothing to open.
 */
class AcceptedConnection extends TransportBase {
  readonly description: string;
  readonly #socket: net.Socket;
  #attached = false;

  constructor(socket: net.Socket) {
    super();
    this.#socket = socket;
    this.description = `tcp client ${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.received(chunk));
    const gone = (what: string) => (err?: unknown) => {
      socket.removeAllListeners();
      socket.on("error", () => undefined);
      socket.destroy();
      this.lost(disconnectedError(this.description, what, err));
    };
    socket.on("error", gone("connection failed"));
    socket.on("end", gone("the client closed the connection"));
    socket.on("close", gone("the connection closed"));
  }

  protected async openDevice(): Promise<void> {
    if (this.#attached || this.#socket.destroyed) {
      throw disconnectedError(this.description, "an accepted connection cannot be opened again");
    }
    this.#attached = true;
  }

  protected async closeDevice(): Promise<void> {
    this.#socket.removeAllListeners();
    this.#socket.on("error", () => undefined);
    this.#socket.destroy();
  }

  protected async writeDevice(bytes: Uint8Array): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#socket.write(ownedCopy(bytes), (err) => (err ? reject(err) : resolve()));
    });
  }
}

/**
 * Hosts `simulator` on a TCP server. Each new connection is attached (a previous one is closed: the
 * simulated device serves one client at a time, like a raw 9100 printer port).
 */
export async function hostOnTcp(
  simulator: DeviceSimulator,
  options: { host?: string; port?: number } = {},
): Promise<TcpHosting> {
  const host = options.host ?? "127.0.0.1";
  let current: AcceptedConnection | undefined;
  const sockets = new Set<net.Socket>();
  let accepting = true;

  const server = net.createServer((socket) => {
    if (!accepting) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const previous = current;
    const connection = new AcceptedConnection(socket);
    current = connection;
    connection.on("close", () => {
      if (current !== connection) return;
      current = undefined;
      simulator.detach();
    });
    if (previous) {
      simulator.detach();
      void previous.close();
    }
    void connection.open().then(() => {
      if (current === connection) simulator.attach(connection);
    });
  });
  server.on("error", () => undefined);
  const port = await listen(server, host, options.port ?? 0);
  const exposure = { type: "tcp" as const, host, port };

  const dropAll = async () => {
    const connection = current;
    current = undefined;
    simulator.detach();
    await connection?.close();
    for (const socket of sockets) socket.destroy();
  };
  return {
    simulator,
    exposure,
    where: () => describeExposure(exposure),
    get connections() {
      return sockets.size;
    },
    get plugged() {
      return accepting;
    },
    async unplug() {
      accepting = false;
      await dropAll();
    },
    async replug() {
      accepting = true;
    },
    async close() {
      accepting = false;
      await dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (err: unknown) =>
      reject(
        new HostError(
          "SIM_HOST_FAILED",
          `cannot listen on ${host}:${port} (${reasonOf(err)}); pick another port or stop what uses it.`,
          { host, port },
          { cause: err },
        ),
      );
    server.once("error", failed);
    server.listen({ host, port }, () => {
      server.off("error", failed);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

export interface PtyHostOptions {
  /** The simulator end's line speed (a PTY ignores it, but the serial code sets it). Default 9600. */
  baudRate?: number;
  /** Also make a symlink here to the driver's PTY path, so a config can name a stable path. */
  link?: string;
}

/** Hosts `simulator` on a pseudo-terminal pair: the driver opens `exposure.path` with serialport. */
export async function hostOnPty(simulator: DeviceSimulator, options: PtyHostOptions = {}): Promise<PtyHosting> {
  const pair = await openPtyPair();
  let simEnd: SerialTransport | undefined;
  try {
    simEnd = createSerialTransport({ path: pair.b, baudRate: options.baudRate ?? 9600, presenceCheckMs: 0 });
    await simEnd.open();
    if (options.link !== undefined) await pointLink(options.link, pair.a);
  } catch (err) {
    await simEnd?.close();
    await pair.close();
    throw err instanceof CodedError
      ? err
      : new HostError(
          "SIM_HOST_FAILED",
          `cannot host ${simulator.model} on a PTY: ${reasonOf(err)}`,
          {},
          { cause: err },
        );
  }
  simulator.attach(simEnd);
  const exposure: PtyHosting["exposure"] =
    options.link === undefined ? { type: "pty", path: pair.a } : { type: "pty", path: pair.a, link: options.link };
  const sim = simEnd;
  let plugged = true;
  return {
    simulator,
    pair,
    exposure,
    where: () => describeExposure(exposure),
    get plugged() {
      return plugged;
    },
    async unplug() {
      if (!plugged) return;
      plugged = false;
      simulator.detach();
      await pair.hangup("a");
    },
    async replug() {
      if (plugged) return;
      exposure.path = await pair.replug("a");
      if (exposure.link !== undefined) await pointLink(exposure.link, exposure.path);
      simulator.attach(sim);
      plugged = true;
    },
    async close() {
      simulator.detach();
      await sim.close();
      await pair.close();
      if (exposure.link !== undefined) await removeOwnLink(exposure.link, exposure.path);
    },
  };
}

/**
 * Makes `link` a symlink to `target`. An older symlink is replaced only when it is stale (its PTY is gone,
 * e.g. left by a crashed run); one that leads to a live PTY belongs to another running simulator, and a
 * real file is never touched.
 */
async function pointLink(link: string, target: string): Promise<void> {
  const existing = await lstat(link).catch(() => undefined);
  if (existing && !existing.isSymbolicLink()) {
    throw new HostError("SIM_LINK_EXISTS", `${link} exists and is not a symlink; choose another "link" path.`, {
      link,
    });
  }
  if (existing) {
    const current = await readlink(link);
    const live = current !== target && (await stat(link).catch(() => undefined)) !== undefined;
    if (live) {
      throw new HostError(
        "SIM_LINK_EXISTS",
        `${link} already leads to ${current}, a PTY in use (another selfcheck sim?). Stop that one or choose another "link" path; if no simulator is running, delete the link.`,
        { link, target: current },
      );
    }
    await unlink(link);
  }
  await mkdir(dirname(link), { recursive: true });
  await symlink(target, link);
}

/** Removes `link` only if it still leads to this hosting's PTY: another process may have made it since. */
async function removeOwnLink(link: string, target: string): Promise<void> {
  const current = await readlink(link).catch(() => undefined);
  if (current === target) await unlink(link).catch(() => undefined);
}

/** The transport a driver should use for a memory hosting: always the same driver end, reopened as needed. */
export function memoryDriverFactory(hosting: MemoryHosting): () => Transport {
  return () => hosting.driverTransport;
}
