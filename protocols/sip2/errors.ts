import { CodedError } from "../errors.ts";

export type Sip2ErrorCode =
  | "SIP2_CHECKSUM"
  | "SIP2_CHECKSUM_MISSING"
  | "SIP2_TRUNCATED"
  | "SIP2_UNKNOWN_COMMAND"
  | "SIP2_BAD_FIELD"
  | "SIP2_MISSING_FIELD"
  | "SIP2_TOO_LONG"
  | "SIP2_BAD_DATE"
  | "SIP2_ENCODE";

/** A malformed SIP2 message: `position` is the character offset in the message where the problem is. */
export class Sip2Error extends CodedError<Sip2ErrorCode> {
  readonly position: number | undefined;

  constructor(code: Sip2ErrorCode, reason: string, position?: number, details: Record<string, unknown> = {}) {
    super(code, position === undefined ? reason : `${reason} (at position ${position})`, { ...details, position });
    this.position = position;
  }
}
