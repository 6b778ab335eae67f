import { CodedError } from "../../../protocols/errors.ts";

/** SIM_BAD_ACTION: control() got an action name it does not know; SIM_BAD_PARAMS: its parameters are unusable. */
export type RfidSimulatorErrorCode = "SIM_BAD_ACTION" | "SIM_BAD_PARAMS";

export class RfidSimulatorError extends CodedError<RfidSimulatorErrorCode> {}

export function badParams(message: string, details: Record<string, unknown> = {}): RfidSimulatorError {
  return new RfidSimulatorError("SIM_BAD_PARAMS", `RFID simulator: ${message}`, details);
}
