import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReconnectingTransport } from "../../../bridge/transports/reconnecting.ts";
import { buildControlApi, type ControlApi, startControlApi } from "../../../simulators/devices/control-api.ts";
import { type Hosting, hostOnMemory, memoryDriverFactory } from "../../../simulators/devices/host.ts";
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
    expect((await app.inject({ method: "POST", url: "/hosting/pong/unplug" })).statusCode).toBe(200);
    await down;
    const up = new Promise<void>((resolve) => driver.on("health", (h) => h.state === "ok" && resolve()));
    expect((await app.inject({ method: "POST", url: "/hosting/pong/replug" })).statusCode).toBe(200);
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

  it("says which port is taken", async () => {
    const port = Number(new URL(api.url).port);
    await expect(startControlApi({ simulators: sims, port })).rejects.toMatchObject({
      code: "SIM_HOST_FAILED",
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
  });
});
