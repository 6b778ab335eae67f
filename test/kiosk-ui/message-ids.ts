/** The ids of the msg() calls in a UI source folder, for the tests that check every language has them. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";

function sourceFiles(dir: string, skip: readonly string[]): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? skip.includes(e.name)
        ? []
        : sourceFiles(join(dir, e.name), skip)
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every msg() id under `dir` (leaving out folders named in `skip`); fails if a call has no literal text and explicit id. */
export function messageIds(dir: string, skip: readonly string[]): Set<string> {
  const ids = new Set<string>();
  for (const file of sourceFiles(dir, skip)) {
    const text = readFileSync(file, "utf8");
    const calls = text.match(/\bmsg\(/g)?.length ?? 0;
    const withId = [
      ...text.matchAll(/\bmsg\(\s*(?:str`(?:[^`\\]|\\.)*`|"(?:[^"\\]|\\.)*")\s*,\s*\{\s*id:\s*"([^"]+)"/g),
    ];
    expect(withId.length, `${file}: every msg() call needs a literal text and an explicit id`).toBe(calls);
    for (const m of withId) ids.add(m[1]!);
  }
  return ids;
}

/** Every language has every id, and no id that the source no longer uses. */
export function expectTranslated(ids: ReadonlySet<string>, locales: Record<string, Record<string, unknown>>): void {
  for (const [language, templates] of Object.entries(locales)) {
    expect(
      [...ids].filter((id) => !(id in templates)),
      `${language} lacks`,
    ).toEqual([]);
    expect(
      Object.keys(templates).filter((id) => !ids.has(id)),
      `${language} has stale`,
    ).toEqual([]);
  }
}
