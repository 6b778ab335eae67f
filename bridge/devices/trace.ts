/**
 * The byte-level trace of one device: every frame read or written, with its direction, time and hex,
 * through the device's logger. It is the first thing anyone debugging real hardware asks for (as in
 * zwave-js's serial log). Switched on per device by `"trace": true` in the config or `--trace ID`.
 *
 * A scanner's bytes are the codes it read, and a code may be a patron card: they are logged as their
 * length only, unless the config says `"trace": "unredacted"` (for a technician on a test kiosk).
 */
import type { Logger } from "pino";
import type { Clock } from "../transports/clock.ts";
import type { FrameListener } from "../transports/reconnecting.ts";
import type { DeviceKind } from "./device.ts";

export type TraceSetting = boolean | "unredacted";

/** Kinds whose incoming bytes may carry patron identity. */
const REDACTED_KINDS: ReadonlySet<DeviceKind> = new Set(["scanner"]);

/** The frame listener for a device's transport, or undefined when the device is not traced. */
export function frameTracer(
  log: Logger,
  clock: Clock,
  kind: DeviceKind,
  setting: TraceSetting | undefined,
): FrameListener | undefined {
  if (!setting) return undefined;
  const redact = setting !== "unredacted" && REDACTED_KINDS.has(kind);
  return (direction, bytes) => {
    const at = new Date(clock.now()).toISOString();
    const data = redact ? { redacted: true } : { hex: Buffer.from(bytes).toString("hex") };
    log.info({ trace: direction, at, length: bytes.length, ...data }, "frame");
  };
}
