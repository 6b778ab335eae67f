/** Dates, numbers and durations in the staff console's language, through Intl (kiosk-ui/src/i18n/formatters.ts). */
import { formatters } from "../../i18n/formatters.ts";
import { getLocale } from "./localization.ts";

export const { formatDateTime, formatDuration, formatNumber, formatOpening, formatWallClock } = formatters(getLocale);
