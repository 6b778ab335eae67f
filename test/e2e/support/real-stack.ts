/**
 * The whole simulated kiosk for browser tests: startStack (ACS simulator with its in-memory ILS, every
 * device simulator, the real bridge and server serving kiosk-ui/dist) on a VirtualClock, a page on it,
 * and the moves a patron makes: taps on the screen, and cards, books and paper through the simulators'
 * control API.
 */
import type { ConsoleMessage, Locator, Page } from "playwright-core";
import { expect, inject } from "vitest";
import type { KioskState } from "../../../protocols/kiosk-api/schema.ts";
import { type Stack, type StackOptions, startStack } from "../../../simulators/stack.ts";
import { padSawEmpty } from "../../support/kiosk-client.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { type KioskPage, openKiosk } from "./browser.ts";

/** Fixture cases (simulators/acs/fixtures/CASES.md). */
export const PATRONS = {
  valid: { card: "24711000000012", pin: "1111", firstName: "Anna", surname: "Schmidt" },
  /** "pin-required"; the blocked scenario has staff block this card in the ILS (the fixture's blocked patron has no PIN). */
  blocked: { card: "24711000000020", pin: "2468", firstName: "Ben" },
  holdReady: { card: "24711000000103", pin: "1357", firstName: "Ines" },
  finesUnderLimit: { card: "24711000000087", pin: "5555", firstName: "Greta" },
  hasLoans: { card: "24711000000202", pin: "8080", firstName: "Quentin" },
} as const;

/** A tag as the RFID simulator lists it. */
export interface SimTag {
  uid: string;
  afiState: "secured" | "unsecured" | string;
  data?: { itemId?: string; partNumber?: number; partsInSet?: number };
}

export interface RealKiosk {
  stack: Stack;
  clock: VirtualClock;
  kiosk: KioskPage;
  page: Page;
  /** Script errors and CSP refusals seen in the page. */
  problems: string[];
  close(): Promise<void>;
}

/**
 * Starts the stack on a VirtualClock (the engine's idle and goodbye timers wait for the test, so a slow
 * machine never ends a session on its own) and opens the kiosk page with its clock at the same time.
 */
export async function startRealKiosk(options: Omit<StackOptions, "clock" | "uiDir"> = {}): Promise<RealKiosk> {
  const clock = new VirtualClock(Date.now());
  const stack = await startStack({
    backoff: { initialMs: 10, maxMs: 200 },
    ...options,
    clock,
    uiDir: inject("uiDist"),
  });
  try {
    await stack.registry.whenAllOk(10_000);
    const url = stack.bridge.server?.url;
    if (!url) throw new Error("the stack started without its kiosk server");
    const kiosk = await openKiosk(url, clock.now());
    const problems: string[] = [];
    kiosk.page.on("console", (m: ConsoleMessage) => {
      if (m.type() === "error") problems.push(m.text());
    });
    kiosk.page.on("pageerror", (e) => problems.push(String(e)));
    return {
      stack,
      clock,
      kiosk,
      page: kiosk.page,
      problems,
      close: async () => {
        await kiosk.close();
        await stack.stop();
      },
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}

/** Runs a simulator action through the control API (as `curl` or the dev page would) and returns its result. */
export async function control(stack: Stack, path: string, body: unknown = {}): Promise<unknown> {
  const response = await fetch(`${stack.control.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { result?: unknown };
  expect(response.status, `${path}: ${JSON.stringify(json)}`).toBe(200);
  return json.result;
}

export async function simState(stack: Stack, id: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${stack.control.url}/sims/${id}`);
  return ((await response.json()) as { state: Record<string, unknown> }).state;
}

export const tagsOnPad = async (stack: Stack) => (await control(stack, "/sims/rfid-pad/listTags")) as SimTag[];

/** The AFI security state of every tag on the pad carrying `itemId`. */
export async function securityOf(stack: Stack, itemId: string): Promise<string[]> {
  return (await tagsOnPad(stack)).filter((t) => t.data?.itemId === itemId).map((t) => t.afiState);
}

/** The engine's state as the bridge last built it (what the screen is rendering). */
export const bridgeState = (stack: Stack): KioskState => {
  const engine = stack.bridge.kiosk;
  if (!engine) throw new Error("the stack has no kiosk engine");
  return engine.snapshot();
};

/** What the patron does and sees on the page. */
export function patronView(page: Page) {
  const main = page.locator("main");
  return {
    main,
    tap: (name: string | RegExp) => page.getByRole("button", { name, exact: typeof name === "string" }).click(),
    heading: () => main.locator("h1").innerText(),
    text: () => main.innerText(),
    /** The item rows on the screen, by title (set parts share one). */
    rows: (): Locator => main.locator("li.item"),
    rowTexts: () => main.locator("li.item").allInnerTexts(),
    alert: () => page.getByRole("alert").first().innerText(),
    live: () => page.locator('[aria-live="polite"]').innerText(),
  };
}

/** Scans a card at the scanner and enters the PIN on the on-screen keypad; resolves on the patron's home. */
export async function signIn(
  stack: Stack,
  page: Page,
  patron: { card: string; pin?: string; firstName: string },
): Promise<void> {
  const view = patronView(page);
  await control(stack, "/sims/scanner/scan", { code: patron.card });
  await expect.poll(view.heading).toBe("Enter your PIN");
  for (const key of patron.pin ?? "") await view.tap(key);
  await view.tap("Sign in");
  await expect.poll(view.heading).toBe(`Hello, ${patron.firstName}`);
}

/** Back to the welcome screen with nothing on the pad and the printer as new, for the next scenario. */
export async function resetKiosk(kiosk: RealKiosk): Promise<void> {
  const { stack, page } = kiosk;
  const engine = stack.bridge.kiosk;
  if (engine && engine.phase !== "idle") await engine.execute({ type: "endSession", id: "test-reset" });
  await control(stack, "/sims/rfid-pad/removeTags", { all: true });
  // Until the driver has polled an empty pad, the next patron would sign in to the last one's books.
  await padSawEmpty(stack.control.url);
  await control(stack, "/sims/printer/setPaper", { state: "ok" });
  await control(stack, "/sims/printer/clear");
  await expect.poll(() => patronView(page).heading()).toBe("Welcome to the library");
}
