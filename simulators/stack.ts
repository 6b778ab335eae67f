/**
 * The whole kiosk in one process with simulated ends: the SIP2 ACS simulator with its in-memory ILS,
 * a simulator for every device (serial ones on pseudo-terminals opened with the real serialport,
 * network ones on TCP, HID ones on in-memory HID cables), the real bridge started through startBridge
 * (bridge/main.ts) with a config generated to point at them, and the simulators' control API. `npm start`
 * and the tests use it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { pino } from "pino";
import { type LoadedConfig, parseConfig } from "../bridge/config/load.ts";
import type { DeviceKind, SimulatorConfig } from "../bridge/config/schema.ts";
import { type ConfigProblem, invalidConfig, joinPath } from "../bridge/config/validate.ts";
import { DEVICE_FACTORIES, type DeviceFactory, findFactory } from "../bridge/devices/factories.ts";
import type { DeviceRegistry } from "../bridge/devices/registry.ts";
import { type Bridge, startBridge } from "../bridge/main.ts";
import type { Clock } from "../bridge/transports/clock.ts";
import type { BackoffPolicy } from "../bridge/transports/reconnecting.ts";
import type { Sip2Charset } from "../protocols/sip2/index.ts";
import type { FaultPlan } from "./acs/faults.ts";
import { type Fixture, loadFixture } from "./acs/fixture.ts";
import { DEFAULT_FIXTURE_PATH } from "./acs/fixtures/generate.ts";
import { InMemoryIls } from "./acs/ils.ts";
import { type AcsAddress, AcsServer } from "./acs/server.ts";
import { findSimulatorModel, SIMULATOR_MODELS, type SimulatorModel } from "./devices/catalog.ts";
import { type ControlApi, startControlApi } from "./devices/control-api.ts";
import { type Hosting, hostInProcess, hostOnMemory, hostOnPty, hostOnTcp, type MemoryHosting } from "./devices/host.ts";
import { PtyError } from "./devices/pty.ts";
import { SimulatedPaymentTerminal } from "./payment/terminal.ts";

/** One device of the simulated kiosk: its driver and simulator share the model name. */
export interface StackDevice {
  id: string;
  name: string;
  kind: DeviceKind;
  model: string;
  /** Driver options for the generated bridge config. */
  options?: Record<string, unknown>;
  /** Simulator options. */
  simulator?: Record<string, unknown>;
}

/** A typical kiosk: a HID POS scanner, a 3M 810 pad, an 80 mm network printer, a USB relay for the gate. */
/** The simulated card terminal's id in the control API (`/sims/payment`). */
export const PAYMENT_TERMINAL_ID = "payment";

export const STACK_DEVICES: readonly StackDevice[] = [
  { id: "scanner", name: "Barcode scanner", kind: "scanner", model: "hid-pos" },
  { id: "rfid-pad", name: "RFID pad", kind: "rfid", model: "3m810" },
  { id: "printer", name: "Receipt printer", kind: "printer", model: "escpos" },
  { id: "relay", name: "Security relay", kind: "relay", model: "usb-hid-relay" },
];

/**
 * The simulated kiosk's staff login, printed by `npm start`. Only the generated stack config has it; a real
 * config has no default user (its `staff.users` hashes come from `selfcheck staff-password`).
 */
export const DEV_STAFF = {
  user: "staff",
  password: "staff",
  passwordHash: "scrypt$15$8$1$mr8eZ/Iwju2wnFP0+8Tn5w==$nfJ0ze06a8FgKmbBWxtfIN952+EKsojl7HgzmKNXLxw=",
} as const;

export interface StackOptions {
  logger?: Logger;
  /** The ACS simulator. Default: 127.0.0.1, a free port, the default fixture, UTF-8, login required. */
  acs?: {
    host?: string;
    port?: number;
    /** The ILS's contents (default: simulators/acs/fixtures/default.json). */
    fixture?: Fixture;
    charset?: Sip2Charset;
    requireLogin?: boolean;
    faults?: FaultPlan;
    tls?: { cert: string | Buffer; key: string | Buffer };
  };
  /** Control API port; 0 (default) picks a free one. */
  controlPort?: number;
  /** Host for the control API and TCP simulators. Default 127.0.0.1. */
  host?: string;
  /** Default STACK_DEVICES. */
  devices?: readonly StackDevice[];
  /**
   * Where serial simulators go: "pty" (default; the drivers' serial code runs for real, needs python3) or
   * "memory". Without PTY support the stack falls back to memory by itself.
   */
  serialOver?: "pty" | "memory";
  /** Reconnect backoff for the drivers. */
  backoff?: Partial<BackoffPolicy>;
  /** Tables to build from (tests may narrow them). */
  factories?: readonly DeviceFactory[];
  simulatorModels?: readonly SimulatorModel[];
  /** The kiosk server (UI and API). Default: 127.0.0.1, a free port. */
  server?: { host?: string; port?: number };
  /** The built kiosk UI to serve (kiosk-ui/dist). */
  uiDir?: string;
  /** Extra `kiosk` config (PIN, timeouts …) over the defaults. */
  kiosk?: Record<string, unknown>;
  /** The `receipts` config (library name, print, SMTP for email) over the defaults. */
  receipts?: Record<string, unknown>;
  /** The `offline` config (offline lending, limits) over the defaults; the journal stays in the stack's temp folder. */
  offline?: Record<string, unknown>;
  /** Extra `sip2` config over the generated one (e.g. `connections`, or host/port of a proxy in front of the ACS). */
  sip2?: Record<string, unknown>;
  /** Extra `staff` config (tags, inventory) over the generated one. */
  staff?: Record<string, unknown>;
  /** How long the simulated card terminal takes to approve or decline (default 1.5 s, a card tapped). */
  paymentProcessingMs?: number;
  /**
   * A file for the staff console's configuration editor to save to (it need not exist): with it, a saved
   * config is applied to the running stack as on a real kiosk. Without it the editor can check but not save.
   */
  configFile?: string;
  /** Run the kiosk engine and server (default true); false runs only the devices. */
  withKiosk?: boolean;
  /**
   * The bridge's clock (SIP2 client and kiosk engine: idle and goodbye timers). Tests pass a VirtualClock;
   * the devices keep the system clock, so the pad is still polled while virtual time stands still.
   */
  clock?: Clock;
}

export interface Stack {
  acs: { server: AcsServer; ils: InMemoryIls; address: AcsAddress };
  /** Hosted simulators by device id. */
  simulators: ReadonlyMap<string, Hosting>;
  /** The running bridge's device registry. */
  registry: DeviceRegistry;
  /** The running bridge: its kiosk engine and server (UI and API at `bridge.server.url`). */
  bridge: Bridge;
  control: ControlApi;
  /** The bridge config generated for the simulators (what the registry runs). */
  config: LoadedConfig;
  /** Devices left out because this build has no driver or no simulator for them, with the reason. */
  skipped: ReadonlyArray<{ id: string; reason: string }>;
  stop(): Promise<void>;
}

/** Starts everything; if any part fails to start, what already started is stopped again. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const logger = options.logger ?? pino({ level: "silent" });
  const host = options.host ?? "127.0.0.1";
  const factories = options.factories ?? DEVICE_FACTORIES;
  const simulatorModels = options.simulatorModels ?? SIMULATOR_MODELS;
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };

  try {
    const acsOptions = options.acs ?? {};
    const fixture = acsOptions.fixture ?? loadFixture(DEFAULT_FIXTURE_PATH);
    const ils = new InMemoryIls(fixture);
    const server = new AcsServer({
      ils,
      host: acsOptions.host ?? host,
      port: acsOptions.port ?? 0,
      charset: acsOptions.charset ?? "utf-8",
      requireLogin: acsOptions.requireLogin ?? true,
      logger: logger.child({ component: "acs" }),
      ...(acsOptions.faults ? { faults: acsOptions.faults } : {}),
      ...(acsOptions.tls ? { tls: acsOptions.tls } : {}),
    });
    const address = await server.start();
    stops.push(() => server.stop());

    // PTYs get stable links here, so a driver follows its simulator through an unplug and replug.
    const linkDir = await mkdtemp(join(tmpdir(), "open-selfcheck-stack-"));
    stops.push(() => rm(linkDir, { recursive: true, force: true }));
    const simulators = new Map<string, Hosting>();
    const skipped: Array<{ id: string; reason: string }> = [];
    const deviceConfigs: unknown[] = [];
    for (const device of options.devices ?? STACK_DEVICES) {
      const factory = findFactory(device.kind, device.model, factories);
      const simModel = findSimulatorModel(device.kind, device.model, simulatorModels);
      if (!factory || !simModel) {
        skipped.push({
          id: device.id,
          reason: `no ${factory ? "simulator" : "driver"} for ${device.kind} model ${device.model}`,
        });
        continue;
      }
      const hosting = await hostSimulator(simModel, device, {
        host,
        link: join(linkDir, device.id),
        serialOver: options.serialOver ?? "pty",
        logger,
      });
      stops.push(() => hosting.close());
      simulators.set(device.id, hosting);
      deviceConfigs.push({
        id: device.id,
        name: device.name,
        kind: device.kind,
        model: device.model,
        transport: transportFor(hosting, device, simModel),
        options: device.options ?? {},
      });
    }

    // The SIP2 section points at the ACS simulator with the fixture's first SIP account.
    const account = fixture.accounts[0];
    const sip2 = account && {
      host: address.host,
      port: address.port,
      tls: address.tls ? { rejectUnauthorized: false } : false,
      login: { user: account.userId, password: account.password },
      institution: account.institution,
      charset: acsOptions.charset ?? "utf-8",
    };
    const config = parseConfig(
      {
        ...(sip2 ? { sip2: { ...sip2, ...options.sip2 } } : {}),
        devices: deviceConfigs,
        server: { host: options.server?.host ?? host, port: options.server?.port ?? 0 },
        kiosk: options.kiosk ?? {},
        receipts: options.receipts ?? {},
        staff: {
          users: [{ name: DEV_STAFF.user, passwordHash: DEV_STAFF.passwordHash }],
          // Shelf inventory checks items against the branch the SIP account stands in.
          ...(account ? { inventory: { branch: account.branch } } : {}),
          ...options.staff,
        },
        // The simulated kiosk keeps its journal out of the working tree.
        offline: { ...options.offline, journalPath: join(linkDir, "selfcheck.db") },
      },
      "generated stack config",
      { models: factories },
    );
    // The card terminal for fee payment: handed to the bridge as its payment port, driven through the control API.
    const terminal = new SimulatedPaymentTerminal({ processingMs: options.paymentProcessingMs ?? 1500 });
    simulators.set(PAYMENT_TERMINAL_ID, hostInProcess(terminal));
    const bridge = await startBridge(config, {
      logger,
      factories,
      payment: terminal,
      kiosk: options.withKiosk ?? true,
      ...(options.uiDir ? { uiDir: options.uiDir } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.configFile ? { configFile: options.configFile } : {}),
      transportFor: (device) => {
        const hosting = simulators.get(device.id);
        return hosting?.exposure.type === "memory" ? () => (hosting as MemoryHosting).driverTransport : undefined;
      },
    });
    stops.push(() => bridge.stop());
    const control = await startControlApi({
      simulators,
      host,
      port: options.controlPort ?? 0,
      logger: logger.child({ component: "control-api" }),
    });
    stops.push(() => control.close());

    return {
      acs: { server, ils, address },
      simulators,
      registry: bridge.registry,
      bridge,
      control,
      config,
      skipped,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Starts the simulators of a sim config (`selfcheck sim`): each on the PTY or TCP port its `expose`
 * names. Checks every entry first (CONFIG_INVALID naming the key); if one fails to start, the ones
 * already started are closed again.
 */
export async function startSimulators(
  entries: readonly SimulatorConfig[],
  source: string,
  models: readonly SimulatorModel[] = SIMULATOR_MODELS,
): Promise<Map<string, Hosting>> {
  const problems: ConfigProblem[] = [];
  const planned = entries.flatMap((entry, i) => {
    const path = joinPath("simulators", i);
    const model = findSimulatorModel(entry.kind, entry.model, models);
    if (!model) {
      problems.push({ path: joinPath(path, "model"), message: `no ${entry.kind} simulator "${entry.model}"` });
      return [];
    }
    if (!model.exposures.includes(entry.expose.type)) {
      const usable = model.exposures.filter((e) => e !== "memory");
      problems.push({
        path: joinPath(joinPath(path, "expose"), "type"),
        message:
          usable.length > 0
            ? `the ${entry.model} simulator can be exposed on ${usable.join(" or ")}, not ${entry.expose.type}`
            : `the ${entry.model} simulator is a HID device and only runs inside \`selfcheck start\` (in-process)`,
      });
      return [];
    }
    return [{ entry, model }];
  });
  if (problems.length > 0) throw invalidConfig(source, problems);

  const hosted = new Map<string, Hosting>();
  try {
    for (const { entry, model } of planned) {
      const simulator = model.create(entry.options);
      const expose = entry.expose;
      const hosting =
        expose.type === "tcp"
          ? await hostOnTcp(simulator, { host: expose.host, port: expose.port })
          : await hostOnPty(simulator, {
              ...(expose.link === undefined ? {} : { link: expose.link }),
              ...((expose.baudRate ?? model.baudRate) === undefined
                ? {}
                : { baudRate: expose.baudRate ?? model.baudRate }),
            });
      hosted.set(entry.id, hosting);
    }
  } catch (err) {
    for (const hosting of hosted.values()) await hosting.close().catch(() => undefined);
    throw err;
  }
  return hosted;
}

/** Hosts a simulator the way its model is reached: PTY for serial, TCP for network, memory for HID. */
async function hostSimulator(
  model: SimulatorModel,
  device: StackDevice,
  where: { host: string; link: string; serialOver: "pty" | "memory"; logger: Logger },
): Promise<Hosting> {
  const simulator = model.create(device.simulator ?? {});
  switch (model.exposures[0]) {
    case "pty": {
      if (where.serialOver === "memory") return hostOnMemory(simulator);
      const settings =
        model.baudRate === undefined ? { link: where.link } : { link: where.link, baudRate: model.baudRate };
      try {
        return await hostOnPty(simulator, settings);
      } catch (err) {
        // No pseudo-terminals here (no python3, or not Linux/macOS): the device still works, in memory.
        if (!(err instanceof PtyError && err.code === "PTY_UNAVAILABLE")) throw err;
        where.logger.warn({ device: device.id, reason: err.message }, "no PTY for a serial simulator; using memory");
        return hostOnMemory(simulator);
      }
    }
    case "tcp":
      return hostOnTcp(simulator, { host: where.host, port: 0 });
    default:
      return hostOnMemory(simulator, { hid: model.hid === true });
  }
}

/** The bridge config transport that reaches a hosted simulator. */
function transportFor(hosting: Hosting, device: StackDevice, model: SimulatorModel): Record<string, unknown> {
  const e = hosting.exposure;
  switch (e.type) {
    case "pty":
      return {
        type: "serial",
        path: e.link ?? e.path,
        ...(model.baudRate === undefined ? {} : { baudRate: model.baudRate }),
      };
    case "tcp":
      return { type: "tcp", host: e.host, port: e.port };
    case "memory":
    case "in-process":
      // Memory cables have no config form; the registry is handed the cable instead (see transportFor above).
      return e.type === "memory" && e.hid
        ? { type: "hid", path: `simulated:${device.id}` }
        : { type: "serial", path: `simulated:${device.id}` };
  }
}
