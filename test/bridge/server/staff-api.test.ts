/**
 * The staff API on a real server (HTTP on a free port) over a real kiosk engine, with the ILS scripted
 * and time on a VirtualClock: login, sessions, rate limiting, the origin check, out of service, metrics,
 * and the offline queue over a real journal (SQLite in a temp folder) with a scripted replay.
 * The device tests against the device simulators are in test/integration/staff-devices.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DeviceRegistry } from "../../../bridge/devices/registry.ts";
import { KioskEngine } from "../../../bridge/kiosk/engine.ts";
import { type JournalEntry, OfflineJournal, type SendOutcome } from "../../../bridge/kiosk/journal.ts";
import { JournaledIls, type StaffJournal } from "../../../bridge/kiosk/journaled-ils.ts";
import { OfflinePolicy } from "../../../bridge/kiosk/offline-policy.ts";
import { Statistics } from "../../../bridge/kiosk/statistics.ts";
import { createKioskMetrics } from "../../../bridge/server/metrics.ts";
import { type RunningServer, startServer } from "../../../bridge/server/server.ts";
import { StaffAuth } from "../../../bridge/staff/auth.ts";
import { StaffDesk } from "../../../bridge/staff/desk.ts";
import { hashPassword } from "../../../bridge/staff/password.ts";
import type { KioskState } from "../../../protocols/kiosk-api/schema.ts";
import type { QueueEntry, QueueReply, StaffStatus } from "../../../protocols/staff-api/schema.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { capturedLogger } from "../devices/scanner/helpers.ts";
import { PATRON, ScriptedIls } from "../kiosk/engine-helpers.ts";
import { tempDatabases } from "../kiosk/helpers.ts";

const PASSWORD = "desk-pass-1";
const databases = tempDatabases();
let server: RunningServer | undefined;
const closers: Array<() => unknown> = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const close of closers.splice(0)) await close();
});

async function start(options: { statistics?: boolean; allowedOrigins?: string[]; journal?: StaffJournal } = {}) {
  const clock = new VirtualClock();
  const log = capturedLogger("info");
  const ils = new ScriptedIls();
  const engine = new KioskEngine({ settings: { pinRequired: false }, ports: { ils }, clock, logger: log.logger });
  const registry = new DeviceRegistry({ devices: [], logger: log.logger, clock });
  await registry.start();
  closers.push(
    () => registry.stop(),
    () => engine.close(),
  );
  const statistics = options.statistics
    ? new Statistics(databases.open(), { clock, retentionDays: 30, timeZone: "UTC" })
    : undefined;
  const desk = new StaffDesk({ registry, kiosk: engine, statistics, journal: options.journal });
  const metrics = createKioskMetrics(engine, desk);
  const users = [{ name: "ines", passwordHash: await hashPassword(PASSWORD, { log2N: 10, r: 8, p: 1 }) }];
  const auth = new StaffAuth({ users, sessionMinutes: 30, loginAttemptsPerMinute: 5 }, { clock, logger: log.logger });
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    endpoint: engine,
    logger: log.logger,
    allowedOrigins: options.allowedOrigins ?? [],
    staff: { desk, auth, metrics, loginAttemptsPerMinute: 5, clock },
  });
  const url = server.url;
  const call = async (
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
  };
  const login = async (password = PASSWORD) => {
    const reply = await call("POST", "/api/staff/login", { body: { user: "ines", password } });
    const cookie = reply.headers.get("set-cookie")?.split(";")[0] ?? "";
    return { ...reply, cookie };
  };
  return { clock, log, ils, engine, registry, statistics, url, call, login };
}

describe("staff login and sessions", () => {
  it("refuses the API without a session; a login sets an httpOnly SameSite cookie that opens it; logout closes it", async () => {
    const { call, login } = await start();
    const anonymous = await call("GET", "/api/staff/status");
    expect(anonymous.status).toBe(401);
    expect(anonymous.json()).toMatchObject({
      code: "STAFF_AUTH_REQUIRED",
      message: expect.stringContaining("staff login"),
    });

    const wrong = await login("not-it");
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toEqual({ code: "STAFF_LOGIN_FAILED", message: "wrong user name or password" });
    expect(wrong.cookie).toBe("");

    const ok = await login();
    expect(ok.status).toBe(200);
    expect(ok.headers.get("set-cookie")).toMatch(
      /^selfcheck_staff=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=1800$/,
    );
    const status = await call("GET", "/api/staff/status", { headers: { cookie: ok.cookie } });
    expect(status.status).toBe(200);
    expect(status.json()).toMatchObject({
      kiosk: "Self-check",
      phase: "idle",
      ils: "online",
      outOfService: null,
      devices: [],
    });
    // The same token works as a bearer token, for scripts.
    const token = (ok.json() as { token: string }).token;
    expect(
      (await call("GET", "/api/staff/session", { headers: { authorization: `Bearer ${token}` } })).json(),
    ).toMatchObject({
      user: "ines",
    });

    expect((await call("POST", "/api/staff/logout", { headers: { cookie: ok.cookie } })).status).toBe(204);
    expect((await call("GET", "/api/staff/status", { headers: { cookie: ok.cookie } })).status).toBe(401);
  });

  it("a session unused for sessionMinutes ends: 401 STAFF_SESSION_EXPIRED", async () => {
    const { call, login, clock } = await start();
    const { cookie } = await login();
    await clock.advance(29 * 60_000);
    expect((await call("GET", "/api/staff/status", { headers: { cookie } })).status).toBe(200);
    await clock.advance(30 * 60_000);
    const expired = await call("GET", "/api/staff/status", { headers: { cookie } });
    expect(expired.status).toBe(401);
    expect(expired.json()).toMatchObject({ code: "STAFF_SESSION_EXPIRED" });
  });

  it("rate-limits login attempts per address: the 6th in a minute is 429, a minute later it may try again", async () => {
    const { login, clock } = await start();
    for (let i = 0; i < 5; i++) expect((await login("guess")).status).toBe(401);
    const limited = await login();
    expect(limited.status).toBe(429);
    expect(limited.json()).toMatchObject({
      code: "STAFF_LOGIN_RATE_LIMITED",
      message: expect.stringMatching(/try again in \d+ s/),
    });
    await clock.advance(60_000);
    expect((await login()).status).toBe(200);
  });

  it("never logs a password or what was typed as a user name", async () => {
    const { call, log } = await start();
    await call("POST", "/api/staff/login", { body: { user: PATRON, password: "hunter2-secret" } });
    await call("POST", "/api/staff/login", { body: { user: "ines", password: "hunter3-secret" } });
    expect(log.text()).toContain("staff login failed");
    expect(log.text()).not.toMatch(new RegExp(`${PATRON}|hunter2-secret|hunter3-secret`));
  });

  it("a bad body is 400 STAFF_INVALID_REQUEST naming the field; another site's page is 403", async () => {
    const { call, login } = await start();
    const bad = await call("POST", "/api/staff/login", { body: { user: "ines" } });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ code: "STAFF_INVALID_REQUEST", message: expect.stringContaining("password") });

    const { cookie } = await login();
    const foreign = await call("PUT", "/api/staff/out-of-service", {
      body: { outOfService: true },
      headers: { cookie, origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.json()).toMatchObject({ code: "STAFF_ORIGIN_REFUSED" });
  });
});

describe("out of service", () => {
  it("takes the kiosk out of service with a message (the patron screen's state says so) and back", async () => {
    const { call, login, engine } = await start();
    const { cookie } = await login();
    const states: KioskState[] = [];
    engine.subscribe((m) => {
      if (m.type === "state") states.push(m.state);
    });
    const off = await call("PUT", "/api/staff/out-of-service", {
      body: { outOfService: true, message: "Back at 2 pm" },
      headers: { cookie },
    });
    expect(off.status).toBe(200);
    expect(off.json()).toMatchObject({ phase: "out-of-service", outOfService: { message: "Back at 2 pm" } });
    expect(engine.snapshot()).toMatchObject({ phase: "out-of-service", outOfService: { message: "Back at 2 pm" } });
    // A patron card is refused while out of service.
    await expect(engine.execute({ type: "identify", id: "x", credential: PATRON })).rejects.toMatchObject({
      code: "NOT_ALLOWED_NOW",
    });

    const on = await call("PUT", "/api/staff/out-of-service", { body: { outOfService: false }, headers: { cookie } });
    expect(on.json()).toMatchObject({ phase: "idle", outOfService: null });
    await expect.poll(() => states.at(-1)?.phase).toBe("idle");
  });
});

describe("staff events", () => {
  it("streams the status now and after every change (server-sent events), until the session ends", async () => {
    const { url, login, engine, call } = await start();
    const { cookie } = await login();
    const response = await fetch(`${url}/api/staff/events`, { headers: { cookie } });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let buffer = "";
    const nextStatus = async (): Promise<StaffStatus> => {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          expect(event).toMatch(/^event: status\ndata: /);
          return JSON.parse(event.replace(/^event: status\ndata: /, "")) as StaffStatus;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the event stream ended");
        buffer += new TextDecoder().decode(value);
      }
    };
    expect(await nextStatus()).toMatchObject({ phase: "idle" });
    engine.setOutOfService("Cleaning");
    expect(await nextStatus()).toMatchObject({ phase: "out-of-service", outOfService: { message: "Cleaning" } });
    // After logout the stream ends at the next change instead of sending it.
    await call("POST", "/api/staff/logout", { headers: { cookie } });
    engine.setOutOfService(false);
    await expect(nextStatus()).rejects.toThrow("the event stream ended");
  });
});

describe("statistics and metrics", () => {
  it("statistics: 503 with the reason when the kiosk database is not open", async () => {
    const { call, login } = await start();
    const { cookie } = await login();
    const reply = await call("GET", "/api/staff/statistics", { headers: { cookie } });
    expect(reply.status).toBe(503);
    expect(reply.json()).toMatchObject({
      code: "STAFF_STATISTICS_UNAVAILABLE",
      message: expect.stringContaining("offline.journalPath"),
    });
  });

  it("statistics: daily figures as JSON and the records as CSV", async () => {
    const { call, login, statistics, clock } = await start({ statistics: true });
    statistics?.record({ kind: "checkout", result: "ok", durationMs: 300, device: "rfid-pad" });
    statistics?.record({ kind: "checkout", result: "ok", durationMs: 500, device: "rfid-pad" });
    statistics?.record({ kind: "checkin", result: "refused", errorCode: "ITEM_UNKNOWN", durationMs: 90 });
    const { cookie } = await login();
    const day = new Date(clock.now()).toISOString().slice(0, 10);
    const json = await call("GET", "/api/staff/statistics?view=day", { headers: { cookie } });
    expect(json.json()).toEqual({
      view: "day",
      rows: expect.arrayContaining([
        { period: day, kind: "checkout", result: "ok", count: 2, meanDurationMs: 400, maxDurationMs: 500 },
        { period: day, kind: "checkin", result: "refused", count: 1, meanDurationMs: 90, maxDurationMs: 90 },
      ]),
    });
    const csv = await call("GET", "/api/staff/statistics?view=records&format=csv", { headers: { cookie } });
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="selfcheck-statistics-records.csv"');
    expect(csv.text.split("\r\n").filter(Boolean)).toHaveLength(4);
    expect(csv.text).toContain("ITEM_UNKNOWN");

    const wrong = await call("GET", "/api/staff/statistics?view=week", { headers: { cookie } });
    expect(wrong.status).toBe(400);
  });

  it("/metrics on this machine: transactions by kind and result, sessions, ILS state, out of service; no patron", async () => {
    const { call, engine, ils } = await start();
    ils.autoAnswer = () => ({ ok: true, title: "Dune" });
    await engine.execute({ type: "show", id: "a", screen: "checkin" });
    await engine.execute({ type: "addItem", id: "b", itemId: "34711000000010" });
    await expect.poll(() => engine.snapshot().items[0]?.status).toBe("done");
    await engine.execute({ type: "endSession", id: "c" });
    await engine.execute({ type: "identify", id: "d", credential: PATRON });
    ils.setStatus("down");

    const reply = await call("GET", "/metrics");
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(reply.text).toContain('selfcheck_transactions_total{kind="checkin",result="done"} 1');
    expect(reply.text).toContain('selfcheck_transactions_total{kind="checkout",result="done"} 0');
    expect(reply.text).toContain('selfcheck_sessions_total{kind="checkin"} 1');
    expect(reply.text).toContain('selfcheck_sessions_total{kind="patron"} 1');
    expect(reply.text).toContain('selfcheck_ils_state{state="down"} 1');
    expect(reply.text).toContain('selfcheck_ils_state{state="online"} 0');
    expect(reply.text).toContain("selfcheck_out_of_service 0");
    expect(reply.text).not.toContain(PATRON);
  });
});

describe("offline queue", () => {
  /** A journaled ILS lending offline (the ILS down) whose replay answers as the test says. */
  function offlineKiosk() {
    const clock = new VirtualClock();
    const db = databases.open();
    const journal = new OfflineJournal(db, { clock });
    const inner = new ScriptedIls();
    inner.setStatus("down");
    const replay = {
      answer: (_entry: JournalEntry): SendOutcome => ({ result: "done" }),
      sent: [] as string[],
      async send(entry: JournalEntry) {
        this.sent.push(entry.id);
        return this.answer(entry);
      },
      inquire: async () => "not-done" as const,
    };
    const ils = new JournaledIls({
      ils: inner,
      executor: replay,
      journal,
      policy: new OfflinePolicy(
        { enabled: true, maxItemsPerPatron: 5 },
        { openOfflineCheckouts: (p) => journal.openOfflineCheckouts(p) },
      ),
      clock,
      logger: capturedLogger("info").logger,
      identifyOffline: true,
    });
    closers.push(() => ils.close());
    return { ils, inner, replay };
  }

  it("needs a staff session for every route (401)", async () => {
    const { ils } = offlineKiosk();
    const { call } = await start({ journal: ils });
    for (const [method, path, body] of [
      ["GET", "/api/staff/offline-queue", undefined],
      ["POST", "/api/staff/offline-queue/replay", undefined],
      ["POST", "/api/staff/offline-queue/x/retry", {}],
      ["POST", "/api/staff/offline-queue/x/resolve", { note: "n" }],
    ] as const) {
      const reply = await call(method, path, body === undefined ? {} : { body });
      expect(reply.status, `${method} ${path}`).toBe(401);
      expect(reply.json()).toMatchObject({ code: "STAFF_AUTH_REQUIRED" });
    }
  });

  it("lists what waits without the patron; a refused replay leaves a conflict with the card's last digits; resolve takes a note", async () => {
    const { ils, inner, replay } = offlineKiosk();
    const { call, login, log } = await start({ journal: ils });
    const { cookie } = await login();
    expect(await ils.checkout({ patron: PATRON, itemId: "31000000000001", renewal: true })).toMatchObject({
      offline: true,
    });
    await ils.checkin({ itemId: "31000000000002" });

    const queue = (await call("GET", "/api/staff/offline-queue", { headers: { cookie } })).json() as QueueReply;
    expect(queue).toMatchObject({ offlineMode: true, replaying: false, counts: { pending: 2 } });
    expect(queue.entries.map((e) => [e.kind, e.itemId, e.state, e.offline])).toEqual([
      ["checkout", "31000000000001", "pending", true],
      ["checkin", "31000000000002", "pending", true],
    ]);
    expect(queue.entries[0]?.transactedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.stringify(queue)).not.toContain(PATRON);
    const status = (await call("GET", "/api/staff/status", { headers: { cookie } })).json() as StaffStatus;
    expect(status.offlineQueue).toEqual({ waiting: 2, needsStaff: 0, offlineMode: true });

    // Replay now (staff need not wait for the ILS's status to change): the ILS refuses the loan, so staff
    // see a conflict with the last four characters of the card.
    replay.answer = (e) =>
      e.kind === "checkout" ? { result: "refused", code: "ITEM_ON_HOLD_FOR_OTHER" } : { result: "done" };
    const summary = await call("POST", "/api/staff/offline-queue/replay", { headers: { cookie } });
    expect(summary.json()).toEqual({ handled: 2, sent: 2, inquired: 0, results: { conflict: 1, done: 1 } });
    const [conflict, ...others] = (
      (await call("GET", "/api/staff/offline-queue", { headers: { cookie } })).json() as QueueReply
    ).entries;
    expect(others).toEqual([]);
    expect(conflict).toMatchObject({
      kind: "checkout",
      state: "conflict",
      resultCode: "ITEM_ON_HOLD_FOR_OTHER",
      patron: `•••• ${PATRON.slice(-4)}`,
    });
    const id = conflict?.id as string;

    // A conflict cannot be sent again (the ILS said no): 409; resolving needs a note: 400; an unknown id: 404.
    const retry = await call("POST", `/api/staff/offline-queue/${id}/retry`, { body: {}, headers: { cookie } });
    expect(retry.status).toBe(409);
    expect(retry.json()).toMatchObject({ code: "STAFF_JOURNAL_NOT_ALLOWED", message: expect.stringContaining(id) });
    const noNote = await call("POST", `/api/staff/offline-queue/${id}/resolve`, {
      body: { note: " " },
      headers: { cookie },
    });
    expect(noNote.status).toBe(400);
    const unknown = await call("POST", "/api/staff/offline-queue/nope/resolve", {
      body: { note: "x" },
      headers: { cookie },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ code: "STAFF_JOURNAL_ENTRY_UNKNOWN" });

    const resolved = await call("POST", `/api/staff/offline-queue/${id}/resolve`, {
      body: { note: "  Lent at the desk  " },
      headers: { cookie },
    });
    expect(resolved.status).toBe(200);
    expect(resolved.json() as QueueEntry).toMatchObject({ id, state: "resolved", note: "Lent at the desk" });
    expect((resolved.json() as QueueEntry).patron).toBeUndefined();
    inner.setStatus("online");
    const after = (await call("GET", "/api/staff/offline-queue", { headers: { cookie } })).json() as QueueReply;
    expect(after).toMatchObject({ entries: [], offlineMode: false, counts: { resolved: 1, done: 1 } });
    expect(log.text()).not.toContain(PATRON);
    expect(log.text()).not.toContain("Lent at the desk");
  });

  it("an entry whose outcome nobody knows: retry sends it again with the next replay", async () => {
    const { ils, inner, replay } = offlineKiosk();
    const { call, login } = await start({ journal: ils });
    const { cookie } = await login();
    await ils.checkin({ itemId: "31000000000003" });
    replay.answer = () => ({ result: "unknown", code: "SIP2_OUTCOME_UNKNOWN" });
    await call("POST", "/api/staff/offline-queue/replay", { headers: { cookie } });
    const list = async () =>
      ((await call("GET", "/api/staff/offline-queue", { headers: { cookie } })).json() as QueueReply).entries;
    expect((await list()).map((e) => e.state)).toEqual(["unknown"]);
    const id = (await list())[0]?.id as string;

    // The ILS answers again; staff found the return missing there and send it again.
    inner.setStatus("online");
    replay.answer = () => ({ result: "done" });
    const retried = await call("POST", `/api/staff/offline-queue/${id}/retry`, {
      body: { note: "not in the ILS" },
      headers: { cookie },
    });
    expect(retried.json()).toMatchObject({ id, state: "pending", note: "not in the ILS" });
    await expect.poll(list).toEqual([]);
    expect(replay.sent.filter((sent) => sent === id)).toHaveLength(2);
  });

  it("503 with the reason when the bridge keeps no journal", async () => {
    const { call, login } = await start();
    const { cookie } = await login();
    const reply = await call("GET", "/api/staff/offline-queue", { headers: { cookie } });
    expect(reply.status).toBe(503);
    expect(reply.json()).toMatchObject({ code: "STAFF_JOURNAL_UNAVAILABLE" });
  });
});
