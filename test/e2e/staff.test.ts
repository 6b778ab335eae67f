/**
 * The staff console in a real Chromium against the real stack (startStack: the ACS simulator, every device
 * simulator, the real bridge): a wrong password is refused, staff log in with the simulated stack's user,
 * see every device, list the tags on the pad, take the kiosk out of service (the patron screen changes),
 * print a test page and put the kiosk back. The navigation: one link per page, the URL hash keeps the page
 * across a reload, the focus goes to the chosen page's heading, it works from the keyboard. axe finds nothing
 * on the login and on each page.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_STAFF } from "../../simulators/stack.ts";
import { KioskClient } from "../support/kiosk-client.ts";
import { axeViolations } from "./support/axe.ts";
import { browser, ORIENTATIONS, SCREENSHOTS, screenshotBoth } from "./support/browser.ts";
import { control, type RealKiosk, startRealKiosk } from "./support/real-stack.ts";

let kiosk: RealKiosk;
let staff: Page;

beforeAll(async () => {
  kiosk = await startRealKiosk();
  const context = await (await browser()).newContext({ viewport: ORIENTATIONS.landscape, reducedMotion: "reduce" });
  staff = await context.newPage();
  await staff.goto(`${kiosk.stack.bridge.server?.url}/staff/`);
  await staff.getByRole("heading", { name: "Log in" }).waitFor();
});

afterAll(async () => {
  await staff?.context().close();
  await kiosk?.close();
});

const button = (name: string) => staff.getByRole("button", { name, exact: true });
const navigation = () => staff.getByRole("navigation", { name: "Console sections" });
const focusedLabel = () =>
  staff.evaluate(() => (document.activeElement as HTMLInputElement | null)?.labels?.[0]?.textContent?.trim());
const focusedHeading = () =>
  staff.evaluate(() => document.activeElement?.matches("h2") && document.activeElement.textContent);

/** Follows a navigation link and waits until its page's heading has the focus. */
async function openPage(link: string, heading = link) {
  await navigation().getByRole("link", { name: link, exact: true }).click();
  await expect.poll(focusedHeading).toBe(heading);
}

/** Back to no hours (the stack's default), so the kiosk is open for the tests after this one. */
async function resetHours() {
  const status = await staff.evaluate(async () => {
    const response = await fetch("/api/staff/hours", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    return response.status;
  });
  expect(status).toBe(200);
}

async function logIn(password: string) {
  await staff.getByLabel("User name").fill(DEV_STAFF.user);
  await staff.getByLabel("Password").fill(password);
  await button("Log in").click();
}

describe("staff console", () => {
  it("refuses a wrong password, then logs in and shows every device live", async () => {
    expect(await axeViolations(staff)).toEqual([]);
    await screenshotBoth(staff, "staff-login", { fullPage: false });

    await logIn("not-the-password");
    await expect.poll(() => staff.getByRole("alert").innerText()).toBe("Wrong user name or password");

    await logIn(DEV_STAFF.password);
    await staff.getByRole("heading", { name: "Devices" }).waitFor();
    const health = (id: string) => staff.locator(`tr[data-device="${id}"] td`).nth(1).innerText();
    for (const id of ["scanner", "rfid-pad", "printer", "relay"]) await expect.poll(() => health(id)).toBe("Working");
    expect(await staff.getByText("Logged in as staff").count()).toBe(1);
    await expect.poll(focusedHeading).toBe("Devices");
  });

  it("navigates between pages: the hash names the page, a reload keeps it, the keyboard works", async () => {
    await openPage("Statistics");
    expect(new URL(staff.url()).hash).toBe("#statistics");
    expect(await navigation().locator('[aria-current="page"]').innerText()).toBe("Statistics");
    expect(await axeViolations(staff)).toEqual([]);

    await staff.reload();
    await staff.getByRole("heading", { name: "Statistics" }).waitFor();
    expect(await staff.getByRole("heading", { name: "Devices" }).count()).toBe(0);

    // From the keyboard: focus the link of the out-of-service page and press Enter.
    await navigation().getByRole("link", { name: "Out of service" }).focus();
    await staff.keyboard.press("Enter");
    await expect.poll(focusedHeading).toBe("Out of service");
    expect(await axeViolations(staff)).toEqual([]);

    await staff.goBack();
    await expect.poll(focusedHeading).toBe("Statistics");
    await openPage("Devices");
  });

  it("lists the tags on the pad with their item data and security", async () => {
    await control(kiosk.stack, "/sims/rfid-pad/placeTags", {
      tags: [{ uid: "E004010000000B01", itemId: "34711000000010", model: "iso28560-2", owner: "DE-1", secured: true }],
    });
    await button("List tags on the pad: RFID pad").click();
    const result = staff.locator('article[data-result="rfid-pad"]');
    await expect.poll(() => result.innerText()).toContain("1 tag on the pad");
    const text = await result.innerText();
    expect(text).toContain("E004010000000B01");
    expect(text).toContain("34711000000010");
    expect(text).toContain("0x07");
    expect(text).toContain("Secured");
    await control(kiosk.stack, "/sims/rfid-pad/removeTags", { all: true });
  });

  it("takes the kiosk out of service with a message: the patron screen changes; a test print shows the page", async () => {
    await button("Print a test page: Receipt printer").click();
    await expect.poll(() => staff.getByRole("alert").innerText()).toContain("take the kiosk out of service first");

    await openPage("Out of service");
    await staff.getByLabel("Message for patrons (optional)").fill("Back at 2 pm");
    await button("Take out of service").click();
    await expect.poll(() => kiosk.page.locator("kiosk-app main h1").innerText()).toBe("This kiosk is out of service");
    expect(await kiosk.page.locator(".staff-message").innerText()).toBe("Back at 2 pm");
    await expect.poll(() => staff.getByText("Out of service: “Back at 2 pm”").count()).toBe(1);
    expect(await staff.locator(".staff-bar").innerText()).toContain("Out of service");

    await openPage("Devices");
    await button("Print a test page: Receipt printer").click();
    const page = staff.getByLabel("The printed test page");
    await expect.poll(() => page.innerText().catch(() => "")).toContain("Printer test page");
    expect(await staff.getByRole("alert").count(), "a call that worked clears the error line").toBe(0);

    expect(await axeViolations(staff)).toEqual([]);
    await screenshotBoth(staff, "staff-dashboard");

    await openPage("Out of service");
    await button("Put back in service").click();
    await expect
      .poll(() => kiosk.page.locator("kiosk-app main h1").innerText())
      .not.toBe("This kiosk is out of service");
    expect(kiosk.problems).toEqual([]);
  });

  it("shows today's opening hours and edits the week: the patron screen says the library is closed", async () => {
    await openPage("Devices");
    await openPage("Out of service");
    const hours = staff.locator("service-page section", { has: staff.getByRole("heading", { name: "Opening hours" }) });
    await expect.poll(() => hours.innerText()).toContain("No opening hours: always open");
    // Open tomorrow only: today is closed all day whatever the time (the stack follows this machine's time
    // zone), so the patron screen says closed and names when it opens again.
    const tomorrow = new Date(Date.now() + 86_400_000).toLocaleDateString("en-US", { weekday: "long" });
    for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]) {
      await staff.getByLabel(day, { exact: true }).fill("");
    }
    await staff.getByLabel(tomorrow, { exact: true }).fill("9:00-12:30");
    await button("Save opening hours").click();
    await expect
      .poll(() => hours.innerText())
      .toContain('expected a time HH:MM from 00:00 to 23:59 ("09:00"), got "9:00"');
    expect(await staff.getByLabel(tomorrow, { exact: true }).getAttribute("aria-invalid")).toBe("true");
    await staff.getByLabel(tomorrow, { exact: true }).fill("09:00–12:30, 13:30–19:00");
    await staff.getByLabel("Take returns while the library is closed").check();
    await button("Save opening hours").click();
    const patron = kiosk.page.locator("kiosk-app main");
    await expect.poll(() => hours.innerText()).toMatch(/Now\s+Closed/);
    await expect.poll(() => patron.locator("h1").innerText()).toBe("The library is closed");
    expect(await patron.innerText()).toMatch(/Opens again tomorrow at /);
    expect(await patron.getByRole("button", { name: "Return items (no card needed)" }).count()).toBe(1);
    expect(await axeViolations(staff)).toEqual([]);
    await screenshotBoth(staff, "staff-service");
    await resetHours();
    await expect.poll(() => patron.locator("h1").innerText()).not.toBe("The library is closed");
  });

  it("adds a holiday for today: the patron screen says closed; a wrong range is named at its field; removing it opens again", async () => {
    await openPage("Devices");
    await openPage("Out of service");
    const hours = staff.locator("service-page section", { has: staff.getByRole("heading", { name: "Opening hours" }) });
    await expect.poll(() => hours.innerText()).toContain("No dates ahead differ from the week.");
    // Open all day every day, so only the exception can close the library.
    for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]) {
      await staff.getByLabel(day, { exact: true }).fill("00:00–24:00");
    }
    await button("Add a date").click();
    const row = hours.locator("fieldset.staff-exception");
    await expect.poll(focusedLabel).toBe("Date");
    const today = await row.getByLabel("Date", { exact: true }).inputValue();
    expect(today).toMatch(/^\d{4}-\d\d-\d\d$/);
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    await row.getByLabel("Last day (for several days)").fill(yesterday);
    await row.getByLabel("Note for staff").fill("Public holiday");
    await button("Save opening hours").click();
    const until = row.getByLabel("Last day (for several days)");
    await expect.poll(() => until.getAttribute("aria-invalid")).toBe("true");
    expect(await row.innerText()).toContain(`${yesterday} is before the exception's date ${today}; give the last day`);
    expect(kiosk.stack.bridge.kiosk?.phase).not.toBe("closed");

    await until.fill("");
    await button("Save opening hours").click();
    const patron = kiosk.page.locator("kiosk-app main");
    await expect.poll(() => patron.locator("h1").innerText()).toBe("The library is closed");
    await expect.poll(() => hours.innerText()).toMatch(/Today\s+Closed all day \(Public holiday\)/);
    expect(await row.locator("legend").innerText()).toMatch(/closed$/);
    expect(await axeViolations(staff)).toEqual([]);
    await screenshotBoth(staff, "staff-hours-holiday");

    await row.getByRole("button", { name: /^Remove / }).click();
    await button("Save opening hours").click();
    await expect.poll(() => patron.locator("h1").innerText()).not.toBe("The library is closed");
    expect(await hours.innerText()).toContain("No dates ahead differ from the week.");
    await resetHours();
  });

  it("charts the statistics by hour or day, by kind or result, with the same numbers in a table", async () => {
    // What the kiosk records for each transaction, written straight into the bridge's statistics: exact numbers.
    const statistics = kiosk.stack.bridge.statistics;
    if (!statistics) throw new Error("the stack keeps no statistics");
    for (const [kind, result] of [
      ["checkout", "ok"],
      ["checkout", "ok"],
      ["checkout", "refused"],
      ["checkin", "ok"],
    ] as const) {
      statistics.record({ kind, result, durationMs: 420 });
    }
    await openPage("Statistics");
    const chart = staff.locator('svg[role="img"]');
    await expect.poll(() => chart.count()).toBe(1);
    expect(await chart.locator("title").textContent()).toBe("Transactions per hour over the last day, by kind");
    expect(await chart.locator("desc").textContent()).toMatch(/^4 transactions in 1 periods \(Loans, Returns\)/);
    expect(await chart.locator("rect").count()).toBe(2);
    const table = staff.locator("table[data-chart-table]");
    const head = () => table.locator("thead th").allInnerTexts();
    expect(await head()).toEqual(["Hour", "Loans", "Returns", "Total"]);
    expect(await table.locator("tbody td").allInnerTexts()).toEqual(["3", "1", "4"]);

    await button("By result").click();
    await expect.poll(head).toEqual(["Hour", "Done", "Refused", "Total"]);
    expect(await table.locator("tbody td").allInnerTexts()).toEqual(["3", "1", "4"]);
    await button("Last month by day").click();
    await expect.poll(() => table.locator("thead th").first().innerText()).toBe("Day");
    expect(await axeViolations(staff)).toEqual([]);
    await screenshotBoth(staff, "staff-statistics");
  });

  it("watches the live session: a patron signs in and staff see 'a patron', never who", async () => {
    await openPage("Live session");
    const facts = staff.locator("monitor-page dl");
    await expect.poll(() => facts.innerText()).toContain("Nobody is signed in");
    const ui = await KioskClient.open(`${kiosk.stack.bridge.server?.url.replace(/^http/, "ws")}/api/kiosk`);
    try {
      await ui.send({ type: "identify", credential: "24711000000012" }); // "valid", Anna Schmidt, PIN 1111
      await ui.until((s) => s.phase === "pin");
      await ui.send({ type: "verifyPin", pin: "1111" });
      await expect.poll(() => facts.innerText()).toContain("A patron is signed in");
      const text = await staff.locator("monitor-page").innerText();
      for (const secret of ["24711000000012", "Anna", "Schmidt"]) expect(text).not.toContain(secret);
      expect(await staff.locator('monitor-page [data-phase="home"]').innerText()).toBe("Main menu");
      expect(await axeViolations(staff)).toEqual([]);
      await screenshotBoth(staff, "staff-monitor");
      await ui.send({ type: "endSession" });
      await expect.poll(() => facts.innerText()).toContain("Nobody is signed in");
    } finally {
      ui.close();
    }
  });

  it("switches the console's language: Arabic reads right to left, and the choice survives a reload", async () => {
    await openPage("Devices");
    await staff.getByLabel("Language").selectOption("ar");
    await expect.poll(() => staff.evaluate(() => document.documentElement.dir)).toBe("rtl");
    // The navigation is named in Arabic now too.
    await expect
      .poll(() => staff.getByRole("navigation", { name: "أقسام وحدة التحكم" }).getByRole("link").allInnerTexts())
      .toContain("الأجهزة");
    expect(await staff.getByRole("heading", { level: 2 }).first().innerText()).toBe("الأجهزة");
    await staff.reload();
    await expect.poll(() => staff.evaluate(() => document.documentElement.lang)).toBe("ar");
    await staff.getByRole("heading", { name: "الأجهزة" }).waitFor();
    expect(await axeViolations(staff)).toEqual([]);
    await staff.screenshot({ path: join(SCREENSHOTS, "staff-devices-arabic-landscape.png"), fullPage: true });
    // The statistics in Arabic: chart, table and times (the earlier test's transactions), mirrored.
    await staff
      .getByRole("navigation", { name: "أقسام وحدة التحكم" })
      .getByRole("link", { name: "الإحصاءات", exact: true })
      .click();
    await expect.poll(focusedHeading).toBe("الإحصاءات");
    await expect
      .poll(() => staff.locator("table[data-chart-table] caption").innerText())
      .toMatch(/^المعاملات في كل (ساعة|يوم)/);
    expect(await axeViolations(staff)).toEqual([]);
    await staff.screenshot({ path: join(SCREENSHOTS, "staff-statistics-arabic-landscape.png"), fullPage: true });
    await staff.getByLabel("اللغة").selectOption("en");
    await expect.poll(() => staff.evaluate(() => document.documentElement.dir)).toBe("ltr");
    await staff.getByRole("heading", { name: "Statistics", exact: true }).waitFor();
  });

  it("changes the staff member's own password: a wrong current one is named, then the new one logs in", async () => {
    const NEW = "a-new-desk-pass";
    await openPage("My password", "Change my password");
    await staff.getByLabel("Current password").fill("not-the-password");
    await staff.getByLabel("New password", { exact: true }).fill(NEW);
    await staff.getByLabel("New password again").fill(NEW);
    await button("Change my password").click();
    const current = staff.getByLabel("Current password");
    await expect.poll(() => current.getAttribute("aria-invalid")).toBe("true");
    expect(await staff.locator("account-page").innerText()).toContain("not your current password");
    expect(await axeViolations(staff)).toEqual([]);

    await current.fill(DEV_STAFF.password);
    await button("Change my password").click();
    await expect
      .poll(() => staff.getByRole("status").innerText())
      .toContain("Your password has been changed. You stay logged in here.");
    expect(await current.inputValue()).toBe("");
    await screenshotBoth(staff, "staff-account");

    await button("Log out").click();
    await staff.getByRole("heading", { name: "Log in" }).waitFor();
    await logIn(DEV_STAFF.password);
    await expect.poll(() => staff.getByRole("alert").innerText()).toBe("Wrong user name or password");
    await logIn(NEW);
    await staff.getByText("Logged in as staff").waitFor();
  });

  it("logs out: the API refuses the old session", async () => {
    await button("Log out").click();
    await staff.getByRole("heading", { name: "Log in" }).waitFor();
    const status = await staff.evaluate(async () => (await fetch("/api/staff/status")).status);
    expect(status).toBe(401);
  });
});
