/**
 * A tiny line protocol for testing hosting, the control API and the registry without depending on any
 * real device model: the "device" answers `PING\n` with `PONG <n>\n` and can be told to say things.
 * Both sides are written here from the protocol, independently, as real drivers and simulators are.
 */
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import {
  type Device,
  type DeviceEvents,
  type DeviceHealth,
  type DeviceTestResult,
  errorInfo,
} from "../../../bridge/devices/device.ts";
import type { ConnectionStatus } from "../../../bridge/transports/reconnecting.ts";
import type { Transport } from "../../../bridge/transports/transport.ts";
import { CodedError } from "../../../protocols/errors.ts";
import type { ControlAction, DeviceSimulator } from "../../../simulators/devices/simulator.ts";

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");
const bytes = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));

/** Device side of the ping protocol. */
export class PongSimulator implements DeviceSimulator {
  readonly kind = "relay" as const;
  readonly model = "pong";
  attached: Transport | undefined;
  pings = 0;
  attachCount = 0;
  #buffer = "";
  readonly #onData = (chunk: Uint8Array) => {
    this.#buffer += text(chunk);
    for (let nl = this.#buffer.indexOf("\n"); nl >= 0; nl = this.#buffer.indexOf("\n")) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      if (line === "PING") void this.attached?.write(bytes(`PONG ${++this.pings}\n`)).catch(() => undefined);
    }
  };

  attach(transport: Transport): void {
    this.detach();
    this.attached = transport;
    this.attachCount++;
    transport.on("data", this.#onData);
  }

  detach(): void {
    this.attached?.off("data", this.#onData);
    this.attached = undefined;
    this.#buffer = "";
  }

  actions(): readonly ControlAction[] {
    return [
      { name: "say", description: "say({text}): send text + newline to the driver" },
      { name: "fail", description: "fail(): refuses, for error mapping tests" },
    ];
  }

  async control(action: string, params: Record<string, unknown> = {}): Promise<unknown> {
    if (action === "say") {
      if (typeof params.text !== "string") {
        throw new CodedError("SIM_BAD_PARAMS", 'say needs {"text": string}', { action });
      }
      if (!this.attached) throw new CodedError("SIM_NOT_ATTACHED", "no driver is connected");
      await this.attached.write(bytes(`${params.text}\n`));
      return { sent: params.text };
    }
    if (action === "fail") throw new CodedError("SIM_REFUSED", "refused on purpose");
    throw new CodedError("SIM_BAD_ACTION", `no action ${action}`);
  }

  state(): Record<string, unknown> {
    return { pings: this.pings, attached: this.attached !== undefined };
  }
}

type PingEvents = DeviceEvents & { line: [line: string] };

/** Driver side of the ping protocol: health from the (reconnecting) transport, selfTest = ping. */
export class PingDevice extends EventEmitter<PingEvents> implements Device<PingEvents> {
  readonly kind = "relay" as const;
  readonly model = "pong";
  readonly id: string;
  readonly #transport: Transport;
  #health: DeviceHealth = { state: "disconnected", since: new Date().toISOString() };
  #buffer = "";
  #unsubscribe: (() => void) | undefined;
  readonly log: Logger;

  constructor(id: string, transport: Transport, logger: Logger) {
    super();
    this.id = id;
    this.#transport = transport;
    this.log = logger;
  }

  get description(): string {
    return this.#transport.description;
  }

  health(): DeviceHealth {
    return { ...this.#health };
  }

  async start(): Promise<void> {
    const t = this.#transport as Transport & { onStatus?: (l: (s: ConnectionStatus) => void) => () => void };
    t.on("data", (chunk) => {
      this.#buffer += text(chunk);
      for (let nl = this.#buffer.indexOf("\n"); nl >= 0; nl = this.#buffer.indexOf("\n")) {
        this.emit("line", this.#buffer.slice(0, nl));
        this.#buffer = this.#buffer.slice(nl + 1);
      }
    });
    const first = new Promise<void>((resolve) => {
      this.#unsubscribe = t.onStatus?.((status) => {
        if (status.state === "open") this.#set({ state: "ok", since: new Date().toISOString() });
        if (status.state === "disconnected") {
          const health: DeviceHealth = { state: "disconnected", since: new Date().toISOString() };
          if (status.lastError) health.lastError = errorInfo(status.lastError);
          this.#set(health);
        }
        if (status.state !== "connecting") resolve();
      });
    });
    t.open().catch(() => undefined);
    await first;
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    await this.#transport.close();
    this.#set({ state: "disconnected", since: new Date().toISOString() });
  }

  /**
   * Pings and waits for the PONG as long as it takes (a lost answer fails the test by the test's own
   * timeout), so a busy machine cannot turn a slow answer into "no answer".
   */
  async selfTest(): Promise<DeviceTestResult> {
    const answer = new Promise<string>((resolve) => this.once("line", resolve));
    try {
      await this.#transport.write(bytes("PING\n"));
    } catch (err) {
      const error = err as CodedError;
      return { ok: false, summary: "could not ping", error: { code: error.code, message: error.message } };
    }
    const line = await answer;
    return line.startsWith("PONG")
      ? { ok: true, summary: `answered ${line}` }
      : { ok: false, summary: `answered ${line}`, error: { code: "NOT_PONG", message: "the answer was not PONG" } };
  }

  #set(health: DeviceHealth): void {
    this.#health = health;
    this.emit("health", this.health());
  }
}
