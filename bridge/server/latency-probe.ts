/**
 * The time the bridge itself adds between the kiosk's WebSocket and the ILS (issue 9: p99 < 1 ms), for
 * `npm run bench -- bridge`; opt-in (SELFCHECK_LATENCY_PROBE=1), since it stamps every frame.
 *
 * - inward: a command's WebSocket frame arrives → the SIP2 request it causes is handed to its socket;
 * - outward: a SIP2 answer arrives → the next WebSocket message is handed to its socket.
 *
 * Both are stamped with the monotonic high-resolution clock where the bytes cross the process's edge, so
 * neither loopback hops nor the peers' own turns count; and with the process's CPU time (user + system), which
 * on a busy machine tells the bridge's own work from the turns the operating system gave to others. Nothing says which request a command caused, so a
 * command of a kind that asks the ILS is paired with the next request written (the next command's frame ends
 * the pairing), and an answer with the next message of any kind. That is exact when one patron does one
 * thing at a time, as in the bench; with overlapping work, a sample may belong to a neighbour. Requests the
 * bridge sends by itself (heartbeat, login) and answers no screen hears about are not paired.
 */
import { type Registry, Summary } from "prom-client";
import type { ClientMessage } from "../../protocols/kiosk-api/schema.ts";

/** Kiosk commands whose work starts with a SIP2 request (addItem: a checkout or a checkin). */
const ASKS_ILS: ReadonlySet<ClientMessage["type"]> = new Set([
  "identify",
  "verifyPin",
  "addItem",
  "renew",
  "renewAll",
  "placeHold",
  "cancelHold",
]);

/** Requests sent on the bridge's own initiative, and answers that change nothing a screen shows. */
const UNPROMPTED = new Set(["scStatus", "login", "requestAcsResend", "endPatronSession"]);
const SILENT_ANSWERS = new Set(["acsStatus", "loginResponse", "requestScResend", "endSessionResponse"]);

interface Stamp {
  at: bigint;
  /** process.cpuUsage(), microseconds. */
  cpu: NodeJS.CpuUsage;
}

const stamp = (): Stamp => ({ at: process.hrtime.bigint(), cpu: process.cpuUsage() });

export class LatencyProbe {
  readonly #seconds: Summary<"direction" | "command">;
  readonly #cpuSeconds: Summary<"direction" | "command">;
  #command: Stamp | undefined;
  #answer: (Stamp & { command: string }) | undefined;

  constructor(registry: Registry) {
    this.#seconds = new Summary({
      name: "selfcheck_bridge_added_seconds",
      help:
        "Time inside the bridge (SELFCHECK_LATENCY_PROBE=1): inward = kiosk command frame in → SIP2 request written, " +
        "outward = SIP2 answer in → next kiosk message written; by SIP2 command",
      labelNames: ["direction", "command"] as const,
      percentiles: [0.5, 0.9, 0.99, 1],
      registers: [registry],
    });
    this.#cpuSeconds = new Summary({
      name: "selfcheck_bridge_added_cpu_seconds",
      help: "CPU time the bridge process used over the same spans as selfcheck_bridge_added_seconds",
      labelNames: ["direction", "command"] as const,
      percentiles: [0.5, 0.9, 0.99, 1],
      registers: [registry],
    });
  }

  /** A kiosk command's frame has arrived (before it is parsed). */
  commandIn(): void {
    this.#command = stamp();
  }

  /** What the frame turned out to be (undefined: not a valid command); only a command that asks the ILS is paired. */
  commandIs(type: ClientMessage["type"] | undefined): void {
    if (type === undefined || !ASKS_ILS.has(type)) this.#command = undefined;
  }

  /** A SIP2 request is being written (`command`: the catalog's name, "checkout"). */
  requestOut(command: string): void {
    if (this.#command === undefined || UNPROMPTED.has(command)) return;
    this.#observe("inward", command, this.#command);
    this.#command = undefined;
  }

  /** A SIP2 answer has arrived, whole (`command`: the catalog's name, "checkoutResponse"). */
  answerIn(command: string): void {
    if (SILENT_ANSWERS.has(command)) return;
    this.#answer = { ...stamp(), command };
  }

  /** A kiosk message has been handed to its socket. */
  messageOut(): void {
    const answer = this.#answer;
    if (!answer) return;
    this.#answer = undefined;
    this.#observe("outward", answer.command, answer);
  }

  #observe(direction: "inward" | "outward", command: string, since: Stamp): void {
    const cpu = process.cpuUsage(since.cpu);
    this.#seconds.observe({ direction, command }, Number(process.hrtime.bigint() - since.at) / 1e9);
    this.#cpuSeconds.observe({ direction, command }, (cpu.user + cpu.system) / 1e6);
  }
}
