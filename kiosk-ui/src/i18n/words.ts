/**
 * Words for every stable code the bridge sends: item reasons, patron blocks, command errors, notices, fee
 * kinds, routing. Each says what happened and what to do, never the ILS's own wording (kiosk-ux.md §2).
 * The Record types make a missing English entry a compile error; test/kiosk-ui/words.test.ts checks that
 * every language has every one.
 */
import { msg, str } from "@lit/localize";
import type {
  Fee,
  ItemReason,
  ItemRow,
  NoticeCode,
  PatronBlock,
  Routing,
} from "../../../protocols/kiosk-api/schema.ts";

import type { CommandErrorCode } from "../data/kiosk-client.ts";
import { formatNumber } from "./format.ts";

export const reasonWords: Record<ItemReason, () => string> = {
  ITEM_NOT_FOUND: () =>
    msg("We could not find this item. Scan it again, or ask staff.", { id: "reason.ITEM_NOT_FOUND" }),
  ITEM_ON_HOLD_FOR_OTHER: () =>
    msg("Someone else is waiting for this item, so it cannot go out now. Please leave it with staff.", {
      id: "reason.ITEM_ON_HOLD_FOR_OTHER",
    }),
  ITEM_NOT_LOANABLE: () =>
    msg("This item cannot be borrowed here. Please ask staff.", { id: "reason.ITEM_NOT_LOANABLE" }),
  ITEM_ALREADY_ON_LOAN: () =>
    msg("This item is still on loan to another card. Please ask staff.", { id: "reason.ITEM_ALREADY_ON_LOAN" }),
  ITEM_ALREADY_YOURS: () =>
    msg("You already have this item. To keep it longer, choose Renew loans.", {
      id: "reason.ITEM_ALREADY_YOURS",
    }),
  LIMIT_REACHED: () =>
    msg("You have reached your borrowing limit. Return something first, or ask staff.", {
      id: "reason.LIMIT_REACHED",
    }),
  PATRON_BLOCKED: () => msg("Your card cannot borrow right now. Please see staff.", { id: "reason.PATRON_BLOCKED" }),
  CARD_EXPIRED: () => msg("Your card has expired. Staff can renew it for you.", { id: "reason.CARD_EXPIRED" }),
  RENEWAL_LIMIT: () =>
    msg("This item has been renewed as many times as allowed. Please return it.", { id: "reason.RENEWAL_LIMIT" }),
  RENEWAL_NOT_ALLOWED: () =>
    msg("This item cannot be renewed. Someone may be waiting for it.", { id: "reason.RENEWAL_NOT_ALLOWED" }),
  SET_INCOMPLETE: () =>
    msg("Some parts of this set are missing. Put all parts on the pad together.", { id: "reason.SET_INCOMPLETE" }),
  SET_AT_DESK: () =>
    msg("Sets with several parts are borrowed and returned at the desk. Please take it to staff.", {
      id: "reason.SET_AT_DESK",
    }),
  SECURITY_NOT_RELEASED: () =>
    msg("Borrowed, but the security tag is still on. Ask staff to unlock it before you leave.", {
      id: "reason.SECURITY_NOT_RELEASED",
    }),
  SECURITY_NOT_SET: () =>
    msg("Returned, but the security tag could not be set. Please hand it to staff.", {
      id: "reason.SECURITY_NOT_SET",
    }),
  ITEM_LIFTED_EARLY: () =>
    msg("This item was lifted before it was done. Put it back on the pad.", { id: "reason.ITEM_LIFTED_EARLY" }),
  ILS_OFFLINE: () =>
    msg("The library system is not answering. Please try again in a moment, or ask staff.", {
      id: "reason.ILS_OFFLINE",
    }),
  OFFLINE_LIMIT: () =>
    msg("While the library system is offline you can borrow only a few items. Please ask staff.", {
      id: "reason.OFFLINE_LIMIT",
    }),
  OUTCOME_UNKNOWN: () =>
    msg("We are not sure this went through. Please show this item to staff.", { id: "reason.OUTCOME_UNKNOWN" }),
  RENEWAL_NEEDS_ILS: () =>
    msg(
      "Renewing needs the library system, which is not answering. Your due dates are unchanged. Please try again later, or ask staff.",
      { id: "reason.RENEWAL_NEEDS_ILS" },
    ),
  SEE_STAFF: () => msg("There is a problem with this item. Please see staff.", { id: "reason.SEE_STAFF" }),
};

/** What a refusal means for a row: a renewal refused for a hold needs other words (the patron has the item with them). */
export function rowReasonWords(action: ItemRow["action"], reason: ItemReason): string {
  if (action === "renew" && reason === "ITEM_ON_HOLD_FOR_OTHER") {
    return msg("Someone else is waiting for this item, so it cannot be renewed. Please return it by its due date.", {
      id: "reason.renew-on-hold",
    });
  }
  return reasonWords[reason]();
}

export const blockWords: Record<PatronBlock, () => string> = {
  chargePrivilegesDenied: () => msg("Borrowing is paused on your card.", { id: "block.chargePrivilegesDenied" }),
  renewalPrivilegesDenied: () => msg("Renewing is paused on your card.", { id: "block.renewalPrivilegesDenied" }),
  recallPrivilegesDenied: () => msg("Recalls are paused on your card.", { id: "block.recallPrivilegesDenied" }),
  holdPrivilegesDenied: () => msg("Placing holds is paused on your card.", { id: "block.holdPrivilegesDenied" }),
  cardReportedLost: () => msg("This card has been reported lost.", { id: "block.cardReportedLost" }),
  tooManyItemsCharged: () => msg("You have as many items out as you can.", { id: "block.tooManyItemsCharged" }),
  tooManyItemsOverdue: () => msg("Some of your items are overdue.", { id: "block.tooManyItemsOverdue" }),
  tooManyRenewals: () => msg("You have renewed as often as you can.", { id: "block.tooManyRenewals" }),
  tooManyClaimsOfItemsReturned: () =>
    msg("Some items you said were returned need checking.", { id: "block.tooManyClaimsOfItemsReturned" }),
  tooManyItemsLost: () => msg("Some items on your card are marked lost.", { id: "block.tooManyItemsLost" }),
  excessiveOutstandingFines: () =>
    msg("You have fines to pay before you can borrow.", { id: "block.excessiveOutstandingFines" }),
  excessiveOutstandingFees: () =>
    msg("You have fees to pay before you can borrow.", { id: "block.excessiveOutstandingFees" }),
  recallOverdue: () => msg("An item someone else needs is overdue.", { id: "block.recallOverdue" }),
  tooManyItemsBilled: () => msg("Some items on your card have been billed.", { id: "block.tooManyItemsBilled" }),
  cardExpired: () => msg("Your card has expired.", { id: "block.cardExpired" }),
  offlineBlocked: () =>
    msg("Borrowing on this card waits until the library system is back.", { id: "block.offlineBlocked" }),
};

export const errorWords: Record<CommandErrorCode, () => string> = {
  INVALID_MESSAGE: () => msg("Something went wrong. Please try again.", { id: "error.INVALID_MESSAGE" }),
  UNSUPPORTED_VERSION: () => msg("This screen needs an update. Please ask staff.", { id: "error.UNSUPPORTED_VERSION" }),
  NOT_ALLOWED_NOW: () => msg("That is not possible right now.", { id: "error.NOT_ALLOWED_NOW" }),
  PATRON_NOT_FOUND: () =>
    msg("We could not find that card. Check the number and try again, or ask staff.", {
      id: "error.PATRON_NOT_FOUND",
    }),
  PIN_WRONG: () => msg("That PIN is not right. Please try again.", { id: "error.PIN_WRONG" }),
  PIN_LOCKED: () => msg("Too many wrong PINs. Please wait a few minutes, or ask staff.", { id: "error.PIN_LOCKED" }),
  PATRON_BLOCKED: () =>
    msg("Your card cannot be used here right now. Please see staff.", { id: "error.PATRON_BLOCKED" }),
  ILS_OFFLINE: () =>
    msg("The library system is not answering. Please try again in a moment.", { id: "error.ILS_OFFLINE" }),
  OUT_OF_SERVICE: () => msg("This kiosk is out of service. Please ask staff.", { id: "error.OUT_OF_SERVICE" }),
  DEVICE_UNAVAILABLE: () =>
    msg("That device is not working right now. Choose another way, or ask staff.", {
      id: "error.DEVICE_UNAVAILABLE",
    }),
  PAYMENT_DECLINED: () =>
    msg("The payment was declined. Try another card, or ask staff.", { id: "error.PAYMENT_DECLINED" }),
  PAYMENT_TIMEOUT: () => msg("The card terminal stopped waiting. Please try again.", { id: "error.PAYMENT_TIMEOUT" }),
  RATE_LIMITED: () => msg("Too many tries. Please wait a moment.", { id: "error.RATE_LIMITED" }),
  INTERNAL: () => msg("Something went wrong. Please try again, or ask staff.", { id: "error.INTERNAL" }),
  CONNECTION_LOST: () =>
    msg("The screen lost its connection. It reconnects by itself; please try again.", {
      id: "error.CONNECTION_LOST",
    }),
  NO_REPLY: () => msg("No answer yet. Please try again.", { id: "error.NO_REPLY" }),
};

/** What a notice is about, when the notice names an item and a count. */
export interface NoticeContext {
  title?: string | undefined;
  reason?: ItemReason | undefined;
  count?: number | undefined;
}

export const noticeWords: Record<NoticeCode, (c: NoticeContext) => string> = {
  ITEM_DONE: (c) =>
    c.title
      ? msg(str`Done: ${c.title}`, { id: "notice.ITEM_DONE" })
      : msg("Done.", { id: "notice.ITEM_DONE_UNTITLED" }),
  ITEM_PROBLEM: (c) => {
    const why = c.reason ? reasonWords[c.reason]() : reasonWords.SEE_STAFF();
    return c.title ? msg(str`${c.title}: ${why}`, { id: "notice.ITEM_PROBLEM" }) : why;
  },
  PATRON_WELCOME: () => msg("Welcome. You are signed in.", { id: "notice.PATRON_WELCOME" }),
  PATRON_NOT_FOUND: () => errorWords.PATRON_NOT_FOUND(),
  PIN_WRONG: (c) =>
    c.count === undefined
      ? errorWords.PIN_WRONG()
      : msg(str`That PIN is not right. Tries left: ${formatNumber(c.count)}.`, { id: "notice.PIN_WRONG" }),
  PIN_LOCKED: () => errorWords.PIN_LOCKED(),
  TIMEOUT_WARNING: (c) =>
    msg(str`Are you still there? Your session ends in ${formatNumber(c.count ?? 0)} seconds.`, {
      id: "notice.TIMEOUT_WARNING",
    }),
  SESSION_ENDED: () => msg("Your session has ended. Thank you.", { id: "notice.SESSION_ENDED" }),
  RECEIPT_PRINTED: () =>
    msg("Your receipt is printing. Take it from the printer slot.", { id: "notice.RECEIPT_PRINTED" }),
  RECEIPT_EMAILED: () => msg("Your receipt has been emailed.", { id: "notice.RECEIPT_EMAILED" }),
  RECEIPT_FAILED: () =>
    msg("We could not make your receipt. Choose another way, or ask staff.", { id: "notice.RECEIPT_FAILED" }),
  PAYMENT_APPROVED: () => msg("Payment approved. Thank you.", { id: "notice.PAYMENT_APPROVED" }),
  PAYMENT_DECLINED: () => errorWords.PAYMENT_DECLINED(),
  ILS_OFFLINE: () =>
    msg("The library system is offline. You can still borrow and return.", { id: "notice.ILS_OFFLINE" }),
  ILS_ONLINE: () => msg("The library system is back online.", { id: "notice.ILS_ONLINE" }),
  TOO_MANY_TAGS: () => msg("Too many items on the pad. Please take some off.", { id: "notice.TOO_MANY_TAGS" }),
};

export const feeWords: Record<Fee["kind"], () => string> = {
  other: () => msg("Fee", { id: "fee.other" }),
  administrative: () => msg("Administration fee", { id: "fee.administrative" }),
  damage: () => msg("Damage", { id: "fee.damage" }),
  overdue: () => msg("Overdue fine", { id: "fee.overdue" }),
  processing: () => msg("Processing fee", { id: "fee.processing" }),
  rental: () => msg("Rental", { id: "fee.rental" }),
  replacement: () => msg("Replacement", { id: "fee.replacement" }),
  computerAccess: () => msg("Computer use", { id: "fee.computerAccess" }),
  holdFee: () => msg("Hold fee", { id: "fee.holdFee" }),
};

/**
 * Cart colours a config is likely to name: the word in each language and a swatch shade that is
 * recognisable without glaring. Any other colour is shown as the config spells it, without a swatch
 * unless it is a hex colour.
 */
const CART_COLOURS: Record<string, { word: () => string; swatch: string }> = {
  red: { word: () => msg("red", { id: "colour.red" }), swatch: "#d2463f" },
  blue: { word: () => msg("blue", { id: "colour.blue" }), swatch: "#2f6bd0" },
  green: { word: () => msg("green", { id: "colour.green" }), swatch: "#2c9a56" },
  yellow: { word: () => msg("yellow", { id: "colour.yellow" }), swatch: "#f1c232" },
  orange: { word: () => msg("orange", { id: "colour.orange" }), swatch: "#ec8a2a" },
  purple: { word: () => msg("purple", { id: "colour.purple" }), swatch: "#8856c0" },
  grey: { word: () => msg("grey", { id: "colour.grey" }), swatch: "#8b9099" },
  white: { word: () => msg("white", { id: "colour.white" }), swatch: "#ffffff" },
  black: { word: () => msg("black", { id: "colour.black" }), swatch: "#222222" },
};

export const colourWord = (colour: string): string => CART_COLOURS[colour.toLowerCase()]?.word() ?? colour;

export function cartSwatch(colour: string): string | undefined {
  const c = colour.toLowerCase();
  return CART_COLOURS[c]?.swatch ?? (/^#[0-9a-f]{3,8}$/.test(c) ? c : undefined);
}

/** Where a returned item goes, as an instruction: a cart by colour, never anyone's name. */
export function routingWords(routing: Routing): string {
  if (routing.cart) return msg(str`Put it on the ${colourWord(routing.cart)} cart.`, { id: "routing.cart" });
  switch (routing.kind) {
    case "reshelve":
      return msg("Put it on the returns shelf.", { id: "routing.reshelve" });
    case "hold-here":
      return msg("Someone is waiting for it: put it on the hold shelf cart.", { id: "routing.hold-here" });
    case "hold-elsewhere":
    case "transit":
      return routing.destination
        ? msg(str`It goes to ${routing.destination}: put it on the transit cart.`, { id: "routing.transit-to" })
        : msg("Put it on the transit cart.", { id: "routing.transit" });
    case "sort-bin":
      return routing.bin
        ? msg(str`Put it in bin ${routing.bin}.`, { id: "routing.bin" })
        : msg("Put it in the returns bin.", { id: "routing.bin-any" });
  }
}
