/**
 * Every code the bridge can send has words in every language, and every message in the UI's source has a
 * translation: the English comes from the source (msg calls with explicit ids), the others from
 * kiosk-ui/src/i18n/locales/*.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { templates as ar } from "../../kiosk-ui/src/i18n/locales/ar.ts";
import { templates as es } from "../../kiosk-ui/src/i18n/locales/es.ts";
import { templates as fr } from "../../kiosk-ui/src/i18n/locales/fr.ts";
import { blockWords, errorWords, feeWords, noticeWords, reasonWords } from "../../kiosk-ui/src/i18n/words.ts";
import { API_ERRORS, ITEM_REASONS, NOTICES, PATRON_BLOCKS } from "../../protocols/kiosk-api/schema.ts";
import { FEE_TYPE } from "../../protocols/sip2/enums.ts";

const LOCALES: Record<string, Record<string, unknown>> = { es, fr, ar };
const SRC = join(import.meta.dirname, "../../kiosk-ui/src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? // The staff console has its own words and test (test/kiosk-ui/staff-words.test.ts).
        e.name === "locales" || e.name === "staff"
        ? []
        : sourceFiles(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

/** The ids of every msg() call in the UI source; fails if a call has no explicit id. */
function messageIds(): Set<string> {
  const ids = new Set<string>();
  for (const file of sourceFiles(SRC)) {
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

describe("kiosk UI words", () => {
  it("has English words for every code in the schema", () => {
    for (const code of ITEM_REASONS) expect(reasonWords[code]()).toMatch(/\w/);
    for (const code of PATRON_BLOCKS) expect(blockWords[code]()).toMatch(/\w/);
    for (const code of API_ERRORS) expect(errorWords[code]()).toMatch(/\w/);
    for (const code of NOTICES) expect(noticeWords[code]({ title: "T", count: 3, reason: "SEE_STAFF" })).toMatch(/\w/);
    for (const kind of Object.keys(FEE_TYPE) as (keyof typeof FEE_TYPE)[]) expect(feeWords[kind]()).toMatch(/\w/);
  });

  it("has a translation for every code in every language", () => {
    const codeIds = [
      ...ITEM_REASONS.map((c) => `reason.${c}`),
      ...PATRON_BLOCKS.map((c) => `block.${c}`),
      ...API_ERRORS.map((c) => `error.${c}`),
      ...Object.keys(FEE_TYPE).map((c) => `fee.${c}`),
    ];
    for (const [language, templates] of Object.entries(LOCALES)) {
      const missing = codeIds.filter((id) => !templates[id]);
      expect(missing, `${language} lacks words for`).toEqual([]);
    }
  });

  it("translates every message of the source, and nothing that is gone", () => {
    const ids = messageIds();
    expect(ids.size).toBeGreaterThan(150);
    for (const [language, templates] of Object.entries(LOCALES)) {
      expect(
        [...ids].filter((id) => !(id in templates)),
        `${language} lacks`,
      ).toEqual([]);
      expect(
        Object.keys(templates).filter((id) => !ids.has(id)),
        `${language} has stale`,
      ).toEqual([]);
    }
  });
});
