/**
 * The data an in-memory ILS starts from: institution, branches, SIP accounts, circulation policy,
 * patrons, items, loans, holds and fees. `parseFixture` checks every field and every reference and
 * reports all problems at once, each naming the entry by path and id.
 *
 * Dates: date-times are ISO 8601 with a zone ("2025-03-10T10:00:00Z"), plain dates are "YYYY-MM-DD".
 * When `referenceDate` is set, every date in the file is meant relative to it: the ILS moves them all
 * by the whole days between `referenceDate` and its clock, so "overdue by 5 days" stays true in any year.
 * Amounts are integers in minor units (cents).
 */
import { readFileSync } from "node:fs";
import { CodedError } from "../../protocols/errors.ts";
import {
  FEE_TYPE,
  type FeeType,
  MEDIA_TYPE,
  type MediaType,
  SECURITY_MARKER,
  type SecurityMarker,
} from "../../protocols/sip2/enums.ts";
import { stateProblems } from "./ils/invariants.ts";

export type FixtureErrorCode = "FIXTURE_INVALID" | "FIXTURE_UNREADABLE";

export class FixtureError extends CodedError<FixtureErrorCode> {
  readonly problems: readonly string[];

  constructor(code: FixtureErrorCode, message: string, source: string, problems: readonly string[] = []) {
    super(code, message, { source, problems });
    this.problems = problems;
  }
}

export interface FixtureInstitution {
  id: string;
  name: string;
  /** ISO 4217 code, e.g. "EUR"; fee paid requests must use it. */
  currency: string;
}

export interface FixtureBranch {
  id: string;
  name: string;
}

/** What a SIP account may do; the SIP server reports these in ACS Status (98). All default to true. */
export interface AccountFlags {
  checkoutOk: boolean;
  checkinOk: boolean;
  renewalOk: boolean;
  statusUpdateOk: boolean;
  offlineOk: boolean;
}
export const ACCOUNT_FLAGS = ["checkoutOk", "checkinOk", "renewalOk", "statusUpdateOk", "offlineOk"] as const;

export interface FixtureAccount {
  userId: string;
  password: string;
  institution: string;
  /** Branch the terminal stands in: its checkouts and checkins happen there. */
  branch: string;
  name?: string;
  flags: AccountFlags;
}

/** A number per media type, with a default for the types not listed. */
export type PerMediaType = { default: number } & Partial<Record<MediaType, number>>;

export interface CirculationPolicy {
  loanPeriodDays: PerMediaType;
  /** Fine per whole day late, minor units. */
  overdueFinePerDay: PerMediaType;
  /** Cap on the overdue fine of one loan, minor units. */
  maxOverdueFine: number;
  /** Returns at most this many days late are not fined; later ones are fined for every day. */
  fineGraceDays: number;
  checkoutLimit: number;
  renewalLimit: number;
  holdLimit: number;
  /** This many overdue loans deny checkout privileges. */
  overdueLimit: number;
  /** A balance above this (minor units) denies checkout, renewal and hold privileges. */
  fineBlockThreshold: number;
  holdShelfDays: number;
  /** Charged when a hold is placed, minor units; 0 for none. */
  holdFee: number;
  /** Sort bins (CL) the checkin reports for the three destinations of a returned item. */
  sortBins: { holdShelf: string; transit: string; shelf: string };
}

export interface FixturePatron {
  barcode: string;
  name: string;
  /** Which case this patron stands for ("valid", "blocked", …); tests look patrons up by it. */
  note: string;
  password?: string;
  /** When true, checkout, renew and hold need the correct password (PIN). */
  pinRequired: boolean;
  homeBranch: string;
  /** SIP2 language code, 3 digits ("000" unknown, "001" English, "003" German). */
  language: string;
  /** Last day the card is valid, "YYYY-MM-DD". */
  expires: string;
  blocked: boolean;
  blockMessage?: string;
  cardLost: boolean;
  address?: string;
  email?: string;
  phone?: string;
  /** A note from the library shown to the patron as a screen message. */
  message?: string;
}

/** The shelf state of an item, apart from what loans and holds say about it. */
export const ITEM_STATES = [
  "available",
  "inTransit",
  "lost",
  "missing",
  "inProcess",
  "onOrder",
  "waitingToBeReshelved",
] as const;
export type ItemState = (typeof ITEM_STATES)[number];

export interface FixtureItem {
  barcode: string;
  /** Bibliographic record id: copies of one title share it; title-level holds name it. */
  titleId: string;
  title: string;
  author?: string;
  note: string;
  mediaType: MediaType;
  magneticMedia: boolean;
  securityMarker: SecurityMarker;
  /** Owning branch (permanent location). */
  homeBranch: string;
  /** Branch where the item is now (or was last checked in). */
  currentBranch: string;
  shelfLocation: string;
  callNumber?: string;
  state: ItemState;
  /** Destination branch; required when state is "inTransit". */
  transitTo?: string;
  /** False for reference (non-circulating) items. */
  circulates: boolean;
  /** Number of pieces in a multi-part set; 1 for a single piece. */
  parts: number;
  /** Rental fee charged on checkout and on each renewal, minor units. */
  rentalFee: number;
  /** Item properties (CH) last set through Item Status Update. */
  properties?: string;
}

export interface FixtureLoan {
  patron: string;
  item: string;
  checkedOut: string;
  due: string;
  /** Renewals the ILS granted, at most the policy's renewalLimit. */
  renewals: number;
  /** No-block (offline) renewals the SC reported later: accepted past the limit, so counted apart. */
  offlineRenewals: number;
  branch: string;
}

export const HOLD_STATES = ["pending", "inTransit", "ready"] as const;
export type HoldState = (typeof HOLD_STATES)[number];

export interface FixtureHold {
  id: string;
  patron: string;
  titleId: string;
  /** Set for a hold on one specific copy; absent for a title-level hold (any copy). */
  item?: string;
  pickupBranch: string;
  placed: string;
  /** The patron no longer wants the hold after this date-time. */
  expires?: string;
  state: HoldState;
  /** The copy set aside for this hold; required when state is "inTransit" or "ready". */
  trappedItem?: string;
  /** Last moment a "ready" hold waits on the hold shelf. */
  shelfExpires?: string;
}

export interface FixtureFee {
  id: string;
  patron: string;
  type: FeeType;
  /** Original amount, minor units. */
  amount: number;
  /** What is still owed, minor units, 0 ≤ balance ≤ amount. */
  balance: number;
  item?: string;
  created: string;
  description: string;
}

export interface Fixture {
  referenceDate?: string;
  institution: FixtureInstitution;
  branches: FixtureBranch[];
  accounts: FixtureAccount[];
  policy: CirculationPolicy;
  patrons: FixturePatron[];
  items: FixtureItem[];
  loans: FixtureLoan[];
  holds: FixtureHold[];
  fees: FixtureFee[];
}

// ---------------------------------------------------------------------------------------------
// Field rules as data: each entity lists its fields with a kind; one reader applies them.

type FieldKind =
  | { kind: "id" }
  | { kind: "text" }
  | { kind: "int"; min: number }
  | { kind: "bool" }
  | { kind: "date" }
  | { kind: "dateTime" }
  | { kind: "pattern"; pattern: RegExp; what: string }
  | { kind: "oneOf"; values: readonly string[] }
  | { kind: "perMediaType" }
  | { kind: "object"; rules: Record<string, FieldRule> };

interface FieldRule {
  type: FieldKind;
  /** Used when the field is absent; no default and not optional means required. */
  default?: unknown;
  optional?: true;
}

type Rules<T> = { [K in keyof T]-?: FieldRule };

const ID: FieldKind = { kind: "id" };
const TEXT: FieldKind = { kind: "text" };
const BOOL: FieldKind = { kind: "bool" };
const DATE_TIME: FieldKind = { kind: "dateTime" };
const count = (min = 0): FieldKind => ({ kind: "int", min });
const oneOf = (values: readonly string[]): FieldKind => ({ kind: "oneOf", values });
const object = <T>(rules: Rules<T>): FieldKind => ({ kind: "object", rules });
const req = (type: FieldKind): FieldRule => ({ type });
const opt = (type: FieldKind): FieldRule => ({ type, optional: true });
const dflt = (type: FieldKind, value: unknown): FieldRule => ({ type, default: value });

const INSTITUTION_RULES: Rules<FixtureInstitution> = {
  id: req(ID),
  name: req(TEXT),
  currency: req({ kind: "pattern", pattern: /^[A-Z]{3}$/, what: "a 3-letter ISO 4217 code such as EUR" }),
};
const BRANCH_RULES: Rules<FixtureBranch> = { id: req(ID), name: req(TEXT) };
const FLAG_RULES = Object.fromEntries(ACCOUNT_FLAGS.map((flag) => [flag, dflt(BOOL, true)])) as Rules<AccountFlags>;
const ACCOUNT_RULES: Rules<FixtureAccount> = {
  userId: req(ID),
  password: req(TEXT),
  institution: req(ID),
  branch: req(ID),
  name: opt(TEXT),
  flags: dflt(object(FLAG_RULES), {}),
};
const SORT_BIN_RULES: Rules<CirculationPolicy["sortBins"]> = {
  holdShelf: req(ID),
  transit: req(ID),
  shelf: req(ID),
};
const POLICY_RULES: Rules<CirculationPolicy> = {
  loanPeriodDays: req({ kind: "perMediaType" }),
  overdueFinePerDay: req({ kind: "perMediaType" }),
  maxOverdueFine: req(count()),
  fineGraceDays: dflt(count(), 0),
  checkoutLimit: req(count()),
  renewalLimit: req(count()),
  holdLimit: req(count()),
  overdueLimit: req(count(1)),
  fineBlockThreshold: req(count()),
  holdShelfDays: req(count(1)),
  holdFee: dflt(count(), 0),
  sortBins: req(object(SORT_BIN_RULES)),
};
const PATRON_RULES: Rules<FixturePatron> = {
  barcode: req(ID),
  name: req(TEXT),
  note: req(TEXT),
  password: opt(TEXT),
  pinRequired: dflt(BOOL, false),
  homeBranch: req(ID),
  language: dflt({ kind: "pattern", pattern: /^\d{3}$/, what: "a 3-digit SIP2 language code" }, "000"),
  expires: req({ kind: "date" }),
  blocked: dflt(BOOL, false),
  blockMessage: opt(TEXT),
  cardLost: dflt(BOOL, false),
  address: opt(TEXT),
  email: opt(TEXT),
  phone: opt(TEXT),
  message: opt(TEXT),
};
const ITEM_RULES: Rules<FixtureItem> = {
  barcode: req(ID),
  titleId: req(ID),
  title: req(TEXT),
  author: opt(TEXT),
  note: req(TEXT),
  mediaType: dflt(oneOf(Object.keys(MEDIA_TYPE)), "book"),
  magneticMedia: dflt(BOOL, false),
  securityMarker: dflt(oneOf(Object.keys(SECURITY_MARKER)), "tattleTape"),
  homeBranch: req(ID),
  currentBranch: req(ID),
  shelfLocation: req(TEXT),
  callNumber: opt(TEXT),
  state: dflt(oneOf(ITEM_STATES), "available"),
  transitTo: opt(ID),
  circulates: dflt(BOOL, true),
  parts: dflt(count(1), 1),
  rentalFee: dflt(count(), 0),
  properties: opt(TEXT),
};
const LOAN_RULES: Rules<FixtureLoan> = {
  patron: req(ID),
  item: req(ID),
  checkedOut: req(DATE_TIME),
  due: req(DATE_TIME),
  renewals: dflt(count(), 0),
  offlineRenewals: dflt(count(), 0),
  branch: req(ID),
};
const HOLD_RULES: Rules<FixtureHold> = {
  id: req(ID),
  patron: req(ID),
  titleId: req(ID),
  item: opt(ID),
  pickupBranch: req(ID),
  placed: req(DATE_TIME),
  expires: opt(DATE_TIME),
  state: dflt(oneOf(HOLD_STATES), "pending"),
  trappedItem: opt(ID),
  shelfExpires: opt(DATE_TIME),
};
const FEE_RULES: Rules<FixtureFee> = {
  id: req(ID),
  patron: req(ID),
  type: req(oneOf(Object.keys(FEE_TYPE))),
  amount: req(count(1)),
  balance: req(count()),
  item: opt(ID),
  created: req(DATE_TIME),
  description: req(TEXT),
};

/** Characters that would break SIP2 framing (field delimiter, message terminators) or are invisible. */
const UNSAFE_TEXT = /[|\r\n\u0000-\u001f\u007f]/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

function isCalendarDate(text: string): boolean {
  const m = DATE_PATTERN.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function isDateTime(text: string): boolean {
  return DATE_TIME_PATTERN.test(text) && isCalendarDate(text.slice(0, 10)) && !Number.isNaN(Date.parse(text));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const show = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value);
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 40 ? `${json.slice(0, 37)}...` : json;
};

/** Collects problems; `at` names the entry in messages, e.g. `items[17] (barcode "3…")`. */
class Problems {
  readonly list: string[] = [];
  add(at: string, message: string): void {
    this.list.push(`${at}: ${message}`);
  }
}

type Read = { ok: true; value: unknown } | { ok: false; message?: string };
const good = (value: unknown): Read => ({ ok: true, value });
const bad = (message?: string): Read => (message === undefined ? { ok: false } : { ok: false, message });

/** Checks one value against its kind. Nested problems go straight to `problems` (message undefined). */
function readValue(type: FieldKind, value: unknown, problems: Problems, at: string, field: string): Read {
  switch (type.kind) {
    case "id":
      if (typeof value !== "string" || value.length === 0) return bad("must be a non-empty string");
      if (value.trim() !== value || UNSAFE_TEXT.test(value))
        return bad("must not contain surrounding spaces, '|', CR, LF or control characters");
      return good(value);
    case "text":
      if (typeof value !== "string") return bad("must be a string");
      if (UNSAFE_TEXT.test(value)) return bad("must not contain '|', CR, LF or control characters");
      return good(value);
    case "int":
      return typeof value === "number" && Number.isSafeInteger(value) && value >= type.min
        ? good(value)
        : bad(`must be an integer ≥ ${type.min}`);
    case "bool":
      return typeof value === "boolean" ? good(value) : bad("must be true or false");
    case "date":
      return typeof value === "string" && isCalendarDate(value) ? good(value) : bad("must be a date YYYY-MM-DD");
    case "dateTime":
      return typeof value === "string" && isDateTime(value)
        ? good(value)
        : bad("must be an ISO 8601 date-time with a zone, e.g. 2025-03-10T10:00:00Z");
    case "pattern":
      return typeof value === "string" && type.pattern.test(value) ? good(value) : bad(`must be ${type.what}`);
    case "oneOf":
      return typeof value === "string" && type.values.includes(value)
        ? good(value)
        : bad(`must be one of ${type.values.join(", ")}`);
    case "perMediaType": {
      if (!isRecord(value)) return bad('must be an object like { "default": 21, "book": 28 }');
      const before = problems.list.length;
      if (!("default" in value)) problems.add(at, `"${field}" needs a "default" entry`);
      for (const [key, n] of Object.entries(value)) {
        if (key !== "default" && !Object.hasOwn(MEDIA_TYPE, key))
          problems.add(
            at,
            `"${field}.${key}" is not a media type; use default or ${Object.keys(MEDIA_TYPE).join(", ")}`,
          );
        else if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0)
          problems.add(at, `"${field}.${key}" must be an integer ≥ 0, got ${show(n)}`);
      }
      return problems.list.length === before ? good({ ...value }) : bad();
    }
    case "object": {
      const inner = readEntity(value, type.rules, `${at}.${field}`, problems);
      return inner === undefined ? bad() : good(inner);
    }
  }
}

/** Reads one entity by its rules: reports unknown, missing and malformed fields, fills defaults. */
function readEntity<T>(raw: unknown, rules: Rules<T>, at: string, problems: Problems): T | undefined {
  if (!isRecord(raw)) {
    problems.add(at, raw === undefined ? "is required" : `must be an object, got ${show(raw)}`);
    return undefined;
  }
  const out: Record<string, unknown> = {};
  let ok = true;
  for (const key of Object.keys(raw)) {
    if (!Object.hasOwn(rules, key)) problems.add(at, `unknown field "${key}" (check the spelling)`);
  }
  for (const [field, rule] of Object.entries(rules) as [string, FieldRule][]) {
    let value = raw[field];
    if (value === undefined) {
      if (rule.optional) continue;
      if (rule.default === undefined) {
        problems.add(at, `"${field}" is required`);
        ok = false;
        continue;
      }
      value = structuredClone(rule.default);
    }
    const read = readValue(rule.type, value, problems, at, field);
    if (read.ok) out[field] = read.value;
    else {
      ok = false;
      if (read.message !== undefined) problems.add(at, `"${field}" ${read.message}, got ${show(value)}`);
    }
  }
  return ok ? (out as T) : undefined;
}

function readList<T>(
  raw: Record<string, unknown>,
  key: string,
  rules: Rules<T>,
  label: (entry: Record<string, unknown>) => string,
  problems: Problems,
): { entries: T[]; labels: string[] } {
  const value = raw[key];
  const entries: T[] = [];
  const labels: string[] = [];
  if (value === undefined) return { entries, labels };
  if (!Array.isArray(value)) {
    problems.add(key, "must be an array");
    return { entries, labels };
  }
  value.forEach((entry, i) => {
    const at = `${key}[${i}]${isRecord(entry) ? label(entry) : ""}`;
    const parsed = readEntity(entry, rules, at, problems);
    if (parsed) {
      entries.push(parsed);
      labels.push(at);
    }
  });
  return { entries, labels };
}

const labelBy =
  (field: string) =>
  (entry: Record<string, unknown>): string =>
    typeof entry[field] === "string" ? ` (${field} ${JSON.stringify(entry[field])})` : "";
const loanLabel = (entry: Record<string, unknown>): string =>
  typeof entry.item === "string" ? ` (item ${JSON.stringify(entry.item)})` : "";

const TOP_LEVEL = [
  "referenceDate",
  "institution",
  "branches",
  "accounts",
  "policy",
  "patrons",
  "items",
  "loans",
  "holds",
  "fees",
  "$comment",
];

/**
 * Validates fixture JSON and returns it typed, with defaults filled in.
 * Throws FixtureError FIXTURE_INVALID listing every problem found.
 */
export function parseFixture(json: unknown, source = "fixture"): Fixture {
  const problems = new Problems();
  if (!isRecord(json)) {
    throw new FixtureError(
      "FIXTURE_INVALID",
      `Fixture ${source} is invalid: the top level must be a JSON object with institution, branches, policy, patrons, items…`,
      source,
      ["(top level): must be an object"],
    );
  }
  for (const key of Object.keys(json)) {
    if (!TOP_LEVEL.includes(key)) problems.add("(top level)", `unknown section "${key}" (check the spelling)`);
  }
  let referenceDate: string | undefined;
  if (json.referenceDate !== undefined) {
    if (typeof json.referenceDate === "string" && isDateTime(json.referenceDate)) referenceDate = json.referenceDate;
    else problems.add("referenceDate", `must be an ISO 8601 date-time with a zone, got ${show(json.referenceDate)}`);
  }
  const institution = readEntity(json.institution, INSTITUTION_RULES, "institution", problems);
  const policy = readEntity(json.policy, POLICY_RULES, "policy", problems);
  const branches = readList(json, "branches", BRANCH_RULES, labelBy("id"), problems);
  const accounts = readList(json, "accounts", ACCOUNT_RULES, labelBy("userId"), problems);
  const patrons = readList(json, "patrons", PATRON_RULES, labelBy("barcode"), problems);
  const items = readList(json, "items", ITEM_RULES, labelBy("barcode"), problems);
  const loans = readList(json, "loans", LOAN_RULES, loanLabel, problems);
  const holds = readList(json, "holds", HOLD_RULES, labelBy("id"), problems);
  const fees = readList(json, "fees", FEE_RULES, labelBy("id"), problems);
  if (!Array.isArray(json.branches) || json.branches.length === 0)
    problems.add("branches", "needs at least one branch");

  const fixture: Fixture = {
    ...(referenceDate === undefined ? {} : { referenceDate }),
    institution: institution ?? { id: "", name: "", currency: "" },
    branches: branches.entries,
    accounts: accounts.entries,
    policy: policy ?? ({} as CirculationPolicy),
    patrons: patrons.entries,
    items: items.entries,
    loans: loans.entries,
    holds: holds.entries,
    fees: fees.entries,
  };
  // Cross-entry rules (references resolve, ids are unique, states agree) are the ILS's invariants.
  problems.list.push(
    ...stateProblems({
      ...fixture,
      labels: {
        branches: branches.labels,
        accounts: accounts.labels,
        patrons: patrons.labels,
        items: items.labels,
        loans: loans.labels,
        holds: holds.labels,
        fees: fees.labels,
      },
    }),
  );

  if (problems.list.length > 0) {
    const shown = problems.list.slice(0, 50);
    const more = problems.list.length - shown.length;
    throw new FixtureError(
      "FIXTURE_INVALID",
      `Fixture ${source} is invalid (${problems.list.length} problem${problems.list.length === 1 ? "" : "s"}); ` +
        `fix these entries and load it again:\n- ${shown.join("\n- ")}${more > 0 ? `\n- … and ${more} more` : ""}`,
      source,
      problems.list,
    );
  }
  return fixture;
}

/** Reads and validates a fixture file. */
export function loadFixture(path: string): Fixture {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new FixtureError(
      "FIXTURE_UNREADABLE",
      `Cannot read fixture file ${path}: ${(err as Error).message}. Check the path and permissions.`,
      path,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FixtureError(
      "FIXTURE_INVALID",
      `Fixture ${path} is not valid JSON: ${(err as Error).message}. Fix the syntax and load it again.`,
      path,
      [`(file): ${(err as Error).message}`],
    );
  }
  return parseFixture(json, path);
}
