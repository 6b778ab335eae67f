/**
 * A clean install on the oldest Node the project promises prints no EBADENGINE warning: every package in
 * package-lock.json must accept that version. npm checks each package's `engines.node` range at install
 * (https://docs.npmjs.com/cli/configuring-npm/package-json#engines); this reads the same ranges.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

type Version = [number, number, number];

const json = (path: string) => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), "utf8"));
const pkg = json("package.json") as { engines: { node: string } };
const lock = json("package-lock.json") as { packages: Record<string, { engines?: { node?: string } | string[] }> };

function version(text: string): Version {
  const m = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(text.trim());
  if (!m) throw new Error(`cannot read the version "${text}"`);
  const part = (p: string | undefined) => (p === undefined || p === "x" || p === "*" ? 0 : Number(p));
  return [Number(m[1]), part(m[2]), part(m[3])];
}

const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/**
 * Whether `v` satisfies an npm range, for the forms the lock file uses: `||` alternatives of
 * space-separated comparators (`>=`, `>`, `<=`, `<`, `=`), caret ranges and bare (partial) versions.
 * Any other form fails the test, so a new one is read rather than waved through.
 */
function satisfies(v: Version, range: string): boolean {
  return range.split("||").some((alternative) =>
    alternative
      .replace(/(>=|<=|>|<|=|\^)\s+/g, "$1")
      .trim()
      .split(/\s+/)
      .filter((c) => c !== "" && c !== "*")
      .every((comparator) => {
        const m = /^(>=|<=|>|<|=|\^)?(.+)$/.exec(comparator);
        if (!m?.[2]) throw new Error(`cannot read the range "${range}"`);
        const bound = version(m[2]);
        const c = compare(v, bound);
        switch (m[1]) {
          case ">=":
            return c >= 0;
          case ">":
            return c > 0;
          case "<=":
            return c <= 0;
          case "<":
            return c < 0;
          case "^":
            // ^20.19.0: 20.19.0 up to, not including, 21.0.0 (the first non-zero part stays).
            return c >= 0 && v[0] === bound[0] && (bound[0] !== 0 || v[1] === bound[1]);
          default: {
            // "20", "20.x" or "=20.1": that version, or every version it leaves open.
            const given = m[2].trim().split(".");
            const fixed = given.findIndex((p) => !/^\d+$/.test(p));
            return v.slice(0, fixed < 0 ? given.length : fixed).every((n, i) => n === bound[i]);
          }
        }
      }),
  );
}

describe("packaging", () => {
  const oldest = version(/^>=\s*(.+)$/.exec(pkg.engines.node)?.[1] ?? "none");

  it("reads npm ranges the way npm does, for the forms the lock file has", () => {
    expect(satisfies([20, 19, 0], "^20.19.0 || >=22.12.0")).toBe(true);
    expect(satisfies([20, 18, 3], "^20.19.0 || >=22.12.0")).toBe(false);
    expect(satisfies([21, 0, 0], "^20.19.0 || >=22.12.0")).toBe(false);
    expect(satisfies([20, 12, 0], "^20.12||^22||>=24")).toBe(true);
    expect(satisfies([20, 0, 0], ">= 18")).toBe(true);
    expect(satisfies([20, 0, 0], ">=14 <21")).toBe(true);
    expect(satisfies([20, 5, 1], "20")).toBe(true);
    expect(satisfies([20, 19, 0], "20.x || 22.x")).toBe(true);
    expect(satisfies([21, 0, 0], "20.x || 22.x")).toBe(false);
    expect(() => satisfies([20, 0, 0], "~20.1")).toThrow(/cannot read/);
  });

  it(`every locked package accepts the oldest Node the project promises (${pkg.engines.node})`, () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== "" && typeof entry.engines === "object" && !Array.isArray(entry.engines))
      .map(([path, entry]) => [path, (entry.engines as { node?: string }).node] as const)
      .filter((row): row is readonly [string, string] => row[1] !== undefined && !satisfies(oldest, row[1]))
      .map(([path, range]) => `${path} wants node ${range}`);
    expect(refusing).toEqual([]);
  });

  it("the README promises the same oldest Node as package.json", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain(`Node.js ${oldest[0]}.${oldest[1]} or newer`);
  });
});
