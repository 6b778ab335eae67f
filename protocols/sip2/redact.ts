import { FIELDS, type FieldId, type Sip2Message } from "./catalog.ts";

/** What a masked value reads as in a log line. */
export const REDACTED = "[redacted]";

/**
 * SIP2 fields that identify a patron or carry a secret, by field id (SIP2 2.00 and the 3M extensions in
 * the catalog). Everything else in a message (item ids, titles, dates, status flags, counts) stays
 * readable, so a log still shows what happened. CQ (valid patron password) is only Y/N: it stays.
 */
export const SIP2_IDENTITY_FIELDS = {
  AA: "patron identifier (the card barcode)",
  AD: "patron password (PIN)",
  AE: "patron's personal name",
  AC: "terminal password",
  CN: "login user id",
  CO: "login password",
  BD: "home address",
  BE: "e-mail address",
  BF: "home phone number",
  CY: "hold patron id (3M extension)",
  DA: "hold patron name (3M extension)",
  PB: "patron birth date (Envisionware extension)",
} as const satisfies Partial<Record<FieldId, string>>;

const IDENTITY_NAMES: readonly string[] = Object.keys(SIP2_IDENTITY_FIELDS).map((id) => FIELDS[id as FieldId]);

/**
 * The message with every identity field masked, for logging; the message itself is not changed. An empty
 * value stays empty (it tells a reader that, say, no PIN was sent). Returns the same object when there is
 * nothing to mask, so logging a status message costs no copy.
 */
export function redactSip2Fields<M extends Sip2Message>(message: M): M {
  let copy: Record<string, unknown> | undefined;
  for (const name of IDENTITY_NAMES) {
    const value = (message as Record<string, unknown>)[name];
    if (value === undefined || value === "") continue;
    copy ??= { ...message };
    copy[name] = REDACTED;
  }
  return (copy ?? message) as M;
}
