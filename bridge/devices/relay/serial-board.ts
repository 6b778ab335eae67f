/**
 * LC Technology serial relay modules (CH340, 9600 8N1): 4-byte A0 frames switch a relay; the FF
 * query, on boards that have it, answers one "CHn: ON"/"CHn: OFF" line per channel
 * (protocols/relay/serial-relay.ts). The modules send nothing else and acknowledge nothing.
 *
 * They have no inputs either. A board that reports a gate alarm contact as an extra status channel
 * (`alarmInput.statusChannel`) is read by polling the query.
 */
import { describeError } from "../../../protocols/errors.ts";
import {
  decodeSerialRelayStatus,
  encodeSerialRelayCommand,
  encodeSerialRelayStatusQuery,
} from "../../../protocols/relay/serial-relay.ts";
import { type Clock, withTimeout } from "../../transports/clock.ts";
import type { Transport } from "../../transports/transport.ts";
import type { BoardState, RelayBoard } from "./board.ts";
import { SecurityRelayError } from "./errors.ts";

export interface SerialAlarmInput {
  /** The status-query channel that reports the alarm contact (above the relay channels). */
  statusChannel: number;
  /** "on" (default): the alarm is on when the channel reads ON. "off" for a normally closed contact. */
  activeWhen?: "on" | "off";
}

export interface SerialBoardOptions {
  relayCount: number;
  clock: Clock;
  /** Whether the board answers the FF status query. */
  statusQuery: boolean;
  answerTimeoutMs: number;
  alarmInput?: SerialAlarmInput | undefined;
}

/** Longest status answer we keep: 255 channels of "CHnnn: OFF\r\n". */
const MAX_ANSWER = 255 * 12;

export class SerialRelayBoard implements RelayBoard {
  readonly relayCount: number;
  readonly readsBack: boolean;
  readonly alarmInput: string | undefined;
  readonly alarmNeedsPolling = true;
  readonly #transport: Transport;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #input: SerialAlarmInput | undefined;
  /** Lines the answer has: one per relay, up to the alarm channel. */
  readonly #lines: number;
  #answer: { text: string; done: () => void } | undefined;

  constructor(transport: Transport, options: SerialBoardOptions) {
    this.#transport = transport;
    this.relayCount = options.relayCount;
    this.readsBack = options.statusQuery;
    this.#timeoutMs = options.answerTimeoutMs;
    this.#clock = options.clock;
    this.#input = options.alarmInput;
    this.#lines = Math.max(options.relayCount, options.alarmInput?.statusChannel ?? 0);
    this.alarmInput = options.alarmInput ? `status channel ${options.alarmInput.statusChannel}` : undefined;
  }

  async setRelay(relay: number, on: boolean): Promise<void> {
    await this.#write(encodeSerialRelayCommand({ relay, on }));
  }

  async readState(): Promise<BoardState> {
    if (!this.readsBack) {
      throw new SecurityRelayError(
        "RELAY_NO_ANSWER",
        `${this.#transport.description}: this relay board is configured without the status query, so its state cannot be read.`,
      );
    }
    const answer: { text: string; done: () => void } = { text: "", done: () => undefined };
    const complete = new Promise<void>((resolve) => {
      answer.done = resolve;
    });
    this.#answer = answer;
    try {
      await this.#write(encodeSerialRelayStatusQuery());
      await withTimeout(
        this.#clock,
        complete,
        this.#timeoutMs,
        () =>
          new SecurityRelayError(
            "RELAY_NO_ANSWER",
            `${this.#transport.description}: the relay board did not answer the status query within ${this.#timeoutMs} ms` +
              (answer.text ? ` (got ${JSON.stringify(answer.text.slice(0, 40))})` : "") +
              ". Check power and baud rate (9600); set statusQuery to false for boards without it.",
          ),
      );
    } finally {
      if (this.#answer === answer) this.#answer = undefined;
    }
    let channels: boolean[];
    try {
      channels = decodeSerialRelayStatus(answer.text);
    } catch (err) {
      throw new SecurityRelayError(
        "RELAY_NO_ANSWER",
        `${this.#transport.description}: the relay board's status answer is unreadable (${describeError(err)}).`,
      );
    }
    const state: BoardState = { relays: Array.from({ length: this.relayCount }, (_, i) => channels[i] === true) };
    const input = this.#input;
    if (input) {
      const on = channels[input.statusChannel - 1] === true;
      state.alarm = input.activeWhen === "off" ? !on : on;
    }
    return state;
  }

  received(bytes: Uint8Array): boolean | undefined {
    const answer = this.#answer;
    if (!answer) return undefined; // the modules send nothing unasked; stray bytes are line noise
    answer.text = (answer.text + String.fromCharCode(...bytes)).slice(-MAX_ANSWER);
    const complete = answer.text.split("\n").filter((line) => line.trim() !== "").length;
    if (answer.text.endsWith("\n") && complete >= this.#lines) answer.done();
    return undefined;
  }

  reset(): void {
    this.#answer = undefined;
  }

  async #write(bytes: Uint8Array): Promise<void> {
    try {
      await this.#transport.write(bytes);
    } catch (err) {
      throw new SecurityRelayError(
        "RELAY_DISCONNECTED",
        `${this.#transport.description}: the relay board is not connected (${describeError(err)}).`,
        { cause: (err as { code?: unknown })?.code },
      );
    }
  }
}
