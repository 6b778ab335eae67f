import { CodedError } from "../../../protocols/errors.ts";

/** Stable codes for what the security relay driver refuses or fails to do. */
export type SecurityRelayErrorCode =
  /** desensitize()/resensitize() without a relay channel configured for it. */
  | "RELAY_NOT_CONFIGURED"
  /** A relay number outside the board, or the channel wired as the alarm input. */
  | "RELAY_BAD_RELAY"
  /** The board did not answer a state read (or a feature report) in time. */
  | "RELAY_NO_ANSWER"
  /** The state read back after switching is not what was asked for. */
  | "RELAY_VERIFY_FAILED"
  /** The connection to the board is down. */
  | "RELAY_DISCONNECTED"
  | "RELAY_BAD_OPTIONS"
  /** stop() was called while the operation waited. */
  | "RELAY_STOPPED";

export class SecurityRelayError extends CodedError<SecurityRelayErrorCode> {}
