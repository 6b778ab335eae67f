import type { Buffer } from "node:buffer";
import net from "node:net";
import tls from "node:tls";
import {
  decodeMessage,
  encodeMessage,
  type MessageOf,
  type MessageType,
  nextSequence,
  type Sip2CodecOptions,
  Sip2Framer,
  type Sip2Message,
} from "../../protocols/sip2/index.ts";

/**
 * A bare SIP2 SC for tests: one socket, messages in, frames out. It is deliberately not the bridge's client,
 * so the ACS simulator is checked by something that shares nothing with it above the codec.
 */
/**
 * How long to wait for the ACS before failing. Generous on purpose: it only turns a hang into a failure,
 * so it must not fire on a busy machine where the answer is merely late.
 */
const PATIENCE_MS = 20_000;

export class TestSipClient {
  readonly frames: Buffer[] = [];
  private waiters: Array<(frame: Buffer) => void> = [];
  private sequence = 0;
  closed = false;

  private constructor(
    readonly socket: net.Socket,
    readonly options: Sip2CodecOptions,
  ) {
    const framer = new Sip2Framer({
      onFrame: (frame) => {
        const waiter = this.waiters.shift();
        if (waiter) waiter(frame);
        else this.frames.push(frame);
      },
    });
    socket.on("data", (chunk) => framer.push(chunk));
    socket.on("close", () => {
      this.closed = true;
    });
    socket.on("error", () => {});
  }

  static async connect(
    port: number,
    options: Sip2CodecOptions & { tls?: { ca: string } } = { errorDetection: true },
  ): Promise<TestSipClient> {
    const socket = options.tls
      ? tls.connect({ port, host: "127.0.0.1", ca: options.tls.ca, servername: "localhost" })
      : net.connect({ port, host: "127.0.0.1" });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? "secureConnect" : "connect", () => resolve());
      socket.once("error", reject);
    });
    const { tls: _tls, ...codec } = options;
    return new TestSipClient(socket, codec);
  }

  writeRaw(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  send(message: Sip2Message): void {
    const withSeq = this.options.errorDetection ? { ...message, sequence: this.sequence } : message;
    this.sequence = nextSequence(this.sequence);
    this.socket.write(encodeMessage(withSeq, this.options));
  }

  /** The next frame from the ACS, or a rejection after `ms`. */
  nextFrame(ms = PATIENCE_MS): Promise<Buffer> {
    const ready = this.frames.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no SIP2 frame within ${ms} ms`));
      }, ms);
      const waiter = (frame: Buffer) => {
        clearTimeout(timer);
        resolve(frame);
      };
      this.waiters.push(waiter);
    });
  }

  async next(ms?: number): Promise<Sip2Message> {
    return decodeMessage(await this.nextFrame(ms), this.options);
  }

  async request<T extends MessageType>(message: Sip2Message, expect: T, ms?: number): Promise<MessageOf<T>> {
    this.send(message);
    const reply = await this.next(ms);
    if (reply.type !== expect) throw new Error(`expected ${expect}, got ${reply.type}`);
    return reply as MessageOf<T>;
  }

  async login(user = "kiosk-main", password = "main-secret"): Promise<boolean> {
    const reply = await this.request(
      { type: "login", uidAlgorithm: "0", pwdAlgorithm: "0", loginUserId: user, loginPassword: password },
      "loginResponse",
    );
    return reply.ok;
  }

  /** Resolves when the ACS closes the connection. */
  closedWithin(ms = PATIENCE_MS): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connection still open after ${ms} ms`)), ms);
      this.socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
