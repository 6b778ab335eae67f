import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { describeError } from "../protocols/errors.ts";
import { SIP2_CHARSETS, type Sip2Charset } from "../protocols/sip2/index.ts";
import { type FaultPlan, parseFaults } from "../simulators/acs/faults.ts";
import { loadFixture } from "../simulators/acs/fixture.ts";
import { InMemoryIls } from "../simulators/acs/ils.ts";
import { AcsServer } from "../simulators/acs/server.ts";
import { SIMULATOR_MODELS } from "../simulators/devices/catalog.ts";
import { startControlApi } from "../simulators/devices/control-api.ts";
import { describeExposure, type Hosting } from "../simulators/devices/host.ts";
import { startSimulators, startStack } from "../simulators/stack.ts";
import { loadConfig } from "./config/load.ts";
import { type HidList, listHidDevices, listSerialPorts, type SerialPortInfo } from "./devices/discovery.ts";
import { type DeviceEntry, DeviceRegistry } from "./devices/registry.ts";
import type { RfidPad } from "./devices/rfid/pad.ts";
import type { BarcodeScanner } from "./devices/scanner/scanner.ts";
import { createLogger, type Logger } from "./log/logger.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_FIXTURE = join(root, "simulators/acs/fixtures/default.json");

const collect = (value: string, previous: string[]) => [...previous, value];
const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("a port is a number 0–65535");
  return n;
};
const milliseconds = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 600_000) throw new InvalidArgumentError("milliseconds, 0–600000");
  return n;
};
const charset = (value: string): Sip2Charset => {
  if (!(SIP2_CHARSETS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`use one of ${SIP2_CHARSETS.join(", ")}`);
  }
  return value as Sip2Charset;
};

interface AcsFlags {
  host: string;
  port: number;
  fixture: string;
  tlsCert?: string;
  tlsKey?: string;
  fault: string[];
  charset: Sip2Charset;
  login: boolean;
  debugUnredacted?: boolean;
  logLevel: string;
}

export async function startAcs(flags: AcsFlags) {
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  const faults: FaultPlan = parseFaults(flags.fault);
  const logger = createLogger({ name: "acs", level: flags.logLevel, unredacted: flags.debugUnredacted === true });
  const ils = new InMemoryIls(loadFixture(flags.fixture));
  const server = new AcsServer({
    ils,
    host: flags.host,
    port: flags.port,
    charset: flags.charset,
    requireLogin: flags.login,
    faults,
    logger,
    logPatronData: flags.debugUnredacted === true,
    ...(flags.tlsCert && flags.tlsKey
      ? { tls: { cert: readFileSync(flags.tlsCert), key: readFileSync(flags.tlsKey) } }
      : {}),
  });
  const address = await server.start();
  return { server, address, ils, logger };
}

function acsOptions(command: Command, defaults: { port: number }): Command {
  return command
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "TCP port (0 picks a free one)", port, defaults.port)
    .option("--fixture <file>", "ILS fixture (JSON)", DEFAULT_FIXTURE)
    .option("--tls-cert <file>", "PEM certificate: serve SIP2 over TLS")
    .option("--tls-key <file>", "PEM private key for --tls-cert")
    .option(
      "--fault <fault>",
      "inject a fault (repeatable): latency=MS jitter=MS drop-after=N stall corrupt-checksum garble split refuse-login offline",
      collect,
      [],
    )
    .option("--charset <charset>", `SIP2 character set (${SIP2_CHARSETS.join(", ")})`, charset, "utf-8")
    .option("--no-login", "answer SCs that have not logged in")
    .option("--debug-unredacted", "log patron identifiers as they are (test systems only)")
    .option("--log-level <level>", "pino log level", "info");
}

/**
 * Until the kiosk UI exists, `start` shows what the devices see, so a newcomer can watch the simulators
 * drive the real drivers. Patron cards are never printed, only that one was scanned.
 */
function showDeviceEvents(registry: DeviceRegistry): void {
  for (const scanner of registry.ofKind<BarcodeScanner>("scanner")) {
    scanner.on("scan", ({ code, classification }) => {
      const what = {
        patron: "a patron card",
        item: `item ${code}`,
        isbn: "an ISBN: the kiosk will ask for the library barcode instead",
        product: "a product barcode (EAN/UPC), not a library one",
        unknown: `an unknown code (${"reason" in classification ? classification.reason : "no rule matched"})`,
      }[classification.kind];
      console.log(`${scanner.id}: scanned ${what}`);
    });
  }
  for (const pad of registry.ofKind<RfidPad>("rfid")) {
    pad.on("tagsChanged", ({ added, removed, present }) => {
      console.log(`${pad.id}: ${added.length} tag(s) placed, ${removed.length} lifted, ${present.length} on the pad`);
    });
    pad.startPolling(300);
  }
}

export function buildCli(): Command {
  const program = new Command("selfcheck")
    .description("open-selfcheck: library self-service kiosk bridge, simulators and tools")
    .showHelpAfterError();

  acsOptions(program.command("acs").description("run the SIP2 ACS simulator with an in-memory ILS"), {
    port: 6001,
  }).action(async (flags: AcsFlags) => {
    const { address, logger } = await startAcs(flags);
    logger.info(address, "ACS simulator listening");
    console.log(`SIP2 ACS simulator on ${address.tls ? "tls" : "tcp"}://${address.host}:${address.port}`);
  });

  acsOptions(program.command("start").description("start the kiosk stack with all simulators"), {
    port: 6001,
  })
    .option("--control-port <port>", "port of the simulators' control API (0 picks a free one)", port, 7300)
    .action(async (flags: AcsFlags & { controlPort: number }) => {
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
        throw new InvalidArgumentError("--tls-cert and --tls-key go together");
      }
      const level = flags.logLevel === "info" ? "warn" : flags.logLevel;
      const logger = createLogger({ name: "selfcheck", level, unredacted: flags.debugUnredacted === true });
      const stack = await startStack({
        logger,
        host: flags.host,
        controlPort: flags.controlPort,
        acs: {
          host: flags.host,
          port: flags.port,
          fixture: flags.fixture,
          charset: flags.charset,
          requireLogin: flags.login,
          faults: parseFaults(flags.fault),
          ...(flags.tlsCert && flags.tlsKey
            ? { tls: { cert: readFileSync(flags.tlsCert), key: readFileSync(flags.tlsKey) } }
            : {}),
        },
      });
      stopOnSignal(() => {
        stack.registry.removeAllListeners("health");
        return stack.stop();
      });
      const { address } = stack.acs;
      await stack.registry.whenAllOk(3000);
      console.log("open-selfcheck is running with simulated hardware and ILS:");
      console.log(`  SIP2 ACS simulator   ${address.tls ? "tls" : "tcp"}://${address.host}:${address.port}`);
      console.log(
        "  (SIP2 login kiosk-main / main-secret; every test patron and item: simulators/acs/fixtures/CASES.md)",
      );
      console.log(`  Simulator control    ${stack.control.url}  (GET /sims, POST /sims/:id/:action)`);
      console.log("Devices:");
      printDevices(stack.registry.list(), stack.simulators);
      for (const { id, reason } of stack.skipped) console.log(`  ${id.padEnd(12)} not started: ${reason}`);
      stack.registry.on("health", (id, health) => {
        const error =
          health.lastError && health.state !== "ok" ? ` (${health.lastError.code}: ${health.lastError.message})` : "";
        console.log(`device ${id}: ${health.state}${error}`);
      });
      showDeviceEvents(stack.registry);
      console.log("Try it: scan a library card, then put a book on the RFID pad:");
      console.log(
        `  curl -X POST ${stack.control.url}/sims/scanner/scan -H 'content-type: application/json' -d '{"code":"24711000000012"}'`,
      );
      console.log(
        `  curl -X POST ${stack.control.url}/sims/rfid-pad/placeTags -H 'content-type: application/json' -d '{"tags":[{"itemId":"34711000000010"}]}'`,
      );
      console.log("Press Ctrl+C to stop.");
    });

  program
    .command("sim")
    .description('run the device simulators a config lists (its "simulators" section) and their control API')
    .requiredOption("--config <file>", "config file with a simulators section")
    .option("--host <host>", "address for the control API", "127.0.0.1")
    .option("--control-port <port>", "port of the control API (0 picks a free one)", port, 7300)
    .option("--log-level <level>", "pino log level", "warn")
    .action(async (flags: { config: string; host: string; controlPort: number; logLevel: string }) => {
      const logger = createLogger({ name: "sim", level: flags.logLevel });
      const config = await loadConfig(flags.config, { simulatorModels: SIMULATOR_MODELS });
      if (config.simulators.length === 0) {
        throw new InvalidArgumentError(`${flags.config} has no "simulators" section; nothing to run.`);
      }
      const simulators = await startSimulators(config.simulators, config.source);
      const control = await startControlApi({ simulators, host: flags.host, port: flags.controlPort, logger }).catch(
        async (err: unknown) => {
          for (const hosting of simulators.values()) await hosting.close();
          throw err;
        },
      );
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

  program
    .command("devices")
    .description("list serial ports and HID devices; with --config, start the configured devices and show their health")
    .option("--config <file>", "bridge config: also start its devices and report their health")
    .option("--wait <ms>", "how long to let configured devices come up", milliseconds, 2000)
    .option("--json", "machine-readable output")
    .option("--log-level <level>", "pino log level", "silent")
    .action(async (flags: { config?: string; wait: number; json?: boolean; logLevel: string }) => {
      const logger = createLogger({ name: "devices", level: flags.logLevel });
      const [serialPorts, hid] = await Promise.all([listSerialPorts(), listHidDevices()]);
      const configured =
        flags.config === undefined ? undefined : await configuredDevices(flags.config, flags.wait, logger);
      if (flags.json) {
        console.log(JSON.stringify({ serialPorts, hid, ...(configured ? { configured } : {}) }, null, 2));
      } else {
        printDiscovery(serialPorts, hid);
        if (configured) {
          console.log(`Configured devices (${flags.config}):`);
          printDevices(configured);
        }
      }
    });

  return program;
}

/** Starts the configured devices, waits until all are ok or `waitMs` passed, and stops them again. */
async function configuredDevices(file: string, waitMs: number, logger: Logger): Promise<DeviceEntry[]> {
  const config = await loadConfig(file);
  const registry = new DeviceRegistry({ devices: config.devices, logger, backoff: { initialMs: 250, maxMs: 1000 } });
  try {
    await registry.start();
    await registry.whenAllOk(waitMs);
    return registry.list();
  } finally {
    await registry.stop();
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

function printDevices(entries: readonly DeviceEntry[], simulators?: ReadonlyMap<string, Hosting>): void {
  if (entries.length === 0) console.log("  none configured");
  for (const e of entries) {
    const where = simulators?.get(e.id);
    const state = e.enabled ? e.health.state : "disabled";
    const error =
      e.health.lastError && e.health.state !== "ok"
        ? `  ${e.health.lastError.code}: ${e.health.lastError.message}`
        : "";
    const sim = where ? `  [simulator: ${describeExposure(where.exposure)}]` : "";
    console.log(
      `  ${e.id.padEnd(12)} ${`${e.kind} ${e.model}`.padEnd(22)} ${state.padEnd(12)} ${e.description}${sim}${error}`,
    );
  }
}

/** Stops cleanly on Ctrl+C or SIGTERM, then exits. A second signal exits at once. */
function stopOnSignal(stop: () => Promise<unknown>): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) process.exit(1);
    stopping = true;
    void stop()
      .catch((err: unknown) => console.error(`selfcheck: stopping: ${describeError(err)}`))
      .finally(() => process.exit(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  buildCli()
    .parseAsync()
    .catch((error: unknown) => {
      console.error(`selfcheck: ${describeError(error)}`);
      process.exit(1);
    });
}
