/**
 * What both relay board simulators share: relay states with a timeline of every switch (so tests can
 * measure pulse widths), stuck relays, a gate alarm input, the control actions, and the checks for
 * control parameters.
 */
import { performance } from "node:perf_hooks";
import type { Transport } from "../../../bridge/transports/transport.ts";
import { CodedError } from "../../../protocols/errors.ts";
import type { ControlAction, DeviceSimulator } from "../simulator.ts";

export interface RelaySwitch {
  /** Milliseconds on the simulator's clock (monotonic). */
  at: number;
  relay: number;
  on: boolean;
}

export interface RelayPulse {
  relay: number;
  start: number;
  end: number;
  width: number;
}

type SimulatorErrorCode = "SIM_BAD_ACTION" | "SIM_BAD_PARAMS";
export class RelaySimulatorError extends CodedError<SimulatorErrorCode> {}

/** Relays 1..count, their timeline, and faults. */
export class RelayBank {
  readonly count: number;
  readonly #now: () => number;
  readonly #states: boolean[];
  readonly #timeline: RelaySwitch[] = [];
  readonly #stuck = new Set<number>();

  constructor(count: number, now: () => number = () => performance.now()) {
    if (!Number.isInteger(count) || count < 1 || count > 8) {
      throw new RelaySimulatorError("SIM_BAD_PARAMS", `A relay board simulator has 1-8 relays (got ${count}).`);
    }
    this.count = count;
    this.#now = now;
    this.#states = Array.from({ length: count }, () => false);
  }

  /** Switches relay n (1-based) as the firmware would: unknown relays and stuck ones do not move. */
  set(relay: number, on: boolean): void {
    if (relay < 1 || relay > this.count || this.#stuck.has(relay) || this.#states[relay - 1] === on) return;
    this.#states[relay - 1] = on;
    this.#timeline.push({ at: this.#now(), relay, on });
  }

  get states(): boolean[] {
    return [...this.#states];
  }

  /** Bit 0 = relay 1. */
  get mask(): number {
    return this.#states.reduce((m, on, i) => (on ? m | (1 << i) : m), 0);
  }

  setStuck(relays: readonly number[]): void {
    this.#stuck.clear();
    for (const r of relays) this.#stuck.add(r);
  }

  get stuck(): number[] {
    return [...this.#stuck].sort((a, b) => a - b);
  }

  timeline(): RelaySwitch[] {
    return this.#timeline.map((s) => ({ ...s }));
  }

  /** Completed on→off pulses, per the timeline. */
  pulses(relay?: number): RelayPulse[] {
    const out: RelayPulse[] = [];
    const started = new Map<number, number>();
    for (const s of this.#timeline) {
      if (relay !== undefined && s.relay !== relay) continue;
      if (s.on) started.set(s.relay, s.at);
      else {
        const start = started.get(s.relay);
        if (start === undefined) continue;
        started.delete(s.relay);
        out.push({ relay: s.relay, start, end: s.at, width: s.at - start });
      }
    }
    return out;
  }

  clearTimeline(): void {
    this.#timeline.length = 0;
  }
}

export function flag(params: Record<string, unknown>, key: string): boolean {
  const value = params[key];
  if (typeof value !== "boolean") {
    throw new RelaySimulatorError("SIM_BAD_PARAMS", `Parameter "${key}" must be true or false.`, { key, value });
  }
  return value;
}

export function optionalMs(params: Record<string, unknown>, key: string): number | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 600_000) {
    throw new RelaySimulatorError("SIM_BAD_PARAMS", `Parameter "${key}" must be a number of milliseconds (0-600000).`, {
      key,
      value,
    });
  }
  return value;
}

export function relayList(params: Record<string, unknown>, key: string, count: number): number[] | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v) && v >= 1 && v <= count)) {
    throw new RelaySimulatorError("SIM_BAD_PARAMS", `Parameter "${key}" must be a list of relays 1-${count}.`, {
      key,
      value,
    });
  }
  return value as number[];
}

export function badAction(action: string, names: readonly string[]): RelaySimulatorError {
  return new RelaySimulatorError(
    "SIM_BAD_ACTION",
    `The relay simulator has no action "${action}"; use one of ${names.join(", ")}.`,
    { action },
  );
}

export interface RelayFaults {
  noAnswer?: boolean;
  stuckRelays?: number[];
}

/**
 * The control side every relay board simulator has: the actions, the alarm input with its timer, and the
 * faults. A board says whether it has an input line and how it reports a change (`alarmChanged`); how
 * commands arrive (attach/detach) and its state snapshot are its own.
 */
const ALARM_ACTIONS: readonly string[] = ["raiseAlarm", "clearAlarm"];

export abstract class RelayBoardSimulator implements DeviceSimulator {
  readonly kind = "relay" as const;
  abstract readonly model: string;
  readonly bank: RelayBank;
  readonly #actions: readonly ControlAction[];
  #noAnswer = false;
  #alarm = false;
  #alarmTimer: NodeJS.Timeout | undefined;

  /** `noAnswerMeans` says what the noAnswer fault does on this board, for the action list. */
  constructor(bank: RelayBank, noAnswerMeans: string) {
    this.bank = bank;
    this.#actions = [
      { name: "raiseAlarm", description: "Raise the gate alarm input: {ms?: number} clears it again after ms" },
      { name: "clearAlarm", description: "Clear the gate alarm input" },
      { name: "setFaults", description: `Faults: {noAnswer?: boolean (${noAnswerMeans}), stuckRelays?: number[]}` },
      { name: "timeline", description: "Every relay switch with its time (ms), and the completed pulses" },
    ];
  }

  abstract attach(transport: Transport): void;
  abstract detach(): void;
  abstract state(): Record<string, unknown>;

  /** Whether the board has an input line for the gate alarm. */
  protected abstract get hasAlarmInput(): boolean;
  /** The error message for raising the alarm on a board without an input line. */
  protected abstract get noAlarmInputMessage(): string;
  /** Called on every alarm level change; boards that push input reports send one here. */
  protected alarmChanged(_active: boolean): void {}

  protected get alarm(): boolean {
    return this.#alarm;
  }

  protected get noAnswer(): boolean {
    return this.#noAnswer;
  }

  /** The alarm actions only on a board with an alarm input: what is listed is what can be done. */
  actions(): readonly ControlAction[] {
    return this.hasAlarmInput ? this.#actions : this.#actions.filter((a) => !ALARM_ACTIONS.includes(a.name));
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
        const faults: RelayFaults = {};
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
          this.actions().map((a) => a.name),
        );
    }
  }

  /** Raises the alarm input; with `ms`, clears it again after that long. */
  raiseAlarm(options: { ms?: number } = {}): void {
    if (!this.hasAlarmInput) throw new RelaySimulatorError("SIM_BAD_ACTION", this.noAlarmInputMessage);
    clearTimeout(this.#alarmTimer);
    this.#setAlarm(true);
    if (options.ms !== undefined) this.#alarmTimer = setTimeout(() => this.#setAlarm(false), options.ms);
  }

  clearAlarm(): void {
    clearTimeout(this.#alarmTimer);
    if (this.hasAlarmInput) this.#setAlarm(false);
  }

  setFaults(faults: RelayFaults): void {
    if (faults.noAnswer !== undefined) this.#noAnswer = faults.noAnswer;
    if (faults.stuckRelays !== undefined) this.bank.setStuck(faults.stuckRelays);
  }

  timeline(): RelaySwitch[] {
    return this.bank.timeline();
  }

  pulses(relay?: number): RelayPulse[] {
    return this.bank.pulses(relay);
  }

  #setAlarm(active: boolean): void {
    this.#alarm = active;
    this.alarmChanged(active);
  }
}
