/**
 * The kiosk's SIP2 service across a configuration change: it passes every request to the current client,
 * and `replace` swaps in a client built from new settings between transactions. A request already sent
 * finishes on the client it started on; the old client is closed once it has none left in flight, so no
 * transaction is cut off. The state the kiosk sees is the current client's: a new ILS that does not answer
 * makes the kiosk go offline (and lend from its journal, if allowed), exactly as a lost connection does.
 */
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { Sip2Client, Sip2Service } from "./client.ts";
import type { Sip2ConnectionState } from "./connection.ts";

type Forwarded = Exclude<keyof Sip2Service, "state" | "supports" | "on" | "off" | "close">;

export class ReplaceableSip2
  extends EventEmitter<{ state: [state: Sip2ConnectionState]; replaced: [client: Sip2Client] }>
  implements Sip2Service
{
  #current: Sip2Client;
  readonly #inFlight = new Map<Sip2Client, number>();
  /** Replaced clients not yet closed, and how to close each once idle. */
  readonly #retiring = new Map<Sip2Client, () => void>();
  readonly #logger: Logger | undefined;
  readonly #onState = (state: Sip2ConnectionState) => this.emit("state", state);

  constructor(client: Sip2Client, logger?: Logger) {
    super();
    this.#current = client;
    this.#logger = logger;
    client.on("state", this.#onState);
  }

  /** The client new requests go to. */
  get current(): Sip2Client {
    return this.#current;
  }

  get state(): Sip2ConnectionState {
    return this.#current.state;
  }

  supports(message: Parameters<Sip2Client["supports"]>[0]): boolean | undefined {
    return this.#current.supports(message);
  }

  /**
   * Sends new requests to `next` from now on (start its pool first); resolves when the old client has
   * finished what it had in flight and is closed.
   */
  replace(next: Sip2Client): Promise<void> {
    const old = this.#current;
    if (next === old) return Promise.resolve();
    old.off("state", this.#onState);
    this.#current = next;
    next.on("state", this.#onState);
    this.emit("replaced", next);
    if (next.state !== old.state) this.emit("state", next.state);
    const closed = new Promise<void>((resolve) => {
      this.#retiring.set(old, () => {
        this.#retiring.delete(old);
        void old.close().finally(resolve);
      });
    });
    this.#logger?.info(
      { inFlight: this.#inFlight.get(old) ?? 0 },
      "sip2: new settings in use; the old connections close when idle",
    );
    this.#closeIfIdle(old);
    return closed;
  }

  async close(): Promise<void> {
    this.#current.off("state", this.#onState);
    await Promise.all([this.#current.close(), ...[...this.#retiring.keys()].map((c) => c.close())]);
  }

  checkout = this.#forward("checkout");
  checkin = this.#forward("checkin");
  renew = this.#forward("renew");
  renewAll = this.#forward("renewAll");
  feePaid = this.#forward("feePaid");
  hold = this.#forward("hold");
  endSession = this.#forward("endSession");
  patronStatus = this.#forward("patronStatus");
  patronInformation = this.#forward("patronInformation");
  itemInformation = this.#forward("itemInformation");
  snapshot = this.#forward("snapshot");
  inquire = this.#forward("inquire");

  /** The current client's method, counted in flight on that client until it settles. */
  #forward<K extends Forwarded>(name: K): Sip2Service[K] {
    return ((...args: unknown[]) => {
      const client = this.#current;
      this.#inFlight.set(client, (this.#inFlight.get(client) ?? 0) + 1);
      const method = client[name] as (...a: unknown[]) => Promise<unknown>;
      return method.apply(client, args).finally(() => {
        const left = (this.#inFlight.get(client) ?? 1) - 1;
        if (left > 0) this.#inFlight.set(client, left);
        else this.#inFlight.delete(client);
        this.#closeIfIdle(client);
      });
    }) as Sip2Service[K];
  }

  #closeIfIdle(client: Sip2Client): void {
    if (!this.#inFlight.has(client)) this.#retiring.get(client)?.();
  }
}
