/**
 * The configuration page in a real Chromium against the real stack (startStack: the ACS simulator, the
 * device simulators, the real bridge): the form is built from the config's schema with each field's
 * description; a bad SIP2 port gets the validator's message next to the field (aria-invalid, and
 * aria-describedby pointing at it); "Test SIP2 connection" shows the login and status exchange with the
 * ACS, masked. The stack runs a generated config, so the page says it cannot save. In Spanish the form's
 * labels, descriptions and choices are Spanish (config-words.ts). axe finds nothing; screenshots in both
 * orientations.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_STAFF } from "../../simulators/stack.ts";
import { axeViolations } from "./support/axe.ts";
import { browser, ORIENTATIONS, SCREENSHOTS, screenshotBoth } from "./support/browser.ts";
import { type RealKiosk, startRealKiosk } from "./support/real-stack.ts";

let kiosk: RealKiosk;
let staff: Page;

beforeAll(async () => {
  kiosk = await startRealKiosk();
  const context = await (await browser()).newContext({ viewport: ORIENTATIONS.landscape, reducedMotion: "reduce" });
  staff = await context.newPage();
  await staff.goto(`${kiosk.stack.bridge.server?.url}/staff/#config`);
  await staff.getByLabel("User name").fill(DEV_STAFF.user);
  await staff.getByLabel("Password").fill(DEV_STAFF.password);
  await staff.getByRole("button", { name: "Log in", exact: true }).click();
  await staff.getByRole("heading", { name: "Configuration", exact: true }).waitFor();
  await staff.locator("#cfg-sip2-port-input").waitFor();
});

afterAll(async () => {
  await staff?.context().close();
  await kiosk?.close();
});

const port = () => staff.locator("#cfg-sip2-port-input");

describe("configuration page", () => {
  it("is built from the schema: a section per part of the config, each field with its description", async () => {
    const sections = staff.getByRole("navigation", { name: "Configuration sections" }).getByRole("link");
    expect(await sections.allInnerTexts()).toEqual(
      expect.arrayContaining([
        "ILS connection (SIP2)",
        "Devices",
        "Offline mode",
        "Kiosk",
        "Receipts",
        "Server",
        "Staff",
      ]),
    );
    expect(await port().inputValue()).toBe(String(kiosk.stack.acs.address.port));
    const help = await port().getAttribute("aria-describedby");
    expect(await staff.locator(`#${help}`).innerText()).toBe("Its TCP port (often 6001).");
    // The SIP2 password is never in the page: an empty field that says it is set.
    const password = staff.locator("#cfg-sip2-login-password-input");
    expect(await password.inputValue()).toBe("");
    expect(await password.getAttribute("placeholder")).toMatch(/^set/);
    expect(await staff.content()).not.toContain(kiosk.stack.config.sip2?.login.password ?? "?");
    // No file behind the simulated stack's config: the page says so and Save is off.
    expect(await staff.getByText(/runs a generated config/).count()).toBe(1);
    expect(await staff.getByRole("button", { name: "Save", exact: true }).isDisabled()).toBe(true);
    expect(await axeViolations(staff)).toEqual([]);
    await screenshotBoth(staff, "staff-config", { fullPage: false });
  });

  it("a bad port shows the validator's message at the field", async () => {
    await port().fill("70000");
    await port().press("Tab");
    const error = staff.locator("#cfg-sip2-port-error");
    await expect.poll(() => error.count()).toBe(1);
    expect(await error.innerText()).toBe("expected a whole number from 1 to 65535, got 70000");
    expect(await port().getAttribute("aria-invalid")).toBe("true");
    expect((await port().getAttribute("aria-describedby"))?.split(" ")).toContain("cfg-sip2-port-error");
    expect(await axeViolations(staff)).toEqual([]);

    await port().fill(String(kiosk.stack.acs.address.port));
    await port().press("Tab");
    await expect.poll(() => error.count()).toBe(0);
    expect(await port().getAttribute("aria-invalid")).toBe("false");
  });

  it("Test SIP2 connection shows the login and status exchange, masked, and what the ILS supports", async () => {
    await staff.getByRole("button", { name: "Test SIP2 connection", exact: true }).click();
    const result = staff.locator("#cfg-sip2-result");
    await expect.poll(() => result.count()).toBe(1);
    expect(await result.getByRole("heading").innerText()).toBe("Connected and logged in; the ILS is online.");
    const rows = result.locator("tbody tr");
    expect(await rows.count()).toBe(4);
    const first = await rows.nth(0).innerText();
    expect(first).toContain("kiosk → ILS");
    expect(first).toMatch(/login\s+9300CN\[redacted\]\|CO\[redacted\]/);
    expect(await rows.nth(3).innerText()).toMatch(/acsStatus\s+98/);
    expect(await result.innerText()).toContain("patron status request");
    // The button's result takes the focus, so a screen reader reads it.
    expect(await staff.evaluate(() => document.activeElement?.id)).toBe("cfg-sip2-result");
    expect(await axeViolations(staff)).toEqual([]);
    await result.scrollIntoViewIfNeeded();
    await staff.screenshot({ path: join(SCREENSHOTS, "staff-config-sip2-test-landscape.png") });
  });

  it("a wrong password typed in the form is tested as typed: the ILS refuses the login", async () => {
    await staff.locator("#cfg-sip2-login-password-input").fill("not-the-password");
    await staff.getByRole("button", { name: "Test SIP2 connection", exact: true }).click();
    const heading = staff.locator("#cfg-sip2-result").getByRole("heading");
    await expect.poll(() => heading.innerText().catch(() => "")).toBe("The ILS refused the login.");
    expect(await staff.content()).not.toContain('not-the-password"');
  });

  it("a staff password is typed twice and at least 10 characters long; the page says what is wrong", async () => {
    const typed = staff.locator("#cfg-staff-password-new");
    const again = staff.locator("#cfg-staff-password-again");
    const problem = staff.locator("#cfg-staff-password-problem");
    expect(await staff.locator("#cfg-staff-password-user option").allInnerTexts()).toEqual([DEV_STAFF.user]);
    await typed.fill("short");
    await expect.poll(() => problem.innerText().catch(() => "")).toBe("At least 10 characters.");
    await typed.fill("a-long-enough-one");
    await again.fill("a-long-enough-two");
    await expect.poll(() => problem.innerText().catch(() => "")).toBe("The two passwords differ.");
    expect(await again.getAttribute("aria-invalid")).toBe("true");
    await again.fill("a-long-enough-one");
    await expect.poll(() => problem.count()).toBe(0);
    expect(await again.getAttribute("aria-invalid")).toBe("false");
    expect(await axeViolations(staff)).toEqual([]);
    await typed.fill("");
    await again.fill("");
  });

  it("in Spanish, the form's labels, descriptions and choices are Spanish", async () => {
    await staff.locator(".staff-language select").selectOption("es");
    const label = staff.locator("label[for='cfg-sip2-port-input']");
    await expect.poll(() => label.innerText()).toMatch(/^Puerto\b/);
    const help = await port().getAttribute("aria-describedby");
    expect(await staff.locator(`#${help}`).innerText()).toBe("Su puerto TCP (a menudo 6001).");
    const sections = staff.getByRole("navigation", { name: "Secciones de la configuración" }).getByRole("link");
    expect(await sections.first().innerText()).toBe("Conexión con el SIGB (SIP2)");
    expect(await staff.locator("#cfg-kiosk-sets-input option[value='desk']").innerText()).toBe(
      "Enviar al usuario al mostrador",
    );
    expect(await axeViolations(staff)).toEqual([]);
    await staff.locator(".staff-language select").selectOption("en");
    await expect.poll(() => label.innerText()).toMatch(/^Port\b/);
  });
});
