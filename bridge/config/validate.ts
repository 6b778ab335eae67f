/**
 * Checks a JSON value against a TypeBox schema and says, for people, what is wrong and where:
 * `devices[2].transport.baudRate: expected a whole number, got "fast"`. Unknown keys are rejected with a
 * "did you mean" when a known key is close. Missing keys that have a `default` are filled in, so the
 * value that comes back is the complete config the schema describes.
 *
 * TypeBox's own Value.Errors reports unions as "Expected union value" and knows no suggestions, so this
 * walks the (JSON Schema) keywords our schemas use: type, const, properties/required/
 * additionalProperties, patternProperties, items/minItems/maxItems, anyOf, minimum/maximum, minLength/
 * pattern, format (date, date-time: below), default. Two keywords of our own:
 *   - `discriminator: "type"` on an anyOf of objects picks the member by that key, so errors come from
 *     the member the user meant and not from all of them;
 *   - `acceptHex: true` on an integer also takes a hex string ("0403", "0x0403"): how people copy USB ids
 *     from lsusb.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import { CodedError } from "../../protocols/errors.ts";

export type ConfigErrorCode = "CONFIG_INVALID" | "CONFIG_UNREADABLE";

export interface ConfigProblem {
  /** Key path in the file: `devices[2].transport.baudRate`; "" for the whole file. */
  path: string;
  /** What is wrong there, e.g. `expected a whole number, got "fast"`. */
  message: string;
}

/** A config that cannot be read or is not valid. `problems` lists every finding, each with its key path. */
export class ConfigError extends CodedError<ConfigErrorCode> {
  readonly problems: readonly ConfigProblem[];

  constructor(code: ConfigErrorCode, message: string, problems: readonly ConfigProblem[], source: string) {
    super(code, message, { source, problems });
    this.problems = problems;
  }
}

/** Most problems listed in an error message; the rest are counted. */
const LISTED_PROBLEMS = 12;

export function formatProblem(problem: ConfigProblem): string {
  return problem.path === "" ? problem.message : `${problem.path}: ${problem.message}`;
}

/** The CONFIG_INVALID error for these problems in `source` (a file name or "config"). */
export function invalidConfig(source: string, problems: readonly ConfigProblem[]): ConfigError {
  const listed = problems.slice(0, LISTED_PROBLEMS).map((p) => `  ${formatProblem(p)}`);
  if (problems.length > LISTED_PROBLEMS) listed.push(`  … and ${problems.length - LISTED_PROBLEMS} more`);
  const first = problems[0];
  const message =
    problems.length === 1 && first
      ? `${source}: ${formatProblem(first)}. Fix the config and start again.`
      : `${source}: ${problems.length} problems. Fix the config and start again.\n${listed.join("\n")}`;
  return new ConfigError("CONFIG_INVALID", message, problems, source);
}

/** `devices[2].transport` + `baudRate`. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

export interface CheckResult<T> {
  /** The value with defaults filled in (a copy); meaningful only when `problems` is empty. */
  value: T;
  problems: ConfigProblem[];
}

/** Checks `value` against `schema`. Never throws. */
export function checkValue<S extends TSchema>(schema: S, value: unknown, path = ""): CheckResult<Static<S>> {
  const problems: ConfigProblem[] = [];
  const out = walk(schema as Schema, value, path, problems);
  return { value: out as Static<S>, problems };
}

/** Checks and returns the completed value, or throws CONFIG_INVALID naming every problem. */
export function expectValid<S extends TSchema>(schema: S, value: unknown, source: string, path = ""): Static<S> {
  const { value: out, problems } = checkValue(schema, value, path);
  if (problems.length > 0) throw invalidConfig(source, problems);
  return out;
}

/** The JSON Schema keywords we read. */
interface Schema {
  type?: string | string[];
  const?: unknown;
  default?: unknown;
  /** What a valid value looks like, in words, for messages ("an id of lower-case letters …"). */
  expected?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  patternProperties?: Record<string, Schema>;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  anyOf?: Schema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  discriminator?: string;
  acceptHex?: boolean;
}

/** Keys allowed on any object for notes in the file; they are dropped from the result. */
const COMMENT_KEY = /^\$(comment|schema)$/;

function walk(schema: Schema, value: unknown, path: string, problems: ConfigProblem[]): unknown {
  if (schema.anyOf) return walkUnion(schema, value, path, problems);
  if (schema.const !== undefined) {
    if (value !== schema.const)
      problems.push({ path, message: `expected ${describeSchema(schema)}, got ${got(value)}` });
    return value;
  }
  switch (schema.type) {
    case "object":
      return walkObject(schema, value, path, problems);
    case "array":
      return walkArray(schema, value, path, problems);
    case "string":
      return walkString(schema, value, path, problems);
    case "integer":
    case "number":
      return walkNumber(schema, value, path, problems);
    case "boolean":
      if (typeof value !== "boolean") problems.push({ path, message: `expected true or false, got ${got(value)}` });
      return value;
    default:
      // Unknown/any: take it as it is (a deep copy, so defaults filled later never alias the input).
      return value === undefined ? undefined : structuredClone(value);
  }
}

function walkObject(schema: Schema, value: unknown, path: string, problems: ConfigProblem[]): unknown {
  if (!isPlainObject(value)) {
    problems.push({ path, message: `expected ${describeSchema(schema)}, got ${got(value)}` });
    return value;
  }
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(properties)) {
    const childPath = joinPath(path, key);
    if (Object.hasOwn(value, key) && value[key] !== undefined) {
      out[key] = walk(child, value[key], childPath, problems);
    } else if (child.default !== undefined) {
      out[key] = walk(child, structuredClone(child.default), childPath, problems);
    } else if (required.has(key)) {
      problems.push({ path: childPath, message: `missing; expected ${describeSchema(child)}` });
    }
  }
  const patterns = Object.entries(schema.patternProperties ?? {}).map(([p, s]) => [new RegExp(p), s] as const);
  const known = Object.keys(properties);
  for (const [key, item] of Object.entries(value)) {
    if (Object.hasOwn(properties, key) || COMMENT_KEY.test(key)) continue;
    const pattern = patterns.find(([re]) => re.test(key));
    if (pattern) {
      out[key] = walk(pattern[1], item, joinPath(path, key), problems);
    } else if (typeof schema.additionalProperties === "object") {
      out[key] = walk(schema.additionalProperties, item, joinPath(path, key), problems);
    } else if (schema.additionalProperties === false) {
      problems.push({ path: joinPath(path, key), message: unknownKeyMessage(key, known) });
    } else {
      out[key] = structuredClone(item);
    }
  }
  return out;
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const suggestion = closest(key, known);
  if (suggestion) return `unknown key; did you mean "${suggestion}"?`;
  return known.length > 0 ? `unknown key; allowed here: ${known.join(", ")}` : "unknown key; nothing is allowed here";
}

function walkArray(schema: Schema, value: unknown, path: string, problems: ConfigProblem[]): unknown {
  if (!Array.isArray(value)) {
    problems.push({ path, message: `expected ${describeSchema(schema)}, got ${got(value)}` });
    return value;
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    problems.push({ path, message: `expected at least ${entries(schema.minItems)}, got ${value.length}` });
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    problems.push({ path, message: `expected at most ${entries(schema.maxItems)}, got ${value.length}` });
  }
  const items = schema.items;
  return value.map((item, i) => (items ? walk(items, item, joinPath(path, i), problems) : structuredClone(item)));
}

const entries = (n: number) => `${n} ${n === 1 ? "entry" : "entries"}`;

function walkString(schema: Schema, value: unknown, path: string, problems: ConfigProblem[]): unknown {
  if (typeof value !== "string") {
    problems.push({ path, message: `expected ${describeSchema(schema)}, got ${got(value)}` });
    return value;
  }
  const tooShort = schema.minLength !== undefined && value.length < schema.minLength;
  const tooLong = schema.maxLength !== undefined && value.length > schema.maxLength;
  const mismatch = schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value);
  const badFormat = schema.format !== undefined && FORMATS[schema.format]?.(value) === false;
  if (tooShort || tooLong || mismatch || badFormat) {
    problems.push({ path, message: `expected ${describeSchema(schema)}, got ${got(value)}` });
  }
  return value;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A day that exists: "2025-02-30" has the shape of a date but is none. */
function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/**
 * The JSON Schema `format`s we check (others pass). "date" is a calendar day YYYY-MM-DD; "date-time" an
 * RFC 3339 date-time that must carry its zone (Z or ±hh:mm), since a time without one means different
 * moments on different machines.
 */
const FORMATS: Record<string, (text: string) => boolean> = {
  date: isCalendarDate,
  "date-time": (text) => DATE_TIME.test(text) && isCalendarDate(text.slice(0, 10)) && !Number.isNaN(Date.parse(text)),
};

function walkNumber(schema: Schema, value: unknown, path: string, problems: ConfigProblem[]): unknown {
  let number = value;
  if (schema.acceptHex && typeof value === "string" && /^(0x)?[0-9a-f]{1,8}$/i.test(value)) {
    number = Number.parseInt(value.replace(/^0x/i, ""), 16);
  }
  const whole = schema.type === "integer";
  const ok =
    typeof number === "number" &&
    Number.isFinite(number) &&
    (!whole || Number.isInteger(number)) &&
    (schema.minimum === undefined || number >= schema.minimum) &&
    (schema.maximum === undefined || number <= schema.maximum) &&
    (schema.exclusiveMinimum === undefined || number > schema.exclusiveMinimum);
  if (!ok) problems.push({ path, message: `expected ${describeSchema(schema)}, got ${got(value)}` });
  return number;
}

function walkUnion(schema: Schema, value: unknown, path: string, problems: ConfigProblem[]): unknown {
  const members = schema.anyOf ?? [];
  const key = schema.discriminator;
  if (key !== undefined) {
    if (!isPlainObject(value)) {
      problems.push({ path, message: `expected ${describeSchema(schema)}, got ${got(value)}` });
      return value;
    }
    const tags = members.map((m) => m.properties?.[key]?.const).filter((t): t is string => typeof t === "string");
    const tag = value[key];
    const member = members.find((m) => m.properties?.[key]?.const === tag);
    if (member) return walk(member, value, path, problems);
    const tagPath = joinPath(path, key);
    if (tag === undefined) {
      problems.push({ path: tagPath, message: `missing; expected one of ${tags.join(", ")}` });
    } else {
      problems.push({ path: tagPath, message: enumMessage(tags, tag) });
    }
    return value;
  }
  const literals = members.every((m) => m.const !== undefined);
  for (const member of members) {
    const attempt: ConfigProblem[] = [];
    const out = walk(member, value, path, attempt);
    if (attempt.length === 0) return out;
  }
  if (literals) {
    problems.push({
      path,
      message: enumMessage(
        members.map((m) => m.const),
        value,
      ),
    });
  } else {
    problems.push({ path, message: `expected ${describeSchema(schema)}, got ${got(value)}` });
  }
  return value;
}

function enumMessage(allowed: readonly unknown[], value: unknown): string {
  const names = allowed.map((a) => (typeof a === "string" ? a : JSON.stringify(a)));
  const suggestion = typeof value === "string" ? closest(value, names) : undefined;
  const hint = suggestion ? `; did you mean "${suggestion}"?` : "";
  return `expected one of ${names.join(", ")}, got ${got(value)}${hint}`;
}

/** What a schema expects, in words: "a whole number from 1 to 65535", "one of none, even, odd". */
export function describeSchema(schema: Schema | TSchema): string {
  const s = schema as Schema;
  if (s.expected) return s.expected;
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf) {
    if (s.anyOf.every((m) => m.const !== undefined)) {
      return `one of ${s.anyOf.map((m) => (typeof m.const === "string" ? m.const : JSON.stringify(m.const))).join(", ")}`;
    }
    if (s.discriminator !== undefined) {
      const tags = s.anyOf.map((m) => m.properties?.[s.discriminator ?? ""]?.const);
      return `an object with "${s.discriminator}" one of ${tags.join(", ")}`;
    }
    return s.anyOf.map(describeSchema).join(" or ");
  }
  switch (s.type) {
    case "object":
      return "an object";
    case "array":
      return "a list";
    case "boolean":
      return "true or false";
    case "string":
      if (s.format === "date") return "a date YYYY-MM-DD";
      if (s.format === "date-time") return "an ISO 8601 date-time with a zone, e.g. 2025-03-10T10:00:00Z";
      if (s.pattern !== undefined) return `a string matching ${s.pattern}`;
      if (s.minLength !== undefined && s.minLength > 0) return "a non-empty string";
      return "a string";
    case "integer":
    case "number": {
      const noun = s.type === "integer" ? "a whole number" : "a number";
      if (s.minimum !== undefined && s.maximum !== undefined) return `${noun} from ${s.minimum} to ${s.maximum}`;
      if (s.exclusiveMinimum !== undefined) return `${noun} above ${s.exclusiveMinimum}`;
      if (s.minimum !== undefined) return `${noun} of at least ${s.minimum}`;
      if (s.maximum !== undefined) return `${noun} of at most ${s.maximum}`;
      return noun;
    }
    default:
      return "a value";
  }
}

/** The value as the user wrote it, short: `"fast"`, `70000`, `an object`, `a list`. */
export function got(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The candidate closest to `word` when it is close enough to be a likely typo (case ignored, edit
 * distance at most a third of the word, at least 1), else undefined.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(word.length, best.candidate.length) / 3));
  return best.distance <= limit ? best.candidate : undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  const at = (i: number, j: number) => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}
