/**
 * Taps, keys and live updates on the patron screens in a real headless Chromium against the fake bridge:
 * each action sends the command the API defines, replies and notices show and are announced, focus
 * follows the screen, language and display modes switch, and a dropped connection heals by itself.
 */
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { axeViolations } from "./support/axe.ts";
import { type KioskPage, openKiosk, SCREENSHOTS } from "./support/browser.ts";
import { type FakeBridge, startFakeBridge } from "./support/fake-bridge.ts";
import { layoutFaults } from "./support/layout.ts";
import { checkoutRows, idleState, SCREEN_STATES, type ScriptedState } from "./support/states.ts";

let bridge: FakeBridge;
let kiosk: KioskPage | undefined;

beforeAll(async () => {
  bridge = await startFakeBridge(inject("uiDist"));
});
afterEach(async () => {
  await kiosk?.close();
  kiosk = undefined;
});
afterAll(async () => {
  await bridge?.close();
});

/** Opens the kiosk showing `state`. */
async function show(state: ScriptedState) {
  bridge.setState(state);
  kiosk = await openKiosk(bridge.url, bridge.now);
  const { page } = kiosk;
  return {
    page,
    app: page.locator("kiosk-app"),
    tap: (name: string | RegExp) => page.getByRole("button", { name, exact: typeof name === "string" }).click(),
    heading: () => page.locator("main h1").innerText(),
    focused: () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? ""),
  };
}

describe("patron journey in the browser", () => {
  it("types a card number on the keypad, sends identify, and words a refusal", async () => {
    const { tap, app } = await show(idleState);
    await tap("Type my card number");
    for (const key of "2345") await tap(key);
    const since = bridge.commands.length;
    await tap("Continue");
    expect(await bridge.nextCommand("identify", since)).toMatchObject({ credential: "2345" });

    bridge.refuseNext("identify", "PATRON_NOT_FOUND");
    await tap("Continue");
    await expect.poll(() => app.getByRole("alert").innerText()).toContain("We could not find that card");
  });

  it("masks the PIN, sends it once and forgets it", async () => {
    const { page, tap } = await show(SCREEN_STATES.pin!);
    for (const key of "1234") await tap(key);
    const field = page.locator("kiosk-keypad input");
    expect(await field.getAttribute("type")).toBe("password");
    expect(await field.inputValue()).toHaveLength(4);
    const since = bridge.commands.length;
    await tap("Sign in");
    expect(await bridge.nextCommand("verifyPin", since)).toMatchObject({ pin: "1234" });
    expect(await field.inputValue()).toBe("");
  });

  it("sends show from home and moves focus to the next screen's heading", async () => {
    const { tap, focused } = await show(SCREEN_STATES.home!);
    await expect.poll(focused).toBe("Hello, Ana");
    const since = bridge.commands.length;
    await tap("Borrow items");
    expect(await bridge.nextCommand("show", since)).toMatchObject({ screen: "checkout" });
    bridge.setState({ ...SCREEN_STATES.home!, phase: "checkout" });
    await expect.poll(focused).toBe("Borrow items");
  });

  it("works from the keyboard alone", async () => {
    const { page, focused } = await show(SCREEN_STATES.home!);
    await expect.poll(focused).toBe("Hello, Ana");
    for (let i = 0; i < 30 && (await focused()) !== "Renew loans"; i++) await page.keyboard.press("Tab");
    expect(await focused()).toBe("Renew loans");
    const since = bridge.commands.length;
    await page.keyboard.press("Enter");
    expect(await bridge.nextCommand("show", since)).toMatchObject({ screen: "renew" });
  });

  it("adds typed barcodes from the on-screen keyboard and from hardware keys, then finishes", async () => {
    const { page, tap } = await show({ ...SCREEN_STATES.checkout!, items: checkoutRows.slice(0, 1) });
    await tap("Type a barcode");
    for (const key of "34A") await tap(key);
    let since = bridge.commands.length;
    await tap("Add item");
    expect(await bridge.nextCommand("addItem", since)).toMatchObject({ itemId: "34A" });

    since = bridge.commands.length;
    await page.locator("kiosk-keypad input").focus();
    await page.keyboard.type("X123");
    await page.keyboard.press("Enter");
    expect(await bridge.nextCommand("addItem", since)).toMatchObject({ itemId: "X123" });

    since = bridge.commands.length;
    await tap("Finish");
    await bridge.nextCommand("finish", since);
  });

  it("updates rows live and announces notices through the live region", async () => {
    const { dueDate: _, ...seen } = checkoutRows[0]!;
    const working = { ...seen, status: "working" as const };
    const { app, page } = await show({ ...SCREEN_STATES.checkout!, items: [working] });
    await expect.poll(() => app.innerText()).toContain("Checking…");
    bridge.setState({ ...SCREEN_STATES.checkout!, items: [checkoutRows[0]!] });
    await expect.poll(() => app.innerText()).toContain("Due back Dec 22, 2026.");
    bridge.notice({ code: "ITEM_DONE", tone: "success", itemKey: checkoutRows[0]!.key });
    const live = page.locator('[aria-live="polite"]');
    await expect.poll(() => live.innerText()).toBe("Done: Pachinko");
    bridge.notice({ code: "ITEM_PROBLEM", tone: "failure", reason: "ITEM_NOT_FOUND" });
    await expect.poll(() => live.innerText()).toContain("We could not find this item");
  });

  it("renews the ticked loans, or all of them", async () => {
    const { page, tap } = await show({ ...SCREEN_STATES.renew!, items: [] });
    await page.getByRole("checkbox", { name: /Left Hand/ }).click();
    await page.getByRole("checkbox", { name: /Cien años/ }).click();
    expect(await page.getByRole("checkbox", { name: /Left Hand/ }).getAttribute("aria-checked")).toBe("true");
    let since = bridge.commands.length;
    await tap("Renew selected (2)");
    expect(await bridge.nextCommand("renew", since)).toMatchObject({ itemIds: ["34711000000101", "34711000000103"] });
    since = bridge.commands.length;
    await tap("Renew all");
    await bridge.nextCommand("renewAll", since);
  });

  it("pays every fee with the terminal", async () => {
    const { payment: _, ...unpaid } = SCREEN_STATES.fees!;
    const { tap } = await show(unpaid);
    const since = bridge.commands.length;
    await tap("Pay $3.50 by card");
    expect(await bridge.nextCommand("payFees", since)).toMatchObject({ feeIds: ["f1", "f2"] });
  });

  it("offers only the receipt methods the bridge offers and sends the choice", async () => {
    const { page, tap } = await show(SCREEN_STATES["receipt-printer-down"]!);
    const methods = await page
      .locator("[data-method]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-method")));
    expect(methods).toEqual(["email", "none"]);
    const since = bridge.commands.length;
    await tap("Email it to a•••@e•••.org");
    expect(await bridge.nextCommand("chooseReceipt", since)).toMatchObject({ method: "email" });
  });

  it("warns before the idle timeout with a focused 'I need more time'", async () => {
    const { page, focused } = await show(SCREEN_STATES["idle-warning"]!);
    await expect.poll(focused).toBe("I need more time");
    const since = bridge.commands.length;
    await page.keyboard.press("Enter");
    await bridge.nextCommand("extendTime", since);
  });

  it("switches to Arabic right to left when the bridge says so", async () => {
    const { page, tap, heading } = await show(idleState);
    const since = bridge.commands.length;
    await tap("العربية");
    expect(await bridge.nextCommand("setLanguage", since)).toMatchObject({ language: "ar" });
    bridge.setState({ ...idleState, language: "ar" });
    await expect.poll(heading).toBe("أهلاً بك في المكتبة");
    expect(await page.evaluate(() => [document.documentElement.dir, document.documentElement.lang])).toEqual([
      "rtl",
      "ar",
    ]);
    expect(await axeViolations(page)).toEqual([]);
    // A two-line label breaks near its middle, never inside its parenthesis ("(دون" / "بطاقة)" was seen).
    expect(await layoutFaults(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "idle-arabic-portrait.png"), animations: "disabled" });

    bridge.setState({ ...SCREEN_STATES.checkout!, language: "ar" });
    await expect.poll(heading).toBe("استعارة مواد");
    await page.screenshot({ path: join(SCREENSHOTS, "checkout-arabic-portrait.png"), animations: "disabled" });
    bridge.setState({ ...SCREEN_STATES.home!, language: "es" });
    await expect.poll(heading).toBe("Hola, Ana");
    expect(await page.evaluate(() => document.documentElement.dir)).toBe("ltr");
    expect(await page.locator("main").innerText()).toContain("3,50"); // Intl money in Spanish
  });

  it("turns on large text and high contrast, keeps them over a reload, and resets them at logout", async () => {
    const { page, tap, heading } = await show(SCREEN_STATES.home!);
    await tap(/High contrast/);
    await tap(/Larger text/);
    const modes = () => page.evaluate(() => Array.from(document.documentElement.classList).sort().join(" "));
    expect(await modes()).toBe("high-contrast large-text");
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "home-contrast-large-portrait.png"), animations: "disabled" });
    await page.reload();
    await expect.poll(heading).toBe("Hello, Ana");
    expect(await modes()).toBe("high-contrast large-text");
    expect(await page.getByRole("button", { name: /Larger text/ }).getAttribute("aria-pressed")).toBe("true");
    bridge.setState(idleState);
    await expect.poll(modes).toBe("");
    await page.reload();
    await expect.poll(heading).toBe("Welcome to the library");
    expect(await modes()).toBe("");
  });

  it("does not carry display modes into the next visit when the visit ended during a reload", async () => {
    const { page, tap, heading } = await show(SCREEN_STATES.home!);
    await tap(/Larger text/);
    bridge.setState(idleState);
    await page.reload();
    await expect.poll(heading).toBe("Welcome to the library");
    expect(await page.evaluate(() => document.documentElement.classList.contains("large-text"))).toBe(false);
  });

  it("signs out from any screen", async () => {
    const { tap } = await show(SCREEN_STATES.holds!);
    const since = bridge.commands.length;
    await tap("Sign out");
    await bridge.nextCommand("endSession", since);
  });

  it("reconnects by itself after a drop and shows the live session", async () => {
    const { app } = await show(SCREEN_STATES.home!);
    const before = bridge.connections;
    bridge.dropConnections();
    await expect.poll(() => bridge.connections).toBeGreaterThan(before);
    bridge.setState({ ...SCREEN_STATES.checkout! });
    await expect.poll(() => app.locator("main h1").innerText()).toBe("Borrow items");
    await expect.poll(() => app.getByText("Reconnecting…").count()).toBe(0);
  });
});
