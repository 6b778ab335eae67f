/**
 * The patron's journeys in a real browser against the real stack (issue 10's end-to-end list): the ACS
 * simulator and its in-memory ILS, every device simulator, the real bridge and server. The test taps the
 * screen as a patron does and moves cards, books and paper through the simulators' control API; it checks
 * what the patron sees and the truth behind it (the ILS's loans, the tags' security, the printed receipt).
 * One stack for the file: scenarios use different patrons and items and leave the kiosk at its welcome
 * screen with an empty pad.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { axeViolations } from "./support/axe.ts";
import {
  bridgeState,
  control,
  PATRONS,
  patronView,
  type RealKiosk,
  resetKiosk,
  type SimTag,
  securityOf,
  signIn,
  simState,
  startRealKiosk,
  tagsOnPad,
} from "./support/real-stack.ts";

let kiosk: RealKiosk;

beforeAll(async () => {
  kiosk = await startRealKiosk();
});
afterEach(async () => {
  expect(kiosk.problems).toEqual([]);
  await resetKiosk(kiosk);
});
afterAll(async () => {
  await kiosk?.close();
});

/** Four single books and a three-part set (book + 2 CDs): five items, seven tags. */
const BOOKS = ["34711000000010", "34711000000028", "34711000000622", "34711000000630"];
const SET = { itemId: "34711000000150", title: "Learn Italian: Complete Course (book + 2 CDs)", parts: 3 };

/** The due date as the screen writes it (en, medium), from the ILS's loan. */
const shownDate = (date: Date) => new Intl.DateTimeFormat("en", { dateStyle: "medium" }).format(date);

describe("a patron at the simulated kiosk, in the browser", () => {
  it("borrows a stack of five items with a three-part set, prints a receipt, and returns them all without a card", async () => {
    const { stack, page } = kiosk;
    const view = patronView(page);
    const ils = stack.acs.ils;
    await signIn(stack, page, PATRONS.valid);
    await view.tap("Borrow items");
    await expect.poll(view.heading).toBe("Borrow items");
    // The stack's 3M 810 pad lists any number of tags at once, so the UI sets no limit.
    expect(bridgeState(stack).can.padCapacity).toBeUndefined();
    expect(await view.text()).toContain("Place your items on the pad.");

    // The books and two of the set's three parts: the books go out, the set waits for its last part.
    await control(stack, "/sims/rfid-pad/placeTags", {
      tags: [
        ...BOOKS.map((itemId) => ({ itemId, secured: true })),
        ...[1, 2].map((partNumber) => ({ itemId: SET.itemId, partNumber, partsInSet: SET.parts, secured: true })),
      ],
    });
    await expect
      .poll(() => view.rows().locator(".status-label").allInnerTexts())
      .toEqual([...BOOKS.map(() => "OK"), "Waiting…", "Waiting…"]);
    const setRows = view.rows().filter({ hasText: "of a set" });
    expect(await setRows.allInnerTexts()).toEqual([
      expect.stringContaining("Part 1 of 3 of a set"),
      expect.stringContaining("Part 2 of 3 of a set"),
    ]);
    for (const text of await setRows.allInnerTexts()) expect(text).toContain("Some parts of this set are missing");
    expect(await view.text()).toContain("Keep all parts of a set together on the pad.");
    expect(ils.loanOf(SET.itemId)).toBeUndefined();
    expect(await securityOf(stack, SET.itemId)).toEqual(["secured", "secured"]);

    // The last part: the set goes out as one loan and every part is unlocked.
    await control(stack, "/sims/rfid-pad/placeTags", {
      tags: [{ itemId: SET.itemId, partNumber: 3, partsInSet: SET.parts, secured: true }],
    });
    await expect.poll(() => view.rows().locator(".status-label").allInnerTexts()).toEqual(Array(7).fill("OK"));
    expect(await view.text()).toContain("7 of 7 done");
    for (const itemId of [...BOOKS, SET.itemId]) {
      const loan = ils.loanOf(itemId);
      expect(loan?.patron, itemId).toBe(PATRONS.valid.card);
      const rows = await view
        .rows()
        .filter({ hasText: ils.item(itemId)?.title ?? itemId })
        .allInnerTexts();
      for (const row of rows) expect(row).toContain(`Due back ${shownDate(loan?.due as Date)}.`);
      expect(await securityOf(stack, itemId), itemId).toEqual(
        Array(itemId === SET.itemId ? SET.parts : 1).fill("unsecured"),
      );
    }
    expect(ils.loansOf(PATRONS.valid.card).filter((l) => l.item === SET.itemId)).toHaveLength(1);
    expect(await axeViolations(page)).toEqual([]);

    // A printed receipt lists every item and nothing that names the patron.
    await view.tap("Finish");
    await expect.poll(view.heading).toBe("Would you like a receipt?");
    await view.tap("Print a receipt");
    await expect.poll(view.heading).toBe("Thank you, Anna!");
    const printed = async () => {
      const receipts = (await simState(stack, "printer")).receipts as Array<{ text: string }>;
      return receipts.map((r) => r.text).join("\n");
    };
    await expect.poll(printed).toContain(SET.title);
    const receipt = await printed();
    for (const itemId of BOOKS) expect(receipt).toContain(ils.item(itemId)?.title);
    for (const secret of [PATRONS.valid.card, PATRONS.valid.firstName, PATRONS.valid.surname])
      expect(receipt).not.toContain(secret);
    await view.tap("Done");
    await expect.poll(view.heading).toBe("Welcome to the library");

    // Returns need no card: the same stack, still on the pad, goes back in and is secured again.
    await view.tap("Return items (no card needed)");
    await expect.poll(view.heading).toBe("Return items");
    await expect.poll(() => view.rows().locator(".status-label").allInnerTexts()).toEqual(Array(7).fill("OK"));
    expect(await view.text()).toContain("7 of 7 done");
    for (const itemId of [...BOOKS, SET.itemId]) expect(ils.loanOf(itemId), itemId).toBeUndefined();
    expect(new Set((await tagsOnPad(stack)).map((t: SimTag) => t.afiState))).toEqual(new Set(["secured"]));
    expect(await axeViolations(page)).toEqual([]);
    await view.tap("Finish");
    await expect.poll(view.heading).toBe("Would you like a receipt?");
    await view.tap("No receipt, thanks");
    await expect.poll(view.heading).toBe("Thank you!");
  });
});
