import { CodedError } from "../errors.ts";

export type EscPosErrorCode =
  | "ESCPOS_BAD_STATUS_BYTE"
  | "ESCPOS_BAD_STATUS_REQUEST"
  | "ESCPOS_BAD_ASB"
  | "ESCPOS_UNKNOWN_CODEPAGE";

/** Every error thrown by protocols/escpos. */
export class EscPosError extends CodedError<EscPosErrorCode> {}
