/**
 * What the three scanner simulators share: the control actions (scan, raw), parameter checks, the
 * list of recent scans, and one scan at a time on the wire (two codes typed at once would interleave).
 * Each model only says how a code becomes bytes or reports on its transport.
 */
import { type Clock, systemClock } from "../../../bridge/transports/clock.ts";
import type { Transport } from "../../../bridge/transports/transport.ts";
import { AIM_SYMBOLOGIES, type AimCodeChar, formatAim, splitAim } from "../../../protocols/barcode/aim.ts";
import { describeError } from "../../../protocols/errors.ts";
import type { ControlAction, DeviceSimulator } from "../simulator.ts";
import { ScannerSimulatorError } from "./errors.ts";

export interface RecentScan {
  code: string;
  /** The AIM symbology name, or null when none was given. */
  symbology: string | null;
  /** The AIM identifier actually sent in front of the code ("]C0"), or null. */
  aimSent: string | null;
  /** How many writes (serial chunks or HID reports) it took. */
  writes: number;
  at: string;
}

export interface ScannerSimulatorTiming {
  /** Time for the pauses between writes and the recent-scans list; tests pass a VirtualClock. Default systemClock. */
  clock?: Clock;
  /** Source of randomness for chunk sizes and key timing; tests pass a seeded one. Default Math.random. */
  random?: () => number;
}

export type Params = Record<string, unknown>;

interface ActionSpec {
  description: string;
  /** Parameter names this action accepts; any other is SIM_BAD_PARAMS. */
  params: readonly string[];
  run(params: Params): Promise<unknown>;
}

const HISTORY_SIZE = 20;
const MAX_CODE_LENGTH = 8192;
const MAX_RAW_BYTES = 4096;
/** A scanner with AIM identifiers on always sends one; "]X0" (other) when the test does not say which. */
export const DEFAULT_AIM = "]X0";

export abstract class ScannerSimulator implements DeviceSimulator {
  readonly kind = "scanner" as const;
  abstract readonly model: string;
  protected readonly random: () => number;
  readonly #clock: Clock;
  #transport: Transport | undefined;
  #recent: RecentScan[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  readonly #actions: Record<string, ActionSpec>;

  constructor(timing: ScannerSimulatorTiming = {}) {
    this.random = timing.random ?? Math.random;
    this.#clock = timing.clock ?? systemClock;
    this.#actions = {
      scan: {
        description:
          "Scans a code: { code, symbology? } where symbology is an AIM name (code128, codabar, ean-upc, …) or identifier (]C0)",
        params: ["code", "symbology"],
        run: (p) => this.#scan(p),
      },
      raw: {
        description: "Sends bytes exactly as given, e.g. a garbled report: { bytes: number[] }",
        params: ["bytes"],
        run: (p) => this.#raw(p),
      },
      ...this.extraActions(),
    };
  }

  /** Serves the given (open) transport from now on. */
  attach(transport: Transport): void {
    this.#transport = transport;
  }

  detach(): void {
    this.#transport = undefined;
  }

  actions(): readonly ControlAction[] {
    return Object.entries(this.#actions).map(([name, spec]) => ({ name, description: spec.description }));
  }

  async control(action: string, params: Params = {}): Promise<unknown> {
    const spec = Object.hasOwn(this.#actions, action) ? this.#actions[action] : undefined;
    if (!spec) {
      throw new ScannerSimulatorError(
        "SIM_BAD_ACTION",
        `The ${this.model} scanner simulator has no action "${action}"; it has ${Object.keys(this.#actions).join(", ")}.`,
        { action },
      );
    }
    if (typeof params !== "object" || params === null || Array.isArray(params)) {
      throw badParams(action, "parameters must be an object");
    }
    const unknown = Object.keys(params).filter((k) => !spec.params.includes(k));
    if (unknown.length > 0) {
      throw badParams(action, `unknown parameter ${unknown.join(", ")} (it takes ${spec.params.join(", ") || "none"})`);
    }
    return spec.run(params);
  }

  state(): Record<string, unknown> {
    return {
      kind: this.kind,
      model: this.model,
      attached: this.#transport?.description ?? null,
      recentScans: this.#recent.map((s) => ({ ...s })),
      ...this.extraState(),
    };
  }

  /** Model-specific actions (e.g. setLayout). */
  protected extraActions(): Record<string, ActionSpec> {
    return {};
  }

  protected extraState(): Record<string, unknown> {
    return {};
  }

  /** The AIM identifier to put in front of the code, given the one the scan asked for (or none). */
  protected abstract aimToSend(requested: string | undefined): string | undefined;

  /**
   * Checks that the code can be sent (throw SIM_BAD_PARAMS if not) and returns the writes to make, in
   * order, each with the pause before it.
   */
  protected abstract encode(code: string, aim: string | undefined): Array<{ bytes: Uint8Array; pauseMs: number }>;

  async #scan(params: Params): Promise<RecentScan> {
    const { code, symbology } = params;
    if (typeof code !== "string" || code === "" || code.length > MAX_CODE_LENGTH) {
      throw badParams("scan", `"code" must be a non-empty string of at most ${MAX_CODE_LENGTH} characters`);
    }
    if (symbology !== undefined && typeof symbology !== "string") {
      throw badParams("scan", `"symbology" must be a string such as "code128" or "]C0"`);
    }
    const requested = symbology === undefined ? undefined : aimIdentifierFor(symbology);
    const aimSent = this.aimToSend(requested);
    const writes = this.encode(code, aimSent);
    const transport = this.#attached("scan");
    await this.#exclusive(async () => {
      for (const write of writes) {
        if (write.pauseMs > 0) await this.#clock.sleep(write.pauseMs);
        await transport.write(write.bytes);
      }
    });
    const aim = requested ?? aimSent;
    const entry: RecentScan = {
      code,
      symbology: aim === undefined ? null : (splitAim(aim).aim?.symbology ?? null),
      aimSent: aimSent ?? null,
      writes: writes.length,
      at: new Date(this.#clock.now()).toISOString(),
    };
    this.#recent = [...this.#recent, entry].slice(-HISTORY_SIZE);
    return { ...entry };
  }

  async #raw(params: Params): Promise<{ bytes: number }> {
    const { bytes } = params;
    const valid =
      Array.isArray(bytes) &&
      bytes.length > 0 &&
      bytes.length <= MAX_RAW_BYTES &&
      bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255);
    if (!valid) throw badParams("raw", `"bytes" must be 1..${MAX_RAW_BYTES} whole numbers 0..255`);
    const transport = this.#attached("raw");
    await this.#exclusive(() => transport.write(Uint8Array.from(bytes as number[])));
    return { bytes: bytes.length };
  }

  #attached(action: string): Transport {
    const transport = this.#transport;
    if (!transport) {
      throw new ScannerSimulatorError(
        "SIM_NOT_ATTACHED",
        `The ${this.model} scanner simulator cannot ${action}: no driver is connected to it (it is unplugged). Plug it back in (POST /hosting/ID/replug) and try again.`,
        { action },
      );
    }
    return transport;
  }

  /** Runs one wire operation after the previous one finished (failed or not). */
  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** Throws SIM_BAD_PARAMS naming a constructor option unless `ok`. */
export function checkOption(ok: boolean, model: string, option: string, problem: string): void {
  if (!ok) {
    throw new ScannerSimulatorError("SIM_BAD_PARAMS", `${model} scanner simulator: option "${option}" ${problem}.`, {
      option,
    });
  }
}

export const isByte = (v: unknown): boolean =>
  v === undefined || (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255);
export const isDelay = (v: unknown): boolean =>
  v === undefined || (typeof v === "number" && Number.isFinite(v) && v >= 0);

export function badParams(action: string, problem: string): ScannerSimulatorError {
  return new ScannerSimulatorError("SIM_BAD_PARAMS", `Action "${action}": ${problem}.`, { action });
}

/** "code128" → "]C0"; an identifier such as "]E4" is checked and passed through. */
export function aimIdentifierFor(symbology: string): string {
  if (symbology.startsWith("]")) {
    let parsed: ReturnType<typeof splitAim>;
    try {
      parsed = splitAim(symbology);
    } catch (err) {
      throw badParams("scan", `"symbology" ${describeError(err)}`);
    }
    if (!parsed.aim || parsed.data !== "")
      throw badParams("scan", `"symbology" "${symbology}" is not one AIM identifier`);
    return parsed.aim.identifier;
  }
  const entry = Object.entries(AIM_SYMBOLOGIES).find(([, name]) => name === symbology);
  if (!entry) {
    throw badParams(
      "scan",
      `"symbology" "${symbology}" is not an AIM symbology; use one of ${Object.values(AIM_SYMBOLOGIES).join(", ")} or an identifier like "]C0"`,
    );
  }
  return formatAim(entry[0] as AimCodeChar);
}

/** Runs an encoder from protocols/ and turns its typed error into SIM_BAD_PARAMS. */
export function encodeOrBadParams<T>(action: string, encode: () => T): T {
  try {
    return encode();
  } catch (err) {
    throw badParams(action, describeError(err));
  }
}
