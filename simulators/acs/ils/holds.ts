/**
 * Holds: placing, changing and cancelling them, setting a returned copy aside for one, filling one on
 * checkout, and expiring them (an explicit step the ILS runs with the clock's time before each request).
 */
import { passwordCheck, passwordRefused, REFUSALS, type Refusal, standingOf } from "./refusals.ts";
import { checkDate, dayOf, endOfDay, type IlsStore } from "./store.ts";
import type { CheckinResult, HoldRecord, HoldRequest, HoldResult, ItemRecord, PatronRecord } from "./types.ts";

export function hold(s: IlsStore, at: Date, req: HoldRequest): HoldResult {
  checkDate(req.expirationDate, "expirationDate");
  const patron = s.patrons.get(req.patronId);
  const base: HoldResult = {
    ok: false,
    available: false,
    patronId: req.patronId,
    itemId: req.itemId,
    titleId: req.titleId,
    screenMessages: [],
  };
  const refuse = (refusal: Refusal, extra: Partial<HoldResult> = {}): HoldResult => ({
    ...base,
    refusal,
    ...extra,
    screenMessages: [REFUSALS[refusal], ...(extra.screenMessages ?? [])],
  });
  if (!patron) return refuse("patronUnknown");
  if (passwordRefused(patron, passwordCheck(patron, req.patronPassword))) return refuse("invalidPassword");
  const item = req.itemId === undefined ? undefined : s.items.get(req.itemId);
  if (req.itemId !== undefined && !item) return refuse("itemUnknown");
  const titleId = item?.titleId ?? req.titleId;
  const title = titleId === undefined ? undefined : s.titleText(titleId);
  if (titleId === undefined || title === undefined || (req.titleId !== undefined && req.titleId !== titleId))
    return refuse("titleUnknown");
  base.titleId = titleId;
  base.title = title;
  if (req.pickupLocation !== undefined && !s.hasBranch(req.pickupLocation)) return refuse("unknownBranch");

  if (req.mode === "add") return addHold(s, patron, item, titleId, title, req, at, refuse);

  const hold = s.holds.find(
    (h) =>
      h.patron === patron.barcode &&
      h.titleId === titleId &&
      (item === undefined || h.item === undefined || h.item === item.barcode),
  );
  if (!hold) return refuse("holdNotFound");
  if (req.mode === "delete") {
    s.holds = s.holds.filter((h) => h !== hold);
    if (hold.state !== "pending") untrap(s, hold, true);
    return { ...base, ok: true, itemId: hold.item ?? hold.trappedItem, screenMessages: ["Hold cancelled."] };
  }
  // change: pickup branch and expiry; a copy already set aside follows the new pickup branch.
  if (req.expirationDate !== undefined) hold.expires = req.expirationDate;
  if (req.pickupLocation !== undefined && req.pickupLocation !== hold.pickupBranch) {
    hold.pickupBranch = req.pickupLocation;
    const trapped = hold.trappedItem === undefined ? undefined : s.items.get(hold.trappedItem);
    if (trapped) route(s, trapped, trapped.currentBranch, at);
  }
  return { ...holdView(s, hold, base), ok: true, screenMessages: ["Hold updated."] };
}

export function addHold(
  s: IlsStore,
  patron: PatronRecord,
  item: ItemRecord | undefined,
  titleId: string,
  title: string,
  req: HoldRequest,
  at: Date,
  refuse: (refusal: Refusal, extra?: Partial<HoldResult>) => HoldResult,
): HoldResult {
  const standing = standingOf(s, patron, at);
  if (standing.renewRefusal) return refuse(standing.renewRefusal, { screenMessages: standing.messages });
  const copyLevel = item !== undefined && req.holdType !== "anyCopy" && req.holdType !== "anyCopyAtBranch";
  const copies = s.copies.get(titleId) ?? [];
  if (copyLevel ? !item.circulates : !copies.some((i) => i.circulates)) return refuse("itemNotCirculating");
  if (standing.loans.some((l) => s.items.get(l.item)?.titleId === titleId)) return refuse("holdOnOwnLoan");
  const mine = s.holds.filter((h) => h.patron === patron.barcode);
  if (mine.some((h) => h.titleId === titleId)) return refuse("holdExists");
  if (mine.length >= s.policy.holdLimit) return refuse("holdLimit");
  if (s.policy.holdFee > 0 && req.feeAcknowledged !== true)
    return refuse("feeNotAcknowledged", { fee: s.feeInfo("holdFee", s.policy.holdFee) });

  const hold: HoldRecord = {
    id: s.nextId("hold", "H", (x) => s.holds.some((h) => h.id === x)),
    patron: patron.barcode,
    titleId,
    item: copyLevel ? item.barcode : undefined,
    pickupBranch: req.pickupLocation ?? patron.homeBranch,
    placed: at,
    expires: req.expirationDate,
    state: "pending",
  };
  s.holds.push(hold);
  const fee =
    s.policy.holdFee > 0
      ? s.charge(patron.barcode, "holdFee", s.policy.holdFee, item, `Hold: ${title}`, at)
      : undefined;
  const view = holdView(s, hold, { ok: true, available: false, patronId: patron.barcode, screenMessages: [] });
  return {
    ...view,
    fee,
    screenMessages: [
      `Hold placed on "${title}" for pickup at ${s.branchName(hold.pickupBranch)}. You are number ${view.queuePosition} in the queue.`,
    ],
  };
}

export function holdView(s: IlsStore, hold: HoldRecord, base: HoldResult): HoldResult {
  const queue = s.holds.filter((h) => h.titleId === hold.titleId);
  const onShelf = (s.copies.get(hold.titleId) ?? []).some(
    (i) => s.canFill(hold, i) && i.circulates && s.circulationStatus(i) === "available",
  );
  return {
    ...base,
    holdId: hold.id,
    available: onShelf || hold.state === "ready",
    itemId: hold.trappedItem ?? hold.item,
    titleId: hold.titleId,
    title: s.titleText(hold.titleId),
    queuePosition: queue.indexOf(hold) + 1,
    pickupLocation: hold.pickupBranch,
    expirationDate: hold.expires,
  };
}

/** Releases the copy a hold had set aside; `gone` when the hold itself is being removed. */
export function untrap(s: IlsStore, hold: HoldRecord, gone = false): void {
  const item = hold.trappedItem === undefined ? undefined : s.items.get(hold.trappedItem);
  // A copy left on the hold shelf needs staff to check it in again.
  if (item && hold.state === "ready" && item.state === "available" && !s.loans.has(item.barcode))
    item.state = "waitingToBeReshelved";
  if (!gone) {
    hold.state = "pending";
    delete hold.trappedItem;
    delete hold.shelfExpires;
  }
}

/** Fills the patron's hold this checkout satisfies: one set aside for this copy, else their oldest pending one. */
export function fillHold(s: IlsStore, patron: PatronRecord, item: ItemRecord): HoldRecord | undefined {
  const hold =
    s.holds.find((h) => h.patron === patron.barcode && h.trappedItem === item.barcode) ??
    s.holds.find((h) => h.patron === patron.barcode && h.state === "pending" && s.canFill(h, item));
  if (hold) s.holds = s.holds.filter((h) => h !== hold);
  return hold;
}

/**
 * Where a returned item goes: to a hold set aside for it or the first one it can fill (hold shelf
 * here or transit to the pickup branch), else home if it belongs elsewhere, else back on the shelf.
 */
export function route(
  s: IlsStore,
  item: ItemRecord,
  branch: string,
  at: Date,
): Pick<
  CheckinResult,
  "alertType" | "sortBin" | "destination" | "holdPatronId" | "holdPatronName" | "holdShelfExpires"
> & {
  messages: string[];
} {
  item.currentBranch = branch;
  delete item.transitTo;
  item.state = "available";
  const bins = s.policy.sortBins;
  const hold = s.trappedHold(item.barcode) ?? s.waitingHolds(item, undefined)[0];
  if (hold) {
    const holder = s.patrons.get(hold.patron);
    hold.trappedItem = item.barcode;
    const who = { holdPatronId: hold.patron, holdPatronName: holder?.name };
    if (hold.pickupBranch === branch) {
      if (hold.state !== "ready") hold.shelfExpires = endOfDay(dayOf(at) + s.policy.holdShelfDays);
      hold.state = "ready";
      return {
        ...who,
        alertType: "holdHere",
        sortBin: bins.holdShelf,
        holdShelfExpires: hold.shelfExpires,
        messages: ["Item is on hold: place it on the hold shelf."],
      };
    }
    hold.state = "inTransit";
    delete hold.shelfExpires;
    item.state = "inTransit";
    item.transitTo = hold.pickupBranch;
    return {
      ...who,
      alertType: "holdElsewhere",
      sortBin: bins.transit,
      destination: hold.pickupBranch,
      messages: [`Item is on hold: send it to ${s.branchName(hold.pickupBranch)}.`],
    };
  }
  if (item.homeBranch !== branch) {
    item.state = "inTransit";
    item.transitTo = item.homeBranch;
    return {
      alertType: "transit",
      sortBin: bins.transit,
      destination: item.homeBranch,
      messages: [`Item belongs to ${s.branchName(item.homeBranch)}: send it there.`],
    };
  }
  return { sortBin: bins.shelf, messages: [] };
}

/**
 * Drops the pending holds past their expiry and the ready ones past their shelf expiry, as of `at`. An
 * explicit step: the ILS runs it with the clock's time before each request, and reading the state never
 * runs it.
 */
export function expireHolds(s: IlsStore, at: Date): boolean {
  // Runs before every request: times as numbers (comparing Dates converts both each time), no closure.
  const now = at.getTime();
  let any = false;
  for (let i = 0; i < s.holds.length && !any; i++) any = expiredAt(s.holds[i]!, now);
  if (!any) return false; // the common case, without building a list
  const gone = s.holds.filter((h) => expiredAt(h, now));
  for (const hold of gone) untrap(s, hold, true);
  s.holds = s.holds.filter((h) => !gone.includes(h));
  return true;
}

const expiredAt = (h: HoldRecord, now: number): boolean =>
  (h.state === "pending" && h.expires !== undefined && h.expires.getTime() < now) ||
  (h.state === "ready" && h.shelfExpires !== undefined && h.shelfExpires.getTime() < now);
