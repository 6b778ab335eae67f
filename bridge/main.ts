/**
 * The bridge's one entry point: from a loaded config to a running bridge. The CLI's commands and the
 * simulated stack (simulators/stack.ts) start the bridge only through here, so they run what a kiosk runs.
 * Today the bridge is the device registry; the SIP2 client, the kiosk engine and the server plug in here.
 */
import type { Logger } from "pino";
import { type LoadedConfig, loadConfig, type ParseOptions } from "./config/load.ts";
import { DEVICE_FACTORIES, DEVICE_MODELS, type DeviceFactory } from "./devices/factories.ts";
import { DeviceRegistry, type RegistryOptions } from "./devices/registry.ts";
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
}

export interface Bridge {
  readonly config: LoadedConfig;
  readonly registry: DeviceRegistry;
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
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= registry.stop();
    return stopping;
  };
  try {
    await registry.start();
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { config, registry, stop };
}
