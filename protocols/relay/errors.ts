import { CodedError } from "../errors.ts";

export type RelayErrorCode =
  | "RELAY_BAD_RELAY"
  | "RELAY_BAD_SERIAL"
  | "RELAY_BAD_REPORT"
  | "RELAY_UNKNOWN_COMMAND"
  | "RELAY_BAD_FRAME"
  | "RELAY_BAD_CHECKSUM"
  | "RELAY_BAD_STATUS"
  | "RELAY_BAD_PRODUCT";

/** Every error thrown by protocols/relay. */
export class RelayError extends CodedError<RelayErrorCode> {}
