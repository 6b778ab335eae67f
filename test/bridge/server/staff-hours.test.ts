/**
 * Opening hours through the staff API on a real server over a real kiosk engine, on a VirtualClock: today's
 * hours and the next change; new hours checked key by key, applied to the kiosk at once (the patron screen
 * closes), and saved to the config file when there is one (a generated config keeps them until it stops).
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../bridge/config/load.ts";
import { DeviceRegistry } from "../../../bridge/devices/registry.ts";
import { KioskEngine } from "../../../bridge/kiosk/engine.ts";
import { createKioskMetrics } from "../../../bridge/server/metrics.ts";
import { type RunningServer, startServer } from "../../../bridge/server/server.ts";
import { StaffAuth } from "../../../bridge/staff/auth.ts";
import { ConfigEditor } from "../../../bridge/staff/config-editor.ts";
import { StaffDesk } from "../../../bridge/staff/desk.ts";
import { StaffHours } from "../../../bridge/staff/opening-hours.ts";
import { hashPassword } from "../../../bridge/staff/password.ts";
import type { HoursView } from "../../../protocols/staff-api/hours.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { capturedLogger } from "../devices/scanner/helpers.ts";
import { ScriptedIls } from "../kiosk/engine-helpers.ts";

const PASSWORD = "desk-pass-1";
let server: RunningServer | undefined;
const closers: Array<() => unknown> = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const close of closers.splice(0)) await close();
});

/** Monday 7 December 2026, 11:00 in Berlin. */
const NOW = Date.parse("2026-12-07T10:00:00Z");

async function start(file?: string) {
  const clock = new VirtualClock(NOW);
  const log = capturedLogger("info");
  const engine = new KioskEngine({ ports: { ils: new ScriptedIls() }, clock, logger: log.logger });
  const registry = new DeviceRegistry({ devices: [], logger: log.logger, clock });
  closers.push(() => engine.close());
  const desk = new StaffDesk({ registry, kiosk: engine });
  const users = [{ name: "ines", passwordHash: await hashPassword(PASSWORD, { log2N: 10, r: 8, p: 1 }) }];
  const auth = new StaffAuth({ users, sessionMinutes: 30, loginAttemptsPerMinute: 5 }, { clock, logger: log.logger });
  const text = file ? await readFile(file, "utf8") : "{}";
  const editor = new ConfigEditor({
    running: parseConfig(JSON.parse(text), file ?? "generated", { models: [] }),
    file,
    models: [],
    testSip2: () => Promise.reject(new Error("no SIP2 here")),
    auth,
  });
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    endpoint: engine,
    logger: log.logger,
    allowedOrigins: [],
    staff: {
      desk,
      auth,
      metrics: createKioskMetrics(engine, desk),
      loginAttemptsPerMinute: 5,
      clock,
      config: editor,
      hours: new StaffHours({ kiosk: engine, clock, editor }),
    },
  });
  const url = server.url;
  const login = await fetch(`${url}/api/staff/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: "ines", password: PASSWORD }),
  });
  const cookie = login.headers.get("set-cookie")?.split(";")[0] ?? "";
  const call = async (method: string, body?: unknown) => {
    const response = await fetch(`${url}/api/staff/hours`, {
      method,
      headers: { cookie, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: (await response.json()) as HoursView & Record<string, unknown> };
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
