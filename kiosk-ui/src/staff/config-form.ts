/**
 * The configuration form as data, built from the config's JSON schema that the bridge sends
 * (GET /api/staff/config): one section per top-level key, one field per key below it, each with the
 * schema's description (in English: the page shows them in the console's language from config-words.ts, and
 * these where that table has no entry). No field is written by hand here; a new key in bridge/config/schema.ts shows up
 * by itself. What a plain input cannot edit well (lists of objects, a choice between shapes, free-form
 * options) is edited as JSON text in its own field.
 *
 * Also the draft's bookkeeping: reading and writing a value by its path, and finding the field a problem
 * (named by path, as the bridge's validator names it) belongs to.
 */

import { msg, str } from "@lit/localize";

/** The JSON Schema keywords the form reads. */
interface Schema {
  type?: string;
  const?: unknown;
  default?: unknown;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  minimum?: number;
  maximum?: number;
}

export type FieldKind = "text" | "number" | "boolean" | "choice" | "list" | "json" | "secret";

export interface FormField {
  /** The key path, as problems name it: `sip2.login.user`. */
  path: readonly string[];
  name: string;
  label: string;
  description?: string;
  kind: FieldKind;
  choices?: readonly string[];
  required: boolean;
  min?: number;
  max?: number;
  /** The default, shown when the field is empty. */
  placeholder?: string;
  /** A choice of true or false for an optional switch: left empty, the default (often the ILS profile's) holds. */
  yesNo?: boolean;
}

export interface FormGroup {
  path: readonly string[];
  name: string;
  label: string;
  description?: string;
  fields: FormField[];
  groups: FormGroup[];
}

export const pathName = (path: readonly string[]): string => path.join(".");

/** Words that are names of standards or protocols, written as such in labels. */
const ACRONYMS: Readonly<Record<string, string>> = {
  sip2: "SIP2",
  tls: "TLS",
  sc: "SC",
  acs: "ACS",
  pin: "PIN",
  ms: "(ms)",
  ca: "CA",
  smtp: "SMTP",
};

/** "idleTimeoutSeconds" → "Idle timeout seconds"; "maxAcsResends" → "Max ACS resends"; "sip2" → "SIP2". */
export function labelOf(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[-_]/g, " ")
    .toLowerCase()
    .split(" ")
    .map((w) => ACRONYMS[w] ?? w)
    .join(" ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const literalsOf = (schema: Schema): string[] | undefined =>
  schema.anyOf?.every((m) => typeof m.const === "string") ? schema.anyOf.map((m) => String(m.const)) : undefined;

/** The sections of the form: every top-level key of the config schema. */
export function buildForm(schema: unknown, secretPaths: ReadonlySet<string>): FormGroup[] {
  const root = schema as Schema;
  return Object.entries(root.properties ?? {}).map(([key, child]) => {
    const built = node(key, child, [key], new Set(root.required ?? []).has(key), secretPaths);
    return "fields" in built
      ? built
      : { path: [key], name: key, label: labelOf(key), fields: [built], groups: [], ...described(child) };
  });
}

function described(schema: Schema): { description?: string } {
  return schema.description ? { description: schema.description } : {};
}

function node(
  key: string,
  schema: Schema,
  path: string[],
  required: boolean,
  secretPaths: ReadonlySet<string>,
): FormGroup | FormField {
  const name = pathName(path);
  if (schema.type === "object" && schema.properties) {
    const needed = new Set(schema.required ?? []);
    const group: FormGroup = { path, name, label: labelOf(key), fields: [], groups: [], ...described(schema) };
    for (const [childKey, child] of Object.entries(schema.properties)) {
      const built = node(childKey, child, [...path, childKey], needed.has(childKey), secretPaths);
      if ("fields" in built) group.groups.push(built);
      else group.fields.push(built);
    }
    return group;
  }
  const field: FormField = { path, name, label: labelOf(key), kind: "json", required, ...described(schema) };
  if (schema.default !== undefined) field.placeholder = JSON.stringify(schema.default).replace(/^"(.*)"$/, "$1");
  const choices = literalsOf(schema);
  if (secretPaths.has(name)) field.kind = "secret";
  else if (choices) Object.assign(field, { kind: "choice", choices });
  else if (schema.type === "boolean" && !required)
    Object.assign(field, { kind: "choice", choices: ["true", "false"], yesNo: true });
  else if (schema.type === "boolean") field.kind = "boolean";
  else if (schema.type === "integer" || schema.type === "number") {
    Object.assign(field, {
      kind: "number",
      ...(schema.minimum !== undefined ? { min: schema.minimum } : {}),
      ...(schema.maximum !== undefined ? { max: schema.maximum } : {}),
    });
  } else if (schema.type === "string") field.kind = "text";
  else if (schema.type === "array" && schema.items?.type === "string") field.kind = "list";
  return field;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function valueAt(config: Json, path: readonly string[]): unknown {
  let node: unknown = config;
  for (const key of path) node = isObject(node) ? node[key] : undefined;
  return node;
}

/**
 * A copy of `config` with `value` at `path` (undefined removes the key). An optional object left empty is
 * removed too, so clearing every SMTP field leaves no half `email` section for the validator to refuse.
 */
export function withValue(config: Json, path: readonly string[], value: unknown): Json {
  const copy = structuredClone(config);
  const parents: Json[] = [copy];
  let node: Json = copy;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as Json;
    parents.push(node);
  }
  const last = path[path.length - 1] ?? "";
  if (value === undefined) delete node[last];
  else node[last] = value;
  for (let i = parents.length - 1; i > 0; i--) {
    if (Object.keys(parents[i] ?? {}).length > 0) break;
    delete (parents[i - 1] as Json)[path[i - 1] ?? ""];
  }
  return copy;
}

/** The text an input shows for a value. */
export function inputText(field: FormField, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (field.kind === "list" && Array.isArray(value)) return value.join(", ");
  if (field.kind === "json") return JSON.stringify(value, null, 2);
  return String(value);
}

/**
 * The value an input's text stands for. What does not parse is kept as typed, so the bridge's validator
 * names the problem in its own words ("expected a whole number, got "abc""); JSON that does not parse is the
 * one problem found here.
 */
export function parseInput(field: FormField, text: string): { value: unknown } | { problem: string } {
  const trimmed = text.trim();
  if (trimmed === "" && field.kind !== "text") return { value: undefined };
  switch (field.kind) {
    case "number":
      return { value: /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed };
    case "list":
      return {
        value: trimmed
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== ""),
      };
    case "json":
      try {
        return { value: JSON.parse(trimmed) };
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        return { problem: msg(str`not valid JSON (${detail})`, { id: "staff.config.json-invalid" }) };
      }
    case "text":
      return { value: text === "" && !field.required ? undefined : text };
    case "choice":
      return { value: field.yesNo ? trimmed === "true" : trimmed };
    default:
      return { value: text };
  }
}

/** The field a problem belongs to: the one at its path, or the closest one above it (a JSON field). */
export function fieldOfProblem(fields: readonly FormField[], problemPath: string): FormField | undefined {
  let best: FormField | undefined;
  for (const field of fields) {
    const name = field.name;
    const inside = problemPath === name || problemPath.startsWith(`${name}.`) || problemPath.startsWith(`${name}[`);
    if (inside && (!best || name.length > best.name.length)) best = field;
  }
  return best;
}

/** Every field of the form, in order. */
export function allFields(groups: readonly FormGroup[]): FormField[] {
  return groups.flatMap((g) => [...g.fields, ...allFields(g.groups)]);
}
