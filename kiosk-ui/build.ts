/**
 * Builds kiosk-ui/dist when it is missing or older than its sources, so `npm start` needs no separate
 * build step. Node code (the CLI calls it), not part of the browser bundle.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
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
    // Built beside dist and swapped in whole, so a server (or a second build started at the same
    // moment, e.g. by a test run and a bench) never sees a half-written or emptied dist.
    const next = `${UI_DIST}-building-${process.pid}`;
    await viteBuild(next);
    rmSync(UI_DIST, { recursive: true, force: true });
    renameSync(next, UI_DIST);
  }
  return UI_DIST;
}

/**
 * `vite build` of the UI into `outDir`, in a child process: a build loads rollup and esbuild and leaves the
 * process's heap twice the bridge's own size, which a bridge that runs for weeks should not keep.
 */
async function viteBuild(outDir: string): Promise<void> {
  const vite = join(dirname(createRequire(import.meta.url).resolve("vite/package.json")), "bin", "vite.js");
  const args = ["build", uiRoot, "--config", join(uiRoot, "vite.config.ts"), "--outDir", outDir, "--logLevel", "warn"];
  const child = spawn(process.execPath, [vite, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk: Buffer) => (output += chunk));
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    rmSync(outDir, { recursive: true, force: true });
    throw new Error(`building the kiosk UI failed (vite exited with ${code ?? signal}):\n${output.trim()}`);
  }
}
