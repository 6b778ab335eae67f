/**
 * The opening hours as the out-of-service page's inputs hold them, and back: a day's intervals as one line of
 * text ("09:00–12:30, 13:30–19:00"), a dated exception as its fields as typed. What does not read as an interval
 * is sent as written, for the bridge to name at its key (bridge/config/hours.ts).
 */
import type { OpenInterval, OpeningHoursConfig } from "../../../protocols/staff-api/hours.ts";

export const intervalsText = (intervals: readonly OpenInterval[]) =>
  intervals.map((i) => `${i.opens}–${i.closes}`).join(", ");

/** "09:00–12:30, 13:30-19:00" → intervals; a hyphen or an en dash between the times, spaces allowed. */
export function parseIntervals(text: string): OpenInterval[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const [opens = "", closes = ""] = part.split(/\s*[-–]\s*/);
      return { opens, closes };
    });
}

export type Exception = OpeningHoursConfig["exceptions"][number];

/** A dated exception as the form edits it: every field as typed; `key` keeps a row's inputs when one above goes. */
export interface ExceptionRow {
  key: number;
  date: string;
  until: string;
  hours: string;
  note: string;
}

export const rowOf = (e: Exception, key: number): ExceptionRow => ({
  key,
  date: e.date,
  until: e.until ?? "",
  hours: intervalsText(e.hours),
  note: e.note ?? "",
});

/** The row as the config writes it: no `until` for one day, no empty note. */
export const exceptionOf = (row: ExceptionRow): Exception => ({
  date: row.date,
  ...(row.until !== "" && row.until !== row.date ? { until: row.until } : {}),
  hours: parseIntervals(row.hours),
  ...(row.note.trim() !== "" ? { note: row.note.trim() } : {}),
});
