/**
 * A pad that lists at most four tags at once (a FEIG CPR-M02 with its standard firmware) in the real stack,
 * in the browser: the screen says how many to place, a stack of five is refused with "take some off", and
 * the patron borrows all five in two goes, as one does at such a kiosk.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STACK_DEVICES } from "../../simulators/stack.ts";
import { axeViolations } from "./support/axe.ts";
import {
  bridgeState,
  control,
  PATRONS,
  patronView,
  type RealKiosk,
  signIn,
  startRealKiosk,
} from "./support/real-stack.ts";

let kiosk: RealKiosk;

beforeAll(async () => {
  kiosk = await startRealKiosk({
    devices: STACK_DEVICES.map((d) => (d.kind === "rfid" ? { ...d, name: "RFID pad (CPR-M02)", model: "cpr-m02" } : d)),
  });
});
afterAll(async () => {
  expect(kiosk?.problems ?? []).toEqual([]);
  await kiosk?.close();
});

const BOOKS = ["34711000000010", "34711000000028", "34711000000622", "34711000000630", "34711000000663"];

describe("a pad that lists four tags at a time", () => {
  it("says so, refuses a stack of five with 'take some off', and lends all five in two goes", async () => {
    const { stack, page } = kiosk;
    const view = patronView(page);
    const ils = stack.acs.ils;
    const statuses = () => view.rows().locator(".status-label").allInnerTexts();
    await signIn(stack, page, PATRONS.valid);
    await view.tap("Borrow items");
    await expect.poll(view.heading).toBe("Borrow items");
    expect(bridgeState(stack).can.padCapacity).toBe(4);
    expect(await view.text()).toContain("Place your items on the pad, at most 4 at a time.");

    const uids = (await control(stack, "/sims/rfid-pad/placeTags", {
      tags: BOOKS.map((itemId) => ({ itemId, secured: true })),
    })) as string[];
    await expect.poll(view.alert).toContain("Too many items on the pad. Take some off: at most 4 at a time.");
    expect(await statuses()).toEqual([]);
    for (const book of BOOKS) expect(ils.loanOf(book), book).toBeUndefined();
    expect(await axeViolations(page)).toEqual([]);

    // One off: the other four go out, and the warning goes away.
    await control(stack, "/sims/rfid-pad/removeTags", { uids: uids.slice(4) });
    await expect.poll(statuses).toEqual(["OK", "OK", "OK", "OK"]);
    await expect.poll(() => page.getByRole("alert").count()).toBe(0);

    // The patron takes the four and lays the last one down.
    await control(stack, "/sims/rfid-pad/removeTags", { all: true });
    await control(stack, "/sims/rfid-pad/placeTags", { tags: [{ itemId: BOOKS[4], secured: true }] });
    await expect.poll(statuses).toEqual(["OK", "OK", "OK", "OK", "OK"]);
    expect(await view.text()).toContain("5 of 5 done");
    for (const book of BOOKS) expect(ils.loanOf(book)?.patron, book).toBe(PATRONS.valid.card);
  });
});
