/**
 * Fees: overdue fines as loans end or are renewed late, and payments (Fee Paid) applied oldest first.
 */
import { formatAmount, parseAmount } from "./money.ts";
import { passwordCheck, REFUSALS, type Refusal } from "./refusals.ts";
import { dayOf, type IlsStore, perMediaType } from "./store.ts";
import type { FeeInfo, FeePaidRequest, FeePaidResult, FeeRecord, LoanRecord } from "./types.ts";

export { formatAmount, parseAmount } from "./money.ts";

export function feePaid(s: IlsStore, at: Date, req: FeePaidRequest): FeePaidResult {
  const patron = s.patrons.get(req.patronId);
  const result: FeePaidResult = {
    accepted: false,
    patronId: req.patronId,
    transactionId: req.transactionId,
    amountPaid: 0,
    balance: patron ? s.owed(patron.barcode) : 0,
    applied: [],
    screenMessages: [],
  };
  const refuse = (refusal: Refusal): FeePaidResult => ({ ...result, refusal, screenMessages: [REFUSALS[refusal]] });
  if (!patron) return refuse("patronUnknown");
  if (passwordCheck(patron, req.patronPassword) === false) return refuse("invalidPassword");
  const amount = parseAmount(req.amount);
  if (amount === undefined || amount <= 0) return refuse("invalidAmount");
  if (req.currency !== s.institution.currency) return refuse("wrongCurrency");

  let targets: FeeRecord[];
  if (req.feeId !== undefined) {
    const fee = s.fees.find((f) => f.id === req.feeId && f.patron === patron.barcode && f.balance > 0);
    if (!fee) return refuse("feeNotFound");
    targets = [fee];
  } else {
    const byType = req.feeType !== undefined && req.feeType !== "other";
    targets = s.openFees(patron.barcode).filter((f) => !byType || f.type === req.feeType);
    if (targets.length === 0) return refuse("noFees");
  }
  // Evergreen refuses overpayment rather than keeping a credit; balances never go below zero.
  const owed = targets.reduce((sum, f) => sum + f.balance, 0);
  if (amount > owed) return refuse("overpayment");

  let left = amount;
  for (const fee of targets) {
    if (left === 0) break;
    const part = Math.min(left, fee.balance);
    fee.balance -= part;
    left -= part;
    result.applied.push({ feeId: fee.id, amount: part });
  }
  const transactionId = req.transactionId ?? s.nextTransactionId();
  s.payments.push({
    transactionId,
    patron: patron.barcode,
    amount,
    paymentType: req.paymentType,
    at,
    applied: result.applied.map((a) => ({ fee: a.feeId, amount: a.amount })),
  });
  const balance = s.owed(patron.barcode);
  const cur = s.institution.currency;
  return {
    ...result,
    accepted: true,
    transactionId,
    amountPaid: amount,
    balance,
    screenMessages: [
      `Payment of ${formatAmount(amount)} ${cur} accepted. Remaining balance ${formatAmount(balance)} ${cur}.`,
    ],
  };
}

/** Charges the overdue fine accrued up to `until` and moves nothing else. */
export function chargeOverdue(s: IlsStore, loan: LoanRecord, until: Date): FeeInfo | undefined {
  const item = s.items.get(loan.item);
  if (!item) return undefined;
  const daysLate = dayOf(until) - dayOf(loan.due);
  if (daysLate <= s.policy.fineGraceDays) return undefined;
  const amount = Math.min(daysLate * perMediaType(s.policy.overdueFinePerDay, item.mediaType), s.policy.maxOverdueFine);
  if (amount <= 0) return undefined;
  return s.charge(loan.patron, "overdue", amount, item, `Overdue ${daysLate} days: ${item.title}`, until);
}
