/**
 * The CLI's bundle (bin/bundle.js) is plain ASCII. V8 keeps a module's source text while the module lives, two
 * bytes a character once one character is above U+00FF: one "→" in a comment esbuild keeps costs the bridge
 * 4 MB of memory.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ensureBundle } from "../../bin/bundle.js";

describe("the CLI's bundle", () => {
  it("is ASCII: the wider characters of its sources are escaped", async () => {
    const text = readFileSync(await ensureBundle(), "latin1");
    const wide = [...text.matchAll(/[^\x00-\x7f]/g)].map((m) => text.slice(m.index - 40, m.index + 5));
    expect(wide).toEqual([]);
    // Escaped in a regular expression literal too, where it means the same (bridge/devices/printer/receipt.ts).
    expect(text).toContain(String.raw`/[\u2022\u00a7\u00b6]+/gu`);
  });
});
