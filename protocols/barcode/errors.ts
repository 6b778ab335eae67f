import { CodedError } from "../errors.ts";

export type BarcodeErrorCode =
  | "BARCODE_CHECK_DIGIT"
  | "BARCODE_NOT_NUMERIC"
  | "BARCODE_BAD_LENGTH"
  | "BARCODE_BAD_PREFIX"
  | "BARCODE_UNKNOWN_ALGORITHM"
  | "BARCODE_BAD_AIM"
  | "BARCODE_BAD_RULE"
  | "BARCODE_BAD_REPORT"
  | "BARCODE_UNKNOWN_KEY"
  | "BARCODE_BAD_LAYOUT"
  | "BARCODE_UNMAPPABLE_CHAR"
  | "BARCODE_ROLLOVER"
  | "BARCODE_TOO_LONG";

/** Every error thrown by protocols/barcode. */
export class BarcodeError extends CodedError<BarcodeErrorCode> {}
