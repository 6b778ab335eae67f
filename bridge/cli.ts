/**
 * `selfcheck <command>`. Each command lives in bridge/commands/ and registers itself here. Development
 * commands (start, acs, sim) load the simulators with import() only when they run, so the kiosk binary on
 * a real kiosk never loads them.
 */
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { CodedError, describeError } from "../protocols/errors.ts";
import { registerAcsCommand } from "./commands/acs.ts";
import { registerBridgeCommand } from "./commands/bridge.ts";
import { registerDevicesCommand } from "./commands/devices.ts";
import { registerSimCommand } from "./commands/sim.ts";
import { registerSip2Command } from "./commands/sip2.ts";
import { registerStaffPasswordCommand } from "./commands/staff-password.ts";
import { registerStartCommand } from "./commands/start.ts";

export function buildCli(): Command {
  const program = new Command("selfcheck")
    .description("open-selfcheck: library self-service kiosk bridge, simulators and tools")
    .showHelpAfterError();
  registerStartCommand(program);
  registerBridgeCommand(program);
  registerAcsCommand(program);
  registerSimCommand(program);
  registerDevicesCommand(program);
  registerSip2Command(program);
  registerStaffPasswordCommand(program);
  return program;
}

/**
 * Runs the CLI and reports a failure the one way both entry points (bin/selfcheck.js and `tsx
 * bridge/cli.ts`) use: a CodedError's message is for people and is printed as it is; anything else is a
 * bug, printed with its stack so it can be reported. Either way it exits with status 1 at once (a half-started
 * command may hold sockets open).
 */
export async function runCli(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await buildCli().parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CodedError) console.error(`selfcheck: ${error.message}`);
    else {
      const stack = error instanceof Error && error.stack ? `\n${error.stack}` : "";
      console.error(`selfcheck: unexpected error (please report it): ${describeError(error)}${stack}`);
    }
    process.exit(1);
  }
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) await runCli();
