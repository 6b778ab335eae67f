/**
 * The patron UI against the real bridge server (bridge/server) and the real kiosk engine (bridge/kiosk),
 * with the engine's stand-in ILS and pad from its own tests: the server serves kiosk-ui/dist under its CSP,
 * validates every command the UI sends, and the engine's states drive the screens through a whole visit.
 */
import type { ConsoleMessage } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { KioskEngine } from "../../bridge/kiosk/engine.ts";
import { type RunningServer, startServer } from "../../bridge/server/server.ts";
import { capturedLogger } from "../bridge/devices/scanner/helpers.ts";
import { item, PATRON, PIN, RecordingReceipts, ScriptedIls, ScriptedPad } from "../bridge/kiosk/engine-helpers.ts";
import { VirtualClock } from "../support/virtual-clock.ts";
import { axeViolations } from "./support/axe.ts";
import { type KioskPage, openKiosk } from "./support/browser.ts";

let server: RunningServer;
let kiosk: KioskPage;
const clock = new VirtualClock();
const ils = new ScriptedIls();
const pad = new ScriptedPad(4);
const problems: string[] = [];

beforeAll(async () => {
  ils.autoAnswer = (call) => ({ ok: true, title: `Title ${call.itemId}`, dueDate: "2026-12-29" });
  const log = capturedLogger("info");
  const engine = new KioskEngine({ ports: { ils, pad, receipts: new RecordingReceipts() }, clock, logger: log.logger });
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    endpoint: engine,
    logger: log.logger,
    uiDir: inject("uiDist"),
  });
  kiosk = await openKiosk(server.url, clock.now());
  // A CSP refusal or a script error shows up here, not on the screen.
  kiosk.page.on("console", (m: ConsoleMessage) => {
    if (m.type() === "error") problems.push(m.text());
  });
  kiosk.page.on("pageerror", (e) => problems.push(String(e)));
});
afterAll(async () => {
  await kiosk?.close();
  await server?.close();
});

describe("patron UI on the real bridge server and kiosk engine", () => {
  it("signs in with a typed card number and a PIN, borrows two items from the pad, and says goodbye", async () => {
    const { page } = kiosk;
    const tap = (name: string) => page.getByRole("button", { name, exact: true }).click();
    const heading = () => page.locator("main h1").innerText();
    await expect.poll(heading).toBe("Welcome to the library");

    await tap("Type my card number");
    await page.locator("kiosk-keypad input").fill(PATRON);
    await tap("Continue");
    await expect.poll(heading).toBe("Enter your PIN");
    for (const key of PIN) await tap(key);
    await tap("Sign in");
    await expect.poll(heading).toBe("Hello, Ada");
    expect(await page.locator("main").innerText()).toContain("Old loan");
    expect(await axeViolations(page)).toEqual([]);

    await tap("Borrow items");
    await expect.poll(heading).toBe("Borrow items");
    pad.place(item(1), item(2));
    const rows = page.locator("li.item-done");
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.locator("main").innerText()).toContain("Title 3100000000");
    await expect.poll(() => page.locator('[aria-live="polite"]').innerText()).toMatch(/^Done: Title/);
    expect(await axeViolations(page)).toEqual([]);

    await tap("Finish");
    await expect.poll(heading).toBe("Would you like a receipt?");
    await tap("No receipt, thanks");
    await expect.poll(heading).toBe("Thank you, Ada!");
    expect(problems).toEqual([]);
  });
});
