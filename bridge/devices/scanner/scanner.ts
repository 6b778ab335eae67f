/**
 * The barcode scanner driver, the same for every model: a model-specific decoder turns transport
 * bytes into scanned texts; this class classifies them (patron, item, ISBN, product, unknown),
 * suppresses duplicates, keeps health and answers the staff self test.
 *
 * Privacy: a patron card's number never reaches a log line, a health record or a self-test result.
 */
import { EventEmitter } from "node:events";
import type { Symbology } from "../../../protocols/barcode/aim.ts";
import type { Classification, Classifier } from "../../../protocols/barcode/classify.ts";
import { CodedError } from "../../../protocols/errors.ts";
import type { Logger } from "../../log/logger.ts";
import { disconnectedError, reasonOf, type TransportError, transportError } from "../../transports/errors.ts";
import type { ConnectionStatus } from "../../transports/reconnecting.ts";
import type { Transport, TransportCloseInfo } from "../../transports/transport.ts";
import {
  type Device,
  type DeviceEvents,
  type DeviceHealth,
  type DeviceTestResult,
  errorInfo,
  type HealthState,
} from "../device.ts";
import type { ScannerClock } from "./clock.ts";
import type { DecodedScan, DecoderSink, ScanDecoder } from "./decoder.ts";
import { ScannerError, type ScannerErrorCode } from "./errors.ts";

export const SCANNER_MODELS = ["serial-line", "hid-pos", "hid-keyboard"] as const;
export type ScannerModel = (typeof SCANNER_MODELS)[number];

export interface ScanEvent {
  /** The normalized code: AIM identifier, Codabar start/stop characters and surrounding spaces removed. */
  code: string;
  /** What the scanner sent, AIM identifier included, suffix removed. */
  raw: string;
  symbology?: Symbology;
  /** Kind and, for ISBN/product/unknown, the reason: the UI says "scan the library barcode, not the ISBN". */
  classification: Classification;
  /** HID POS only: the vendor's own symbology id byte, when the scanner sends one. */
  vendorSymbology?: number;
  /** ISO 8601 time of the scan. */
  at: string;
}

export type ScannerEvents = DeviceEvents & { scan: [scan: ScanEvent] };

/** Everything a scanner driver is built from; createBarcodeScanner() makes these from a config. */
export interface BarcodeScannerParts {
  id: string;
  model: ScannerModel;
  transport: Transport;
  makeDecoder(sink: DecoderSink, clock: ScannerClock): ScanDecoder;
  classifier: Classifier;
  /** The same code again within this many ms of its last sighting is the same scan. 0 turns it off. */
  duplicateWindowMs: number;
  /** The scanner is set to prefix AIM identifiers: a malformed one drops the scan. */
  aim: boolean;
  logger: Logger;
  clock: ScannerClock;
}

export const DEFAULT_SELF_TEST_TIMEOUT_MS = 15_000;

/** Kinds whose value may be logged and shown in a self test: they identify books, not people. */
const PUBLIC_KINDS = new Set<Classification["kind"]>(["item", "isbn", "product"]);

type ReconnectingLike = Transport & {
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  readonly status: ConnectionStatus;
};

function isReconnecting(t: Transport): t is ReconnectingLike {
  return typeof (t as Partial<ReconnectingLike>).onStatus === "function";
}

type TestWaiter = (outcome: ScanEvent | "stopped") => void;

export class BarcodeScanner extends EventEmitter<ScannerEvents> implements Device<ScannerEvents> {
  readonly id: string;
  readonly kind = "scanner" as const;
  readonly model: ScannerModel;
  readonly #transport: Transport;
  readonly #decoder: ScanDecoder;
  readonly #classifier: Classifier;
  readonly #duplicateWindowMs: number;
  readonly #aim: boolean;
  readonly #log: Logger;
  readonly #clock: ScannerClock;
  #running = false;
  #unsubscribeStatus: (() => void) | undefined;
  #startSettled: (() => void) | undefined;
  #health: DeviceHealth;
  #lastErrorObject: CodedError | undefined;
  /** code → when it was last seen, for duplicate suppression. */
  readonly #recent = new Map<string, number>();
  readonly #testWaiters = new Set<TestWaiter>();
  readonly #counts = { scans: 0, duplicates: 0, problems: 0 };
  #lastScanAt: string | undefined;
  #connection: ConnectionStatus["state"] | "stopped" = "stopped";

  constructor(parts: BarcodeScannerParts) {
    super();
    this.id = parts.id;
    this.model = parts.model;
    this.#transport = parts.transport;
    this.#classifier = parts.classifier;
    this.#duplicateWindowMs = parts.duplicateWindowMs;
    this.#aim = parts.aim;
    this.#log = parts.logger.child({ device: parts.id, kind: "scanner", model: parts.model });
    this.#clock = parts.clock;
    this.#decoder = parts.makeDecoder(
      { scan: (scan) => this.#accept(scan), problem: (code, message) => this.#problem(code, message) },
      parts.clock,
    );
    this.#health = { state: "disconnected", since: this.#isoNow() };
  }

  get description(): string {
    return this.#transport.description;
  }

  health(): DeviceHealth {
    return { ...this.#health, detail: this.#detail() };
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const t = this.#transport;
    t.on("data", this.#onData);
    t.on("open", this.#onOpen);
    t.on("close", this.#onClose);
    t.on("error", this.#onTransportError);
    this.#connection = "connecting";
    if (isReconnecting(t)) {
      // The reconnecting transport's open() waits for the device; start() only waits for the first attempt.
      const firstOutcome = new Promise<void>((resolve) => {
        this.#startSettled = resolve; // stop() before the first attempt ends must not leave start() hanging
        this.#unsubscribeStatus = t.onStatus((status) => {
          this.#onStatus(status);
          if (status.state !== "connecting") resolve();
        });
      });
      t.open().catch(() => undefined);
      if (t.isOpen) this.#onOpen();
      else await firstOutcome;
      return;
    }
    try {
      await t.open();
      if (this.#running && t.isOpen) this.#onOpen();
    } catch (err) {
      this.#connection = "disconnected";
      this.#setHealth("disconnected", asCodedError(err, t.description));
    }
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#unsubscribeStatus?.();
    this.#unsubscribeStatus = undefined;
    this.#startSettled?.();
    this.#startSettled = undefined;
    const t = this.#transport;
    t.off("data", this.#onData);
    t.off("open", this.#onOpen);
    t.off("close", this.#onClose);
    t.off("error", this.#onTransportError);
    this.#decoder.reset();
    for (const waiter of [...this.#testWaiters]) waiter("stopped");
    await t.close().catch(() => undefined);
    this.#connection = "stopped";
    this.#setHealth("disconnected");
  }

  async selfTest(options: { timeoutMs?: number } = {}): Promise<DeviceTestResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_SELF_TEST_TIMEOUT_MS;
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      return this.#failed(
        new ScannerError("SCANNER_BAD_OPTIONS", `Self test of scanner "${this.id}": timeoutMs must be > 0.`),
      );
    }
    if (!this.#running || this.#health.state === "disconnected") {
      const why = this.#running
        ? `it is disconnected (${this.#health.lastError?.message ?? "no device"})`
        : "it is not started";
      return this.#failed(
        new ScannerError(
          "SCANNER_NOT_READY",
          `Scanner "${this.id}" (${this.description}) cannot be tested: ${why}. Check the cable and the device settings.`,
        ),
      );
    }
    const outcome = await new Promise<ScanEvent | "stopped" | "timeout">((resolve) => {
      const timer = this.#clock.setTimeout(() => finish("timeout"), timeoutMs);
      const finish = (result: ScanEvent | "stopped" | "timeout") => {
        this.#clock.clearTimeout(timer);
        this.#testWaiters.delete(finish);
        resolve(result);
      };
      this.#testWaiters.add(finish);
    });
    if (outcome === "stopped") {
      return this.#failed(
        new ScannerError("SCANNER_NOT_READY", `Scanner "${this.id}" was stopped during its self test.`),
      );
    }
    if (outcome === "timeout") {
      return this.#failed(
        new ScannerError(
          "SCANNER_NO_SCAN",
          `Scanner "${this.id}" (${this.description}) read nothing in ${Math.round(timeoutMs / 1000)} s. ` +
            "Scan a barcode while the test runs; if the scanner beeps but nothing arrives, check its interface " +
            "mode (serial, HID POS or keyboard) and suffix settings.",
        ),
      );
    }
    const { classification, symbology } = outcome;
    const details: Record<string, unknown> = {
      kind: classification.kind,
      symbology: symbology ?? null,
      length: [...classification.code].length,
    };
    if ("reason" in classification) details.reason = classification.reason;
    if (PUBLIC_KINDS.has(classification.kind)) details.code = classification.code;
    const what = symbology ? `a ${symbology} barcode` : "a barcode (the scanner does not send symbology identifiers)";
    return { ok: true, summary: `Read ${what}: ${KIND_LABELS[classification.kind]}`, details };
  }

  // ---- transport events

  readonly #onData = (bytes: Uint8Array): void => {
    try {
      this.#decoder.feed(bytes);
    } catch (err) {
      // Decoders do not throw; if one ever does, it costs this chunk, not the bridge.
      this.#decoder.reset();
      this.#problem("BARCODE_BAD_REPORT", `Input could not be decoded (${reasonOf(err)}); it was dropped.`);
    }
  };

  readonly #onOpen = (): void => {
    this.#connection = "open";
    this.#setHealth("ok");
  };

  readonly #onClose = (info: TransportCloseInfo): void => {
    if (info.reason !== "disconnected") return;
    this.#decoder.reset();
    this.#connection = "disconnected";
    this.#setHealth(
      "disconnected",
      info.error ?? disconnectedError(this.#transport.description, "the scanner went away"),
    );
  };

  readonly #onTransportError = (error: TransportError): void => {
    this.#log.debug({ code: error.code }, "transport error");
  };

  #onStatus(status: ConnectionStatus): void {
    if (!this.#running) return;
    if (status.state === "open") this.#onOpen();
    else if (status.state === "disconnected") {
      this.#connection = "disconnected";
      this.#setHealth("disconnected", status.lastError);
    }
  }

  // ---- decoder results

  #accept(decoded: DecodedScan): void {
    const now = this.#clock.now();
    const classification = this.#classifier.classify(decoded.raw);
    if (this.#aim && classification.kind === "unknown" && classification.reason === "bad-aim") {
      this.#problem(
        "BARCODE_BAD_AIM",
        `${classification.message}. The scan was dropped; check that the scanner's AIM identifier setting matches the bridge's.`,
      );
      return;
    }
    if (this.#health.state === "degraded") this.#setHealth("ok");
    const symbology = classification.aim?.symbology ?? decoded.aim?.symbology;
    const scan: ScanEvent = { code: classification.code, raw: decoded.raw, classification, at: iso(now) };
    if (symbology) scan.symbology = symbology;
    if (decoded.vendorSymbology !== undefined) scan.vendorSymbology = decoded.vendorSymbology;
    for (const waiter of [...this.#testWaiters]) waiter(scan);
    if (this.#isDuplicate(scan.code, now)) {
      this.#counts.duplicates++;
      this.#log.debug({ classification: classification.kind }, "duplicate scan suppressed");
      return;
    }
    this.#counts.scans++;
    this.#lastScanAt = scan.at;
    this.#logScan(scan);
    this.#emitSafely("scan", scan);
  }

  #isDuplicate(code: string, now: number): boolean {
    const window = this.#duplicateWindowMs;
    if (window <= 0) return false;
    for (const [seen, at] of this.#recent) if (now - at >= window) this.#recent.delete(seen);
    const duplicate = this.#recent.has(code);
    // The window slides: a code held in front of a scanner in continuous mode stays one scan.
    this.#recent.set(code, now);
    return duplicate;
  }

  #logScan(scan: ScanEvent): void {
    const { classification } = scan;
    const symbology = scan.symbology ?? null;
    if (classification.kind === "patron") {
      this.#log.debug({ symbology }, "patron card scanned");
    } else if (PUBLIC_KINDS.has(classification.kind)) {
      this.#log.debug({ symbology, classification: classification.kind, code: scan.code }, "scanned");
    } else {
      // An unknown code may be a patron card the rules do not recognise: no value.
      const reason = "reason" in classification ? classification.reason : undefined;
      this.#log.debug({ symbology, classification: "unknown", reason }, "unrecognised code scanned");
    }
  }

  #problem(code: ScannerErrorCode, message: string): void {
    this.#counts.problems++;
    const error = new ScannerError(code, `Scanner "${this.id}" (${this.description}): ${message}`, {
      device: this.id,
      model: this.model,
    });
    this.#log.warn({ code }, error.message);
    this.#setHealth(this.#health.state === "disconnected" ? "disconnected" : "degraded", error);
  }

  // ---- health

  #setHealth(state: HealthState, error?: CodedError): void {
    const newError = error !== undefined && error !== this.#lastErrorObject;
    if (state === this.#health.state && !newError) return;
    const now = this.#clock.now();
    const next: DeviceHealth = {
      state,
      since: state === this.#health.state ? this.#health.since : iso(now),
    };
    if (newError) {
      this.#lastErrorObject = error;
      next.lastError = errorInfo(error, new Date(now));
    } else if (this.#health.lastError) {
      next.lastError = this.#health.lastError;
    }
    this.#health = next;
    this.#emitSafely("health", this.health());
  }

  #detail(): Record<string, unknown> {
    return {
      model: this.model,
      connection: this.#connection,
      scans: this.#counts.scans,
      duplicatesSuppressed: this.#counts.duplicates,
      problems: this.#counts.problems,
      lastScanAt: this.#lastScanAt ?? null,
      duplicateWindowMs: this.#duplicateWindowMs,
      settings: this.#decoder.settings,
    };
  }

  /** Calls each listener on its own: one that throws neither reaches the decoder nor starves the others. */
  #emitSafely<K extends "scan" | "health">(event: K, payload: ScannerEvents[K][0]): void {
    for (const listener of this.rawListeners(event) as Array<(p: unknown) => unknown>) {
      try {
        listener.call(this, payload);
      } catch (err) {
        this.#log.error(
          { event, reason: reasonOf(err) },
          "a scanner event listener threw; this is a bug in the listener",
        );
      }
    }
  }

  #failed(error: ScannerError): DeviceTestResult {
    return { ok: false, summary: error.message, error: { code: error.code, message: error.message } };
  }

  #isoNow(): string {
    return iso(this.#clock.now());
  }
}

const KIND_LABELS: Record<Classification["kind"], string> = {
  patron: "a patron card",
  item: "a library item barcode",
  isbn: "an ISBN (the code on the cover, not the library barcode)",
  product: "a retail product code, not a library barcode",
  unknown: "a code that matches no barcode rule",
};

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function asCodedError(err: unknown, device: string): CodedError {
  if (err instanceof CodedError) return err;
  return transportError("DEVICE_OPEN_FAILED", `${device}: could not open (${reasonOf(err)}).`, { device }, err);
}
