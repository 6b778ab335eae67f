/** Dates, numbers and money in the patron's language, through Intl. */
import type { Money } from "../../../protocols/kiosk-api/schema.ts";
import { getLocale } from "./localization.ts";

/** "2026-12-15" is a calendar day, not an instant: format it in UTC so no time zone moves it a day. */
export function formatDate(iso: string): string {
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(iso);
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(getLocale(), { dateStyle: "medium", ...(dayOnly ? { timeZone: "UTC" } : {}) }).format(
    date,
  );
}

export function formatMoney(money: Money): string {
  // Intl takes the decimal string as is, so "12.10" is never rounded through a float.
  return new Intl.NumberFormat(getLocale(), { style: "currency", currency: money.currency }).format(
    money.value as Intl.StringNumericLiteral,
  );
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(getLocale()).format(n);
}
