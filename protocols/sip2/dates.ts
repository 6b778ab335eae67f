import { Sip2Error } from "./errors.ts";

/**
 * SIP2 timestamps are 18 characters, YYYYMMDDZZZZHHMMSS. ZZZZ is four spaces for the local time of the
 * sender, or three spaces and "Z" for UTC. A field left blank is 18 spaces.
 */
export const SIP2_BLANK_DATE = " ".repeat(18);

export type Sip2Zone = "local" | "utc";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

export function formatSip2Date(date: Date, zone: Sip2Zone = "local"): string {
  if (zone === "utc") {
    return `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}   Z${pad(
      date.getUTCHours(),
    )}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
  }
  return `${pad(date.getFullYear(), 4)}${pad(date.getMonth() + 1)}${pad(date.getDate())}    ${pad(
    date.getHours(),
  )}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

export interface ParsedSip2Date {
  date: Date;
  zone: Sip2Zone;
}

const SIP2_DATE = /^(\d{4})(\d{2})(\d{2})( {4}| {3}Z)(\d{2})(\d{2})(\d{2})$/;

/** Builds a Date from calendar parts, or undefined when a part is out of range (Feb 30, hour 25…). */
function calendarDate(zone: Sip2Zone, y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date | undefined {
  const date = zone === "utc" ? new Date(Date.UTC(y, mo - 1, d, h, mi, s)) : new Date(y, mo - 1, d, h, mi, s);
  const back =
    zone === "utc"
      ? [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes()]
      : [date.getFullYear(), date.getMonth() + 1, date.getDate(), date.getHours(), date.getMinutes()];
  // A local time skipped by a daylight-saving jump moves the hour; accept that, reject anything else.
  if (back[0] !== y || back[1] !== mo || back[2] !== d || s > 59 || mi > 59 || h > 23) return undefined;
  return date;
}

/** Parses the strict 18-character form; a blank field gives undefined. */
export function parseSip2Date(text: string): ParsedSip2Date | undefined {
  if (text === SIP2_BLANK_DATE || text.trim() === "") return undefined;
  const m = SIP2_DATE.exec(text);
  const zone: Sip2Zone = m?.[4] === "   Z" ? "utc" : "local";
  const date = m && calendarDate(zone, +m[1]!, +m[2]!, +m[3]!, +m[5]!, +m[6]!, +m[7]!);
  if (!date) throw new Sip2Error("SIP2_BAD_DATE", `"${text}" is not a SIP2 date (YYYYMMDDZZZZHHMMSS)`);
  return { date, zone };
}

export interface DueDate {
  /** Exactly what the ILS sent: shown to the patron when it could not be parsed. */
  raw: string;
  /** Best-effort parse; undefined when the format is not recognised. */
  date?: Date;
}

// Formats ILSes are known to send in AH besides the SIP2 form, tried in order. Times are local.
const DUE_DATE_FORMATS: ReadonlyArray<{ pattern: RegExp; parts: (m: RegExpExecArray) => number[] }> = [
  // 2026-12-24, 2026-12-24 23:59, 2026-12-24T23:59:00, with an optional Z or offset handled below
  {
    pattern: /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/,
    parts: (m) => [+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)],
  },
  // 20261224 or 20261224 235900 / 20261224235900
  {
    pattern: /^(\d{4})(\d{2})(\d{2})(?: *(\d{2})(\d{2})(\d{2}))?$/,
    parts: (m) => [+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)],
  },
  // 12/24/2026 (US, as Sierra and Polaris often print)
  {
    pattern: /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/,
    parts: (m) => [+m[3]!, +m[1]!, +m[2]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)],
  },
  // 24.12.2026 (European)
  {
    pattern: /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/,
    parts: (m) => [+m[3]!, +m[2]!, +m[1]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)],
  },
];

/** Tolerant due-date parsing: the SIP2 form, ISO 8601 (with Z or offset), and common ILS formats. */
export function parseDueDate(raw: string): DueDate {
  const text = raw.trim();
  if (text === "") return { raw };
  try {
    const sip = parseSip2Date(raw.length === 18 ? raw : text);
    if (sip) return { raw, date: sip.date };
  } catch {
    // not the SIP2 form; try the others
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/.test(text)) {
    const date = new Date(text);
    if (!Number.isNaN(date.getTime())) return { raw, date };
  }
  for (const { pattern, parts } of DUE_DATE_FORMATS) {
    const m = pattern.exec(text);
    if (!m) continue;
    const [y, mo, d, h, mi, s] = parts(m) as [number, number, number, number, number, number];
    const date = calendarDate("local", y, mo, d, h, mi, s);
    if (date) return { raw, date };
  }
  return { raw };
}
