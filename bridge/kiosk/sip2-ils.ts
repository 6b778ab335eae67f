/**
 * The ILS as the kiosk engine sees it (IlsPort), on top of the SIP2 client. This is where SIP2 becomes
 * kiosk terms: patron status flags become blocks, a refused checkout becomes a reason the patron can act
 * on, checkin alerts become routing. The engine never sees a SIP2 field, and the patron never sees the
 * ILS's own wording.
 */
import { CodedError } from "../../protocols/errors.ts";
import type { Fee, ItemReason, Loan, Money, PatronBlock, Routing } from "../../protocols/kiosk-api/schema.ts";
import { type DueDate, type FeeType, PATRON_STATUS_FLAGS } from "../../protocols/sip2/index.ts";
import type {
  CheckinAlert,
  CheckoutResult,
  FeePaidRequest,
  ItemResult,
  Sip2Service,
  TransactionOptions,
} from "../sip2/client.ts";
import type { Clock } from "../transports/clock.ts";
import type { Inquired, JournalEntry, SendOutcome, TransactionData, TransactionExecutor } from "./journal.ts";
import { sumDecimals } from "./money.ts";
import type {
  CheckinRequest,
  CheckoutRequest,
  CirculationResult,
  HoldOutcome,
  IlsPort,
  IlsStatus,
  ItemRecord,
  PatronRecord,
  RenewRequest,
} from "./ports.ts";

/** Sip2ClientError codes by what they mean to the kiosk: nothing happened, or nobody knows. */
const UNKNOWN_OUTCOME = new Set(["SIP2_OUTCOME_UNKNOWN"]);

export class IlsUnavailable extends CodedError<"ILS_OFFLINE" | "OUTCOME_UNKNOWN"> {}

function translateError(err: unknown): never {
  if (err instanceof CodedError && UNKNOWN_OUTCOME.has(err.code)) {
    throw new IlsUnavailable("OUTCOME_UNKNOWN", err.message, { code: err.code }, { cause: err });
  }
  if (err instanceof CodedError)
    throw new IlsUnavailable("ILS_OFFLINE", err.message, { code: err.code }, { cause: err });
  throw err;
}

/**
 * Screen-message wording that tells why a checkout was refused, for ILSes that give no code. English
 * phrases as Koha, Evergreen and the simulator word them; the item's own status (17) is asked first.
 */
const REFUSAL_WORDING: ReadonlyArray<[RegExp, ItemReason]> = [
  [/\balready checked out to you\b/i, "ITEM_ALREADY_YOURS"],
  [/\b(limit|too many|maximum)\b/i, "LIMIT_REACHED"],
  [/\bexpired\b/i, "CARD_EXPIRED"],
  [/\b(hold|reserved|reserve|recall)/i, "ITEM_ON_HOLD_FOR_OTHER"],
  [/\b(block|barred|debarred|fines?|fees?|owes?)\b/i, "PATRON_BLOCKED"],
  [/\b(renewals?)\b/i, "RENEWAL_LIMIT"],
  [/\b(not found|unknown item|invalid item|no such item)\b/i, "ITEM_NOT_FOUND"],
  [/\b(not (for )?loan|cannot be (checked out|borrowed)|reference|non-?circulating)\b/i, "ITEM_NOT_LOANABLE"],
];

const NOT_RENEWED_HERE = /\brenewals? not (permitted|allowed)\b/i;

/** What the item's own circulation status says about a refusal. */
const STATUS_REASONS: Readonly<Record<string, ItemReason>> = {
  charged: "ITEM_ALREADY_ON_LOAN",
  chargedNotRecallable: "ITEM_ALREADY_ON_LOAN",
  waitingOnHoldShelf: "ITEM_ON_HOLD_FOR_OTHER",
  recalled: "ITEM_ON_HOLD_FOR_OTHER",
  onOrder: "ITEM_NOT_LOANABLE",
  inProcess: "ITEM_NOT_LOANABLE",
  lost: "ITEM_NOT_LOANABLE",
  missing: "ITEM_NOT_LOANABLE",
  claimedReturned: "ITEM_NOT_LOANABLE",
  inTransit: "ITEM_NOT_LOANABLE",
};

export function reasonFromWording(messages: readonly string[]): ItemReason | undefined {
  const text = messages.join(" ");
  for (const [pattern, reason] of REFUSAL_WORDING) if (pattern.test(text)) return reason;
  return undefined;
}

function isoDate(due: DueDate | undefined): string | undefined {
  if (!due) return undefined;
  return due.date ? due.date.toISOString() : undefined;
}

/** The id of the one fee that stands for the whole balance when the ILS's fee lines cannot be itemized. */
export const BALANCE_FEE_ID = "balance";

/**
 * One SIP2 fine-item line as "<fee id> <amount> <currency> <description>" (the form the ACS simulator and
 * several ILSes use); the field is free text in the SIP2 2.00 spec, so any other form yields undefined.
 */
export function feeOfLine(line: string, currency: string): Fee | undefined {
  const match = /^(\S+)\s+(-?\d+(?:\.\d+)?)\s+(?:([A-Z]{3})\s+)?(.*)$/.exec(line.trim());
  if (!match) return undefined;
  const [, id, value, code, title] = match as unknown as [string, string, string, string | undefined, string];
  const fee: Fee = { id, amount: { value, currency: code ?? currency }, kind: "other" };
  if (title.trim()) fee.title = title.trim();
  return fee;
}

/** SIP2 names are "Surname, Given" or "Given Surname" depending on the ILS: the given name either way. */
export function firstNameOf(name: string): string | undefined {
  const comma = name.indexOf(",");
  const given = (comma >= 0 ? name.slice(comma + 1) : name).trim().split(/\s+/)[0];
  return given ? given : undefined;
}

const ROUTING_OF: Readonly<Record<CheckinAlert["kind"], Routing["kind"] | undefined>> = {
  "hold-here": "hold-here",
  "hold-elsewhere": "hold-elsewhere",
  transit: "transit",
  "sort-bin": "sort-bin",
  other: undefined,
};

/** The most urgent alert decides where the item goes: holds before transit before a sort bin. */
export function routingOf(alerts: readonly CheckinAlert[]): Routing {
  for (const kind of ["hold-here", "hold-elsewhere", "transit", "sort-bin"] as const) {
    const alert = alerts.find((a) => ROUTING_OF[a.kind] === kind);
    if (!alert) continue;
    const routing: Routing = { kind };
    if ("destination" in alert && alert.destination) routing.destination = alert.destination;
    if ("bin" in alert) routing.bin = alert.bin;
    return routing;
  }
  return { kind: "reshelve" };
}

export class Sip2Ils implements IlsPort {
  readonly #sip2: Sip2Service;
  readonly #clock: Clock;
  readonly #currency: string;

  constructor(sip2: Sip2Service, options: { clock: Clock; currency?: string }) {
    this.#sip2 = sip2;
    this.#clock = options.clock;
    this.#currency = options.currency ?? "USD";
  }

  status(): IlsStatus {
    return this.#sip2.state;
  }

  onStatus(listener: (status: IlsStatus) => void): () => void {
    this.#sip2.on("state", listener);
    return () => this.#sip2.off("state", listener);
  }

  async lookupPatron(credential: string, pin: string | undefined): Promise<PatronRecord> {
    const request = { patronId: credential, ...(pin !== undefined ? { patronPassword: pin } : {}) };
    const [charged, overdue, holds] = await Promise.all([
      this.#sip2.patronInformation({ ...request, summary: "chargedItems" }),
      this.#sip2.patronInformation({ ...request, summary: "overdueItems" }),
      this.#sip2.patronInformation({ ...request, summary: "holdItems" }),
    ]).catch(translateError);
    const blocks: PatronBlock[] = PATRON_STATUS_FLAGS.filter((flag) => charged.status[flag]);
    const record: PatronRecord = {
      found: charged.valid,
      blocks,
      canBorrow: charged.valid && !charged.status.chargePrivilegesDenied && !charged.status.cardReportedLost,
      loans: [],
      holdsReady: holds.items.map((title) => ({ title })),
      holdsWaiting: charged.counts.unavailableHolds,
      fees: [],
    };
    if (charged.passwordValid !== undefined) record.pinOk = charged.passwordValid;
    if (!charged.valid) return record;
    const firstName = firstNameOf(charged.name);
    if (firstName) record.firstName = firstName;
    const email = charged.raw.emailAddress;
    if (typeof email === "string" && email.includes("@")) record.email = email;
    const amount = charged.raw.feeAmount;
    if (typeof amount === "string" && /^-?\d+(\.\d+)?$/.test(amount.trim()) && Number(amount) !== 0) {
      record.feesTotal = { value: amount.trim(), currency: charged.raw.currencyType || this.#currency };
    }
    if (record.feesTotal) record.fees = await this.#fees(request, record.feesTotal);
    const overdueIds = new Set(overdue.items);
    record.loans = await Promise.all(charged.items.map((itemId) => this.#loan(itemId, overdueIds.has(itemId))));
    return record;
  }

  /**
   * The fees, itemized from the fine-item lines (SIP2 64 AV) when every line can be read and they add up to
   * the balance; otherwise the balance as one fee, paid without a fee id (the ILS applies it to the account).
   */
  async #fees(request: { patronId: string; patronPassword?: string }, total: Money): Promise<Fee[]> {
    const balance: Fee[] = [{ id: BALANCE_FEE_ID, amount: total, kind: "other" }];
    try {
      const info = await this.#sip2.patronInformation({ ...request, summary: "fineItems", start: 1, end: 100 });
      const fees = info.items.map((line) => feeOfLine(line, total.currency));
      const readable = fees.filter((fee): fee is Fee => fee !== undefined);
      const sum = sumDecimals(readable.map((fee) => fee.amount.value));
      const itemized = readable.length > 0 && readable.length === fees.length && Number(sum) === Number(total.value);
      return itemized && readable.every((fee) => fee.amount.currency === total.currency) ? readable : balance;
    } catch {
      return balance;
    }
  }

  async #loan(itemId: string, overdue: boolean): Promise<Loan> {
    const loan: Loan = { itemId, overdue };
    try {
      const info = await this.#sip2.itemInformation({ itemId });
      if (info.title) loan.title = info.title;
      const due = isoDate(info.dueDate);
      if (due) loan.dueDate = due;
      if (!overdue && info.dueDate?.date && info.dueDate.date.getTime() < this.#clock.now()) loan.overdue = true;
    } catch {
      // A loan without its title is still worth showing.
    }
    return loan;
  }

  async itemInformation(itemId: string): Promise<ItemRecord> {
    const info = await this.#sip2.itemInformation({ itemId }).catch(translateError);
    const record: ItemRecord = { found: info.found };
    if (info.title) record.title = info.title;
    if (info.circulationStatus) record.circulationStatus = info.circulationStatus;
    if (info.permanentLocation) record.homeBranch = info.permanentLocation;
    const due = isoDate(info.dueDate);
    if (due) record.dueDate = due;
    // Call number: CS, an extension Koha and the simulator send (not in the SIP2 2.00 standard).
    const callNumber = info.raw.callNumber;
    if (typeof callNumber === "string" && callNumber.trim()) record.callNumber = callNumber.trim();
    return record;
  }

  async checkout(request: CheckoutRequest): Promise<CirculationResult> {
    const result = await this.#sip2
      .checkout(
        {
          patronId: request.patron,
          ...(request.pin !== undefined ? { patronPassword: request.pin } : {}),
          itemId: request.itemId,
          renewal: request.renewal,
        },
        txOf(request),
      )
      .catch(translateError);
    const out = await this.#circulation(result, request.itemId);
    // Evergreen refuses an item the patron already has with "Renewals not permitted" when we asked it not
    // to renew (SIPServer's OpenILS::SIP checkout); that is not a renewal limit.
    if (!out.ok && !request.renewal && result.screenMessages.some((m) => NOT_RENEWED_HERE.test(m))) {
      out.reason = "ITEM_ALREADY_YOURS";
    }
    return out;
  }

  async renew(request: RenewRequest): Promise<CirculationResult> {
    const result = await this.#sip2
      .renew(
        {
          patronId: request.patron,
          ...(request.pin !== undefined ? { patronPassword: request.pin } : {}),
          itemId: request.itemId,
        },
        txOf(request),
      )
      .catch(translateError);
    const out = await this.#circulation(result, request.itemId);
    if (!out.ok && (out.reason === undefined || out.reason === "SEE_STAFF")) out.reason = "RENEWAL_NOT_ALLOWED";
    return out;
  }

  async #circulation(result: CheckoutResult, itemId: string): Promise<CirculationResult> {
    const out: CirculationResult = { ok: result.ok, transactionId: result.tx };
    if (result.title) out.title = result.title;
    const due = isoDate(result.dueDate);
    if (due) out.dueDate = due;
    if (result.ok) {
      if (result.desensitize) out.desensitize = true;
      if (result.renewalOk) out.renewed = true;
      return out;
    }
    out.reason = reasonFromWording(result.screenMessages) ?? (await this.#reasonFromItem(itemId)) ?? "SEE_STAFF";
    return out;
  }

  async #reasonFromItem(itemId: string): Promise<ItemReason | undefined> {
    let info: ItemResult;
    try {
      info = await this.#sip2.itemInformation({ itemId });
    } catch {
      return undefined;
    }
    if (!info.found) return "ITEM_NOT_FOUND";
    return info.circulationStatus ? STATUS_REASONS[info.circulationStatus] : undefined;
  }

  async checkin(request: CheckinRequest): Promise<CirculationResult> {
    const result = await this.#sip2.checkin({ itemId: request.itemId }, txOf(request)).catch(translateError);
    const out: CirculationResult = { ok: result.ok, transactionId: result.tx, routing: routingOf(result.alerts) };
    if (result.title) out.title = result.title;
    if (result.resensitize) out.resensitize = true;
    if (!result.ok) out.reason = reasonFromWording(result.screenMessages) ?? "SEE_STAFF";
    return out;
  }

  async payFee(request: { patron: string; pin?: string; fee: Fee; reference: string }): Promise<{ ok: boolean }> {
    const result = await this.#sip2
      .feePaid({
        patronId: request.patron,
        ...(request.pin !== undefined ? { patronPassword: request.pin } : {}),
        amount: request.fee.amount.value,
        currency: request.fee.amount.currency,
        feeType: request.fee.kind,
        paymentType: "creditCard",
        ...(request.fee.id === BALANCE_FEE_ID ? {} : { feeId: request.fee.id }),
        transactionId: request.reference,
      })
      .catch(translateError);
    return { ok: result.accepted };
  }

  async hold(request: {
    patron: string;
    pin?: string;
    itemId: string;
    mode: "place" | "cancel";
  }): Promise<HoldOutcome> {
    // Alma, for one, supports no hold message over SIP2: say so rather than send what the ACS rejects.
    if (this.#sip2.supports?.("hold") === false) return { ok: false, reason: "SEE_STAFF" };
    const result = await this.#sip2
      .hold({
        patronId: request.patron,
        ...(request.pin !== undefined ? { patronPassword: request.pin } : {}),
        mode: request.mode === "place" ? "add" : "delete",
        itemId: request.itemId,
      })
      .catch(translateError);
    const out: HoldOutcome = { ok: result.ok };
    if (result.pickupLocation) out.pickupLocation = result.pickupLocation;
    if (!result.ok)
      out.reason =
        reasonFromWording(result.screenMessages) ?? (await this.#reasonFromItem(request.itemId)) ?? "SEE_STAFF";
    return out;
  }

  async endSession(patron: string): Promise<void> {
    // Not every ACS supports End Patron Session (Alma does not): skip it where its BX list says no.
    if (this.#sip2.supports?.("endPatronSession") === false) return;
    await this.#sip2.endSession({ patronId: patron }).catch(translateError);
  }
}

function txOf(request: { transactionId?: string }): TransactionOptions {
  return request.transactionId !== undefined ? { tx: request.transactionId } : {};
}

/**
 * The offline journal's way to the ILS (journal.ts TransactionExecutor). A replayed offline transaction
 * goes with no block = Y and the date the patron did it: the ACS must then accept it, as the patron already
 * has the item (SIP2 2.00 fields of 11 and 09; /work/shared/reference/sip2.md, "Offline (no block)
 * transactions"; Koha C4/SIP/ILS.pm checkout). The SIP2 client's own recovery still runs under each send,
 * so a send that lost its answer is checked with Item Information before anything goes twice.
 * An unreachable ILS (and an outcome the client could not settle) throws: the entry stays `sending` and
 * is asked about by the next replay, when the ILS answers again.
 */
export class Sip2Replay implements TransactionExecutor {
  readonly #sip2: Sip2Service;

  constructor(sip2: Sip2Service) {
    this.#sip2 = sip2;
  }

  async send(entry: JournalEntry): Promise<SendOutcome> {
    const options: TransactionOptions = {
      tx: entry.id,
      noBlock: entry.offline,
      transactionDate: new Date(entry.transactedAt),
    };
    return outcomeOf(await this.#send(entry, options));
  }

  /**
   * A fee payment notes the patron's balance and whether the fee is listed (client.ts feePaid), in the entry,
   * before its 37 goes: a replay whose answer is lost, even to a kill -9, can then ask the ILS.
   */
  async prepare(entry: JournalEntry): Promise<TransactionData | undefined> {
    if (entry.kind !== "fee-payment") return undefined;
    const before = await this.#sip2.snapshot("feePaid", feePayment(entry), { tx: entry.id });
    return { [BALANCE_BEFORE]: before.balance, [FEE_LISTED_BEFORE]: before.feeListed, [SENDS]: sendsOf(entry) + 1 };
  }

  /**
   * Did the ILS do it? The client's own verification (Item Information, the patron's loans): a checkout is
   * done when the item is on loan to the entry's patron, a checkin when it is on loan to nobody. A payment
   * the card terminal approved but whose 37 never went is sent; one without an approval is for staff (the
   * kiosk died while the terminal worked). Otherwise it is told by its balance and fee list against what
   * `prepare` noted (client.ts feePaid); one the ILS has not applied is sent once more, with the same
   * transaction id (BK), and after that it is for staff. A renewal is told by a change from a "before" the
   * journal does not keep, so it comes back unknown.
   */
  async inquire(entry: JournalEntry): Promise<Inquired> {
    const patronId = entry.patronId ?? "";
    const itemId = entry.itemId ?? "";
    const options = { tx: entry.id };
    switch (entry.kind) {
      case "checkout":
      case "renew":
        return (await this.#sip2.inquire(entry.kind, { patronId, itemId }, undefined, options)).outcome;
      case "checkin":
        return (await this.#sip2.inquire("checkin", { itemId }, undefined, options)).outcome;
      case "fee-payment": {
        // Not approved as far as the kiosk knows: only the terminal's record can say whether the card was charged.
        if (typeof entry.data.authorization !== "string") {
          return { answer: "unknown", seen: "the kiosk stopped while the card terminal was working: check its record" };
        }
        // Approved, and no 37 has gone (prepare counts each before it goes): it goes now.
        if (sendsOf(entry) === 0) return "not-done";
        const balance = entry.data[BALANCE_BEFORE];
        const before =
          typeof balance === "string" ? { balance, feeListed: entry.data[FEE_LISTED_BEFORE] === true } : undefined;
        const verdict = await this.#sip2.inquire("feePaid", feePayment(entry), before, options);
        if (verdict.outcome === "unknown") return { answer: "unknown", seen: verdict.reason };
        if (verdict.outcome === "not-done" && sendsOf(entry) >= 2) {
          return { answer: "unknown", seen: `sent ${sendsOf(entry)} times and not applied: check the account` };
        }
        return verdict.outcome;
      }
    }
  }

  /**
   * Takes back a loan of an item the kiosk kept (journal.ts #takeBack): checked in now, as staff would at
   * the desk, under its own transaction id.
   */
  async undo(entry: JournalEntry): Promise<SendOutcome> {
    const answer = await this.#sip2.checkin({ itemId: entry.itemId ?? "" }, { tx: `${entry.id}-undo` });
    return outcomeOf(answer);
  }

  async #send(entry: JournalEntry, options: TransactionOptions): Promise<{ ok: boolean; screenMessages: string[] }> {
    const patronId = entry.patronId ?? "";
    const itemId = entry.itemId ?? "";
    switch (entry.kind) {
      case "checkout":
      case "renew":
        return this.#sip2[entry.kind]({ patronId, itemId }, options);
      case "checkin":
        return this.#sip2.checkin({ itemId }, options);
      case "fee-payment": {
        const r = await this.#sip2.feePaid(feePayment(entry), options);
        return { ok: r.accepted, screenMessages: r.screenMessages };
      }
    }
  }
}

function outcomeOf(sent: { ok: boolean; screenMessages: string[] }): SendOutcome {
  const message = sent.screenMessages.join(" ").trim();
  if (sent.ok) return { result: "done", ...(message ? { message } : {}) };
  // Staff see the ILS's own words next to a code they can sort by.
  const code = reasonFromWording(sent.screenMessages) ?? "REFUSED";
  return { result: "refused", code, ...(message ? { message } : {}) };
}

/** A fee payment's entry data: what `prepare` noted before its 37 went. */
const BALANCE_BEFORE = "balanceBefore";
const FEE_LISTED_BEFORE = "feeListedBefore";
/** How many times its 37 was about to go (an entry's attempts also count the card payment's own start). */
const SENDS = "sends";

function sendsOf(entry: JournalEntry): number {
  const sends = entry.data[SENDS];
  return typeof sends === "number" ? sends : 0;
}

/** The 37 of a journaled card payment: the fee, and the terminal's authorization as its transaction id. */
function feePayment(entry: JournalEntry): FeePaidRequest {
  const { feeId, feeType, authorization } = entry.data;
  return {
    patronId: entry.patronId ?? "",
    amount: String(entry.data.amount ?? ""),
    currency: String(entry.data.currency ?? ""),
    paymentType: "creditCard",
    ...(typeof feeType === "string" ? { feeType: feeType as FeeType } : {}),
    ...(typeof feeId === "string" && feeId !== BALANCE_FEE_ID ? { feeId } : {}),
    ...(typeof authorization === "string" ? { transactionId: authorization } : {}),
  };
}
