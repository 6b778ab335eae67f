/**
 * The simulated kiosk stack in a process of its own, as `selfcheck start` runs it (shipped logging at its
 * default level), for bench/bridge.bench.ts. Options come as JSON in argv[2]; once the stack is up, one
 * line of JSON with its addresses goes to stdout. It stops when stdin closes (the bench ended or died).
 */
import { createLogger } from "../bridge/log/logger.ts";
import { loadFixture } from "../simulators/acs/fixture.ts";
import { DEFAULT_FIXTURE_PATH } from "../simulators/acs/fixtures/generate.ts";
import { startStack } from "../simulators/stack.ts";

interface StackProcessOptions {
  /** Per-response latency of the ILS (ACS simulator fault `latency`). */
  ilsLatencyMs?: number;
  /** Extra `sip2` config (connections, or a proxy's host/port). */
  sip2?: Record<string, unknown>;
  /** Loans one patron may have: a 20-item stack is over the default fixture's limit of 10. */
  checkoutLimit?: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as StackProcessOptions;
const fixture = loadFixture(DEFAULT_FIXTURE_PATH);
if (options.checkoutLimit !== undefined) fixture.policy.checkoutLimit = options.checkoutLimit;
const stack = await startStack({
  logger: createLogger({ name: "selfcheck", level: "warn" }),
  acs: { fixture, ...(options.ilsLatencyMs ? { faults: { latencyMs: options.ilsLatencyMs } } : {}) },
  ...(options.sip2 ? { sip2: options.sip2 } : {}),
});
await stack.registry.whenAllOk(10_000);
process.stdout.write(
  `${JSON.stringify({
    kiosk: `${stack.bridge.server?.url.replace(/^http/, "ws")}/api/kiosk`,
    control: stack.control.url,
    acs: stack.acs.address,
  })}\n`,
);
process.stdin.resume();
process.stdin.on("end", () => void stack.stop().then(() => process.exit(0)));
