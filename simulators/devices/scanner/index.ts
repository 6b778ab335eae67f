/** Barcode scanner simulators, one per driver model; they meet the drivers on the wire only. */
import { ScannerSimulatorError } from "./errors.ts";
import { HidKeyboardScannerSimulator, type HidKeyboardSimulatorOptions } from "./hid-keyboard.ts";
import { HidPosScannerSimulator, type HidPosSimulatorOptions } from "./hid-pos.ts";
import { SerialLineScannerSimulator, type SerialLineSimulatorOptions } from "./serial-line.ts";

export { type RecentScan, ScannerSimulator, type ScannerSimulatorTiming } from "./base.ts";
export { ScannerSimulatorError, type ScannerSimulatorErrorCode } from "./errors.ts";
export { HidKeyboardScannerSimulator, type HidKeyboardSimulatorOptions } from "./hid-keyboard.ts";
export { HidPosScannerSimulator, type HidPosSimulatorOptions } from "./hid-pos.ts";
export { SerialLineScannerSimulator, type SerialLineSimulatorOptions, SUFFIX_BYTES } from "./serial-line.ts";

export type ScannerSimulatorConfig =
  | ({ model: "serial-line" } & SerialLineSimulatorOptions)
  | ({ model: "hid-pos" } & HidPosSimulatorOptions)
  | ({ model: "hid-keyboard" } & HidKeyboardSimulatorOptions);

/** Makes the simulator for a scanner model (serial-line on a serial/memory transport, the HID ones on a HID device end). */
export function createScannerSimulator(config: ScannerSimulatorConfig) {
  switch (config.model) {
    case "serial-line":
      return new SerialLineScannerSimulator(config);
    case "hid-pos":
      return new HidPosScannerSimulator(config);
    case "hid-keyboard":
      return new HidKeyboardScannerSimulator(config);
    default:
      throw new ScannerSimulatorError(
        "SIM_BAD_PARAMS",
        `No scanner simulator for model ${JSON.stringify((config as { model?: unknown }).model)}; use serial-line, hid-pos or hid-keyboard.`,
      );
  }
}
