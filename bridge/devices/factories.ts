/**
 * Every device model the bridge can drive, as one table keyed by kind + model: which transports it
 * can use, its line settings, the schema of its `options` in the config file, and how to build its
 * driver from a transport. The config loader checks files against these rows; the registry builds
 * drivers with them. Adding a model is adding a row.
 */
import { type TSchema, Type } from "@sinclair/typebox";
import { SERIAL_RELAY } from "../../protocols/relay/serial-relay.ts";
import { M810_SERIAL } from "../../protocols/rfid/readers/3m810.ts";
import { CPR_SERIAL } from "../../protocols/rfid/readers/cpr-m02.ts";
import { SECURITY_MODES } from "../../protocols/rfid/security.ts";
import { closedObject as closed, type DeviceModelSpec, oneOf } from "../config/schema.ts";
import type { DeviceKind } from "./device.ts";
import type { DeviceFactory } from "./driver-factory.ts";
import { createReceiptPrinter, type ReceiptPrinterOptions } from "./printer/receipt-printer.ts";
import { createSecurityRelay, type RelayModel, type SecurityRelayOptions } from "./relay/security-relay.ts";
import { createRfidPad } from "./rfid/pad.ts";
import { SCANNER_FACTORIES } from "./scanner/factory.ts";

export type { AnyDevice, DeviceFactory, DriverContext } from "./driver-factory.ts";

/** Writes a row with its options typed by its schema, and returns it for the untyped table. */
export function defineDeviceFactory<S extends TSchema>(factory: DeviceFactory<S>): DeviceFactory {
  return factory as unknown as DeviceFactory;
}

// ---- RFID pads. Option defaults stay in the driver (bridge/devices/rfid/pad.ts); these check names and ranges.

const milliseconds = (minimum = 1) => Type.Optional(Type.Integer({ minimum, maximum: 600_000 }));
const byte = Type.Integer({ minimum: 0, maximum: 255, acceptHex: true });
const afi = Type.Optional(byte);

const rfidOptions = {
  /** How items are secured: AFI values (default 0x07 secured / 0xC2 checked out) and/or the EAS bit. */
  security: Type.Optional(closed({ mode: Type.Optional(oneOf(SECURITY_MODES)), securedAfi: afi, unsecuredAfi: afi })),
  /** Extra attempts per tag after a failed read or write (default 3). */
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
  commandTimeoutMs: milliseconds(),
  writeTimeoutMs: milliseconds(),
  setupRetryMs: milliseconds(),
  /** Inventory rounds a tag may be missing before it counts as removed. */
  missThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  presenceRounds: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  /** Poll the pad continuously at this interval and emit tagsChanged. */
  pollIntervalMs: milliseconds(10),
};

const RFID_FACTORIES: readonly DeviceFactory[] = [
  defineDeviceFactory({
    kind: "rfid",
    model: "3m810",
    summary: "3M 810 library RFID pad (19200 8N1)",
    // tcp: the same frames through a serial device server.
    transports: ["serial", "tcp"],
    serial: M810_SERIAL,
    options: closed({
      ...rfidOptions,
      /** Blocks holding item data: the 3M protocol cannot ask the tag (default 8). */
      blockCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
    }),
    create: ({ id, transport, options, logger }) =>
      createRfidPad({ id, model: "3m810", transport, logger, ...options }),
  }),
  defineDeviceFactory({
    kind: "rfid",
    model: "cpr-m02",
    summary: "FEIG CPR-M02 / ID CPR.M02 RFID reader (38400 8E1)",
    transports: ["serial", "tcp"],
    serial: CPR_SERIAL,
    options: closed({
      ...rfidOptions,
      /** Most tags one inventory lists, for firmware other than the standard one (whose limit, 4, is the default). */
      maxInventoryTags: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
    }),
    create: ({ id, transport, options, logger }) =>
      createRfidPad({ id, model: "cpr-m02", transport, logger, ...options }),
  }),
];

// ---- receipt printers. Layout options are resolved (and refused with PRINTER_* codes) by the driver.

const text = Type.Optional(Type.String());
const receiptOptions = closed({
  /** A receipt-printer-encoder printer model, e.g. "epson-tm-t88vi" or "pos-5890". */
  printerModel: Type.Optional(Type.String({ minLength: 1 })),
  paperWidth: Type.Optional(Type.Union([Type.Literal(58), Type.Literal(80)])),
  columns: Type.Optional(Type.Union([32, 35, 42, 44, 48].map((n) => Type.Literal(n)))),
  codepageMapping: Type.Optional(Type.String({ minLength: 1 })),
  locale: Type.Optional(Type.String({ minLength: 2 })),
  timeZone: Type.Optional(Type.String({ minLength: 1 })),
  labels: Type.Optional(
    closed({
      title: Type.Optional(closed({ checkout: text, checkin: text, renew: text, fees: text })),
      patron: text,
      due: text,
      newDue: text,
      returned: text,
      item: text,
      failed: text,
      items: text,
      transaction: text,
      testPage: text,
    }),
  ),
  /** Default: no patron name, patron id masked to its last 4 characters. */
  privacy: Type.Optional(
    closed({
      showPatronName: Type.Optional(Type.Boolean()),
      patronId: Type.Optional(oneOf(["masked", "full", "hidden"])),
      visibleCharacters: Type.Optional(Type.Integer({ minimum: 0, maximum: 64 })),
      maskCharacter: Type.Optional(Type.String({ minLength: 1, maxLength: 2 })),
    }),
  ),
  transactionCode: Type.Optional(oneOf(["barcode", "qr", "both", "none"])),
  qrTemplate: Type.Optional(Type.String({ minLength: 1 })),
  showItemIds: Type.Optional(Type.Boolean()),
  maxTitleLines: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
  /** A PNG file printed at the top of each receipt. */
  logo: Type.Optional(closed({ path: Type.String({ minLength: 1 }) })),
  logoWidth: Type.Optional(Type.Integer({ minimum: 8, maximum: 2048 })),
  statusTimeoutMs: milliseconds(),
  /** How often to ask for paper and cover state while idle; 0 turns polling off. */
  pollIntervalMs: milliseconds(0),
  writeChunkSize: Type.Optional(Type.Integer({ minimum: 16, maximum: 1 << 20 })),
});

const PRINTER_FACTORIES: readonly DeviceFactory[] = [
  defineDeviceFactory({
    kind: "printer",
    model: "escpos",
    summary: "ESC/POS receipt printer (58 or 80 mm) on a serial line, USB (/dev/usb/lp*) or TCP port 9100",
    transports: ["tcp", "usb-printer", "serial"],
    // No serial default: printers ship at 9600 to 115200 depending on make and DIP switches.
    tcpPort: 9100,
    options: receiptOptions,
    create: ({ id, transport, options, logger, clock }) =>
      createReceiptPrinter({ id, transport, logger, clock }, options as ReceiptPrinterOptions),
  }),
];

// ---- security relays (gate desensitize/resensitize). Defaults stay in the driver.

const relayNumber = Type.Optional(Type.Integer({ minimum: 1, maximum: 8 }));
const relayCommon = {
  /** Relays on the board (default 2). */
  relayCount: relayNumber,
  /** Which relay desensitizes and which resensitizes (default 1 and 2). */
  channels: Type.Optional(closed({ desensitize: relayNumber, resensitize: relayNumber })),
  /** Pulse length (default 200 ms), least gap between pulses on a relay (500 ms), longest pulse accepted (5 s). */
  pulseMs: milliseconds(),
  minGapMs: milliseconds(0),
  maxPulseMs: milliseconds(),
  /** Read the state back after switching, where the board can (default true). */
  verify: Type.Optional(Type.Boolean()),
  answerTimeoutMs: milliseconds(),
  /** The relay selfTest() clicks (default the desensitize relay). */
  testRelay: relayNumber,
};

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
    options: closed({
      ...relayCommon,
      /** A board with an input: which byte and bit of its input report carry the gate alarm. */
      alarmInput: Type.Optional(
        closed({
          reportByte: Type.Integer({ minimum: 0, maximum: 63 }),
          mask: byte,
          activeLow: Type.Optional(Type.Boolean()),
        }),
      ),
    }),
  }),
  relayRow("serial-relay", "LC Technology serial relay module (A0 frames, 9600 8N1)", {
    transports: ["serial", "tcp"],
    serial: { baudRate: SERIAL_RELAY.baudRate },
    options: closed({
      ...relayCommon,
      /** Whether the board answers the FF status query (default true). */
      statusQuery: Type.Optional(Type.Boolean()),
      /** The status channel that reports the gate alarm contact, if wired. */
      alarmInput: Type.Optional(
        closed({
          statusChannel: Type.Integer({ minimum: 1, maximum: 255 }),
          activeWhen: Type.Optional(oneOf(["on", "off"])),
        }),
      ),
      alarmPollMs: milliseconds(),
    }),
  }),
];

/** The table. Families that keep their rows next to their driver export them (scanner/factory.ts). */
export const DEVICE_FACTORIES: readonly DeviceFactory[] = [
  ...SCANNER_FACTORIES,
  ...RFID_FACTORIES,
  ...PRINTER_FACTORIES,
  ...RELAY_FACTORIES,
];

/** The facts the config loader needs, without the constructors. */
export const DEVICE_MODELS: readonly DeviceModelSpec[] = DEVICE_FACTORIES;

export function findFactory(
  kind: DeviceKind,
  model: string,
  factories: readonly DeviceFactory[] = DEVICE_FACTORIES,
): DeviceFactory | undefined {
  return factories.find((f) => f.kind === kind && f.model === model);
}
