/** Dates, numbers and money in the patron's language, through Intl (./formatters.ts). */
import { formatters } from "./formatters.ts";
import { getLocale } from "./localization.ts";

export const { formatDate, formatMoney, formatNumber, formatOpening } = formatters(getLocale);
