/**
 * The scanner rows for the device factories table (bridge/devices/factories.ts): per model its
 * transports, serial line defaults, the schema of its config `options` and how to build the driver.
 * The schemas (options.ts) hold every option's default and limits; createBarcodeScanner() reads them
 * from there, so a driver built by hand accepts exactly what a config file may say.
 */
import type { DeviceFactory, DriverContext } from "../driver-factory.ts";
import { createBarcodeScanner, type ScannerConfig } from "./index.ts";
import { HidKeyboardOptionsSchema, HidPosOptionsSchema, SerialLineOptionsSchema } from "./options.ts";
import type { ScannerModel } from "./scanner.ts";

function build<M extends ScannerModel>(model: M) {
  return (context: DriverContext<Record<string, unknown>>) =>
    createBarcodeScanner({ ...context.options, id: context.id, model } as ScannerConfig, {
      transport: context.transport,
      logger: context.logger,
      clock: context.clock,
    });
}

/** Rows for DEVICE_FACTORIES. */
export const SCANNER_FACTORIES: readonly DeviceFactory[] = [
  {
    kind: "scanner",
    model: "serial-line",
    summary: "Serial barcode scanner (RS-232 or USB serial), one code per line",
    // A serial scanner may also sit behind a TCP serial server.
    transports: ["serial", "tcp"],
    // Most serial scanners ship at 9600 8N1 (e.g. Unitech); Honeywell's RS-232 code sets 115200.
    serial: { baudRate: 9600, dataBits: 8, parity: "none", stopBits: 1 },
    options: SerialLineOptionsSchema,
    create: build("serial-line"),
  },
  {
    kind: "scanner",
    model: "hid-pos",
    summary: "USB HID POS barcode scanner (usage page 0x8C)",
    transports: ["hid"],
    options: HidPosOptionsSchema,
    create: build("hid-pos"),
  },
  {
    kind: "scanner",
    model: "hid-keyboard",
    summary: "USB keyboard-wedge barcode scanner, read as a HID device so keystrokes stay out of other windows",
    transports: ["hid"],
    options: HidKeyboardOptionsSchema,
    create: build("hid-keyboard"),
  },
];
