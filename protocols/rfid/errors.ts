import { CodedError } from "../errors.ts";

/**
 * Stable codes for everything that can go wrong between RFID bytes and typed values.
 * Frame codes come from the reader wire; RFID_TAG_DATA from tag memory; RFID_ENCODE when a value
 * cannot be written in the requested format.
 */
export const RFID_ERROR_CODES = [
  "RFID_FRAME_BAD_START",
  "RFID_FRAME_BAD_LENGTH",
  "RFID_FRAME_TOO_LONG",
  "RFID_FRAME_TRUNCATED",
  "RFID_FRAME_CRC",
  "RFID_UNKNOWN_COMMAND",
  "RFID_BAD_RESPONSE",
  "RFID_UNSUPPORTED",
  "RFID_TAG_DATA",
  "RFID_ENCODE",
  "RFID_CONFIG",
] as const;
export type RfidErrorCode = (typeof RFID_ERROR_CODES)[number];

/** Where the problem sits: byte offsets are relative to the frame or tag memory being decoded. */
export interface RfidErrorDetails {
  offset?: number;
  streamOffset?: number;
  length?: number;
  expected?: number | string;
  actual?: number | string;
  [key: string]: unknown;
}

export class RfidError extends CodedError<RfidErrorCode> {
  declare readonly details: Readonly<RfidErrorDetails>;

  constructor(code: RfidErrorCode, message: string, details: RfidErrorDetails = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }

  /** The same error with extra details (e.g. the position in the byte stream the parser was reading). */
  withDetails(extra: RfidErrorDetails): RfidError {
    return new RfidError(this.code, this.message, { ...this.details, ...extra }, { cause: this.cause });
  }
}

export function isRfidError(err: unknown): err is RfidError {
  return err instanceof RfidError;
}
