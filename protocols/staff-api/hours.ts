/**
 * The library's opening hours, written once: the config's `kiosk.hours` (bridge/config/schema.ts takes this
 * schema; bridge/config/hours.ts checks what a schema cannot say) and the staff API that shows and changes
 * them (GET and PUT /api/staff/hours).
 */
import { type Static, Type } from "@sinclair/typebox";
import { literals } from "../kiosk-api/schema.ts";

/** Days of the week as the config names them, Monday first (ISO 8601 numbers them 1–7 in this order). */
export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * One opening interval on the library's wall clock, named as schema.org's OpeningHoursSpecification names
 * them (opens/closes). "24:00" closes at midnight; an interval past midnight is two, one per day.
 */
export const OpenInterval = Type.Object(
  {
    opens: Type.String({
      pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$",
      expected: 'a time HH:MM from 00:00 to 23:59 ("09:00")',
    }),
    closes: Type.String({
      pattern: "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
      expected: 'a time HH:MM from 00:01 to 24:00 ("18:30"; 24:00 is midnight)',
    }),
  },
  { additionalProperties: false },
);
export type OpenInterval = Static<typeof OpenInterval>;

/** A day's intervals: none is closed all day; several for a lunch closure. */
const DayHours = Type.Array(OpenInterval, {
  maxItems: 12,
  description: 'The day\'s open intervals, e.g. [{"opens": "09:00", "closes": "17:00"}]; [] is closed all day.',
});

/**
 * Without `weekly` the kiosk has no hours and is always open. Beyond the schema (bridge/config/hours.ts):
 * opens before closes, no overlaps, one exception per day, a time zone the bridge knows.
 */
export const OpeningHoursSchema = Type.Object(
  {
    whenClosed: Type.Unsafe<"closed" | "open">({
      ...literals(["closed", "open"] as const),
      default: "closed",
      description:
        'What the kiosk does while the library is closed: "closed" (the patron screen says so and when it opens again; a session under way finishes) or "open" (hours are ignored).',
    }),
    returnsWhenClosed: Type.Boolean({
      default: false,
      description: "While closed, returns without a card are still taken (for a kiosk in a lobby that stays open).",
    }),
    timeZone: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'IANA time zone of the hours ("Europe/Berlin"); default: the system\'s.',
      }),
    ),
    weekly: Type.Optional(
      Type.Object(
        {
          monday: Type.Optional(DayHours),
          tuesday: Type.Optional(DayHours),
          wednesday: Type.Optional(DayHours),
          thursday: Type.Optional(DayHours),
          friday: Type.Optional(DayHours),
          saturday: Type.Optional(DayHours),
          sunday: Type.Optional(DayHours),
        },
        {
          additionalProperties: false,
          description:
            'Open intervals per weekday, e.g. "monday": [{"opens": "09:00", "closes": "12:30"}, {"opens": "13:30", "closes": "19:00"}]. A day left out or [] is closed all day.',
        },
      ),
    ),
    exceptions: Type.Array(
      Type.Object(
        {
          date: Type.String({ format: "date" }),
          until: Type.Optional(Type.String({ format: "date" })),
          hours: Type.Array(OpenInterval, { maxItems: 12, default: [] }),
          note: Type.Optional(Type.String({ maxLength: 200, description: 'For staff: why ("Christmas").' })),
        },
        { additionalProperties: false },
      ),
      {
        maxItems: 1000,
        default: [],
        description:
          "Dated days that differ from the week: holidays (hours [] = closed) or special hours. `until` makes it a range of days (inclusive).",
      },
    ),
  },
  { additionalProperties: false },
);
export type OpeningHoursConfig = Static<typeof OpeningHoursSchema>;

/** GET /api/staff/hours, and the answer to a PUT. */
export const HoursView = Type.Object({
  /** The hours the kiosk follows now (PUT's body shape, defaults filled in). */
  hours: OpeningHoursSchema,
  /** The kiosk follows hours (`weekly` set and `whenClosed: "closed"`). */
  followed: Type.Boolean(),
  /** Open now by the hours (always true when not followed). */
  open: Type.Boolean(),
  /** The zone the hours are in (the config's, or the bridge machine's). */
  timeZone: Type.String(),
  /** The library's day now in that zone, and its hours. */
  today: Type.Object({
    date: Type.String(),
    intervals: Type.Array(OpenInterval),
    exception: Type.Boolean(),
    note: Type.Optional(Type.String()),
  }),
  /** When `open` next changes (ISO 8601, UTC); null when hours are not followed or it does not within a year. */
  nextChange: Type.Union([Type.String(), Type.Null()]),
  /**
   * Where changed hours are kept: the config file; null when the bridge runs a generated config (the
   * simulated stack), so a change lasts until the bridge stops.
   */
  file: Type.Union([Type.String(), Type.Null()]),
});
export type HoursView = Static<typeof HoursView>;
