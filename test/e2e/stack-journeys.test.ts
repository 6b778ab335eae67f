/**
 * The patron's journeys in a real browser against the real stack (issue 10's end-to-end list): the ACS
 * simulator and its in-memory ILS, every device simulator, the real bridge and server. The test taps the
 * screen as a patron does and moves cards, books and paper through the simulators' control API; it checks
 * what the patron sees and the truth behind it (the ILS's loans, the tags' security, the printed receipt).
 * One stack for the file: scenarios use different patrons and items and leave the kiosk at its welcome
 * screen with an empty pad.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LocalSmtp, startSmtp } from "../support/smtp.ts";
import { axeViolations } from "./support/axe.ts";
import { layoutFaults } from "./support/layout.ts";
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
let smtp: LocalSmtp;

beforeAll(async () => {
  smtp = await startSmtp();
  kiosk = await startRealKiosk({
    // The shortest idle timeout the config takes, so the idle scenario moves virtual time by less than the
    // SIP2 heartbeat (60 s): a heartbeat's reply timeout never races the ACS's answer.
    kiosk: { idleTimeoutSeconds: 30, idleWarningSeconds: 20 },
    receipts: {
      library: "Open Selfcheck City Library",
      email: { host: "127.0.0.1", port: smtp.port, from: "kiosk@library.example" },
    },
  });
});
afterEach(async () => {
  expect(kiosk.problems).toEqual([]);
  await resetKiosk(kiosk);
});
afterAll(async () => {
  await kiosk?.close();
  await smtp?.close();
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
  it("a blocked patron is told in plain words and cannot borrow", async () => {
    const { stack, page } = kiosk;
    const view = patronView(page);
    const patron = PATRONS.blocked;
    // Staff block the card in the ILS, as the fixture's blocked patron is (this one has a PIN).
    stack.acs.ils.blockPatron(patron.card, "Account blocked by staff: please see the desk.", false);
    await signIn(stack, page, patron);
    expect(await view.text()).toContain("You cannot borrow right now, but you can return and renew.");
    expect(await view.text()).toContain("Your card needs attention");
    expect(await view.text()).toContain("Please see staff at the desk.");
    expect(await view.text()).not.toContain("Account blocked by staff"); // the ILS's own words stay out
    expect(await page.getByRole("button", { name: "Borrow items" }).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);

    // A book laid on the pad does not open the borrowing screen: the patron hears why, and nothing is lent
    // or unlocked.
    await control(stack, "/sims/rfid-pad/placeTags", { tags: [{ itemId: BOOKS[0], secured: true }] });
    await expect.poll(view.live).toBe("Your card cannot borrow right now. Please see staff.");
    expect(bridgeState(stack).phase).toBe("home");
    expect(bridgeState(stack).items).toEqual([]);
    expect(await view.heading()).toBe(`Hello, ${patron.firstName}`);
    expect(stack.acs.ils.loanOf(BOOKS[0] as string)).toBeUndefined();
    expect(await securityOf(stack, BOOKS[0] as string)).toEqual(["secured"]);
  });

  it("three wrong PINs: the patron is told each time, then sent back to the start", async () => {
    const { stack, page } = kiosk;
    const view = patronView(page);
    await control(stack, "/sims/scanner/scan", { code: PATRONS.holdReady.card });
    await expect.poll(view.heading).toBe("Enter your PIN");
    for (const left of [2, 1]) {
      for (const key of "9999") await view.tap(key);
      await view.tap("Sign in");
      await expect.poll(view.alert).toBe("That PIN is not right. Please try again.");
      await expect.poll(view.text).toContain(`Tries left: ${left}.`);
    }
    for (const key of "9999") await view.tap(key);
    await view.tap("Sign in");
    await expect.poll(view.heading).toBe("Welcome to the library");
    await expect.poll(view.alert).toBe("Too many wrong PINs. Please wait a few minutes, or ask staff.");
    expect(bridgeState(stack).patron).toBeUndefined();
    expect(await axeViolations(page)).toEqual([]);
  });

  it("a returned item someone here is waiting for goes to the hold shelf", async () => {
    const { stack, page } = kiosk;
    const view = patronView(page);
    const item = "34711000000242"; // available, with a hold for pickup at this kiosk's branch
    await view.tap("Return items (no card needed)");
    await expect.poll(view.heading).toBe("Return items");
    await control(stack, "/sims/rfid-pad/placeTags", { tags: [{ itemId: item, secured: false }] });
    await expect.poll(() => view.rows().locator(".status-label").allInnerTexts()).toEqual(["OK"]);
    expect(await view.rowTexts()).toEqual([expect.stringContaining("Rivers of Light")]);
    expect((await view.rowTexts())[0]).toContain("Someone is waiting for it: put it on the hold shelf cart.");
    expect(await securityOf(stack, item)).toEqual(["secured"]);
    // The ILS has trapped it for the waiting patron (Nora Quinn, "hold-pending-available").
    expect(stack.acs.ils.holdsOf("24711000000152")).toEqual([
      expect.objectContaining({ trappedItem: item, state: "ready", pickupBranch: "MAIN" }),
    ]);
    // Staff find a routing slip for it on the printer, with the title and no patron's name or card.
    const printed = async () => JSON.stringify(await control(stack, "/sims/printer/receipts"));
    await expect.poll(printed).toContain("HOLD: put it on the hold shelf here");
    expect(await printed()).toContain("Rivers of Light");
    expect(await printed()).not.toMatch(/Nora|Quinn|24711000000152/);
    expect(await axeViolations(page)).toEqual([]);
  });

  it("renews all loans from the patron's home: new due dates, and the one someone is waiting for refused", async () => {
    const { stack, page } = kiosk;
    const view = patronView(page);
    const ils = stack.acs.ils;
    const patron = PATRONS.hasLoans;
    const before = new Map(ils.loansOf(patron.card).map((l) => [l.item, l.due.getTime()]));
    await signIn(stack, page, patron);
    expect(await view.text()).toContain(`On loan: ${before.size}`);
    await view.tap("Renew loans");
    await expect.poll(view.heading).toBe("Renew loans");
    await view.tap("Renew all");
    await expect.poll(() => view.rows().locator(".status-label").allInnerTexts()).toHaveLength(before.size);
    await expect
      .poll(async () => (await view.rows().locator(".status-label").allInnerTexts()).sort())
      .toEqual(["Not done", "OK", "OK"]);
    for (const loan of ils.loansOf(patron.card)) {
      const title = ils.item(loan.item)?.title as string;
      const row = (await view.rows().filter({ hasText: title }).allInnerTexts())[0];
      if (loan.item === "34711000000044") {
        // Winter Orchard has holds waiting: the ILS refuses, the loan is as it was.
        expect(row).toContain(
          "Someone else is waiting for this item, so it cannot be renewed. Please return it by its due date.",
        );
        expect(loan.due.getTime()).toBe(before.get(loan.item));
      } else {
        expect(loan.renewals, title).toBe(1);
        expect(loan.due.getTime()).toBeGreaterThan(before.get(loan.item) as number);
        expect(row).toContain(`Renewed. Due back ${shownDate(loan.due)}.`);
      }
    }
    expect(await view.text()).toContain("2 of 3 done");
    expect(await axeViolations(page)).toEqual([]);
  });

  it("with the printer out of paper, print is not offered and the receipt goes by email", async () => {
    const { stack, page } = kiosk;
    const view = patronView(page);
    const patron = PATRONS.finesUnderLimit;
    const book = "34711000000663";
    await control(stack, "/sims/printer/setPaper", { state: "out" });
    await expect.poll(() => bridgeState(stack).can.print, { timeout: 15_000 }).toBe(false);
    await signIn(stack, page, patron);
    await view.tap("Borrow items");
    await control(stack, "/sims/rfid-pad/placeTags", { tags: [{ itemId: book, secured: true }] });
    await expect.poll(() => view.rows().locator(".status-label").allInnerTexts()).toEqual(["OK"]);
    await view.tap("Finish");
    await expect.poll(view.heading).toBe("Would you like a receipt?");
    const choices = page.locator("main .actions button");
    expect(await choices.allInnerTexts()).toEqual([
      expect.stringMatching(/^Email it to g.*@e.*\.org$/),
      "No receipt, thanks",
    ]);
    expect(await view.text()).toContain("The printer is not working right now.");
    expect(await view.text()).not.toContain("greta.hoffmann"); // the address is masked
    expect(await axeViolations(page)).toEqual([]);
    await choices.first().click();
    await expect.poll(view.heading).toBe(`Thank you, ${patron.firstName}!`);
    expect(await view.text()).toContain("Your receipt is on its way to your email.");
    await expect.poll(() => smtp.messages.length).toBe(1);
    const mail = smtp.messages[0];
    expect(mail?.to).toEqual(["greta.hoffmann@example.org"]);
    expect(mail?.data).toContain(stack.acs.ils.item(book)?.title);
    for (const secret of [patron.card, "Hoffmann"]) expect(mail?.data).not.toContain(secret);
    expect((await simState(stack, "printer")).receipts).toEqual([]);
  });
  it("warns before the idle timeout with a countdown; 'I need more time' keeps the session, then it ends", async () => {
    const { stack, page, clock } = kiosk;
    const view = patronView(page);
    // The bridge's timers run on virtual time; the page's clock follows it, so the countdown it draws is the
    // engine's. (idleTimeoutSeconds 30, warning 20: the warning shows 10 s after the last touch.)
    const advance = async (ms: number) => {
      await clock.advance(ms);
      await page.clock.setFixedTime(clock.now());
    };
    await signIn(stack, page, PATRONS.valid);
    const warning = page.getByRole("alertdialog");
    const countdown = () => warning.getByRole("progressbar").getAttribute("aria-valuenow");
    await advance(9_000);
    expect(await warning.count()).toBe(0);
    await advance(1_000);
    await expect.poll(() => warning.count()).toBe(1);
    expect(await warning.innerText()).toContain("For your privacy, this session ends in 20 seconds.");
    await expect.poll(view.live).toBe("Are you still there? Your session ends in 20 seconds.");
    await advance(5_000);
    await expect.poll(countdown).toBe("15");
    expect(await warning.innerText()).toContain("this session ends in 15 seconds.");
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("I need more time");
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole("button", { name: "I need more time" }).click();
    await expect.poll(() => warning.count()).toBe(0);
    expect(bridgeState(stack).idle?.deadline).toBe(clock.now() + 30_000);
    expect(await view.heading()).toBe(`Hello, ${PATRONS.valid.firstName}`);

    // Left alone again: warned again, then the session ends and the screen forgets the patron.
    await advance(10_000);
    await expect.poll(countdown).toBe("20");
    await advance(20_000);
    await expect.poll(view.heading).toBe("Welcome to the library");
    await expect.poll(view.live).toBe("Your session has ended. Thank you.");
    expect(await warning.count()).toBe(0);
    expect(bridgeState(stack).patron).toBeUndefined();
    expect(await page.locator("kiosk-app").innerText()).not.toContain(PATRONS.valid.firstName);
  });

  it("in Arabic, the first screens read right to left, with nothing cut off and no axe violations", async () => {
    const { stack, page } = kiosk;
    const view = patronView(page);
    const direction = () => page.evaluate(() => `${document.documentElement.lang} ${document.documentElement.dir}`);
    await view.tap("العربية");
    await expect.poll(direction).toBe("ar rtl");
    await expect.poll(view.heading).toBe("أهلاً بك في المكتبة");
    expect(await view.text()).toContain("ضع بطاقة المكتبة على اللوحة أو امسح رمزها الشريطي.");
    expect(await layoutFaults(page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);

    await control(stack, "/sims/scanner/scan", { code: PATRONS.valid.card });
    await expect.poll(view.heading).toBe("أدخل رقمك السري");
    expect(await layoutFaults(page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    for (const key of PATRONS.valid.pin) await view.tap(key);
    await view.tap("تسجيل الدخول");
    await expect.poll(view.heading).toBe(`مرحباً، ${PATRONS.valid.firstName}`);
    // Right to left: the primary action starts at the right-hand edge of its row.
    const actions = page.locator("main .actions");
    const [row, first] = await Promise.all([actions.boundingBox(), actions.locator("button").first().boundingBox()]);
    expect(Math.abs((row?.x ?? 0) + (row?.width ?? 0) - ((first?.x ?? 0) + (first?.width ?? 0)))).toBeLessThan(2);
    expect(await layoutFaults(page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);

    // Signing out gives the next patron the kiosk's own language back.
    await view.tap("تسجيل الخروج");
    await expect.poll(direction).toBe("en ltr");
    await expect.poll(view.heading).toBe("Welcome to the library");
  });
});
