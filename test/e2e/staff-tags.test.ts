/**
 * Tag programming and shelf inventory in the staff console, in a real Chromium against the real stack (the
 * 3M 810 pad simulator on a pseudo-terminal, the ACS simulator over TCP): a blank tag is programmed and read
 * back through the simulator; an inventory of placed tags names the one checked out, the unknown one and the
 * one from another branch; the CSV downloads without patron data. axe finds nothing; screenshots of both pages
 * in both orientations.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_STAFF } from "../../simulators/stack.ts";
import { axeViolations } from "./support/axe.ts";
import { browser, ORIENTATIONS, screenshotBoth } from "./support/browser.ts";
import { control, type RealKiosk, startRealKiosk, tagsOnPad } from "./support/real-stack.ts";

let kiosk: RealKiosk;
let staff: Page;

beforeAll(async () => {
  kiosk = await startRealKiosk();
  const context = await (await browser()).newContext({
    viewport: ORIENTATIONS.landscape,
    reducedMotion: "reduce",
    acceptDownloads: true,
  });
  staff = await context.newPage();
  await staff.goto(`${kiosk.stack.bridge.server?.url}/staff/`);
  await staff.getByLabel("User name").fill(DEV_STAFF.user);
  await staff.getByLabel("Password").fill(DEV_STAFF.password);
  await staff.getByRole("button", { name: "Log in", exact: true }).click();
  await staff.getByRole("heading", { name: "Devices" }).waitFor();
});

afterAll(async () => {
  await staff?.context().close();
  await control(kiosk.stack, "/sims/rfid-pad/removeTags", { all: true }).catch(() => undefined);
  await kiosk?.close();
});

const button = (name: string) => staff.getByRole("button", { name, exact: true });
const focusedHeading = () =>
  staff.evaluate(() => document.activeElement?.matches("h2") && document.activeElement.textContent);

async function openPage(name: string) {
  await staff.getByRole("navigation", { name: "Console sections" }).getByRole("link", { name, exact: true }).click();
  await expect.poll(focusedHeading).toBe(name);
}

describe("tag programming and inventory in the staff console", () => {
  it("needs the kiosk out of service, then programmes a blank tag and shows it as read back", async () => {
    await openPage("Tag programming");
    expect(await staff.getByRole("status").first().innerText()).toContain("Take the kiosk out of service first");
    expect(await button("Write tag").isDisabled()).toBe(true);

    await openPage("Out of service");
    await button("Take out of service").click();
    await button("Put back in service").waitFor();
    await openPage("Tag programming");
    // The 3M 810 has no command to lock blocks: the box is off and says why.
    expect(await staff.getByLabel(/Lock the written blocks/).isDisabled()).toBe(true);
    expect(await staff.getByText("This pad's reader cannot lock blocks.").count()).toBe(1);

    await control(kiosk.stack, "/sims/rfid-pad/placeTags", { tags: [{ uid: "E004010000003001" }] });
    await staff.getByLabel("Item barcode").fill("34711000000150");
    await staff.getByLabel("Data model").selectOption("iso28560-3");
    await staff.getByLabel("Owner library (ISIL)").fill("DE-1");
    await staff.getByLabel("Part", { exact: true }).fill("1");
    await staff.getByLabel("of", { exact: true }).fill("3");
    await button("Write tag").click();
    const result = staff.getByRole("heading", { name: "Tag E004010000003001 written and verified" });
    await result.waitFor({ timeout: 15_000 });
    const shown = await staff.locator(".staff-result").innerText();
    expect(shown).toContain("34711000000150");
    expect(shown).toContain("DE-1");
    expect(shown).toContain("Secured (AFI 0x07)");

    // Read back through the simulator: the tag itself holds it.
    const [tag] = await tagsOnPad(kiosk.stack);
    expect(tag).toMatchObject({
      afiState: "secured",
      data: { model: "iso28560-3", itemId: "34711000000150", owner: "DE-1", partNumber: 1, partsInSet: 3 },
    });
    expect(await axeViolations(staff)).toEqual([]);
    await screenshotBoth(staff, "staff-tags");
    await control(kiosk.stack, "/sims/rfid-pad/removeTags", { all: true });
  });

  it("runs an inventory: on shelf, checked out, unknown, another branch; downloads the CSV", async () => {
    await openPage("Inventory");
    await button("Start inventory").click();
    await button("Stop").waitFor();
    await control(kiosk.stack, "/sims/rfid-pad/placeTags", {
      tags: [
        { itemId: "34711000000010" }, // on the shelf
        { itemId: "34711000000036" }, // checked out to another patron
        { itemId: "39999999999999" }, // unknown to the ILS
        { itemId: "34711000000226" }, // owned by EAST
        { itemId: "24711000000012", typeOfUsage: 8 }, // a patron card: not listed
      ],
    });
    const status = (item: string) => staff.locator(`tr[data-item="${item}"] td`).nth(2).innerText();
    await expect.poll(() => status("34711000000010"), { timeout: 15_000 }).toBe("On shelf");
    await expect.poll(() => status("34711000000036")).toBe("Checked out, but on the shelf");
    await expect.poll(() => status("39999999999999")).toBe("Unknown to the library system");
    await expect.poll(() => status("34711000000226")).toBe("Belongs to another branch");
    expect(await staff.locator("tr[data-item]").count()).toBe(4);
    expect(await staff.locator('tr[data-item="34711000000010"]').innerText()).toContain("The Quiet Harbour");

    await button("Stop").click();
    await button("Start inventory").waitFor();
    expect(await axeViolations(staff)).toEqual([]);
    await screenshotBoth(staff, "staff-inventory");

    const [download] = await Promise.all([
      staff.waitForEvent("download"),
      staff.getByRole("link", { name: "Download CSV" }).click(),
    ]);
    // The browser runs apart from this process: the download is copied here to be read.
    const file = join(await mkdtemp(join(tmpdir(), "inventory-")), "inventory.csv");
    await download.saveAs(file);
    expect(download.suggestedFilename()).toBe("selfcheck-inventory.csv");
    const csv = await readFile(file, "utf8");
    expect(csv.split("\r\n")[0]).toBe("item,status,title,call number,ILS status,home branch,tag UID,first seen");
    expect(csv).toContain("34711000000036,checked-out,Maps of Forgotten Rivers,");
    expect(csv).toContain("34711000000226,misplaced,");
    expect(csv).not.toContain("24711000000012");

    await control(kiosk.stack, "/sims/rfid-pad/removeTags", { all: true });
    await openPage("Out of service");
    await button("Put back in service").click();
    await button("Take out of service").waitFor();
  });
});
