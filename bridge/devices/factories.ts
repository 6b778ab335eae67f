/**
 * Every device model the bridge can drive, as one table keyed by kind + model: which transports it
 * can use, its line settings, the schema of its `options` in the config file, and how to build its
 * driver from a transport. The config loader checks files against these rows; the registry builds
 * drivers with them. Adding a model is adding a row.
 */
import type { TSchema } from "@sinclair/typebox";
import { SERIAL_RELAY } from "../../protocols/relay/serial-relay.ts";
import { M810_SERIAL } from "../../protocols/rfid/readers/3m810.ts";
import { CPR_SERIAL } from "../../protocols/rfid/readers/cpr-m02.ts";
import type { DeviceModelSpec } from "../config/schema.ts";
import { createLogger } from "../log/logger.ts";
import { systemClock } from "../transports/clock.ts";
import { createMemoryHidPair } from "../transports/memory.ts";
import type { DeviceKind } from "./device.ts";
import type { DeviceFactory } from "./driver-factory.ts";
import { checkDriverOptions } from "./options.ts";
import { RECEIPT_PRINTER_OPTIONS } from "./printer/options.ts";
import { createReceiptPrinter, type ReceiptPrinterOptions } from "./printer/receipt-printer.ts";
import { SERIAL_RELAY_OPTIONS, USB_HID_RELAY_OPTIONS } from "./relay/options.ts";
import { createSecurityRelay, type RelayModel, type SecurityRelayOptions } from "./relay/security-relay.ts";
import { CPR_OPTIONS, M810_OPTIONS } from "./rfid/options.ts";
import { createRfidPad } from "./rfid/pad.ts";
import { SCANNER_FACTORIES } from "./scanner/factory.ts";

export type { AnyDevice, DeviceFactory, DriverContext } from "./driver-factory.ts";

/** Writes a row with its options typed by its schema, and returns it for the untyped table. */
export function defineDeviceFactory<S extends TSchema>(factory: DeviceFactory<S>): DeviceFactory {
  return factory as unknown as DeviceFactory;
}

// ---- RFID pads: options, defaults and limits in rfid/options.ts, read by the driver too.

const RFID_FACTORIES: readonly DeviceFactory[] = [
  defineDeviceFactory({
    kind: "rfid",
    model: "3m810",
    summary: "3M 810 library RFID pad (19200 8N1)",
    // tcp: the same frames through a serial device server.
    transports: ["serial", "tcp"],
    serial: M810_SERIAL,
    options: M810_OPTIONS,
    create: ({ id, transport, options, logger, clock }) =>
      createRfidPad({ id, model: "3m810", transport, logger, clock, ...options }),
  }),
  defineDeviceFactory({
    kind: "rfid",
    model: "cpr-m02",
    summary: "FEIG CPR-M02 / ID CPR.M02 RFID reader (38400 8E1)",
    transports: ["serial", "tcp"],
    serial: CPR_SERIAL,
    options: CPR_OPTIONS,
    create: ({ id, transport, options, logger, clock }) =>
      createRfidPad({ id, model: "cpr-m02", transport, logger, clock, ...options }),
  }),
];

// ---- receipt printers: options, defaults and limits in printer/options.ts, read by the driver too.

const PRINTER_FACTORIES: readonly DeviceFactory[] = [
  defineDeviceFactory({
    kind: "printer",
    model: "escpos",
    summary: "ESC/POS receipt printer (58 or 80 mm) on a serial line, USB (/dev/usb/lp*) or TCP port 9100",
    transports: ["tcp", "usb-printer", "serial"],
    // No serial default: printers ship at 9600 to 115200 depending on make and DIP switches.
    tcpPort: 9100,
    options: RECEIPT_PRINTER_OPTIONS,
    create: ({ id, transport, options, logger, clock }) =>
      createReceiptPrinter({ id, transport, logger, clock }, options as ReceiptPrinterOptions),
  }),
];

// ---- security relays: options, defaults and limits in relay/options.ts, read by the driver too.

function relayRow(model: RelayModel, summary: string, row: Pick<DeviceFactory, "transports" | "options" | "serial">) {
  return defineDeviceFactory({
    kind: "relay",
    model,
    summary,
    ...row,
    featureReports: model === "usb-hid-relay",
    create: ({ id, transport, options, logger, clock }) =>
      createSecurityRelay({ id, transport, logger, clock }, { model, ...(options as object) } as SecurityRelayOptions),
  });
}

const RELAY_FACTORIES: readonly DeviceFactory[] = [
  relayRow("usb-hid-relay", 'USB HID relay board (16c0:05df, "USBRelay2"…), switched by feature reports', {
    transports: ["hid"],
    options: USB_HID_RELAY_OPTIONS,
  }),
  relayRow("serial-relay", "LC Technology serial relay module (A0 frames, 9600 8N1)", {
    transports: ["serial", "tcp"],
    serial: { baudRate: SERIAL_RELAY.baudRate },
    options: SERIAL_RELAY_OPTIONS,
  }),
];

/**
 * The row, with checkOptions for the config loader: it builds the driver once on a transport that is
 * never opened and reports what the driver refuses (its *_BAD_OPTIONS errors name the option).
 */
function withDriverCheck(row: DeviceFactory): DeviceFactory {
  return {
    ...row,
    checkOptions: (options) =>
      checkDriverOptions(() => {
        const [unopened] = createMemoryHidPair({ names: [row.model, "nothing"] });
        const logger = createLogger({ level: "silent" });
        row.create({ id: "config-check", name: row.model, transport: unopened, options, logger, clock: systemClock });
      }, /_BAD_OPTIONS$/),
  };
}

/** The table. Families that keep their rows next to their driver export them (scanner/factory.ts). */
export const DEVICE_FACTORIES: readonly DeviceFactory[] = [
  ...SCANNER_FACTORIES,
  ...RFID_FACTORIES,
  ...PRINTER_FACTORIES,
  ...RELAY_FACTORIES,
].map(withDriverCheck);

/** The facts the config loader needs, without the constructors. */
export const DEVICE_MODELS: readonly DeviceModelSpec[] = DEVICE_FACTORIES;

export function findFactory(
  kind: DeviceKind,
  model: string,
  factories: readonly DeviceFactory[] = DEVICE_FACTORIES,
): DeviceFactory | undefined {
  return factories.find((f) => f.kind === kind && f.model === model);
}
