/**
 * Serial ports (RS-232, USB-serial adapters, CDC-ACM devices) through the `serialport` package.
 */
import { stat } from "node:fs/promises";
import { SerialPort } from "serialport";
import { disconnectedError, errnoOf, GONE_ERRNOS, openError, transportError } from "./errors.ts";
import { ownedCopy, TransportBase } from "./transport.ts";

export type Parity = "none" | "even" | "odd" | "mark" | "space";
export type FlowControl = "none" | "rtscts" | "xonxoff";

export interface SerialSettings {
  /** Device path: /dev/ttyUSB0, /dev/serial/by-id/…, COM3. */
  path: string;
  baudRate: number;
  /** Default 8. */
  dataBits?: 5 | 6 | 7 | 8;
  /** Default "none". */
  parity?: Parity;
  /** Default 1. */
  stopBits?: 1 | 1.5 | 2;
  /** Default "none". */
  flowControl?: FlowControl;
  /** Take an exclusive lock so a second program cannot open the port. Default true. */
  lock?: boolean;
  /**
   * How often to check that the device is still there, in ms; 0 turns the check off. Default 1000.
   * serialport does not always notice an unplug on Linux (node-serialport issues #2043, #1465): the
   * read side can stay silent while poll() reports hangup. The check notices the device node going
   * away, or a hung-up tty answering the modem-status ioctl with EIO.
   */
  presenceCheckMs?: number;
}

/** The subset of serialport's SerialPort this transport uses; tests may pass another implementation. */
export type SerialPortClass = typeof SerialPort;

const PARITY_LETTER: Record<Parity, string> = { none: "N", even: "E", odd: "O", mark: "M", space: "S" };

/** "serial /dev/ttyUSB0 @19200 8N1", plus the flow control when there is one. */
export function describeSerial(settings: SerialSettings): string {
  const flow = settings.flowControl && settings.flowControl !== "none" ? ` ${settings.flowControl}` : "";
  const frame = `${settings.dataBits ?? 8}${PARITY_LETTER[settings.parity ?? "none"] ?? "?"}${settings.stopBits ?? 1}`;
  return `serial ${settings.path} @${settings.baudRate} ${frame}${flow}`;
}

export class SerialTransport extends TransportBase {
  readonly description: string;
  readonly settings: Readonly<SerialSettings>;
  readonly #SerialPort: SerialPortClass;
  #port: SerialPort | undefined;
  #presenceTimer: NodeJS.Timeout | undefined;

  constructor(settings: SerialSettings, SerialPortImpl: SerialPortClass = SerialPort) {
    super();
    validateSerial(settings);
    this.settings = { ...settings };
    this.description = describeSerial(settings);
    this.#SerialPort = SerialPortImpl;
  }

  protected async openDevice(): Promise<void> {
    const s = this.settings;
    const port = new this.#SerialPort({
      path: s.path,
      baudRate: s.baudRate,
      dataBits: s.dataBits ?? 8,
      parity: s.parity ?? "none",
      stopBits: s.stopBits ?? 1,
      rtscts: s.flowControl === "rtscts",
      xon: s.flowControl === "xonxoff",
      xoff: s.flowControl === "xonxoff",
      lock: s.lock ?? true,
      autoOpen: false,
    });
    // serialport emits `error` for failures outside a call; without a listener that would crash us.
    port.on("error", (err) => this.#gone(port, "I/O error", err));
    await new Promise<void>((resolve, reject) => {
      port.open((err) => (err ? reject(err) : resolve()));
    }).catch((err: unknown) => {
      port.removeAllListeners();
      port.on("error", () => undefined);
      throw openError(err, {
        device: this.description,
        permissionGroup: "dialout",
        notFoundHint: "list the ports with `selfcheck devices`",
      });
    });
    port.on("data", (chunk: Buffer) => this.received(chunk));
    // A read error closes the port with a DisconnectedError; a hung-up tty reads as end-of-file.
    port.on("close", (err: unknown) => this.#gone(port, "the port closed", err ?? undefined));
    port.on("end", () => this.#gone(port, "the device hung up"));
    this.#port = port;
    const every = s.presenceCheckMs ?? 1000;
    if (every > 0) this.#presenceTimer = setInterval(() => void this.#checkPresence(port), every).unref();
  }

  async #checkPresence(port: SerialPort): Promise<void> {
    const missing = await stat(this.settings.path).then(
      () => undefined,
      (err: unknown) => err,
    );
    if (missing !== undefined) {
      const errno = errnoOf(missing);
      if (errno === "ENOENT" || errno === "ENODEV") this.#gone(port, "the device node disappeared", missing);
      return;
    }
    if (port !== this.#port || !port.isOpen) return;
    port.get((err) => {
      const errno = err ? errnoOf(err) : undefined;
      if (errno !== undefined && GONE_ERRNOS.has(errno)) this.#gone(port, "the device stopped answering", err);
    });
  }

  protected async closeDevice(): Promise<void> {
    clearInterval(this.#presenceTimer);
    const port = this.#port;
    this.#port = undefined;
    if (!port) return;
    port.removeAllListeners();
    port.on("error", () => undefined);
    if (!port.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  protected async writeDevice(bytes: Uint8Array): Promise<void> {
    const port = this.#port;
    if (!port) throw disconnectedError(this.description, "the port is gone");
    await new Promise<void>((resolve, reject) => {
      port.write(ownedCopy(bytes), (err) => (err ? reject(err) : resolve()));
    });
  }

  /** The device went away: release the handle (if still held) and report the loss once. */
  #gone(port: SerialPort, what: string, cause?: unknown): void {
    if (port !== this.#port) return;
    this.#port = undefined;
    clearInterval(this.#presenceTimer);
    port.removeAllListeners();
    port.on("error", () => undefined);
    if (port.isOpen) port.close(() => undefined);
    const errno = cause === undefined ? undefined : errnoOf(cause);
    this.lost(disconnectedError(this.description, errno ? `${what} (${errno})` : what, cause));
  }
}

export function createSerialTransport(settings: SerialSettings, SerialPortImpl?: SerialPortClass): SerialTransport {
  return new SerialTransport(settings, SerialPortImpl);
}

const DATA_BITS = new Set([5, 6, 7, 8]);
const STOP_BITS = new Set([1, 1.5, 2]);

function validateSerial(s: SerialSettings): void {
  const problems: string[] = [];
  if (typeof s.path !== "string" || s.path.length === 0) problems.push("path must be a device path");
  if (!Number.isInteger(s.baudRate) || s.baudRate <= 0) problems.push(`baudRate must be a positive whole number`);
  if (s.dataBits !== undefined && !DATA_BITS.has(s.dataBits)) problems.push("dataBits must be 5, 6, 7 or 8");
  if (s.parity !== undefined && !(s.parity in PARITY_LETTER)) problems.push("parity must be none/even/odd/mark/space");
  if (s.stopBits !== undefined && !STOP_BITS.has(s.stopBits)) problems.push("stopBits must be 1, 1.5 or 2");
  if (s.flowControl !== undefined && !["none", "rtscts", "xonxoff"].includes(s.flowControl)) {
    problems.push("flowControl must be none, rtscts or xonxoff");
  }
  if (s.presenceCheckMs !== undefined && !(s.presenceCheckMs >= 0 && s.presenceCheckMs < 2 ** 31)) {
    problems.push("presenceCheckMs must be ≥ 0");
  }
  if (problems.length > 0) {
    throw transportError(
      "TRANSPORT_OPTIONS_INVALID",
      `serial ${String(s.path)}: ${problems.join("; ")}. Fix the device settings in the configuration.`,
      { path: s.path, problems },
    );
  }
}
