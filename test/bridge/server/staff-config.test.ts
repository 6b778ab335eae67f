/**
 * The configuration editor's routes on a real bridge (startBridge from a config file on disk, the ACS
 * simulator over TCP, the staff API over HTTP): read without secrets, check, save atomically with
 * FILE.bak, staff users applied at once, and "test SIP2 connection" against each fault of the ACS.
 */
import { once } from "node:events";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Bridge, loadBridgeConfig, startBridge } from "../../../bridge/main.ts";
import { hashPassword } from "../../../bridge/staff/password.ts";
import type { ConfigSaved, ConfigValidation, ConfigView, Sip2TestReply } from "../../../protocols/staff-api/config.ts";
import { capturedLogger } from "../devices/scanner/helpers.ts";
import { fixture, selfSigned, startAcs } from "../sip2/helpers.ts";

const STAFF_PASSWORD = "desk-pass-1";
const SMTP_PASSWORD = "smtp-secret-9";
const account = fixture.accounts[0]!;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(acsOptions: Parameters<typeof startAcs>[0] = {}) {
  const acs = await startAcs(acsOptions);
  cleanups.push(() => acs.server.stop());
  const dir = await mkdtemp(join(tmpdir(), "selfcheck-config-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "kiosk.json");
  const hash = await hashPassword(STAFF_PASSWORD, { log2N: 10, r: 8, p: 1 });
  const original = {
    sip2: {
      host: "127.0.0.1",
      port: acs.port,
      login: { user: account.userId, password: account.password },
      institution: account.institution,
      timeoutMs: 1000,
    },
    offline: { journalPath: join(dir, "selfcheck.db") },
    server: { port: 0 },
    receipts: {
      email: { host: "smtp.example.org", from: "kiosk@example.org", user: "kiosk", password: SMTP_PASSWORD },
    },
    staff: { users: [{ name: "ines", passwordHash: hash }] },
  };
  await writeFile(file, JSON.stringify(original, null, 2), { mode: 0o640 });
  const log = capturedLogger("info");
  const bridge: Bridge = await startBridge(await loadBridgeConfig(file), { logger: log.logger, configFile: file });
  cleanups.push(() => bridge.stop());
  const url = bridge.server?.url ?? "";
  const call = async (method: string, path: string, body?: unknown, cookie = "") => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(cookie ? { cookie } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, text, json: <T>() => JSON.parse(text) as T };
  };
  const login = async (user = "ines", password = STAFF_PASSWORD) => {
    const response = await fetch(`${url}/api/staff/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user, password }),
    });
    return { status: response.status, cookie: response.headers.get("set-cookie")?.split(";")[0] ?? "" };
  };
  const { cookie } = await login();
  const as = (method: string, path: string, body?: unknown) => call(method, path, body, cookie);
  return { acs, file, original, hash, log, bridge, call, as, login };
}

describe("configuration editor routes", () => {
  it("need a staff session: 401 without one", async () => {
    const { call } = await start();
    for (const [method, path] of [
      ["GET", "/api/staff/config"],
      ["POST", "/api/staff/config/validate"],
      ["PUT", "/api/staff/config"],
      ["POST", "/api/staff/config/test-sip2"],
    ] as const) {
      const body = method === "GET" ? undefined : path.endsWith("test-sip2") ? { sip2: {} } : { config: {} };
      const reply = await call(method, path, body);
      expect(reply.status, `${method} ${path}`).toBe(401);
      expect(reply.json<{ code: string }>().code).toBe("STAFF_AUTH_REQUIRED");
    }
  });

  it("GET shows the running config with every secret as set or not set, never its value", async () => {
    const { as, hash } = await start();
    const reply = await as("GET", "/api/staff/config");
    expect(reply.status).toBe(200);
    for (const secret of [account.password, SMTP_PASSWORD, hash, hash.split("$")[5] ?? hash]) {
      expect(reply.text).not.toContain(secret);
    }
    const view = reply.json<ConfigView>();
    expect(view.secrets).toEqual([
      { path: "sip2.login.password", set: true },
      { path: "sip2.terminalPassword", set: false },
      { path: "receipts.email.password", set: true },
      { path: "staff.users[0].passwordHash", set: true },
    ]);
    expect(view.config).toMatchObject({ sip2: { port: expect.any(Number), login: { user: account.userId } } });
    expect(view.restartNeeded).toEqual([]);
    // The form is built from the schema; each key says what it is for.
    expect(view.schema).toMatchObject({
      properties: { sip2: { properties: { port: { maximum: 65535, description: "Its TCP port (often 6001)." } } } },
    });
  });

  it("validate names each problem at its key with a message a person can act on", async () => {
    const { as } = await start();
    const { config } = (await as("GET", "/api/staff/config")).json<ConfigView>();
    const ok = await as("POST", "/api/staff/config/validate", { config });
    expect(ok.json<ConfigValidation>()).toEqual({ ok: true, problems: [] });

    const bad = structuredClone(config) as { sip2: Record<string, unknown>; kiosk: Record<string, unknown> };
    bad.sip2.port = 70000;
    bad.kiosk.pinAtempts = 3;
    const reply = await as("POST", "/api/staff/config/validate", { config: bad });
    expect(reply.status).toBe(200);
    expect(reply.json<ConfigValidation>()).toEqual({
      ok: false,
      problems: [
        { path: "sip2.port", message: "expected a whole number from 1 to 65535, got 70000" },
        { path: "kiosk.pinAtempts", message: 'unknown key; did you mean "pinAttempts"?' },
      ],
    });
  });

  it("save writes the file atomically, keeps the previous one as FILE.bak, keeps unchanged secrets", async () => {
    const { as, file, original } = await start();
    const before = await readFile(file, "utf8");
    const { config } = (await as("GET", "/api/staff/config")).json<ConfigView>();
    const changed = structuredClone(config) as {
      kiosk: Record<string, unknown>;
      statistics: Record<string, unknown>;
    };
    changed.kiosk.pinAttempts = 5;
    changed.statistics.retentionDays = 100;
    const reply = await as("PUT", "/api/staff/config", { config: changed });
    expect(reply.status).toBe(200);
    // The kiosk section applies at once; statistics are opened once, at start.
    expect(reply.json<ConfigSaved>()).toEqual({
      file,
      backup: `${file}.bak`,
      appliedLive: ["kiosk.pinAttempts"],
      restartNeeded: ["statistics.retentionDays"],
      pending: [],
      applyProblems: [],
    });
    expect(await readFile(`${file}.bak`, "utf8")).toBe(before);
    const saved = JSON.parse(await readFile(file, "utf8"));
    expect(saved.kiosk.pinAttempts).toBe(5);
    expect(saved.sip2.login.password).toBe(account.password);
    expect(saved.receipts.email.password).toBe(SMTP_PASSWORD);
    expect(saved.staff.users[0].passwordHash).toBe(original.staff.users[0]?.passwordHash);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    // No temporary file is left behind, and the saved file loads as the bridge will load it at restart.
    expect((await loadBridgeConfig(file)).kiosk.pinAttempts).toBe(5);
    const view = (await as("GET", "/api/staff/config")).json<ConfigView>();
    expect(view).toMatchObject({ restartNeeded: ["statistics.retentionDays"], appliedLive: ["kiosk.pinAttempts"] });
    expect(view.config).toMatchObject({ kiosk: { pinAttempts: 5 } });
  });

  it("an invalid save is refused with every problem (422) and the file is not touched", async () => {
    const { as, file } = await start();
    const before = await readFile(file, "utf8");
    const { config } = (await as("GET", "/api/staff/config")).json<ConfigView>();
    const bad = structuredClone(config) as { server: Record<string, unknown> };
    bad.server.port = "eighty";
    const reply = await as("PUT", "/api/staff/config", { config: bad });
    expect(reply.status).toBe(422);
    expect(reply.json()).toMatchObject({
      code: "STAFF_CONFIG_INVALID",
      problems: [{ path: "server.port", message: 'expected a whole number from 0 to 65535, got "eighty"' }],
    });
    expect(await readFile(file, "utf8")).toBe(before);
    await expect(stat(`${file}.bak`)).rejects.toThrow(/ENOENT/);
  });

  it("a new staff user with a password is saved as a hash and can log in at once; a new secret replaces the old", async () => {
    const { as, file, login } = await start();
    const { config } = (await as("GET", "/api/staff/config")).json<ConfigView>();
    const changed = structuredClone(config) as { staff: { users: Array<Record<string, unknown>> } };
    changed.staff.users.unshift({ name: "omar" });
    const missing = await as("PUT", "/api/staff/config", { config: changed });
    expect(missing.json()).toMatchObject({
      problems: [{ path: "staff.users[0].passwordHash", message: "a new staff user needs a password: type one" }],
    });
    const reply = await as("PUT", "/api/staff/config", {
      config: changed,
      secrets: { "staff.users[0].passwordHash": "omar-pass-2", "sip2.login.password": "new-sip-secret" },
    });
    expect(reply.status).toBe(200);
    // The new SIP2 password is tried before use: the ACS refuses it, and the save says so (applied all the same:
    // the kiosk goes offline until the password is corrected).
    expect(reply.json<ConfigSaved>()).toMatchObject({
      appliedLive: ["staff.users", "sip2.login.password"],
      restartNeeded: [],
      sip2Test: { ok: false, verdict: "login-refused" },
    });
    const saved = JSON.parse(await readFile(file, "utf8"));
    expect(saved.staff.users[0].passwordHash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(saved)).not.toContain("omar-pass-2");
    expect(saved.sip2.login.password).toBe("new-sip-secret");
    // ines moved down the list and kept her password (matched by name, not by place).
    expect((await login("ines")).status).toBe(200);
    expect((await login("omar", "omar-pass-2")).status).toBe(200);
  });

  it("a staff password is at least 10 characters; a user changes their own; the plain password reaches neither file nor log", async () => {
    const { as, file, login, log } = await start();
    const { config } = (await as("GET", "/api/staff/config")).json<ConfigView>();
    const short = await as("PUT", "/api/staff/config", {
      config,
      secrets: { "staff.users[0].passwordHash": "short-pw1" },
    });
    expect(short.status).toBe(422);
    expect(short.json()).toMatchObject({
      problems: [
        {
          path: "staff.users[0].passwordHash",
          message: "a staff password needs at least 10 characters; type a longer one",
        },
      ],
    });
    const NEW = "ines-new-password-3";
    const reply = await as("PUT", "/api/staff/config", { config, secrets: { "staff.users[0].passwordHash": NEW } });
    expect(reply.status).toBe(200);
    expect(reply.json<ConfigSaved>().appliedLive).toEqual(["staff.users[0].passwordHash"]);
    expect((await login("ines", STAFF_PASSWORD)).status).toBe(401);
    expect((await login("ines", NEW)).status).toBe(200);
    const saved = await readFile(file, "utf8");
    expect(JSON.parse(saved).staff.users[0].passwordHash).toMatch(/^scrypt\$/);
    expect(saved).not.toContain(NEW);
    expect(await readFile(`${file}.bak`, "utf8")).not.toContain(NEW);
    expect(log.text()).toContain("staff saved the config");
    expect(log.text()).not.toContain(NEW);
    expect(log.text()).not.toContain("short-pw1");
  });

  it("a secret path that is not a secret is named as a problem", async () => {
    const { as } = await start();
    const { config } = (await as("GET", "/api/staff/config")).json<ConfigView>();
    const reply = await as("POST", "/api/staff/config/validate", { config, secrets: { "sip2.host": "x" } });
    expect(reply.json<ConfigValidation>().problems).toEqual([
      {
        path: "sip2.host",
        message:
          "not a secret of this config (secrets: sip2.login.password, sip2.terminalPassword, receipts.email.password, staff.users[…].passwordHash)",
      },
    ]);
  });
});

describe("test SIP2 connection", () => {
  const sip2Of = async (as: Awaited<ReturnType<typeof start>>["as"]) =>
    ((await as("GET", "/api/staff/config")).json<ConfigView>().config.sip2 ?? {}) as Record<string, unknown>;
  const test = async (context: Awaited<ReturnType<typeof start>>, sip2: Record<string, unknown>) => {
    const reply = await context.as("POST", "/api/staff/config/test-sip2", { sip2 });
    expect(reply.status).toBe(200);
    expect(reply.text).not.toContain(account.password);
    return reply.json<Sip2TestReply>();
  };

  it("logs in on a fresh connection and shows the exchange masked, with the BX list in words", async () => {
    const context = await start();
    const connectionsBefore = context.acs.server.connectionIds().length;
    const result = await test(context, await sip2Of(context.as));
    expect(result).toMatchObject({ ok: true, verdict: "ok", acs: { online: true, institution: account.institution } });
    expect(result.exchange.map((l) => [l.direction, l.type])).toEqual([
      ["sent", "login"],
      ["received", "loginResponse"],
      ["sent", "scStatus"],
      ["received", "acsStatus"],
    ]);
    expect(result.exchange[0]?.wire).toMatch(/^9300CN\[redacted\]\|CO\[redacted\]\|AY\dAZ[0-9A-F]{4}$/);
    expect(result.exchange[0]?.wire).not.toContain(account.userId);
    expect(result.acs?.supported).toContain("patron status request");
    expect(result.exchange.every((l) => l.ms >= 0 && !Number.isNaN(Date.parse(l.at)))).toBe(true);
    // The test's own connection is closed again; the kiosk's pool is left as it was.
    await expect.poll(() => context.acs.server.connectionIds().length).toBe(connectionsBefore);
  });

  it("uses the form's values, saved or not: a wrong password is refused by the ACS", async () => {
    const context = await start();
    const reply = await context.as("POST", "/api/staff/config/test-sip2", {
      sip2: await sip2Of(context.as),
      secrets: { "sip2.login.password": "wrong" },
    });
    const result = reply.json<Sip2TestReply>();
    expect(result).toMatchObject({ ok: false, verdict: "login-refused", error: { code: "SIP2_LOGIN_REFUSED" } });
    expect(result.exchange.map((l) => l.type)).toEqual(["login", "loginResponse"]);
  });

  it.each([
    ["refuse-login", { refuseLogin: true }, "login-refused", "SIP2_LOGIN_REFUSED"],
    ["corrupt-checksum", { corruptChecksum: true }, "bad-response", "SIP2_BAD_RESPONSE"],
    ["stall (no answer)", { stall: true }, "timeout", "ILS_TIMEOUT"],
  ] as const)("ACS fault %s: verdict %s", async (_name, faults, verdict, code) => {
    const context = await start();
    context.acs.server.faults.set(faults);
    const result = await test(context, { ...(await sip2Of(context.as)), timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, verdict, error: { code } });
    expect(result.summary.length).toBeGreaterThan(20);
    expect(result.exchange[0]).toMatchObject({ direction: "sent", type: "login" });
    if (verdict === "bad-response") {
      expect(result.exchange.some((l) => l.direction === "received" && l.error === "SIP2_CHECKSUM")).toBe(true);
    }
  });

  it("ACS fault offline: logged in, and the ACS says it is offline", async () => {
    const context = await start();
    context.acs.server.faults.set({ offline: true });
    const result = await test(context, await sip2Of(context.as));
    expect(result).toMatchObject({ ok: false, verdict: "acs-offline", acs: { online: false } });
    expect(result.exchange).toHaveLength(4);
  });

  it("a refused connection, a TLS failure and an invalid section each say what is wrong", async () => {
    const context = await start();
    const sip2 = await sip2Of(context.as);
    const closed = net.createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await test(context, { ...sip2, port })).toMatchObject({
      verdict: "unreachable",
      error: { code: "SIP2_CONNECT_FAILED" },
      exchange: [],
    });

    const tlsAcs = await startAcs({ tls: await selfSigned("acs.example.org") });
    cleanups.push(() => tlsAcs.server.stop());
    const tls = await test(context, { ...sip2, port: tlsAcs.port, tls: true });
    expect(tls).toMatchObject({ verdict: "tls", error: { code: "SIP2_TLS" } });
    expect(tls.summary).toMatch(/TLS handshake failed/);

    expect(await test(context, { ...sip2, port: 0 })).toMatchObject({
      verdict: "invalid-config",
      problems: [{ path: "sip2.port", message: "expected a whole number from 1 to 65535, got 0" }],
    });
  });

  it("never logs a password", async () => {
    const context = await start();
    await context.as("POST", "/api/staff/config/test-sip2", {
      sip2: await sip2Of(context.as),
      secrets: { "sip2.login.password": "typed-secret-7" },
    });
    expect(context.log.text()).toContain("staff tested a SIP2 connection");
    expect(context.log.text()).not.toContain("typed-secret-7");
    expect(context.log.text()).not.toContain(account.password);
  });
});
