/**
 * Builds kiosk-ui/dist when it is missing or older than its sources, so `npm start` needs no separate
 * build step. Node code (the CLI calls it), not part of the browser bundle.
 */
import { readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const uiRoot = fileURLToPath(new URL(".", import.meta.url));
export const UI_DIST = join(uiRoot, "dist");
/** Everything the bundle is made from: the UI's sources and config, and the API types it reads. */
const SOURCES = [
  join(uiRoot, "src"),
  join(uiRoot, "index.html"),
  join(uiRoot, "staff", "index.html"),
  join(uiRoot, "vite.config.ts"),
  join(uiRoot, "..", "protocols", "kiosk-api"),
  join(uiRoot, "..", "protocols", "staff-api"),
];

function newest(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** True when dist/index.html is missing or older than a source file. */
export function uiBuildIsStale(): boolean {
  const built = statSync(join(UI_DIST, "index.html"), { throwIfNoEntry: false });
  return !built || Math.max(...SOURCES.map(newest)) > built.mtimeMs;
}

/**
 * Builds the UI with vite's JS API if it is stale; returns the dist folder to serve either way.
 * `log` hears one line when a build starts (so `npm start` can say why it pauses).
 */
export async function ensureUiBuilt(log: (line: string) => void = () => undefined): Promise<string> {
  if (uiBuildIsStale()) {
    log("building the kiosk UI (kiosk-ui/dist is missing or older than its sources)…");
    const { build } = await import("vite");
    // Built beside dist and swapped in whole, so a server (or a second build started at the same
    // moment, e.g. by a test run and a bench) never sees a half-written or emptied dist.
    const next = `${UI_DIST}-building-${process.pid}`;
    await build({ configFile: join(uiRoot, "vite.config.ts"), logLevel: "warn", build: { outDir: next } });
    rmSync(UI_DIST, { recursive: true, force: true });
    renameSync(next, UI_DIST);
  }
  return UI_DIST;
}
