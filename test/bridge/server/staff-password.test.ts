/**
 * POST /api/staff/password on a real server (HTTP on a free port), time on a VirtualClock: a signed-in member
 * changes their own password; refusals say which field and keep the session; the route is rate-limited as
 * login is; the session stays signed in, the new password logs in and the old one no longer does.
 */
import { afterEach, describe, expect, it } from "vitest";
import { closeStaffServers, startStaffServer } from "./staff-server.ts";

const OLD = "old-desk-pass-1";
const NEW = "new-desk-pass-2";
afterEach(closeStaffServers);

async function start() {
  const staff = await startStaffServer({ password: OLD });
  const change = (cookie: string, current: string, newPassword: string, repeated = newPassword) =>
    staff.call("POST", "/api/staff/password", cookie, { current, newPassword, repeated });
  return { ...staff, change };
}

describe("POST /api/staff/password", () => {
  it("needs a staff session", async () => {
    const { change } = await start();
    const anonymous = await change("", OLD, NEW);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toMatchObject({ code: "STAFF_AUTH_REQUIRED" });
  });

  it("refuses a wrong current password (403, the session kept) and a bad new one (422, at its field)", async () => {
    const { change, login, call } = await start();
    const { cookie } = await login(OLD);
    const wrong = await change(cookie, "not-my-pass", NEW);
    expect(wrong.status).toBe(403);
    expect(wrong.json).toMatchObject({ code: "STAFF_PASSWORD_WRONG", problems: [{ path: "current" }] });
    const differ = await change(cookie, OLD, NEW, "new-desk-pass-3");
    expect(differ.status).toBe(422);
    expect(differ.json).toMatchObject({ code: "STAFF_PASSWORD_INVALID", problems: [{ path: "repeated" }] });
    const short = await change(cookie, OLD, "short");
    expect(short.json).toMatchObject({ code: "STAFF_PASSWORD_INVALID", problems: [{ path: "newPassword" }] });
    const missing = await call("POST", "/api/staff/password", cookie, { current: OLD });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ code: "STAFF_INVALID_REQUEST" });
    expect((await call("GET", "/api/staff/session", cookie)).status).toBe(200);
    expect((await login(OLD)).status).toBe(200);
  });

  it("changes the password: the session stays, the new one logs in, the old one is refused; no password logged", async () => {
    const { change, login, call, log } = await start();
    const { cookie } = await login(OLD);
    const other = await login(OLD);
    const changed = await change(cookie, OLD, NEW);
    expect(changed.status).toBe(200);
    expect(changed.json).toEqual({ user: "ines", otherSessionsEnded: 1, file: null });
    expect((await call("GET", "/api/staff/session", cookie)).status).toBe(200);
    expect((await call("GET", "/api/staff/session", other.cookie)).status).toBe(401);
    expect((await login(OLD)).status).toBe(401);
    expect((await login(NEW)).status).toBe(200);
    expect(log.text()).toContain("staff member changed their password");
    expect(log.text()).not.toMatch(/old-desk-pass|new-desk-pass/);
  });

  it("is rate-limited as login is: the 6th attempt in a minute is 429, a minute later it may try again", async () => {
    const { change, login, clock } = await start();
    const { cookie } = await login(OLD);
    for (let i = 0; i < 5; i++) expect((await change(cookie, `guess-${i}-pass`, NEW)).status).toBe(403);
    const limited = await change(cookie, OLD, NEW);
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ code: "STAFF_LOGIN_RATE_LIMITED" });
    await clock.advance(60_000);
    expect((await change(cookie, OLD, NEW)).status).toBe(200);
  });
});
