/** Dates, numbers and money in the patron's language, through Intl. */
import type { Money } from "../../../protocols/kiosk-api/schema.ts";
import { getLocale } from "./localization.ts";

/**
 * Intl formatters are slow to build and a screen of rows formats dozens of values on every state, so each
 * is built once per language and options.
 */
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function formatter<T extends Intl.DateTimeFormat | Intl.NumberFormat>(kind: string, make: (locale: string) => T): T {
  const key = `${getLocale()}|${kind}`;
  let f = formatters.get(key);
  if (!f) {
    f = make(getLocale());
    formatters.set(key, f);
  }
  return f as T;
}

/** "2026-12-15" is a calendar day, not an instant: format it in UTC so no time zone moves it a day. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(iso);
  return formatter(dayOnly ? "day" : "date", (l) =>
    Intl.DateTimeFormat(l, { dateStyle: "medium", ...(dayOnly ? { timeZone: "UTC" } : {}) }),
  ).format(date);
}

export function formatMoney(money: Money): string {
  // Intl takes the decimal string as is, so "12.10" is never rounded through a float.
  return formatter(`money ${money.currency}`, (l) =>
    Intl.NumberFormat(l, { style: "currency", currency: money.currency }),
  ).format(money.value as Intl.StringNumericLiteral);
}

export function formatNumber(n: number): string {
  return formatter("number", (l) => Intl.NumberFormat(l)).format(n);
}
