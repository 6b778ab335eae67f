/**
 * The patron UI's budgets (issue 10): JavaScript size gzipped, first paint and first screen in headless
 * Chromium, and scan-to-screen: the scanner simulator sends an item's barcode down its serial line → the
 * item's row is drawn, through the real bridge process (bench/kiosk-processes.ts). State-to-row (a fake
 * bridge sends a state with a new row → the row is on screen) is the UI's own share of it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { type Browser, chromium } from "playwright-core";
import { ensureUiBuilt } from "../kiosk-ui/build.ts";
import { CHROMIUM_FLAGS, chromiumPath } from "../test/e2e/support/browser.ts";
import { startFakeBridge } from "../test/e2e/support/fake-bridge.ts";
import { checkoutRows, SCREEN_STATES } from "../test/e2e/support/states.ts";
import { KioskClient } from "../test/support/kiosk-client.ts";
import { type BenchRow, type BenchSuite, quantile } from "./harness.ts";
import { freeItems, signIn, startKioskProcesses } from "./kiosk-processes.ts";

const LOADS = 15;
const ROWS = 40;
const SCANS = 40;

/**
 * Scan-to-screen through the real bridge: each barcode goes to the scanner simulator's control API, which
 * sends it down the scanner's PTY to the bridge; the page notes (Date.now, the clock both sides share) the
 * first frame after a new item row is in the DOM. Includes the control API's HTTP hop, so it is an upper bound.
 */
async function scanToScreen(browser: Browser): Promise<number[]> {
  const kiosk = await startKioskProcesses({ checkoutLimit: 1000 });
  const ui = await KioskClient.open(kiosk.kiosk);
  const context = await browser.newContext({ viewport: { width: 1080, height: 1920 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { rowsAt: number[] };
      w.rowsAt = [];
      new MutationObserver((mutations) => {
        const added = mutations.some((m) =>
          Array.from(m.addedNodes).some(
            (n) => n instanceof Element && (n.matches("li[data-key]") || n.querySelector("li[data-key]") !== null),
          ),
        );
        if (added) requestAnimationFrame(() => w.rowsAt.push(Date.now()));
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto(kiosk.url);
    // The page shows the kiosk's one session: signed in over the API, it is on the checkout screen too.
    await signIn(ui);
    await page.locator(".screen-checkout").waitFor();
    const samples: number[] = [];
    for (const [n, code] of freeItems(SCANS).entries()) {
      const sent = Date.now();
      const response = await fetch(`${kiosk.control}/sims/scanner/scan`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code }),
      });
      if (response.status !== 200) throw new Error(`scan: ${response.status} ${await response.text()}`);
      const drawn = await page.waitForFunction(
        (count) => (window as unknown as { rowsAt: number[] }).rowsAt[count - 1] ?? 0,
        n + 1,
        { polling: "raf" },
      );
      samples.push(((await drawn.jsonValue()) as number) - sent);
    }
    return samples;
  } finally {
    await context.close();
    ui.close();
    await kiosk.stop();
  }
}

/**
 * The gzipped JavaScript of one page of the build: the scripts its HTML names (loaded at once) and every chunk
 * they import, statically or with import() (languages, loaded when chosen). The staff console is a page of its
 * own (staff/index.html), so its chunks and words do not count for the patron's budget.
 */
function gzippedKb(dist: string, page: string): { initial: number; all: number } {
  const assets = join(dist, "assets");
  const html = readFileSync(join(dist, page), "utf8");
  const chunk = /(?:\.\/|assets\/)([\w.-]+\.js)\b/g;
  const entries = new Set([...html.matchAll(chunk)].map((m) => m[1]!));
  const seen = new Set<string>();
  const queue = [...entries];
  let initial = 0;
  let all = 0;
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(join(assets, file));
    const kb = gzipSync(code, { level: 9 }).length / 1024;
    all += kb;
    if (entries.has(file)) initial += kb;
    queue.push(...[...code.toString("utf8").matchAll(chunk)].map((m) => m[1]!));
  }
  return { initial, all };
}

const suite: BenchSuite = {
  name: "ui",
  async run(): Promise<BenchRow[]> {
    const dist = await ensureUiBuilt();
    const size = gzippedKb(dist, "index.html");
    const staff = gzippedKb(dist, "staff/index.html");
    const bridge = await startFakeBridge(dist);
    const browser = await chromium.launch({
      executablePath: await chromiumPath(),
      headless: true,
      args: CHROMIUM_FLAGS,
    });
    try {
      const paints: number[] = [];
      const screens: number[] = [];
      bridge.setState(SCREEN_STATES.idle!);
      for (let i = 0; i < LOADS; i++) {
        const context = await browser.newContext({ viewport: { width: 1080, height: 1920 } });
        const page = await context.newPage();
        await page.goto(bridge.url);
        // Resolves on the first animation frame where the bridge's screen is drawn.
        const drawn = await page.waitForFunction(
          () => (document.querySelector(".screen-idle h1") ? performance.now() : 0),
          undefined,
          { polling: "raf" },
        );
        screens.push((await drawn.jsonValue()) as number);
        const fcp = await page.evaluate(
          () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN,
        );
        paints.push(fcp);
        await context.close();
      }

      const context = await browser.newContext({ viewport: { width: 1080, height: 1920 } });
      const page = await context.newPage();
      // Timed inside the page, so the test driver's own round trips are not counted: from the state
      // message reaching the page's WebSocket to the first frame after its new row is in the DOM.
      await page.addInitScript(() => {
        const w = window as unknown as { stateAt: number; rowTimes: number[] };
        w.stateAt = 0;
        w.rowTimes = [];
        const Native = window.WebSocket;
        window.WebSocket = class extends Native {
          constructor(url: string | URL, protocols?: string | string[]) {
            super(url, protocols);
            this.addEventListener("message", (e) => {
              if (typeof e.data === "string" && e.data.startsWith('{"type":"state"')) w.stateAt = performance.now();
            });
          }
        };
        new MutationObserver((mutations) => {
          const added = mutations.some((m) =>
            Array.from(m.addedNodes).some(
              (n) => n instanceof Element && (n.matches("li[data-key]") || n.querySelector("li[data-key]") !== null),
            ),
          );
          if (added) {
            const from = w.stateAt;
            requestAnimationFrame(() => w.rowTimes.push(performance.now() - from));
          }
        }).observe(document, { childList: true, subtree: true });
      });
      bridge.setState({ ...SCREEN_STATES.checkout!, items: [] });
      await page.goto(bridge.url);
      await page.locator(".screen-checkout").waitFor();
      const template = checkoutRows[0]!;
      for (let n = 1; n <= ROWS; n++) {
        const items = Array.from({ length: n }, (_, i) => ({ ...template, key: `k${i}`, title: `Title ${i}` }));
        bridge.setState({ ...SCREEN_STATES.checkout!, items });
        await page.waitForFunction(
          (count) => (window as unknown as { rowTimes: number[] }).rowTimes.length >= count,
          n,
        );
      }
      const rowTimes = await page.evaluate(() => (window as unknown as { rowTimes: number[] }).rowTimes);
      await context.close();
      const scans = await scanToScreen(browser);

      return [
        {
          name: "patron UI JavaScript, all chunks",
          value: size.all,
          unit: "KB gz",
          target: { value: 100, better: "lower" },
        },
        {
          name: "patron UI JavaScript, first load",
          value: size.initial,
          unit: "KB gz",
          note: "languages load when chosen",
        },
        {
          name: "staff console JavaScript, all chunks",
          value: staff.all,
          unit: "KB gz",
          note: "its own page, loaded by staff only; not in the patron budget",
        },
        {
          name: "first contentful paint p50",
          value: quantile(paints, 0.5),
          unit: "ms",
          target: { value: 1000, better: "lower" },
          note: `headless Chromium, ${LOADS} fresh loads, 1080×1920`,
        },
        {
          name: "first screen from the bridge p95",
          value: quantile(screens, 0.95),
          unit: "ms",
          note: "navigation → WebSocket → state → screen drawn",
        },
        { name: "state → item row on screen p50", value: quantile(rowTimes, 0.5), unit: "ms" },
        {
          name: "state → item row on screen p95",
          value: quantile(rowTimes, 0.95),
          unit: "ms",
          note: `${ROWS} rows, timed in the page: state message to row drawn; the UI's share of scan-to-screen`,
        },
        { name: "scan → item row on screen p50", value: quantile(scans, 0.5), unit: "ms" },
        {
          name: "scan → item row on screen p95",
          value: quantile(scans, 0.95),
          unit: "ms",
          target: { value: 100, better: "lower" },
          note: `${SCANS} scans one at a time: scanner simulator (its control API) → PTY → \`selfcheck bridge\` → page`,
        },
      ];
    } finally {
      await browser.close();
      await bridge.close();
    }
  },
};

export default suite;
