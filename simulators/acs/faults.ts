import { randomInt } from "node:crypto";
import { CodedError } from "../../protocols/errors.ts";
import { type Random, seededRandom } from "../random.ts";

export type { Random };

/**
 * Faults the ACS simulator can inject, globally or per connection, so the SC's handling of a bad ILS link is
 * tested against real bytes on a real socket.
 */
export interface FaultPlan {
  /** Added before each response, milliseconds. */
  latencyMs?: number;
  /** Extra random delay, uniform 0..jitterMs, on top of latencyMs. */
  jitterMs?: number;
  /** Close the connection after answering this many messages. */
  dropAfter?: number;
  /** Read requests but never answer. */
  stall?: boolean;
  /** Send responses with a wrong checksum. */
  corruptChecksum?: boolean;
  /** Overwrite random bytes of each response (not the terminator). */
  garble?: boolean;
  /** Write each response one byte at a time. */
  split?: boolean;
  /** Answer every login with ok = 0. */
  refuseLogin?: boolean;
  /** Report online = N in 98 and refuse transactions. */
  offline?: boolean;
  /**
   * Seeds the randomness of jitter and garble, so a run can be repeated byte for byte. Without one the
   * server picks a seed and logs it.
   */
  seed?: number;
}

type FaultKey = keyof FaultPlan;
const NUMERIC: ReadonlySet<FaultKey> = new Set(["latencyMs", "jitterMs", "dropAfter", "seed"]);

/** CLI spelling → plan key, e.g. `--fault latency=200 --fault drop-after=5 --fault offline`. */
export const FAULT_FLAGS: Readonly<Record<string, FaultKey>> = {
  latency: "latencyMs",
  jitter: "jitterMs",
  "drop-after": "dropAfter",
  stall: "stall",
  "corrupt-checksum": "corruptChecksum",
  garble: "garble",
  split: "split",
  "refuse-login": "refuseLogin",
  offline: "offline",
  seed: "seed",
};

export class FaultSpecError extends CodedError<"ACS_BAD_FAULT"> {}

/** Parses CLI fault flags into a plan; errors name the flag and list the valid ones. */
export function parseFaults(specs: readonly string[]): FaultPlan {
  const plan: Record<string, number | boolean> = {};
  for (const spec of specs) {
    const [name = "", value] = spec.split("=", 2);
    const key = FAULT_FLAGS[name];
    if (!key) {
      throw new FaultSpecError(
        "ACS_BAD_FAULT",
        `unknown fault "${name}"; use one of: ${Object.keys(FAULT_FLAGS).join(", ")}`,
        { fault: name },
      );
    }
    if (NUMERIC.has(key)) {
      const n = Number(value);
      if (value === undefined || !Number.isInteger(n) || n < 0) {
        throw new FaultSpecError("ACS_BAD_FAULT", `fault "${name}" needs a whole number, e.g. ${name}=100`, {
          fault: name,
        });
      }
      plan[key] = n;
    } else {
      if (value !== undefined && value !== "true" && value !== "false") {
        throw new FaultSpecError("ACS_BAD_FAULT", `fault "${name}" takes no value (or =true/=false)`, { fault: name });
      }
      plan[key] = value !== "false";
    }
  }
  return plan as FaultPlan;
}

/** The global plan plus per-connection overrides; a connection sees the two merged. */
export class FaultController {
  private global: FaultPlan = {};
  private readonly perConnection = new Map<number, FaultPlan>();
  #seed: number = randomInt(2 ** 31);

  /** The seed of the fault randomness: the plan's, or one picked at random when the plan has none. */
  get seed(): number {
    return this.#seed;
  }

  set(plan: FaultPlan): void {
    this.global = { ...plan };
    if (plan.seed !== undefined) this.#seed = plan.seed;
  }

  /**
   * The random stream of one connection: each connection gets its own, derived from the seed and its
   * id, so what one connection sees does not depend on how the others interleave.
   */
  randomFor(connectionId: number): Random {
    const seed = this.perConnection.get(connectionId)?.seed ?? this.#seed;
    return seededRandom(seed ^ Math.imul(connectionId, 0x9e3779b1));
  }

  setFor(connectionId: number, plan: FaultPlan): void {
    this.perConnection.set(connectionId, { ...plan });
  }

  clear(connectionId?: number): void {
    if (connectionId === undefined) {
      this.global = {};
      this.perConnection.clear();
    } else {
      this.perConnection.delete(connectionId);
    }
  }

  /** Called when a connection closes. */
  forget(connectionId: number): void {
    this.perConnection.delete(connectionId);
  }

  for(connectionId: number): FaultPlan {
    if (this.perConnection.size === 0) return this.global; // the usual case, asked twice per request
    const own = this.perConnection.get(connectionId);
    return own ? { ...this.global, ...own } : this.global;
  }
}
