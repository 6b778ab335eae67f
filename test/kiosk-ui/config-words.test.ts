/**
 * The configuration form's words (kiosk-ui/src/staff/config-words.ts) against the live config schema: every part
 * of the form has a label and a description, the English description is the schema's word for word, no entry
 * is left for a key that is gone, and every value of a choice is in words unless it is a name or a code.
 * Their translations are checked with the console's other words (staff-words.test.ts).
 */
import { describe, expect, it } from "vitest";
import { BridgeConfigSchema } from "../../bridge/config/schema.ts";
import { allFields, buildForm, type FormGroup } from "../../kiosk-ui/src/staff/config-form.ts";
import { CONFIG_CHOICE_WORDS, CONFIG_KEY_WORDS, choiceWord, wordsOf } from "../../kiosk-ui/src/staff/config-words.ts";

const groups = buildForm(JSON.parse(JSON.stringify(BridgeConfigSchema)), new Set());
const allGroups = (list: readonly FormGroup[]): FormGroup[] => list.flatMap((g) => [g, ...allGroups(g.groups)]);
const parts = [...allGroups(groups), ...allFields(groups)];
const keys = CONFIG_KEY_WORDS();
const choices = CONFIG_CHOICE_WORDS();

/** Choice values shown as written: names of ILSes, charsets, line ends, standards' numbers, a time scale. */
const NOT_WORDS: Readonly<Record<string, readonly string[]>> = {
  "sip2.profile": ["koha", "evergreen", "sierra", "alma", "polaris", "folio"],
  "sip2.charset": ["utf-8", "iso-8859-1", "cp850"],
  "sip2.overrides.terminator": ["CR", "CRLF", "LF"],
  "sip2.overrides.dateZone": ["utc"],
  "staff.tags.model": ["iso28560-2", "iso28560-3"],
};

describe("the configuration form's words", () => {
  it("has a label and a description for every part of the form the live schema makes", () => {
    expect(parts.length).toBeGreaterThan(90);
    const missing = parts.filter((p) => !keys[p.name]?.label || !keys[p.name]?.description).map((p) => p.name);
    expect(missing, "add these paths to CONFIG_KEY_WORDS in config-words.ts").toEqual([]);
    const stale = Object.keys(keys).filter((path) => !parts.some((p) => p.name === path));
    expect(stale, "paths the schema no longer has").toEqual([]);
  });

  it("says in English what the schema's description says, so the two cannot drift", () => {
    const noDescription = parts.filter((p) => !p.description).map((p) => p.name);
    expect(noDescription, "give these keys a description in the schema (described(...))").toEqual([]);
    const drifted = parts
      .filter((p) => keys[p.name]?.description !== p.description)
      .map((p) => ({ path: p.name, schema: p.description, table: keys[p.name]?.description }));
    expect(drifted).toEqual([]);
  });

  it("names every value of a choice in words, but for names and codes", () => {
    for (const field of allFields(groups).filter((f) => f.kind === "choice" && !f.yesNo)) {
      const words = Object.keys(choices[field.name] ?? {});
      const asWritten = NOT_WORDS[field.name] ?? [];
      expect([...words, ...asWritten].sort(), field.name).toEqual([...(field.choices ?? [])].sort());
    }
    expect(Object.keys(choices).filter((path) => !parts.some((p) => p.name === path))).toEqual([]);
  });

  it("shows the schema's English for a path it does not know, and a choice's value as written", () => {
    const newer = { path: ["sip2", "newKey"], name: "sip2.newKey", label: "New key", kind: "text" as const };
    expect(wordsOf(keys, { ...newer, required: false, description: "From a newer bridge." })).toEqual({
      label: "New key",
      description: "From a newer bridge.",
    });
    const sets = allFields(groups).find((f) => f.name === "kiosk.sets")!;
    expect(choiceWord(choices, sets, "desk")).toBe("Send the patron to the desk");
    expect(choiceWord(choices, sets, "later")).toBe("later");
    const yesNo = allFields(groups).find((f) => f.yesNo)!;
    expect([choiceWord(choices, yesNo, "true"), choiceWord(choices, yesNo, "false")]).toEqual(["Yes", "No"]);
  });
});
