/** Small waiting helpers for transport tests: wait on events, never on fixed sleeps. */
import type { ConnectionStatus, ReconnectingTransport } from "../../../bridge/transports/reconnecting.ts";
import type { Transport, TransportCloseInfo } from "../../../bridge/transports/transport.ts";

/** A hang guard, not a speed limit: outcomes that depend on time are decided on a VirtualClock. */
const DEFAULT_TIMEOUT_MS = 20_000;

function withTimeout<T>(what: string, timeoutMs: number, start: (done: (v: T) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let stop: () => void = () => undefined;
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    stop = start((value) => {
      clearTimeout(timer);
      stop();
      resolve(value);
    });
  });
}

/** Everything a transport receives, with a way to wait until enough has arrived. */
export interface Received {
  chunks: Uint8Array[];
  bytes(): Uint8Array;
  waitFor(length: number, timeoutMs?: number): Promise<Uint8Array>;
  stop(): void;
}

export function collect(transport: Transport): Received {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const waiters = new Set<() => void>();
  const onData = (bytes: Uint8Array) => {
    chunks.push(Uint8Array.from(bytes));
    total += bytes.length;
    for (const w of waiters) w();
  };
  transport.on("data", onData);
  const bytes = () => {
    const out = new Uint8Array(total);
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  };
  return {
    chunks,
    bytes,
    waitFor(length, timeoutMs = DEFAULT_TIMEOUT_MS) {
      return withTimeout(`${length} bytes on ${transport.description} (have ${total})`, timeoutMs, (done) => {
        const check = () => {
          if (total >= length) done(bytes());
        };
        waiters.add(check);
        queueMicrotask(check);
        return () => waiters.delete(check);
      });
    },
    stop() {
      transport.off("data", onData);
    },
  };
}

export function nextClose(transport: Transport, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<TransportCloseInfo> {
  return withTimeout(`close on ${transport.description}`, timeoutMs, (done) => {
    transport.once("close", done);
    return () => transport.off("close", done);
  });
}

export function nextOpen(transport: Transport, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  return withTimeout(`open on ${transport.description}`, timeoutMs, (done) => {
    const listener = () => done(undefined);
    transport.once("open", listener);
    return () => transport.off("open", listener);
  });
}

/** Resolves with the first status (current or future) that satisfies `predicate`. */
export function waitForStatus(
  transport: ReconnectingTransport,
  predicate: (s: ConnectionStatus) => boolean,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<ConnectionStatus> {
  return withTimeout(`status on ${transport.description}`, timeoutMs, (done) => {
    const unsubscribe = transport.onStatus((s) => {
      if (predicate(s)) done(s);
    });
    queueMicrotask(() => {
      const now = transport.status;
      if (predicate(now)) done(now);
    });
    return unsubscribe;
  });
}

/** Records every status a reconnecting transport reports. */
export function statusLog(transport: ReconnectingTransport): ConnectionStatus[] {
  const log: ConnectionStatus[] = [];
  transport.onStatus((s) => log.push(s));
  return log;
}

export function allBytes(): Uint8Array {
  return Uint8Array.from({ length: 256 }, (_, i) => i);
}

export function randomBytes(length: number, seed: number): Uint8Array {
  // xorshift32: repeatable test data without pulling in a library.
  let x = seed | 0 || 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
