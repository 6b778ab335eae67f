/**
 * Offline lending in a real browser against the real stack: the ACS goes away, the kiosk says so and keeps
 * lending from its journal, and when the ACS comes back the journal is replayed into the in-memory ILS.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { until } from "../support/settle.ts";
import { axeViolations } from "./support/axe.ts";
import {
  control,
  PATRONS,
  patronView,
  type RealKiosk,
  resetKiosk,
  securityOf,
  startRealKiosk,
} from "./support/real-stack.ts";

let kiosk: RealKiosk;

beforeAll(async () => {
  kiosk = await startRealKiosk({
    offline: { enabled: true, maxItemsPerPatron: 3 },
    // No heartbeat and long request timeouts: virtual time moved for the reconnect never races an answer.
    sip2: { heartbeatMs: 0, timeoutMs: 600_000 },
  });
});
afterEach(async () => {
  expect(kiosk.problems).toEqual([]);
  await resetKiosk(kiosk);
});
afterAll(async () => {
  await kiosk?.close();
});

/** Two regular books of the default fixture, available at MAIN, not used by the other scenarios. */
const BOOKS = ["34711000000994", "34711000001000"];

describe("offline lending, in the browser", () => {
  it("the ILS drops: the banner says so, a patron borrows, and the loans reach the ILS when it is back", async () => {
    const { stack, page } = kiosk;
    const view = patronView(page);
    const ils = stack.acs.ils;
    const journal = stack.bridge.journal;
    if (!journal) throw new Error("the stack has no journal");
    for (const book of BOOKS) expect(ils.loanOf(book), book).toBeUndefined();

    // The ACS drops every connection, and every new one before it can log in.
    stack.acs.server.faults.set({ dropAfter: 0 });
    stack.acs.server.disconnect();
    const banner = page.locator(".banner-offline");
    await expect.poll(() => banner.count()).toBe(1);
    expect(await banner.innerText()).toBe(
      "The library system is offline. You can still borrow and return; the library confirms it later.",
    );

    // The card is taken on trust (no PIN can be checked); the patron is greeted without a name.
    await control(stack, "/sims/scanner/scan", { code: PATRONS.valid.card });
    await expect.poll(view.heading).toBe("Enter your PIN");
    for (const key of PATRONS.valid.pin) await view.tap(key);
    await view.tap("Sign in");
    await expect.poll(view.heading).toBe("Hello");
    await view.tap("Borrow items");
    await expect.poll(view.heading).toBe("Borrow items");
    await control(stack, "/sims/rfid-pad/placeTags", { tags: BOOKS.map((itemId) => ({ itemId, secured: true })) });
    await expect.poll(() => view.rows().locator(".status-label").allInnerTexts()).toEqual(["OK", "OK"]);
    for (const text of await view.rowTexts()) {
      expect(text).toContain("Recorded while offline; the library confirms it later.");
    }
    for (const book of BOOKS) {
      expect(await securityOf(stack, book), book).toEqual(["unsecured"]);
      expect(ils.loanOf(book), book).toBeUndefined(); // not in the ILS yet: in the journal
    }
    expect(journal.summary()).toMatchObject({ offlineMode: true, counts: { pending: 2 } });
    expect(await axeViolations(page)).toEqual([]);

    await view.tap("Finish");
    await expect.poll(view.heading).toBe("Would you like a receipt?");
    expect(await view.text()).toContain(
      "The library system is offline: this receipt lists what we recorded, and the library confirms it later.",
    );
    await view.tap("No receipt, thanks");
    await expect.poll(view.heading).toBe("Thank you!");

    // The ACS is back: the client reconnects, the journal is replayed, the banner goes.
    stack.acs.server.faults.clear();
    await until(kiosk.clock, () => stack.bridge.sip2?.state === "online" && !journal.summary().offlineMode, {
      what: "the journal to be replayed",
      stepMs: 250,
    });
    for (const book of BOOKS) expect(ils.loanOf(book), book).toMatchObject({ patron: PATRONS.valid.card });
    expect(journal.summary()).toMatchObject({ counts: { pending: 0, sending: 0, conflict: 0, done: 2 } });
    await expect.poll(() => banner.count()).toBe(0);
  });
});
