/**
 * A real staff server for route tests (HTTP on a free port) over a real kiosk engine with a scripted ILS, time
 * on a VirtualClock: the opening hours and "change my password" routes with the configuration editor behind
 * them (over `file` when given, else a generated config that cannot be saved). Cheap scrypt hashes (2^10).
 */
import { readFile } from "node:fs/promises";
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
import { StaffPasswordChange } from "../../../bridge/staff/password-change.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { capturedLogger } from "../devices/scanner/helpers.ts";
import { ScriptedIls } from "../kiosk/engine-helpers.ts";

export const CHEAP = { log2N: 10, r: 8, p: 1 };
const running: Array<() => Promise<void>> = [];

/** Stops every server started since the last call (an afterEach). */
export async function closeStaffServers(): Promise<void> {
  for (const close of running.splice(0)) await close();
}

/** Starts the server with staff user "ines" (password `password`). */
export async function startStaffServer(options: { password: string; now?: number; file?: string | undefined }) {
  const clock = new VirtualClock(options.now);
  const log = capturedLogger("info");
  const engine = new KioskEngine({ ports: { ils: new ScriptedIls() }, clock, logger: log.logger });
  const registry = new DeviceRegistry({ devices: [], logger: log.logger, clock });
  const desk = new StaffDesk({ registry, kiosk: engine });
  const users = [{ name: "ines", passwordHash: await hashPassword(options.password, CHEAP) }];
  const auth = new StaffAuth({ users, sessionMinutes: 30, loginAttemptsPerMinute: 5 }, { clock, logger: log.logger });
  const file = options.file;
  const json = file ? JSON.parse(await readFile(file, "utf8")) : { staff: { users } };
  const editor = new ConfigEditor({
    running: parseConfig(json, file ?? "generated", { models: [] }),
    file,
    models: [],
    testSip2: () => Promise.reject(new Error("no SIP2 here")),
    auth,
  });
  const server: RunningServer = await startServer({
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
      password: new StaffPasswordChange({ auth, editor, logger: log.logger, cost: CHEAP }),
    },
  });
  running.push(async () => {
    await server.close();
    await engine.close();
  });
  /** A request with `cookie`; the answer's status, headers and JSON body ({} when empty). */
  const call = async (method: string, path: string, cookie: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { cookie, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: (text ? JSON.parse(text) : {}) as never };
  };
  /** Logs "ines" in; the status and the session cookie ("" when refused). */
  const login = async (password: string) => {
    const reply = await call("POST", "/api/staff/login", "", { user: "ines", password });
    return { status: reply.status, cookie: reply.headers.get("set-cookie")?.split(";")[0] ?? "" };
  };
  return { clock, log, engine, call, login };
}
