/**
 * A static check for words a UI shows without msg(): reads a source file with the TypeScript parser and
 * reports
 * - text between the tags of an html`…` or svg`…` template, and the static value of an attribute people see or
 *   hear (title, aria-label, placeholder, alt …): with msg() both are `${…}`, so any letter left there is a
 *   word the translations never see;
 * - string literals and plain template literals that read as prose: a capitalised word ("Never", "Sending…")
 *   or two lower-case words in a row ("per hour over the last day"). Codes and class lists ("hour",
 *   "staff-chip chip-bad", "checkout") do not read as prose, which is also this check's blind spot: a single
 *   lower-case word is taken for a code.
 * The English text of msg() itself, import paths and `id:` options are not looked at.
 *
 * Static rather than rendering each page in Arabic in the browser: a page shows the bridge's own data
 * (device names, titles, ILS messages: English in the simulators), so a browser check would need to tell the
 * console's words from the data's, and it only sees the states a test happens to reach. This sees every branch
 * of every template, runs in milliseconds and gives the same answer on any machine.
 */
import ts from "typescript";

export interface Finding {
  line: number;
  text: string;
}

/** Attributes whose value is shown or read out to people. */
const VISIBLE_ATTRIBUTES = [
  "title",
  "alt",
  "placeholder",
  "label",
  "aria-label",
  "aria-description",
  "aria-roledescription",
  "aria-placeholder",
  "aria-valuetext",
];

/** Stands in for a `${…}` while the static parts of a template are read. */
const HOLE = "\u0000";

const PROSE_CAPITALISED = /^[A-Z][a-z]+$/;
const PROSE_LOWER = /^[a-z]+$/;

/** A token without the punctuation around it: "(offline)" → "offline", "Sending…" → "Sending". */
const bare = (token: string) => token.replace(/^[("“«'‘]+|[)"”»'’.,:;!?…]+$/g, "");

/** Whether a literal's text reads as words for people (see the file's comment). */
export function readsAsProse(text: string): boolean {
  const tokens = text.split(HOLE).join(" ").split(/\s+/).filter(Boolean).map(bare);
  if (tokens.some((t) => PROSE_CAPITALISED.test(t))) return true;
  return tokens.some((t, i) => PROSE_LOWER.test(t) && PROSE_LOWER.test(tokens[i + 1] ?? ""));
}

/** The words people see in a template's static parts: attribute values that are shown, and text between tags. */
export function templateWords(staticText: string): string[] {
  const words: string[] = [];
  const withoutComments = staticText.replace(/<!--[\s\S]*?-->/g, "");
  const attributes = new RegExp(
    `\\s(?:${VISIBLE_ATTRIBUTES.join("|")})\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>"']+))`,
    "g",
  );
  for (const tag of withoutComments.match(/<[^>]*>/g) ?? []) {
    for (const m of tag.matchAll(attributes)) {
      const value = m[1] ?? m[2] ?? m[3] ?? "";
      if (/\p{L}/u.test(value.split(HOLE).join(""))) words.push(value.split(HOLE).join("{…}"));
    }
  }
  const between = withoutComments
    .replace(/<[^>]*>/g, HOLE)
    .replace(/&[a-z]+;|&#\d+;/g, " ")
    .split(HOLE)
    .map((s) => s.trim());
  words.push(...between.filter((s) => /\p{L}/u.test(s)));
  return words;
}

function staticParts(template: ts.TemplateLiteral): string {
  return ts.isNoSubstitutionTemplateLiteral(template)
    ? template.text
    : [template.head.text, ...template.templateSpans.map((s) => s.literal.text)].join(HOLE);
}

const isCallTo = (node: ts.Node | undefined, name: string): node is ts.CallExpression =>
  node !== undefined && ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === name;

/** The English of msg(), import paths and ids are not visible text to check. */
function isExempt(node: ts.Node): boolean {
  const parent = node.parent;
  if (isCallTo(parent, "msg") && parent.arguments[0] === node) return true;
  if (ts.isTaggedTemplateExpression(parent) && isCallTo(parent.parent, "msg")) return true;
  if (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent)) return true;
  if (ts.isPropertyAssignment(parent) && parent.name !== node && ts.isIdentifier(parent.name)) {
    return parent.name.text === "id";
  }
  return ts.isPropertyAssignment(parent) && parent.name === node;
}

/** Everything in `source` that shows words to people without msg(). */
export function visibleTextOutsideMsg(source: string, fileName = "source.ts"): Finding[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const findings: Finding[] = [];
  const report = (node: ts.Node, text: string) =>
    findings.push({ line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1, text });
  const visit = (node: ts.Node): void => {
    if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag) && ["html", "svg"].includes(node.tag.text)) {
      for (const words of templateWords(staticParts(node.template))) report(node, words);
      if (!ts.isNoSubstitutionTemplateLiteral(node.template)) {
        for (const span of node.template.templateSpans) visit(span.expression);
      }
      return;
    }
    if (ts.isTaggedTemplateExpression(node) && isExempt(node.template)) {
      if (!ts.isNoSubstitutionTemplateLiteral(node.template)) {
        for (const span of node.template.templateSpans) visit(span.expression);
      }
      return;
    }
    if (
      (ts.isStringLiteral(node) || ts.isTemplateExpression(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
      !isExempt(node)
    ) {
      const text = ts.isTemplateExpression(node) ? staticParts(node) : node.text;
      if (readsAsProse(text)) report(node, text.split(HOLE).join("{…}"));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return findings;
}
