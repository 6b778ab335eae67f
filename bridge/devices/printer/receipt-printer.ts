/**
 * ESC/POS receipt printer driver (kind "printer", model "escpos"), on any byte transport: serial,
 * the USB printer device file, or TCP port 9100.
 *
 * Before every print it asks the printer for its real-time status (DLE EOT 1, 2 and 4; 3 as well
 * when the printer reports an error) and refuses to print when the paper is out, the cover is open,
 * the printer is offline or in error, so a patron never walks away without the receipt they were
 * promised. Paper near its end still prints, but health turns degraded so staff change the roll.
 * Idle, it polls the status so health stays current.
 */
import { EventEmitter } from "node:events";
import { CodedError, describeError } from "../../../protocols/errors.ts";
import {
  conditionFromAutoStatus,
  conditionFromRealtime,
  decodeRealtimeStatus,
  type PrinterCondition,
  type RealtimeStatusKind,
  realtimeStatusRequest,
  StatusReplyReader,
} from "../../../protocols/escpos/status.ts";
import type { Logger } from "../../log/logger.ts";
import { type Clock, systemClock, withTimeout } from "../../transports/clock.ts";
import type { Transport } from "../../transports/transport.ts";
import type { Device, DeviceEvents, DeviceHealth, DeviceTestResult, HealthState } from "../device.ts";
import { DriverLifecycle, JobQueue } from "../lifecycle.ts";
import { integerOption } from "../options.ts";
import { badPrinterOption, PrinterError } from "./errors.ts";
import { RECEIPT_PRINTER_OPTIONS } from "./options.ts";
import {
  checkReceipt,
  encodeReceipt,
  encodeResync,
  encodeTestPage,
  type Receipt,
  type ReceiptLayout,
  type ReceiptLayoutOptions,
  resolveLayout,
} from "./receipt.ts";

export interface ReceiptPrinterDeps {
  /** The id from the config, e.g. "receipt-printer". */
  id: string;
  /** Usually a ReconnectingTransport around a serial, USB printer or TCP transport. */
  transport: Transport;
  logger: Logger;
  /** Times status answers and polls, and dates receipts. Default: the system clock. */
  clock?: Clock;
}

export interface ReceiptPrinterOptions extends ReceiptLayoutOptions {
  /** How long to wait for the printer to answer a status request. Default 1000 ms. */
  statusTimeoutMs?: number;
  /** How often to ask for the status while idle, in ms; 0 turns polling off. Default 10 000. */
  pollIntervalMs?: number;
  /** A receipt is written in pieces of this many bytes, so an unplug is noticed mid-receipt. Default 1024. */
  writeChunkSize?: number;
}

export interface PrintResult {
  /** Bytes sent to the printer. */
  bytes: number;
  /** The printer's condition after printing. */
  condition: PrinterCondition;
  /** Something staff should know, e.g. the paper is nearly out. */
  warning?: string;
}

/** A printed test page and its bytes, so the staff console can show what was printed. */
export interface TestPageResult extends PrintResult {
  page: Uint8Array;
}

export type PaperState = "ok" | "near-end" | "out";

const STATUS_KINDS: readonly RealtimeStatusKind[] = ["printer", "offlineCause", "paperSensor"];
const NEAR_END_WARNING = "The paper roll is nearly used up: put in a new roll soon.";

/** What stops a print, most specific first; near-end is not here because it still prints. */
const REFUSALS: ReadonlyArray<{ when: (c: PrinterCondition) => boolean; code: PrinterError["code"]; message: string }> =
  [
    {
      when: (c) => c.coverOpen,
      code: "PRINTER_COVER_OPEN",
      message: "the printer cover is open: close it firmly until it clicks",
    },
    { when: (c) => c.paperOut, code: "PRINTER_PAPER_OUT", message: "the printer is out of paper: put in a new roll" },
    {
      when: (c) => c.unrecoverableError,
      code: "PRINTER_ERROR",
      message: "the printer reports an unrecoverable error: switch it off and on, and call a technician if it stays",
    },
    {
      when: (c) => c.error,
      code: "PRINTER_ERROR",
      message: "the printer reports an error (cutter jammed or print head too hot): check the cutter and let it cool",
    },
    {
      when: (c) => !c.online,
      code: "PRINTER_OFFLINE",
      message: "the printer is offline: check its panel lights and press its online/feed button if it has one",
    },
  ];

export class ReceiptPrinter extends EventEmitter<DeviceEvents> implements Device {
  readonly id: string;
  readonly kind = "printer" as const;
  readonly model = "escpos";
  readonly layout: ReceiptLayout;
  readonly #transport: Transport;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #life: DriverLifecycle;
  readonly #statusTimeoutMs: number;
  readonly #pollIntervalMs: number;
  readonly #chunkSize: number;
  readonly #reader = new StatusReplyReader();
  #pending:
    | { answers: Map<RealtimeStatusKind, number>; wanted: number; done: (error?: CodedError) => void }
    | undefined;
  readonly #jobs = new JobQueue();
  #condition: PrinterCondition | undefined;
  #checkedAt: string | undefined;
  /** Size of a receipt the connection dropped under, until the printer has been brought back in step. */
  #interrupted: number | undefined;

  constructor(deps: ReceiptPrinterDeps, options: ReceiptPrinterOptions = {}) {
    super();
    this.id = deps.id;
    this.#transport = deps.transport;
    this.#clock = deps.clock ?? systemClock;
    this.layout = resolveLayout(options);
    this.#statusTimeoutMs = printerOption("statusTimeoutMs", options.statusTimeoutMs);
    this.#pollIntervalMs = printerOption("pollIntervalMs", options.pollIntervalMs);
    this.#chunkSize = printerOption("writeChunkSize", options.writeChunkSize);
    this.#life = new DriverLifecycle({
      device: this,
      id: deps.id,
      transport: deps.transport,
      logger: deps.logger,
      clock: this.#clock,
      // The printer proves it is there by answering DLE EOT; a port with nothing on it never does.
      presence: { verify: () => this.#jobs.run(() => this.#refresh()).then(() => undefined) },
      detail: () => this.#detail(),
      // A poll that finds nothing new is not news, even though the check time moved on.
      notNews: ["checkedAt"],
      data: (bytes) => this.#onData(bytes),
      disconnected: (error) => this.#onDisconnected(error),
    });
    this.#log = this.#life.log.child({ kind: "printer" });
  }

  get description(): string {
    return this.#transport.description;
  }

  health(): DeviceHealth {
    return this.#life.health();
  }

  /**
   * Connected, and the latest status on this connection (if any) lets it print: what `health()` says as
   * `detail.canPrint`, without building the health (the kiosk asks at every state it sends).
   */
  get canPrint(): boolean {
    if (this.#life.state === "disconnected" || !this.#transport.isOpen) return false;
    return this.#condition === undefined || refusalOf(this.#condition) === undefined;
  }

  /** The condition from the latest status answer, if there was one. */
  get condition(): PrinterCondition | undefined {
    return this.#condition ? { ...this.#condition } : undefined;
  }

  async start(): Promise<void> {
    if (this.#life.running) return;
    await this.#life.start();
    if (this.#pollIntervalMs > 0) this.#life.every(this.#pollIntervalMs, () => this.#poll());
    await this.#jobs.settled();
  }

  async stop(): Promise<void> {
    await this.#life.stop(() =>
      this.#pending?.done(new PrinterError("PRINTER_STOPPED", `${this.description}: the printer driver was stopped.`)),
    );
  }

  /** Asks the printer for its status now (queued behind any print) and updates health. */
  checkStatus(): Promise<PrinterCondition> {
    return this.#jobs.run(() => this.#refresh());
  }

  /** Prints a receipt. Rejects with a PrinterError when the printer cannot print it; nothing is sent then. */
  async printReceipt(receipt: Receipt): Promise<PrintResult> {
    const checked = checkReceipt(receipt);
    const bytes = encodeReceipt(checked, this.layout, new Date(this.#clock.now()));
    const result = await this.#jobs.run(() => this.#print(bytes));
    this.#log.info(
      { receipt: checked.kind, items: checked.items.length, transactionId: checked.transactionId, bytes: result.bytes },
      "printed a receipt",
    );
    return result;
  }

  async printTestPage(): Promise<TestPageResult> {
    return this.#jobs.run(async () => {
      const condition = await this.#refresh();
      const status = condition.paperNearEnd ? "Paper: nearly used up" : "Paper: ok";
      const bytes = encodeTestPage(this.layout, { description: this.description, status }, new Date(this.#clock.now()));
      return { ...(await this.#print(bytes, condition)), page: bytes };
    });
  }

  async selfTest(options: { timeoutMs?: number } = {}): Promise<DeviceTestResult> {
    const timeoutMs = options.timeoutMs ?? 15_000;
    try {
      const result = await withTimeout(
        this.#clock,
        this.printTestPage(),
        timeoutMs,
        () =>
          new PrinterError(
            "PRINTER_NO_RESPONSE",
            `${this.description}: the self test did not finish within ${timeoutMs} ms. Check that the printer is on and connected.`,
          ),
      );
      return {
        ok: true,
        summary: result.warning ? `Printed a test page; ${result.warning}` : "Printed a test page",
        details: { condition: result.condition, bytes: result.bytes },
      };
    } catch (err) {
      const error = asCoded(err);
      return { ok: false, summary: error.message, error: { code: error.code, message: error.message } };
    }
  }

  /** A poll only when nothing else is queued: a print checks the status itself. */
  async #poll(): Promise<void> {
    if (!this.#transport.isOpen || this.#jobs.busy) return;
    await this.#jobs.run(() => this.#refresh()).catch(() => undefined);
  }

  /** Status now, health updated; throws PRINTER_NO_RESPONSE / PRINTER_DISCONNECTED. */
  async #refresh(): Promise<PrinterCondition> {
    await this.#resync();
    const first = await this.#ask(STATUS_KINDS);
    const offlineCause = decodeRealtimeStatus("offlineCause", first.get("offlineCause") ?? 0x12);
    const errorByte = offlineCause.errorOccurred ? (await this.#ask(["errorCause"])).get("errorCause") : undefined;
    const condition = conditionFromRealtime({
      printer: decodeRealtimeStatus("printer", first.get("printer") ?? 0x12),
      offlineCause,
      errorCause: decodeRealtimeStatus("errorCause", errorByte ?? 0x12),
      paperSensor: decodeRealtimeStatus("paperSensor", first.get("paperSensor") ?? 0x12),
    });
    this.#applyCondition(condition);
    return condition;
  }

  /**
   * Sends DLE EOT for each kind in one write and waits for all the answers. A printer that answers only
   * some is there, but lost the rest of the request: a command cut short by an unplug mid-receipt takes
   * the next bytes as its parameters. The answers cannot be matched to the questions then, so it is asked
   * once more, afresh.
   */
  async #ask(kinds: readonly RealtimeStatusKind[]): Promise<Map<RealtimeStatusKind, number>> {
    const answers = await this.#askOnce(kinds, false).catch((err: unknown) => {
      const partial =
        err instanceof PrinterError && err.code === "PRINTER_NO_RESPONSE" && Number(err.details?.answered) > 0;
      if (!partial) throw err;
      this.#log.debug({ answered: err.details?.answered, asked: kinds.length }, "partial status answer; asking again");
      return undefined;
    });
    return answers ?? this.#askOnce(kinds, true);
  }

  /** One request and its answers; `last`: no retry follows, so a partial answer also marks the printer down. */
  async #askOnce(kinds: readonly RealtimeStatusKind[], last: boolean): Promise<Map<RealtimeStatusKind, number>> {
    this.#requireOpen();
    const answers = new Map<RealtimeStatusKind, number>();
    const settled = new Promise<void>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        const error = new PrinterError(
          "PRINTER_NO_RESPONSE",
          `${this.description}: the printer did not answer a status request within ${this.#statusTimeoutMs} ms. ` +
            "Check that it is switched on, and the cable and (for serial printers) the baud rate.",
          { timeoutMs: this.#statusTimeoutMs, answered: answers.size, asked: kinds.length },
        );
        if (last || answers.size === 0) this.#setHealth("disconnected", { error });
        done(error);
      }, this.#statusTimeoutMs);
      const done = (error?: CodedError) => {
        this.#clock.clearTimeout(timer);
        if (this.#pending?.answers === answers) this.#pending = undefined;
        if (error) {
          this.#reader.reset();
          reject(error);
        } else resolve();
      };
      this.#pending = { answers, wanted: kinds.length, done };
    });
    // An unplug can settle this while the write below is still pending; it is awaited after that.
    settled.catch(() => undefined);
    for (const kind of kinds) this.#reader.expect(kind);
    const request = Uint8Array.from(kinds.flatMap((kind) => [...realtimeStatusRequest(kind)]));
    try {
      await this.#transport.write(request);
    } catch (err) {
      this.#pending?.done(this.#writeFailure(err));
    }
    await settled;
    return answers;
  }

  #onData(bytes: Uint8Array): void {
    for (const event of this.#reader.feed(bytes)) {
      if (event.type === "realtime") {
        const pending = this.#pending;
        if (!pending) continue;
        pending.answers.set(event.kind, event.byte);
        if (pending.answers.size >= pending.wanted) pending.done();
      } else if (event.type === "asb") {
        // Automatic status back, if someone enabled it on the printer: as good as a poll.
        this.#applyCondition(conditionFromAutoStatus(event.status));
      } else {
        this.#log.debug({ byte: event.byte }, "unexpected byte from the printer, ignored");
      }
    }
  }

  #onDisconnected(error: CodedError): void {
    this.#condition = undefined;
    this.#pending?.done(
      new PrinterError("PRINTER_DISCONNECTED", `${this.description}: the printer went away (${error.message})`, {
        cause: error.code,
      }),
    );
  }

  async #print(bytes: Uint8Array, known?: PrinterCondition): Promise<PrintResult> {
    const before = known ?? (await this.#refresh());
    const refusal = refusalOf(before);
    if (refusal)
      throw new PrinterError(refusal.code, `${this.description}: ${refusal.message}.`, { condition: before });
    // Not connected before the first byte: nothing reached the printer, so nothing to bring back in step.
    this.#requireOpen();
    try {
      await this.#send(bytes);
    } catch (err) {
      // Some of it may have reached the printer, which then waits for the rest of a command.
      this.#interrupted = bytes.length;
      throw err;
    }
    // The printer answers DLE EOT in real time, so this also tells whether the paper ran out meanwhile.
    const after = await this.#refresh().catch((err: unknown) => {
      // Written is not printed: what was still on its way when the line dropped is lost.
      if (err instanceof PrinterError && err.code === "PRINTER_DISCONNECTED") this.#interrupted = bytes.length;
      throw err;
    });
    const problem = refusalOf(after);
    if (problem) {
      throw new PrinterError(
        problem.code,
        `${this.description}: ${problem.message}; it happened while printing, so the receipt may be incomplete.`,
        { condition: after, duringPrint: true },
      );
    }
    return after.paperNearEnd
      ? { bytes: bytes.length, condition: after, warning: NEAR_END_WARNING }
      : { bytes: bytes.length, condition: after };
  }

  /** Writes in chunks of writeChunkSize; throws PRINTER_DISCONNECTED / PRINTER_WRITE_FAILED. */
  async #send(bytes: Uint8Array): Promise<void> {
    for (let offset = 0; offset < bytes.length; offset += this.#chunkSize) {
      this.#requireOpen();
      try {
        await this.#transport.write(bytes.subarray(offset, offset + this.#chunkSize));
      } catch (err) {
        throw this.#writeFailure(err, { sent: offset, total: bytes.length });
      }
    }
  }

  /**
   * Brings a printer whose connection dropped mid-receipt back in step before anything else is sent: it
   * may still be waiting for the rest of a command, and would take the next status requests and receipt
   * as that command's data (a receipt lost without a word). What reached it of the old receipt is cut off,
   * so the next patron's receipt does not come out joined to someone else's loans.
   */
  async #resync(): Promise<void> {
    const interrupted = this.#interrupted;
    if (interrupted === undefined) return;
    const bytes = encodeResync(this.layout, interrupted);
    await this.#send(bytes);
    this.#interrupted = undefined;
    this.#log.warn(
      { bytes: bytes.length },
      "the connection dropped during a receipt; brought the printer back in step and cut off what it had printed of it",
    );
  }

  #requireOpen(): void {
    if (this.#transport.isOpen) return;
    const last = this.#life.lastError;
    throw new PrinterError(
      "PRINTER_DISCONNECTED",
      `${this.description}: the printer is not connected${last ? ` (${last.message})` : ""}. The bridge reconnects when it is back.`,
      { cause: last?.code },
    );
  }

  #writeFailure(err: unknown, details: Record<string, unknown> = {}): PrinterError {
    const error = asCoded(err);
    const gone = error.code === "DEVICE_DISCONNECTED" || error.code === "DEVICE_NOT_OPEN";
    const failure = new PrinterError(
      gone ? "PRINTER_DISCONNECTED" : "PRINTER_WRITE_FAILED",
      `${this.description}: sending to the printer failed (${error.message})`,
      { ...details, cause: error.code },
    );
    this.#setHealth(gone ? "disconnected" : "degraded", { error: failure });
    return failure;
  }

  #applyCondition(condition: PrinterCondition): void {
    this.#condition = condition;
    this.#checkedAt = new Date(this.#clock.now()).toISOString();
    const refusal = refusalOf(condition);
    if (refusal) {
      const error = new PrinterError(refusal.code, `${this.description}: ${refusal.message}.`);
      this.#setHealth("degraded", { error, message: error.message });
    } else if (condition.paperNearEnd) {
      this.#setHealth("degraded", { message: NEAR_END_WARNING });
    } else {
      this.#setHealth("ok", {});
    }
  }

  #detail(): Record<string, unknown> {
    // What was known about the paper belongs to the connection it was learnt on.
    const c = this.#transport.isOpen ? this.#condition : undefined;
    const paper: PaperState | undefined = c ? (c.paperOut ? "out" : c.paperNearEnd ? "near-end" : "ok") : undefined;
    return {
      printerModel: this.layout.printerModel,
      columns: this.layout.columns,
      ...(c
        ? {
            paper,
            coverOpen: c.coverOpen,
            online: c.online,
            error: c.error,
            canPrint: refusalOf(c) === undefined,
            checkedAt: this.#checkedAt,
          }
        : this.#transport.isOpen
          ? {}
          : { canPrint: false }),
    };
  }

  #setHealth(state: HealthState, change: { error?: CodedError | undefined; message?: string }): void {
    this.#life.setHealth(state, change);
  }
}

export function createReceiptPrinter(deps: ReceiptPrinterDeps, options?: ReceiptPrinterOptions): ReceiptPrinter {
  return new ReceiptPrinter(deps, options);
}

function refusalOf(condition: PrinterCondition): (typeof REFUSALS)[number] | undefined {
  return REFUSALS.find((r) => r.when(condition));
}

function printerOption(
  key: "statusTimeoutMs" | "pollIntervalMs" | "writeChunkSize",
  value: number | undefined,
): number {
  return integerOption(RECEIPT_PRINTER_OPTIONS, key, value, badPrinterOption);
}

function asCoded(err: unknown): CodedError {
  if (err instanceof CodedError) return err;
  return new PrinterError("PRINTER_WRITE_FAILED", describeError(err));
}
