/**
 * Every device simulator, as one table keyed by kind + model (the model names match the drivers'):
 * the schema of its options in a sim config, how it can be exposed, and how to build it. `selfcheck sim`
 * and the stack build simulators from these rows only.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { type DeviceKind, oneOf, closedObject as options } from "../../bridge/config/schema.ts";
import { KEYBOARD_LAYOUTS } from "../../protocols/barcode/keyboard-layouts.ts";
import { SERIAL_RELAY } from "../../protocols/relay/serial-relay.ts";
import { M810_SERIAL } from "../../protocols/rfid/readers/3m810.ts";
import { CPR_SERIAL } from "../../protocols/rfid/readers/cpr-m02.ts";
import { createEscPosPrinterSimulator } from "./printer/escpos-printer.ts";
import { createSerialRelaySimulator } from "./relay/serial-relay.ts";
import { createUsbHidRelaySimulator } from "./relay/usb-hid-relay.ts";
import { type RfidReaderModel, RfidReaderSimulator } from "./rfid/simulator.ts";
import { createScannerSimulator, type ScannerSimulatorConfig } from "./scanner/index.ts";
import type { DeviceSimulator } from "./simulator.ts";

/** How a simulator can be reached: a PTY (serial devices), TCP (network devices or a serial server), memory (in-process HID). */
export type ExposureType = "pty" | "tcp" | "memory";

export interface SimulatorModel<S extends TSchema = TSchema> {
  kind: DeviceKind;
  model: string;
  summary: string;
  /** The exposures this simulator can use; the first is what the stack uses. */
  exposures: readonly ExposureType[];
  /** A HID device: hosted on a memory HID pair (reports and feature reports). */
  hid?: boolean;
  /** Line speed set on the simulator's end of a PTY (the driver's default for this model). */
  baudRate?: number;
  options: S;
  create(options: Static<S>): DeviceSimulator;
}

function row<S extends TSchema>(model: SimulatorModel<S>): SimulatorModel {
  return model as unknown as SimulatorModel;
}

const milliseconds = Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 }));
const byte = Type.Optional(Type.Integer({ minimum: 0, maximum: 255, acceptHex: true }));

const scanner = (model: ScannerSimulatorConfig["model"]) => (o: object) =>
  createScannerSimulator({ model, ...o } as ScannerSimulatorConfig);

const SCANNER_SIMULATORS: readonly SimulatorModel[] = [
  row({
    kind: "scanner",
    model: "serial-line",
    summary: "serial barcode scanner: code + suffix, optional AIM prefix and chunked writes",
    exposures: ["pty", "tcp", "memory"],
    baudRate: 9600,
    options: options({
      suffix: Type.Optional(oneOf(["CR", "LF", "CRLF", "none"])),
      aim: Type.Optional(Type.Boolean()),
      encoding: Type.Optional(oneOf(["latin1", "utf8"])),
      chunks: Type.Optional(options({ maxSize: Type.Integer({ minimum: 1, maximum: 4096 }), maxGapMs: milliseconds })),
    }),
    create: scanner("serial-line"),
  }),
  row({
    kind: "scanner",
    model: "hid-pos",
    summary: "USB HID POS barcode scanner: 64-byte input reports",
    exposures: ["memory"],
    hid: true,
    options: options({ reportId: byte, vendorSymbology: byte, reportGapMs: milliseconds }),
    create: scanner("hid-pos"),
  }),
  row({
    kind: "scanner",
    model: "hid-keyboard",
    summary: "keyboard-wedge barcode scanner: boot keyboard reports with human-like key timing",
    exposures: ["memory"],
    hid: true,
    options: options({
      layout: Type.Optional(oneOf(Object.keys(KEYBOARD_LAYOUTS) as (keyof typeof KEYBOARD_LAYOUTS)[])),
      terminator: Type.Optional(oneOf(["enter", "tab", "none"])),
      aim: Type.Optional(Type.Boolean()),
      interReportMs: Type.Optional(
        options({ min: Type.Integer({ minimum: 0, maximum: 1000 }), max: Type.Integer({ minimum: 0, maximum: 1000 }) }),
      ),
      reportId: byte,
    }),
    create: scanner("hid-keyboard"),
  }),
];

const rfidOptions = {
  /** Seed for UIDs and fault randomness (default 1), so a demo run repeats. */
  seed: Type.Optional(Type.Integer()),
  firmware: Type.Optional(Type.String({ minLength: 1 })),
  securedAfi: byte,
  unsecuredAfi: byte,
  /** Tags on the pad at start, as for the placeTags action. */
  tags: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
};

function rfidReader(model: RfidReaderModel) {
  return ({ tags, ...o }: { tags?: unknown[] } & Record<string, unknown>) => {
    const simulator = new RfidReaderSimulator({ model, ...o });
    if (tags) simulator.placeTags(tags);
    return simulator;
  };
}

const RFID_SIMULATORS: readonly SimulatorModel[] = [
  row({
    kind: "rfid",
    model: "3m810",
    summary: "3M 810 RFID pad with virtual ISO 15693 tags and fault injection",
    exposures: ["pty", "tcp", "memory"],
    baudRate: M810_SERIAL.baudRate,
    options: options(rfidOptions),
    create: rfidReader("3m810"),
  }),
  row({
    kind: "rfid",
    model: "cpr-m02",
    summary: "FEIG CPR-M02 RFID reader with virtual ISO 15693 tags and fault injection",
    exposures: ["pty", "tcp", "memory"],
    baudRate: CPR_SERIAL.baudRate,
    options: options({
      ...rfidOptions,
      address: byte,
      /** Most tags one inventory reports before answering 0x93 (default 4, the standard firmware's). */
      maxInventoryTags: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
    }),
    create: rfidReader("cpr-m02"),
  }),
];

const PRINTER_SIMULATORS: readonly SimulatorModel[] = [
  row({
    kind: "printer",
    model: "escpos",
    summary: "ESC/POS receipt printer: answers status requests, renders what it prints, paper and cover controls",
    exposures: ["tcp", "pty", "memory"],
    options: options({
      /** Characters per line: 32 for 58 mm paper, 42 or 48 for 80 mm. */
      columns: Type.Optional(Type.Integer({ minimum: 16, maximum: 64 })),
      keepReceipts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    }),
    create: (o) => createEscPosPrinterSimulator(o),
  }),
];

const relayCount = Type.Optional(Type.Integer({ minimum: 1, maximum: 8 }));

const RELAY_SIMULATORS: readonly SimulatorModel[] = [
  row({
    kind: "relay",
    model: "usb-hid-relay",
    summary: "USB HID relay board: feature reports, a switch timeline, an optional alarm input",
    exposures: ["memory"],
    hid: true,
    options: options({
      relayCount,
      /** The 5-character board id the board reports. */
      id: Type.Optional(Type.String({ minLength: 1, maxLength: 5 })),
      inputReport: Type.Optional(
        options({
          byte: Type.Integer({ minimum: 0, maximum: 63 }),
          mask: Type.Integer({ minimum: 1, maximum: 255, acceptHex: true }),
          length: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
        }),
      ),
    }),
    create: (o) => createUsbHidRelaySimulator(o),
  }),
  row({
    kind: "relay",
    model: "serial-relay",
    summary: "LC Technology serial relay module: A0 frames, FF status answers, a switch timeline",
    exposures: ["pty", "tcp", "memory"],
    baudRate: SERIAL_RELAY.baudRate,
    options: options({
      relayCount,
      answersStatus: Type.Optional(Type.Boolean()),
      alarmChannel: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
    }),
    create: (o) => createSerialRelaySimulator(o),
  }),
];

export const SIMULATOR_MODELS: readonly SimulatorModel[] = [
  ...SCANNER_SIMULATORS,
  ...RFID_SIMULATORS,
  ...PRINTER_SIMULATORS,
  ...RELAY_SIMULATORS,
];

export function findSimulatorModel(
  kind: string,
  model: string,
  models: readonly SimulatorModel[] = SIMULATOR_MODELS,
): SimulatorModel | undefined {
  return models.find((m) => m.kind === kind && m.model === model);
}
