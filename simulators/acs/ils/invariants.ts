/**
 * The rules the ILS state keeps at all times, in one place: the fixture loader checks a file against
 * them, and the in-memory ILS checks itself against them after every operation (when asked to). Each
 * problem names the entry by section, index and id: `loans[3] (item "3…"): "due" must be after …`.
 *
 * Dates may be ISO strings (a fixture) or Date objects (the running ILS).
 */

type When = Date | string;
const time = (when: When): number => (typeof when === "string" ? Date.parse(when) : when.getTime());

/** What the rules look at: the fixture's shapes and the ILS's records both fit. */
export interface CirculationState {
  institution: { id: string };
  policy: { renewalLimit: number };
  branches: readonly { id: string }[];
  accounts: readonly { userId: string; institution: string; branch: string }[];
  patrons: readonly { barcode: string; homeBranch: string; pinRequired: boolean; password?: string | undefined }[];
  items: readonly {
    barcode: string;
    titleId: string;
    title: string;
    homeBranch: string;
    currentBranch: string;
    state: string;
    transitTo?: string | undefined;
    circulates: boolean;
  }[];
  loans: readonly { patron: string; item: string; checkedOut: When; due: When; renewals: number; branch: string }[];
  holds: readonly {
    id: string;
    patron: string;
    titleId: string;
    item?: string | undefined;
    pickupBranch: string;
    state: string;
    trappedItem?: string | undefined;
    shelfExpires?: When | undefined;
  }[];
  fees: readonly { id: string; patron: string; item?: string | undefined; amount: number; balance: number }[];
  /**
   * How each entry is named in a problem, per section and index. By default `items[4] (barcode "…")`;
   * the fixture loader passes its own, since it checks only the entries that were well-formed.
   */
  labels?: Partial<Record<Section, readonly string[]>>;
}

export type Section = "branches" | "accounts" | "patrons" | "items" | "loans" | "holds" | "fees";
/** The field that identifies an entry of each section in messages. */
const LABEL_KEYS: Record<Section, string> = {
  branches: "id",
  accounts: "userId",
  patrons: "barcode",
  items: "barcode",
  loans: "item",
  holds: "id",
  fees: "id",
};

/** `items[4] (barcode "3…")`, or without the id when the entry has none. */
export function entryLabel(section: Section, index: number, entry: unknown): string {
  const key = LABEL_KEYS[section];
  const value = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>)[key] : undefined;
  return `${section}[${index}]${typeof value === "string" ? ` (${key} ${JSON.stringify(value)})` : ""}`;
}

/** Entry names are made only for the entries a problem is reported on: checking runs after every operation. */
type Where = () => string;
type Labelled<T> = { entries: T[]; label: (index: number) => Where };
function labelled(state: CirculationState): { [S in Section]: Labelled<CirculationState[S][number]> } {
  const one = <S extends Section>(section: S) => {
    const entries = [...state[section]] as CirculationState[S][number][];
    const given = state.labels?.[section];
    return { entries, label: (i: number) => () => given?.[i] ?? entryLabel(section, i, entries[i]) };
  };
  return {
    branches: one("branches"),
    accounts: one("accounts"),
    patrons: one("patrons"),
    items: one("items"),
    loans: one("loans"),
    holds: one("holds"),
    fees: one("fees"),
  };
}

/** Collects problems; `at` names the entry. */
class Problems {
  readonly list: string[] = [];
  add(at: Where, message: string): void {
    this.list.push(`${at()}: ${message}`);
  }
}

/** Cross-entry rules: references resolve, ids are unique, states agree with each other. */
export function stateProblems(state: CirculationState): string[] {
  const problems = new Problems();
  const f = state;
  const lists = labelled(state);
  const branchIds = new Set<string>();
  const duplicate = <T>(list: Labelled<T>, key: (e: T) => string, what: string) => {
    const seen = new Map<string, Where>();
    list.entries.forEach((entry, i) => {
      const id = key(entry);
      const first = seen.get(id);
      if (first !== undefined)
        problems.add(list.label(i), `duplicate ${what} ${JSON.stringify(id)}, first at ${first()}`);
      else seen.set(id, list.label(i));
    });
    return seen;
  };
  for (const id of duplicate(lists.branches, (b) => b.id, "branch id").keys()) branchIds.add(id);
  duplicate(lists.accounts, (a) => a.userId, "SIP user id");
  const patronIndex = duplicate(lists.patrons, (p) => p.barcode, "patron barcode");
  const itemIndex = duplicate(lists.items, (i) => i.barcode, "item barcode");
  duplicate(lists.holds, (h) => h.id, "hold id");
  duplicate(lists.fees, (x) => x.id, "fee id");

  const patrons = new Map(f.patrons.map((p) => [p.barcode, p]));
  const items = new Map(f.items.map((i) => [i.barcode, i]));
  const branch = (at: Where, field: string, id: string | undefined) => {
    if (id !== undefined && !branchIds.has(id))
      problems.add(at, `"${field}" refers to unknown branch ${JSON.stringify(id)}`);
  };
  const patronRef = (at: Where, id: string) => {
    if (!patrons.has(id)) problems.add(at, `"patron" refers to unknown patron ${JSON.stringify(id)}`);
  };
  const itemRef = (at: Where, field: string, id: string | undefined) => {
    if (id !== undefined && !items.has(id)) problems.add(at, `"${field}" refers to unknown item ${JSON.stringify(id)}`);
  };

  for (const id of patronIndex.keys()) {
    const clash = itemIndex.get(id);
    if (clash) problems.add(clash, `barcode ${JSON.stringify(id)} is also a patron barcode`);
  }

  lists.accounts.entries.forEach((a, i) => {
    const at = lists.accounts.label(i);
    branch(at, "branch", a.branch);
    if (a.institution !== f.institution.id)
      problems.add(
        at,
        `"institution" ${JSON.stringify(a.institution)} is not the institution id ${JSON.stringify(f.institution.id)}`,
      );
  });

  lists.patrons.entries.forEach((p, i) => {
    const at = lists.patrons.label(i);
    branch(at, "homeBranch", p.homeBranch);
    if (p.pinRequired && p.password === undefined) problems.add(at, '"pinRequired" is true but there is no "password"');
  });

  const titles = new Map<string, string>();
  lists.items.entries.forEach((item, i) => {
    const at = lists.items.label(i);
    branch(at, "homeBranch", item.homeBranch);
    branch(at, "currentBranch", item.currentBranch);
    branch(at, "transitTo", item.transitTo);
    if (item.state === "inTransit" && item.transitTo === undefined)
      problems.add(at, 'state "inTransit" needs "transitTo" (the destination branch)');
    if (item.state !== "inTransit" && item.transitTo !== undefined)
      problems.add(at, `"transitTo" is only allowed when state is "inTransit", state is ${JSON.stringify(item.state)}`);
    const title = titles.get(item.titleId);
    if (title === undefined) titles.set(item.titleId, item.title);
    else if (title !== item.title)
      problems.add(
        at,
        `titleId ${JSON.stringify(item.titleId)} has title ${JSON.stringify(title)} elsewhere, here ${JSON.stringify(item.title)}`,
      );
  });

  const loanedItems = new Map<string, CirculationState["loans"][number]>();
  lists.loans.entries.forEach((loan, i) => {
    const at = lists.loans.label(i);
    patronRef(at, loan.patron);
    itemRef(at, "item", loan.item);
    branch(at, "branch", loan.branch);
    if (loanedItems.has(loan.item))
      problems.add(at, `item ${JSON.stringify(loan.item)} already has a loan; an item has at most one`);
    loanedItems.set(loan.item, loan);
    if (time(loan.due) <= time(loan.checkedOut)) problems.add(at, '"due" must be after "checkedOut"');
    if (f.policy.renewalLimit !== undefined && loan.renewals > f.policy.renewalLimit)
      problems.add(at, `"renewals" ${loan.renewals} exceeds the policy renewalLimit ${f.policy.renewalLimit}`);
    const item = items.get(loan.item);
    if (item && !["available", "lost"].includes(item.state))
      problems.add(
        at,
        `item ${JSON.stringify(loan.item)} is on loan but its state is ${JSON.stringify(item.state)}; use available or lost`,
      );
  });

  const trapped = new Map<string, Where>();
  const activeTitles = new Set<string>();
  lists.holds.entries.forEach((hold, i) => {
    const at = lists.holds.label(i);
    patronRef(at, hold.patron);
    branch(at, "pickupBranch", hold.pickupBranch);
    itemRef(at, "item", hold.item);
    itemRef(at, "trappedItem", hold.trappedItem);
    if (!titles.has(hold.titleId))
      problems.add(at, `"titleId" refers to unknown title ${JSON.stringify(hold.titleId)}`);
    for (const field of ["item", "trappedItem"] as const) {
      const item = hold[field] === undefined ? undefined : items.get(hold[field]);
      if (item && item.titleId !== hold.titleId)
        problems.add(
          at,
          `"${field}" ${JSON.stringify(item.barcode)} belongs to title ${JSON.stringify(item.titleId)}, not ${JSON.stringify(hold.titleId)}`,
        );
      if (item && !item.circulates)
        problems.add(at, `"${field}" ${JSON.stringify(item.barcode)} does not circulate and cannot be held`);
    }
    const key = `${hold.patron}\u0000${hold.titleId}`;
    if (activeTitles.has(key))
      problems.add(
        at,
        `patron ${JSON.stringify(hold.patron)} already has a hold on title ${JSON.stringify(hold.titleId)}`,
      );
    activeTitles.add(key);
    if (hold.item !== undefined && hold.trappedItem !== undefined && hold.item !== hold.trappedItem)
      problems.add(
        at,
        `a copy-level hold on ${JSON.stringify(hold.item)} cannot trap another copy ${JSON.stringify(hold.trappedItem)}`,
      );
    if (hold.state === "pending") {
      if (hold.trappedItem !== undefined) problems.add(at, 'a "pending" hold has no "trappedItem" yet');
      if (hold.shelfExpires !== undefined) problems.add(at, 'a "pending" hold has no "shelfExpires"');
      return;
    }
    if (hold.trappedItem === undefined) {
      problems.add(at, `state ${JSON.stringify(hold.state)} needs "trappedItem" (the copy set aside)`);
      return;
    }
    const other = trapped.get(hold.trappedItem);
    if (other) problems.add(at, `item ${JSON.stringify(hold.trappedItem)} is already trapped for ${other()}`);
    trapped.set(hold.trappedItem, at);
    const item = items.get(hold.trappedItem);
    if (loanedItems.has(hold.trappedItem))
      problems.add(at, `trapped item ${JSON.stringify(hold.trappedItem)} is on loan`);
    if (hold.state === "ready") {
      if (hold.shelfExpires === undefined) problems.add(at, 'state "ready" needs "shelfExpires"');
      if (item && (item.state !== "available" || item.currentBranch !== hold.pickupBranch))
        problems.add(
          at,
          `ready item ${JSON.stringify(item.barcode)} must be "available" at the pickup branch ${JSON.stringify(hold.pickupBranch)}`,
        );
    } else {
      if (hold.shelfExpires !== undefined) problems.add(at, 'only a "ready" hold has "shelfExpires"');
      if (item && (item.state !== "inTransit" || item.transitTo !== hold.pickupBranch))
        problems.add(
          at,
          `item ${JSON.stringify(item.barcode)} must be in transit to the pickup branch ${JSON.stringify(hold.pickupBranch)}`,
        );
    }
  });

  lists.fees.entries.forEach((fee, i) => {
    const at = lists.fees.label(i);
    patronRef(at, fee.patron);
    itemRef(at, "item", fee.item);
    if (fee.balance > fee.amount) problems.add(at, `"balance" ${fee.balance} is more than "amount" ${fee.amount}`);
    if (fee.balance < 0) problems.add(at, `"balance" ${fee.balance} is below zero`);
  });
  return problems.list;
}
