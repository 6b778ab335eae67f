/**
 * An in-memory ILS for the SIP2 ACS simulator: patrons, items, loans, holds and fees with the
 * circulation rules a real ACS applies, so a kiosk can be built and tested against it.
 *
 * Behaviour follows what Koha (C4/SIP) and Evergreen (OpenILS::SIP) answer over SIP2; where they
 * differ, the comment names the one followed. Operations never throw for business reasons: a refused
 * request comes back with ok=false, a `refusal` code and screen messages. Only malformed arguments
 * (an invalid Date) throw IlsRequestError.
 *
 * The parts, by concern (simulators/acs/ils/): types, refusals (the reasons and the rules that pick
 * them), store (the state and shared lookups), invariants (the rules the state always keeps, shared
 * with the fixture loader), circulation, holds, fees (and money), patrons. This class is the front:
 * each request reads the clock once, expires holds as of then, runs, and (with `checkInvariants`)
 * checks the state.
 *
 * Time rules (all in UTC so results do not depend on the host's zone):
 * - Due date: the loan day plus the loan period for the media type, at 23:59:59.
 * - Overdue fine: whole calendar days between the due day and the return day; none within the grace
 *   days, otherwise every day late × the daily fine for the media type, capped per loan. Charged when
 *   the loan ends (checkin) or is extended while overdue (renewal).
 * - A card is valid through its expiry day.
 * - Holds: a pending hold past its expiry and a ready hold past its shelf expiry are dropped before the
 *   next request (or by `expireHolds()`); a dropped ready hold leaves its item "waiting to be re-shelved".
 */
import type { CirculationPolicy, Fixture, FixtureAccount, FixtureBranch, FixtureInstitution } from "./fixture.ts";
import { checkin, checkout, itemInformation, itemStatusUpdate, renew, renewAll } from "./ils/circulation.ts";
import { feePaid } from "./ils/fees.ts";
import { expireHolds, hold } from "./ils/holds.ts";
import { blockPatron, endSession, patronEnable, patronInformation, patronStatus } from "./ils/patrons.ts";
import { checkDate, IlsStore } from "./ils/store.ts";
import {
  type CheckinRequest,
  type CheckinResult,
  type CheckoutRequest,
  type CirculationResult,
  type EndSessionResult,
  type FeePaidRequest,
  type FeePaidResult,
  type FeeRecord,
  type HoldRecord,
  type HoldRequest,
  type HoldResult,
  IlsInvariantError,
  type IlsOptions,
  type ItemInformationResult,
  type ItemRecord,
  type ItemStatusUpdateResult,
  type LoanRecord,
  type PatronInformationResult,
  type PatronRecord,
  type PatronStatusResult,
  type PaymentRecord,
  type RenewAllResult,
  type RenewRequest,
  type SummaryListRequest,
} from "./ils/types.ts";

export { formatAmount, parseAmount } from "./ils/money.ts";
export { REFUSALS, type Refusal } from "./ils/refusals.ts";
export * from "./ils/types.ts";

/** Requests that only read: the state is checked after them only when hold expiry changed it. */
const READ_ONLY = true;

export class InMemoryIls {
  private readonly store: IlsStore;
  private readonly now: () => Date;
  private readonly checkInvariants: boolean;

  constructor(fixture: Fixture, options: IlsOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.checkInvariants = options.checkInvariants === true;
    this.store = new IlsStore(fixture, this.clock());
    this.verify("loading the fixture");
  }

  get institution(): Readonly<FixtureInstitution> {
    return this.store.institution;
  }
  get policy(): Readonly<CirculationPolicy> {
    return this.store.policy;
  }
  get branches(): readonly Readonly<FixtureBranch>[] {
    return this.store.branches;
  }

  // --- accounts ------------------------------------------------------------------------------

  /** The SIP account for these credentials, or undefined. */
  login(userId: string, password: string): FixtureAccount | undefined {
    const account = this.store.accounts.find((a) => a.userId === userId && a.password === password);
    return account === undefined ? undefined : structuredClone(account);
  }

  hasBranch(id: string): boolean {
    return this.store.hasBranch(id);
  }

  // --- requests: each runs at the clock's now, after hold expiry ---------------------------------

  patronStatus(patronId: string, password?: string): PatronStatusResult {
    return this.run("patron status", (s, at) => patronStatus(s, at, patronId, password), READ_ONLY);
  }
  patronInformation(patronId: string, password?: string, list?: SummaryListRequest): PatronInformationResult {
    return this.run("patron information", (s, at) => patronInformation(s, at, patronId, password, list), READ_ONLY);
  }
  /** Block Patron (01): the ACS answers with a patron status. */
  blockPatron(patronId: string, message: string, cardRetained: boolean): PatronStatusResult {
    return this.run("block patron", (s, at) => blockPatron(s, at, patronId, message, cardRetained));
  }
  /** Patron Enable (25): lifts a block; expiry, lost card and fines still apply. */
  patronEnable(patronId: string, password?: string): PatronStatusResult {
    return this.run("patron enable", (s, at) => patronEnable(s, at, patronId, password));
  }
  endSession(patronId: string): EndSessionResult {
    return this.run("end session", (s) => endSession(s, patronId), READ_ONLY);
  }
  checkout(req: CheckoutRequest): CirculationResult {
    return this.run("checkout", (s, at) => checkout(s, at, req));
  }
  checkin(req: CheckinRequest): CheckinResult {
    return this.run("checkin", (s, at) => checkin(s, at, req));
  }
  renew(req: RenewRequest): CirculationResult {
    return this.run("renew", (s, at) => renew(s, at, req));
  }
  renewAll(patronId: string, password?: string, feeAcknowledged = false): RenewAllResult {
    return this.run("renew all", (s, at) => renewAll(s, at, patronId, password, feeAcknowledged));
  }
  itemInformation(itemId: string): ItemInformationResult {
    return this.run("item information", (s, at) => itemInformation(s, at, itemId), READ_ONLY);
  }
  /** Item Status Update (19): stores the item properties (CH). */
  itemStatusUpdate(itemId: string, properties: string): ItemStatusUpdateResult {
    return this.run("item status update", (s) => itemStatusUpdate(s, itemId, properties));
  }
  hold(req: HoldRequest): HoldResult {
    return this.run("hold", (s, at) => hold(s, at, req));
  }
  feePaid(req: FeePaidRequest): FeePaidResult {
    return this.run("fee paid", (s, at) => feePaid(s, at, req));
  }
  /** Drops holds that expired by the clock's now; requests do this first by themselves. */
  expireHolds(): void {
    this.run("hold expiry", () => undefined);
  }

  // --- state for tests and tools: copies, read as they are; reading changes nothing -------------

  patron(id: string): PatronRecord | undefined {
    return structuredClone(this.store.patrons.get(id));
  }
  item(id: string): ItemRecord | undefined {
    return structuredClone(this.store.items.get(id));
  }
  loanOf(itemId: string): LoanRecord | undefined {
    return structuredClone(this.store.loans.get(itemId));
  }
  loansOf(patronId: string): LoanRecord[] {
    return structuredClone(this.store.loansOfPatron(patronId));
  }
  holdsOf(patronId: string): HoldRecord[] {
    return structuredClone(this.store.holds.filter((h) => h.patron === patronId));
  }
  /** Active holds on a title, in queue order. */
  holdQueue(titleId: string): HoldRecord[] {
    return structuredClone(this.store.holds.filter((h) => h.titleId === titleId));
  }
  feesOf(patronId: string): FeeRecord[] {
    return structuredClone(this.store.fees.filter((f) => f.patron === patronId));
  }
  paymentsOf(patronId: string): PaymentRecord[] {
    return structuredClone(this.store.payments.filter((p) => p.patron === patronId));
  }
  /** What the patron owes in total, minor units. */
  balanceOf(patronId: string): number {
    return this.store.owed(patronId);
  }
  patronIds(): string[] {
    return [...this.store.patrons.keys()];
  }
  itemIds(): string[] {
    return [...this.store.items.keys()];
  }
  /** The whole state as fixture JSON, dated at the clock's now: feed it to parseFixture to restore it. */
  toFixture(): Fixture {
    return this.store.toFixture(this.clock());
  }

  // --- internals -----------------------------------------------------------------------------

  private clock(): Date {
    const at = this.now();
    checkDate(at, "the time from the ILS clock (its now option)");
    return at;
  }

  /** Runs one request at the clock's now, after hold expiry; checks the state after any change. */
  private run<T>(what: string, request: (store: IlsStore, at: Date) => T, readOnly = false): T {
    const at = this.clock();
    const expired = expireHolds(this.store, at);
    const result = request(this.store, at);
    if (expired || !readOnly) this.verify(what);
    return result;
  }

  private verify(after: string): void {
    if (!this.checkInvariants) return;
    const problems = this.store.problems();
    if (problems.length > 0) {
      throw new IlsInvariantError(
        "ILS_INVARIANT",
        `the in-memory ILS broke its own rules after ${after} (a bug in simulators/acs/ils):\n- ${problems.join("\n- ")}`,
        { after, problems },
      );
    }
  }
}
