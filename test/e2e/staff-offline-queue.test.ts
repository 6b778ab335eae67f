/**
 * The staff console's offline queue in a real Chromium against the real stack: the ACS goes away, a patron
 * borrows two books from the journal and the page shows them waiting (live, from the status events); the
 * ILS lends one of them to someone else meanwhile, so when the ACS is back the replay leaves a conflict,
 * which the page shows with the card's last four digits only and staff mark resolved with a note.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_STAFF } from "../../simulators/stack.ts";
import { until } from "../support/settle.ts";
import { axeViolations } from "./support/axe.ts";
import { browser, ORIENTATIONS, screenshotBoth } from "./support/browser.ts";
import { control, PATRONS, patronView, type RealKiosk, startRealKiosk } from "./support/real-stack.ts";

/** Two regular books of the default fixture that no other browser scenario lends. */
const BOOKS = ["34711000001018", "34711000001042"];

let kiosk: RealKiosk;
let staff: Page;

beforeAll(async () => {
  kiosk = await startRealKiosk({
    offline: { enabled: true, maxItemsPerPatron: 3 },
    // No heartbeat and long request timeouts: virtual time moved for the reconnect never races an answer.
    sip2: { heartbeatMs: 0, timeoutMs: 600_000 },
  });
  const context = await (await browser()).newContext({ viewport: ORIENTATIONS.landscape, reducedMotion: "reduce" });
  staff = await context.newPage();
  await staff.goto(`${kiosk.stack.bridge.server?.url}/staff/#offline-queue`);
  await staff.getByLabel("User name").fill(DEV_STAFF.user);
  await staff.getByLabel("Password").fill(DEV_STAFF.password);
  await staff.getByRole("button", { name: "Log in" }).click();
  await staff.getByRole("heading", { name: "Offline queue" }).waitFor();
});

afterAll(async () => {
  await staff?.context().close();
  await kiosk?.close();
});

const waitingRows = () => staff.locator("section[aria-labelledby=queue-waiting-heading] tbody tr");

describe("staff console: offline queue", () => {
  it("shows what waits live, a conflict with the card masked, and resolves it with a note", async () => {
    const { stack, page } = kiosk;
    const journal = stack.bridge.journal;
    if (!journal) throw new Error("the stack has no journal");
    for (const book of BOOKS) expect(stack.acs.ils.item(book), book).toMatchObject({ state: "available" });
    expect(await staff.getByText("Nothing waits: the ILS has everything.").count()).toBe(1);

    stack.acs.server.faults.set({ dropAfter: 0 });
    stack.acs.server.disconnect();
    await expect.poll(() => staff.getByText("Offline: the kiosk lends from its journal").count()).toBe(1);

    // A patron borrows two books from the journal.
    const view = patronView(page);
    await control(stack, "/sims/scanner/scan", { code: PATRONS.valid.card });
    await expect.poll(view.heading).toBe("Enter your PIN");
    for (const key of PATRONS.valid.pin) await view.tap(key);
    await view.tap("Sign in");
    await view.tap("Borrow items");
    await control(stack, "/sims/rfid-pad/placeTags", { tags: BOOKS.map((itemId) => ({ itemId, secured: true })) });
    await expect.poll(() => view.rows().locator(".status-label").allInnerTexts()).toEqual(["OK", "OK"]);
    await expect.poll(() => waitingRows().count()).toBe(2);
    expect(await staff.locator(".staff-bar").innerText()).toContain("Offline queue: 2 waiting");
    expect(await waitingRows().allInnerTexts()).toEqual([
      expect.stringMatching(new RegExp(`Loan\\s+${BOOKS[0]}\\s+Waiting to be sent\\s+0`)),
      expect.stringMatching(new RegExp(`Loan\\s+${BOOKS[1]}\\s+Waiting to be sent\\s+0`)),
    ]);
    expect(await staff.locator("main").innerText()).not.toContain(PATRONS.valid.card);
    expect(await axeViolations(staff)).toEqual([]);
    await view.tap("Finish");
    await view.tap("No receipt, thanks");

    // Meanwhile the library lends the first book to someone else at the desk, after the kiosk did.
    stack.acs.ils.checkout({
      patronId: PATRONS.hasLoans.card,
      itemId: BOOKS[0] as string,
      noBlock: true,
      transactionDate: new Date(kiosk.clock.now() + 60_000),
      branch: "MAIN",
    });
    stack.acs.server.faults.clear();
    await until(kiosk.clock, () => !journal.summary().offlineMode, { what: "the replay", stepMs: 250 });

    const conflict = staff.locator("section[aria-labelledby=queue-staff-heading] article");
    await expect.poll(() => conflict.count()).toBe(1);
    const text = await conflict.innerText();
    expect(text).toContain(`Loan of ${BOOKS[0]}: Refused by the ILS`);
    expect(text).toContain(`•••• ${PATRONS.valid.card.slice(-4)}`);
    expect(text).toContain("The item was checked out again after this offline transaction");
    expect(await staff.locator("main").innerText()).not.toContain(PATRONS.valid.card);
    expect(await waitingRows().count()).toBe(0);
    await expect.poll(() => staff.locator(".staff-bar").innerText()).toContain("Offline queue: 1 for staff");
    expect(await axeViolations(staff)).toEqual([]);
    await screenshotBoth(staff, "staff-offline-queue");

    // Resolving needs a note; with one, the conflict is gone and the journal keeps the note.
    await conflict.getByRole("button", { name: "Mark resolved" }).click();
    expect(await conflict.count()).toBe(1);
    await conflict.getByLabel("Staff note").fill("Quentin has it; Anna's loan cancelled at the desk");
    await conflict.getByRole("button", { name: "Mark resolved" }).click();
    await expect.poll(() => staff.getByText("Nothing needs staff.").count()).toBe(1);
    await expect.poll(() => staff.locator(".staff-bar").innerText()).not.toContain("Offline queue");
    expect(journal.entries({ states: ["resolved"] })).toEqual([
      expect.objectContaining({ itemId: BOOKS[0], note: "Quentin has it; Anna's loan cancelled at the desk" }),
    ]);
    expect(kiosk.problems).toEqual([]);
  });
});
