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
import type { Logger } from "../../log/logger.ts";
import type { Clock } from "../../transports/clock.ts";
import { reasonOf } from "../../transports/errors.ts";
import type { Transport } from "../../transports/transport.ts";
import type { Device, DeviceEvents, DeviceHealth, DeviceTestResult } from "../device.ts";
import { DriverLifecycle } from "../lifecycle.ts";
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
  makeDecoder(sink: DecoderSink, clock: Clock): ScanDecoder;
  classifier: Classifier;
  /** The same code again within this many ms of its last sighting is the same scan. 0 turns it off. */
  duplicateWindowMs: number;
  /** The scanner is set to prefix AIM identifiers: a malformed one drops the scan. */
  aim: boolean;
  logger: Logger;
  clock: Clock;
}

export const DEFAULT_SELF_TEST_TIMEOUT_MS = 15_000;

/** Kinds whose value may be logged and shown in a self test: they identify books, not people. */
const PUBLIC_KINDS = new Set<Classification["kind"]>(["item", "isbn", "product"]);

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
  readonly #clock: Clock;
  readonly #life: DriverLifecycle;
  /** code → when it was last seen, for duplicate suppression. */
  readonly #recent = new Map<string, number>();
  readonly #testWaiters = new Set<TestWaiter>();
  readonly #counts = { scans: 0, duplicates: 0, problems: 0 };
  #lastScanAt: string | undefined;

  constructor(parts: BarcodeScannerParts) {
    super();
    this.id = parts.id;
    this.model = parts.model;
    this.#transport = parts.transport;
    this.#classifier = parts.classifier;
    this.#duplicateWindowMs = parts.duplicateWindowMs;
    this.#aim = parts.aim;
    this.#clock = parts.clock;
    this.#decoder = parts.makeDecoder(
      { scan: (scan) => this.#accept(scan), problem: (code, message) => this.#problem(code, message) },
      parts.clock,
    );
    this.#life = new DriverLifecycle({
      device: this,
      id: parts.id,
      transport: parts.transport,
      logger: parts.logger,
      clock: parts.clock,
      // A serial port opens whether or not a scanner is on it, and a scanner only speaks when it scans:
      // unverified until the first good scan. A HID device is found by its USB identity: opening it is proof.
      presence: parts.model === "serial-line" ? "silent" : "open",
      detail: () => this.#detail(),
      // Counters and the last scan time change with every scan; they are not news.
      notNews: ["scans", "duplicatesSuppressed", "problems", "lastScanAt"],
      data: (bytes) => this.#onData(bytes),
      disconnected: () => this.#decoder.reset(),
    });
    this.#log = this.#life.log.child({ kind: "scanner", model: parts.model });
  }

  get description(): string {
    return this.#transport.description;
  }

  health(): DeviceHealth {
    return this.#life.health();
  }

  start(): Promise<void> {
    return this.#life.start();
  }

  stop(): Promise<void> {
    return this.#life.stop(() => {
      this.#decoder.reset();
      for (const waiter of [...this.#testWaiters]) waiter("stopped");
    });
  }

  async selfTest(options: { timeoutMs?: number } = {}): Promise<DeviceTestResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_SELF_TEST_TIMEOUT_MS;
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      return this.#failed(
        new ScannerError("SCANNER_BAD_OPTIONS", `Self test of scanner "${this.id}": timeoutMs must be > 0.`),
      );
    }
    if (!this.#life.running || this.#life.state === "disconnected") {
      const why = this.#life.running
        ? `it is disconnected (${this.#life.lastError?.message ?? "no device"})`
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

  // ---- transport data

  #onData(bytes: Uint8Array): void {
    try {
      this.#decoder.feed(bytes);
    } catch (err) {
      // Decoders do not throw; if one ever does, it costs this chunk, not the bridge.
      this.#decoder.reset();
      this.#problem("BARCODE_BAD_REPORT", `Input could not be decoded (${reasonOf(err)}); it was dropped.`);
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
    // A good scan proves the scanner is there and reads right.
    if (this.#life.state === "degraded" || this.#life.state === "unverified") this.#life.setHealth("ok");
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
    this.#life.emit("scan", scan);
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
    this.#life.setHealth(this.#life.state === "disconnected" ? "disconnected" : "degraded", { error });
  }

  // ---- health

  #detail(): Record<string, unknown> {
    return {
      model: this.model,
      // #life is unset while the lifecycle itself is being built (it asks for the first detail).
      connection: this.#life?.running ? this.#transport.status.state : "stopped",
      scans: this.#counts.scans,
      duplicatesSuppressed: this.#counts.duplicates,
      problems: this.#counts.problems,
      lastScanAt: this.#lastScanAt ?? null,
      duplicateWindowMs: this.#duplicateWindowMs,
      settings: this.#decoder.settings,
    };
  }

  #failed(error: ScannerError): DeviceTestResult {
    return { ok: false, summary: error.message, error: { code: error.code, message: error.message } };
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
