/** Dates, numbers and durations in the staff console's language, through Intl (kiosk-ui/src/i18n/formatters.ts). */
import { formatters } from "../../i18n/formatters.ts";
import { getLocale } from "./localization.ts";

export const { formatDateTime, formatDuration, formatNumber, formatOpening, formatWallClock } = formatters(getLocale);

/** A weekday's name, Monday = 0 as the config's WEEKDAYS order them (5 January 2026 was a Monday). */
export const formatWeekday = (index: number): string =>
  new Intl.DateTimeFormat(getLocale(), { weekday: "long", timeZone: "UTC" }).format(Date.UTC(2026, 0, 5 + index));
