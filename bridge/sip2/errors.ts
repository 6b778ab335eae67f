import { CodedError } from "../../protocols/errors.ts";

/**
 * Stable codes of the SIP2 client; the kiosk UI and `selfcheck sip2` switch on them.
 * Which ones mean "the ILS said no" and which "we could not reach it" decides exit codes and retries.
 */
export type Sip2ClientErrorCode =
  /** TCP connect failed or timed out. */
  | "SIP2_CONNECT_FAILED"
  /** TLS handshake failed: certificate, CA, server name. */
  | "SIP2_TLS"
  /** The connection closed while a request waited for its answer. */
  | "SIP2_DISCONNECTED"
  /** No connection is usable right now (all connecting or down). */
  | "SIP2_NOT_CONNECTED"
  /** No answer within the timeout. */
  | "ILS_TIMEOUT"
  /** 94 with ok = 0. */
  | "SIP2_LOGIN_REFUSED"
  /** Answers kept failing their checksum, or kept being unreadable, after the allowed 97 requests. */
  | "SIP2_BAD_RESPONSE"
  /** The ACS kept answering 96 after the allowed resends. */
  | "SIP2_RESEND_LIMIT"
  /** The ACS refused a transaction because it is offline (its 98 says online = N): nothing was done. */
  | "SIP2_ACS_OFFLINE"
  /** A transaction may or may not have happened and asking the ILS did not settle it. */
  | "SIP2_OUTCOME_UNKNOWN"
  /** The client was closed. */
  | "SIP2_CLOSED";

export class Sip2ClientError extends CodedError<Sip2ClientErrorCode> {}

/**
 * Errors after which a request may or may not have been acted on (the link failed, not the ILS). A 96 is
 * not one: the ACS says it could not read the request, so it did nothing.
 */
export const LINK_FAILURES: ReadonlySet<string> = new Set<Sip2ClientErrorCode>([
  "SIP2_DISCONNECTED",
  "ILS_TIMEOUT",
  "SIP2_BAD_RESPONSE",
]);

export function isLinkFailure(error: unknown): boolean {
  return error instanceof Sip2ClientError && LINK_FAILURES.has(error.code);
}
