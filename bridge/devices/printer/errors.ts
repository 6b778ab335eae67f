import { CodedError } from "../../../protocols/errors.ts";

/** Stable codes for everything the receipt printer driver refuses or fails to do. */
export type PrinterErrorCode =
  /** The roll is empty (paper end sensor or paper-end stop). */
  | "PRINTER_PAPER_OUT"
  | "PRINTER_COVER_OPEN"
  /** The printer says it is offline for another reason (e.g. after the feed button, or a pause). */
  | "PRINTER_OFFLINE"
  /** The printer reports a mechanical, autocutter or unrecoverable error. */
  | "PRINTER_ERROR"
  /** No answer to a status request in time: switched off, wrong port or wrong baud rate. */
  | "PRINTER_NO_RESPONSE"
  /** The connection to the printer is down (unplugged, network gone). */
  | "PRINTER_DISCONNECTED"
  | "PRINTER_WRITE_FAILED"
  /** The receipt given to printReceipt() is not usable. */
  | "PRINTER_BAD_RECEIPT"
  /** The driver options are not usable. */
  | "PRINTER_BAD_OPTIONS"
  /** stop() was called while the job waited. */
  | "PRINTER_STOPPED";

export class PrinterError extends CodedError<PrinterErrorCode> {}

/** Every way a logo image can be unusable. */
export type ImageErrorCode =
  | "IMAGE_BAD_SIGNATURE"
  | "IMAGE_BAD_CHUNK"
  | "IMAGE_BAD_CRC"
  | "IMAGE_UNSUPPORTED"
  | "IMAGE_BAD_DATA"
  | "IMAGE_TOO_LARGE";

export class ImageError extends CodedError<ImageErrorCode> {}

/** PRINTER_BAD_OPTIONS naming the option (a key inside the device's `options`), for people and the config loader. */
export function badPrinterOption(option: string, problem: string, details: Record<string, unknown> = {}): PrinterError {
  return new PrinterError("PRINTER_BAD_OPTIONS", `Receipt printer option ${option}: ${problem}.`, {
    ...details,
    option,
  });
}
