/**
 * A serial line scanner: writes each code followed by its suffix, optionally behind an AIM identifier,
 * and optionally cut into random chunks with small pauses, the way a USB-serial adapter delivers it.
 */
import {
  checkOption,
  DEFAULT_AIM,
  encodeOrBadParams,
  isDelay,
  ScannerSimulator,
  type ScannerSimulatorTiming,
} from "./base.ts";

/** Suffix bytes per setting (ASCII CR = 0x0D, LF = 0x0A). */
export const SUFFIX_BYTES = { CR: [0x0d], LF: [0x0a], CRLF: [0x0d, 0x0a], none: [] } as const;
export type SimulatedSuffix = keyof typeof SUFFIX_BYTES;

export interface SerialLineSimulatorOptions extends ScannerSimulatorTiming {
  /** Default "CR". */
  suffix?: SimulatedSuffix;
  /** Prefix every code with its AIM identifier. Default false. */
  aim?: boolean;
  /** Default "latin1" (one byte per character, like most scanners). */
  encoding?: "latin1" | "utf8";
  /** Cut each scan into chunks of 1..maxSize bytes with pauses of 0..maxGapMs between them. Default: one write. */
  chunks?: { maxSize: number; maxGapMs?: number };
}

export class SerialLineScannerSimulator extends ScannerSimulator {
  readonly model = "serial-line";
  readonly #suffix: SimulatedSuffix;
  readonly #aim: boolean;
  readonly #encoding: "latin1" | "utf8";
  readonly #chunks: { maxSize: number; maxGapMs: number } | undefined;

  constructor(options: SerialLineSimulatorOptions = {}) {
    super(options);
    const { suffix = "CR", encoding = "latin1", chunks } = options;
    checkOption(Object.hasOwn(SUFFIX_BYTES, suffix), this.model, "suffix", "must be CR, LF, CRLF or none");
    checkOption(encoding === "latin1" || encoding === "utf8", this.model, "encoding", 'must be "latin1" or "utf8"');
    checkOption(
      chunks === undefined || (Number.isInteger(chunks.maxSize) && chunks.maxSize >= 1 && isDelay(chunks.maxGapMs)),
      this.model,
      "chunks",
      "needs maxSize ≥ 1 (whole bytes) and maxGapMs ≥ 0",
    );
    this.#suffix = suffix;
    this.#aim = options.aim ?? false;
    this.#encoding = encoding;
    this.#chunks = chunks && { maxSize: chunks.maxSize, maxGapMs: chunks.maxGapMs ?? 0 };
  }

  protected override aimToSend(requested: string | undefined): string | undefined {
    return this.#aim ? (requested ?? DEFAULT_AIM) : undefined;
  }

  protected override encode(code: string, aim: string | undefined): Array<{ bytes: Uint8Array; pauseMs: number }> {
    const text = (aim ?? "") + code;
    const body = encodeOrBadParams("scan", () => this.#bytes(text));
    const line = Uint8Array.from([...body, ...SUFFIX_BYTES[this.#suffix]]);
    const chunking = this.#chunks;
    if (!chunking) return [{ bytes: line, pauseMs: 0 }];
    const writes: Array<{ bytes: Uint8Array; pauseMs: number }> = [];
    for (let offset = 0; offset < line.length; ) {
      const size = 1 + Math.floor(this.random() * chunking.maxSize);
      const pauseMs = offset === 0 ? 0 : Math.round(this.random() * chunking.maxGapMs);
      writes.push({ bytes: line.slice(offset, offset + size), pauseMs });
      offset += size;
    }
    return writes;
  }

  protected override extraState(): Record<string, unknown> {
    return { suffix: this.#suffix, aim: this.#aim, encoding: this.#encoding };
  }

  #bytes(text: string): Uint8Array {
    if (this.#encoding === "utf8") return new TextEncoder().encode(text);
    return Uint8Array.from(text, (ch) => {
      const c = ch.charCodeAt(0);
      if (c > 0xff) throw new Error(`${JSON.stringify(ch)} has no single-byte (Latin-1) code`);
      return c;
    });
  }
}
