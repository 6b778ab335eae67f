/**
 * The bridge's one entry point: from a loaded config to a running bridge. The CLI's commands and the
 * simulated stack (simulators/stack.ts) start the bridge only through here, so they run what a kiosk runs.
 * The bridge is the device registry and, when the config has a `sip2` section, the SIP2 client, the kiosk
 * engine on top of both, and the HTTP/WebSocket server the kiosk UI talks to.
 */
import type { Logger } from "pino";
import { describeError } from "../protocols/errors.ts";
import { type LoadedConfig, loadConfig, type ParseOptions } from "./config/load.ts";
import type { KioskConfig } from "./config/schema.ts";
import { DEVICE_FACTORIES, DEVICE_MODELS, type DeviceFactory } from "./devices/factories.ts";
import type { ReceiptPrinter } from "./devices/printer/receipt-printer.ts";
import { DeviceRegistry, type RegistryOptions } from "./devices/registry.ts";
import { checkpoint, openKioskDatabase } from "./kiosk/database.ts";
import { devicesPort, KIOSK_PAD_PACE, KioskPad, relayPort, scannerPort } from "./kiosk/device-ports.ts";
import { KioskEngine, type KioskSettings } from "./kiosk/engine.ts";
import { OfflineJournal } from "./kiosk/journal.ts";
import { JournaledIls, type StaffJournal } from "./kiosk/journaled-ils.ts";
import { OfflinePolicy } from "./kiosk/offline-policy.ts";
import { OpeningHours } from "./kiosk/opening-hours.ts";
import type { PaymentPort } from "./kiosk/ports.ts";
import { Receipts } from "./kiosk/receipts.ts";
import { Sip2Ils, Sip2Replay } from "./kiosk/sip2-ils.ts";
import { Statistics } from "./kiosk/statistics.ts";
import { LatencyProbe } from "./server/latency-probe.ts";
import { createKioskMetrics } from "./server/metrics.ts";
import { type RunningServer, startServer } from "./server/server.ts";
import { createSip2Client, type Sip2Client, type Sip2Pool } from "./sip2/index.ts";
import { testSip2Connection } from "./sip2/probe.ts";
import { ReplaceableSip2 } from "./sip2/replaceable.ts";
import { onExchanges, onRequestTimes } from "./sip2/timings.ts";
import { StaffAuth } from "./staff/auth.ts";
import { ConfigEditor } from "./staff/config-editor.ts";
import { StaffDesk } from "./staff/desk.ts";
import { ShelfInventory } from "./staff/inventory.ts";
import { StaffHours } from "./staff/opening-hours.ts";
import { StaffPasswordChange } from "./staff/password-change.ts";
import { TagStation } from "./staff/tags.ts";
import { type Clock, systemClock } from "./transports/clock.ts";
import type { BackoffPolicy } from "./transports/reconnecting.ts";

/** Reads and checks a bridge config file against this build's driver table (ConfigError naming the key). */
export function loadBridgeConfig(path: string, options: Omit<ParseOptions, "models"> = {}): Promise<LoadedConfig> {
  return loadConfig(path, { ...options, models: DEVICE_MODELS });
}

export interface BridgeOptions {
  logger: Logger;
  /** Reconnect backoff for every device (tests and `selfcheck devices` use shorter ones). */
  backoff?: Partial<BackoffPolicy>;
  /** The driver table (default: bridge/devices/factories.ts); tests may narrow it. */
  factories?: readonly DeviceFactory[];
  /** Transports that a config cannot describe (the simulated stack's in-memory HID cables). */
  transportFor?: RegistryOptions["transportFor"];
  /** Start the SIP2 client, kiosk engine and server (default: when the config has a `sip2` section). */
  kiosk?: boolean;
  /** The built kiosk UI to serve (kiosk-ui/dist); without it `/` says how to build it. */
  uiDir?: string;
  clock?: Clock;
  /**
   * The card payment terminal for fees. Terminals are integrated through each vendor's own interface; the
   * simulated stack hands in its simulator. Without one the kiosk shows fees but does not take payment.
   */
  payment?: PaymentPort;
  /** Device ids whose frames are logged (`--trace`), as `"trace": true` in their config would. */
  trace?: readonly string[];
  /** The file the config came from: the staff console's editor saves to it (without one it cannot save). */
  configFile?: string;
}

export interface Bridge {
  readonly config: LoadedConfig;
  readonly registry: DeviceRegistry;
  /** The SIP2 client; a saved config may replace the one behind it. */
  readonly sip2?: ReplaceableSip2;
  readonly kiosk?: KioskEngine;
  /** The offline journal, for the staff API (list, replay now, retry, resolve). */
  readonly journal?: StaffJournal;
  /** Transaction statistics (no patron identity), for the staff API. */
  readonly statistics?: Statistics;
  /** The kiosk UI and API, at `server.url`. */
  readonly server?: RunningServer;
  /** Stops every part; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts the bridge a config describes. Resolves once every part has made its first attempt (a missing
 * device shows as `disconnected` and keeps retrying); if a part fails to start, what started is stopped.
 */
export async function startBridge(config: LoadedConfig, options: BridgeOptions): Promise<Bridge> {
  const registry = new DeviceRegistry({
    devices: config.devices,
    logger: options.logger.child({ component: "devices" }),
    factories: options.factories ?? DEVICE_FACTORIES,
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.transportFor ? { transportFor: options.transportFor } : {}),
    ...(options.trace ? { trace: options.trace } : {}),
  });
  const stops: Array<() => Promise<unknown>> = [() => registry.stop()];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const step of stops.splice(0).reverse()) await step().catch(() => undefined);
    })();
    return stopping;
  };
  try {
    await registry.start();
    if (!(options.kiosk ?? config.sip2 !== undefined) || !config.sip2) return { config, registry, stop };
    const clock = options.clock ?? systemClock;
    const logger = options.logger;
    // The journal's database first: a kiosk that cannot write its journal must not lend (StorageError names the file).
    const db = openKioskDatabase(config.offline.journalPath);
    stops.push(async () => db.close());
    const journal = new OfflineJournal(db, { clock });
    const statistics = new Statistics(db, {
      clock,
      retentionDays: config.statistics.retentionDays,
      ...(config.statistics.timeZone ? { timeZone: config.statistics.timeZone } : {}),
    });
    const sip2Logger = logger.child({ component: "sip2" });
    const first = createSip2Client(config.sip2, { clock, logger: sip2Logger });
    first.pool.start();
    const sip2 = new ReplaceableSip2(first, sip2Logger);
    stops.push(() => sip2.close());
    const policy = new OfflinePolicy(config.offline, {
      openOfflineCheckouts: (patron) => journal.openOfflineCheckouts(patron),
    });
    const ils = new JournaledIls({
      ils: new Sip2Ils(sip2, { clock }),
      executor: new Sip2Replay(sip2),
      journal,
      policy,
      statistics,
      clock,
      logger,
      ...offlineSettings(config),
      unknownOutcome: config.offline.unknownOutcome,
    });
    stops.push(async () => ils.close());
    const printer = () => registry.ofKind<ReceiptPrinter>("printer")[0];
    const receipts = new Receipts(config.receipts, printer());
    stops.push(async () => receipts.close());
    const pad = new KioskPad(registry, { logger: logger.child({ component: "kiosk-pad" }), pace: KIOSK_PAD_PACE });
    stops.push(async () => pad.close());
    const kiosk = new KioskEngine({
      settings: kioskSettings(config.kiosk, config.sip2.connections),
      ports: {
        ils,
        pad,
        scanner: scannerPort(registry),
        relay: relayPort(registry),
        devices: devicesPort(registry),
        receipts,
        ...(options.payment ? { payment: options.payment } : {}),
      },
      clock,
      logger,
    });
    stops.push(async () => kiosk.close());
    const offPhase = kiosk.onPhase((_, to) => {
      pad.followPhase(to);
      // A session has ended: the journal's WAL goes into the database file now, while nobody waits.
      if (to === "idle" || to === "closed") {
        try {
          checkpoint(db);
        } catch (err) {
          logger.warn({ err: describeError(err) }, "journal checkpoint failed; the WAL keeps every entry");
        }
      }
    });
    stops.push(async () => offPhase());
    const inventory = new ShelfInventory({ registry, kiosk, ils, clock, logger, settings: inventorySettings(config) });
    stops.push(async () => inventory.close());
    const tags = new TagStation({ registry, kiosk, settings: config.staff.tags });
    const staff = new StaffDesk({ registry, kiosk, statistics, journal: ils, tags, inventory });
    const metrics = createKioskMetrics(kiosk, staff, (listener) =>
      onEachPool(sip2, (pool) => onRequestTimes(pool, listener)),
    );
    stops.push(async () => metrics.close());
    const probe = process.env.SELFCHECK_LATENCY_PROBE === "1" ? new LatencyProbe(metrics.registry) : undefined;
    if (probe) {
      const off = onEachPool(sip2, (pool) =>
        onExchanges(pool, (direction, command) =>
          direction === "sent" ? probe.requestOut(command) : probe.answerIn(command),
        ),
      );
      stops.push(async () => off());
    }
    const auth = new StaffAuth(config.staff, { clock, logger });
    const editor = new ConfigEditor({
      running: config,
      file: options.configFile,
      models: options.factories ?? DEVICE_MODELS,
      testSip2: (section) => testSip2Connection(section, { clock }),
      auth,
      kiosk,
      logger,
      // A saved config, applied in place (bridge/staff/config-editor.ts says what waits for what).
      apply: async (saved, replace) => {
        if (replace.devices) await registry.reconfigure(saved.devices);
        if (replace.sip2 && saved.sip2) {
          const next = createSip2Client(saved.sip2, { clock, logger: sip2Logger });
          next.pool.start();
          // Logged in before the swap, so the kiosk does not blink offline; an ILS that does not answer
          // within the SIP2 timeout is swapped in all the same (the kiosk goes offline, with its journal).
          await next.pool.ready().catch(() => undefined);
          void sip2.replace(next);
        }
        const connections = saved.sip2?.connections ?? config.sip2?.connections ?? 1;
        kiosk.reconfigure(kioskSettings(saved.kiosk, connections));
        receipts.reconfigure(saved.receipts, printer());
        policy.reconfigure(saved.offline);
        ils.reconfigure(offlineSettings(saved));
        inventory.reconfigure(inventorySettings(saved));
        tags.reconfigure(saved.staff.tags);
      },
    });
    const server = await startServer({
      host: config.server.host,
      port: config.server.port,
      allowedOrigins: config.server.allowedOrigins,
      endpoint: kiosk,
      logger,
      probe,
      ...(options.uiDir ? { uiDir: options.uiDir } : {}),
      health: () => ({ ils: sip2.state, devices: registry.list().map((d) => ({ id: d.id, health: d.health.state })) }),
      staff: {
        desk: staff,
        auth,
        config: editor,
        hours: new StaffHours({ kiosk, clock, editor }),
        password: new StaffPasswordChange({ auth, editor, logger }),
        metrics,
        loginAttemptsPerMinute: config.staff.loginAttemptsPerMinute,
        clock,
      },
    });
    stops.push(() => server.close());
    return { config, registry, sip2, kiosk, journal: ils, statistics, server, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** The engine's settings from the config's `kiosk` section (seconds there, milliseconds here). */
export function kioskSettings(kiosk: KioskConfig, connections: number): Partial<KioskSettings> {
  return {
    name: kiosk.name,
    languages: kiosk.languages,
    defaultLanguage: kiosk.languages[0] ?? "en",
    pinRequired: kiosk.pinRequired,
    pinAttempts: kiosk.pinAttempts,
    idleTimeoutMs: kiosk.idleTimeoutSeconds * 1000,
    idleWarningMs: Math.min(kiosk.idleWarningSeconds, kiosk.idleTimeoutSeconds - 1) * 1000,
    goodbyeMs: kiosk.goodbyeSeconds * 1000,
    paymentTimeoutMs: kiosk.paymentTimeoutSeconds * 1000,
    ilsConcurrency: connections,
    liftedWindowMs: kiosk.liftedWindowSeconds * 1000,
    sets: kiosk.sets,
    renewOnCheckout: kiosk.renewOnCheckout,
    carts: kiosk.carts,
    hours: new OpeningHours(kiosk.hours),
  };
}

/** Subscribes to the SIP2 pool in use, and again to each one a saved config swaps in. */
function onEachPool(sip2: ReplaceableSip2, subscribe: (pool: Sip2Pool) => () => void): () => void {
  let stop = subscribe(sip2.current.pool);
  const follow = (client: Sip2Client) => {
    stop();
    stop = subscribe(client.pool);
  };
  sip2.on("replaced", follow);
  return () => {
    sip2.off("replaced", follow);
    stop();
  };
}

/** Who may be identified while the ILS is away, and how long a lost answer is waited for. */
function offlineSettings(config: LoadedConfig) {
  const { offline, kiosk } = config;
  return {
    identifyOffline: offline.enabled && (!kiosk.pinRequired || offline.withoutPinCheck),
    unknownOutcomeWaitMs: offline.unknownOutcomeWaitMs,
  };
}

/** The shelf inventory's settings: the branch defaults to the SIP2 login's location. */
function inventorySettings(config: LoadedConfig) {
  return {
    branch: config.staff.inventory.branch ?? config.sip2?.login.location,
    concurrency: config.staff.inventory.concurrency,
  };
}
