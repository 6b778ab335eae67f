/**
 * A simulated card payment terminal for the kiosk's fee payment. It has no wire protocol: payment terminals
 * are integrated through each vendor's own interface, so the simulator implements the kiosk's payment port
 * (bridge/kiosk/ports.ts, PaymentPort) directly and is handed to the bridge in-process by the simulated stack.
 *
 * Modes (control action `setMode`): `approve` and `decline` answer after `processingMs` (a card tapped);
 * `silent` never answers, like a patron who walks away (the kiosk's time limit stops it); `manual` waits for
 * the `answer` action, so a test or a person decides. Unplugged, the terminal cannot be reached at all.
 */
import { type Clock, systemClock, type TimerHandle } from "../../bridge/transports/clock.ts";
import { CodedError } from "../../protocols/errors.ts";
import type { ControlAction, DeviceSimulator } from "../devices/simulator.ts";

export const TERMINAL_MODES = ["approve", "decline", "silent", "manual"] as const;
export type TerminalMode = (typeof TERMINAL_MODES)[number];

interface Money {
  value: string;
  currency: string;
}

type Outcome = { status: "approved"; authorization: string } | { status: "declined" } | { status: "timeout" };

interface Charge {
  amount: Money;
  reference: string;
  outcome?: Outcome["status"];
  authorization?: string;
}

class TerminalError extends CodedError<
  "SIM_BAD_ACTION" | "SIM_BAD_PARAMS" | "TERMINAL_UNREACHABLE" | "TERMINAL_BUSY"
> {}

const ACTIONS: readonly ControlAction[] = [
  {
    name: "setMode",
    description: `setMode({mode: ${TERMINAL_MODES.join(" | ")}, processingMs?}): how the next charges end`,
  },
  { name: "answer", description: 'answer({outcome: "approved" | "declined"}): ends the charge waiting in manual mode' },
  { name: "charges", description: "every charge asked for, with its outcome" },
];

export class SimulatedPaymentTerminal implements DeviceSimulator {
  readonly kind = "payment" as const;
  readonly model = "simulated-terminal";
  #mode: TerminalMode = "approve";
  #processingMs: number;
  #reachable = true;
  #charges: Charge[] = [];
  #pending: ((outcome: Outcome) => void) | undefined;
  #authorizations = 0;
  readonly #clock: Clock;

  constructor(options: { clock?: Clock; processingMs?: number; mode?: TerminalMode } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#processingMs = options.processingMs ?? 1500;
    if (options.mode) this.#mode = options.mode;
  }

  /** The kiosk's side: take `amount`; resolves with the outcome, or a timeout once `abort` fires. */
  charge(request: { amount: Money; reference: string }, abort: AbortSignal): Promise<Outcome> {
    if (!this.#reachable) {
      return Promise.reject(new TerminalError("TERMINAL_UNREACHABLE", "payment terminal: not reachable (unplugged)"));
    }
    if (this.#pending) {
      return Promise.reject(new TerminalError("TERMINAL_BUSY", "payment terminal: a charge is already waiting"));
    }
    const charge: Charge = { amount: { ...request.amount }, reference: request.reference };
    this.#charges.push(charge);
    return new Promise<Outcome>((resolve) => {
      let timer: TimerHandle | undefined;
      const finish = (outcome: Outcome) => {
        if (this.#pending !== finish) return;
        this.#pending = undefined;
        this.#clock.clearTimeout(timer);
        abort.removeEventListener("abort", onAbort);
        charge.outcome = outcome.status;
        if (outcome.status === "approved") charge.authorization = outcome.authorization;
        resolve(outcome);
      };
      const onAbort = () => finish({ status: "timeout" });
      this.#pending = finish;
      abort.addEventListener("abort", onAbort);
      if (abort.aborted) return onAbort();
      if (this.#mode === "approve" || this.#mode === "decline") {
        const mode = this.#mode;
        timer = this.#clock.setTimeout(() => finish(this.#outcome(mode)), this.#processingMs);
      }
    });
  }

  #outcome(result: "approve" | "approved" | "decline" | "declined"): Outcome {
    if (result === "decline" || result === "declined") return { status: "declined" };
    this.#authorizations += 1;
    return { status: "approved", authorization: `SIM${String(this.#authorizations).padStart(6, "0")}` };
  }

  /** Hosting: unplugged, the terminal cannot be reached; a charge in progress ends as a timeout. */
  setReachable(reachable: boolean): void {
    this.#reachable = reachable;
    if (!reachable) this.#pending?.({ status: "timeout" });
  }

  attach(): void {
    throw new TerminalError("SIM_BAD_ACTION", "payment terminal: it is in-process and has no wire to attach to");
  }
  detach(): void {}

  actions(): readonly ControlAction[] {
    return ACTIONS;
  }

  async control(action: string, params: Record<string, unknown> = {}): Promise<unknown> {
    switch (action) {
      case "setMode": {
        const mode = params.mode;
        if (!TERMINAL_MODES.includes(mode as TerminalMode)) {
          throw new TerminalError(
            "SIM_BAD_PARAMS",
            `payment terminal: mode must be one of ${TERMINAL_MODES.join(", ")}`,
            {
              field: "mode",
            },
          );
        }
        const ms = params.processingMs;
        if (ms !== undefined && !(Number.isInteger(ms) && (ms as number) >= 0 && (ms as number) <= 600_000)) {
          throw new TerminalError(
            "SIM_BAD_PARAMS",
            "payment terminal: processingMs must be a whole number from 0 to 600000",
            {
              field: "processingMs",
            },
          );
        }
        this.#mode = mode as TerminalMode;
        if (ms !== undefined) this.#processingMs = ms as number;
        return this.state();
      }
      case "answer": {
        const outcome = params.outcome;
        if (outcome !== "approved" && outcome !== "declined") {
          throw new TerminalError("SIM_BAD_PARAMS", 'payment terminal: outcome must be "approved" or "declined"', {
            field: "outcome",
          });
        }
        const pending = this.#pending;
        if (!pending) throw new TerminalError("TERMINAL_BUSY", "payment terminal: no charge is waiting for an answer");
        pending(this.#outcome(outcome));
        return this.state();
      }
      case "charges":
        return this.#charges.map((c) => ({ ...c }));
      default:
        throw new TerminalError(
          "SIM_BAD_ACTION",
          `payment terminal: no action "${action}"; actions: ${ACTIONS.map((a) => a.name).join(", ")}`,
        );
    }
  }

  state(): Record<string, unknown> {
    return {
      mode: this.#mode,
      processingMs: this.#processingMs,
      reachable: this.#reachable,
      waiting: this.#pending !== undefined,
      charges: this.#charges.map((c) => ({ ...c })),
    };
  }
}
