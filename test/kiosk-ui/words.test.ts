/**
 * Every code the bridge can send has words in every language, and every message in the UI's source has a
 * translation: the English comes from the source (msg calls with explicit ids), the others from
 * kiosk-ui/src/i18n/locales/*.ts.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { templates as ar } from "../../kiosk-ui/src/i18n/locales/ar.ts";
import { templates as es } from "../../kiosk-ui/src/i18n/locales/es.ts";
import { templates as fr } from "../../kiosk-ui/src/i18n/locales/fr.ts";
import { blockWords, errorWords, feeWords, noticeWords, reasonWords } from "../../kiosk-ui/src/i18n/words.ts";
import { API_ERRORS, ITEM_REASONS, NOTICES, PATRON_BLOCKS } from "../../protocols/kiosk-api/schema.ts";
import { FEE_TYPE } from "../../protocols/sip2/enums.ts";
import { expectTranslated, messageIds } from "./message-ids.ts";

const LOCALES: Record<string, Record<string, unknown>> = { es, fr, ar };
const SRC = join(import.meta.dirname, "../../kiosk-ui/src");

/** The patron UI's ids; the staff console has its own words and test (test/kiosk-ui/staff-words.test.ts). */
const messageIdsOfUi = () => messageIds(SRC, ["locales", "staff"]);

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
    const ids = messageIdsOfUi();
    expect(ids.size).toBeGreaterThan(150);
    expectTranslated(ids, LOCALES);
  });
});
