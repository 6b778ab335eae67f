/**
 * What every device driver is to the rest of the bridge. A driver owns one (usually reconnecting)
 * transport, speaks its device's protocol through the codecs in protocols/, and reports health. The
 * registry starts and stops drivers and shows their health; staff run `selfTest()` from the console.
 *
 * Drivers never throw from events and never crash the process on bad bytes: a malformed frame or an
 * unplug becomes a health change with a typed error (CodedError) saying which device and what to do.
 */
import type { EventEmitter } from "node:events";
import type { CodedError } from "../../protocols/errors.ts";
import type { DeviceKind } from "../config/schema.ts";

export { DEVICE_KINDS, type DeviceKind } from "../config/schema.ts";

/**
 * ok: working; unverified: the connection is up but the device cannot prove it is there (a serial-line
 * scanner only speaks when it scans: it turns ok at its first scan); degraded: reachable but not fully
 * (paper near end, a tag write failed, retries); disconnected: gone.
 */
export type HealthState = "ok" | "unverified" | "degraded" | "disconnected";

export interface DeviceErrorInfo {
  code: string;
  message: string;
  /** ISO 8601 time it happened. */
  at: string;
}

export interface DeviceHealth {
  state: HealthState;
  /** ISO 8601 time the state last changed. */
  since: string;
  /** The most recent problem, kept after recovery so staff can see what happened. */
  lastError?: DeviceErrorInfo;
  /** Kind-specific facts for the diagnostics screen (firmware version, paper state, tags on the pad…). */
  detail?: Record<string, unknown>;
}

export interface DeviceTestResult {
  ok: boolean;
  /** One line for the staff console: "Read 3 tags", "Printed a test page", "Relay 1 clicked for 200 ms". */
  summary: string;
  details?: unknown;
  error?: { code: string; message: string };
}

export type DeviceEvents = {
  health: [health: DeviceHealth];
};

// biome-ignore lint/suspicious/noExplicitAny: mirrors node:events' own EventMap constraint
export interface Device<Events extends DeviceEvents & Record<keyof Events, any[]> = DeviceEvents>
  extends EventEmitter<Events> {
  /** The id from the config, e.g. "rfid-pad". */
  readonly id: string;
  readonly kind: DeviceKind;
  /** Driver model, e.g. "3m810", "cpr-m02", "serial-line", "hid-pos", "escpos", "usb-hid-relay". */
  readonly model: string;
  /** Where it is, for people: the transport's description. */
  readonly description: string;
  health(): DeviceHealth;
  /**
   * Starts talking to the device. Resolves once the first attempt has been made; a missing device is
   * not an error here but a `disconnected` health, and the driver keeps retrying.
   */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The staff test for this kind of device. Never throws: failures come back as ok = false with the error. */
  selfTest(options?: { timeoutMs?: number }): Promise<DeviceTestResult>;
}

/** Turn a typed error into what health and test results carry. */
export function errorInfo(error: CodedError | Error, at: Date = new Date()): DeviceErrorInfo {
  const code = "code" in error && typeof error.code === "string" ? error.code : "DEVICE_ERROR";
  return { code, message: error.message, at: at.toISOString() };
}
