/**
 * Circulation: checkout, checkin, renewal and item status, with the loan periods, routing of returned
 * items and the rules for offline (no-block) transactions.
 */
import type { MediaType } from "../../../protocols/sip2/enums.ts";
import { chargeOverdue, formatAmount } from "./fees.ts";
import { fillHold, route, untrap } from "./holds.ts";
import { passwordCheck, passwordRefused, REFUSALS, type Refusal, STATE_REFUSALS, standingOf } from "./refusals.ts";
import { checkDate, dayOf, endOfDay, type IlsStore, isoDay, later, perMediaType } from "./store.ts";
import type {
  CheckinRequest,
  CheckinResult,
  CheckoutRequest,
  CirculationResult,
  FeeInfo,
  ItemInformationResult,
  ItemRecord,
  ItemStatusUpdateResult,
  LoanRecord,
  PatronRecord,
  RenewAllResult,
  RenewRequest,
} from "./types.ts";

/**
 * A no-block due date must come after the transaction it belongs to: the SC made it up offline, and one
 * before the checkout would make a loan that ends before it starts. Koha takes it as it is
 * (C4/SIP/ILS/Transaction/Checkout.pm); here it is refused with a screen message, so the SC's offline
 * journal keeps the transaction for staff instead of the ILS storing a broken loan.
 */
const dueAfter = (nbDueDate: Date | undefined, transaction: Date): boolean =>
  nbDueDate === undefined || nbDueDate.getTime() > transaction.getTime();

/**
 * Checkout (11). A no-block checkout is an offline transaction replayed later: Koha checks it out "no
 * matter what", since "the patron already has possession of the item" (C4/SIP/ILS.pm checkout), dated
 * at the transaction, due when the SC said; if the patron already has the item, it is a renewal
 * (Koha's AddIssue renews an item already issued to the same borrower), accepted past the renewal limit
 * and counted in `offlineRenewals`.
 */
export function checkout(s: IlsStore, at: Date, req: CheckoutRequest): CirculationResult {
  checkDate(req.transactionDate, "transactionDate");
  checkDate(req.nbDueDate, "nbDueDate");
  const noBlock = req.noBlock === true;
  const when = noBlock ? req.transactionDate : at;
  const patron = s.patrons.get(req.patronId);
  const item = s.items.get(req.itemId);
  const validPassword = patron ? passwordCheck(patron, req.patronPassword) : undefined;
  // Object.assign, not spreads: a spread followed by more fields is several times slower in V8 (issue 7).
  const refuse = (refusal: Refusal, extra: Partial<CirculationResult> = {}): CirculationResult =>
    Object.assign(circulationBase(req.patronId, req.itemId, item), extra, {
      validPatron: patron !== undefined,
      validPassword,
      refusal,
      screenMessages: [REFUSALS[refusal], ...(extra.screenMessages ?? [])],
    });

  if (!patron) return refuse("patronUnknown");
  if (!s.hasBranch(req.branch)) return refuse("unknownBranch");
  if (noBlock && !dueAfter(req.nbDueDate, when)) return refuse("dueBeforeTransaction");
  if (!noBlock && passwordRefused(patron, validPassword)) return refuse("invalidPassword");
  const standing = standingOf(s, patron, at);
  if (!noBlock && standing.chargeRefusal) return refuse(standing.chargeRefusal, { screenMessages: standing.messages });
  if (!item) return refuse("itemUnknown");

  const loan = s.loans.get(item.barcode);
  if (loan?.patron === patron.barcode) {
    // Koha and Evergreen both turn a checkout of an item the patron already has into a renewal; Evergreen
    // only when the terminal's renewal policy allows it. An offline checkout replayed later is accepted
    // either way: the patron has had the item all along.
    if (req.renewalAllowed === false && !noBlock) return refuse("renewalNotPermittedHere", { renewal: true });
    return renewLoan(s, patron, item, loan, when, validPassword, req);
  }
  if (loan && noBlock && loan.checkedOut.getTime() > when.getTime()) {
    // A replayed offline checkout older than the current loan: the item changed hands since.
    return refuse("itemOnLoanToOther", {
      screenMessages: ["The item was checked out again after this offline transaction; the newer loan stays."],
    });
  }
  const trapped = s.trappedHold(item.barcode);
  if (!noBlock) {
    if (loan) return refuse("itemOnLoanToOther");
    const stateRefusal = STATE_REFUSALS[item.state];
    if (stateRefusal) return refuse(stateRefusal);
    if (!item.circulates) return refuse("itemNotCirculating");
    if (trapped && trapped.patron !== patron.barcode) return refuse("itemOnHoldForOther");
    if (standing.loans.length >= s.policy.checkoutLimit) return refuse("checkoutLimit");
    if (item.rentalFee > 0 && req.feeAcknowledged !== true)
      return refuse("feeNotAcknowledged", { fee: s.feeInfo("rental", item.rentalFee) });
  }

  // Accepted. An offline checkout may find the item still on someone else's loan: that loan
  // ended when the item changed hands, at the transaction date.
  const messages: string[] = [];
  if (loan) endLoan(s, loan, when);
  if (trapped && trapped.patron !== patron.barcode) untrap(s, trapped);
  item.state = "available";
  delete item.transitTo;
  item.currentBranch = req.branch;
  const filled = fillHold(s, patron, item);
  if (filled)
    messages.push(filled.state === "pending" ? "Your hold on this title is filled." : "Item was reserved for you.");
  const due = noBlock && req.nbDueDate ? req.nbDueDate : dueDate(s, when, item.mediaType);
  s.addLoan({
    patron: patron.barcode,
    item: item.barcode,
    checkedOut: when,
    due,
    renewals: 0,
    offlineRenewals: 0,
    branch: req.branch,
  });
  const fee =
    item.rentalFee > 0
      ? s.charge(patron.barcode, "rental", item.rentalFee, item, `Rental: ${item.title}`, when)
      : undefined;
  if (s.waitingHolds(item, patron.barcode).length > 0)
    messages.push("Another patron is waiting for this title: it cannot be renewed.");
  if (item.parts > 1) messages.push(`This item has ${item.parts} parts. Please make sure all are present.`);
  return Object.assign(circulationBase(patron.barcode, item.barcode, item), {
    ok: true,
    validPatron: true,
    validPassword,
    dueDate: due,
    // Koha's ILS.pm: desensitize unless magnetic media (which a desensitizer would damage).
    desensitize: s.hasSecurity(item),
    fee,
    transactionId: fee ? s.nextTransactionId() : undefined,
    screenMessages: messages,
  });
}

export function checkin(s: IlsStore, at: Date, req: CheckinRequest): CheckinResult {
  checkDate(req.returnDate, "returnDate");
  const item = s.items.get(req.itemId);
  if (!item) {
    // Koha answers an unknown barcode with ok=0, alert=Y, alert type 99.
    return {
      ok: false,
      refusal: "itemUnknown",
      itemId: req.itemId,
      resensitize: false,
      alert: true,
      alertType: "other",
      screenMessages: [REFUSALS.itemUnknown],
    };
  }
  const base = {
    itemId: item.barcode,
    magneticMedia: item.magneticMedia,
    title: item.title,
    mediaType: item.mediaType,
    parts: item.parts,
    permanentLocation: item.homeBranch,
    callNumber: item.callNumber,
  };
  if (!s.hasBranch(req.branch)) {
    return {
      ...base,
      ok: false,
      refusal: "unknownBranch",
      resensitize: false,
      alert: true,
      alertType: "other",
      screenMessages: [REFUSALS.unknownBranch],
    };
  }
  const returned = req.returnDate ?? at;
  const messages: string[] = [];
  const loan = s.loans.get(item.barcode);
  if (loan && req.noBlock === true && loan.checkedOut.getTime() > returned.getTime()) {
    // A replayed offline return older than the current loan: the item went out again since.
    return {
      ...base,
      ok: true,
      resensitize: false,
      alert: false,
      currentLocation: item.currentBranch,
      screenMessages: ["This item was checked out again after the offline return; the current loan stays open."],
    };
  }
  let fine: FeeInfo | undefined;
  if (loan) {
    fine = endLoan(s, loan, returned);
    if (fine) messages.push(`Returned late: a fine of ${formatAmount(fine.amount)} ${fine.currency} was charged.`);
  }
  if (item.state === "lost" || item.state === "missing")
    messages.push(`This item was recorded as ${item.state}; it is now found.`);
  if (item.parts > 1) messages.push(`This item has ${item.parts} parts. Please make sure all are returned.`);

  const routed = route(s, item, req.branch, at);
  // Object.assign, not a spread: a spread followed by more fields cost a third of the ACS's time per
  // checkin (issue 7's profile).
  return Object.assign(base, {
    ok: true,
    // Koha and Evergreen: resensitize = !magnetic_media.
    resensitize: s.hasSecurity(item),
    alert: routed.alertType !== undefined,
    currentLocation: item.currentBranch,
    patronId: loan?.patron,
    fine,
    alertType: routed.alertType,
    sortBin: routed.sortBin,
    destination: routed.destination,
    holdPatronId: routed.holdPatronId,
    holdPatronName: routed.holdPatronName,
    holdShelfExpires: routed.holdShelfExpires,
    screenMessages: routed.messages.length > 0 ? [...messages, ...routed.messages] : messages,
  });
}

export function renew(s: IlsStore, at: Date, req: RenewRequest): CirculationResult {
  checkDate(req.transactionDate, "transactionDate");
  checkDate(req.nbDueDate, "nbDueDate");
  const noBlock = req.noBlock === true;
  const when = noBlock && req.transactionDate ? req.transactionDate : at;
  const patron = s.patrons.get(req.patronId);
  const validPassword = patron ? passwordCheck(patron, req.patronPassword) : undefined;
  const loan = patron ? s.findLoan(patron.barcode, req.itemId, req.titleId) : undefined;
  const itemId = req.itemId ?? loan?.item ?? "";
  const item = s.items.get(itemId);
  const refuse = (refusal: Refusal, more: string[] = []): CirculationResult => ({
    ...circulationBase(req.patronId, itemId, item),
    validPatron: patron !== undefined,
    validPassword,
    refusal,
    screenMessages: [REFUSALS[refusal], ...more],
  });
  if (!patron) return refuse("patronUnknown");
  if (noBlock && !dueAfter(req.nbDueDate, when)) return refuse("dueBeforeTransaction");
  if (!noBlock && passwordRefused(patron, validPassword)) return refuse("invalidPassword");
  const standing = standingOf(s, patron, at);
  if (!noBlock && standing.renewRefusal) return refuse(standing.renewRefusal, standing.messages);
  if (!loan || !item) return refuse(item || req.itemId === undefined ? "notOnLoanToPatron" : "itemUnknown");
  return renewLoan(s, patron, item, loan, when, validPassword, req);
}

export function renewAll(
  s: IlsStore,
  at: Date,
  patronId: string,
  password?: string,
  feeAcknowledged = false,
): RenewAllResult {
  const patron = s.patrons.get(patronId);
  const result: RenewAllResult = { ok: false, patronId, renewed: [], unrenewed: [], reasons: {}, screenMessages: [] };
  const refuse = (refusal: Refusal, more: string[] = []): RenewAllResult => {
    const items = patron ? s.loansOfPatron(patron.barcode).map((l) => l.item) : [];
    for (const id of items) result.reasons[id] = refusal;
    return { ...result, refusal, unrenewed: items, screenMessages: [REFUSALS[refusal], ...more] };
  };
  if (!patron) return refuse("patronUnknown");
  const validPassword = passwordCheck(patron, password);
  if (passwordRefused(patron, validPassword)) return refuse("invalidPassword");
  const standing = standingOf(s, patron, at);
  if (standing.renewRefusal) return refuse(standing.renewRefusal, standing.messages);
  for (const loan of s.loansOfPatron(patron.barcode)) {
    const item = s.items.get(loan.item);
    if (!item) continue;
    const r = renewLoan(s, patron, item, loan, at, validPassword, { feeAcknowledged });
    if (r.ok) result.renewed.push(loan.item);
    else {
      result.unrenewed.push(loan.item);
      if (r.refusal) result.reasons[loan.item] = r.refusal;
    }
  }
  result.ok = true;
  result.screenMessages.push(`${result.renewed.length} renewed, ${result.unrenewed.length} not renewed.`);
  return result;
}

export function circulationBase(patronId: string, itemId: string, item: ItemRecord | undefined): CirculationResult {
  return {
    ok: false,
    renewal: false,
    patronId,
    itemId,
    validPatron: false,
    validPassword: undefined,
    title: item?.title,
    magneticMedia: item?.magneticMedia,
    desensitize: false,
    mediaType: item?.mediaType,
    parts: item?.parts,
    screenMessages: [],
  };
}

/** Renewal, also reached by checking out an item the patron already has. */
export function renewLoan(
  s: IlsStore,
  patron: PatronRecord,
  item: ItemRecord,
  loan: LoanRecord,
  when: Date,
  validPassword: boolean | undefined,
  req: Pick<RenewRequest, "noBlock" | "nbDueDate" | "feeAcknowledged">,
): CirculationResult {
  const base = {
    ...circulationBase(patron.barcode, item.barcode, item),
    renewal: true,
    validPatron: true,
    validPassword,
    dueDate: loan.due,
  };
  const refuse = (refusal: Refusal, fee?: FeeInfo): CirculationResult => ({
    ...base,
    refusal,
    fee,
    screenMessages: [REFUSALS[refusal]],
  });
  const noBlock = req.noBlock === true;
  if (!noBlock) {
    // Offline renewals count here too: the patron has had the item that much longer.
    if (loan.renewals + loan.offlineRenewals >= s.policy.renewalLimit) return refuse("renewalLimit");
    if (s.waitingHolds(item, patron.barcode).length > 0) return refuse("holdsBlockRenewal");
    if (item.rentalFee > 0 && req.feeAcknowledged !== true)
      return refuse("feeNotAcknowledged", s.feeInfo("rental", item.rentalFee));
  }
  const messages: string[] = [];
  const fine = chargeOverdue(s, loan, when);
  if (fine) messages.push(`Renewed late: a fine of ${formatAmount(fine.amount)} ${fine.currency} was charged.`);
  // A renewal runs a new loan period from its date (or to the SC's due date, offline) but never shortens the loan.
  const due = later(loan.due, noBlock && req.nbDueDate ? req.nbDueDate : dueDate(s, when, item.mediaType));
  loan.due = due;
  // An offline renewal already happened at the kiosk: it is accepted past the limit (see checkout) and
  // counted apart, so `renewals` keeps meaning "granted within the limit".
  if (noBlock) loan.offlineRenewals += 1;
  else loan.renewals += 1;
  const fee =
    item.rentalFee > 0
      ? s.charge(patron.barcode, "rental", item.rentalFee, item, `Rental renewal: ${item.title}`, when)
      : undefined;
  messages.push(`Renewed until ${isoDay(dayOf(due))}.`);
  return {
    ...base,
    ok: true,
    dueDate: due,
    // Koha's renew: the item is already desensitized.
    desensitize: false,
    fee: fee ?? fine,
    transactionId: fee || fine ? s.nextTransactionId() : undefined,
    screenMessages: messages,
  };
}

export function dueDate(s: IlsStore, from: Date, mediaType: MediaType): Date {
  return endOfDay(dayOf(from) + perMediaType(s.policy.loanPeriodDays, mediaType));
}

/** Closes a loan at `returned`, charging any overdue fine. */
export function endLoan(s: IlsStore, loan: LoanRecord, returned: Date): FeeInfo | undefined {
  const fine = chargeOverdue(s, loan, returned);
  s.removeLoan(loan);
  return fine;
}

export function itemInformation(s: IlsStore, at: Date, itemId: string): ItemInformationResult {
  const item = s.items.get(itemId);
  if (!item) {
    return {
      found: false,
      itemId,
      circulationStatus: "other",
      securityMarker: "other",
      feeType: "other",
      holdQueueLength: 0,
      screenMessages: [REFUSALS.itemUnknown],
    };
  }
  const loan = s.loans.get(item.barcode);
  const trapped = s.trappedHold(item.barcode);
  const messages: string[] = [];
  if (!item.circulates) messages.push(REFUSALS.itemNotCirculating);
  if (loan && loan.due.getTime() < at.getTime()) messages.push(`Overdue since ${isoDay(dayOf(loan.due))}.`);
  return {
    found: true,
    itemId: item.barcode,
    circulationStatus: s.circulationStatus(item),
    securityMarker: item.securityMarker,
    feeType: item.rentalFee > 0 ? "rental" : "other",
    fee: item.rentalFee > 0 ? s.feeInfo("rental", item.rentalFee) : undefined,
    holdQueueLength: s.activeHoldsFor(item).length,
    dueDate: loan?.due,
    holdPickupDate: trapped?.state === "ready" ? trapped.shelfExpires : undefined,
    title: item.title,
    owner: item.homeBranch,
    mediaType: item.mediaType,
    magneticMedia: item.magneticMedia,
    permanentLocation: item.homeBranch,
    currentLocation: item.currentBranch,
    destination: item.transitTo,
    callNumber: item.callNumber,
    parts: item.parts,
    properties: item.properties,
    screenMessages: messages,
  };
}

/** Item Status Update (19): stores the item properties (CH). */
export function itemStatusUpdate(s: IlsStore, itemId: string, properties: string): ItemStatusUpdateResult {
  const item = s.items.get(itemId);
  if (!item) return { ok: false, refusal: "itemUnknown", itemId, screenMessages: [REFUSALS.itemUnknown] };
  item.properties = properties;
  return { ok: true, itemId, title: item.title, properties, screenMessages: ["Item properties updated."] };
}
