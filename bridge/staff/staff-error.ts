import { CodedError } from "../../protocols/errors.ts";
import type { StaffApiErrorCode } from "../../protocols/staff-api/schema.ts";

/** A staff request refused for a reason staff can act on; the server sends it as `{ code, message }`. */
export class StaffError extends CodedError<StaffApiErrorCode> {}
