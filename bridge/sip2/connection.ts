/**
 * One SC connection to the ACS: TCP or TLS, login (93) then SC Status (99), a heartbeat, one request in
 * flight (RequestQueue), sequence numbers and checksums when error detection is on, resends both ways
 * (96 → send again, bad answer → 97), bounded; and, when started with `start()`, reconnection with capped
 * exponential backoff and jitter, logging in again each time.
 *
 * SIP2 answers carry nothing that ties them to their request but the message type and the one-digit
 * sequence number, so after a timeout or an unreadable stream the connection is dropped rather than
 * risk taking a late answer for the next request's.
 */
import type { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";
import net from "node:net";
import tls from "node:tls";
import type { Logger } from "pino";
import { describeError } from "../../protocols/errors.ts";
import {
  type DecodeResult,
  encodeMessage,
  type MessageOf,
  type MessageType,
  nextSequence,
  type Sip2Charset,
  Sip2Framer,
  type Sip2Message,
  tryDecodeMessage,
} from "../../protocols/sip2/index.ts";
import type { Clock, TimerHandle } from "../transports/clock.ts";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from "../transports/reconnecting.ts";
import { type MatchResult, RequestQueue } from "../transports/request-queue.ts";
import { Sip2ClientError } from "./errors.ts";

export type Sip2ConnectionState = "connecting" | "online" | "acs-offline" | "down";

export interface Sip2TlsOptions {
  /** PEM of the CA that signed the ACS certificate; default: the system CAs. */
  ca?: string | Buffer;
  /** Name the certificate must carry, when it differs from the host. */
  serverName?: string;
  /** Client certificate and key (PEM), for an ACS that asks for one. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** false accepts any certificate: for a test ACS only. Default true. */
  rejectUnauthorized?: boolean;
}

export interface Sip2LinkSettings {
  host: string;
  port: number;
  /** Absent: plain TCP. */
  tls?: Sip2TlsOptions | undefined;
  /** Absent: no 93 (an ACS that needs no login). */
  login?: { user: string; password: string; location?: string | undefined } | undefined;
  charset: Sip2Charset;
  errorDetection: boolean;
  terminator: "\r" | "\r\n" | "\n";
  /** Per request. */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** SC Status after this long without traffic; 0 turns the heartbeat off. */
  heartbeatMs: number;
  /** How often a request is sent again when the ACS answers 96. */
  maxScResends: number;
  /** How often the SC asks for an answer again (97) when it arrives unreadable. */
  maxAcsResends: number;
  /** 99's max print width and protocol version. */
  maxPrintWidth: number;
  protocolVersion: string;
  backoff?: Partial<BackoffPolicy>;
}

export interface Sip2ConnectionDeps {
  /** "sip2#1": in logs and errors. */
  name: string;
  clock: Clock;
  logger?: Logger | undefined;
  /** Jitter source for backoff; tests pass a fixed one. */
  random?: () => number;
}

/** One message on the wire, for `selfcheck sip2 -v` and transcripts. Holds passwords: never log it as is. */
export interface Sip2Exchange {
  connection: string;
  direction: "sent" | "received";
  bytes: Buffer;
  at: number;
}

export interface Sip2RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Transaction id, for logs. */
  tx?: string;
}

export interface Sip2StateChange {
  state: Sip2ConnectionState;
  /** Why it is down or connecting again. */
  error?: Error;
  /** When down and started: when the next attempt is due. */
  nextRetryAt?: number;
}

type Events = {
  state: [change: Sip2StateChange];
  exchange: [exchange: Sip2Exchange];
};

export type AcsStatus = MessageOf<"acsStatus">;

export class Sip2Connection extends EventEmitter<Events> {
  readonly name: string;
  readonly #settings: Sip2LinkSettings;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #random: () => number;
  readonly #backoff: BackoffPolicy;
  #state: Sip2ConnectionState = "down";
  #socket: net.Socket | undefined;
  #queue: RequestQueue<DecodeResult> | undefined;
  #sequence = 0;
  #heartbeat: TimerHandle | undefined;
  #retry: { timer: TimerHandle; wake: () => void } | undefined;
  #managed = false;
  #keepingUp = false;
  #closed = false;
  #failures = 0;
  #acsStatus: AcsStatus | undefined;
  #lastError: Error | undefined;

  constructor(settings: Sip2LinkSettings, deps: Sip2ConnectionDeps) {
    super();
    this.name = deps.name;
    this.#settings = settings;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#random = deps.random ?? Math.random;
    this.#backoff = { ...DEFAULT_BACKOFF, ...settings.backoff };
  }

  get state(): Sip2ConnectionState {
    return this.#state;
  }

  /** Online or ACS-offline: logged in and answering. */
  get usable(): boolean {
    return this.#state === "online" || this.#state === "acs-offline";
  }

  /** A request is waiting for its answer. */
  get busy(): boolean {
    return (this.#queue?.size ?? 0) > 0;
  }

  /** The last 98 the ACS sent (after login and each heartbeat). */
  get acsStatus(): AcsStatus | undefined {
    return this.#acsStatus;
  }

  get lastError(): Error | undefined {
    return this.#lastError;
  }

  get description(): string {
    return `SIP2 ${this.name} ${this.#settings.tls ? "tls" : "tcp"}://${this.#settings.host}:${this.#settings.port}`;
  }

  /** One attempt: connect, log in, SC Status. Resolves with the ACS status; rejects with a Sip2ClientError. */
  async open(): Promise<AcsStatus> {
    if (this.#closed) throw this.#closedError();
    if (this.#socket) throw new Sip2ClientError("SIP2_CONNECT_FAILED", `${this.description}: already open.`);
    this.#setState({ state: "connecting" });
    const socket = await this.#connect().catch((error: Error) => {
      this.#lastError = error;
      this.#setState({ state: "down", error });
      throw error;
    });
    if (this.#closed) {
      socket.destroy();
      throw this.#closedError();
    }
    this.#attach(socket);
    try {
      const { login } = this.#settings;
      if (login) {
        const reply = await this.#request(
          {
            type: "login",
            uidAlgorithm: "0",
            pwdAlgorithm: "0",
            loginUserId: login.user,
            loginPassword: login.password,
            ...(login.location ? { locationCode: login.location } : {}),
          },
          "loginResponse",
        );
        if (!reply.ok) {
          throw new Sip2ClientError(
            "SIP2_LOGIN_REFUSED",
            `${this.description}: login refused for user "${login.user}": check the SIP2 account's user and ` +
              "password (and location) in the ILS's SIP configuration.",
            { user: login.user },
          );
        }
      }
      const status = await this.#status();
      this.#failures = 0;
      return status;
    } catch (error) {
      await this.#drop(error as Error);
      throw this.#tlsRefusal(error) ?? error;
    }
  }

  /** Keeps the connection up: connects now and again after every failure, with backoff. Never rejects. */
  start(): void {
    if (this.#managed || this.#closed) return;
    this.#managed = true;
    void this.#keepUp();
  }

  /** Sends a request and resolves with the answer of type `expect`. */
  request<T extends MessageType>(
    message: Sip2Message,
    expect: T,
    options: Sip2RequestOptions = {},
  ): Promise<MessageOf<T>> {
    if (!this.usable) {
      return Promise.reject(
        this.#closed
          ? this.#closedError()
          : new Sip2ClientError(
              "SIP2_NOT_CONNECTED",
              `${this.description}: not connected (${this.#state}); ${message.type} was not sent.`,
              { state: this.#state, cause: this.#lastError?.message },
            ),
      );
    }
    return this.#request(message, expect, options);
  }

  /**
   * Asks the ACS for its status now (99) rather than at the next heartbeat. The answer sets the state
   * (online, or acs-offline when the 98 says online = N); no answer within the timeout drops the link.
   */
  probe(): Promise<AcsStatus> {
    if (!this.usable) {
      return Promise.reject(
        new Sip2ClientError(
          "SIP2_NOT_CONNECTED",
          `${this.description}: not connected (${this.#state}); no status asked.`,
        ),
      );
    }
    return this.#status();
  }

  /** Stops for good: fails what waits with SIP2_CLOSED and closes the socket. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#clock.clearTimeout(this.#heartbeat);
    if (this.#retry) {
      this.#clock.clearTimeout(this.#retry.timer);
      this.#retry.wake();
    }
    const socket = this.#socket;
    this.#queue?.close(this.#closedError());
    if (socket && !socket.destroyed) {
      const gone = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.destroy();
      await gone;
    }
    this.#setState({ state: "down" });
  }

  // ---- the link --------------------------------------------------------------------------------------

  #connect(): Promise<net.Socket> {
    const { host, port, tls: tlsOptions, connectTimeoutMs } = this.#settings;
    return new Promise((resolve, reject) => {
      const socket = tlsOptions
        ? tls.connect({
            host,
            port,
            ...(tlsOptions.ca ? { ca: tlsOptions.ca } : {}),
            ...(tlsOptions.cert ? { cert: tlsOptions.cert } : {}),
            ...(tlsOptions.key ? { key: tlsOptions.key } : {}),
            rejectUnauthorized: tlsOptions.rejectUnauthorized !== false,
            // SNI takes host names only; an IP address is checked against the certificate's IP entries.
            ...(tlsOptions.serverName || !net.isIP(host) ? { servername: tlsOptions.serverName ?? host } : {}),
          })
        : net.connect({ host, port });
      const fail = (error: Error) => {
        this.#clock.clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = this.#clock.setTimeout(
        () =>
          fail(
            new Sip2ClientError(
              "SIP2_CONNECT_FAILED",
              `${this.description}: no connection within ${connectTimeoutMs} ms. Check the host, the port and ` +
                "any firewall between the kiosk and the ILS.",
              { host, port },
            ),
          ),
        connectTimeoutMs,
      );
      socket.once(tlsOptions ? "secureConnect" : "connect", () => {
        this.#clock.clearTimeout(timer);
        socket.removeAllListeners("error");
        socket.setNoDelay(true);
        resolve(socket);
      });
      socket.once("error", (error) => fail(this.#connectError(error)));
    });
  }

  #connectError(error: Error): Sip2ClientError {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const { host, port } = this.#settings;
    const tlsProblem =
      this.#settings.tls !== undefined &&
      (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO|ALTNAME/.test(code) || /certificate|ssl|tls/i.test(error.message));
    if (tlsProblem) {
      return new Sip2ClientError(
        "SIP2_TLS",
        `${this.description}: TLS handshake failed (${error.message}). Check tls.caFile (the CA that signed the ` +
          "ACS certificate), tls.serverName (the name in the certificate) and that the ACS speaks TLS on this port.",
        { host, port, reason: code || error.message },
        { cause: error },
      );
    }
    return new Sip2ClientError(
      "SIP2_CONNECT_FAILED",
      `${this.description}: cannot connect (${error.message}). Check the host and port of the ILS's SIP2 ` +
        "server and that it is running.",
      { host, port, reason: code || error.message },
      { cause: error },
    );
  }

  /**
   * With TLS 1.3 the server checks the client's certificate after the client's handshake is done, so an
   * ACS that wants one (or rejects it) shows up as an alert on the first read, during login: say so.
   */
  #tlsRefusal(error: unknown): Sip2ClientError | undefined {
    const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
    if (this.#settings.tls === undefined || !/^ERR_SSL_/.test(cause?.code ?? "")) return undefined;
    return new Sip2ClientError(
      "SIP2_TLS",
      `${this.description}: the ACS ended the TLS session during login (${cause?.message.trim()}). If it ` +
        "requires a client certificate, set tls.certFile and tls.keyFile to one it trusts.",
      { reason: cause?.code },
      { cause: error },
    );
  }

  #attach(socket: net.Socket): void {
    const queue = new RequestQueue<DecodeResult>({
      clock: this.#clock,
      label: this.description,
      timeoutError: (what, ms) =>
        new Sip2ClientError(
          "ILS_TIMEOUT",
          `${this.description}: no answer to ${what} within ${ms} ms. The ILS may be overloaded or the SIP2 ` +
            "account may lack a permission; check the ILS's SIP server log.",
          { what, timeoutMs: ms },
        ),
    });
    const charset = this.#settings.charset;
    const errorDetection = this.#settings.errorDetection;
    const framer = new Sip2Framer({
      onFrame: (frame) => {
        this.emit("exchange", { connection: this.name, direction: "received", bytes: frame, at: this.#clock.now() });
        const decoded = tryDecodeMessage(frame, { charset, errorDetection });
        if (!queue.receive(decoded)) {
          this.#logger?.debug(
            { conn: this.name, type: decoded.ok ? decoded.message.type : decoded.error.code },
            "sip2: dropped an answer nobody waited for",
          );
        }
      },
      onError: (error) => queue.receive({ ok: false, error }),
    });
    this.#socket = socket;
    this.#queue = queue;
    this.#sequence = 0;
    this.#lastError = undefined;
    socket.on("data", (chunk: Buffer) => framer.push(chunk));
    socket.on("error", (error) => {
      this.#lastError = error;
    });
    socket.on("close", () => {
      const reason = this.#lastError;
      const lost = new Sip2ClientError(
        "SIP2_DISCONNECTED",
        `${this.description}: the connection closed${reason ? ` (${reason.message})` : ""} before the answer ` +
          "arrived.",
        { reason: reason instanceof Sip2ClientError ? reason.code : reason?.message },
        reason ? { cause: reason } : undefined,
      );
      queue.close(this.#closed ? this.#closedError() : lost);
      if (this.#socket === socket) {
        this.#socket = undefined;
        this.#queue = undefined;
      }
      this.#clock.clearTimeout(this.#heartbeat);
      this.#logger?.info({ conn: this.name }, "sip2: connection closed");
      if (this.#closed) return;
      this.#setState({ state: "down", error: lost });
      if (this.#managed && !this.#keepingUp) void this.#keepUp();
    });
  }

  /** Closes the socket (the close handler fails what waits) and resolves once it is closed. */
  #drop(error: Error): Promise<void> {
    this.#lastError = error;
    const socket = this.#socket;
    if (!socket) return Promise.resolve();
    // Unusable from now on, not only once the socket has closed: nothing more may be sent on it.
    if (this.usable) this.#setState({ state: "down", error });
    const gone = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.destroy();
    return gone;
  }

  #request<T extends MessageType>(
    message: Sip2Message,
    expect: T,
    options: Sip2RequestOptions = {},
  ): Promise<MessageOf<T>> {
    const queue = this.#queue;
    const socket = this.#socket;
    if (!queue || !socket) {
      return Promise.reject(
        new Sip2ClientError("SIP2_NOT_CONNECTED", `${this.description}: not connected; ${message.type} was not sent.`),
      );
    }
    const { errorDetection, charset, terminator, maxScResends, maxAcsResends } = this.#settings;
    let sequence: number | undefined;
    let bytes: Buffer | undefined;
    let scResends = 0;
    let acsResends = 0;
    const write = (out: Buffer) => this.#write(socket, out);
    const send = () => {
      // The sequence number is taken when the request goes out, so numbers follow the wire order.
      sequence = errorDetection ? this.#sequence : undefined;
      if (errorDetection) this.#sequence = nextSequence(this.#sequence);
      bytes = encodeMessage(sequence === undefined ? message : { ...message, sequence }, {
        charset,
        errorDetection,
        terminator,
      });
      this.#logger?.debug({ conn: this.name, tx: options.tx, type: message.type }, "sip2: sent");
      return write(bytes);
    };
    const match = (reply: DecodeResult): MatchResult<MessageOf<T>> => {
      if (!reply.ok) {
        if (acsResends++ < maxAcsResends) {
          this.#logger?.debug(
            { conn: this.name, code: reply.error.code },
            "sip2: unreadable answer; asking again (97)",
          );
          return { again: () => write(encodeMessage({ type: "requestAcsResend" }, { errorDetection, terminator })) };
        }
        return {
          fail: new Sip2ClientError(
            "SIP2_BAD_RESPONSE",
            `${this.description}: the answer to ${message.type} stayed unreadable after ${maxAcsResends} ` +
              `resend requests (${reply.error.message}). Check the charset and error detection settings.`,
            { what: message.type, reason: reply.error.code },
          ),
        };
      }
      const answer = reply.message;
      if (answer.type === "requestScResend") {
        if (scResends++ < maxScResends && bytes) {
          const again = bytes;
          return { again: () => write(again) };
        }
        return {
          fail: new Sip2ClientError(
            "SIP2_RESEND_LIMIT",
            `${this.description}: the ACS asked ${maxScResends} times for ${message.type} again (96). It cannot ` +
              "read what we send: check the charset, error detection and required fields (the ILS profile).",
            { what: message.type },
          ),
        };
      }
      if (answer.type !== expect) return undefined;
      if (sequence !== undefined && answer.sequence !== undefined && answer.sequence !== sequence) return undefined;
      return { value: answer as MessageOf<T> };
    };
    const what = `${message.type} (${options.tx ?? "no tx"})`;
    return queue
      .request({
        what,
        send,
        match,
        timeoutMs: options.timeoutMs ?? this.#settings.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      })
      .then(
        (answer) => {
          this.#armHeartbeat();
          return answer;
        },
        (error: unknown) => {
          // After a timeout or a stream we could not read, a late answer could be taken for the next one's.
          if (
            error instanceof Sip2ClientError &&
            (error.code === "ILS_TIMEOUT" || error.code === "SIP2_BAD_RESPONSE")
          ) {
            void this.#drop(error);
          }
          throw error;
        },
      );
  }

  #write(socket: net.Socket, bytes: Buffer): Promise<void> {
    this.emit("exchange", { connection: this.name, direction: "sent", bytes, at: this.#clock.now() });
    return new Promise((resolve, reject) => {
      // One write per message: at least one ILS failed on messages split across writes.
      socket.write(bytes, (error) =>
        error
          ? reject(
              new Sip2ClientError("SIP2_DISCONNECTED", `${this.description}: write failed (${describeError(error)}).`),
            )
          : resolve(),
      );
    });
  }

  async #status(): Promise<AcsStatus> {
    const { maxPrintWidth, protocolVersion } = this.#settings;
    const status = await this.#request(
      { type: "scStatus", statusCode: "0", maxPrintWidth, protocolVersion },
      "acsStatus",
    );
    this.#acsStatus = status;
    this.#setState({ state: status.onlineStatus ? "online" : "acs-offline" });
    return status;
  }

  #armHeartbeat(): void {
    this.#clock.clearTimeout(this.#heartbeat);
    const { heartbeatMs } = this.#settings;
    if (heartbeatMs <= 0 || this.#closed || !this.#socket) return;
    this.#heartbeat = this.#clock.setTimeout(() => {
      if (!this.usable) return;
      if (this.busy) return this.#armHeartbeat(); // traffic is its own heartbeat
      this.#status().catch((error: unknown) => {
        this.#logger?.warn({ conn: this.name, err: describeError(error) }, "sip2: heartbeat failed");
      });
    }, heartbeatMs);
  }

  async #keepUp(): Promise<void> {
    this.#keepingUp = true;
    try {
      await this.#reconnect();
    } finally {
      this.#keepingUp = false;
    }
  }

  async #reconnect(): Promise<void> {
    while (!this.#closed && !this.#socket) {
      try {
        await this.open();
        return;
      } catch (error) {
        this.#lastError = error as Error;
        this.#failures++;
      }
      if (this.#closed) return;
      const delay = backoffDelay(this.#failures, this.#backoff, this.#random);
      this.#setState({ state: "down", error: this.#lastError, nextRetryAt: this.#clock.now() + delay });
      this.#logger?.warn(
        { conn: this.name, code: (this.#lastError as Sip2ClientError).code, retryInMs: delay },
        "sip2: connection attempt failed",
      );
      await new Promise<void>((wake) => {
        this.#retry = { timer: this.#clock.setTimeout(wake, delay), wake };
      });
      this.#retry = undefined;
    }
  }

  #setState(change: Sip2StateChange): void {
    const same = change.state === this.#state && !change.error;
    this.#state = change.state;
    if (!same) this.emit("state", change);
  }

  #closedError(): Sip2ClientError {
    return new Sip2ClientError("SIP2_CLOSED", `${this.description}: the SIP2 client was closed.`);
  }
}
