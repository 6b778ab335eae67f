import type { BarcodeErrorCode } from "../../../protocols/barcode/errors.ts";
import { CodedError } from "../../../protocols/errors.ts";

/** Codes the scanner driver adds to the barcode codec's own (BARCODE_BAD_REPORT, BARCODE_TOO_LONG, …). */
export type ScannerOwnErrorCode =
  /** The scanner configuration is unusable; the message names the option. */
  | "SCANNER_BAD_OPTIONS"
  /** A serial line held control characters: the usual sign of a wrong baud rate or framing. */
  | "SCANNER_GARBLED"
  /** Part of a code arrived and then nothing more: the suffix setting of scanner and bridge differ. */
  | "SCANNER_PARTIAL_CODE"
  /** A keyboard-wedge code lost characters (unknown keys, rollover), so it was not passed on. */
  | "SCANNER_CODE_DROPPED"
  /** The self test saw no scan in time. */
  | "SCANNER_NO_SCAN"
  /** The self test ran while the driver was stopped or the scanner was disconnected. */
  | "SCANNER_NOT_READY";

export type ScannerErrorCode = ScannerOwnErrorCode | BarcodeErrorCode;

/** Every error the scanner driver reports (in health, self tests and thrown from its factory). */
export class ScannerError extends CodedError<ScannerErrorCode> {}
