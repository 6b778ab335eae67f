/**
 * Opening hours through the staff API on a real server over a real kiosk engine, on a VirtualClock: today's
 * hours and the next change; new hours checked key by key, applied to the kiosk at once (the patron screen
 * closes), and saved to the config file when there is one (a generated config keeps them until it stops).
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { HoursView } from "../../../protocols/staff-api/hours.ts";
import { closeStaffServers, startStaffServer } from "./staff-server.ts";

const PASSWORD = "desk-pass-1";
afterEach(closeStaffServers);

/** Monday 7 December 2026, 11:00 in Berlin. */
const NOW = Date.parse("2026-12-07T10:00:00Z");

async function start(file?: string) {
  const { engine, clock, call: send, login } = await startStaffServer({ password: PASSWORD, now: NOW, file });
  const { cookie } = await login(PASSWORD);
  const call = async (method: string, body?: unknown) => {
    const { status, json } = await send(method, "/api/staff/hours", cookie, body);
    return { status, json: json as HoursView & Record<string, unknown> };
  };
  return { engine, clock, call };
}

const WEEK = {
  timeZone: "Europe/Berlin",
  weekly: {
    monday: [
      { opens: "09:00", closes: "12:30" },
      { opens: "13:30", closes: "19:00" },
    ],
  },
  exceptions: [{ date: "2026-12-08", note: "Staff training" }],
};

describe("opening hours on the staff API", () => {
  it("shows no hours followed at first; new hours apply at once and say today's hours and the next change", async () => {
    const { call, engine } = await start();
    const first = await call("GET");
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ followed: false, open: true, nextChange: null, file: null });

    const changed = await call("PUT", { ...WEEK, weekly: { monday: [{ opens: "13:30", closes: "19:00" }] } });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({
      followed: true,
      open: false,
      timeZone: "Europe/Berlin",
      today: { date: "2026-12-07", exception: false, intervals: [{ opens: "13:30", closes: "19:00" }] },
      nextChange: "2026-12-07T12:30:00.000Z",
      hours: { whenClosed: "closed", returnsWhenClosed: false, exceptions: [{ date: "2026-12-08", hours: [] }] },
    });
    expect(engine.phase).toBe("closed");
  });

  it("refuses bad hours with every problem at its key, and changes nothing", async () => {
    const { call, engine } = await start();
    const refused = await call("PUT", {
      weekly: {
        monday: [
          { opens: "09:00", closes: "12:30" },
          { opens: "12:00", closes: "13:00" },
        ],
        tuesday: [{ opens: "9", closes: "10:00" }],
      },
    });
    expect(refused.status).toBe(422);
    expect(refused.json).toMatchObject({
      code: "STAFF_CONFIG_INVALID",
      problems: [
        {
          path: "kiosk.hours.weekly.tuesday[0].opens",
          message: 'expected a time HH:MM from 00:00 to 23:59 ("09:00"), got "9"',
        },
      ],
    });
    const overlapping = await call("PUT", {
      weekly: {
        monday: [
          { opens: "09:00", closes: "12:30" },
          { opens: "12:00", closes: "13:00" },
        ],
      },
    });
    expect(overlapping.json.problems).toEqual([
      {
        path: "kiosk.hours.weekly.monday[1]",
        message: "12:00–13:00 overlaps 09:00–12:30 ([0]); join them or move one",
      },
    ]);
    expect(engine.phase).toBe("idle");
    expect((await call("GET")).json.followed).toBe(false);
  });

  it("a holiday today closes the kiosk at once and it opens the next day; whenClosed open ignores the hours", async () => {
    const { call, engine, clock } = await start();
    const allWeek = Object.fromEntries(
      ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((d) => [
        d,
        [{ opens: "00:00", closes: "24:00" }],
      ]),
    );
    const holiday = {
      timeZone: "Europe/Berlin",
      weekly: allWeek,
      exceptions: [{ date: "2026-12-07", note: "Holiday" }],
    };
    const closed = await call("PUT", holiday);
    expect(closed.json).toMatchObject({
      open: false,
      today: { date: "2026-12-07", exception: true, intervals: [], note: "Holiday" },
      nextChange: "2026-12-07T23:00:00.000Z", // midnight in Berlin
    });
    expect(engine.phase).toBe("closed");

    const ignored = await call("PUT", { ...holiday, whenClosed: "open" });
    expect(ignored.json).toMatchObject({ followed: false, open: true, hours: { whenClosed: "open" } });
    await expect.poll(() => engine.phase).toBe("idle");

    await call("PUT", holiday);
    expect(engine.phase).toBe("closed");
    await clock.advance(13 * 3_600_000); // 00:00 on Tuesday in Berlin
    await expect.poll(() => engine.phase).toBe("idle");
  });

  it("names each exception's problem at its key: a bad date, a range ending before it starts, a day twice", async () => {
    const { call } = await start();
    const bad = await call("PUT", { weekly: {}, exceptions: [{ date: "2026-02-30" }] });
    expect(bad.json.problems).toEqual([
      { path: "kiosk.hours.exceptions[0].date", message: 'expected a date YYYY-MM-DD, got "2026-02-30"' },
    ]);
    const twice = await call("PUT", {
      weekly: {},
      exceptions: [
        { date: "2026-12-24", until: "2026-12-26", hours: [{ opens: "09:00", closes: "14:00" }] },
        { date: "2026-12-25" },
        { date: "2027-01-06", until: "2027-01-05" },
      ],
    });
    expect(twice.status).toBe(422);
    expect((twice.json.problems as Array<{ path: string }>).map((p) => p.path)).toEqual([
      "kiosk.hours.exceptions[1].date",
      "kiosk.hours.exceptions[2].until",
    ]);
  });

  it("saves the hours into the config file, keeping everything else in it", async () => {
    const folder = await mkdtemp(join(tmpdir(), "hours-"));
    const file = join(folder, "kiosk.json");
    await writeFile(file, JSON.stringify({ kiosk: { name: "Front door", pinRequired: false } }));
    const { call, engine } = await start(file);
    const saved = await call("PUT", WEEK);
    expect(saved.status).toBe(200);
    expect(saved.json.file).toBe(file);
    const written = JSON.parse(await readFile(file, "utf8"));
    expect(written.kiosk).toMatchObject({
      name: "Front door",
      pinRequired: false,
      hours: { timeZone: "Europe/Berlin" },
    });
    expect(written.kiosk.hours.weekly.monday).toHaveLength(2);
    expect(engine.phase).toBe("idle"); // 11:00 on a Monday: open
  });
});
