/**
 * The staff console's words: every msg() call under kiosk-ui/src/staff has a literal English text and an
 * explicit `staff.` id (kiosk-ui/src/staff/i18n/README.md), and every id has a translation in every language
 * module of kiosk-ui/src/staff/i18n/, with nothing stale.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { templates as ar } from "../../kiosk-ui/src/staff/i18n/ar.ts";
import { templates as es } from "../../kiosk-ui/src/staff/i18n/es.ts";
import { templates as fr } from "../../kiosk-ui/src/staff/i18n/fr.ts";
import { expectTranslated, messageIds } from "./message-ids.ts";

const LOCALES: Record<string, Record<string, unknown>> = { es, fr, ar };
const STAFF = join(import.meta.dirname, "../../kiosk-ui/src/staff");

describe("staff console words", () => {
  it("names every message staff.<page or shell or words>.<what>", () => {
    const ids = messageIds(STAFF, ["i18n"]);
    expect(ids.size).toBeGreaterThan(40);
    expect([...ids].filter((id) => !/^staff\.[a-z0-9-]+\.[a-z0-9-]+$/.test(id))).toEqual([]);
  });

  it("translates every message in every language, and nothing that is gone", () => {
    expectTranslated(messageIds(STAFF, ["i18n"]), LOCALES);
  });
});
