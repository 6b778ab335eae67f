/**
 * The Intl formatters both pages bind to their language (kiosk-ui/src/i18n/formatters.ts): a wall-clock period
 * keeps the clock time its writer named whatever this machine's zone, durations and numbers follow the
 * language, and text that is no date comes back as it was.
 */
import { describe, expect, it } from "vitest";
import { formatters } from "../../kiosk-ui/src/i18n/formatters.ts";

/** What Intl itself makes of a UTC instant (so the expectations do not depend on this Node's ICU wording). */
const utc = (
  locale: string,
  options: Intl.DateTimeFormatOptions,
  ...fields: [number, number, number, number?, number?]
) => new Intl.DateTimeFormat(locale, { ...options, timeZone: "UTC" }).format(Date.UTC(...fields));

describe("formatters", () => {
  it("shows a period at the clock time it names, not moved by its offset or this machine's zone", () => {
    const fr = formatters(() => "fr");
    // 23:30 five hours behind UTC is the next day in UTC: the day and hour must stay as written.
    expect(fr.formatWallClock("2026-12-01T23:30-05:00", "time")).toBe(
      utc("fr", { timeStyle: "short" }, 2026, 11, 1, 23, 30),
    );
    const dayMonth = { day: "numeric", month: "short" } as const;
    expect(fr.formatWallClock("2026-12-01T23:30-05:00", "dayMonth")).toBe(utc("fr", dayMonth, 2026, 11, 1));
    expect(fr.formatWallClock("2026-12-31", "dayMonth")).toBe(utc("fr", dayMonth, 2026, 11, 31));
    expect(formatters(() => "en").formatWallClock("2026-12-01T14:00+01:00", "time")).toBe(
      utc("en", { timeStyle: "short" }, 2026, 11, 1, 14, 0),
    );
  });

  it("follows the language it is bound to, switching with it", () => {
    let language = "en";
    const f = formatters(() => language);
    expect(f.formatNumber(1234)).toBe("1,234");
    expect(f.formatDuration(420.4)).toBe("420 ms");
    language = "fr";
    expect(f.formatNumber(1234)).toBe(new Intl.NumberFormat("fr").format(1234));
    language = "ar";
    expect(f.formatDuration(420)).not.toContain("ms");
  });

  it("gives back text that is no date as it was", () => {
    const f = formatters(() => "es");
    expect(f.formatWallClock("not a period", "time")).toBe("not a period");
    expect(f.formatDateTime("soon")).toBe("soon");
    expect(f.formatDate("2026-12-15")).toBe(utc("es", { dateStyle: "medium" }, 2026, 11, 15));
  });
});
