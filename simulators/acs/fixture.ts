/**
 * The data an in-memory ILS starts from: institution, branches, SIP accounts, circulation policy,
 * patrons, items, loans, holds and fees, as one TypeBox schema (the types below are derived from it).
 * `parseFixture` checks a file against the schema with the config's checker (bridge/config/validate.ts)
 * and against the ILS's cross-entry rules (ils/invariants.ts), and reports all problems at once, each
 * naming the entry by path and id: `patrons[3] (barcode "2…").pinRequired: expected true or false, got "yes"`.
 *
 * Dates: date-times are ISO 8601 with a zone ("2025-03-10T10:00:00Z"), plain dates are "YYYY-MM-DD".
 * When `referenceDate` is set, every date in the file is meant relative to it: the ILS moves them all
 * by the whole days between `referenceDate` and its clock, so "overdue by 5 days" stays true in any year.
 * Amounts are integers in minor units (cents).
 */
import { readFileSync } from "node:fs";
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { closedObject, oneOf } from "../../bridge/config/schema.ts";
import { checkValue, formatProblem } from "../../bridge/config/validate.ts";
import { CodedError } from "../../protocols/errors.ts";
import { FEE_TYPE, type FeeType, MEDIA_TYPE, type MediaType, SECURITY_MARKER } from "../../protocols/sip2/enums.ts";
import { entryLabel, type Section, stateProblems } from "./ils/invariants.ts";

export type FixtureErrorCode = "FIXTURE_INVALID" | "FIXTURE_UNREADABLE";

export class FixtureError extends CodedError<FixtureErrorCode> {
  readonly problems: readonly string[];

  constructor(code: FixtureErrorCode, message: string, source: string, problems: readonly string[] = []) {
    super(code, message, { source, problems });
    this.problems = problems;
  }
}

// ---------------------------------------------------------------------------------------------
// Field kinds. Text must not break SIP2 framing: "|" delimits fields, CR/LF end messages, and
// control characters are invisible on a receipt.

const ID = Type.String({
  pattern: "^[^\\s|\\u0000-\\u001f\\u007f]([^|\\u0000-\\u001f\\u007f]*[^\\s|\\u0000-\\u001f\\u007f])?$",
  expected: "a non-empty id without surrounding spaces, '|', CR, LF or control characters",
});
const TEXT = Type.String({
  pattern: "^[^|\\u0000-\\u001f\\u007f]*$",
  expected: "text without '|', CR, LF or control characters",
});
const DATE = Type.String({ format: "date" });
const DATE_TIME = Type.String({ format: "date-time" });
const count = (minimum = 0, options: { default?: number } = {}) =>
  Type.Integer({
    minimum,
    maximum: Number.MAX_SAFE_INTEGER,
    expected: `a whole number of at least ${minimum}`,
    ...options,
  });
const flag = (value: boolean) => Type.Boolean({ default: value });
const keys = <T extends object>(table: T) => Object.keys(table) as (keyof T & string)[];

/** A number per media type, with a default for the types not listed: `{ "default": 21, "book": 28 }`. */
export type PerMediaType = { default: number } & Partial<Record<MediaType, number>>;
const PerMediaTypeSchema = Type.Unsafe<PerMediaType>(
  closedObject({
    default: count(),
    ...Object.fromEntries(keys(MEDIA_TYPE).map((type) => [type, Type.Optional(count())])),
  }),
);

// ---------------------------------------------------------------------------------------------
// Sections

const InstitutionSchema = closedObject({
  id: ID,
  name: TEXT,
  /** ISO 4217 code, e.g. "EUR"; fee paid requests must use it. */
  currency: Type.String({ pattern: "^[A-Z]{3}$", expected: "a 3-letter ISO 4217 code such as EUR" }),
});
export type FixtureInstitution = Static<typeof InstitutionSchema>;

const BranchSchema = closedObject({ id: ID, name: TEXT });
export type FixtureBranch = Static<typeof BranchSchema>;

/** What a SIP account may do; the SIP server reports these in ACS Status (98). All default to true. */
const AccountFlagsSchema = closedObject({
  checkoutOk: flag(true),
  checkinOk: flag(true),
  renewalOk: flag(true),
  statusUpdateOk: flag(true),
  offlineOk: flag(true),
});
export type AccountFlags = Static<typeof AccountFlagsSchema>;

const AccountSchema = closedObject({
  userId: ID,
  password: TEXT,
  institution: ID,
  /** Branch the terminal stands in: its checkouts and checkins happen there. */
  branch: ID,
  name: Type.Optional(TEXT),
  flags: Type.Object(AccountFlagsSchema.properties, { additionalProperties: false, default: {} }),
});
export type FixtureAccount = Static<typeof AccountSchema>;

const PolicySchema = closedObject({
  loanPeriodDays: PerMediaTypeSchema,
  /** Fine per whole day late, minor units. */
  overdueFinePerDay: PerMediaTypeSchema,
  /** Cap on the overdue fine of one loan, minor units. */
  maxOverdueFine: count(),
  /** Returns at most this many days late are not fined; later ones are fined for every day. */
  fineGraceDays: count(0, { default: 0 }),
  checkoutLimit: count(),
  renewalLimit: count(),
  holdLimit: count(),
  /** This many overdue loans deny checkout privileges. */
  overdueLimit: count(1),
  /** A balance above this (minor units) denies checkout, renewal and hold privileges. */
  fineBlockThreshold: count(),
  holdShelfDays: count(1),
  /** Charged when a hold is placed, minor units; 0 for none. */
  holdFee: count(0, { default: 0 }),
  /** Sort bins (CL) the checkin reports for the three destinations of a returned item. */
  sortBins: closedObject({ holdShelf: ID, transit: ID, shelf: ID }),
});
export type CirculationPolicy = Static<typeof PolicySchema>;

const PatronSchema = closedObject({
  barcode: ID,
  name: TEXT,
  /** Which case this patron stands for ("valid", "blocked", …); tests look patrons up by it. */
  note: TEXT,
  password: Type.Optional(TEXT),
  /** When true, checkout, renew and hold need the correct password (PIN). */
  pinRequired: flag(false),
  homeBranch: ID,
  /** SIP2 language code, 3 digits ("000" unknown, "001" English, "003" German). */
  language: Type.String({ pattern: "^\\d{3}$", expected: "a 3-digit SIP2 language code", default: "000" }),
  /** Last day the card is valid. */
  expires: DATE,
  blocked: flag(false),
  blockMessage: Type.Optional(TEXT),
  cardLost: flag(false),
  address: Type.Optional(TEXT),
  email: Type.Optional(TEXT),
  phone: Type.Optional(TEXT),
  /** A note from the library shown to the patron as a screen message. */
  message: Type.Optional(TEXT),
});
export type FixturePatron = Static<typeof PatronSchema>;

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

const ItemSchema = closedObject({
  barcode: ID,
  /** Bibliographic record id: copies of one title share it; title-level holds name it. */
  titleId: ID,
  title: TEXT,
  author: Type.Optional(TEXT),
  note: TEXT,
  mediaType: oneOf(keys(MEDIA_TYPE), { default: "book" }),
  magneticMedia: flag(false),
  securityMarker: oneOf(keys(SECURITY_MARKER), { default: "tattleTape" }),
  /** Owning branch (permanent location). */
  homeBranch: ID,
  /** Branch where the item is now (or was last checked in). */
  currentBranch: ID,
  shelfLocation: TEXT,
  callNumber: Type.Optional(TEXT),
  state: oneOf(ITEM_STATES, { default: "available" }),
  /** Destination branch; required when state is "inTransit". */
  transitTo: Type.Optional(ID),
  /** False for reference (non-circulating) items. */
  circulates: flag(true),
  /** Number of pieces in a multi-part set; 1 for a single piece. */
  parts: count(1, { default: 1 }),
  /** Rental fee charged on checkout and on each renewal, minor units. */
  rentalFee: count(0, { default: 0 }),
  /** Item properties (CH) last set through Item Status Update. */
  properties: Type.Optional(TEXT),
});
export type FixtureItem = Static<typeof ItemSchema>;

const LoanSchema = closedObject({
  patron: ID,
  item: ID,
  checkedOut: DATE_TIME,
  due: DATE_TIME,
  /** Renewals the ILS granted, at most the policy's renewalLimit. */
  renewals: count(0, { default: 0 }),
  /** No-block (offline) renewals the SC reported later: accepted past the limit, so counted apart. */
  offlineRenewals: count(0, { default: 0 }),
  branch: ID,
});
export type FixtureLoan = Static<typeof LoanSchema>;

export const HOLD_STATES = ["pending", "inTransit", "ready"] as const;
export type HoldState = (typeof HOLD_STATES)[number];

const HoldSchema = closedObject({
  id: ID,
  patron: ID,
  titleId: ID,
  /** Set for a hold on one specific copy; absent for a title-level hold (any copy). */
  item: Type.Optional(ID),
  pickupBranch: ID,
  placed: DATE_TIME,
  /** The patron no longer wants the hold after this date-time. */
  expires: Type.Optional(DATE_TIME),
  state: oneOf(HOLD_STATES, { default: "pending" }),
  /** The copy set aside for this hold; required when state is "inTransit" or "ready". */
  trappedItem: Type.Optional(ID),
  /** Last moment a "ready" hold waits on the hold shelf. */
  shelfExpires: Type.Optional(DATE_TIME),
});
export type FixtureHold = Static<typeof HoldSchema>;

const FeeSchema = closedObject({
  id: ID,
  patron: ID,
  type: oneOf(keys(FEE_TYPE) as FeeType[]),
  /** Original amount, minor units. */
  amount: count(1),
  /** What is still owed, minor units, 0 ≤ balance ≤ amount. */
  balance: count(),
  item: Type.Optional(ID),
  created: DATE_TIME,
  description: TEXT,
});
export type FixtureFee = Static<typeof FeeSchema>;

const list = <T extends TSchema>(entry: T, options: { minItems?: number } = {}) =>
  Type.Array(entry, { default: [], ...options });

export const FixtureSchema = closedObject({
  referenceDate: Type.Optional(DATE_TIME),
  institution: InstitutionSchema,
  branches: list(BranchSchema, { minItems: 1 }),
  accounts: list(AccountSchema),
  policy: PolicySchema,
  patrons: list(PatronSchema),
  items: list(ItemSchema),
  loans: list(LoanSchema),
  holds: list(HoldSchema),
  fees: list(FeeSchema),
});
export type Fixture = Static<typeof FixtureSchema>;

const SECTIONS = ["branches", "accounts", "patrons", "items", "loans", "holds", "fees"] as const satisfies Section[];

/** Most problems listed in an error message; the rest are counted. */
const LISTED_PROBLEMS = 50;

/**
 * Validates fixture JSON and returns it typed, with defaults filled in.
 * Throws FixtureError FIXTURE_INVALID listing every problem found.
 */
export function parseFixture(json: unknown, source = "fixture"): Fixture {
  const checked = checkValue(FixtureSchema, json);
  const problems: string[] = [];
  /** Entries with a problem of their own are left out of the cross-entry checks: their fields cannot be trusted. */
  const malformed = new Set<string>();
  const raw = (json ?? {}) as Partial<Record<Section, unknown>>;
  for (const problem of checked.problems) {
    const entry = /^([a-z]+)\[(\d+)\]/.exec(problem.path);
    const section = entry?.[1] as Section | undefined;
    if (!entry || !section || !SECTIONS.includes(section)) {
      problems.push(problem.path === "" ? `(top level): ${problem.message}` : formatProblem(problem));
      continue;
    }
    malformed.add(entry[0]);
    const value = (raw[section] as unknown[] | undefined)?.[Number(entry[2])];
    const label = entryLabel(section, Number(entry[2]), value);
    problems.push(`${label}${problem.path.slice(entry[0].length)}: ${problem.message}`);
  }
  if (problems.length > 0 && (typeof json !== "object" || json === null || Array.isArray(json))) {
    throw invalid(source, problems);
  }
  const fixture = checked.value;
  // Cross-entry rules (references resolve, ids are unique, states agree) are the ILS's invariants;
  // they see the well-formed entries, named by their place in the file.
  const wellFormed = <S extends Section>(section: S) => {
    const entries: Fixture[S][number][] = [];
    const labels: string[] = [];
    const all = (Array.isArray(fixture[section]) ? fixture[section] : []) as Fixture[S][number][];
    all.forEach((entry, i) => {
      if (malformed.has(`${section}[${i}]`)) return;
      entries.push(entry);
      labels.push(entryLabel(section, i, entry));
    });
    return { entries, labels };
  };
  const sections = Object.fromEntries(SECTIONS.map((s) => [s, wellFormed(s)])) as {
    [S in Section]: { entries: Fixture[S][number][]; labels: string[] };
  };
  const policyOk = !checked.problems.some((p) => /^policy($|\.)/.test(p.path));
  problems.push(
    ...stateProblems({
      institution: { id: typeof fixture.institution?.id === "string" ? fixture.institution.id : "" },
      policy: policyOk ? fixture.policy : { renewalLimit: Number.POSITIVE_INFINITY },
      branches: sections.branches.entries,
      accounts: sections.accounts.entries,
      patrons: sections.patrons.entries,
      items: sections.items.entries,
      loans: sections.loans.entries,
      holds: sections.holds.entries,
      fees: sections.fees.entries,
      labels: Object.fromEntries(SECTIONS.map((s) => [s, sections[s].labels])),
    }),
  );
  if (problems.length > 0) throw invalid(source, problems);
  return fixture;
}

function invalid(source: string, problems: string[]): FixtureError {
  const shown = problems.slice(0, LISTED_PROBLEMS);
  const more = problems.length - shown.length;
  return new FixtureError(
    "FIXTURE_INVALID",
    `Fixture ${source} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}); ` +
      `fix these entries and load it again:\n- ${shown.join("\n- ")}${more > 0 ? `\n- … and ${more} more` : ""}`,
    source,
    problems,
  );
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
