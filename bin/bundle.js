/**
 * The CLI runs from one JavaScript bundle of its TypeScript sources, built by esbuild into .build/ when it is
 * missing or older than any file it was built from. Plain Node loads the bundle in a fraction of the time and
 * memory that compiling TypeScript at every start takes (tsx's loader alone holds ~40 MB; bench/bridge.bench.ts
 * measures the difference), and a kiosk PC restarts the bridge on every boot.
 *
 * - One file, no code splitting: a build replaces it with one rename, so a process that is running never
 *   finds a chunk of its build gone. Modules reached only through import() (the simulators, vite) are
 *   wrapped by esbuild and run only when imported, as in the sources.
 * - npm packages written in JavaScript go into the bundle too: resolving and loading a few hundred files of
 *   node_modules was half of the start-up time. Native modules, build tools and what the bridge loads only
 *   on demand stay in node_modules (EXTERNAL), and `require` is defined for the CommonJS code inside.
 * - `import.meta.url` is rewritten to the source file's own URL, relative to the bundle, so files found
 *   beside the code (the default fixture, the PTY helper, kiosk-ui/dist) are found as before.
 */
import { mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const BUNDLE = join(root, ".build", "selfcheck.mjs");
/** The source files the bundle was built from (esbuild's metafile), relative to the repository. */
const inputsOf = (bundle) => `${bundle}.inputs.json`;
const INPUTS = inputsOf(BUNDLE);
const ENTRY = join(root, "bridge", "cli.ts");
const EXTERNAL = [
  // Native code, found by its package's own path.
  "better-sqlite3",
  "@serialport/bindings-cpp",
  "node-hid",
  // Build and browser tools: development commands import them when they run.
  "esbuild",
  "vite",
  "tsx",
  "playwright-core",
  "@sparticuz/chromium",
  // Loaded at the first email receipt only.
  "nodemailer",
  // Its transports start workers from files beside its own code.
  "pino",
];

/**
 * True when the bundle is missing, or a file it was built from, or this builder, changed or went since it
 * was built. `base` is the repository (a test gives a folder of its own).
 */
export function bundleIsStale(bundle = BUNDLE, base = root) {
  const built = statSync(bundle, { throwIfNoEntry: false });
  if (!built) return true;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(inputsOf(bundle), "utf8"));
  } catch {
    return true;
  }
  return [...inputs, "bin/bundle.js"].some((path) => {
    const source = statSync(join(base, path), { throwIfNoEntry: false });
    return !source || source.mtimeMs > built.mtimeMs;
  });
}

/** Rewrites `import.meta.url` in a source file to that file's URL, as seen from the bundle. */
const importMetaUrl = {
  name: "import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const own = `new URL(${JSON.stringify(relative(dirname(BUNDLE), args.path))}, import.meta.url).href`;
      return { contents: text.replaceAll("import.meta.url", own), loader: "ts" };
    });
  },
};

/**
 * V8 keeps a module's source text for as long as the module lives, and one character above U+00FF makes all of
 * it two bytes a character: the bundle's 4 MB took 4 MB more of the bridge's memory (bench/bridge.bench.ts,
 * idle RSS 102 → 98 MB). esbuild escapes such characters in code but leaves them in the comments it keeps (and
 * in regular expression literals), where `\uXXXX` means the same.
 */
function asciiOnly(text) {
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Builds the bundle if it is stale and returns its path. Concurrent builds (parallel test files, a bench)
 * each write a file of their own and rename it into place; the last one wins, and every one is complete.
 */
export async function ensureBundle() {
  if (!bundleIsStale()) return BUNDLE;
  const { build } = await import("esbuild");
  // Stamped with the time the build started: a source saved while it runs counts as newer.
  const started = new Date();
  const temporary = `${BUNDLE}.${process.pid}.tmp`;
  mkdirSync(dirname(BUNDLE), { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: [ENTRY],
    outfile: temporary,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: EXTERNAL,
    // Named apart, so a bundled module may import createRequire itself.
    banner: {
      js: 'import { createRequire as bundleRequire } from "node:module"; const require = bundleRequire(import.meta.url);',
    },
    plugins: [importMetaUrl],
    metafile: true,
    logLevel: "error",
    // Stack traces name the original functions.
    keepNames: true,
    write: false,
  });
  writeFileSync(temporary, asciiOnly(result.outputFiles[0].text));
  const inputs = Object.keys(result.metafile.inputs);
  utimesSync(temporary, started, started);
  writeFileSync(`${INPUTS}.${process.pid}.tmp`, JSON.stringify(inputs));
  renameSync(temporary, BUNDLE);
  renameSync(`${INPUTS}.${process.pid}.tmp`, INPUTS);
  return BUNDLE;
}
