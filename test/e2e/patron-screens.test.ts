/**
 * Every patron screen in a real headless Chromium against the fake bridge: it renders the scripted state,
 * axe finds no violations, every control outside the scrolling body is in the window, and a screenshot is
 * saved at 1080×1920 and 1920×1080 under test/e2e/screenshots/<screen>-<orientation>.png (committed: look at
 * them).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { axeViolations } from "./support/axe.ts";
import { type KioskPage, ORIENTATIONS, type Orientation, openKiosk, SCREENSHOTS } from "./support/browser.ts";
import { type FakeBridge, startFakeBridge } from "./support/fake-bridge.ts";
import { layoutFaults } from "./support/layout.ts";
import { SCREEN_STATES } from "./support/states.ts";

/** Text each screen must show for its scripted state (en-US formats: Intl with the chosen language). */
const SHOWS: Record<keyof typeof SCREEN_STATES, string[]> = {
  "out-of-service": ["This kiosk is out of service", "Back at 10:00 after maintenance."],
  closed: ["The library is closed", "Opens again tomorrow at 9:00 AM.", "Return items (no card needed)"],
  idle: ["Welcome to the library", "Place your library card on the pad", "Type my card number", "Español", "العربية"],
  pin: ["Enter your PIN", "Tries left: 2"],
  home: ["Hello, Ana", "The Left Hand of Darkness", "Overdue", "$3.50", "Borrow items", "On loan: 3"],
  "home-blocked": [
    "You have fines to pay before you can borrow.",
    "Your card has expired.",
    "Please see staff at the desk.",
  ],
  checkout: [
    "Due back Dec 22, 2026.",
    "Part 1 of 3 of a set",
    "Someone else is waiting for this item",
    "3 of 5 done",
    "at most 4 at a time",
    "Keep all parts of a set together",
  ],
  "checkout-too-many": ["Too many items on the pad. Take some off: at most 4 at a time."],
  "checkout-offline": ["The library system is offline", "Recorded while offline"],
  checkin: ["Put it on the red cart.", "It goes to Eastside Branch", "Some parts of this set are missing"],
  renew: ["Renewed. Due back Jan 5, 2027.", "renewed as many times as allowed", "Renew all"],
  holds: ["The Overstory", "Collect at Central Library", "Not ready yet: 2"],
  fees: ["Overdue fine", "$2.50", "Pay $3.50 on the card terminal"],
  receipt: ["Print a receipt", "Email it to a•••@e•••.org", "No receipt, thanks"],
  "receipt-printer-down": ["The printer is not working right now.", "this receipt lists what we recorded"],
  goodbye: ["Thank you, Ana!", "Your receipt is printing"],
  "idle-warning": ["Are you still there?", "this session ends in 20 seconds", "I need more time"],
};

/** Text a screen must not show. */
const HIDES: Partial<Record<keyof typeof SCREEN_STATES, string[]>> = {
  "home-blocked": ["Borrow items"],
  "receipt-printer-down": ["Print a receipt"],
};

/** The picture a screen shows, where it depends on the state. */
const DRAWS: Partial<Record<keyof typeof SCREEN_STATES, string>> = {
  receipt: "receipt",
  // The printer is down: the picture must not promise a printed receipt.
  "receipt-printer-down": "email",
};

/**
 * The header's and the screen's own controls (not those in the body, which scrolls) that are not wholly in
 * the window: the patron cannot scroll to them.
 */
const controlsOffScreen = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll("header button, header select, main button")]
      .filter((control) => !control.closest(".screen-body"))
      .filter((control) => {
        const r = control.getBoundingClientRect();
        return r.top < 0 || r.left < 0 || r.bottom > innerHeight + 1 || r.right > innerWidth + 1;
      })
      .map((control) => (control as HTMLElement).innerText.trim()),
  );

let bridge: FakeBridge;
beforeAll(async () => {
  bridge = await startFakeBridge(inject("uiDist"));
});
afterAll(async () => {
  await bridge?.close();
});

describe.each(Object.keys(ORIENTATIONS) as Orientation[])("patron screens, %s", (orientation) => {
  let kiosk: KioskPage;
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    bridge.setState(SCREEN_STATES.idle!);
    kiosk = await openKiosk(bridge.url, bridge.now, orientation);
  });
  afterAll(async () => {
    await kiosk?.close();
  });

  it.each(Object.keys(SCREEN_STATES))("%s", async (screen) => {
    const { page } = kiosk;
    bridge.setState(SCREEN_STATES[screen]!);
    const app = page.locator("kiosk-app");
    for (const text of SHOWS[screen]!) await expect.poll(() => app.innerText()).toContain(text);
    for (const text of HIDES[screen] ?? []) expect(await app.innerText()).not.toContain(text);
    if (screen in DRAWS) {
      const drawings = await page
        .locator(".art[data-drawing]")
        .evaluateAll((arts) => arts.map((a) => a.getAttribute("data-drawing")));
      expect(drawings).toEqual([DRAWS[screen]]);
    }
    expect(await axeViolations(page)).toEqual([]);
    expect(await controlsOffScreen(page)).toEqual([]);
    expect(await layoutFaults(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, `${screen}-${orientation}.png`), animations: "disabled" });
  });
});
