/**
 * A keyboard-wedge scanner: "types" each code as boot keyboard reports (key down, then all keys up)
 * for the layout it is set to, with a few milliseconds between reports as real scanners do, followed
 * by Enter or Tab.
 */
import { textToKeyReports } from "../../../protocols/barcode/hid-keyboard.ts";
import { KEYBOARD_LAYOUTS, type KeyboardLayoutName } from "../../../protocols/barcode/keyboard-layouts.ts";
import {
  badParams,
  checkOption,
  DEFAULT_AIM,
  encodeOrBadParams,
  isByte,
  type Params,
  ScannerSimulator,
  type ScannerSimulatorTiming,
} from "./base.ts";

export interface HidKeyboardSimulatorOptions extends ScannerSimulatorTiming {
  /** Default "us". */
  layout?: KeyboardLayoutName;
  /** Default "enter". */
  terminator?: "enter" | "tab" | "none";
  /** Type the AIM identifier in front of each code. Default false. */
  aim?: boolean;
  /** Pause between reports, chosen at random in [min, max]. Default 2..8 ms. */
  interReportMs?: { min: number; max: number };
  /** Prefix each report with this report ID (composite devices). Default: none. */
  reportId?: number;
}

const LAYOUT_NAMES = Object.keys(KEYBOARD_LAYOUTS) as KeyboardLayoutName[];

export class HidKeyboardScannerSimulator extends ScannerSimulator {
  readonly model = "hid-keyboard";
  #layout: KeyboardLayoutName;
  readonly #terminator: "enter" | "tab" | "none";
  readonly #aim: boolean;
  readonly #gap: { min: number; max: number };
  readonly #reportId: number | undefined;

  constructor(options: HidKeyboardSimulatorOptions = {}) {
    super(options);
    const { layout = "us", terminator = "enter", interReportMs: gap = { min: 2, max: 8 } } = options;
    checkOption(LAYOUT_NAMES.includes(layout), this.model, "layout", `must be one of ${LAYOUT_NAMES.join(", ")}`);
    checkOption(["enter", "tab", "none"].includes(terminator), this.model, "terminator", "must be enter, tab or none");
    checkOption(
      Number.isFinite(gap.min) && Number.isFinite(gap.max) && gap.min >= 0 && gap.max >= gap.min,
      this.model,
      "interReportMs",
      "needs 0 ≤ min ≤ max",
    );
    checkOption(isByte(options.reportId), this.model, "reportId", "must be a byte (0-255)");
    this.#layout = layout;
    this.#terminator = terminator;
    this.#aim = options.aim ?? false;
    this.#gap = gap;
    this.#reportId = options.reportId;
  }

  get layout(): KeyboardLayoutName {
    return this.#layout;
  }

  protected override extraActions() {
    return {
      setLayout: {
        description: `Switches the keyboard layout the scanner types with: { layout: ${LAYOUT_NAMES.map((n) => `"${n}"`).join(" | ")} }`,
        params: ["layout"],
        run: async (p: Params) => {
          const { layout } = p;
          if (typeof layout !== "string" || !LAYOUT_NAMES.includes(layout as KeyboardLayoutName)) {
            throw badParams("setLayout", `"layout" must be one of ${LAYOUT_NAMES.join(", ")}`);
          }
          this.#layout = layout as KeyboardLayoutName;
          return { layout };
        },
      },
    };
  }

  protected override aimToSend(requested: string | undefined): string | undefined {
    return this.#aim ? (requested ?? DEFAULT_AIM) : undefined;
  }

  protected override encode(code: string, aim: string | undefined): Array<{ bytes: Uint8Array; pauseMs: number }> {
    const layout = KEYBOARD_LAYOUTS[this.#layout];
    const reports = encodeOrBadParams("scan", () => textToKeyReports((aim ?? "") + code, layout, this.#terminator));
    const { min, max } = this.#gap;
    return reports.map((report, i) => ({
      bytes: this.#reportId === undefined ? report : Uint8Array.from([this.#reportId, ...report]),
      pauseMs: i === 0 ? 0 : min + this.random() * (max - min),
    }));
  }

  protected override extraState(): Record<string, unknown> {
    return { layout: this.#layout, terminator: this.#terminator, aim: this.#aim };
  }
}
