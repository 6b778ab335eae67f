/**
 * Messages are for people: a staff member reading a device's last error or a CLI user reading what went
 * wrong cannot act on "Call attach() first." This reads every string in the product's source (not tests)
 * and fails on one that names a method call (`name()`), outside comments and `${…}` code.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PRODUCT = ["protocols", "bridge", "simulators", "bin"];

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files = await Promise.all(
    entries.map((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return sources(path);
      return /\.(ts|js)$/.test(e.name) ? [path] : [];
    }),
  );
  return files.flat();
}

/** The string and template literals of a line of code, with `${…}` parts and comments taken out. */
function literalsOf(line: string): string[] {
  const code = line.trim();
  if (code.startsWith("//") || code.startsWith("*") || code.startsWith("/*")) return [];
  const withoutCode = code.replace(/\$\{(?:[^{}]|\{[^{}]*\})*\}/g, "");
  return [...withoutCode.matchAll(/"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`|'((?:[^'\\]|\\.)*)'/g)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? "",
  );
}

/** `name()` read as a word of a sentence ("Call open() first.", "health() failed"), not code ("x.f() === 1"). */
const METHOD_CALL = /\b[A-Za-z_]\w*\(\)(?=\s+[a-z]|[.,;:!?]?\s*$|[.,;:!?]\s)/;

describe("messages for people", () => {
  it("the check sees a method named in a message and ignores code inside a template's placeholders", () => {
    const placeholder = (code: string) => `\${${code}}`;
    expect(
      literalsOf(`throw new E("X", \`${placeholder("id")}: no transport. Call attach() first.\`);`).some((s) =>
        METHOD_CALL.test(s),
      ),
    ).toBe(true);
    expect(
      literalsOf(`message: \`${placeholder("name()")} is ${placeholder("state.get()")}\`,`).some((s) =>
        METHOD_CALL.test(s),
      ),
    ).toBe(false);
    expect(literalsOf("// Call attach() first").length).toBe(0);
    expect(literalsOf('const generated = ": text.charCodeAt() === 0x59";').some((s) => METHOD_CALL.test(s))).toBe(
      false,
    );
  });

  it("name no internal methods anywhere in the product's source", async () => {
    const offenders: string[] = [];
    for (const folder of PRODUCT) {
      for (const file of await sources(join(ROOT, folder))) {
        const lines = (await readFile(file, "utf8")).split("\n");
        lines.forEach((line, i) => {
          for (const text of literalsOf(line)) {
            if (METHOD_CALL.test(text) && !/^import\(|\bimport\(\)/.test(text)) {
              offenders.push(`${relative(ROOT, file)}:${i + 1}: ${text}`);
            }
          }
        });
      }
    }
    expect(offenders).toEqual([]);
  });
});
