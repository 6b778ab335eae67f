/**
 * The staff console's words: every msg() call under kiosk-ui/src/staff has a literal English text and an
 * explicit `staff.` id (kiosk-ui/src/staff/i18n/README.md), and every id has a real translation in every
 * language module of kiosk-ui/src/staff/i18n/, with its placeholders intact and nothing stale.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { templates as ar } from "../../kiosk-ui/src/staff/i18n/ar.ts";
import { templates as es } from "../../kiosk-ui/src/staff/i18n/es.ts";
import { templates as fr } from "../../kiosk-ui/src/staff/i18n/fr.ts";
import { expectTranslated, messageTexts, placeholderProblem, translationText } from "./message-ids.ts";

const LOCALES: Record<string, Record<string, unknown>> = { es, fr, ar };
const STAFF = join(import.meta.dirname, "../../kiosk-ui/src/staff");

/**
 * The only translations allowed to equal the English: words that really are the same in that language.
 * Anything else equal to the English is a placeholder left untranslated.
 */
const SAME_AS_ENGLISH: Readonly<Record<string, readonly string[]>> = {
  es: [
    "staff.statistics.total", // "Total"
    "staff.config.no", // "No"
  ],
  fr: [
    "staff.config.nav", // "Configuration"
    "staff.config.heading", // "Configuration"
    "staff.config.message", // "Message"
    "staff.service.service", // "Service"
    "staff.devices.test", // "Test"
    "staff.statistics.total", // "Total"
    "staff.offline-queue.note", // "Note"
  ],
  ar: [],
};

describe("staff console words", () => {
  const english = messageTexts(STAFF, ["i18n"]);

  it("names every message staff.<page or shell or words>.<what>", () => {
    expect(english.size).toBeGreaterThan(40);
    // The configuration form's words carry the config path as the file spells it (config-words.ts).
    const named = /^staff\.([a-z0-9-]+\.[a-z0-9-]+|config\.(field|choice)\.[A-Za-z0-9.-]+)$/;
    expect([...english.keys()].filter((id) => !named.test(id))).toEqual([]);
  });

  it("translates every message in every language, and nothing that is gone", () => {
    expectTranslated(new Set(english.keys()), LOCALES);
  });

  it("has no translation that is still the English text, but for the words listed as the same", () => {
    for (const [language, templates] of Object.entries(LOCALES)) {
      const same = new Set(SAME_AS_ENGLISH[language]);
      const untranslated = [...english]
        .filter(([id, text]) => id in templates && !same.has(id) && translationText(templates[id]) === text)
        .map(([id]) => id);
      expect(
        untranslated,
        `${language}: still English (translate them, or list real same words in SAME_AS_ENGLISH)`,
      ).toEqual([]);
      // An allowance nobody needs any more goes, so the list stays short and true.
      const needless = [...same].filter((id) => translationText(templates[id]) !== english.get(id));
      expect(needless, `${language}: listed in SAME_AS_ENGLISH but translated differently`).toEqual([]);
    }
  });

  it("keeps the English placeholders in each translation", () => {
    for (const [language, templates] of Object.entries(LOCALES)) {
      const problems = [...english]
        .filter(([id]) => id in templates)
        .map(([id, text]) => [id, placeholderProblem(text, templates[id])])
        .filter(([, problem]) => problem !== null);
      expect(problems, `${language}: placeholders`).toEqual([]);
    }
  });
});
