/**
 * `selfcheck sim --config FILE`: the device simulators a config lists, and their control API. A
 * development command: the simulators are loaded with import() when it runs.
 */
import type { Command } from "commander";
import type { Hosting } from "../../simulators/devices/host.ts";
import { createLogger } from "../log/logger.ts";
import { loadBridgeConfig } from "../main.ts";
import { checkedOption, explainListenError, LOG_LEVELS, optionError, parse } from "./options.ts";
import { stopOnSignal } from "./signals.ts";

interface SimFlags {
  config: string;
  host: string;
  controlPort: number;
  logLevel: string;
}

export function registerSimCommand(program: Command): void {
  program
    .command("sim")
    .description('run the device simulators a config lists (its "simulators" section) and their control API')
    .requiredOption("--config <file>", "config file with a simulators section")
    .option("--host <host>", "address for the control API", "127.0.0.1")
    .addOption(checkedOption("--control-port <port>", "port of the control API (0 picks a free one)", parse.port, 7300))
    .addOption(checkedOption("--log-level <level>", `log level (${LOG_LEVELS.join(", ")})`, parse.logLevel, "warn"))
    .action(async (flags: SimFlags) => {
      const [{ SIMULATOR_MODELS }, { startSimulators }, { startControlApi }, { describeExposure }] = await Promise.all([
        import("../../simulators/devices/catalog.ts"),
        import("../../simulators/stack.ts"),
        import("../../simulators/devices/control-api.ts"),
        import("../../simulators/devices/host.ts"),
      ]);
      const logger = createLogger({ name: "sim", level: flags.logLevel });
      const config = await loadBridgeConfig(flags.config, { simulatorModels: SIMULATOR_MODELS });
      if (config.simulators.length === 0) {
        throw optionError("--config", `${flags.config} has no "simulators" section; nothing to run`);
      }
      // The control API listens first: a second `sim` on the same config fails here, before it touches the
      // first one's device links. It reads the map on each request, so the simulators join it as they start.
      const simulators = new Map<string, Hosting>();
      const control = await startControlApi({ simulators, host: flags.host, port: flags.controlPort, logger }).catch(
        (err: unknown) => {
          throw explainListenError(err, flags.host, { "--control-port": flags.controlPort });
        },
      );
      try {
        for (const [id, hosting] of await startSimulators(config.simulators, config.source)) {
          simulators.set(id, hosting);
        }
      } catch (err) {
        await control.close();
        throw err;
      }
      stopOnSignal(async () => {
        await control.close();
        for (const hosting of simulators.values()) await hosting.close();
      });
      console.log("Device simulators running:");
      for (const [id, hosting] of simulators) {
        const { kind, model } = hosting.simulator;
        console.log(`  ${id.padEnd(12)} ${`${kind} ${model}`.padEnd(22)} ${describeExposure(hosting.exposure)}`);
      }
      console.log(`Control API: ${control.url}  (GET /sims, GET /sims/:id, POST /sims/:id/:action)`);
      console.log("Press Ctrl+C to stop.");
    });
}
