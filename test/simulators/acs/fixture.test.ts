import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FixtureError, loadFixture, parseFixture } from "../../../simulators/acs/fixture.ts";
import {
  CASES_PATH,
  casesText,
  codabarCheckDigit,
  DEFAULT_FIXTURE_PATH,
  defaultFixtureText,
  generateDefaultFixture,
  INSTITUTION_DIGITS,
  libraryBarcode,
} from "../../../simulators/acs/fixtures/generate.ts";

// biome-ignore lint/suspicious/noExplicitAny: tests poke into fixture JSON freely to break it
type Json = Record<string, any>;

/** A small valid fixture; each test breaks one thing in a copy. */
function base(): Json {
  return {
    referenceDate: "2025-03-10T10:00:00Z",
    institution: { id: "OSC", name: "Test Library", currency: "EUR" },
    branches: [
      { id: "MAIN", name: "Main" },
      { id: "EAST", name: "East" },
    ],
    accounts: [{ userId: "sc", password: "pw", institution: "OSC", branch: "MAIN" }],
    policy: {
      loanPeriodDays: { default: 21, book: 28 },
      overdueFinePerDay: { default: 25 },
      maxOverdueFine: 1000,
      checkoutLimit: 5,
      renewalLimit: 2,
      holdLimit: 3,
      overdueLimit: 3,
      fineBlockThreshold: 1000,
      holdShelfDays: 7,
      sortBins: { holdShelf: "H", transit: "T", shelf: "S" },
    },
    patrons: [
      { barcode: "P1", name: "Ann", note: "valid", homeBranch: "MAIN", expires: "2030-01-01" },
      { barcode: "P2", name: "Bob", note: "valid", homeBranch: "EAST", expires: "2030-01-01" },
    ],
    items: [
      {
        barcode: "I1",
        titleId: "T1",
        title: "One",
        note: "available",
        homeBranch: "MAIN",
        currentBranch: "MAIN",
        shelfLocation: "Fiction",
      },
      {
        barcode: "I2",
        titleId: "T2",
        title: "Two",
        note: "available",
        homeBranch: "MAIN",
        currentBranch: "MAIN",
        shelfLocation: "Fiction",
      },
    ],
    loans: [],
    holds: [],
    fees: [],
  };
}

const FEE = {
  id: "F1",
  patron: "P1",
  type: "overdue",
  amount: 100,
  balance: 50,
  created: "2025-03-01T10:00:00Z",
  description: "Late",
};

function problemsOf(json: unknown): string[] {
  try {
    parseFixture(json, "test.json");
  } catch (err) {
    expect(err).toBeInstanceOf(FixtureError);
    expect((err as FixtureError).code).toBe("FIXTURE_INVALID");
    return [...(err as FixtureError).problems];
  }
  return [];
}

function broken(edit: (f: Json) => void): string[] {
  const f = base();
  edit(f);
  return problemsOf(f);
}

describe("library barcodes", () => {
  it("computes the mod 10 check digit of the published worked examples", () => {
    // JerseyCat barcode FAQ: 3 0234 00051786 → 1; Dynix barcode notes: 3 3191 00010586 → 4
    // (both also checked with a python3 one-liner before writing this test).
    expect(codabarCheckDigit("3023400051786")).toBe(1);
    expect(codabarCheckDigit("3319100010586")).toBe(4);
    expect(() => codabarCheckDigit("12a")).toThrow(expect.objectContaining({ code: "BARCODE_NOT_NUMERIC" }));
  });

  it("builds 14-digit patron and item barcodes", () => {
    expect(libraryBarcode("patron", 1)).toMatch(new RegExp(`^2${INSTITUTION_DIGITS}00000001\\d$`));
    expect(libraryBarcode("item", 17)).toMatch(new RegExp(`^3${INSTITUTION_DIGITS}00000017\\d$`));
  });

  it("detects any single changed digit", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 99_999_999 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 9 }),
        (serial, pos, delta) => {
          const code = libraryBarcode("item", serial);
          const digits = [...code.slice(0, 13)].map(Number);
          digits[pos] = ((digits[pos] ?? 0) + delta) % 10;
          return codabarCheckDigit(digits.join("")) !== Number(code[13]);
        },
      ),
    );
  });
});

describe("default fixture", () => {
  const fixture = loadFixture(DEFAULT_FIXTURE_PATH);
  const notes = (list: { note: string }[]) => new Set(list.map((x) => x.note));

  it("is what the generator produces (the committed output is current)", () => {
    expect(readFileSync(DEFAULT_FIXTURE_PATH, "utf8")).toBe(defaultFixtureText());
    expect(readFileSync(CASES_PATH, "utf8")).toBe(casesText());
    expect(parseFixture(generateDefaultFixture()).items).toHaveLength(fixture.items.length);
  });

  it("is large enough and has two branches", () => {
    expect(fixture.patrons.length).toBeGreaterThanOrEqual(30);
    expect(fixture.items.length).toBeGreaterThanOrEqual(300);
    expect(fixture.branches.map((b) => b.id)).toEqual(["MAIN", "EAST"]);
    expect(fixture.institution).toEqual({ id: "OSC", name: "Open Selfcheck City Library", currency: "EUR" });
  });

  it("names every patron edge case", () => {
    const have = notes(fixture.patrons);
    for (const note of [
      "valid",
      "pin-required",
      "blocked",
      "expired",
      "card-lost",
      "fines-over-limit",
      "at-checkout-limit",
      "hold-ready",
      "overdue-items",
      "too-many-overdue",
      "non-ascii-name",
      "has-loans",
      "renewal-limit",
      "east-patron",
    ])
      expect(have, note).toContain(note);
    const pin = fixture.patrons.find((p) => p.note === "pin-required");
    expect(pin?.pinRequired).toBe(true);
    expect(pin?.password).toMatch(/^\d{4}$/);
  });

  it("names every item edge case", () => {
    const have = notes(fixture.items);
    for (const note of [
      "available",
      "checked-out-to-another",
      "on-hold-shelf-for-another",
      "in-transit",
      "lost",
      "missing",
      "non-circulating",
      "multi-part",
      "magnetic-cd",
      "magnetic-dvd",
      "magnetic-cassette",
      "non-ascii-title",
      "rental-fee",
      "owned-by-east",
    ])
      expect(have, note).toContain(note);
    const item = (note: string) => fixture.items.find((i) => i.note === note);
    expect(item("multi-part")?.parts).toBe(3);
    expect(item("non-circulating")?.circulates).toBe(false);
    expect(item("rental-fee")?.rentalFee).toBeGreaterThan(0);
    expect(item("owned-by-east")?.homeBranch).toBe("EAST");
    for (const note of ["magnetic-cd", "magnetic-dvd", "magnetic-cassette"])
      expect(item(note)?.magneticMedia).toBe(true);
    const title = item("non-ascii-title")?.title ?? "";
    for (const ch of ["é", "ü", "ß", "中文"]) expect(title).toContain(ch);
  });

  it("uses valid 14-digit barcodes: patrons start with 2, items with 3", () => {
    const check = (code: string, lead: string) => {
      expect(code).toMatch(new RegExp(`^${lead}${INSTITUTION_DIGITS}\\d{9}$`));
      expect(codabarCheckDigit(code.slice(0, 13))).toBe(Number(code[13]));
    };
    for (const p of fixture.patrons) check(p.barcode, "2");
    for (const i of fixture.items) check(i.barcode, "3");
  });

  it("puts the cases in the loans, holds and fees", () => {
    const patron = (note: string) => fixture.patrons.find((p) => p.note === note)?.barcode;
    expect(fixture.loans.filter((l) => l.patron === patron("at-checkout-limit"))).toHaveLength(
      fixture.policy.checkoutLimit,
    );
    expect(fixture.holds.find((h) => h.patron === patron("hold-ready"))?.state).toBe("ready");
    const owed = fixture.fees.filter((f) => f.patron === patron("fines-over-limit")).reduce((s, f) => s + f.balance, 0);
    expect(owed).toBeGreaterThan(fixture.policy.fineBlockThreshold);
  });
});

describe("fixture validation", () => {
  it("accepts the small base fixture and fills defaults", () => {
    const f = parseFixture(base());
    expect(f.patrons[0]).toMatchObject({ pinRequired: false, blocked: false, cardLost: false, language: "000" });
    expect(f.items[0]).toMatchObject({
      mediaType: "book",
      securityMarker: "tattleTape",
      state: "available",
      circulates: true,
      parts: 1,
      rentalFee: 0,
    });
    expect(f.accounts[0]?.flags).toEqual({
      checkoutOk: true,
      checkinOk: true,
      renewalOk: true,
      statusUpdateOk: true,
      offlineOk: true,
    });
    expect(f.policy).toMatchObject({ fineGraceDays: 0, holdFee: 0 });
  });

  it("names the entry by path and id when a branch reference is wrong", () => {
    expect(broken((f) => (f.items[1].homeBranch = "WEST"))).toEqual([
      `items[1] (barcode "I2"): "homeBranch" refers to unknown branch "WEST"`,
    ]);
    expect(broken((f) => (f.patrons[0].homeBranch = "WEST"))).toEqual([
      `patrons[0] (barcode "P1"): "homeBranch" refers to unknown branch "WEST"`,
    ]);
    expect(broken((f) => (f.accounts[0].branch = "WEST"))).toEqual([
      `accounts[0] (userId "sc"): "branch" refers to unknown branch "WEST"`,
    ]);
  });

  it("reports loans that point at unknown patrons or items, or double-lend an item", () => {
    const loan = {
      patron: "P1",
      item: "I1",
      checkedOut: "2025-03-01T10:00:00Z",
      due: "2025-03-29T23:59:59Z",
      branch: "MAIN",
    };
    expect(broken((f) => f.loans.push({ ...loan, patron: "P9" }))).toEqual([
      `loans[0] (item "I1"): "patron" refers to unknown patron "P9"`,
    ]);
    expect(broken((f) => f.loans.push({ ...loan, item: "I9" }))).toEqual([
      `loans[0] (item "I9"): "item" refers to unknown item "I9"`,
    ]);
    expect(broken((f) => f.loans.push(loan, { ...loan, patron: "P2" }))).toEqual([
      `loans[1] (item "I1"): item "I1" already has a loan; an item has at most one`,
    ]);
    expect(broken((f) => f.loans.push({ ...loan, due: "2025-02-01T00:00:00Z" }))[0]).toMatch(
      /"due" must be after "checkedOut"/,
    );
    expect(broken((f) => f.loans.push({ ...loan, renewals: 3 }))[0]).toMatch(/exceeds the policy renewalLimit 2/);
    // Offline (no-block) renewals are accepted past the limit and counted apart.
    expect(broken((f) => f.loans.push({ ...loan, renewals: 2, offlineRenewals: 5 }))).toEqual([]);
    expect(
      broken((f) => {
        f.items[0].state = "missing";
        f.loans.push(loan);
      })[0],
    ).toMatch(/on loan but its state is "missing"/);
  });

  it("reports duplicate ids and barcodes shared by a patron and an item", () => {
    expect(broken((f) => (f.items[1].barcode = "I1"))).toEqual([
      `items[1] (barcode "I1"): duplicate item barcode "I1", first at items[0] (barcode "I1")`,
    ]);
    expect(broken((f) => (f.patrons[1].barcode = "P1"))[0]).toMatch(
      /^patrons\[1\] \(barcode "P1"\): duplicate patron barcode/,
    );
    expect(broken((f) => (f.items[1].barcode = "P1"))).toEqual([
      `items[1] (barcode "P1"): barcode "P1" is also a patron barcode`,
    ]);
    expect(broken((f) => f.branches.push({ id: "MAIN", name: "Again" }))[0]).toMatch(
      /^branches\[2\] \(id "MAIN"\): duplicate branch id/,
    );
  });

  // One row per kind of problem the schema finds: each names the entry by its path, with the id of a
  // list entry, and says what was expected and what was found.
  const SCHEMA_PROBLEMS: [string, (f: Json) => void, string][] = [
    [
      "wrong type",
      (f) => (f.policy.checkoutLimit = "ten"),
      `policy.checkoutLimit: expected a whole number of at least 0, got "ten"`,
    ],
    [
      "below the minimum",
      (f) => (f.items[0].parts = 0),
      `items[0] (barcode "I1").parts: expected a whole number of at least 1, got 0`,
    ],
    [
      "not a calendar date",
      (f) => (f.patrons[0].expires = "2025-02-30"),
      `patrons[0] (barcode "P1").expires: expected a date YYYY-MM-DD, got "2025-02-30"`,
    ],
    [
      "date-time without a zone",
      (f) => (f.referenceDate = "2025-03-10T10:00:00"),
      `referenceDate: expected an ISO 8601 date-time with a zone, e.g. 2025-03-10T10:00:00Z, got "2025-03-10T10:00:00"`,
    ],
    [
      "not one of the allowed values",
      (f) => f.fees.push({ ...FEE, type: "parking" }),
      `fees[0] (id "F1").type: expected one of other, administrative, damage, overdue, processing, rental, replacement, computerAccess, holdFee, got "parking"`,
    ],
    [
      "a typo in a key",
      (f) => (f.items[0].barcdoe = "x"),
      `items[0] (barcode "I1").barcdoe: unknown key; did you mean "barcode"?`,
    ],
    [
      "a typo in a nested key",
      (f) => (f.accounts[0].flags = { offline: true }),
      `accounts[0] (userId "sc").flags.offline: unknown key; did you mean "offlineOk"?`,
    ],
    [
      "an unknown section",
      (f) => (f.sections = []),
      "sections: unknown key; allowed here: referenceDate, institution, branches, accounts, policy, patrons, items, loans, holds, fees",
    ],
    [
      "a missing field",
      (f) => delete f.items[0].title,
      `items[0] (barcode "I1").title: missing; expected text without '|', CR, LF or control characters`,
    ],
    ["a missing section", (f) => delete f.policy, "policy: missing; expected an object"],
    [
      "a pattern",
      (f) => (f.institution.currency = "eur"),
      `institution.currency: expected a 3-letter ISO 4217 code such as EUR, got "eur"`,
    ],
    [
      "a language code",
      (f) => (f.patrons[0].language = "en"),
      `patrons[0] (barcode "P1").language: expected a 3-digit SIP2 language code, got "en"`,
    ],
    [
      "text that would break SIP2 framing",
      (f) => (f.items[0].title = "A|B"),
      `items[0] (barcode "I1").title: expected text without '|', CR, LF or control characters, got "A|B"`,
    ],
    [
      "line breaks in text",
      (f) => (f.patrons[0].name = "Ann\r\nBob"),
      `patrons[0] (barcode "P1").name: expected text without '|', CR, LF or control characters, got "Ann\\r\\nBob"`,
    ],
    [
      "an id with surrounding spaces",
      (f) => (f.items[0].barcode = " I1"),
      `items[0] (barcode " I1").barcode: expected a non-empty id without surrounding spaces, '|', CR, LF or control characters, got " I1"`,
    ],
    [
      "a media type table without its default",
      (f) => delete f.policy.loanPeriodDays.default,
      "policy.loanPeriodDays.default: missing; expected a whole number of at least 0",
    ],
    [
      "a media type that does not exist",
      (f) => (f.policy.overdueFinePerDay.dvd = 5),
      "policy.overdueFinePerDay.dvd: unknown key; allowed here: default, other, book, magazine, boundJournal, audioTape, videoTape, cdOrCdRom, diskette, bookWithDiskette, bookWithCd, bookWithAudioTape",
    ],
    [
      "a missing nested field",
      (f) => delete f.policy.sortBins.shelf,
      "policy.sortBins.shelf: missing; expected a non-empty id without surrounding spaces, '|', CR, LF or control characters",
    ],
    ["an entry that is no object", (f) => (f.items[1] = 5), "items[1]: expected an object, got 5"],
    ["a section that is no list", (f) => (f.loans = {}), "loans: expected a list, got an object"],
  ];

  it.each(SCHEMA_PROBLEMS)("names the entry for %s", (_kind, edit, problem) => {
    expect(broken(edit)).toEqual([problem]);
  });

  it("checks the account against the institution, and wants a branch", () => {
    expect(broken((f) => (f.accounts[0].institution = "XYZ"))).toEqual([
      `accounts[0] (userId "sc"): "institution" "XYZ" is not the institution id "OSC"`,
    ]);
    expect(broken((f) => (f.branches = []))).toContain("branches: expected at least 1 entry, got 0");
  });

  it("checks item states, PINs and titles", () => {
    expect(broken((f) => (f.items[0].state = "inTransit"))[0]).toMatch(/state "inTransit" needs "transitTo"/);
    expect(broken((f) => (f.items[0].transitTo = "EAST"))[0]).toMatch(
      /"transitTo" is only allowed when state is "inTransit"/,
    );
    expect(broken((f) => (f.patrons[0].pinRequired = true))).toEqual([
      `patrons[0] (barcode "P1"): "pinRequired" is true but there is no "password"`,
    ]);
    expect(broken((f) => (f.items[1].titleId = "T1"))[0]).toMatch(/titleId "T1" has title "One" elsewhere, here "Two"/);
  });

  it("checks holds against their items", () => {
    const hold = { id: "H1", patron: "P1", titleId: "T1", pickupBranch: "MAIN", placed: "2025-03-01T10:00:00Z" };
    expect(problemsOf({ ...base(), holds: [hold] })).toEqual([]);
    expect(broken((f) => f.holds.push({ ...hold, state: "ready" }))[0]).toMatch(/state "ready" needs "trappedItem"/);
    expect(broken((f) => f.holds.push({ ...hold, state: "ready", trappedItem: "I1" }))).toEqual([
      `holds[0] (id "H1"): state "ready" needs "shelfExpires"`,
    ]);
    expect(
      broken((f) => {
        f.items[0].currentBranch = "EAST";
        f.holds.push({ ...hold, state: "ready", trappedItem: "I1", shelfExpires: "2025-03-17T23:59:59Z" });
      })[0],
    ).toMatch(/ready item "I1" must be "available" at the pickup branch "MAIN"/);
    expect(broken((f) => f.holds.push({ ...hold, item: "I2" }))[0]).toMatch(
      /"item" "I2" belongs to title "T2", not "T1"/,
    );
    expect(broken((f) => f.holds.push({ ...hold, titleId: "T9" }))[0]).toMatch(
      /"titleId" refers to unknown title "T9"/,
    );
    expect(broken((f) => f.holds.push(hold, { ...hold, id: "H2" }))[0]).toMatch(/already has a hold on title "T1"/);
    expect(
      broken((f) => {
        f.items[0].circulates = false;
        f.holds.push({ ...hold, item: "I1" });
      })[0],
    ).toMatch(/does not circulate/);
    expect(broken((f) => f.holds.push({ ...hold, state: "inTransit", trappedItem: "I1" }))[0]).toMatch(
      /must be in transit to the pickup branch/,
    );
    expect(
      broken((f) => {
        f.loans.push({
          patron: "P2",
          item: "I1",
          checkedOut: "2025-03-01T10:00:00Z",
          due: "2025-03-29T23:59:59Z",
          branch: "MAIN",
        });
        f.holds.push({ ...hold, state: "ready", trappedItem: "I1", shelfExpires: "2025-03-17T23:59:59Z" });
      })[0],
    ).toMatch(/trapped item "I1" is on loan/);
  });

  it("checks fees", () => {
    const fee = FEE;
    expect(problemsOf({ ...base(), fees: [fee] })).toEqual([]);
    expect(broken((f) => f.fees.push({ ...fee, balance: 150 }))).toEqual([
      `fees[0] (id "F1"): "balance" 150 is more than "amount" 100`,
    ]);
    expect(broken((f) => f.fees.push({ ...fee, balance: -1 }))).toEqual([
      `fees[0] (id "F1").balance: expected a whole number of at least 0, got -1`,
    ]);
    expect(broken((f) => f.fees.push({ ...fee, patron: "P9" }))[0]).toMatch(/"patron" refers to unknown patron "P9"/);
  });

  it("collects every problem, not just the first, and names the source", () => {
    const f = base();
    f.items[0].homeBranch = "WEST";
    f.patrons[1].expires = "soon";
    f.policy.holdShelfDays = 0;
    try {
      parseFixture(f, "my-library.json");
      expect.unreachable();
    } catch (err) {
      const e = err as FixtureError;
      expect(e.problems).toHaveLength(3);
      expect(e.message).toMatch(/^Fixture my-library\.json is invalid \(3 problems\)/);
      expect(e.details).toMatchObject({ source: "my-library.json" });
    }
    expect(problemsOf("not an object")).toEqual(['(top level): expected an object, got "not an object"']);
  });

  it("gives only FixtureError for arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        try {
          parseFixture(json);
        } catch (err) {
          return err instanceof FixtureError;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it("gives only FixtureError when any field of a valid fixture is replaced by random JSON", () => {
    const paths: (string | number)[][] = [];
    const walk = (value: unknown, path: (string | number)[]) => {
      paths.push(path);
      if (Array.isArray(value)) for (const [i, v] of value.entries()) walk(v, [...path, i]);
      else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    };
    walk(base(), []);
    fc.assert(
      fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.jsonValue(), (path, replacement) => {
        const f = base();
        let target: Json = f;
        for (const key of path.slice(0, -1)) target = target[key as string];
        target[path.at(-1) as string] = replacement;
        try {
          parseFixture(f);
        } catch (err) {
          return err instanceof FixtureError && err.problems.length > 0;
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });
});

describe("loadFixture", () => {
  const dir = mkdtempSync(join(tmpdir(), "osc-fixture-"));

  it("reads a fixture file", () => {
    const path = join(dir, "ok.json");
    writeFileSync(path, JSON.stringify(base()));
    expect(loadFixture(path).items).toHaveLength(2);
  });

  it("reports a missing file as FIXTURE_UNREADABLE and bad JSON as FIXTURE_INVALID", () => {
    expect(() => loadFixture(join(dir, "missing.json"))).toThrow(
      expect.objectContaining({ code: "FIXTURE_UNREADABLE" }),
    );
    const path = join(dir, "bad.json");
    writeFileSync(path, "{ not json");
    expect(() => loadFixture(path)).toThrow(expect.objectContaining({ code: "FIXTURE_INVALID" }));
  });
});
