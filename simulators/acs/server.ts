import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";
import net from "node:net";
import tls from "node:tls";
import type { Logger } from "pino";
import { type Clock, systemClock, type TimerHandle } from "../../bridge/transports/clock.ts";
import {
  checksumHolds,
  DEFAULT_MAX_MESSAGE_LENGTH,
  encodeMessage,
  hasChecksumTrailer,
  redactSip2Fields,
  type Sip2Charset,
  Sip2Framer,
  type Sip2Message,
  type SupportedMessage,
  tryDecodeMessage,
} from "../../protocols/sip2/index.ts";
import { FaultController, type FaultPlan, type Random } from "./faults.ts";
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
  /** Messages this ACS supports (its BX list); the rest are refused. Default: all. */
  supported?: readonly SupportedMessage[];
  /**
   * Each answered request is one info line (message types and outcome); the messages themselves are logged
   * at debug, with patron identity masked by `redactSip2Fields` unless `logPatronData` (test systems only).
   */
  logger?: Logger;
  logPatronData?: boolean;
  now?: () => Date;
  /** Times fault delays and the idle timeout; a VirtualClock in tests. */
  clock?: Clock;
  /**
   * Close a connection after this long without a byte from the SC; 0 never does. Koha's example
   * SIPconfig.xml uses client_timeout="600" and notes that persistent SCs send a status request
   * every 5–7 minutes, so anything shorter drops healthy kiosks (Koha-Community/Koha etc/SIPconfig.xml).
   */
  idleTimeoutMs?: number;
  /** Stop reading a connection while more than this many bytes of answers wait to be sent. */
  maxUnsentBytes?: number;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;
export const DEFAULT_MAX_UNSENT_BYTES = 64 * 1024;

/** What one connection holds right now (for tests and the control API). */
export interface ConnectionStats {
  bytesRead: number;
  /** Messages read (whole frames, and over-long ones). */
  received: number;
  /** Requests read but not yet handled. */
  waiting: number;
  /** Bytes written to the socket that the peer has not taken yet. */
  unsentBytes: number;
  /** True while the server does not read from the connection because its answers are not being read. */
  paused: boolean;
  /** Answers written. */
  answered: number;
  /** socket.write calls: one per answer, one per byte of an answer split by the split fault. */
  writes: number;
}

export interface AcsAddress {
  host: string;
  port: number;
  tls: boolean;
}

/** Requests queued per connection before the server stops reading from it. */
const MAX_WAITING = 64;
/** Lets the event loop run, so each byte of a split answer goes out in its own write. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Stands in the backlog for a message the framer discarded as too long: it is answered with 96. */
const TOO_LONG = Symbol("too long");

/** Messages answered before a login, when login is required. */
const BEFORE_LOGIN = new Set<Sip2Message["type"]>(["login", "scStatus", "requestAcsResend"]);

/**
 * A SIP2 ACS over TCP or TLS in front of the in-memory ILS. One request is answered at a time per
 * connection, in order, as the protocol expects.
 */
export class AcsServer extends EventEmitter<{ connection: [id: number]; close: [id: number] }> {
  readonly faults: FaultController;
  readonly responder: AcsResponder;
  private readonly options: AcsServerOptions;
  private readonly clock: Clock;
  private readonly server: net.Server;
  private readonly sockets = new Map<number, net.Socket>();
  private readonly stats = new Map<number, () => ConnectionStats>();
  private nextId = 1;

  constructor(options: AcsServerOptions) {
    super();
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.faults = new FaultController();
    if (options.faults) this.faults.set(options.faults);
    this.responder = new AcsResponder({
      ils: options.ils,
      ...(options.supported ? { supported: options.supported } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    const onSocket = (socket: net.Socket) => this.attach(socket);
    this.server = options.tls ? tls.createServer({ ...options.tls }, onSocket) : net.createServer(onSocket);
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Ids of the open connections, oldest first (for per-connection faults). */
  connectionIds(): number[] {
    return [...this.sockets.keys()];
  }

  /** What an open connection holds now; undefined once it is closed. */
  connectionStats(connectionId: number): ConnectionStats | undefined {
    return this.stats.get(connectionId)?.();
  }

  async start(): Promise<AcsAddress> {
    const { host = "127.0.0.1", port = 0 } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host, port, backlog: 2048 }, () => {
        this.server.off("error", reject);
        // Only once listening: a failure to listen is start()'s rejection (the CLI says it for people), not a log line.
        this.server.on("error", (error) => this.options.logger?.error({ err: error }, "ACS server error"));
        this.options.logger?.info({ seed: this.faults.seed }, "fault randomness seed (set it with the fault seed=N)");
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
    const clock = this.clock;
    const charset = this.options.charset ?? "utf-8";
    const maxUnsent = this.options.maxUnsentBytes ?? DEFAULT_MAX_UNSENT_BYTES;
    const session: AcsSession = { account: undefined };
    // Taken on first use, so a seed set after the connection opened (but before any fault needed it) counts.
    let stream: Random | undefined;
    const random: Random = () => {
      stream ??= this.faults.randomFor(id);
      return stream();
    };
    let lastResponse: Buffer | undefined;
    let answered = 0;
    let received = 0;
    let writes = 0;
    /** Whether the SC signs its messages (AY/AZ): a 96 for a message that could not be read does the same. */
    let withChecksum = false;
    const backlog: (Buffer | typeof TOO_LONG)[] = []; // requests read but not yet answered
    let busy = false;
    let waitingForDrain = false;

    this.sockets.set(id, socket);
    this.stats.set(id, () => ({
      bytesRead: socket.bytesRead,
      received,
      waiting: backlog.length,
      unsentBytes: socket.writableLength,
      paused: waitingForDrain,
      answered,
      writes,
    }));
    socket.setNoDelay(true);
    log?.info({ remote: `${socket.remoteAddress}:${socket.remotePort}` }, "SC connected");
    this.emit("connection", id);

    // An SC that is gone without a FIN (cable pulled, kiosk crashed mid-message) would hold its socket
    // forever: close after idleTimeoutMs without a byte from it. The timer is re-armed for the rest of
    // the period rather than reset on every chunk, so a busy connection costs one clock read per chunk.
    const idleMs = this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    let lastHeard = clock.now();
    let idleTimer: TimerHandle | undefined;
    const armIdle = (ms: number) => {
      idleTimer = clock.setTimeout(() => {
        const quiet = clock.now() - lastHeard;
        if (quiet < idleMs) return armIdle(idleMs - quiet);
        log?.info({ idleMs }, "SC idle too long; closing the connection");
        socket.destroy();
      }, ms);
    };
    if (idleMs > 0) armIdle(idleMs);

    // dropAfter N: the connection closes once N answers are out; 0 closes it before the first one.
    const dropDue = (plan: FaultPlan) => plan.dropAfter !== undefined && answered >= plan.dropAfter;
    const drop = () => {
      log?.info({ answered }, "fault: dropping the connection");
      socket.destroy();
    };

    // Answers are written at once unless a fault delays them; only then does answering become asynchronous.
    const send = (bytes: Buffer): Promise<void> | undefined => {
      const plan = this.faults.for(id);
      if (dropDue(plan)) {
        drop();
        return undefined;
      }
      const delay = (plan.latencyMs ?? 0) + (plan.jitterMs ? random() * plan.jitterMs : 0);
      if (delay > 0 || plan.split) return sendLater(bytes, plan, delay);
      write(applyByteFaults(bytes, plan, random), plan);
      return undefined;
    };
    const sendLater = async (bytes: Buffer, plan: FaultPlan, delay: number) => {
      if (delay > 0) await clock.sleep(delay);
      const out = applyByteFaults(bytes, plan, random);
      if (!plan.split) return write(out, plan);
      for (let i = 0; i < out.length && !socket.destroyed; i++) {
        socket.write(out.subarray(i, i + 1));
        writes++;
        await yieldToLoop();
      }
      write(undefined, plan);
    };
    const write = (out: Buffer | undefined, plan: FaultPlan) => {
      if (socket.destroyed) return;
      if (out) {
        socket.write(out); // one write per message: some SCs fail on messages split across writes
        writes++;
      }
      answered++;
      if (dropDue(plan)) drop();
    };
    const askForResend = () => send(encodeMessage({ type: "requestScResend" }, { errorDetection: withChecksum }));

    const handle = (frame: Buffer | typeof TOO_LONG): Promise<void> | undefined => {
      const plan = this.faults.for(id);
      if (frame === TOO_LONG) return plan.stall ? undefined : askForResend();
      withChecksum = hasChecksumTrailer(frame);
      const decoded = tryDecodeMessage(frame, { charset });
      if (!decoded.ok) {
        log?.warn(
          { code: decoded.error.code, reason: decoded.error.message },
          "bad message from SC; asking for resend",
        );
        return plan.stall ? undefined : askForResend();
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
    // than we answer (the socket pauses while MAX_WAITING requests wait), and an SC that does not read
    // its answers is not read either: answering stops while more than maxUnsent bytes wait in the socket
    // (socket.write() returned false), and both resume on 'drain'. So a connection holds at most
    // MAX_WAITING requests, one partial message and maxUnsent bytes of answers plus one.
    const drain = (): void => {
      busy = true;
      for (;;) {
        if (socket.writableLength > maxUnsent) {
          waitingForDrain = true;
          socket.pause();
          log?.debug({ unsent: socket.writableLength }, "SC is not reading its answers; pausing");
          break;
        }
        const frame = backlog.shift();
        if (frame === undefined) break;
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
    socket.on("drain", () => {
      if (!waitingForDrain) return;
      waitingForDrain = false;
      if (backlog.length < MAX_WAITING) socket.resume();
      if (!busy) drain();
    });

    const enqueue = (frame: Buffer | typeof TOO_LONG) => {
      received++;
      if (backlog.push(frame) === MAX_WAITING) socket.pause();
      if (!busy) drain();
    };
    const framer = new Sip2Framer({
      maxLength: this.options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH,
      onFrame: enqueue,
      onError: (error) => {
        // An over-long message is answered like one that cannot be read, so the SC does not wait for
        // its own timeout; the rest of it, up to the terminator, is discarded by the framer.
        log?.warn({ code: error.code, reason: error.message }, "framing error; asking for resend");
        if (error.code === "SIP2_TOO_LONG") enqueue(TOO_LONG);
      },
    });
    socket.on("data", (chunk) => {
      lastHeard = clock.now();
      framer.push(chunk);
    });
    socket.on("error", (error) => log?.debug({ err: error.message }, "socket error"));
    socket.on("close", () => {
      clock.clearTimeout(idleTimer);
      this.sockets.delete(id);
      this.stats.delete(id);
      this.faults.forget(id);
      log?.info("SC disconnected");
      this.emit("close", id);
    });
    if (dropDue(this.faults.for(id))) drop();
  }
}

/** The info line of an answered request: what was asked, what was answered and, where it says, whether it was ok. */
function summary(request: Sip2Message, response: Sip2Message): { request: string; response: string; ok?: boolean } {
  const ok = "ok" in response ? response.ok : undefined;
  return ok === undefined
    ? { request: request.type, response: response.type }
    : { request: request.type, response: response.type, ok };
}

/** Checksum corruption and garbling work on the encoded bytes, as a bad line would. Exported for its tests. */
export function applyByteFaults(bytes: Buffer, plan: FaultPlan, random: Random): Buffer {
  if (!plan.corruptChecksum && !plan.garble) return bytes;
  const out = Buffer.from(bytes);
  let end = out.length;
  while (end > 0 && (out[end - 1] === 0x0d || out[end - 1] === 0x0a)) end--;
  if (plan.corruptChecksum && hasChecksumTrailer(out, end)) {
    const at = end - 1;
    out[at] = out[at] === 0x30 ? 0x31 : 0x30; // last hex digit changed
  }
  if (plan.garble && end > 2) {
    for (let n = 0; n < 3; n++) {
      const at = 2 + Math.floor(random() * (end - 2));
      // Printable, never CR/LF (the frame stays one frame), and never the byte that was there.
      const byte = 0x21 + Math.floor(random() * 0x5d);
      out[at] = byte === out[at] ? byte + 1 : byte;
    }
    // SIP2's checksum is a sum: changes that cancel out pass it (about 1 garble in 200), and the SC takes a
    // wrong answer it cannot know is wrong. This fault is there to exercise the resend (97), so it always shows.
    while (checksumHolds(out, end)) out[2] = out[2] === 0x7e ? 0x21 : (out[2] as number) + 1;
  }
  return out;
}
