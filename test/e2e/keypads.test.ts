/**
 * The patron's keypads fit the screen: on the PIN, card-number and item-barcode keypads every key and the
 * button that sends are wholly in view when the keypad opens, in both orientations, with normal and with
 * large text. A key below the fold is one the patron cannot find.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type KioskPage, ORIENTATIONS, type Orientation, openKiosk } from "./support/browser.ts";
import { type FakeBridge, startFakeBridge } from "./support/fake-bridge.ts";
import { SCREEN_STATES } from "./support/states.ts";

let bridge: FakeBridge;
beforeAll(async () => {
  bridge = await startFakeBridge(inject("uiDist"));
});
afterAll(async () => {
  await bridge?.close();
});

/** How each keypad is opened from the idle screen. */
const KEYPADS = {
  PIN: async () => bridge.setState(SCREEN_STATES.pin!),
  "card number": async (kiosk: KioskPage) => {
    await kiosk.page.getByRole("button", { name: "Type my card number" }).click();
  },
  "item barcode": async (kiosk: KioskPage) => {
    bridge.setState(SCREEN_STATES.checkout!);
    await kiosk.page.getByRole("button", { name: "Type a barcode" }).click();
  },
} satisfies Record<string, (kiosk: KioskPage) => Promise<void>>;

/** The keypad's buttons not wholly inside both the window and the visible part of the screen's body. */
const outOfView = (kiosk: KioskPage) =>
  kiosk.page.evaluate(() => {
    const body = document.querySelector(".screen-body")!.getBoundingClientRect();
    const inside = (r: DOMRect) =>
      r.top >= Math.max(body.top, 0) - 1 &&
      r.bottom <= Math.min(body.bottom, innerHeight) + 1 &&
      r.left >= Math.max(body.left, 0) - 1 &&
      r.right <= Math.min(body.right, innerWidth) + 1;
    return [...document.querySelectorAll("kiosk-keypad button")]
      .filter((b) => !inside(b.getBoundingClientRect()))
      .map((b) => b.getAttribute("aria-label") ?? (b as HTMLElement).innerText.trim());
  });

describe.each(
  (Object.keys(ORIENTATIONS) as Orientation[]).flatMap((orientation) =>
    [false, true].map((large) => ({ orientation, large })),
  ),
)("$orientation, large text $large", ({ orientation, large }) => {
  it.each(Object.keys(KEYPADS) as (keyof typeof KEYPADS)[])("the %s keypad", async (keypad) => {
    bridge.setState(SCREEN_STATES.idle!);
    const kiosk = await openKiosk(bridge.url, bridge.now, orientation);
    try {
      if (large) await kiosk.page.getByRole("button", { name: "Larger text" }).click();
      await KEYPADS[keypad](kiosk);
      await kiosk.page.locator("kiosk-keypad button[type=submit]").waitFor();
      expect(await kiosk.page.locator("kiosk-keypad button").count()).toBeGreaterThan(10);
      await expect.poll(() => outOfView(kiosk)).toEqual([]);
    } finally {
      await kiosk.close();
    }
  });
});
