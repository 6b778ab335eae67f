/**
 * The kiosk UI's side of the kiosk WebSocket API, for tests and benchmarks that drive a real bridge without a
 * browser: sends commands, keeps the latest state, and waits on conditions (never on time).
 */
import WebSocket from "ws";
import type { ClientMessage, KioskState, ServerMessage } from "../../protocols/kiosk-api/schema.ts";

/** The kiosk UI's side of the socket: sends commands, keeps the latest state, waits on conditions (never on time). */
export class KioskClient {
  state: KioskState | undefined;
  readonly notices: string[] = [];
  readonly #replies = new Map<string, (m: ServerMessage) => void>();
  readonly #waiters = new Set<() => void>();
  #seq = 0;

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      if (message.type === "state") this.state = message.state;
      if (message.type === "notice") this.notices.push(message.code);
      if (message.type === "reply" && message.id) this.#replies.get(message.id)?.(message);
      for (const wake of this.#waiters) wake();
    });
  }

  static open(url: string): Promise<KioskClient> {
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      socket.once("open", () => resolve(new KioskClient(socket)));
      socket.once("error", reject);
    });
  }

  send(command: Record<string, unknown> & { type: ClientMessage["type"] }): Promise<ServerMessage> {
    const id = `c${++this.#seq}`;
    return new Promise((resolve) => {
      this.#replies.set(id, resolve);
      this.socket.send(JSON.stringify({ ...command, id }));
    });
  }

  until(predicate: (state: KioskState) => boolean): Promise<KioskState> {
    return this.#wait(() => (this.state && predicate(this.state) ? this.state : undefined));
  }

  untilNotice(code: string): Promise<true> {
    return this.#wait(() => this.notices.includes(code) || undefined);
  }

  async #wait<T>(check: () => T | undefined): Promise<T> {
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          resolve();
        };
        this.#waiters.add(wake);
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** More inventory rounds than the pad driver's miss threshold (bridge/devices/rfid/tag-tracker.ts). */
const PAD_ROUNDS_TO_FORGET = 5;

/**
 * Waits until the simulated pad has answered enough inventories since its tags were lifted for the driver to
 * count them gone (it needs a few rounds in a row without a tag); else the next sign-in still finds them.
 */
export async function padSawEmpty(controlUrl: string, padId = "rfid-pad"): Promise<void> {
  const seen = async () => {
    const response = await fetch(`${controlUrl}/sims/${padId}`);
    return ((await response.json()) as { state: { commandsSeen: number } }).state.commandsSeen;
  };
  const from = await seen();
  for (let i = 0; (await seen()) < from + PAD_ROUNDS_TO_FORGET; i++) {
    if (i > 1000) throw new Error(`${padId}: no inventory rounds for 20 s; is the pad still polled?`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
