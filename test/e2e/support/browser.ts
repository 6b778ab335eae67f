/**
 * One headless Chromium for the whole browser suite: global-setup.ts launches it as a server and every test
 * file connects to it. The system Chromium when there is one, else the one @sparticuz/chromium unpacks to
 * /tmp, so a fresh machine needs no extra step.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, type BrowserServer, chromium, type Page } from "playwright-core";
import { inject } from "vitest";

/** Quiet, isolated, offline: no first-run, sync, update or background traffic. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function chromiumPath(): Promise<string> {
  if (existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  const { default: sparticuz } = await import("@sparticuz/chromium");
  return sparticuz.executablePath();
}

/**
 * Launches the shared browser. Playwright gives it a fresh temporary --user-data-dir of its own (it
 * refuses the flag in `args`) and deletes it on close.
 */
export async function launchBrowserServer(): Promise<BrowserServer> {
  return chromium.launchServer({ executablePath: await chromiumPath(), headless: true, args: CHROMIUM_FLAGS });
}

declare module "vitest" {
  export interface ProvidedContext {
    browserWsEndpoint: string;
    uiDist: string;
  }
}

let shared: Promise<Browser> | undefined;

/** The suite's browser, connected once per test file. */
export function browser(): Promise<Browser> {
  shared ??= chromium.connect(inject("browserWsEndpoint"));
  return shared;
}

export const ORIENTATIONS = {
  portrait: { width: 1080, height: 1920 },
  landscape: { width: 1920, height: 1080 },
} as const;
export type Orientation = keyof typeof ORIENTATIONS;

/** Where the committed screenshots live (look at them: they must look finished). */
export const SCREENSHOTS = join(import.meta.dirname, "..", "screenshots");

/**
 * A screen's committed screenshots, NAME-landscape.png and NAME-portrait.png; the page is left in landscape.
 * Whole page by default (staff pages scroll); `fullPage: false` for the first screenful only.
 */
export async function screenshotBoth(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  for (const orientation of ["landscape", "portrait"] as const) {
    await page.setViewportSize(ORIENTATIONS[orientation]);
    await page.screenshot({
      path: join(SCREENSHOTS, `${name}-${orientation}.png`),
      fullPage: options.fullPage ?? true,
    });
  }
  await page.setViewportSize(ORIENTATIONS.landscape);
}

export interface KioskPage {
  page: Page;
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A fresh page on the kiosk at `url`, its clock fixed at `now` so countdowns render the same every run,
 * and the first screen rendered.
 */
export async function openKiosk(url: string, now: number, orientation: Orientation = "portrait"): Promise<KioskPage> {
  const context = await (await browser()).newContext({ viewport: ORIENTATIONS[orientation], reducedMotion: "reduce" });
  const page = await context.newPage();
  await page.clock.setFixedTime(now);
  await page.goto(url);
  await page.locator("kiosk-app main h1").waitFor();
  return { page, context, close: () => context.close() };
}
