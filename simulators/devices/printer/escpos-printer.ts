/**
 * A simulated ESC/POS receipt printer: the device side of the wire. It parses what the host sends
 * (protocols/escpos EscPosParser), answers real-time status requests (DLE EOT n) and, when the host
 * enables it with GS a, sends automatic status back on every change, from its paper, cover, online
 * and error state. What it prints is rendered to text and HTML and split into receipts at each cut.
 *
 * While it cannot print (paper out, cover open, offline, in error) it still answers status requests,
 * as real printers do, but throws printed content away and counts it in `discarded` (a real printer
 * would hold it in its receive buffer; a driver must not send it in the first place).
 *
 * Line endings: a receipt's warnings flag every CR (a printer set to treat CR as a line feed would
 * double-space those lines) and a line feed sent right after the previous cut (a blank line on top).
 */
import { EventEmitter } from "node:events";
import type { Transport } from "../../../bridge/transports/transport.ts";
import { CodedError } from "../../../protocols/errors.ts";
import type { CodepageName } from "../../../protocols/escpos/codepages.ts";
import { type EscPosCommand, EscPosParser } from "../../../protocols/escpos/parser.ts";
import { renderReceipt } from "../../../protocols/escpos/render.ts";
import {
  type AsbEnable,
  encodeAutoStatus,
  encodeRealtimeStatus,
  REALTIME_STATUS,
} from "../../../protocols/escpos/status.ts";
import type { ControlAction, DeviceSimulator } from "../simulator.ts";

export type PaperLevel = "ok" | "near-end" | "out";
export type PrinterFault = "none" | "recoverable" | "autocutter" | "unrecoverable" | "auto-recoverable";

export interface PrintedCode {
  type: "barcode" | "qrcode" | "pdf417";
  /** Barcodes: the symbology, e.g. "code128". */
  symbology?: string;
  data: string;
}

export interface PrintedReceipt {
  /** 1 for the first receipt since the simulator started or was cleared. */
  number: number;
  /** ISO 8601 time of the cut. */
  cutAt: string;
  partialCut: boolean;
  lines: string[];
  /** The lines joined with "\n". */
  text: string;
  html: string;
  codes: PrintedCode[];
  images: { width: number; height: number }[];
  /** Commands the printer did not understand (skipped bytes). */
  warnings: string[];
}

export interface EscPosPrinterSimulatorOptions {
  /** Characters per line: 32 for 58 mm paper, 42 or 48 for 80 mm. Default 48. */
  columns?: number;
  /** ESC t slot → code page, as the printer's firmware has them. Default: Epson's numbering. */
  codepageSlots?: Readonly<Record<number, CodepageName>>;
  /** Receipts kept (oldest dropped first). Default 100. */
  keepReceipts?: number;
  now?: () => Date;
}

type SimulatorErrorCode = "SIM_BAD_ACTION" | "SIM_BAD_PARAMS";
export class PrinterSimulatorError extends CodedError<SimulatorErrorCode> {}

const ACTIONS: readonly ControlAction[] = [
  { name: "setPaper", description: 'Paper roll: {state: "ok" | "near-end" | "out"}' },
  { name: "setCover", description: "Open or close the cover: {open: boolean}" },
  { name: "setOnline", description: "Take the printer offline or back online: {online: boolean}" },
  {
    name: "setFaults",
    description:
      'Faults: {noAnswer?: boolean (ignore status requests), error?: "none" | "recoverable" | "autocutter" | "unrecoverable" | "auto-recoverable"}',
  },
  { name: "clear", description: "Forget the printed receipts" },
  { name: "receipts", description: "The printed receipts: text, HTML, barcodes and QR codes" },
];

const PAPER_LEVELS: readonly PaperLevel[] = ["ok", "near-end", "out"];
const FAULTS: readonly PrinterFault[] = ["none", "recoverable", "autocutter", "unrecoverable", "auto-recoverable"];

export class EscPosPrinterSimulator
  extends EventEmitter<{ receipt: [receipt: PrintedReceipt] }>
  implements DeviceSimulator
{
  readonly kind = "printer" as const;
  readonly model = "escpos";
  readonly columns: number;
  readonly #codepageSlots: EscPosPrinterSimulatorOptions["codepageSlots"];
  readonly #keep: number;
  readonly #now: () => Date;
  #parser: EscPosParser;
  #transport: Transport | undefined;
  readonly #onData = (bytes: Uint8Array) => this.#receive(bytes);
  #paper: PaperLevel = "ok";
  #coverOpen = false;
  #online = true;
  #fault: PrinterFault = "none";
  #noAnswer = false;
  #asb: AsbEnable | undefined;
  #current: EscPosCommand[] = [];
  /** The last command printed was a cut: a line feed now is one the host sent after it. */
  #afterCut = false;
  #lineFeedAfterCut = false;
  #receipts: PrintedReceipt[] = [];
  #printed = 0;
  #discarded = 0;
  #statusRequests = 0;

  constructor(options: EscPosPrinterSimulatorOptions = {}) {
    super();
    this.columns = options.columns ?? 48;
    this.#codepageSlots = options.codepageSlots;
    this.#keep = options.keepReceipts ?? 100;
    this.#now = options.now ?? (() => new Date());
    this.#parser = this.#newParser();
  }

  attach(transport: Transport): void {
    this.detach();
    this.#transport = transport;
    // A new connection starts a new byte stream: a half command from the old one must not linger.
    this.#parser = this.#newParser();
    this.#asb = undefined;
    transport.on("data", this.#onData);
  }

  detach(): void {
    this.#transport?.off("data", this.#onData);
    this.#transport = undefined;
  }

  actions(): readonly ControlAction[] {
    return ACTIONS;
  }

  async control(action: string, params: Record<string, unknown> = {}): Promise<unknown> {
    switch (action) {
      case "setPaper":
        this.setPaper({ state: oneOf(params, "state", PAPER_LEVELS) });
        return this.condition();
      case "setCover":
        this.setCover({ open: flag(params, "open") });
        return this.condition();
      case "setOnline":
        this.setOnline({ online: flag(params, "online") });
        return this.condition();
      case "setFaults": {
        const faults: { noAnswer?: boolean; error?: PrinterFault } = {};
        if (params.noAnswer !== undefined) faults.noAnswer = flag(params, "noAnswer");
        if (params.error !== undefined) faults.error = oneOf(params, "error", FAULTS);
        this.setFaults(faults);
        return this.condition();
      }
      case "clear":
        this.clear();
        return { receipts: 0 };
      case "receipts":
        return this.receipts();
      default:
        throw new PrinterSimulatorError(
          "SIM_BAD_ACTION",
          `The printer simulator has no action "${action}"; use one of ${ACTIONS.map((a) => a.name).join(", ")}.`,
          { action },
        );
    }
  }

  setPaper(change: { state: PaperLevel }): void {
    this.#paper = change.state;
    this.#statusChanged();
  }

  setCover(change: { open: boolean }): void {
    this.#coverOpen = change.open;
    this.#statusChanged();
  }

  setOnline(change: { online: boolean }): void {
    this.#online = change.online;
    this.#statusChanged();
  }

  setFaults(faults: { noAnswer?: boolean; error?: PrinterFault }): void {
    if (faults.noAnswer !== undefined) this.#noAnswer = faults.noAnswer;
    if (faults.error !== undefined) {
      this.#fault = faults.error;
      this.#statusChanged();
    }
  }

  clear(): void {
    this.#receipts = [];
    this.#current = [];
    this.#afterCut = false;
    this.#lineFeedAfterCut = false;
    this.#printed = 0;
    this.#discarded = 0;
  }

  receipts(): PrintedReceipt[] {
    return structuredClone(this.#receipts);
  }

  /** Whether it would print what it receives now. */
  get ready(): boolean {
    return this.#paper !== "out" && !this.#coverOpen && this.#online && this.#fault === "none";
  }

  condition(): Record<string, unknown> {
    return {
      paper: this.#paper,
      coverOpen: this.#coverOpen,
      online: this.#online,
      error: this.#fault,
      noAnswer: this.#noAnswer,
      ready: this.ready,
    };
  }

  state(): Record<string, unknown> {
    const pending = renderReceipt(this.#current, { columns: this.columns }).lines;
    return {
      condition: this.condition(),
      columns: this.columns,
      attached: this.#transport?.description ?? null,
      statusRequests: this.#statusRequests,
      discarded: this.#discarded,
      receipts: this.#receipts.map(({ number, cutAt, text, html, codes }) => ({ number, cutAt, text, html, codes })),
      uncut: pending,
    };
  }

  #newParser(): EscPosParser {
    return new EscPosParser(this.#codepageSlots ? { codepageSlots: this.#codepageSlots } : {});
  }

  #receive(bytes: Uint8Array): void {
    for (const command of this.#parser.feed(bytes)) this.#execute(command);
  }

  #execute(command: EscPosCommand): void {
    switch (command.type) {
      case "statusRequest":
        this.#statusRequests++;
        this.#answerStatus(command.n);
        return;
      case "autoStatusBack":
        this.#asb = command.enable;
        if (Object.values(command.enable).some(Boolean)) this.#sendAutoStatus();
        return;
      case "drawerKick":
      case "setting":
        return;
      default:
        if (!this.ready) {
          this.#discarded++;
          return;
        }
        if (this.#afterCut && command.type === "lineFeed") this.#lineFeedAfterCut = true;
        this.#afterCut = command.type === "cut";
        this.#current.push(command);
        if (command.type === "cut") this.#finishReceipt(command.partial);
    }
  }

  #answerStatus(n: number): void {
    if (this.#noAnswer) return;
    const answer = this.#realtimeByte(n);
    if (answer !== undefined) this.#send(Uint8Array.of(answer));
  }

  /** The DLE EOT n answer for the current state (Epson bit layout, via protocols/escpos). */
  #realtimeByte(n: number): number | undefined {
    const paperEndStop = this.#paper === "out";
    const offline = !this.ready;
    switch (n) {
      case REALTIME_STATUS.printer:
        return encodeRealtimeStatus("printer", {
          drawerPin3High: false,
          offline,
          waitingForOnlineRecovery: false,
          feedButtonPressed: false,
        });
      case REALTIME_STATUS.offlineCause:
        return encodeRealtimeStatus("offlineCause", {
          coverOpen: this.#coverOpen,
          paperFeedByButton: false,
          paperEndStop,
          errorOccurred: this.#fault !== "none",
        });
      case REALTIME_STATUS.errorCause:
        return encodeRealtimeStatus("errorCause", {
          recoverableError: this.#fault === "recoverable",
          autocutterError: this.#fault === "autocutter",
          unrecoverableError: this.#fault === "unrecoverable",
          autoRecoverableError: this.#fault === "auto-recoverable",
        });
      case REALTIME_STATUS.paperSensor:
        // With the roll gone, the near-end sensor sees no paper either.
        return encodeRealtimeStatus("paperSensor", { paperNearEnd: this.#paper !== "ok", paperEnd: paperEndStop });
      default:
        return undefined; // DLE EOT 7/8 (ink, peripherals): this printer has none
    }
  }

  #statusChanged(): void {
    if (this.#asb && Object.values(this.#asb).some(Boolean)) this.#sendAutoStatus();
  }

  #sendAutoStatus(): void {
    if (this.#noAnswer) return;
    this.#send(
      encodeAutoStatus({
        drawerPin3High: false,
        offline: !this.ready,
        coverOpen: this.#coverOpen,
        paperFeedByButton: false,
        waitingForOnlineRecovery: false,
        feedButtonPressed: false,
        recoverableError: this.#fault === "recoverable",
        autocutterError: this.#fault === "autocutter",
        unrecoverableError: this.#fault === "unrecoverable",
        autoRecoverableError: this.#fault === "auto-recoverable",
        paperNearEnd: this.#paper !== "ok",
        paperEnd: this.#paper === "out",
      }),
    );
  }

  #send(bytes: Uint8Array): void {
    const transport = this.#transport;
    if (!transport?.isOpen) return;
    // The host may be gone already; a printer does not care whether its answer arrived.
    transport.write(bytes).catch(() => undefined);
  }

  #finishReceipt(partialCut: boolean): void {
    const commands = this.#current;
    this.#current = [];
    const { lines, html } = renderReceipt(commands, { columns: this.columns });
    const codes: PrintedCode[] = [];
    const images: { width: number; height: number }[] = [];
    const warnings: string[] = [];
    if (this.#lineFeedAfterCut) {
      warnings.push("Line feed right after the previous cut: this receipt starts with a blank line");
      this.#lineFeedAfterCut = false;
    }
    const carriageReturns = commands.filter((c) => c.type === "carriageReturn").length;
    if (carriageReturns > 0) {
      warnings.push(
        `${carriageReturns} carriage return${carriageReturns === 1 ? "" : "s"} (CR, 0x0D): ESC/POS prints on LF; ` +
          "a printer set to treat CR as a line feed double-spaces these lines",
      );
    }
    for (const c of commands) {
      if (c.type === "barcode") codes.push({ type: "barcode", symbology: c.symbology, data: c.data });
      else if (c.type === "qrcode" || c.type === "pdf417") codes.push({ type: c.type, data: c.data });
      else if (c.type === "image") images.push({ width: c.width, height: c.height });
      else if (c.type === "unknown") warnings.push(c.message);
    }
    const receipt: PrintedReceipt = {
      number: ++this.#printed,
      cutAt: this.#now().toISOString(),
      partialCut,
      lines,
      text: lines.join("\n"),
      html,
      codes,
      images,
      warnings,
    };
    this.#receipts.push(receipt);
    if (this.#receipts.length > this.#keep) this.#receipts.shift();
    this.emit("receipt", structuredClone(receipt));
  }
}

export function createEscPosPrinterSimulator(options?: EscPosPrinterSimulatorOptions): EscPosPrinterSimulator {
  return new EscPosPrinterSimulator(options);
}

function flag(params: Record<string, unknown>, key: string): boolean {
  const value = params[key];
  if (typeof value !== "boolean") {
    throw new PrinterSimulatorError("SIM_BAD_PARAMS", `Parameter "${key}" must be true or false.`, { key, value });
  }
  return value;
}

function oneOf<T extends string>(params: Record<string, unknown>, key: string, allowed: readonly T[]): T {
  const value = params[key];
  if (typeof value !== "string" || !allowed.includes(value as T)) {
    throw new PrinterSimulatorError("SIM_BAD_PARAMS", `Parameter "${key}" must be one of ${allowed.join(", ")}.`, {
      key,
      value,
    });
  }
  return value as T;
}
