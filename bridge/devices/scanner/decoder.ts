/**
 * What the three scanner models have in common below the driver: a decoder turns the bytes the
 * transport delivers into scanned texts and problems. The driver does everything after that
 * (classification, duplicate suppression, health, logging), the same for every model.
 */
import type { AimIdentifier } from "../../../protocols/barcode/aim.ts";
import type { ScannerErrorCode } from "./errors.ts";

export interface DecodedScan {
  /** The text as the scanner sent it, AIM identifier included, suffix or terminator removed. */
  raw: string;
  /** Set when the scanner reported the symbology out of band (HID POS report bytes). */
  aim?: AimIdentifier;
  /** HID POS byte 61: the vendor's own symbology id (e.g. Honeywell code ID), 0 when none. */
  vendorSymbology?: number;
}

/** Where a decoder delivers its results. Problem messages never contain scanned data. */
export interface DecoderSink {
  scan(scan: DecodedScan): void;
  problem(code: ScannerErrorCode, message: string): void;
}

export interface ScanDecoder {
  /** Bytes from the transport, in any chunking (HID transports deliver one report per call). Never throws. */
  feed(bytes: Uint8Array): void;
  /** Forget any partial code and cancel timers (the device went away or the driver stopped). */
  reset(): void;
  /** The effective settings, for the diagnostics screen. */
  readonly settings: Readonly<Record<string, unknown>>;
}
