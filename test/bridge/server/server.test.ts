import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { KioskEngine } from "../../../bridge/kiosk/engine.ts";
import { type RunningServer, startServer } from "../../../bridge/server/server.ts";
import type { ServerMessage } from "../../../protocols/kiosk-api/schema.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { capturedLogger } from "../devices/scanner/helpers.ts";
import { PATRON, ScriptedIls, ScriptedPad } from "../kiosk/engine-helpers.ts";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start() {
  const log = capturedLogger("info");
  const engine = new KioskEngine({
    settings: { pinRequired: false },
    ports: { ils: new ScriptedIls(), pad: new ScriptedPad() },
    clock: new VirtualClock(),
    logger: log.logger,
  });
  server = await startServer({ host: "127.0.0.1", port: 0, endpoint: engine, logger: log.logger });
  return { engine, log, url: server.url.replace("http", "ws") + "/api/kiosk" };
}

/** A socket that collects every message; `next(type)` waits for the next of that type (no timing). */
function client(url: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(url, { headers });
  const seen: ServerMessage[] = [];
  const waiters: Array<() => void> = [];
  socket.on("message", (data) => {
    seen.push(JSON.parse(data.toString()) as ServerMessage);
    for (const w of waiters.splice(0)) w();
  });
  const taken = new Set<number>();
  /** The oldest message of `type` not yet taken, waiting for one if needed; other types stay for their own next(). */
  const next = async <T extends ServerMessage["type"]>(type: T): Promise<Extract<ServerMessage, { type: T }>> => {
    for (;;) {
      const index = seen.findIndex((m, i) => m.type === type && !taken.has(i));
      if (index >= 0) {
        taken.add(index);
        return seen[index] as Extract<ServerMessage, { type: T }>;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
  return {
    socket,
    next,
    closed,
    send: (value: unknown) => socket.send(typeof value === "string" ? value : JSON.stringify(value)),
  };
}

describe("kiosk API server", () => {
  it("greets with hello and the live state, then answers commands and pushes new state", async () => {
    const { url } = await start();
    const c = client(url);
    const hello = await c.next("hello");
    expect(hello).toMatchObject({ version: 1, languages: ["en", "es", "fr", "ar"], defaultLanguage: "en" });
    expect((await c.next("state")).state.phase).toBe("idle");
    c.send({ type: "identify", id: "a1", credential: PATRON });
    expect(await c.next("reply")).toEqual({ type: "reply", id: "a1", ok: true });
    const next = await c.next("state");
    expect(next.state.phase).toBe("home");
    expect(next.state.rev).toBeGreaterThan(0);
    c.socket.close();
  });

  it("answers an invalid message with a typed error naming the field, and keeps the connection", async () => {
    const { url } = await start();
    const c = client(url);
    await c.next("state");
    c.send({ type: "show", id: "b1", screen: "basement" });
    const reply = await c.next("reply");
    expect(reply).toMatchObject({ id: "b1", ok: false, error: { code: "INVALID_MESSAGE" } });
    expect(reply.error?.message).toMatch(/^show: screen/);
    c.send("not json at all");
    expect(await c.next("reply")).toMatchObject({ id: null, ok: false, error: { code: "INVALID_MESSAGE" } });
    c.send({ type: "finish", id: "b2" });
    expect(await c.next("reply")).toMatchObject({ id: "b2", ok: false, error: { code: "NOT_ALLOWED_NOW" } });
    c.send({ type: "show", id: "b3", screen: "checkin" });
    expect(await c.next("reply")).toEqual({ type: "reply", id: "b3", ok: true });
    c.socket.close();
  });

  it("refuses a socket opened from another site's page", async () => {
    const { url } = await start();
    const c = client(url, { origin: "https://evil.example" });
    expect(await c.closed).toBe(1008);
  });

  it("accepts the kiosk page's own origin", async () => {
    const { url } = await start();
    const c = client(url, { origin: url.replace("ws://", "http://").replace("/api/kiosk", "") });
    expect((await c.next("hello")).type).toBe("hello");
    c.socket.close();
  });

  it("serves /healthz and sends security headers", async () => {
    await start();
    const response = await fetch(`${server?.url}/healthz`);
    expect(await response.json()).toEqual({ ok: true });
    expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
