/**
 * Security relay driver (kind "relay"): the relay board that drives an electromagnetic-strip
 * desensitizer/resensitizer, on a USB HID relay board ("usb-hid-relay") or an LC Technology serial
 * relay module ("serial-relay").
 *
 * Pulses are timed here, one operation at a time, with a minimum gap between pulses of the same
 * relay so the coil is not overheated by a patron checking out twenty items. After switching, the
 * driver reads the states back where the board can and says so when the relay did not follow.
 * Whatever goes wrong during a pulse, it still tries to switch the relay off: a desensitizer left
 * on would make every item in reach leave unprotected.
 */
import { EventEmitter } from "node:events";
import { CodedError, describeError } from "../../../protocols/errors.ts";
import type { Logger } from "../../log/logger.ts";
import { type Clock, systemClock, withTimeout } from "../../transports/clock.ts";
import type { Transport } from "../../transports/transport.ts";
import type { Device, DeviceEvents, DeviceHealth, DeviceTestResult, HealthState } from "../device.ts";
import { DriverLifecycle, JobQueue } from "../lifecycle.ts";
import { integerOption } from "../options.ts";
import type { BoardState, RelayBoard } from "./board.ts";
import { SecurityRelayError } from "./errors.ts";
import { SERIAL_RELAY_OPTIONS, USB_HID_RELAY_OPTIONS } from "./options.ts";
import { type SerialAlarmInput, SerialRelayBoard } from "./serial-board.ts";
import { type HidAlarmInput, UsbHidRelayBoard } from "./usb-hid-board.ts";

export const RELAY_MODELS = ["usb-hid-relay", "serial-relay"] as const;
export type RelayModel = (typeof RELAY_MODELS)[number];

export interface SecurityRelayDeps {
  id: string;
  /** For "usb-hid-relay" a HID transport with feature reports (registry.ts: createReconnectingHidTransport). */
  transport: Transport;
  logger: Logger;
  /** Times pulses, gaps, answers and alarm polls. Default: the system clock. */
  clock?: Clock;
}

export interface SecurityRelayOptions {
  model: RelayModel;
  /** Relays on the board. Default 2. */
  relayCount?: number;
  /** Which relay desensitizes and which resensitizes. Default 1 and (with 2 relays or more) 2. */
  channels?: { desensitize?: number; resensitize?: number };
  /** Pulse length. Default 200 ms. */
  pulseMs?: number;
  /** Least time between the end of one pulse and the start of the next on the same relay. Default 500 ms. */
  minGapMs?: number;
  /** Longest pulse accepted, to protect the coil. Default 5000 ms. */
  maxPulseMs?: number;
  /** Read the state back after switching, where the board can. Default true. */
  verify?: boolean;
  /** serial-relay: whether the board answers the FF status query. Default true. */
  statusQuery?: boolean;
  /** How long to wait for the board to answer. Default 500 ms. */
  answerTimeoutMs?: number;
  /** Where the board reports the gate alarm, if it has an input at all (standard boards do not). */
  alarmInput?: HidAlarmInput | SerialAlarmInput;
  /** serial-relay with an alarm input: how often to poll it. Default 250 ms. */
  alarmPollMs?: number;
  /** The relay selfTest() clicks. Default the desensitize relay. */
  testRelay?: number;
}

export interface RelayAlarmEvent {
  active: boolean;
  /** ISO 8601. */
  at: string;
  /** Where the alarm came from, e.g. "status channel 3". */
  input: string;
}

export type SecurityRelayEvents = DeviceEvents & { alarm: [event: RelayAlarmEvent] };

export interface PulseResult {
  relay: number;
  ms: number;
  /** Relay states read back after the pulse, where the board can. */
  states?: boolean[];
}

const NO_INPUT = "none: this board has no input, so gate alarms are not reported";

export class SecurityRelay extends EventEmitter<SecurityRelayEvents> implements Device<SecurityRelayEvents> {
  readonly id: string;
  readonly kind = "relay" as const;
  readonly model: RelayModel;
  readonly relayCount: number;
  readonly pulseMs: number;
  readonly minGapMs: number;
  readonly channels: Readonly<{ desensitize?: number; resensitize?: number }>;
  readonly #transport: Transport;
  readonly #board: RelayBoard;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #life: DriverLifecycle;
  readonly #maxPulseMs: number;
  readonly #verify: boolean;
  readonly #alarmPollMs: number;
  readonly #testRelay: number;
  readonly #alarmInputChannel: number | undefined;
  readonly #lastPulseEnd = new Map<number, number>();
  readonly #jobs = new JobQueue();
  #states: boolean[] | undefined;
  #boardId: string | undefined;
  #alarm: boolean | undefined;

  constructor(deps: SecurityRelayDeps, options: SecurityRelayOptions) {
    super();
    const o = checkOptions(options);
    this.id = deps.id;
    this.model = o.model;
    this.relayCount = o.relayCount;
    this.pulseMs = o.pulseMs;
    this.minGapMs = o.minGapMs;
    this.channels = o.channels;
    this.#maxPulseMs = o.maxPulseMs;
    this.#verify = o.verify;
    this.#alarmPollMs = o.alarmPollMs;
    this.#testRelay = o.testRelay;
    this.#transport = deps.transport;
    this.#clock = deps.clock ?? systemClock;
    const answerTimeoutMs = o.answerTimeoutMs;
    const clock = this.#clock;
    if (o.model === "usb-hid-relay") {
      this.#board = new UsbHidRelayBoard(deps.transport, {
        relayCount: o.relayCount,
        clock,
        answerTimeoutMs,
        alarmInput: o.alarmInput as HidAlarmInput | undefined,
      });
    } else {
      const alarmInput = o.alarmInput as SerialAlarmInput | undefined;
      this.#alarmInputChannel = alarmInput?.statusChannel;
      this.#board = new SerialRelayBoard(deps.transport, {
        relayCount: o.relayCount,
        clock,
        statusQuery: o.statusQuery,
        answerTimeoutMs,
        alarmInput,
      });
    }
    this.#life = new DriverLifecycle({
      device: this,
      id: deps.id,
      transport: deps.transport,
      logger: deps.logger,
      clock,
      // A board that reads its states back proves it is there; one that cannot stays unverified.
      presence: this.#board.readsBack ? { verify: () => this.#jobs.run(() => this.#connected()) } : "silent",
      detail: () => this.#detail(),
      data: (bytes) => this.#received(bytes),
      disconnected: () => this.#board.reset(),
    });
    this.#log = this.#life.log.child({ kind: "relay" });
  }

  get description(): string {
    return this.#transport.description;
  }

  health(): DeviceHealth {
    return this.#life.health();
  }

  /** The latest alarm input level, when the board has an input and it has been read. */
  get alarmActive(): boolean | undefined {
    return this.#alarm;
  }

  async start(): Promise<void> {
    if (this.#life.running) return;
    await this.#life.start();
    if (this.#board.alarmInput !== undefined && this.#board.alarmNeedsPolling) {
      this.#life.every(this.#alarmPollMs, () => this.#pollAlarm());
    }
    await this.#jobs.settled();
  }

  async stop(): Promise<void> {
    // A pulse in progress finishes (it switches its relay off) before the board is let go.
    await this.#life.stop(() => this.#jobs.settled());
  }

  /** Switches a relay on or off and, where the board can, checks that it did. Resolves to the states read back. */
  set(relay: number, on: boolean): Promise<boolean[] | undefined> {
    return this.#jobs.run(() => this.#switch(relay, on));
  }

  /** Switches a relay on for `ms` (default pulseMs), waiting first if the relay's last pulse was too recent. */
  pulse(relay: number, ms: number = this.pulseMs): Promise<PulseResult> {
    return this.#jobs.run(() => this.#pulse(relay, ms));
  }

  /** Pulses the desensitize relay: the item may leave. */
  async desensitize(): Promise<PulseResult> {
    return this.pulse(this.#channel("desensitize"));
  }

  /** Pulses the resensitize relay: the item is protected again. */
  async resensitize(): Promise<PulseResult> {
    return this.pulse(this.#channel("resensitize"));
  }

  /** Reads the relay states (and the alarm input, if the board reports it there). */
  readState(): Promise<BoardState> {
    return this.#jobs.run(() => this.#read());
  }

  async selfTest(options: { timeoutMs?: number } = {}): Promise<DeviceTestResult> {
    const relay = this.#testRelay;
    const timeoutMs = options.timeoutMs ?? this.pulseMs + this.minGapMs + 5000;
    try {
      const result = await withTimeout(
        this.#clock,
        this.pulse(relay),
        timeoutMs,
        () =>
          new SecurityRelayError(
            "RELAY_NO_ANSWER",
            `${this.description}: the self test took more than ${timeoutMs} ms.`,
          ),
      );
      const readBack = result.states ? `, read back ${result.states[relay - 1] ? "on" : "off"}` : "";
      return {
        ok: true,
        summary: `Relay ${relay} clicked for ${result.ms} ms${readBack}`,
        details: { ...result, alarmInput: this.#board.alarmInput ?? NO_INPUT },
      };
    } catch (err) {
      const error = asCoded(err);
      return { ok: false, summary: error.message, error: { code: error.code, message: error.message } };
    }
  }

  #channel(purpose: "desensitize" | "resensitize"): number {
    const relay = this.channels[purpose];
    if (relay === undefined) {
      throw new SecurityRelayError(
        "RELAY_NOT_CONFIGURED",
        `${this.description}: no relay is configured to ${purpose}; set channels.${purpose} in the relay's options.`,
      );
    }
    return relay;
  }

  #checkRelay(relay: number): void {
    if (!Number.isInteger(relay) || relay < 1 || relay > this.relayCount) {
      throw new SecurityRelayError(
        "RELAY_BAD_RELAY",
        `${this.description}: relay ${relay} does not exist; this board has relays 1-${this.relayCount}.`,
        { relay },
      );
    }
  }

  /** On every (re)connect: learn the board's state and make sure no pulse relay was left on. */
  async #connected(): Promise<void> {
    this.#board.reset();
    try {
      const state = await this.#read();
      for (const relay of new Set(Object.values(this.channels))) {
        if (state.relays[relay - 1]) {
          this.#log.warn({ relay }, "a pulse relay was on at connect; switching it off");
          await this.#board.setRelay(relay, false);
          await this.#confirm(relay, false);
        }
      }
      this.#setHealth("ok");
    } catch (err) {
      this.#failed(err);
    }
  }

  async #read(): Promise<BoardState> {
    const state = await this.#board.readState();
    this.#states = state.relays;
    if (state.boardId !== undefined) this.#boardId = state.boardId;
    if (state.alarm !== undefined) this.#setAlarm(state.alarm);
    return state;
  }

  async #switch(relay: number, on: boolean): Promise<boolean[] | undefined> {
    this.#checkRelay(relay);
    try {
      await this.#board.setRelay(relay, on);
      const states = await this.#confirm(relay, on);
      this.#setHealth(this.#workedState());
      return states;
    } catch (err) {
      throw this.#failed(err);
    }
  }

  async #pulse(relay: number, ms: number): Promise<PulseResult> {
    this.#checkRelay(relay);
    if (!(Number.isFinite(ms) && ms >= 1 && ms <= this.#maxPulseMs)) {
      throw new SecurityRelayError(
        "RELAY_BAD_OPTIONS",
        `${this.description}: a pulse must last 1-${this.#maxPulseMs} ms (got ${ms}).`,
        { ms },
      );
    }
    const readyAt = (this.#lastPulseEnd.get(relay) ?? Number.NEGATIVE_INFINITY) + this.minGapMs;
    const wait = readyAt - this.#clock.now();
    if (wait > 0) await this.#clock.sleep(wait);
    // The ON phase is not read back: a read can take longer than a short pulse, and the coil must not
    // stay on for it. The state after the pulse (off) is what is checked.
    let switchedOn = false;
    let problem: unknown;
    try {
      await this.#board.setRelay(relay, true);
      switchedOn = true;
      await this.#clock.sleep(ms);
    } catch (err) {
      problem = err;
    }
    try {
      await this.#board.setRelay(relay, false);
    } catch (err) {
      const stuck = new SecurityRelayError(
        err instanceof SecurityRelayError ? err.code : "RELAY_NO_ANSWER",
        `${this.description}: relay ${relay} could not be switched off after its pulse (${describeError(err)}). ` +
          "It may still be on: check the desensitizer.",
        { relay, switchedOn },
      );
      this.#log.error({ relay }, "pulse relay may be stuck on");
      throw this.#failed(stuck);
    } finally {
      this.#lastPulseEnd.set(relay, this.#clock.now());
    }
    if (problem !== undefined) throw this.#failed(problem);
    try {
      const states = await this.#confirm(relay, false);
      this.#setHealth(this.#workedState());
      this.#log.debug({ relay, ms }, "pulsed");
      return states ? { relay, ms, states } : { relay, ms };
    } catch (err) {
      throw this.#failed(err);
    }
  }

  /** Reads back and checks one relay, when the board can and verification is on. */
  async #confirm(relay: number, on: boolean): Promise<boolean[] | undefined> {
    if (!this.#verify || !this.#board.readsBack) return undefined;
    const state = await this.#read();
    if (state.relays[relay - 1] !== on) {
      throw new SecurityRelayError(
        "RELAY_VERIFY_FAILED",
        `${this.description}: relay ${relay} reads ${on ? "off" : "on"} after switching it ${on ? "on" : "off"}. ` +
          "The relay may be faulty or stuck; check the board and the desensitizer.",
        { relay, expected: on, states: state.relays },
      );
    }
    return state.relays;
  }

  async #pollAlarm(): Promise<void> {
    if (!this.#transport.isOpen || this.#jobs.busy) return;
    await this.#jobs.run(() => this.#read()).catch((err: unknown) => this.#failed(err));
  }

  #received(bytes: Uint8Array): void {
    const level = this.#board.received(bytes);
    if (level !== undefined) this.#setAlarm(level);
  }

  #setAlarm(active: boolean): void {
    if (active === this.#alarm) return;
    const first = this.#alarm === undefined;
    this.#alarm = active;
    this.#setHealth(this.#life.state);
    if (first && !active) return; // learning the quiet level at connect is no event
    const event: RelayAlarmEvent = {
      active,
      at: new Date(this.#clock.now()).toISOString(),
      input: this.#board.alarmInput ?? "unknown",
    };
    this.#log.info({ active }, "gate alarm");
    this.#life.emit("alarm", event);
  }

  /** Health after a command went through: only a board that reads back has shown it is there. */
  #workedState(): HealthState {
    return this.#board.readsBack ? "ok" : "unverified";
  }

  /** Records a failure in health and returns it as a typed error. */
  #failed(err: unknown): CodedError {
    const error = asCoded(err);
    if (error.code === "RELAY_DISCONNECTED" && !this.#transport.isOpen) this.#setHealth("disconnected", error);
    else this.#setHealth("degraded", error);
    return error;
  }

  #detail(): Record<string, unknown> {
    return {
      model: this.model,
      relayCount: this.relayCount,
      channels: this.channels,
      pulseMs: this.pulseMs,
      minGapMs: this.minGapMs,
      readBack: this.#board?.readsBack ? "yes" : "no: this board cannot report its relay states",
      alarmInput: this.#board?.alarmInput ?? NO_INPUT,
      ...(this.#alarmInputChannel !== undefined ? { alarmStatusChannel: this.#alarmInputChannel } : {}),
      ...(this.#states ? { relays: this.#states } : {}),
      ...(this.#boardId ? { boardId: this.#boardId } : {}),
      ...(this.#alarm !== undefined ? { alarmActive: this.#alarm } : {}),
    };
  }

  #setHealth(state: HealthState, error?: CodedError): void {
    this.#life.setHealth(state, { error });
  }
}

export function createSecurityRelay(deps: SecurityRelayDeps, options: SecurityRelayOptions): SecurityRelay {
  return new SecurityRelay(deps, options);
}

interface CheckedOptions {
  model: RelayModel;
  relayCount: number;
  channels: { desensitize?: number; resensitize?: number };
  pulseMs: number;
  minGapMs: number;
  maxPulseMs: number;
  verify: boolean;
  statusQuery: boolean;
  answerTimeoutMs: number;
  alarmInput: HidAlarmInput | SerialAlarmInput | undefined;
  alarmPollMs: number;
  testRelay: number;
}

function checkOptions(o: SecurityRelayOptions): CheckedOptions {
  if (!RELAY_MODELS.includes(o.model)) throw badRelayOption("model", `must be one of ${RELAY_MODELS.join(", ")}`);
  // Each number's default and limits come from the model's config schema; the rules that tie options together are here.
  const schema = o.model === "usb-hid-relay" ? USB_HID_RELAY_OPTIONS : SERIAL_RELAY_OPTIONS;
  const option = (key: string, value: number | undefined) => integerOption(schema, key, value, badRelayOption);
  const within = (key: string, value: number, min: number, max: number, why: string) => {
    if (value < min || value > max) throw badRelayOption(key, `must be ${min}-${max} (${why}), got ${value}`);
    return value;
  };
  const relayCount = option("relayCount", o.relayCount);
  const desensitize = o.channels?.desensitize ?? 1;
  const resensitize = o.channels?.resensitize ?? (relayCount >= 2 ? 2 : undefined);
  const channels = resensitize === undefined ? { desensitize } : { desensitize, resensitize };
  for (const [purpose, relay] of Object.entries(channels)) {
    within(`channels.${purpose}`, option(`channels.${purpose}`, relay), 1, relayCount, "a relay on the board");
  }
  const maxPulseMs = option("maxPulseMs", o.maxPulseMs);
  const pulseMs = within("pulseMs", option("pulseMs", o.pulseMs), 1, maxPulseMs, "maxPulseMs");
  const minGapMs = option("minGapMs", o.minGapMs);
  const answerTimeoutMs = option("answerTimeoutMs", o.answerTimeoutMs);
  const alarmPollMs = option("alarmPollMs", o.alarmPollMs);
  const alarm = o.alarmInput;
  if (alarm !== undefined) {
    if (o.model === "usb-hid-relay") {
      const hid = alarm as Partial<HidAlarmInput>;
      option("alarmInput.reportByte", hid.reportByte);
      option("alarmInput.mask", hid.mask);
    } else {
      const serial = alarm as Partial<SerialAlarmInput>;
      const channel = option("alarmInput.statusChannel", serial.statusChannel);
      within("alarmInput.statusChannel", channel, relayCount + 1, 255, "a status channel above the relays");
      if (serial.activeWhen !== undefined && serial.activeWhen !== "on" && serial.activeWhen !== "off") {
        throw badRelayOption("alarmInput.activeWhen", 'must be "on" or "off"');
      }
    }
  }
  const testRelay = within(
    "testRelay",
    option("testRelay", o.testRelay ?? channels.desensitize),
    1,
    relayCount,
    "a relay on the board",
  );
  return {
    model: o.model,
    relayCount,
    channels,
    pulseMs,
    minGapMs,
    maxPulseMs,
    verify: o.verify ?? true,
    statusQuery: o.statusQuery ?? true,
    answerTimeoutMs,
    alarmInput: alarm,
    alarmPollMs,
    testRelay,
  };
}

/** RELAY_BAD_OPTIONS naming the option (a key inside the device's `options`), for people and the config loader. */
function badRelayOption(option: string, problem: string): SecurityRelayError {
  return new SecurityRelayError("RELAY_BAD_OPTIONS", `Security relay option ${option}: ${problem}.`, { option });
}

function asCoded(err: unknown): CodedError {
  if (err instanceof CodedError) return err;
  return new SecurityRelayError("RELAY_NO_ANSWER", describeError(err));
}
