/**
 * A simulated LC Technology serial relay module: executes A0 frames and answers the FF status query
 * with one "CHn: ON"/"CHn: OFF" line per channel (protocols/relay/serial-relay.ts). Boards without
 * the query (`answersStatus: false`) stay silent, as many do. With `alarmChannel` it is a board that
 * reports a gate alarm contact as one more status channel.
 */
import type { Transport } from "../../../bridge/transports/transport.ts";
import { encodeSerialRelayStatus, SerialRelayFrameParser } from "../../../protocols/relay/serial-relay.ts";
import { RelayBank, RelayBoardSimulator, RelaySimulatorError } from "./board-state.ts";

export interface SerialRelaySimulatorOptions {
  /** 1-8. Default 2. */
  relayCount?: number;
  /** Whether the board answers the FF query. Default true. */
  answersStatus?: boolean;
  /** The status channel that reports the gate alarm input (above the relays); none by default. */
  alarmChannel?: number;
  now?: () => number;
}

export class SerialRelaySimulator extends RelayBoardSimulator {
  readonly model = "serial-relay";
  readonly #answersStatus: boolean;
  readonly #alarmChannel: number | undefined;
  #transport: Transport | undefined;
  #parser = new SerialRelayFrameParser();
  readonly #onData = (bytes: Uint8Array) => this.#receive(bytes);
  #warnings = 0;
  #queries = 0;

  constructor(options: SerialRelaySimulatorOptions = {}) {
    super(new RelayBank(options.relayCount ?? 2, options.now), "the board ignores everything");
    this.#answersStatus = options.answersStatus ?? true;
    const channel = options.alarmChannel;
    if (channel !== undefined && !(Number.isInteger(channel) && channel > this.bank.count && channel <= 255)) {
      throw new RelaySimulatorError(
        "SIM_BAD_PARAMS",
        `alarmChannel must be a status channel above the relays (${this.bank.count + 1}-255), got ${channel}.`,
      );
    }
    this.#alarmChannel = channel;
  }

  attach(transport: Transport): void {
    this.detach();
    this.#transport = transport;
    this.#parser = new SerialRelayFrameParser();
    transport.on("data", this.#onData);
  }

  detach(): void {
    this.#transport?.off("data", this.#onData);
    this.#transport = undefined;
  }

  // The alarm level is reported on the next status query, so a change sends nothing.
  protected get hasAlarmInput(): boolean {
    return this.#alarmChannel !== undefined;
  }

  protected get noAlarmInputMessage(): string {
    return "This serial relay board has no input line (configure alarmChannel to simulate one).";
  }

  state(): Record<string, unknown> {
    return {
      relayCount: this.bank.count,
      relays: this.bank.states,
      alarm: this.#alarmChannel === undefined ? null : this.alarm,
      answersStatus: this.#answersStatus,
      faults: { noAnswer: this.noAnswer, stuckRelays: this.bank.stuck },
      statusQueries: this.#queries,
      skippedFrames: this.#warnings,
      attached: this.#transport?.description ?? null,
      timeline: this.bank.timeline(),
    };
  }

  #receive(bytes: Uint8Array): void {
    for (const event of this.#parser.feed(bytes)) {
      if (this.noAnswer) continue;
      if (event.type === "command") this.bank.set(event.relay, event.on);
      else if (event.type === "statusQuery") this.#answerStatus();
      else this.#warnings++;
    }
  }

  #answerStatus(): void {
    this.#queries++;
    if (!this.#answersStatus) return;
    const channels = this.bank.states;
    if (this.#alarmChannel !== undefined) {
      while (channels.length < this.#alarmChannel) channels.push(false);
      channels[this.#alarmChannel - 1] = this.alarm;
    }
    const transport = this.#transport;
    if (transport?.isOpen) transport.write(encodeSerialRelayStatus(channels)).catch(() => undefined);
  }
}

export function createSerialRelaySimulator(options?: SerialRelaySimulatorOptions): SerialRelaySimulator {
  return new SerialRelaySimulator(options);
}
