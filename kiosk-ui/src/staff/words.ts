/** Words more than one part of the console shows, and the words for the codes the bridge sends. */
import { msg } from "@lit/localize";
import type { ItemReason, NoticeCode, PatronBlock, Phase } from "../../../protocols/kiosk-api/schema.ts";
import type { StaffStatus } from "../../../protocols/staff-api/schema.ts";

export const ILS_WORDS: Readonly<Record<StaffStatus["ils"], () => string>> = {
  connecting: () => msg("Connecting", { id: "staff.words.ils-connecting" }),
  online: () => msg("Online", { id: "staff.words.ils-online" }),
  "acs-offline": () => msg("Online, but the ILS says it is offline", { id: "staff.words.ils-acs-offline" }),
  down: () => msg("Unreachable", { id: "staff.words.ils-down" }),
};

export const inService = () => msg("In service", { id: "staff.words.in-service" });
export const outOfService = () => msg("Out of service", { id: "staff.words.out-of-service" });

/**
 * The words for a code, or the code itself when the console has none (a newer bridge's code): staff still
 * see what the bridge said.
 */
export function wordFor<K extends string>(table: Readonly<Record<K, () => string>>, code: string): string {
  return (table as Readonly<Record<string, (() => string) | undefined>>)[code]?.() ?? code;
}

/** The patron screen's phases, as staff would name the screen. */
export const PHASE_WORDS: Readonly<Record<Phase, () => string>> = {
  "out-of-service": outOfService,
  closed: () => msg("Library closed (opening hours)", { id: "staff.words.phase-closed" }),
  idle: () => msg("Waiting for a patron", { id: "staff.words.phase-idle" }),
  pin: () => msg("PIN entry", { id: "staff.words.phase-pin" }),
  home: () => msg("Main menu", { id: "staff.words.phase-home" }),
  checkout: () => msg("Borrowing", { id: "staff.words.phase-checkout" }),
  checkin: () => msg("Returning", { id: "staff.words.phase-checkin" }),
  renew: () => msg("Renewing", { id: "staff.words.phase-renew" }),
  holds: () => msg("Holds", { id: "staff.words.phase-holds" }),
  fees: () => msg("Fees", { id: "staff.words.phase-fees" }),
  receipt: () => msg("Receipt", { id: "staff.words.phase-receipt" }),
  goodbye: () => msg("Goodbye", { id: "staff.words.phase-goodbye" }),
};

/** A device's health, as the staff API and the live session name it. */
export const HEALTH_WORDS: Readonly<Record<string, () => string>> = {
  ok: () => msg("Working", { id: "staff.words.health-ok" }),
  unverified: () => msg("Connected, not yet verified", { id: "staff.words.health-unverified" }),
  degraded: () => msg("Needs attention", { id: "staff.words.health-degraded" }),
  disconnected: () => msg("Not connected", { id: "staff.words.health-disconnected" }),
  down: () => msg("Not connected", { id: "staff.words.health-disconnected" }),
  disabled: () => msg("Disabled in the config", { id: "staff.words.health-disabled" }),
};

export const DEVICE_KIND_WORDS: Readonly<Record<string, () => string>> = {
  scanner: () => msg("Barcode scanner", { id: "staff.words.kind-scanner" }),
  rfid: () => msg("RFID reader", { id: "staff.words.kind-rfid" }),
  printer: () => msg("Receipt printer", { id: "staff.words.kind-printer" }),
  relay: () => msg("Relay", { id: "staff.words.kind-relay" }),
};

/** A tag's security as read (protocols/rfid/security.ts SecurityState). */
export const SECURITY_WORDS: Readonly<Record<string, () => string>> = {
  secured: () => msg("Secured", { id: "staff.words.security-secured" }),
  unsecured: () => msg("Not secured", { id: "staff.words.security-unsecured" }),
  mixed: () => msg("Mixed (AFI and EAS disagree)", { id: "staff.words.security-mixed" }),
  unknown: () => msg("Unknown", { id: "staff.words.security-unknown" }),
};

/** What a scanned code was taken for. */
export const SCAN_WORDS: Readonly<Record<string, () => string>> = {
  item: () => msg("item", { id: "staff.words.scan-item" }),
  patron: () => msg("patron card", { id: "staff.words.scan-patron" }),
};

/** One transaction of a kind, as the offline queue and the live session list them. */
export const TRANSACTION_WORDS: Readonly<Record<string, () => string>> = {
  checkout: () => msg("Loan", { id: "staff.words.checkout" }),
  checkin: () => msg("Return", { id: "staff.words.checkin" }),
  renew: () => msg("Renewal", { id: "staff.words.renew" }),
  "fee-payment": () => msg("Fee payment", { id: "staff.words.fee-payment" }),
};

/** An item row's state on the patron screen. */
export const ITEM_STATUS_WORDS: Readonly<Record<string, () => string>> = {
  pending: () => msg("Waiting", { id: "staff.words.item-pending" }),
  working: () => msg("In progress", { id: "staff.words.item-working" }),
  done: () => msg("Done", { id: "staff.words.item-done" }),
  refused: () => msg("Refused", { id: "staff.words.item-refused" }),
  attention: () => msg("Needs attention", { id: "staff.words.item-attention" }),
};

/** Why an item was refused or needs attention, in a few words for staff. */
export const REASON_WORDS: Readonly<Record<ItemReason, () => string>> = {
  ITEM_NOT_FOUND: () => msg("item not found", { id: "staff.words.reason-item-not-found" }),
  ITEM_ON_HOLD_FOR_OTHER: () => msg("on hold for another patron", { id: "staff.words.reason-on-hold-for-other" }),
  ITEM_NOT_LOANABLE: () => msg("not for loan", { id: "staff.words.reason-not-loanable" }),
  ITEM_ALREADY_ON_LOAN: () => msg("already on loan", { id: "staff.words.reason-already-on-loan" }),
  ITEM_ALREADY_YOURS: () => msg("already on loan to this patron", { id: "staff.words.reason-already-yours" }),
  LIMIT_REACHED: () => msg("loan limit reached", { id: "staff.words.reason-limit-reached" }),
  PATRON_BLOCKED: () => msg("patron blocked", { id: "staff.words.reason-patron-blocked" }),
  CARD_EXPIRED: () => msg("card expired", { id: "staff.words.reason-card-expired" }),
  RENEWAL_LIMIT: () => msg("renewal limit reached", { id: "staff.words.reason-renewal-limit" }),
  RENEWAL_NOT_ALLOWED: () => msg("renewal not allowed", { id: "staff.words.reason-renewal-not-allowed" }),
  SET_INCOMPLETE: () => msg("set incomplete", { id: "staff.words.reason-set-incomplete" }),
  SET_AT_DESK: () => msg("set: at the desk only", { id: "staff.words.reason-set-at-desk" }),
  SECURITY_NOT_RELEASED: () => msg("security not released", { id: "staff.words.reason-security-not-released" }),
  SECURITY_NOT_SET: () => msg("security not set", { id: "staff.words.reason-security-not-set" }),
  ITEM_LIFTED_EARLY: () => msg("lifted from the pad too early", { id: "staff.words.reason-lifted-early" }),
  ILS_OFFLINE: () => msg("library system offline", { id: "staff.words.reason-ils-offline" }),
  OFFLINE_LIMIT: () => msg("offline loan limit reached", { id: "staff.words.reason-offline-limit" }),
  OUTCOME_UNKNOWN: () => msg("outcome unknown", { id: "staff.words.reason-outcome-unknown" }),
  RENEWAL_NEEDS_ILS: () => msg("renewal needs the library system", { id: "staff.words.reason-renewal-needs-ils" }),
  SEE_STAFF: () => msg("sent to staff", { id: "staff.words.reason-see-staff" }),
};

/** Why a patron may not do something (the SIP2 patron status flags and the kiosk's own two blocks). */
export const BLOCK_WORDS: Readonly<Record<PatronBlock, () => string>> = {
  chargePrivilegesDenied: () => msg("may not borrow", { id: "staff.words.block-charge" }),
  renewalPrivilegesDenied: () => msg("may not renew", { id: "staff.words.block-renewal" }),
  recallPrivilegesDenied: () => msg("may not recall", { id: "staff.words.block-recall" }),
  holdPrivilegesDenied: () => msg("may not place holds", { id: "staff.words.block-hold" }),
  cardReportedLost: () => msg("card reported lost", { id: "staff.words.block-card-lost" }),
  tooManyItemsCharged: () => msg("too many loans", { id: "staff.words.block-too-many-charged" }),
  tooManyItemsOverdue: () => msg("too many overdue items", { id: "staff.words.block-too-many-overdue" }),
  tooManyRenewals: () => msg("too many renewals", { id: "staff.words.block-too-many-renewals" }),
  tooManyClaimsOfItemsReturned: () =>
    msg("too many claims of items returned", { id: "staff.words.block-too-many-claims" }),
  tooManyItemsLost: () => msg("too many lost items", { id: "staff.words.block-too-many-lost" }),
  excessiveOutstandingFines: () => msg("too much in fines", { id: "staff.words.block-fines" }),
  excessiveOutstandingFees: () => msg("too much in fees", { id: "staff.words.block-fees" }),
  recallOverdue: () => msg("recall overdue", { id: "staff.words.block-recall-overdue" }),
  tooManyItemsBilled: () => msg("too many items billed", { id: "staff.words.block-too-many-billed" }),
  cardExpired: () => msg("card expired", { id: "staff.words.block-card-expired" }),
  offlineBlocked: () => msg("on the offline blocked list", { id: "staff.words.block-offline" }),
};

/** What the patron screen told the patron. */
export const NOTICE_WORDS: Readonly<Record<NoticeCode, () => string>> = {
  ITEM_DONE: () => msg("Item done", { id: "staff.words.notice-item-done" }),
  ITEM_PROBLEM: () => msg("Problem with an item", { id: "staff.words.notice-item-problem" }),
  PATRON_WELCOME: () => msg("Welcome", { id: "staff.words.notice-welcome" }),
  PATRON_NOT_FOUND: () => msg("Card not found", { id: "staff.words.notice-patron-not-found" }),
  PIN_WRONG: () => msg("Wrong PIN", { id: "staff.words.notice-pin-wrong" }),
  PIN_LOCKED: () => msg("PIN locked", { id: "staff.words.notice-pin-locked" }),
  TIMEOUT_WARNING: () => msg("Session about to time out", { id: "staff.words.notice-timeout-warning" }),
  SESSION_ENDED: () => msg("Session ended", { id: "staff.words.notice-session-ended" }),
  RECEIPT_PRINTED: () => msg("Receipt printed", { id: "staff.words.notice-receipt-printed" }),
  RECEIPT_EMAILED: () => msg("Receipt emailed", { id: "staff.words.notice-receipt-emailed" }),
  RECEIPT_FAILED: () => msg("Receipt failed", { id: "staff.words.notice-receipt-failed" }),
  PAYMENT_APPROVED: () => msg("Payment approved", { id: "staff.words.notice-payment-approved" }),
  PAYMENT_DECLINED: () => msg("Payment declined", { id: "staff.words.notice-payment-declined" }),
  ILS_OFFLINE: () => msg("Library system offline", { id: "staff.words.notice-ils-offline" }),
  ILS_ONLINE: () => msg("Library system back online", { id: "staff.words.notice-ils-online" }),
  TOO_MANY_TAGS: () => msg("Too many items on the pad", { id: "staff.words.notice-too-many-tags" }),
};
