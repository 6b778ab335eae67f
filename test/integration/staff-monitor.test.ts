/**
 * The staff monitor of the live session on the real stack: staff watch a patron borrow books from the pad
 * (GET /api/staff/monitor, server-sent events) and see the phases, the titles and the results, the devices
 * and what the patron is told — and never who the patron is: the whole stream is searched for the fixture
 * patron's card number, names and email.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MonitorNotice, MonitorView } from "../../protocols/staff-api/schema.ts";
import { DEV_STAFF, type Stack, startStack } from "../../simulators/stack.ts";
import { KioskClient, padSawEmpty } from "../support/kiosk-client.ts";

const PATRON = { card: "24711000000012", pin: "1111", words: ["Anna", "Schmidt", "anna.schmidt", "example.org"] };
const BOOKS = ["34711000000010", "34711000000028"]; // "The Quiet Harbour", both available

let stack: Stack;
let ui: KioskClient;
let cookie = "";

beforeAll(async () => {
  stack = await startStack({ backoff: { initialMs: 10, maxMs: 200 } });
  await stack.registry.whenAllOk(10_000);
  ui = await KioskClient.open(`${stack.bridge.server?.url.replace(/^http/, "ws")}/api/kiosk`);
  await ui.until((s) => s.ils.status === "online");
  const login = await fetch(`${stack.bridge.server?.url}/api/staff/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: DEV_STAFF.user, password: DEV_STAFF.password }),
  });
  expect(login.status).toBe(200);
  cookie = login.headers.get("set-cookie")?.split(";")[0] ?? "";
});

afterAll(async () => {
  ui?.close();
  await stack?.stop();
});

/** The monitor stream, read as it arrives: every event's raw text, and the views and notices parsed. */
function watch() {
  const abort = new AbortController();
  const stream = { raw: "", views: [] as MonitorView[], notices: [] as MonitorNotice[] };
  const done = (async () => {
    const response = await fetch(`${stack.bridge.server?.url}/api/staff/monitor`, {
      headers: { cookie },
      signal: abort.signal,
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      const text = decoder.decode(chunk, { stream: true });
      stream.raw += text;
      pending += text;
      for (let end = pending.indexOf("\n\n"); end >= 0; end = pending.indexOf("\n\n")) {
        const event = /^event: (\w+)\ndata: (.*)$/s.exec(pending.slice(0, end));
        pending = pending.slice(end + 2);
        if (event?.[1] === "view") stream.views.push(JSON.parse(event[2] as string) as MonitorView);
        if (event?.[1] === "notice") stream.notices.push(JSON.parse(event[2] as string) as MonitorNotice);
      }
    }
  })().catch((err: unknown) => {
    if (!abort.signal.aborted) throw err;
  });
  return { stream, stop: () => abort.abort(), done };
}

describe("staff monitor of the live session", () => {
  it("needs a staff login", async () => {
    const response = await fetch(`${stack.bridge.server?.url}/api/staff/monitor`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "STAFF_AUTH_REQUIRED" });
  });

  it("shows a checkout as the patron sees it — phases, titles, results, devices, notices — without the patron", async () => {
    const monitor = watch();
    const latest = () => monitor.stream.views.at(-1);
    await expect.poll(() => latest()?.phase).toBe("idle");
    expect(latest()?.devices.map((d) => [d.id, d.health])).toContainEqual(["rfid-pad", "ok"]);

    expect(await ui.send({ type: "identify", credential: PATRON.card })).toMatchObject({ ok: true });
    await expect.poll(() => latest()?.pinAttemptsLeft).toBe(3);
    expect(await ui.send({ type: "verifyPin", pin: "0000" })).toMatchObject({ ok: false });
    await expect.poll(() => monitor.stream.notices.map((n) => n.code)).toContain("PIN_WRONG");
    expect(await ui.send({ type: "verifyPin", pin: PATRON.pin })).toMatchObject({ ok: true });
    await expect.poll(() => latest()?.patron).toMatchObject({ canBorrow: true, blocks: [] });

    await ui.send({ type: "show", screen: "checkout" });
    const placed = await fetch(`${stack.control.url}/sims/rfid-pad/placeTags`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tags: BOOKS.map((itemId) => ({ itemId })) }),
    });
    expect(placed.status).toBe(200);
    await expect
      .poll(() => latest()?.items.map((r) => [r.itemId, r.title, r.status]))
      .toEqual(BOOKS.map((book) => [book, "The Quiet Harbour", "done"]));
    expect(monitor.stream.notices.filter((n) => n.code === "ITEM_DONE")).toHaveLength(2);

    await ui.send({ type: "finish" });
    await ui.until((s) => s.phase === "receipt" || s.phase === "goodbye");
    await ui.send({ type: "endSession" });
    await expect.poll(() => latest()?.phase).toBe("idle");
    expect(latest()?.patron).toBeUndefined();
    monitor.stop();
    await monitor.done;

    // The whole stream, every event: no card number, name or email of the patron.
    expect(monitor.stream.views.map((v) => v.phase)).toEqual(expect.arrayContaining(["pin", "home", "checkout"]));
    for (const secret of [PATRON.card, ...PATRON.words]) expect(monitor.stream.raw).not.toContain(secret);
    expect(monitor.stream.raw).not.toContain("•••"); // not even the masked email

    await fetch(`${stack.control.url}/sims/rfid-pad/removeTags`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ all: true }),
    });
    await padSawEmpty(stack.control.url);
  });
});
