import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReconnectingTransport } from "../../../bridge/transports/reconnecting.ts";
import { buildControlApi, type ControlApi, startControlApi } from "../../../simulators/devices/control-api.ts";
import { type Hosting, hostOnMemory, hostOnPty, memoryDriverFactory } from "../../../simulators/devices/host.ts";
import { createSerialRelaySimulator } from "../../../simulators/devices/relay/serial-relay.ts";
import { createScannerSimulator } from "../../../simulators/devices/scanner/index.ts";
import { PingDevice, PongSimulator } from "./host-fixtures.ts";

const logger = pino({ level: "silent" });
const sims = new Map<string, Hosting>();
const sim = new PongSimulator();
let driver: PingDevice;

beforeAll(async () => {
  const hosting = await hostOnMemory(sim);
  sims.set("pong", hosting);
  const transport = createReconnectingTransport({
    factory: memoryDriverFactory(hosting),
    label: "ping",
    backoff: { initialMs: 5, maxMs: 20 },
  });
  driver = new PingDevice("ping", transport, logger);
  await driver.start();
});

afterAll(async () => {
  await driver.stop();
  for (const hosting of sims.values()) await hosting.close();
});

describe("control API", () => {
  const app = buildControlApi({ simulators: sims, logger });

  it("lists simulators with where they are and their actions", async () => {
    const response = await app.inject({ method: "GET", url: "/sims" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([
      {
        id: "pong",
        kind: "relay",
        model: "pong",
        where: "memory (in-process)",
        exposure: { type: "memory", hid: false },
        plugged: true,
        actions: ["say", "fail"],
      },
    ]);
  });

  it("shows one simulator's state and action descriptions", async () => {
    const response = await app.inject({ method: "GET", url: "/sims/pong" });
    expect(response.json()).toMatchObject({
      id: "pong",
      actions: [{ name: "say", description: expect.stringContaining("say({text})") }, { name: "fail" }],
      state: { pings: expect.any(Number), attached: true },
    });
  });

  it("runs an action with JSON params and the driver receives it", async () => {
    const line = new Promise<string>((resolve) => driver.once("line", resolve));
    const response = await app.inject({ method: "POST", url: "/sims/pong/say", payload: { text: "hello" } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ result: { sent: "hello" } });
    expect(await line).toBe("hello");
  });

  it("answers 404 with the valid names for an unknown simulator or action", async () => {
    const noSim = await app.inject({ method: "POST", url: "/sims/printer/say", payload: {} });
    expect(noSim.statusCode).toBe(404);
    expect(noSim.json()).toEqual({
      code: "SIM_UNKNOWN",
      message: 'no simulator "printer"; running: pong.',
      valid: ["pong"],
    });
    const noAction = await app.inject({ method: "POST", url: "/sims/pong/dance", payload: {} });
    expect(noAction.statusCode).toBe(404);
    expect(noAction.json()).toMatchObject({ code: "SIM_BAD_ACTION", valid: ["say", "fail"] });
    expect((await app.inject({ method: "GET", url: "/sims/nope" })).statusCode).toBe(404);
    const noRoute = await app.inject({ method: "GET", url: "/elsewhere" });
    expect(noRoute.statusCode).toBe(404);
    expect(noRoute.json()).toMatchObject({ code: "NOT_FOUND" });
  });

  it("answers 400 for bad params: wrong shape, not an object, broken JSON", async () => {
    const wrong = await app.inject({ method: "POST", url: "/sims/pong/say", payload: { text: 7 } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toEqual({ code: "SIM_BAD_PARAMS", message: 'say needs {"text": string}' });
    const list = await app.inject({ method: "POST", url: "/sims/pong/say", payload: [1, 2] });
    expect(list.statusCode).toBe(400);
    expect(list.json()).toMatchObject({ code: "SIM_BAD_PARAMS" });
    const broken = await app.inject({
      method: "POST",
      url: "/sims/pong/say",
      headers: { "content-type": "application/json" },
      payload: "{text:",
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ code: "SIM_BAD_PARAMS", message: expect.any(String) });
  });

  it("maps other refusals to 409 with their code", async () => {
    const response = await app.inject({ method: "POST", url: "/sims/pong/fail" });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ code: "SIM_REFUSED", message: "refused on purpose" });
  });

  it("unplugs and replugs the hosting", async () => {
    const bad = await app.inject({ method: "POST", url: "/hosting/pong/wiggle" });
    expect(bad.statusCode).toBe(404);
    const down = new Promise<void>((resolve) => driver.on("health", (h) => h.state === "disconnected" && resolve()));
    const unplugged = await app.inject({ method: "POST", url: "/hosting/pong/unplug" });
    expect(unplugged.json()).toEqual({ result: { plugged: false, where: "memory (in-process)" } });
    await down;
    expect((await app.inject({ method: "GET", url: "/sims/pong" })).json()).toMatchObject({
      plugged: false,
      state: { attached: false },
    });
    const up = new Promise<void>((resolve) => driver.on("health", (h) => h.state === "ok" && resolve()));
    const replugged = await app.inject({ method: "POST", url: "/hosting/pong/replug" });
    expect(replugged.json()).toEqual({ result: { plugged: true, where: "memory (in-process)" } });
    await up;
    await expect(driver.selfTest()).resolves.toMatchObject({ ok: true });
  });
});

describe("startControlApi", () => {
  let api: ControlApi;
  beforeAll(async () => {
    api = await startControlApi({ simulators: sims, port: 0, logger });
  });
  afterAll(() => api.close());

  it("listens on a local port and answers over HTTP", async () => {
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const list = (await (await fetch(`${api.url}/sims`)).json()) as Array<{ id: string }>;
    expect(list.map((s) => s.id)).toEqual(["pong"]);
    const response = await fetch(`${api.url}/sims/pong/say`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "over http" }),
    });
    expect(await response.json()).toEqual({ result: { sent: "over http" } });
  });

  it("accepts an action with an empty body whatever its content type says (curl -X POST, curl -d '')", async () => {
    const empty = [
      { method: "POST" },
      // curl -d '' sends an empty form; a streamed empty body comes chunked, without a content type.
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "" },
      { method: "POST", body: new ReadableStream({ start: (c) => c.close() }), duplex: "half" },
    ];
    for (const init of empty) {
      const response = await fetch(`${api.url}/sims/pong/fail`, init as RequestInit);
      expect(await response.json()).toMatchObject({ code: "SIM_REFUSED" });
      expect(response.status).toBe(409);
    }
    const text = await fetch(`${api.url}/sims/pong/say`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "text=hi",
    });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ message: expect.stringContaining("content-type: application/json") });
  });

  it("refuses a body over the limit with 413 naming the limit", async () => {
    const response = await fetch(`${api.url}/sims/pong/say`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "x".repeat(2 << 20) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      code: "SIM_BODY_TOO_LARGE",
      message: expect.stringContaining("limit of 1048576 bytes"),
    });
  });

  it("says which port is taken", async () => {
    const port = Number(new URL(api.url).port);
    await expect(startControlApi({ simulators: sims, port })).rejects.toMatchObject({
      code: "SIM_HOST_FAILED",
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
  });
});

describe("control API with real simulators", () => {
  it("unplugging a PTY hosting detaches the simulator (state.attached false) until it is plugged back", async () => {
    const pty = await hostOnPty(createScannerSimulator({ model: "serial-line" }));
    const app = buildControlApi({ simulators: new Map<string, Hosting>([["scanner", pty]]) });
    try {
      const state = async () => (await app.inject({ method: "GET", url: "/sims/scanner" })).json();
      expect(await state()).toMatchObject({ plugged: true, state: { attached: expect.any(String) } });
      const unplug = await app.inject({ method: "POST", url: "/hosting/scanner/unplug" });
      expect(unplug.json()).toMatchObject({ result: { plugged: false } });
      expect(await state()).toMatchObject({ plugged: false, state: { attached: null } });
      const scan = await app.inject({ method: "POST", url: "/sims/scanner/scan", payload: { code: "123" } });
      expect(scan.statusCode).toBe(409);
      expect(scan.json().message).toContain("unplugged");
      const replug = await app.inject({ method: "POST", url: "/hosting/scanner/replug" });
      expect(replug.json()).toMatchObject({
        result: { plugged: true, where: expect.stringMatching(/^pty \/.*osc-pty-\w+\/a$/) },
      });
      expect(await state()).toMatchObject({ plugged: true, state: { attached: expect.any(String) } });
    } finally {
      await pty.close();
    }
  });

  it("lists no alarm actions for a relay board without an alarm input, and refuses raiseAlarm with 404", async () => {
    const hosting = await hostOnMemory(createSerialRelaySimulator());
    const app = buildControlApi({ simulators: new Map<string, Hosting>([["relay", hosting]]) });
    try {
      const { actions } = (await app.inject({ method: "GET", url: "/sims/relay" })).json() as {
        actions: Array<{ name: string }>;
      };
      expect(actions.map((a) => a.name)).not.toContain("raiseAlarm");
      expect(actions.map((a) => a.name)).not.toContain("clearAlarm");
      const raise = await app.inject({ method: "POST", url: "/sims/relay/raiseAlarm" });
      expect(raise.statusCode).toBe(404);
      expect(raise.json()).toMatchObject({ code: "SIM_BAD_ACTION", valid: actions.map((a) => a.name) });

      const withInput = await hostOnMemory(createSerialRelaySimulator({ alarmChannel: 3 }));
      const app2 = buildControlApi({ simulators: new Map<string, Hosting>([["relay", withInput]]) });
      const listed = (await app2.inject({ method: "GET", url: "/sims" })).json() as Array<{ actions: string[] }>;
      expect(listed[0]?.actions).toContain("raiseAlarm");
      expect((await app2.inject({ method: "POST", url: "/sims/relay/raiseAlarm" })).statusCode).toBe(200);
      await withInput.close();
    } finally {
      await hosting.close();
    }
  });
});
