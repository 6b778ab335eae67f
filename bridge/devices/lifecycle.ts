/**
 * Start-up and job plumbing shared by the drivers that talk request/answer over one transport (the
 * receipt printer and the security relay): one job on the wire at a time, and a start() that hooks the
 * transport's events and waits only for the first connection attempt.
 */
import type { ConnectionStatus } from "../transports/reconnecting.ts";
import type { Transport, TransportCloseInfo } from "../transports/transport.ts";

/** Runs jobs one after the other in the order given; a failed job does not stop the ones behind it. */
export class JobQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  /** Whether a job is running or waiting. */
  get busy(): boolean {
    return this.#pending > 0;
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    this.#pending++;
    const run = this.#tail.then(job, job).finally(() => {
      this.#pending--;
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves when every job queued so far has finished. */
  settled(): Promise<unknown> {
    return this.#tail;
  }
}

export interface TransportHooks {
  data(bytes: Uint8Array): void;
  open(): void;
  close(info: TransportCloseInfo): void;
  error(error: Error): void;
  /** Every status of a reconnecting transport (others have none). */
  status(status: ConnectionStatus): void;
  /** Why open() rejected. */
  openFailed(error: unknown): void;
}

/**
 * Hooks the transport's events and opens it. A ReconnectingTransport's open() waits for the device, so
 * `firstAttempt` settles once it opened or its first attempt ended, whichever comes first.
 */
export function connectTransport(
  transport: Transport,
  hooks: TransportHooks,
): { firstAttempt: Promise<void>; unsubscribe: () => void } {
  const offs: Array<() => void> = [];
  const onData = (bytes: Uint8Array) => hooks.data(bytes);
  const onOpen = () => hooks.open();
  const onClose = (info: TransportCloseInfo) => hooks.close(info);
  const onError = (error: Error) => hooks.error(error);
  transport.on("data", onData);
  transport.on("open", onOpen);
  transport.on("close", onClose);
  transport.on("error", onError);
  offs.push(() => {
    transport.off("data", onData);
    transport.off("open", onOpen);
    transport.off("close", onClose);
    transport.off("error", onError);
  });
  const attempted = new Promise<void>((resolve) => {
    const reconnecting = transport as Partial<{ onStatus(l: (s: ConnectionStatus) => void): () => void }>;
    if (typeof reconnecting.onStatus !== "function") return;
    offs.push(
      reconnecting.onStatus((status) => {
        hooks.status(status);
        if (status.state !== "connecting") resolve();
      }),
    );
  });
  const opened = transport.open().then(
    () => undefined,
    (err: unknown) => hooks.openFailed(err),
  );
  return {
    firstAttempt: Promise.race([opened, attempted]),
    unsubscribe: () => {
      for (const off of offs.splice(0)) off();
    },
  };
}
