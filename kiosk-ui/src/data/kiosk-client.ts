/**
 * The kiosk UI's one line to the bridge (protocols/kiosk-api): it connects, reconnects by itself after a
 * drop, sends commands with ids and settles each with its `reply`, keeps the latest `state` and passes
 * `notice` events on. Components only render what it holds; nothing here knows about screens.
 */
import type {
  ApiErrorCode,
  Command,
  CommandType,
  KioskState,
  ServerMessage,
  ServerMessageOf,
} from "../../../protocols/kiosk-api/schema.ts";

export type Hello = ServerMessageOf<"hello">;
export type Notice = ServerMessageOf<"notice">;
export type ConnectionStatus = "connecting" | "open" | "closed";

/** What the client needs of a WebSocket: the browser's own, or `ws` in node tests. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Time as the client uses it; the browser's by default, a virtual clock in tests. */
export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Errors a command can end with: the bridge's codes, and two of the client's own. */
export type CommandErrorCode = ApiErrorCode | "CONNECTION_LOST" | "NO_REPLY";

export class CommandError extends Error {
  constructor(
    readonly code: CommandErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

export type CommandPayload<T extends CommandType> = Omit<Command<T>, "type" | "id">;

export interface KioskClientOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  timers?: Timers;
  /** First reconnect delay; doubles after each failed attempt up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A command with no reply after this long fails with NO_REPLY (the bridge answers every command). */
  replyTimeoutMs?: number;
}

const OPEN = 1;

const browserTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
};

interface Pending {
  resolve(): void;
  reject(error: CommandError): void;
  timer: unknown;
}

export class KioskClient {
  #state: KioskState | undefined;
  #hello: Hello | undefined;
  #status: ConnectionStatus = "closed";
  #clockOffset = 0;
  #socket: SocketLike | undefined;
  #reconnectTimer: unknown;
  #attempt = 0;
  #nextId = 1;
  #stopped = true;
  /** After a (re)connect the bridge may have restarted and counted `rev` from 0 again. */
  #acceptAnyRev = true;
  readonly #pending = new Map<string, Pending>();
  readonly #listeners = new Set<() => void>();
  readonly #noticeListeners = new Set<(notice: Notice) => void>();
  readonly #options: Required<Omit<KioskClientOptions, "createSocket">> & Pick<KioskClientOptions, "createSocket">;

  constructor(options: KioskClientOptions) {
    this.#options = {
      timers: browserTimers,
      initialBackoffMs: 500,
      maxBackoffMs: 10_000,
      replyTimeoutMs: 15_000,
      ...options,
    };
  }

  /** The latest state the bridge sent; undefined until the first arrives. */
  get state(): KioskState | undefined {
    return this.#state;
  }

  get hello(): Hello | undefined {
    return this.#hello;
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  /** The bridge's clock now, estimated from the `serverTime` of the latest state. */
  bridgeNow(): number {
    return this.#options.timers.now() + this.#clockOffset;
  }

  /** Calls `listener` after every change of state, hello or connection status. Returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onNotice(listener: (notice: Notice) => void): () => void {
    this.#noticeListeners.add(listener);
    return () => this.#noticeListeners.delete(listener);
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    this.#options.timers.clearTimeout(this.#reconnectTimer);
    this.#socket?.close();
    this.#dropped();
  }

  /**
   * Sends a command and resolves when the bridge answers ok; rejects with a CommandError otherwise.
   * Nothing is queued while disconnected: a command sent into a later session (a PIN, a tap) could do
   * the wrong thing, so it fails at once with CONNECTION_LOST and the patron taps again.
   */
  send<T extends CommandType>(type: T, payload: CommandPayload<T>): Promise<void> {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN || this.#status !== "open") {
      return Promise.reject(new CommandError("CONNECTION_LOST", `${type}: not connected to the bridge`));
    }
    const id = String(this.#nextId++);
    const { timers, replyTimeoutMs } = this.#options;
    return new Promise<void>((resolve, reject) => {
      const timer = timers.setTimeout(() => {
        this.#pending.delete(id);
        reject(new CommandError("NO_REPLY", `${type}: no reply from the bridge in ${replyTimeoutMs} ms`));
      }, replyTimeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      socket.send(JSON.stringify({ ...payload, type, id }));
    });
  }

  #connect(): void {
    this.#setStatus("connecting");
    let socket: SocketLike;
    try {
      socket = (this.#options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike))(
        this.#options.url,
      );
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    this.#acceptAnyRev = true;
    socket.onmessage = (event) => {
      if (socket === this.#socket && typeof event.data === "string") this.#receive(event.data);
    };
    socket.onclose = () => {
      if (socket !== this.#socket) return;
      this.#socket = undefined;
      this.#dropped();
      this.#scheduleReconnect();
    };
    socket.onerror = () => socket.close();
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    const { initialBackoffMs, maxBackoffMs, timers } = this.#options;
    const delay = Math.min(maxBackoffMs, initialBackoffMs * 2 ** this.#attempt);
    this.#attempt++;
    this.#reconnectTimer = timers.setTimeout(() => this.#connect(), delay);
  }

  #dropped(): void {
    for (const [id, pending] of this.#pending) {
      this.#options.timers.clearTimeout(pending.timer);
      pending.reject(new CommandError("CONNECTION_LOST", `command ${id}: the connection to the bridge dropped`));
    }
    this.#pending.clear();
    this.#setStatus(this.#stopped ? "closed" : "connecting");
  }

  #receive(text: string): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(text) as ServerMessage;
    } catch {
      return; // the bridge validates what it sends; a broken frame is dropped, not fatal
    }
    switch (message.type) {
      case "hello":
        this.#hello = message;
        this.#attempt = 0;
        this.#setStatus("open");
        break;
      case "state":
        if (!this.#acceptAnyRev && this.#state && message.state.rev <= this.#state.rev) return;
        this.#acceptAnyRev = false;
        this.#state = message.state;
        this.#clockOffset = message.state.serverTime - this.#options.timers.now();
        this.#changed();
        break;
      case "reply":
        this.#settle(message);
        break;
      case "notice":
        for (const listener of this.#noticeListeners) listener(message);
        break;
    }
  }

  #settle(reply: ServerMessageOf<"reply">): void {
    const pending = reply.id === null ? undefined : this.#pending.get(reply.id);
    if (!pending || reply.id === null) return;
    this.#pending.delete(reply.id);
    this.#options.timers.clearTimeout(pending.timer);
    if (reply.ok) pending.resolve();
    else {
      const error = reply.error ?? { code: "INTERNAL" as const, message: "refused without an error" };
      pending.reject(new CommandError(error.code, error.message));
    }
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#changed();
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

/** The bridge serves the UI and speaks the API on the same origin. */
export function kioskApiUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/api/kiosk`;
}
