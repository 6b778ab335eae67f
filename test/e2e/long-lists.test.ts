/**
 * A list longer than the screen, in a real Chromium against the fake bridge, landscape (the shortest
 * body): an item that needs the patron is scrolled into view, the item just placed too, and while there
 * is more below, a cue says so and a tap on it scrolls on.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ItemRow } from "../../protocols/kiosk-api/schema.ts";
import { type KioskPage, openKiosk } from "./support/browser.ts";
import { type FakeBridge, startFakeBridge } from "./support/fake-bridge.ts";
import { SCREEN_STATES } from "./support/states.ts";

let bridge: FakeBridge;
let kiosk: KioskPage;
let page: Page;
beforeAll(async () => {
  bridge = await startFakeBridge(inject("uiDist"));
  kiosk = await openKiosk(bridge.url, bridge.now, "landscape");
  page = kiosk.page;
});
afterAll(async () => {
  await kiosk?.close();
  await bridge?.close();
});

const borrowed = (n: number, status: ItemRow["status"] = "done"): ItemRow => ({
  key: `k${n}`,
  itemId: `3471100000${n}`,
  action: "checkout",
  title: `Book number ${n}`,
  status,
  ...(status === "done" ? { dueDate: "2026-12-22" } : { reason: "ITEM_ON_HOLD_FOR_OTHER" }),
});
const borrowing = (rows: ItemRow[]) => bridge.setState({ ...SCREEN_STATES.checkout!, items: rows });
const rows = (statuses: ItemRow["status"][]) => statuses.map((s, i) => borrowed(i + 1, s));

/** Whether the row with `key` is wholly inside the visible part of the screen's body. */
const inView = (key: string) =>
  page.evaluate((key) => {
    const body = document.querySelector(".screen-body")!.getBoundingClientRect();
    const row = document.querySelector(`.item[data-key="${key}"]`)?.getBoundingClientRect();
    return row !== undefined && row.top >= body.top - 1 && row.bottom <= body.bottom + 1;
  }, key);
const cue = () => page.locator(".more-below");
const scrollTop = () => page.locator(".screen-body").evaluate((b) => b.scrollTop);

describe("a list longer than the screen", () => {
  it("shows a returned item that needs attention, the last of six, on a screen just opened", async () => {
    const returned = [1, 2, 3, 4, 5].map((n) => ({ ...borrowed(n), action: "checkin" as const }));
    const [, , , held] = SCREEN_STATES.checkin!.items;
    bridge.setState({ ...SCREEN_STATES.checkin!, items: [...returned, held!] });
    await expect.poll(() => inView(held!.key)).toBe(true);
    expect(await page.locator(`.item[data-key="${held!.key}"]`).innerText()).toContain(
      "Some parts of this set are missing",
    );
    expect(await inView("k1")).toBe(false);
  });

  it("starts a long list at its top, says there is more below, and a tap on the cue scrolls on to the end", async () => {
    borrowing(rows(Array(9).fill("done")));
    await expect.poll(() => inView("k1")).toBe(true);
    expect(await inView("k9")).toBe(false);
    expect(await scrollTop()).toBe(0);
    await expect(cue().isVisible()).resolves.toBe(true);
    expect(await cue().innerText()).toContain("More below");

    // The cue updates on the scroll event, which comes with the next frame: wait for two before looking again.
    for (let tap = 0; tap < 10 && (await cue().isVisible()); tap++) {
      const before = await scrollTop();
      await cue().click({ timeout: 5000 });
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      expect(await scrollTop()).toBeGreaterThan(before);
    }
    await expect.poll(() => inView("k9")).toBe(true);
    expect(await cue().isVisible()).toBe(false);
  });

  it("brings the item just placed into view, keeps it there as it grows, and an item just refused goes first", async () => {
    await page.locator(".screen-body").evaluate((b) => b.scrollTo({ top: 0 }));
    await expect.poll(() => cue().isVisible()).toBe(true);
    borrowing(rows([...Array(9).fill("done"), "working"]));
    await expect.poll(() => inView("k10")).toBe(true);
    await expect.poll(() => cue().isVisible()).toBe(false);
    // Done, it grows by two lines of notes, and stays wholly in view.
    const taller = { ...borrowed(10), set: { part: 1, of: 2 }, offline: true };
    borrowing([...rows(Array(9).fill("done")), taller]);
    await expect.poll(() => page.locator('.item[data-key="k10"]').innerText()).toContain("Recorded while offline");
    expect(await inView("k10")).toBe(true);

    // Back at the top, the eighth turns refused as an eleventh arrives: the refused one is shown.
    await page.locator(".screen-body").evaluate((b) => b.scrollTo({ top: 0 }));
    borrowing(rows([...Array(7).fill("done"), "refused", "done", "done", "working"]));
    await expect.poll(() => inView("k8")).toBe(true);
    expect(await inView("k11")).toBe(false);
    await expect.poll(() => cue().isVisible()).toBe(true);
  });
});
