/** `selfcheck devices`: what is plugged in, and with --config, whether the configured devices work. */
import type { Command } from "commander";
import { type HidList, listHidDevices, listSerialPorts, type SerialPortInfo } from "../devices/discovery.ts";
import type { DeviceEntry } from "../devices/registry.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { loadBridgeConfig, startBridge } from "../main.ts";
import { checkedOption, LOG_LEVELS, parse } from "./options.ts";

/** Exit status when a configured device is not ok (1 is for errors such as a broken config). */
export const EXIT_DEVICE_NOT_OK = 2;

export function registerDevicesCommand(program: Command): void {
  program
    .command("devices")
    .description("list serial ports and HID devices; with --config, start the configured devices and show their health")
    .option(
      "--config <file>",
      `bridge config: also start its devices and report their health; exits ${EXIT_DEVICE_NOT_OK} unless every enabled one is ok`,
    )
    .addOption(
      checkedOption(
        "--wait <ms>",
        "the longest to wait for configured devices to come up; it stops as soon as all are ok",
        parse.milliseconds,
        2000,
      ),
    )
    .option("--json", "machine-readable output")
    .option(
      "--trace <id>",
      "log every frame to and from this configured device (direction, time, hex); repeat for more",
      (id: string, ids: string[] = []) => [...ids, id],
    )
    .addOption(checkedOption("--log-level <level>", `log level (${LOG_LEVELS.join(", ")})`, parse.logLevel, "silent"))
    .action(async (flags: { config?: string; wait: number; json?: boolean; logLevel: string; trace?: string[] }) => {
      // A trace is logged at info level: asking for one is asking to see it.
      const quiet = ["silent", "fatal", "error", "warn"].includes(flags.logLevel);
      const level = flags.trace && quiet ? "info" : flags.logLevel;
      const logger = createLogger({ name: "devices", level });
      const [serialPorts, hid] = await Promise.all([listSerialPorts(), listHidDevices()]);
      const configured =
        flags.config === undefined ? undefined : await configuredDevices(flags.config, flags.wait, logger, flags.trace);
      if (flags.json) {
        console.log(JSON.stringify({ serialPorts, hid, ...(configured ? { configured } : {}) }, null, 2));
      } else {
        printDiscovery(serialPorts, hid);
        if (configured) {
          console.log(`Configured devices (${flags.config}):`);
          printDevices(configured);
        }
      }
      const notOk = (configured ?? []).filter((e) => e.enabled && e.health.state !== "ok");
      if (notOk.length > 0) {
        console.error(
          `selfcheck: ${notOk.length} of ${configured?.filter((e) => e.enabled).length} configured devices not ok: ${notOk.map((e) => `${e.id} (${e.health.state})`).join(", ")}.`,
        );
        process.exitCode = EXIT_DEVICE_NOT_OK;
      }
    });
}

/** Starts the configured devices, waits until all are ok or `waitMs` passed, and stops them again. */
async function configuredDevices(
  file: string,
  waitMs: number,
  logger: Logger,
  trace: readonly string[] = [],
): Promise<DeviceEntry[]> {
  const config = await loadBridgeConfig(file);
  const bridge = await startBridge(config, { logger, backoff: { initialMs: 250, maxMs: 1000 }, kiosk: false, trace });
  try {
    await bridge.registry.whenAllOk(waitMs);
    return bridge.registry.list();
  } finally {
    await bridge.stop();
  }
}

const hex4 = (n: number | undefined) => (n === undefined ? "????" : n.toString(16).padStart(4, "0"));

function printDiscovery(ports: readonly SerialPortInfo[], hid: HidList): void {
  console.log("Serial ports:");
  if (ports.length === 0) console.log("  none found");
  for (const p of ports) {
    const usb = p.kind === "usb" ? ` USB ${hex4(p.vendorId)}:${hex4(p.productId)}` : "";
    const facts = [
      p.manufacturer,
      p.product,
      p.serialNumber && `serial ${p.serialNumber}`,
      p.location && `at ${p.location}`,
    ]
      .filter(Boolean)
      .join(", ");
    console.log(
      `  ${p.path.padEnd(16)} ${p.kind}${usb}${facts ? ` (${facts})` : ""}${p.driver ? ` [${p.driver}]` : ""}`,
    );
  }
  console.log("HID devices:");
  if (hid.error !== undefined) console.log(`  HID listing unavailable: ${hid.error}`);
  else if (hid.devices.length === 0) console.log("  none found");
  for (const d of hid.devices) {
    const name = [d.manufacturer, d.product].filter(Boolean).join(" ");
    const usage = d.usagePage === undefined ? "" : ` usage page 0x${d.usagePage.toString(16)}`;
    console.log(`  ${hex4(d.vendorId)}:${hex4(d.productId)} ${name}${usage}${d.path ? ` ${d.path}` : ""}`);
  }
}

/** One line per device: id, kind and model, health, where it is; `where` adds e.g. the simulator behind it. */
export function printDevices(entries: readonly DeviceEntry[], where?: (id: string) => string | undefined): void {
  if (entries.length === 0) console.log("  none configured");
  for (const e of entries) {
    const state = e.enabled ? e.health.state : "disabled";
    const error =
      e.health.lastError && e.health.state !== "ok"
        ? `  ${e.health.lastError.code}: ${e.health.lastError.message}`
        : "";
    const extra = where?.(e.id);
    console.log(
      `  ${e.id.padEnd(12)} ${`${e.kind} ${e.model}`.padEnd(22)} ${state.padEnd(12)} ${e.description}${extra ? `  [${extra}]` : ""}${error}`,
    );
  }
}
