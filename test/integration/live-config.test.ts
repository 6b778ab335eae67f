/**
 * A config saved in the staff console applies to the running kiosk, on the real stack (the ACS simulator
 * over TCP, the RFID pad on a pseudo-terminal through the real serialport, the printer over TCP, the staff
 * API over HTTP, a patron over the kiosk WebSocket API): a second ACS takes the next checkout; a change
 * waits while a patron is at the kiosk; a bad ILS address leaves the kiosk offline with its journal and
 * nothing is lost; a device whose port changes reconnects, and devices are removed and added.
 */
import { mkdtemp, rm, symlink } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KioskState } from "../../protocols/kiosk-api/schema.ts";
import type { ConfigSaved, ConfigView } from "../../protocols/staff-api/config.ts";
import { loadFixture } from "../../simulators/acs/fixture.ts";
import { DEFAULT_FIXTURE_PATH } from "../../simulators/acs/fixtures/generate.ts";
import { InMemoryIls } from "../../simulators/acs/ils.ts";
import { AcsServer } from "../../simulators/acs/server.ts";
import { type Stack, startStack } from "../../simulators/stack.ts";
import { KioskClient, padSawEmpty } from "../support/kiosk-client.ts";
import { until } from "../support/settle.ts";
import { control, type StaffCall, staffLogin } from "./stack-http.ts";

const PATRON = "24711000000012"; // "valid" (simulators/acs/fixtures/CASES.md)
// biome-ignore lint/suspicious/noExplicitAny: the config as JSON, edited the way the console's form edits it
type Json = Record<string, any>;

let stack: Stack;
let staff: StaffCall;
let ui: KioskClient;
let second: { server: AcsServer; ils: InMemoryIls; port: number };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "selfcheck-live-config-"));
  stack = await startStack({
    backoff: { initialMs: 10, maxMs: 200 },
    configFile: join(dir, "kiosk.json"),
    kiosk: { pinRequired: false },
    offline: { enabled: true },
    sip2: { timeoutMs: 2000, connectTimeoutMs: 1000 },
  });
  const ils = new InMemoryIls(loadFixture(DEFAULT_FIXTURE_PATH));
  const server = new AcsServer({ ils, host: "127.0.0.1", port: 0, charset: "utf-8", requireLogin: true });
  second = { server, ils, port: (await server.start()).port };
  await stack.registry.whenAllOk(10_000);
  staff = await staffLogin(stack);
  ui = await KioskClient.open(`${stack.bridge.server?.url.replace(/^http/, "ws")}/api/kiosk`);
  await ui.until((s) => s.ils.status === "online");
});

afterAll(async () => {
  ui?.close();
  await stack?.stop();
  await second?.server.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Saves the running config as `change` leaves it (secrets kept) and returns the answer. */
async function save(change: (config: Json) => void): Promise<ConfigSaved> {
  const { config } = (await (await staff("GET", "/api/staff/config")).json()) as ConfigView;
  const changed = structuredClone(config) as Json;
  change(changed);
  const reply = await staff("PUT", "/api/staff/config", { config: changed });
  const body = (await reply.json()) as ConfigSaved;
  expect(reply.status, JSON.stringify(body)).toBe(200);
  return body;
}

const view = async () => (await (await staff("GET", "/api/staff/config")).json()) as ConfigView;

/** Waits for the kiosk's state to satisfy `predicate`, at most 15 s; then fails naming what it waited for and saw. */
async function untilState(what: string, predicate: (s: KioskState) => boolean): Promise<KioskState> {
  const matches = () => ui.state !== undefined && predicate(ui.state);
  await until(null, matches, {
    what,
    limitMs: 15_000,
    diagnostics: () => `notices: ${ui.notices.join(", ")}; state: ${JSON.stringify(ui.state)}`,
  });
  return ui.state as KioskState;
}

/** A patron borrows `book` from the pad and leaves; resolves with the row's status. */
async function borrow(book: string): Promise<string | undefined> {
  // Typed, not scanned: the scanner takes the same card twice within a second as one scan.
  expect(await ui.send({ type: "identify", credential: PATRON })).toMatchObject({ ok: true });
  await untilState(`the home screen to borrow ${book}`, (s) => s.phase === "home");
  await ui.send({ type: "show", screen: "checkout" });
  await control(stack, "/sims/rfid-pad/placeTags", { tags: [{ itemId: book }] });
  const done = await untilState(`${book} checked out`, (s) =>
    s.items.some((r) => r.itemId === book && r.status !== "pending" && r.status !== "working"),
  );
  await ui.send({ type: "endSession" });
  await untilState("the idle screen", (s) => s.phase === "idle");
  await control(stack, "/sims/rfid-pad/removeTags", { all: true });
  await padSawEmpty(stack.control.url);
  return done.items.find((r) => r.itemId === book)?.status;
}

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("a saved config applies to the running kiosk", () => {
  it("a device whose port changes reconnects, and the kiosk reads books through the new driver", async () => {
    const pad = stack.config.devices.find((d) => d.id === "rfid-pad");
    const path = (pad?.transport as { path?: string } | undefined)?.path ?? "";
    const alias = join(dir, "pad-alias");
    await symlink(path, alias);
    const saved = await save((c) => {
      c.devices.find((d: Json) => d.id === "rfid-pad").transport.path = alias;
    });
    expect(saved).toMatchObject({ appliedLive: ["devices[1].transport.path"], pending: [], restartNeeded: [] });
    await expect
      .poll(() => stack.registry.list().find((d) => d.id === "rfid-pad"), { timeout: 10_000 })
      .toMatchObject({ description: expect.stringContaining("pad-alias"), health: { state: "ok" } });
    expect(await borrow("34711000000010")).toBe("done");
    expect(stack.acs.ils.loanOf("34711000000010")).toBeDefined();
  });

  it("a removed device is stopped, an added one started", async () => {
    const printer = (await view()).config.devices as Json[];
    const entry = printer.find((d) => d.id === "printer");
    await save((c) => {
      c.devices = c.devices.filter((d: Json) => d.id !== "printer");
    });
    expect(stack.registry.list().map((d) => d.id)).not.toContain("printer");
    expect(stack.registry.get("printer")).toBeUndefined();
    await save((c) => {
      c.devices.push({ ...entry, id: "printer-2", name: "Second printer" });
    });
    expect(stack.registry.list().map((d) => d.id)).toContain("printer-2");
    await expect
      .poll(() => stack.registry.list().find((d) => d.id === "printer-2")?.health.state, { timeout: 10_000 })
      .toBe("ok");
  });

  it("a new ILS address takes the next checkout; while a patron is at the kiosk, it waits for them", async () => {
    const saved = await save((c) => {
      c.sip2.port = second.port;
    });
    expect(saved).toMatchObject({ appliedLive: ["sip2.port"], pending: [], sip2Test: { ok: true, verdict: "ok" } });
    await untilState("the ILS online", (s) => s.ils.status === "online");
    expect(await borrow("34711000000028")).toBe("done");
    expect(second.ils.loanOf("34711000000028")).toBeDefined();
    expect(stack.acs.ils.loanOf("34711000000028")).toBeUndefined();

    // A patron signs in; the change back waits until they have gone.
    // Typed, not scanned: the scanner takes the same card twice within a second as one scan.
    expect(await ui.send({ type: "identify", credential: PATRON })).toMatchObject({ ok: true });
    await untilState("the home screen", (s) => s.phase === "home");
    const waiting = await save((c) => {
      c.sip2.port = stack.acs.address.port;
    });
    expect(waiting).toMatchObject({ appliedLive: [], pending: ["sip2.port"] });
    expect((await view()).pending).toEqual(["sip2.port"]);
    await ui.send({ type: "endSession" });
    await untilState("the idle screen", (s) => s.phase === "idle");
    await expect.poll(async () => (await view()).pending, { timeout: 10_000 }).toEqual([]);
    await untilState("the ILS online", (s) => s.ils.status === "online");
    expect(await borrow("34711000000200")).toBe("done");
    expect(stack.acs.ils.loanOf("34711000000200")).toBeDefined();
    expect(second.ils.loanOf("34711000000200")).toBeUndefined();
  });

  it("a bad ILS address: the save says so, the kiosk lends offline from its journal, and nothing is lost when it is fixed", async () => {
    const nowhere = await closedPort();
    const saved = await save((c) => {
      c.sip2.port = nowhere;
    });
    expect(saved.sip2Test).toMatchObject({ ok: false, verdict: "unreachable" });
    await untilState("the ILS offline", (s) => s.ils.status !== "online");
    expect(await borrow("34711000000275")).toBe("done");
    expect(stack.bridge.journal?.summary()).toMatchObject({ offlineMode: true });
    expect(stack.acs.ils.loanOf("34711000000275")).toBeUndefined();

    await save((c) => {
      c.sip2.port = stack.acs.address.port;
    });
    await ui.until((s) => s.ils.status === "online");
    await expect.poll(() => stack.acs.ils.loanOf("34711000000275"), { timeout: 20_000 }).toBeDefined();
  });
});
