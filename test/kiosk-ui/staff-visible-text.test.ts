/**
 * No staff page shows words outside msg(): every file under kiosk-ui/src/staff passes the static check of
 * ./visible-text.ts (why static, and what it cannot see, is said there). The check itself is tested on
 * snippets, so a change that blinds it fails here too.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { visibleTextOutsideMsg } from "./visible-text.ts";

const STAFF = join(import.meta.dirname, "../../kiosk-ui/src/staff");

/**
 * Text that reads as words but needs no translation, by file, each with its reason. Keep it short; anything
 * people read goes through msg().
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  // A programming error for bad data from the bridge, never a message for staff.
  "components/chart-data.ts": ["not a statistics period: {…}"],
  // An example of an ISIL (a library's code), the same in every language.
  "pages/tags-page.ts": ["DE-1"],
};

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? e.name === "i18n"
        ? []
        : sources(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );

describe("staff console: no visible words outside msg()", () => {
  it("finds none in any file of the console", () => {
    const files = sources(STAFF);
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((file) => {
      const name = relative(STAFF, file);
      const allowed = new Set(ALLOWED[name]);
      return visibleTextOutsideMsg(readFileSync(file, "utf8"), name)
        .filter((f) => !allowed.has(f.text))
        .map((f) => `${name}:${f.line}: ${f.text}`);
    });
    expect(found).toEqual([]);
  });

  it("finds text between tags, shown attributes and prose in code, and leaves msg(), ids, codes and classes alone", () => {
    const source = `
      import { msg, str } from "@lit/localize";
      const WORDS = { ok: "Working", gone: () => msg("Gone", { id: "staff.x.gone" }) };
      const span = this.view === "hour" ? "per hour over the last day" : "day";
      const title = \`Transactions \${span}\`;
      html\`<h2 id="a-b" class="staff-card chip-ok">Statistics</h2>
        <div role="group" aria-label="Period" data-x="Not shown">\${msg(str\`\${n} waiting\`, { id: "staff.x.waiting" })}</div>
        <input placeholder="What you did" title=\${msg("Shown", { id: "staff.x.shown" })} />
        <p>\${x ? "Never" : "checkout"} (\${y})</p>\`;
      svg\`<text class="axis">\${label}</text>\`;
    `;
    expect(visibleTextOutsideMsg(source).map((f) => f.text)).toEqual([
      "Working",
      "per hour over the last day",
      "Transactions {…}",
      "Period",
      "What you did",
      "Statistics",
      "Never",
    ]);
  });
});
