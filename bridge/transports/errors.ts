import { CodedError, describeError } from "../../protocols/errors.ts";

/** Stable codes for everything that can go wrong between the bridge and a device. */
export type TransportErrorCode =
  /** Nothing at that path/address/identity. */
  | "DEVICE_NOT_FOUND"
  /** The device exists but could not be opened for another reason. */
  | "DEVICE_OPEN_FAILED"
  /** The OS refused access (EACCES/EPERM). */
  | "DEVICE_PERMISSION"
  /** Another program holds the device (EBUSY, or a serial port lock). */
  | "DEVICE_BUSY"
  /** The device went away while open (unplugged, link dropped, remote closed). */
  | "DEVICE_DISCONNECTED"
  /** write() was called on a transport that is not open. */
  | "DEVICE_NOT_OPEN"
  | "DEVICE_WRITE_FAILED"
  /** node-hid (or its libusb/hidraw library) cannot be loaded on this machine. */
  | "HID_UNAVAILABLE"
  | "HID_FEATURE_REPORT_FAILED"
  | "TCP_CONNECT_FAILED"
  /** close() was called while an open() was still waiting. */
  | "TRANSPORT_CLOSED"
  /** The settings given to a transport factory are not usable. */
  | "TRANSPORT_OPTIONS_INVALID"
  /** A `data` listener threw; the transport stays up, the bug is reported here. */
  | "DATA_LISTENER_FAILED"
  /** An `open`, `close` or status listener threw; the transport carries on, the bug is reported here. */
  | "LISTENER_FAILED";

export class TransportError extends CodedError<TransportErrorCode> {}

export function transportError(
  code: TransportErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): TransportError {
  return cause === undefined
    ? new TransportError(code, message, details)
    : new TransportError(code, message, details, { cause });
}

/** describeError() that survives any thrown value (String() throws on a null-prototype object). */
export function reasonOf(err: unknown): string {
  try {
    return describeError(err);
  } catch {
    return Object.prototype.toString.call(err);
  }
}

/**
 * The errno name of a system error. Node errors carry it in `code`; the serialport bindings only put
 * strerror() text into the message ("Error: Permission denied, cannot open /dev/ttyUSB0"), so that is
 * recognised as well.
 */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return code;
  }
  const text = reasonOf(err);
  for (const [errno, strerror] of STRERROR) if (text.includes(strerror)) return errno;
  return undefined;
}

/** glibc strerror() texts of the errnos we react to. */
const STRERROR: ReadonlyArray<readonly [string, string]> = [
  ["ENOENT", "No such file or directory"],
  ["EACCES", "Permission denied"],
  ["EPERM", "Operation not permitted"],
  ["EBUSY", "Device or resource busy"],
  ["EAGAIN", "Resource temporarily unavailable"],
  ["ENODEV", "No such device"],
  ["ENXIO", "No such device or address"],
  ["EIO", "Input/output error"],
  ["ENOTTY", "Inappropriate ioctl for device"],
];

/** Errnos meaning "the device is gone", as seen on reads and writes of an unplugged device. */
export const GONE_ERRNOS: ReadonlySet<string> = new Set([
  "ENODEV",
  "ENXIO",
  "EIO",
  "EBADF",
  "EPIPE",
  "ECONNRESET",
  "ESHUTDOWN",
]);

export interface OpenErrorContext {
  /** Human description of the device, e.g. "serial /dev/ttyUSB0 @19200 8N1". */
  device: string;
  /** Unix group that grants access to this kind of device ("dialout" for serial, "lp" for printers). */
  permissionGroup?: string;
  /** Extra hint appended when the device is not found. */
  notFoundHint?: string;
}

/** Turns an OS error from opening a device into a TransportError whose message says what to do. */
export function openError(err: unknown, context: OpenErrorContext): TransportError {
  if (err instanceof TransportError) return err;
  const errno = errnoOf(err);
  const reason = reasonOf(err);
  const details = { device: context.device, errno, reason };
  switch (errno) {
    case "ENOENT":
    case "ENODEV":
    case "ENXIO":
      return transportError(
        "DEVICE_NOT_FOUND",
        `${context.device}: device not found (${reason}). Check that it is plugged in and switched on` +
          (context.notFoundHint ? `; ${context.notFoundHint}` : "") +
          ".",
        details,
        err,
      );
    case "EACCES":
    case "EPERM": {
      const group = context.permissionGroup;
      const fix = group
        ? `add the bridge's user to the '${group}' group (sudo usermod -aG ${group} <user>) and log in again`
        : "give the bridge's user access to the device (a udev rule setting GROUP and MODE)";
      return transportError(
        "DEVICE_PERMISSION",
        `${context.device}: permission denied (${reason}). To fix it, ${fix}.`,
        details,
        err,
      );
    }
    case "EBUSY":
    case "EAGAIN":
      return transportError(
        "DEVICE_BUSY",
        `${context.device}: in use by another program (${reason}). Stop the other program ` +
          "(another bridge instance, ModemManager, a terminal program) and try again.",
        details,
        err,
      );
    default:
      return transportError(
        "DEVICE_OPEN_FAILED",
        `${context.device}: could not open (${reason}). Check the device settings and cabling.`,
        details,
        err,
      );
  }
}

/** The error for a device that went away while open. */
export function disconnectedError(device: string, what: string, cause?: unknown): TransportError {
  const reason = cause === undefined ? "" : ` (${reasonOf(cause)})`;
  return transportError(
    "DEVICE_DISCONNECTED",
    `${device}: ${what}${reason}. Check the cable and power; the bridge reconnects when it is back.`,
    { device, errno: cause === undefined ? undefined : errnoOf(cause) },
    cause,
  );
}

/** The error for a failed write; a write to a device that is gone is reported as a disconnect. */
export function writeError(device: string, cause: unknown): TransportError {
  if (cause instanceof TransportError) return cause;
  const errno = errnoOf(cause);
  if (errno !== undefined && GONE_ERRNOS.has(errno)) return disconnectedError(device, "write failed", cause);
  return transportError(
    "DEVICE_WRITE_FAILED",
    `${device}: write failed (${reasonOf(cause)}). Check that the device is ready.`,
    { device, errno },
    cause,
  );
}

/** getFeatureReport arguments, checked the same way by every HID transport. */
export function checkFeatureReportRequest(device: string, reportId: number, length: number): void {
  if (!Number.isInteger(reportId) || reportId < 0 || reportId > 255 || !Number.isInteger(length) || length < 1) {
    throw transportError(
      "HID_FEATURE_REPORT_FAILED",
      `${device}: getFeatureReport needs a report id 0-255 and a length ≥ 1 (got ${reportId}, ${length}).`,
      { device, reportId, length },
    );
  }
}
