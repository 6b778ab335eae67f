/**
 * A USB printer-class device file (Linux usblp: /dev/usb/lp0), for ESC/POS receipt printers.
 *
 * usblp allows one open at a time (EBUSY otherwise) and, opened O_NONBLOCK, answers reads with
 * EAGAIN until the printer has sent something and writes with EAGAIN while a previous write is still
 * in flight; ENODEV once unplugged (per drivers/usb/class/usblp.c: usblp_rtest/usblp_wtest). Node can
 * not poll() a character device, so reads are polled on a short interval; status replies (DLE EOT)
 * are a byte or two, so this costs little.
 */
import { constants as fsConstants } from "node:fs";
import { open as openFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { disconnectedError, errnoOf, GONE_ERRNOS, openError, transportError } from "./errors.ts";
import { ownedCopy, TransportBase } from "./transport.ts";

/** The part of fs/promises' FileHandle this transport uses (tests may pass a fake). */
export interface DeviceFileHandle {
  read(buffer: Uint8Array, offset: number, length: number, position: null): Promise<{ bytesRead: number }>;
  write(buffer: Uint8Array, offset: number, length: number, position: null): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
}

export type DeviceFileOpener = (path: string, flags: number) => Promise<DeviceFileHandle>;

export interface UsbPrinterSettings {
  /** Default /dev/usb/lp0. */
  path?: string;
  /** How often to look for bytes from the printer. Default 25 ms. */
  pollIntervalMs?: number;
  /** Give up a write the printer does not take within this time (offline, paper out). Default 10 s. */
  writeTimeoutMs?: number;
  /** Opens the device file; default fs/promises open. */
  openFile?: DeviceFileOpener;
}

const READ_BUFFER_SIZE = 512;
const RETRY_ERRNOS: ReadonlySet<string> = new Set(["EAGAIN", "EWOULDBLOCK", "EINTR"]);

export class UsbPrinterTransport extends TransportBase {
  readonly description: string;
  readonly path: string;
  readonly #pollIntervalMs: number;
  readonly #writeTimeoutMs: number;
  readonly #openFile: DeviceFileOpener;
  #file: DeviceFileHandle | undefined;
  /** Bumped on every open and close so a stale read loop stops. */
  #generation = 0;
  #readLoop: Promise<void> | undefined;

  constructor(settings: UsbPrinterSettings = {}) {
    super();
    this.path = settings.path ?? "/dev/usb/lp0";
    this.#pollIntervalMs = settings.pollIntervalMs ?? 25;
    this.#writeTimeoutMs = settings.writeTimeoutMs ?? 10_000;
    this.#openFile = settings.openFile ?? ((path, flags) => openFile(path, flags));
    this.description = `usb printer ${this.path}`;
    if (!(this.#pollIntervalMs > 0) || !(this.#writeTimeoutMs > 0) || this.path.length === 0) {
      throw transportError(
        "TRANSPORT_OPTIONS_INVALID",
        `${this.description}: path must be set and pollIntervalMs and writeTimeoutMs must be > 0. Fix the printer settings in the configuration.`,
        { path: this.path, pollIntervalMs: this.#pollIntervalMs, writeTimeoutMs: this.#writeTimeoutMs },
      );
    }
  }

  protected async openDevice(): Promise<void> {
    const flags = fsConstants.O_RDWR | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY;
    try {
      this.#file = await this.#openFile(this.path, flags);
    } catch (err) {
      throw openError(err, {
        device: this.description,
        permissionGroup: "lp",
        notFoundHint: "a USB printer appears as /dev/usb/lp0 when the usblp kernel module is loaded",
      });
    }
    const generation = ++this.#generation;
    // Starts after open() has resolved and the state is "open".
    setImmediate(() => {
      this.#readLoop = this.#poll(generation);
    });
  }

  protected async closeDevice(): Promise<void> {
    this.#generation++;
    const file = this.#file;
    this.#file = undefined;
    await this.#readLoop;
    await file?.close();
  }

  protected async writeDevice(bytes: Uint8Array): Promise<void> {
    const data = ownedCopy(bytes);
    const deadline = Date.now() + this.#writeTimeoutMs;
    let offset = 0;
    while (offset < data.length) {
      const file = this.#file;
      if (!file) throw disconnectedError(this.description, "the printer is gone");
      try {
        const { bytesWritten } = await file.write(data, offset, data.length - offset, null);
        offset += bytesWritten;
        if (bytesWritten > 0) continue;
      } catch (err) {
        const errno = errnoOf(err);
        if (errno === "ENOSPC") {
          // usblp's answer when the printer reports paper out (LP_ABORT mode).
          throw transportError(
            "DEVICE_WRITE_FAILED",
            `${this.description}: the printer reports it is out of paper. Load paper and try again.`,
            { device: this.description, errno },
            err,
          );
        }
        if (errno !== undefined && GONE_ERRNOS.has(errno)) {
          const error = disconnectedError(this.description, "write failed", err);
          this.#drop(file, error);
          throw error;
        }
        if (errno === undefined || !RETRY_ERRNOS.has(errno)) throw err;
      }
      if (Date.now() >= deadline) {
        throw transportError(
          "DEVICE_WRITE_FAILED",
          `${this.description}: the printer took ${offset} of ${data.length} bytes and then nothing for ` +
            `${this.#writeTimeoutMs} ms. Check that it is online, has paper and its cover is closed.`,
          { device: this.description, written: offset, total: data.length },
        );
      }
      await sleep(this.#pollIntervalMs);
    }
  }

  async #poll(generation: number): Promise<void> {
    const buffer = new Uint8Array(READ_BUFFER_SIZE);
    while (generation === this.#generation) {
      const file = this.#file;
      if (!file) return;
      try {
        const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
        if (generation !== this.#generation) return;
        if (bytesRead > 0) {
          this.received(buffer.slice(0, bytesRead));
          continue;
        }
      } catch (err) {
        if (generation !== this.#generation) return;
        const errno = errnoOf(err);
        if (errno === undefined || !RETRY_ERRNOS.has(errno)) {
          this.#drop(file, disconnectedError(this.description, "read failed", err));
          return;
        }
      }
      await sleep(this.#pollIntervalMs);
    }
  }

  /** The device went away: stop polling, release the file and report the loss once. */
  #drop(file: DeviceFileHandle, error: ReturnType<typeof disconnectedError>): void {
    if (file !== this.#file) return;
    this.#generation++;
    this.#file = undefined;
    file.close().catch(() => undefined);
    this.lost(error);
  }
}

export function createUsbPrinterTransport(settings?: UsbPrinterSettings): UsbPrinterTransport {
  return new UsbPrinterTransport(settings);
}
