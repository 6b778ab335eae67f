import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";
import net from "node:net";
import tls from "node:tls";
import type { Logger } from "pino";
import {
  DEFAULT_MAX_MESSAGE_LENGTH,
  encodeMessage,
  redactSip2Fields,
  type Sip2Charset,
  Sip2Framer,
  type Sip2Message,
  tryDecodeMessage,
} from "../../protocols/sip2/index.ts";
import { FaultController, type FaultPlan } from "./faults.ts";
import type { InMemoryIls } from "./ils.ts";
import { AcsResponder, type AcsSession } from "./responder.ts";

export interface AcsServerOptions {
  ils: InMemoryIls;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** PEM certificate and key: the server speaks TLS instead of plain TCP. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  charset?: Sip2Charset;
  maxMessageLength?: number;
  /** Close connections that send anything but 93 or 99 before logging in (as Koha and Evergreen do). */
  requireLogin?: boolean;
  faults?: FaultPlan;
  /**
   * Each answered request is one info line (message types and outcome); the messages themselves are logged
   * at debug, with patron identity masked by `redactSip2Fields` unless `logPatronData` (test systems only).
   */
  logger?: Logger;
  logPatronData?: boolean;
  now?: () => Date;
}

export interface AcsAddress {
  host: string;
  port: number;
  tls: boolean;
}

const AZ_TRAILER = /AZ[0-9A-Fa-f]{4}$/;
/** Requests queued per connection before the server stops reading from it. */
const MAX_WAITING = 64;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Messages answered before a login, when login is required. */
const BEFORE_LOGIN = new Set<Sip2Message["type"]>(["login", "scStatus", "requestAcsResend"]);

/**
 * A SIP2 ACS over TCP or TLS in front of the in-memory ILS. One request is answered at a time per
 * connection, in order, as the protocol expects.
 */
export class AcsServer extends EventEmitter<{ connection: [id: number]; close: [id: number] }> {
  readonly faults = new FaultController();
  readonly responder: AcsResponder;
  private readonly options: AcsServerOptions;
  private readonly server: net.Server;
  private readonly sockets = new Map<number, net.Socket>();
  private nextId = 1;

  constructor(options: AcsServerOptions) {
    super();
    this.options = options;
    if (options.faults) this.faults.set(options.faults);
    this.responder = new AcsResponder({
      ils: options.ils,
      ...(options.now ? { now: options.now } : {}),
    });
    const onSocket = (socket: net.Socket) => this.attach(socket);
    this.server = options.tls ? tls.createServer({ ...options.tls }, onSocket) : net.createServer(onSocket);
    this.server.on("error", (error) => options.logger?.error({ err: error }, "ACS server error"));
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Ids of the open connections, oldest first (for per-connection faults). */
  connectionIds(): number[] {
    return [...this.sockets.keys()];
  }

  async start(): Promise<AcsAddress> {
    const { host = "127.0.0.1", port = 0 } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host, port, backlog: 2048 }, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const address = this.server.address() as net.AddressInfo;
    return { host: address.address, port: address.port, tls: this.options.tls !== undefined };
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets.values()) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Drop one connection (or all) as a crashing ILS would. */
  disconnect(connectionId?: number): void {
    for (const [id, socket] of this.sockets) if (connectionId === undefined || id === connectionId) socket.destroy();
  }

  private forLog(message: Sip2Message): Sip2Message {
    return this.options.logPatronData ? message : redactSip2Fields(message);
  }

  private attach(socket: net.Socket): void {
    const id = this.nextId++;
    const log = this.options.logger?.child({ conn: id });
    const charset = this.options.charset ?? "utf-8";
    const session: AcsSession = { account: undefined };
    let lastResponse: Buffer | undefined;
    let answered = 0;
    const backlog: Buffer[] = []; // requests read but not yet answered
    let busy = false;

    this.sockets.set(id, socket);
    socket.setNoDelay(true);
    log?.info({ remote: `${socket.remoteAddress}:${socket.remotePort}` }, "SC connected");
    this.emit("connection", id);

    // Answers are written at once unless a fault delays them; only then does answering become asynchronous.
    const send = (bytes: Buffer): Promise<void> | undefined => {
      const plan = this.faults.for(id);
      const delay = (plan.latencyMs ?? 0) + (plan.jitterMs ? Math.random() * plan.jitterMs : 0);
      if (delay > 0 || plan.split) return sendLater(bytes, plan, delay);
      write(applyByteFaults(bytes, plan), plan);
      return undefined;
    };
    const sendLater = async (bytes: Buffer, plan: FaultPlan, delay: number) => {
      if (delay > 0) await sleep(delay);
      const out = applyByteFaults(bytes, plan);
      if (!plan.split) return write(out, plan);
      for (let i = 0; i < out.length && !socket.destroyed; i++) {
        socket.write(out.subarray(i, i + 1));
        await sleep(0);
      }
      write(undefined, plan);
    };
    const write = (out: Buffer | undefined, plan: FaultPlan) => {
      if (socket.destroyed) return;
      if (out) socket.write(out); // one write per message: some SCs fail on messages split across writes
      answered++;
      if (plan.dropAfter !== undefined && answered >= plan.dropAfter) {
        log?.info({ answered }, "fault: dropping the connection");
        socket.destroy();
      }
    };

    const handle = (frame: Buffer): Promise<void> | undefined => {
      const plan = this.faults.for(id);
      const withChecksum = AZ_TRAILER.test(frame.subarray(-6).toString("latin1"));
      const decoded = tryDecodeMessage(frame, { charset });
      if (!decoded.ok) {
        log?.warn(
          { code: decoded.error.code, reason: decoded.error.message },
          "bad message from SC; asking for resend",
        );
        return plan.stall
          ? undefined
          : send(encodeMessage({ type: "requestScResend" }, { errorDetection: withChecksum }));
      }
      const request = decoded.message;
      session.offline = plan.offline === true;
      // Checked per message, as the level may change while connections stay open.
      const debug = log?.isLevelEnabled("debug") === true;
      if (debug) log?.debug({ dir: "in", message: this.forLog(request) }, request.type);
      if (plan.stall) return undefined;
      if (request.type === "requestAcsResend") return lastResponse ? send(lastResponse) : undefined;
      if (this.options.requireLogin !== false && !session.account && !BEFORE_LOGIN.has(request.type)) {
        log?.warn({ type: request.type }, "SC sent a request before logging in; closing the connection");
        socket.destroy();
        return undefined;
      }
      const response: Sip2Message | undefined =
        request.type === "login" && plan.refuseLogin
          ? { type: "loginResponse", ok: false }
          : this.responder.respond(request, session);
      if (!response) return undefined;
      if (request.sequence !== undefined) response.sequence = request.sequence;
      if (debug) log?.debug({ dir: "out", message: this.forLog(response) }, response.type);
      else log?.info(summary(request, response), "answered");
      lastResponse = encodeMessage(response, { charset, errorDetection: withChecksum });
      return send(lastResponse);
    };

    // One request at a time, in order. SIP2 allows one in flight; an SC that floods us is read no faster
    // than we answer (the socket pauses while MAX_WAITING requests wait).
    const drain = (): void => {
      busy = true;
      for (let frame = backlog.shift(); frame; frame = backlog.shift()) {
        if (backlog.length === MAX_WAITING - 1) socket.resume();
        let pending: Promise<void> | undefined;
        try {
          pending = handle(frame);
        } catch (error) {
          log?.error({ err: error }, "failed to answer");
        }
        if (pending) {
          pending.catch((error) => log?.error({ err: error }, "failed to answer")).finally(drain);
          return;
        }
      }
      busy = false;
    };

    const framer = new Sip2Framer({
      maxLength: this.options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH,
      onFrame: (frame) => {
        if (backlog.push(frame) === MAX_WAITING) socket.pause();
        if (!busy) drain();
      },
      onError: (error) => log?.warn({ code: error.code, reason: error.message }, "framing error"),
    });
    socket.on("data", (chunk) => framer.push(chunk));
    socket.on("error", (error) => log?.debug({ err: error.message }, "socket error"));
    socket.on("close", () => {
      this.sockets.delete(id);
      this.faults.forget(id);
      log?.info("SC disconnected");
      this.emit("close", id);
    });
  }
}

/** The info line of an answered request: what was asked, what was answered and, where it says, whether it was ok. */
function summary(request: Sip2Message, response: Sip2Message): { request: string; response: string; ok?: boolean } {
  const ok = "ok" in response ? response.ok : undefined;
  return ok === undefined
    ? { request: request.type, response: response.type }
    : { request: request.type, response: response.type, ok };
}

/** Checksum corruption and garbling work on the encoded bytes, as a bad line would. */
function applyByteFaults(bytes: Buffer, plan: FaultPlan): Buffer {
  if (!plan.corruptChecksum && !plan.garble) return bytes;
  const out = Buffer.from(bytes);
  let end = out.length;
  while (end > 0 && (out[end - 1] === 0x0d || out[end - 1] === 0x0a)) end--;
  if (plan.corruptChecksum && AZ_TRAILER.test(out.subarray(0, end).toString("latin1"))) {
    const at = end - 1;
    out[at] = out[at] === 0x30 ? 0x31 : 0x30; // last hex digit changed
  }
  if (plan.garble && end > 2) {
    for (let n = 0; n < 3; n++) {
      const at = 2 + Math.floor(Math.random() * (end - 2));
      out[at] = 0x21 + Math.floor(Math.random() * 0x5d); // printable, never CR/LF: the frame stays one frame
    }
  }
  return out;
}
