import { CodedError } from "../../../protocols/errors.ts";
import type { RfidErrorCode } from "../../../protocols/rfid/errors.ts";

/** Codes the RFID pad driver adds to the RFID codecs' own (RFID_ENCODE, RFID_TAG_DATA, …). */
export type RfidPadOwnErrorCode =
  /** The reader did not answer a command in time: switched off, wrong model or baud rate, or a cut cable. */
  | "RFID_TIMEOUT"
  /** The reader answered with an error of its own (not a tag's), or with an answer that makes no sense. */
  | "RFID_READER_ERROR"
  /** The connection to the reader is down; the bridge keeps reconnecting. */
  | "RFID_DISCONNECTED"
  /**
   * More tags on the pad than the reader inventories at once (details.capacity): the reader names none of
   * them. Not a fault of the reader; ask the patron to place fewer items.
   */
  | "RFID_TOO_MANY_TAGS"
  /** A tag did not answer a read (missed it, or it is at the edge of the field), even after retries. */
  | "RFID_TAG_NO_ANSWER"
  /** Writing to a tag failed on every attempt while the tag stayed on the pad. */
  | "RFID_TAG_WRITE_FAILED"
  /** The tag left the pad during the operation (a patron lifted the item). */
  | "RFID_TAG_GONE"
  /** The write was acknowledged but reading it back showed other values, on every attempt. */
  | "RFID_VERIFY_FAILED"
  /** This reader model cannot do what was asked (the 3M 810 has no EAS commands). */
  | "RFID_NOT_SUPPORTED"
  /** The driver options are not usable; the message names the option. */
  | "RFID_BAD_OPTIONS"
  /** stop() was called while the operation waited. */
  | "RFID_STOPPED";

export type RfidPadErrorCode = RfidPadOwnErrorCode | RfidErrorCode;

export class RfidPadError extends CodedError<RfidPadErrorCode> {}

export function isRfidPadError(err: unknown, ...codes: RfidPadErrorCode[]): err is RfidPadError {
  return err instanceof RfidPadError && (codes.length === 0 || codes.includes(err.code));
}
