/**
 * A simulated LC Technology serial relay module: executes A0 frames and answers the FF status query
 * with one "CHn: ON"/"CHn: OFF" line per channel (protocols/relay/serial-relay.ts). Boards without
 * the query (`answersStatus: false`) stay silent, as many do. With `alarmChannel` it is a board that
 * reports a gate alarm contact as one more status channel.
 */
import type { Transport } from "../../../bridge/transports/transport.ts";
import { encodeSerialRelayStatus, SerialRelayFrameParser } from "../../../protocols/relay/serial-relay.ts";
import type { ControlAction, DeviceSimulator } from "../simulator.ts";
import {
  badAction,
  flag,
  optionalMs,
  RelayBank,
  type RelayPulse,
  RelaySimulatorError,
  type RelaySwitch,
  relayList,
} from "./board-state.ts";

export interface SerialRelaySimulatorOptions {
  /** 1-8. Default 2. */
  relayCount?: number;
  /** Whether the board answers the FF query. Default true. */
  answersStatus?: boolean;
  /** The status channel that reports the gate alarm input (above the relays); none by default. */
  alarmChannel?: number;
  now?: () => number;
}

const ACTIONS: readonly ControlAction[] = [
  { name: "raiseAlarm", description: "Raise the gate alarm input: {ms?: number} clears it again after ms" },
  { name: "clearAlarm", description: "Clear the gate alarm input" },
  {
    name: "setFaults",
    description: "Faults: {noAnswer?: boolean (the board ignores everything), stuckRelays?: number[]}",
  },
  { name: "timeline", description: "Every relay switch with its time (ms), and the completed pulses" },
];

export class SerialRelaySimulator implements DeviceSimulator {
  readonly kind = "relay" as const;
  readonly model = "serial-relay";
  readonly bank: RelayBank;
  readonly #answersStatus: boolean;
  readonly #alarmChannel: number | undefined;
  #transport: Transport | undefined;
  #parser = new SerialRelayFrameParser();
  readonly #onData = (bytes: Uint8Array) => this.#receive(bytes);
  #noAnswer = false;
  #alarm = false;
  #alarmTimer: NodeJS.Timeout | undefined;
  #warnings = 0;
  #queries = 0;

  constructor(options: SerialRelaySimulatorOptions = {}) {
    this.bank = new RelayBank(options.relayCount ?? 2, options.now);
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

  actions(): readonly ControlAction[] {
    return ACTIONS;
  }

  async control(action: string, params: Record<string, unknown> = {}): Promise<unknown> {
    switch (action) {
      case "raiseAlarm": {
        const ms = optionalMs(params, "ms");
        this.raiseAlarm(ms === undefined ? {} : { ms });
        return { alarm: this.#alarm };
      }
      case "clearAlarm":
        this.clearAlarm();
        return { alarm: this.#alarm };
      case "setFaults": {
        const faults: { noAnswer?: boolean; stuckRelays?: number[] } = {};
        if (params.noAnswer !== undefined) faults.noAnswer = flag(params, "noAnswer");
        const stuck = relayList(params, "stuckRelays", this.bank.count);
        if (stuck) faults.stuckRelays = stuck;
        this.setFaults(faults);
        return this.state().faults;
      }
      case "timeline":
        return { switches: this.timeline(), pulses: this.bank.pulses() };
      default:
        throw badAction(
          action,
          ACTIONS.map((a) => a.name),
        );
    }
  }

  /** Raises the alarm input (reported on the next status query); with `ms`, clears it after that long. */
  raiseAlarm(options: { ms?: number } = {}): void {
    if (this.#alarmChannel === undefined) {
      throw new RelaySimulatorError(
        "SIM_BAD_ACTION",
        "This serial relay board has no input line (configure alarmChannel to simulate one).",
      );
    }
    clearTimeout(this.#alarmTimer);
    this.#alarm = true;
    if (options.ms !== undefined) {
      this.#alarmTimer = setTimeout(() => {
        this.#alarm = false;
      }, options.ms);
    }
  }

  clearAlarm(): void {
    clearTimeout(this.#alarmTimer);
    this.#alarm = false;
  }

  setFaults(faults: { noAnswer?: boolean; stuckRelays?: number[] }): void {
    if (faults.noAnswer !== undefined) this.#noAnswer = faults.noAnswer;
    if (faults.stuckRelays !== undefined) this.bank.setStuck(faults.stuckRelays);
  }

  timeline(): RelaySwitch[] {
    return this.bank.timeline();
  }

  pulses(relay?: number): RelayPulse[] {
    return this.bank.pulses(relay);
  }

  state(): Record<string, unknown> {
    return {
      relayCount: this.bank.count,
      relays: this.bank.states,
      alarm: this.#alarmChannel === undefined ? null : this.#alarm,
      answersStatus: this.#answersStatus,
      faults: { noAnswer: this.#noAnswer, stuckRelays: this.bank.stuck },
      statusQueries: this.#queries,
      skippedFrames: this.#warnings,
      attached: this.#transport?.description ?? null,
      timeline: this.bank.timeline(),
    };
  }

  #receive(bytes: Uint8Array): void {
    for (const event of this.#parser.feed(bytes)) {
      if (this.#noAnswer) continue;
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
      channels[this.#alarmChannel - 1] = this.#alarm;
    }
    const transport = this.#transport;
    if (transport?.isOpen) transport.write(encodeSerialRelayStatus(channels)).catch(() => undefined);
  }
}

export function createSerialRelaySimulator(options?: SerialRelaySimulatorOptions): SerialRelaySimulator {
  return new SerialRelaySimulator(options);
}
