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

/** An English text or a translation with each `${…}` written as `${}`, so the two compare as text. */
const PLACEHOLDER = `\${}`;

/** A string literal's text; in single quotes (biome's choice when the text has double quotes) too. */
function stringLiteral(literal: string): string {
  if (literal.startsWith('"')) return JSON.parse(literal) as string;
  const inner = literal
    .slice(1, -1)
    .replace(/\\'/g, "'")
    .replace(/(?<!\\)"/g, '\\"');
  return JSON.parse(`"${inner}"`) as string;
}

/**
 * Every msg() under `dir` (leaving out folders named in `skip`) as id → English text, its expressions written
 * as `${}`; fails if a call has no literal text and explicit id, or if one id stands for two texts.
 */
export function messageTexts(dir: string, skip: readonly string[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const file of sourceFiles(dir, skip)) {
    const text = readFileSync(file, "utf8");
    const calls = text.match(/\bmsg\(/g)?.length ?? 0;
    const withId = [
      ...text.matchAll(
        /\bmsg\(\s*(?:str`((?:[^`\\]|\\.)*)`|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'))\s*,\s*\{\s*id:\s*"([^"]+)"/g,
      ),
    ];
    expect(withId.length, `${file}: every msg() call needs a literal text and an explicit id`).toBe(calls);
    for (const [, template, quoted, id] of withId) {
      const english = template !== undefined ? template.replace(/\$\{[^}]*\}/g, PLACEHOLDER) : stringLiteral(quoted!);
      const earlier = texts.get(id!);
      expect(earlier ?? english, `${file}: the id ${id} already stands for another text`).toBe(english);
      texts.set(id!, english);
    }
  }
  return texts;
}

/** Every msg() id under `dir` (leaving out folders named in `skip`). */
export function messageIds(dir: string, skip: readonly string[]): Set<string> {
  return new Set(messageTexts(dir, skip).keys());
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

/** A translation as @lit/localize keeps it: a plain string, or str`…` (its strings and expression indexes). */
interface StrTemplate {
  strTag: true;
  strings: readonly string[];
  values: readonly unknown[];
}

const isStr = (t: unknown): t is StrTemplate => typeof t === "object" && t !== null && "strTag" in t;

/**
 * What is wrong with one translation of `english` (null for nothing): a placeholder lost or invented, or an
 * expression index the English does not have. A str`…` translation names the English expressions by index.
 */
export function placeholderProblem(english: string, translation: unknown): string | null {
  const expressions = english.split(PLACEHOLDER).length - 1;
  if (!isStr(translation)) {
    if (typeof translation !== "string") return "is neither a string nor str`…`";
    if (expressions > 0) return `is a plain string, but the English has ${expressions} \${…}: write str\`…\${0}…\``;
    return translation.includes(`\${`) ? `shows \${…} literally: write str\`…\`` : null;
  }
  if (expressions === 0) return `is str\`…\`, but the English has no \${…}`;
  const bad = translation.values.filter(
    (v) => !Number.isInteger(v) || (v as number) < 0 || (v as number) >= expressions,
  );
  if (bad.length > 0) return `uses \${${bad.join("}, ${")}}, but the English has only ${expressions} expressions`;
  return null;
}

/** A translation's text with its expressions written as `${}`, to compare with the English. */
export function translationText(translation: unknown): string {
  return isStr(translation) ? translation.strings.join(PLACEHOLDER) : String(translation);
}
