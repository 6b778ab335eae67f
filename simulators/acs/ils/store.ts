/**
 * The state of the in-memory ILS and the lookups every part shares: patrons, items, loans, holds, fees
 * and payments, loaded from a fixture with its dates moved to the clock, and exported back to one.
 * `problems()` checks the whole state against the invariants it shares with the fixture loader.
 */
import type { CirculationStatus, FeeType, MediaType } from "../../../protocols/sip2/enums.ts";
import type {
  CirculationPolicy,
  Fixture,
  FixtureAccount,
  FixtureBranch,
  FixtureInstitution,
  PerMediaType,
} from "../fixture.ts";
import { stateProblems } from "./invariants.ts";
import {
  type FeeInfo,
  type FeeRecord,
  type HoldRecord,
  IlsRequestError,
  type ItemRecord,
  type LoanRecord,
  type PatronInformationResult,
  type PatronRecord,
  type PaymentRecord,
} from "./types.ts";

// ---------------------------------------------------------------------------------------------
// Dates

export const DAY_MS = 86_400_000;
export const dayOf = (d: Date): number => Math.floor(d.getTime() / DAY_MS);
export const endOfDay = (day: number): Date => new Date((day + 1) * DAY_MS - 1000);
export const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
export const later = (a: Date, b: Date): Date => (a.getTime() >= b.getTime() ? a : b);

export function checkDate(value: Date | undefined, name: string): void {
  if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime()))) {
    throw new IlsRequestError("ILS_BAD_REQUEST", `${name} is not a valid Date; pass a Date object with a real time`, {
      argument: name,
    });
  }
}

export const perMediaType = (table: PerMediaType, type: MediaType): number => table[type] ?? table.default;

/** Item states reported as such by Item Information; the rest derive from loans and holds. */
const STATE_STATUS: Record<ItemRecord["state"], CirculationStatus | undefined> = {
  available: undefined,
  inTransit: "inTransit",
  lost: "lost",
  missing: "missing",
  inProcess: "inProcess",
  onOrder: "onOrder",
  waitingToBeReshelved: "waitingToBeReshelved",
};

export class IlsStore {
  readonly institution: Readonly<FixtureInstitution>;
  readonly policy: Readonly<CirculationPolicy>;
  readonly branches: readonly Readonly<FixtureBranch>[];
  readonly accounts: FixtureAccount[];
  readonly patrons = new Map<string, PatronRecord>();
  readonly items = new Map<string, ItemRecord>();
  /** Copies per title id; the catalogue does not change while the ILS runs. */
  readonly copies = new Map<string, ItemRecord[]>();
  /** Keyed by item barcode: an item has at most one loan. Changed only through addLoan and removeLoan. */
  private readonly loanOfItem = new Map<string, LoanRecord>();
  /**
   * The same loans by patron, in the order they were made: a patron's loans are read on most requests,
   * and scanning every loan each time was a good part of the ACS's time per request (issue 7).
   */
  private readonly loansByPatron = new Map<string, Set<LoanRecord>>();
  /** In placement order; the queue of a title is its holds in this order. */
  holds: HoldRecord[] = [];
  readonly fees: FeeRecord[] = [];
  readonly payments: PaymentRecord[] = [];
  readonly counters = { hold: 0, fee: 0, transaction: 0 };

  /** The fixture's state, its dates moved by the whole days between its referenceDate and `start`. */
  constructor(fixture: Fixture, start: Date) {
    const copy = structuredClone(fixture);
    const shiftDays = copy.referenceDate === undefined ? 0 : dayOf(start) - dayOf(new Date(copy.referenceDate));
    const at = (iso: string): Date => new Date(Date.parse(iso) + shiftDays * DAY_MS);
    const atOpt = (iso: string | undefined): Date | undefined => (iso === undefined ? undefined : at(iso));

    this.institution = copy.institution;
    this.policy = copy.policy;
    this.branches = copy.branches;
    this.accounts = copy.accounts;
    for (const { expires, ...p } of copy.patrons) {
      this.patrons.set(p.barcode, {
        ...p,
        expiresDay: dayOf(new Date(`${expires}T00:00:00Z`)) + shiftDays,
        cardRetained: false,
      });
    }
    for (const item of copy.items) {
      this.items.set(item.barcode, item);
      this.copies.set(item.titleId, [...(this.copies.get(item.titleId) ?? []), item]);
    }
    for (const l of copy.loans) this.addLoan({ ...l, checkedOut: at(l.checkedOut), due: at(l.due) });
    this.holds = copy.holds
      .map((h) => ({ ...h, placed: at(h.placed), expires: atOpt(h.expires), shelfExpires: atOpt(h.shelfExpires) }))
      .sort((a, b) => a.placed.getTime() - b.placed.getTime());
    for (const f of copy.fees) this.fees.push({ ...f, created: at(f.created) });
  }

  /** Every broken invariant of the state, each naming the entry; empty when all hold. */
  problems(): string[] {
    return stateProblems({
      institution: this.institution,
      policy: this.policy,
      branches: this.branches,
      accounts: this.accounts,
      patrons: [...this.patrons.values()],
      items: [...this.items.values()],
      loans: [...this.loans.values()],
      holds: this.holds,
      fees: this.fees,
    });
  }

  /** The whole state as fixture JSON, dated `at`: feed it to parseFixture to restore it. */
  toFixture(at: Date): Fixture {
    const iso = (d: Date) => d.toISOString();
    const isoOpt = (d: Date | undefined) => (d === undefined ? undefined : d.toISOString());
    const strip = <T extends object>(o: T): T =>
      Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
    return structuredClone({
      referenceDate: iso(at),
      institution: this.institution,
      branches: [...this.branches],
      accounts: this.accounts,
      policy: this.policy,
      patrons: [...this.patrons.values()].map(({ expiresDay, cardRetained: _, ...p }) =>
        strip({ ...p, expires: isoDay(expiresDay) }),
      ),
      items: [...this.items.values()].map((i) => strip(i)),
      loans: [...this.loans.values()].map((l) => ({ ...l, checkedOut: iso(l.checkedOut), due: iso(l.due) })),
      holds: this.holds.map((h) =>
        strip({ ...h, placed: iso(h.placed), expires: isoOpt(h.expires), shelfExpires: isoOpt(h.shelfExpires) }),
      ),
      fees: this.fees.map((f) => strip({ ...f, created: iso(f.created) })),
    }) as Fixture;
  }

  hasBranch(id: string): boolean {
    return this.branches.some((b) => b.id === id);
  }

  owed(patronId: string): number {
    return this.openFees(patronId).reduce((sum, f) => sum + f.balance, 0);
  }

  limits(): PatronInformationResult["limits"] {
    const p = this.policy;
    return { hold: p.holdLimit, overdue: p.overdueLimit, charged: p.checkoutLimit, fee: p.fineBlockThreshold };
  }

  circulationStatus(item: ItemRecord): CirculationStatus {
    const fromState = STATE_STATUS[item.state];
    if (item.state === "lost" || item.state === "missing") return fromState ?? "other";
    if (this.loans.has(item.barcode)) return "charged";
    if (fromState) return fromState;
    return this.trappedHold(item.barcode)?.state === "ready" ? "waitingOnHoldShelf" : "available";
  }

  canFill(hold: HoldRecord, item: ItemRecord): boolean {
    return item.circulates && hold.titleId === item.titleId && (hold.item === undefined || hold.item === item.barcode);
  }

  /** Pending holds this copy could fill, oldest first, leaving out `except`'s own. */
  waitingHolds(item: ItemRecord, except: string | undefined): HoldRecord[] {
    return this.holds.filter((h) => h.state === "pending" && h.patron !== except && this.canFill(h, item));
  }

  /** Holds this copy matters to: set aside for it, or pending ones it could fill. */
  activeHoldsFor(item: ItemRecord): HoldRecord[] {
    return this.holds.filter((h) => h.trappedItem === item.barcode || (h.state === "pending" && this.canFill(h, item)));
  }

  trappedHold(itemId: string): HoldRecord | undefined {
    return this.holds.find((h) => h.trappedItem === itemId);
  }

  findLoan(patronId: string, itemId: string | undefined, titleId: string | undefined): LoanRecord | undefined {
    if (itemId !== undefined) {
      const loan = this.loans.get(itemId);
      return loan?.patron === patronId ? loan : undefined;
    }
    if (titleId === undefined) return undefined;
    return this.loansOfPatron(patronId).find((l) => this.items.get(l.item)?.titleId === titleId);
  }

  get loans(): ReadonlyMap<string, LoanRecord> {
    return this.loanOfItem;
  }

  loansOfPatron(patronId: string): LoanRecord[] {
    const loans = this.loansByPatron.get(patronId);
    return loans ? [...loans] : [];
  }

  /** A new loan; the item has none (end it first with removeLoan). */
  addLoan(loan: LoanRecord): void {
    this.loanOfItem.set(loan.item, loan);
    const mine = this.loansByPatron.get(loan.patron);
    if (mine) mine.add(loan);
    else this.loansByPatron.set(loan.patron, new Set([loan]));
  }

  removeLoan(loan: LoanRecord): void {
    this.loanOfItem.delete(loan.item);
    this.loansByPatron.get(loan.patron)?.delete(loan);
  }

  openFees(patronId: string): FeeRecord[] {
    return this.fees
      .filter((f) => f.patron === patronId && f.balance > 0)
      .sort((a, b) => a.created.getTime() - b.created.getTime());
  }

  hasSecurity(item: ItemRecord): boolean {
    return !item.magneticMedia && item.securityMarker !== "none";
  }

  titleText(titleId: string): string | undefined {
    return this.copies.get(titleId)?.[0]?.title;
  }

  branchName(id: string): string {
    return this.branches.find((b) => b.id === id)?.name ?? id;
  }

  nextId(counter: keyof IlsStore["counters"], prefix: string, taken: (id: string) => boolean): string {
    let id: string;
    do {
      this.counters[counter] += 1;
      id = `${prefix}${String(this.counters[counter]).padStart(6, "0")}`;
    } while (taken(id));
    return id;
  }

  nextTransactionId(): string {
    return this.nextId("transaction", `${this.institution.id}-T`, (x) =>
      this.payments.some((p) => p.transactionId === x),
    );
  }

  charge(
    patron: string,
    type: FeeType,
    amount: number,
    item: ItemRecord | undefined,
    description: string,
    at: Date,
  ): FeeInfo {
    const id = this.nextId("fee", "F", (x) => this.fees.some((f) => f.id === x));
    this.fees.push({ id, patron, type, amount, balance: amount, item: item?.barcode, created: at, description });
    return { ...this.feeInfo(type, amount), feeId: id };
  }

  feeInfo(type: FeeType, amount: number): FeeInfo {
    return { type, amount, currency: this.institution.currency };
  }
}
