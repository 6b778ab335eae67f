/**
 * The CLI's bundle (bin/bundle.js) is plain ASCII. V8 keeps a module's source text while the module lives, two
 * bytes a character once one character is above U+00FF: one "→" in a comment esbuild keeps costs the bridge
 * 4 MB of memory. And it is rebuilt when what it is made from, or how, changed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bundleIsStale, ensureBundle } from "../../bin/bundle.js";

describe("the CLI's bundle", () => {
  it("is ASCII: the wider characters of its sources are escaped", async () => {
    const text = readFileSync(await ensureBundle(), "latin1");
    const wide = [...text.matchAll(/[^\x00-\x7f]/g)].map((m) => text.slice(m.index - 40, m.index + 5));
    expect(wide).toEqual([]);
    // Escaped in a regular expression literal too, where it means the same (bridge/devices/printer/receipt.ts).
    expect(text).toContain(String.raw`/[\u2022\u00a7\u00b6]+/gu`);
  });

  it("is built again when a source or the builder itself is newer, or a source went", () => {
    const base = mkdtempSync(join(tmpdir(), "selfcheck-bundle-"));
    try {
      const at = (path: string, seconds: number) => {
        mkdirSync(join(base, path, ".."), { recursive: true });
        writeFileSync(join(base, path), "");
        utimesSync(join(base, path), seconds, seconds);
      };
      const bundle = join(base, ".build", "selfcheck.mjs");
      at(".build/selfcheck.mjs", 2000);
      writeFileSync(`${bundle}.inputs.json`, JSON.stringify(["bridge/cli.ts"]));
      at("bridge/cli.ts", 1000);
      at("bin/bundle.js", 1000);
      expect(bundleIsStale(bundle, base)).toBe(false);
      at("bin/bundle.js", 3000);
      expect(bundleIsStale(bundle, base)).toBe(true);
      at("bin/bundle.js", 1000);
      at("bridge/cli.ts", 3000);
      expect(bundleIsStale(bundle, base)).toBe(true);
      rmSync(join(base, "bridge/cli.ts"));
      expect(bundleIsStale(bundle, base)).toBe(true);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
