/**
 * Every device model the bridge can drive, as one table keyed by kind + model: which transports it
 * can use, its line settings, the schema of its `options` in the config file, and how to build its
 * driver from a transport. The config loader checks files against these rows; the registry builds
 * drivers with them. Adding a model is adding a row.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import type { Logger } from "pino";
import type { DeviceModelSpec } from "../config/schema.ts";
import type { Transport } from "../transports/transport.ts";
import type { Device, DeviceKind } from "./device.ts";
import { SCANNER_FACTORIES } from "./scanner/factory.ts";

// biome-ignore lint/suspicious/noExplicitAny: drivers add their own events (scan, tagsChanged, alarm) to Device's
export type AnyDevice = Device<any>;

/** What a factory gets to build one driver. */
export interface DriverContext<Options> {
  /** The config id, e.g. "rfid-pad". */
  id: string;
  /** The config name for people, e.g. "RFID pad". */
  name: string;
  /**
   * The device's transport, already wrapped to reconnect by itself (not yet opened). HID transports
   * for models that need feature reports also implement FeatureReports.
   */
  transport: Transport;
  /** The config's options, checked against the row's schema with its defaults filled in. */
  options: Options;
  logger: Logger;
}

export interface DeviceFactory<S extends TSchema = TSchema> extends DeviceModelSpec {
  options: S;
  /** The driver calls sendFeatureReport/getFeatureReport (USB HID relay boards). */
  featureReports?: boolean;
  create(context: DriverContext<Static<S>>): AnyDevice;
}

/** Writes a row with its options typed by its schema, and returns it for the untyped table. */
export function defineDeviceFactory<S extends TSchema>(factory: DeviceFactory<S>): DeviceFactory {
  return factory as unknown as DeviceFactory;
}

/** Each driver family keeps its rows (options schema, defaults, constructor) next to its driver. */
export const DEVICE_FACTORIES: readonly DeviceFactory[] = [...SCANNER_FACTORIES];

/** The facts the config loader needs, without the constructors. */
export const DEVICE_MODELS: readonly DeviceModelSpec[] = DEVICE_FACTORIES;

export function findFactory(
  kind: DeviceKind,
  model: string,
  factories: readonly DeviceFactory[] = DEVICE_FACTORIES,
): DeviceFactory | undefined {
  return factories.find((f) => f.kind === kind && f.model === model);
}
