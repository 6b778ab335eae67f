/**
 * A simulated USB HID relay board (16c0:05df "USBRelayN"): answers SET and GET feature report 0 on the
 * device end of a memory HID pair, like the V-USB firmware (protocols/relay/usb-hid-relay.ts).
 * Unknown commands are ignored, as the firmware does. With `inputReport` it is a board with an
 * input line: raising the gate alarm sends an input report carrying the level.
 */
import type { FeatureReportHandler } from "../../../bridge/transports/memory.ts";
import type { Transport } from "../../../bridge/transports/transport.ts";
import { describeError } from "../../../protocols/errors.ts";
import {
  applyUsbRelayCommand,
  decodeUsbRelayCommand,
  encodeUsbRelayState,
  USB_RELAY,
} from "../../../protocols/relay/usb-hid-relay.ts";
import { RelayBank, RelayBoardSimulator, RelaySimulatorError } from "./board-state.ts";

export interface UsbHidRelaySimulatorOptions {
  /** 1-8. Default 2. */
  relayCount?: number;
  /** The 5-character board id. Default "SIM01". */
  id?: string;
  /** A board with an input: which byte and bit of its input report carry the alarm level. */
  inputReport?: { byte: number; mask: number; length?: number };
  now?: () => number;
}

/** What a HID device end offers a simulator (the memory HID pair's device end has it). */
interface HidDeviceEnd extends Transport {
  handleFeatureReports(handler: FeatureReportHandler): void;
}

export class UsbHidRelaySimulator extends RelayBoardSimulator {
  readonly model = "usb-hid-relay";
  #id: string;
  readonly #input: { byte: number; mask: number; length: number } | undefined;
  #device: HidDeviceEnd | undefined;
  #ignored = 0;

  constructor(options: UsbHidRelaySimulatorOptions = {}) {
    super(new RelayBank(options.relayCount ?? 2, options.now), "feature reports fail");
    this.#id = options.id ?? "SIM01";
    encodeUsbRelayState({ id: this.#id, mask: 0 }); // throws RELAY_BAD_SERIAL for a bad id
    const input = options.inputReport;
    this.#input = input ? { length: USB_RELAY.dataLength + 1, ...input } : undefined;
  }

  attach(transport: Transport): void {
    const device = transport as Partial<HidDeviceEnd>;
    if (typeof device.handleFeatureReports !== "function") {
      throw new RelaySimulatorError(
        "SIM_BAD_PARAMS",
        `${transport.description}: a USB HID relay board needs the device end of a HID pair (feature reports).`,
      );
    }
    this.detach();
    this.#device = transport as HidDeviceEnd;
    this.#device.handleFeatureReports({
      set: (bytes) => this.#set(bytes),
      get: (reportId, length) => this.#get(reportId, length),
    });
  }

  detach(): void {
    this.#device?.handleFeatureReports({});
    this.#device = undefined;
  }

  protected get hasAlarmInput(): boolean {
    return this.#input !== undefined;
  }

  protected get noAlarmInputMessage(): string {
    return "This USB HID relay board has no input line (configure inputReport to simulate one).";
  }

  /** A board with an input line sends an input report carrying the level. */
  protected override alarmChanged(active: boolean): void {
    const input = this.#input;
    const device = this.#device;
    if (!input || !device?.isOpen) return;
    const report = new Uint8Array(input.length);
    if (active) report[input.byte] = input.mask;
    device.write(report).catch(() => undefined);
  }

  state(): Record<string, unknown> {
    return {
      id: this.#id,
      relayCount: this.bank.count,
      relays: this.bank.states,
      alarm: this.#input ? this.alarm : null,
      faults: { noAnswer: this.noAnswer, stuckRelays: this.bank.stuck },
      ignoredReports: this.#ignored,
      attached: this.#device?.description ?? null,
      timeline: this.bank.timeline(),
    };
  }

  #set(bytes: Uint8Array): void {
    if (this.noAnswer) throw new Error("the board does not answer (simulated fault)");
    let command: ReturnType<typeof decodeUsbRelayCommand>;
    try {
      command = decodeUsbRelayCommand(bytes);
    } catch {
      this.#ignored++; // the firmware takes the report and does nothing with it
      return;
    }
    if (command.type === "setId") {
      this.#id = command.id;
      return;
    }
    const before = this.bank.mask;
    const after = applyUsbRelayCommand(before, command, this.bank.count);
    for (let relay = 1; relay <= this.bank.count; relay++) {
      const bit = 1 << (relay - 1);
      if ((before & bit) !== (after & bit)) this.bank.set(relay, (after & bit) !== 0);
    }
  }

  #get(reportId: number, length: number): Uint8Array {
    if (this.noAnswer) throw new Error("the board does not answer (simulated fault)");
    if (reportId !== USB_RELAY.reportId) throw new Error(`no feature report ${reportId} (the board stalls)`);
    try {
      return encodeUsbRelayState({ id: this.#id, mask: this.bank.mask }).subarray(0, length);
    } catch (err) {
      throw new Error(`state report failed: ${describeError(err)}`);
    }
  }
}

export function createUsbHidRelaySimulator(options?: UsbHidRelaySimulatorOptions): UsbHidRelaySimulator {
  return new UsbHidRelaySimulator(options);
}
