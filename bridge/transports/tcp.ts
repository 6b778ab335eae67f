/**
 * TCP client transport: network RFID readers (raw socket with the reader's serial frames) and receipt
 * printers on port 9100.
 */
import { Socket } from "node:net";
import { disconnectedError, errnoOf, reasonOf, TransportError, transportError } from "./errors.ts";
import { ownedCopy, TransportBase } from "./transport.ts";

export interface TcpSettings {
  host: string;
  port: number;
  /** Give up connecting after this long. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** TCP keepalive probe delay, so a dead peer is noticed; 0 turns keepalive off. Default 10000 ms. */
  keepAliveMs?: number;
  /** Send small writes at once instead of coalescing them (Nagle off). Default true. */
  noDelay?: boolean;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const DEFAULT_KEEPALIVE_MS = 10_000;

/** What to tell a person for each way a connection attempt fails. */
const CONNECT_HINTS: Record<string, string> = {
  ECONNREFUSED: "nothing is listening there: check that the device is on and the port number is right",
  EHOSTUNREACH: "the host is unreachable: check the address, cabling and network",
  ENETUNREACH: "the network is unreachable: check the kiosk's network settings",
  ENOTFOUND: "the host name does not resolve: check the spelling or use an IP address",
  EAI_AGAIN: "the host name could not be resolved right now: check DNS or use an IP address",
  ETIMEDOUT: "no answer: check the address, cabling and any firewall",
};

export class TcpTransport extends TransportBase {
  readonly description: string;
  readonly settings: Readonly<TcpSettings>;
  #socket: Socket | undefined;

  constructor(settings: TcpSettings) {
    super();
    validateTcp(settings);
    this.settings = { ...settings };
    this.description = `tcp ${settings.host}:${settings.port}`;
  }

  protected async openDevice(): Promise<void> {
    const { host, port } = this.settings;
    const timeoutMs = this.settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const socket = new Socket();
    await new Promise<void>((resolve, reject) => {
      const fail = (cause: unknown, errno = errnoOf(cause)) => {
        clearTimeout(timer);
        socket.removeAllListeners();
        socket.on("error", () => undefined);
        socket.destroy();
        const hint = (errno && CONNECT_HINTS[errno]) ?? "check the address and that the device accepts connections";
        reject(
          transportError(
            "TCP_CONNECT_FAILED",
            `${this.description}: could not connect (${reasonOf(cause)}); ${hint}.`,
            { host, port, errno, timeoutMs },
            cause,
          ),
        );
      };
      const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs} ms`), "ETIMEDOUT"), timeoutMs);
      socket.once("error", fail);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeListener("error", fail);
        resolve();
      });
      socket.connect({ host, port });
    });
    socket.setNoDelay(this.settings.noDelay ?? true);
    const keepAliveMs = this.settings.keepAliveMs ?? DEFAULT_KEEPALIVE_MS;
    socket.setKeepAlive(keepAliveMs > 0, keepAliveMs);
    socket.on("data", (chunk: Buffer) => this.received(chunk));
    socket.on("error", (err) => this.#gone(socket, "connection failed", err));
    socket.on("end", () => this.#gone(socket, "the remote end closed the connection"));
    socket.on("close", () => this.#gone(socket, "the connection closed"));
    this.#socket = socket;
  }

  protected async closeDevice(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket) return;
    socket.removeAllListeners();
    socket.on("error", () => undefined);
    if (socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.end();
      // Do not wait for a peer that never acknowledges the FIN.
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  protected async writeDevice(bytes: Uint8Array): Promise<void> {
    const socket = this.#socket;
    if (!socket) throw disconnectedError(this.description, "the connection is gone");
    await new Promise<void>((resolve, reject) => {
      socket.write(ownedCopy(bytes), (err) => (err ? reject(err) : resolve()));
    });
  }

  #gone(socket: Socket, what: string, cause?: unknown): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    socket.removeAllListeners();
    socket.on("error", () => undefined);
    socket.destroy();
    this.lost(disconnectedError(this.description, what, cause));
  }
}

export function createTcpTransport(settings: TcpSettings): TcpTransport {
  return new TcpTransport(settings);
}

function validateTcp(s: TcpSettings): void {
  const problems: string[] = [];
  if (typeof s.host !== "string" || s.host.length === 0) problems.push("host must be a host name or IP address");
  if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) problems.push("port must be 1-65535");
  if (s.connectTimeoutMs !== undefined && !(s.connectTimeoutMs > 0)) problems.push("connectTimeoutMs must be > 0");
  if (s.keepAliveMs !== undefined && !(s.keepAliveMs >= 0)) problems.push("keepAliveMs must be ≥ 0");
  if (problems.length > 0) {
    throw new TransportError(
      "TRANSPORT_OPTIONS_INVALID",
      `tcp ${String(s.host)}:${String(s.port)}: ${problems.join("; ")}. Fix the device settings in the configuration.`,
      { host: s.host, port: s.port, problems },
    );
  }
}
