/**
 * `selfcheck bridge --config FILE`: the kiosk as it runs on a real kiosk PC. The real devices and the
 * real ILS from the config file, the kiosk engine, and the server with the kiosk UI and the staff console.
 * No simulator is loaded.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { invalidConfig } from "../config/validate.ts";
import { createLogger } from "../log/logger.ts";
import { loadBridgeConfig, startBridge } from "../main.ts";
import { printDevices } from "./devices.ts";
import { checkedOption, explainListenError, LOG_LEVELS, parse } from "./options.ts";
import { stopOnSignal } from "./signals.ts";

interface BridgeFlags {
  config: string;
  uiDir?: string;
  logLevel: string;
  debugUnredacted?: boolean;
}

export function registerBridgeCommand(program: Command): void {
  program
    .command("bridge")
    .description("run the kiosk: the devices and ILS of a config file, the kiosk UI and the staff console")
    .requiredOption("--config <file>", "bridge config (JSON); see config/example-hardware.json")
    .option("--ui-dir <dir>", "serve this built kiosk UI instead of kiosk-ui/dist (built when missing or stale)")
    .addOption(checkedOption("--log-level <level>", `log level (${LOG_LEVELS.join(", ")})`, parse.logLevel, "info"))
    .option("--debug-unredacted", "log patron identifiers as they are (test systems only)")
    .action(async (flags: BridgeFlags) => {
      const config = await loadBridgeConfig(flags.config);
      if (!config.sip2) {
        // Without an ILS there is no kiosk, only devices: `selfcheck devices --config` is the tool for that.
        throw invalidConfig(flags.config, [
          {
            path: "sip2",
            message: `missing: the kiosk needs its ILS's SIP2 server (host, login, institution; see config/example-hardware.json). To check only the devices, run \`selfcheck devices --config ${flags.config}\``,
          },
        ]);
      }
      const uiDir = flags.uiDir ?? (await buildUi());
      const logger = createLogger({
        name: "selfcheck",
        level: flags.logLevel,
        unredacted: flags.debugUnredacted === true,
      });
      const bridge = await startBridge(config, { logger, uiDir, configFile: resolve(flags.config) }).catch(
        (err: unknown) => {
          throw explainListenError(err, config.server.host, { "server.port": config.server.port });
        },
      );
      stopOnSignal(() => bridge.stop());
      const url = bridge.server?.url ?? "";
      console.log(`open-selfcheck bridge "${config.kiosk.name}" is running (${flags.config}):`);
      console.log(`  Kiosk          ${url}/`);
      console.log(`  Staff console  ${url}/staff/`);
      console.log(`  Kiosk API      ${url.replace(/^http/, "ws")}/api/kiosk`);
      console.log(`  ILS            ${config.sip2.host}:${config.sip2.port} (${bridge.sip2?.state ?? "not started"})`);
      console.log("Devices:");
      printDevices(bridge.registry.list());
      bridge.registry.on("health", (id, health) => {
        const error = health.lastError && health.state !== "ok" ? ` (${health.lastError.code})` : "";
        console.log(`device ${id}: ${health.state}${error}`);
      });
      console.log("Press Ctrl+C to stop.");
    });
}

/** The kiosk UI ships with the bridge; a checkout without dist/ builds it once. */
async function buildUi(): Promise<string> {
  const { ensureUiBuilt } = await import("../../kiosk-ui/build.ts");
  return ensureUiBuilt((line) => console.log(line));
}
