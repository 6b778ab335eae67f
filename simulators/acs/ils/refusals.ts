/**
 * Refusal rules: the one table of reasons a request is refused with the screen message each shows,
 * and the checks that pick the reason (a patron's standing, passwords, item states).
 */
import { PATRON_STATUS_FLAGS, type PatronStatus, type PatronStatusFlag } from "../../../protocols/sip2/enums.ts";
import { formatAmount } from "./money.ts";
import { REFUSALS, type Refusal } from "./refusal-reasons.ts";
import { dayOf, type IlsStore, isoDay } from "./store.ts";
import type { ItemRecord, LoanRecord, PatronRecord, PatronStatusResult } from "./types.ts";

export { REFUSALS, type Refusal } from "./refusal-reasons.ts";

/** Item states that stop a checkout, and why. Items not listed may be lent. */
export const STATE_REFUSALS: Partial<Record<ItemRecord["state"], Refusal>> = {
  lost: "itemLost",
  missing: "itemMissing",
  inTransit: "itemInTransit",
  inProcess: "itemNotAvailable",
  onOrder: "itemNotAvailable",
};

/** Why a patron may not do something, most important first. */
export interface Standing {
  loans: LoanRecord[];
  balance: number;
  chargeRefusal: Refusal | undefined;
  /** Renewals and holds are denied for the same reasons, bar too many overdue items. */
  renewRefusal: Refusal | undefined;
  status: PatronStatus;
  messages: string[];
}

const NO_STATUS = Object.fromEntries(PATRON_STATUS_FLAGS.map((f) => [f, false])) as Record<PatronStatusFlag, boolean>;
/** Every flag false, a fresh object each time (built once per request: a copy is cheaper than building it). */
export const noStatus = (): Record<PatronStatusFlag, boolean> => ({ ...NO_STATUS });

/**
 * undefined when no password was given: kiosks that do not ask for a PIN send AD empty, and Koha
 * checks the password only when one is present.
 */
export function passwordCheck(patron: PatronRecord, password: string | undefined): boolean | undefined {
  if (password === undefined || password === "") return undefined;
  return password === patron.password;
}

/** A wrong password is always refused; a missing one only when the patron needs a PIN. */
export function passwordRefused(patron: PatronRecord, valid: boolean | undefined): boolean {
  return valid === false || (patron.pinRequired && valid !== true);
}

export function standingOf(s: IlsStore, patron: PatronRecord, at: Date): Standing {
  const loans = s.loansOfPatron(patron.barcode);
  const now = at.getTime(); // compared as numbers: a Date comparison converts both Dates each time
  let overdue = 0;
  for (const l of loans) if (l.due.getTime() < now) overdue++;
  const balance = s.owed(patron.barcode);
  const expired = dayOf(at) > patron.expiresDay;
  const fines = balance > s.policy.fineBlockThreshold;
  const tooManyOverdue = overdue >= s.policy.overdueLimit;
  const cur = s.institution.currency;
  // Most important first: the first one is the refusal. A message is formatted only when its reason holds.
  const active: [Refusal, string][] = [];
  if (patron.blocked) active.push(["patronBlocked", patron.blockMessage ?? REFUSALS.patronBlocked]);
  if (patron.cardLost) active.push(["cardLost", REFUSALS.cardLost]);
  if (expired) {
    active.push([
      "patronExpired",
      `Your library card expired on ${isoDay(patron.expiresDay)}. Please renew it at the desk.`,
    ]);
  }
  if (fines) {
    active.push([
      "excessiveFines",
      `You owe ${formatAmount(balance)} ${cur}, more than the limit of ${formatAmount(s.policy.fineBlockThreshold)} ${cur}.`,
    ]);
  }
  if (tooManyOverdue) active.push(["tooManyOverdue", `You have ${overdue} overdue items.`]);
  const renewActive = active.filter(([r]) => r !== "tooManyOverdue");
  const denied = renewActive.length > 0;
  const status = noStatus();
  status.chargePrivilegesDenied = active.length > 0;
  status.renewalPrivilegesDenied = denied;
  status.recallPrivilegesDenied = denied;
  status.holdPrivilegesDenied = denied;
  status.cardReportedLost = patron.cardLost;
  status.tooManyItemsCharged = loans.length >= s.policy.checkoutLimit;
  status.tooManyItemsOverdue = tooManyOverdue;
  // Koha and Evergreen treat fines and fees as one balance.
  status.excessiveOutstandingFines = fines;
  status.excessiveOutstandingFees = fines;
  return {
    loans,
    balance,
    chargeRefusal: active[0]?.[0],
    renewRefusal: renewActive[0]?.[0],
    status,
    messages: active.map(([, message]) => message),
  };
}

export function unknownPatron(s: IlsStore, patronId: string): PatronStatusResult {
  // Koha and SIPServer: an unknown patron has the four privileges denied and valid patron N.
  const status = noStatus();
  for (const f of PATRON_STATUS_FLAGS.slice(0, 4)) status[f] = true;
  return {
    patronId,
    found: false,
    validPatron: false,
    validPassword: undefined,
    status,
    name: "",
    language: "000",
    feeTotal: 0,
    currency: s.institution.currency,
    screenMessages: [REFUSALS.patronUnknown],
  };
}

export function statusOf(
  s: IlsStore,
  patron: PatronRecord,
  password: string | undefined,
  standing: Standing,
): PatronStatusResult {
  const validPassword = passwordCheck(patron, password);
  const messages = [...(patron.message ? [patron.message] : []), ...standing.messages];
  if (validPassword === false) messages.push(REFUSALS.invalidPassword);
  return {
    patronId: patron.barcode,
    found: true,
    validPatron: true,
    validPassword,
    status: standing.status,
    name: patron.name,
    language: patron.language,
    feeTotal: standing.balance,
    currency: s.institution.currency,
    screenMessages: messages,
  };
}
