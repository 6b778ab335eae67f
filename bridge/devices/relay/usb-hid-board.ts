/**
 * USB HID relay boards (16c0:05df, "USBRelay1".."USBRelay8"): relays switched with SET feature
 * reports, states and the board id read with GET feature report 0 (protocols/relay/usb-hid-relay.ts).
 *
 * These boards have no inputs. A board built with one (e.g. a gate alarm contact on a spare pin)
 * can report it in HID input reports; `alarmInput` says which byte and bit carry the level.
 */
import { describeError } from "../../../protocols/errors.ts";
import { decodeUsbRelayState, encodeUsbRelayCommand, USB_RELAY } from "../../../protocols/relay/usb-hid-relay.ts";
import { type Clock, withTimeout } from "../../transports/clock.ts";
import { type HidTransport, hasFeatureReports, type Transport } from "../../transports/transport.ts";
import type { BoardState, RelayBoard } from "./board.ts";
import { SecurityRelayError } from "./errors.ts";

export interface HidAlarmInput {
  /** Byte of the input report (report id first, as node-hid delivers it) that carries the input. */
  reportByte: number;
  /** Bit mask of the input within that byte. */
  mask: number;
  /** The alarm is on when the bit is clear (a normally closed contact). Default false. */
  activeLow?: boolean;
}

export interface UsbHidBoardOptions {
  relayCount: number;
  clock: Clock;
  answerTimeoutMs: number;
  alarmInput?: HidAlarmInput | undefined;
}

export class UsbHidRelayBoard implements RelayBoard {
  readonly relayCount: number;
  readonly readsBack = true;
  readonly alarmInput: string | undefined;
  readonly alarmNeedsPolling = false;
  readonly #transport: Transport;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #input: HidAlarmInput | undefined;

  constructor(transport: Transport, options: UsbHidBoardOptions) {
    this.#transport = transport;
    this.relayCount = options.relayCount;
    this.#timeoutMs = options.answerTimeoutMs;
    this.#clock = options.clock;
    this.#input = options.alarmInput;
    if (!hasFeatureReports(transport)) {
      throw new SecurityRelayError(
        "RELAY_BAD_OPTIONS",
        `${transport.description}: a USB HID relay needs a HID transport with feature reports ` +
          "(createHidTransport, or the registry's createReconnectingHidTransport to keep it connected).",
      );
    }
    const input = options.alarmInput;
    this.alarmInput =
      input === undefined
        ? undefined
        : `HID input report byte ${input.reportByte}, mask 0x${input.mask.toString(16)}${input.activeLow ? " (active low)" : ""}`;
  }

  async setRelay(relay: number, on: boolean): Promise<void> {
    const report = encodeUsbRelayCommand({ type: on ? "on" : "off", relay });
    await this.#call("switch a relay", (t) => t.sendFeatureReport(report));
  }

  async readState(): Promise<BoardState> {
    const report = await this.#call("read the relay states", (t) =>
      t.getFeatureReport(USB_RELAY.reportId, USB_RELAY.dataLength + 1),
    );
    let state: { id: string; mask: number };
    try {
      state = decodeUsbRelayState(report);
    } catch (err) {
      throw new SecurityRelayError(
        "RELAY_NO_ANSWER",
        `${this.#transport.description}: the board's state report is not a HID relay's (${describeError(err)}). ` +
          "Check that the configured device is a USB relay board.",
      );
    }
    const relays = Array.from({ length: this.relayCount }, (_, i) => (state.mask & (1 << i)) !== 0);
    return { relays, boardId: state.id };
  }

  received(report: Uint8Array): boolean | undefined {
    const input = this.#input;
    if (!input || report.length <= input.reportByte) return undefined;
    const set = ((report[input.reportByte] ?? 0) & input.mask) !== 0;
    return input.activeLow ? !set : set;
  }

  reset(): void {}

  async #call<T>(what: string, call: (t: HidTransport) => Promise<T>): Promise<T> {
    const transport = this.#transport;
    if (!hasFeatureReports(transport) || !transport.isOpen) {
      throw new SecurityRelayError("RELAY_DISCONNECTED", `${transport.description}: the relay board is not connected.`);
    }
    const failed = (err: unknown) =>
      new SecurityRelayError(
        "RELAY_NO_ANSWER",
        `${transport.description}: could not ${what} (${describeError(err)}). Check the USB cable; replug the board if it stays.`,
        { cause: (err as { code?: unknown })?.code },
      );
    try {
      return await withTimeout(this.#clock, call(transport), this.#timeoutMs, () =>
        failed(new Error(`no answer within ${this.#timeoutMs} ms`)),
      );
    } catch (err) {
      if (err instanceof SecurityRelayError) throw err;
      const code = (err as { code?: unknown })?.code;
      if (code === "DEVICE_DISCONNECTED" || code === "DEVICE_NOT_OPEN") {
        throw new SecurityRelayError("RELAY_DISCONNECTED", `${transport.description}: ${describeError(err)}`);
      }
      throw failed(err);
    }
  }
}
