import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../bridge/config/load.ts";
import { ConfigError } from "../../../bridge/config/validate.ts";

function problems(json: unknown) {
  try {
    parseConfig(json, "test.json", { models: [] });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("config: offline and statistics sections", () => {
  it("have defaults: the journal is always written, offline checkouts are off", () => {
    const config = parseConfig({}, "test.json", { models: [] });
    expect(config.offline).toEqual({
      journalPath: "data/selfcheck.db",
      enabled: false,
      maxItemsPerPatron: 5,
      withoutPinCheck: true,
      unknownOutcome: "checkin",
      unknownOutcomeWaitMs: 15_000,
    });
    expect(config.statistics).toEqual({ retentionDays: 730 });
  });

  it("name the choice for a loan the kiosk never handed out, and refuse any other", () => {
    expect(parseConfig({ offline: { unknownOutcome: "flag" } }, "test.json", { models: [] }).offline).toMatchObject({
      unknownOutcome: "flag",
    });
    expect(problems({ offline: { unknownOutcome: "keep" } })).toEqual([
      expect.objectContaining({ path: "offline.unknownOutcome", message: expect.stringContaining("checkin") }),
    ]);
  });

  it("take the settings a library gives", () => {
    const config = parseConfig(
      {
        offline: {
          journalPath: "/var/lib/selfcheck/kiosk.db",
          enabled: true,
          maxItemsPerPatron: 2,
          blockedPatronsFile: "/etc/selfcheck/blocked.txt",
        },
        statistics: { retentionDays: 90, timeZone: "Europe/Berlin" },
      },
      "test.json",
      { models: [] },
    );
    expect(config.offline.blockedPatronsFile).toBe("/etc/selfcheck/blocked.txt");
    expect(config.statistics).toEqual({ retentionDays: 90, timeZone: "Europe/Berlin" });
  });

  it("name the key that is wrong, in the loader's words", () => {
    expect(problems({ offline: { enabled: "yes" } })).toEqual([
      { path: "offline.enabled", message: 'expected true or false, got "yes"' },
    ]);
    expect(problems({ offline: { maxItemPerPatron: 3 } })).toEqual([
      { path: "offline.maxItemPerPatron", message: 'unknown key; did you mean "maxItemsPerPatron"?' },
    ]);
    expect(problems({ statistics: { retentionDays: 0 } })).toEqual([
      { path: "statistics.retentionDays", message: "expected a whole number from 1 to 36600, got 0" },
    ]);
    expect(problems({ statistics: { timeZone: "Europe/Berln" } })).toEqual([
      {
        path: "statistics.timeZone",
        message: 'unknown time zone "Europe/Berln"; use an IANA name such as "Europe/Berlin" or "UTC"',
      },
    ]);
  });
});
