import { CodedError } from "../../../protocols/errors.ts";

export type ScannerSimulatorErrorCode =
  /** control() was asked for an action this simulator does not have. */
  | "SIM_BAD_ACTION"
  /** An action's parameters are missing, of the wrong type, or cannot be sent (a character the layout lacks). */
  | "SIM_BAD_PARAMS"
  /** An action needs a transport, but none is attached. */
  | "SIM_NOT_ATTACHED";

export class ScannerSimulatorError extends CodedError<ScannerSimulatorErrorCode> {}
