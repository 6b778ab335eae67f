/**
 * The shape of one row of the device table (bridge/devices/factories.ts): what a factory is given and
 * what it builds. Kept apart from the table so that families keeping their rows next to their driver
 * (scanner/factory.ts) do not import the table that imports them.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import type { Logger } from "pino";
import type { DeviceModelSpec } from "../config/schema.ts";
import type { Clock } from "../transports/clock.ts";
import type { Transport } from "../transports/transport.ts";
import type { Device } from "./device.ts";

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
  /** Bound to the device id already (`device` key): drivers add only their own keys. */
  logger: Logger;
  /** Times everything the driver waits for. */
  clock: Clock;
}

export interface DeviceFactory<S extends TSchema = TSchema> extends DeviceModelSpec {
  options: S;
  /** The driver calls sendFeatureReport/getFeatureReport (USB HID relay boards). */
  featureReports?: boolean;
  create(context: DriverContext<Static<S>>): AnyDevice;
}
