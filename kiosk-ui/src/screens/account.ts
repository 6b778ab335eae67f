/** The signed-in patron's own screens: home, holds, fees. */
import { msg, str } from "@lit/localize";
import { html, nothing } from "lit";
import type { PatronSummary } from "../../../protocols/kiosk-api/schema.ts";
import { formatDate, formatMoney, formatNumber } from "../i18n/format.ts";
import { blockWords, feeWords } from "../i18n/words.ts";
import { backHome, frame, icon } from "./parts.ts";
import type { View } from "./view.ts";

const NO_PATRON: PatronSummary = { loans: [], holdsReady: [], holdsWaiting: 0, fees: [], blocks: [], canBorrow: false };

function blocksPanel(patron: PatronSummary) {
  if (patron.blocks.length === 0) return nothing;
  return html`<div class="panel panel-attention" role="note">
    ${icon("warn")}
    <div>
      <h2>${msg("Your card needs attention", { id: "home.blocks-title" })}</h2>
      <ul class="plain">${patron.blocks.map((b) => html`<li>${blockWords[b]()}</li>`)}</ul>
      <p><strong>${msg("Please see staff at the desk.", { id: "home.see-staff" })}</strong></p>
    </div>
  </div>`;
}

function loansPanel(patron: PatronSummary) {
  return html`<div class="panel">
    <h2>${msg(str`On loan: ${formatNumber(patron.loans.length)}`, { id: "home.loans" })}</h2>
    ${
      patron.loans.length === 0
        ? html`<p class="muted">${msg("Nothing on loan.", { id: "home.no-loans" })}</p>`
        : html`<ul class="rows">
          ${patron.loans.map(
            (loan) => html`<li class=${loan.overdue ? "row overdue" : "row"}>
              <span class="row-title">${loan.title ?? loan.itemId}</span>
              <span class="row-meta">
                ${loan.overdue ? html`<span class="badge badge-overdue">${icon("warn")}${msg("Overdue", { id: "home.overdue" })}</span>` : nothing}
                ${loan.dueDate ? msg(str`Due ${formatDate(loan.dueDate)}`, { id: "home.due" }) : nothing}
              </span>
            </li>`,
          )}
        </ul>`
    }
  </div>`;
}

export function home(view: View) {
  const patron = view.state.patron ?? NO_PATRON;
  const { can } = view.state;
  const name = patron.firstName;
  const fees = patron.feesTotal && Number(patron.feesTotal.value) > 0 ? patron.feesTotal : undefined;
  const borrow = can.checkout && patron.canBorrow;
  return frame({
    name: "home",
    title: name ? msg(str`Hello, ${name}`, { id: "home.hello" }) : msg("Hello", { id: "home.hello-anon" }),
    lead: borrow
      ? msg("What would you like to do?", { id: "home.lead" })
      : msg("You cannot borrow right now, but you can return and renew.", { id: "home.lead-blocked" }),
    error: view.error,
    body: html`
      ${blocksPanel(patron)}
      <div class="summary">
        <button type="button" class="tile" @click=${() => view.send("show", { screen: "holds" })}>
          <span class="tile-number">${formatNumber(patron.holdsReady.length)}</span>
          <span class="tile-label">${msg("Holds ready to collect", { id: "home.holds-ready" })}</span>
        </button>
        <button type="button" class="tile" ?disabled=${!fees || !can.pay} @click=${() => view.send("show", { screen: "fees" })}>
          <span class="tile-number">${fees ? formatMoney(fees) : formatNumber(0)}</span>
          <span class="tile-label">${msg("Fees to pay", { id: "home.fees" })}</span>
        </button>
      </div>
      ${loansPanel(patron)}
    `,
    actions: html`
      ${
        borrow
          ? html`<button type="button" class="primary" @click=${() => view.send("show", { screen: "checkout" })}>
            ${msg("Borrow items", { id: "home.borrow" })}
          </button>`
          : nothing
      }
      ${
        can.checkin
          ? html`<button type="button" class=${borrow ? "secondary" : "primary"} @click=${() => view.send("show", { screen: "checkin" })}>
            ${msg("Return items", { id: "home.return" })}
          </button>`
          : nothing
      }
      <button type="button" class="secondary" ?disabled=${patron.loans.length === 0} @click=${() => view.send("show", { screen: "renew" })}>
        ${msg("Renew loans", { id: "home.renew" })}
      </button>
      <button type="button" class="secondary" @click=${() => view.send("finish", {})}>
        ${msg("I am finished", { id: "home.finish" })}
      </button>
    `,
  });
}

export function holds(view: View) {
  const patron = view.state.patron ?? NO_PATRON;
  return frame({
    name: "holds",
    title: msg("Holds ready for you", { id: "holds.title" }),
    lead: patron.holdsWaiting
      ? msg(str`Not ready yet: ${formatNumber(patron.holdsWaiting)}. We will let you know.`, { id: "holds.waiting" })
      : undefined,
    error: view.error,
    body:
      patron.holdsReady.length === 0
        ? html`<p class="panel muted">${msg("No holds are ready to collect.", { id: "holds.none" })}</p>`
        : html`<ul class="rows panel">
          ${patron.holdsReady.map(
            (h) => html`<li class="row">
              <span class="row-title">${h.title ?? h.itemId ?? msg("A reserved item", { id: "holds.untitled" })}</span>
              <span class="row-meta">
                ${h.pickupLocation ? msg(str`Collect at ${h.pickupLocation}`, { id: "holds.pickup" }) : nothing}
                ${h.expires ? msg(str`by ${formatDate(h.expires)}`, { id: "holds.expires" }) : nothing}
              </span>
            </li>`,
          )}
        </ul>`,
    actions: backHome(view),
  });
}

function paymentPanel(view: View) {
  const payment = view.state.payment;
  if (!payment) return nothing;
  const amount = formatMoney(payment.amount);
  const words = {
    "waiting-card": [
      "wait",
      msg(str`Pay ${amount} on the card terminal: tap, insert or swipe your card.`, { id: "pay.waiting" }),
    ],
    processing: ["wait", msg("Processing the payment…", { id: "pay.processing" })],
    approved: ["ok", msg(str`Payment of ${amount} approved. Thank you.`, { id: "pay.approved" })],
    provisional: [
      "ok",
      msg(
        str`Payment of ${amount} approved. The library system is not answering, so your account will show it once it is back. This receipt is provisional.`,
        { id: "pay.provisional" },
      ),
    ],
    "not-recorded": [
      "fail",
      msg(
        str`Your card was charged ${amount}, but the library system did not record it. Please show this screen to staff.`,
        {
          id: "pay.not-recorded",
        },
      ),
    ],
    declined: ["fail", msg("The payment was declined. Try another card, or ask staff.", { id: "pay.declined" })],
    timeout: ["fail", msg("The card terminal stopped waiting. Please try again.", { id: "pay.timeout" })],
  } as const;
  const [mark, text] = words[payment.status];
  return html`<div class="panel panel-payment payment-${payment.status}" role="status">${icon(mark)}<p>${text}</p></div>`;
}

export function fees(view: View) {
  const patron = view.state.patron ?? NO_PATRON;
  const total = patron.feesTotal;
  const paying = view.state.payment && ["waiting-card", "processing"].includes(view.state.payment.status);
  const paid = ["approved", "provisional", "not-recorded"].includes(view.state.payment?.status ?? "");
  return frame({
    name: "fees",
    title: msg("Fees", { id: "fees.title" }),
    lead: total ? msg(str`Total to pay: ${formatMoney(total)}`, { id: "fees.total" }) : undefined,
    error: view.error,
    body: html`
      ${paymentPanel(view)}
      <ul class="rows panel">
        ${patron.fees.map(
          (f) => html`<li class="row">
            <span class="row-title">${feeWords[f.kind]()}${f.title ? html` · <span class="muted">${f.title}</span>` : nothing}</span>
            <span class="row-amount">${formatMoney(f.amount)}</span>
          </li>`,
        )}
      </ul>
    `,
    actions: html`
      ${
        view.state.can.pay && patron.fees.length > 0 && !paying && !paid && total
          ? html`<button type="button" class="primary" @click=${() => view.send("payFees", { feeIds: patron.fees.map((f) => f.id) })}>
            ${msg(str`Pay ${formatMoney(total)} by card`, { id: "fees.pay" })}
          </button>`
          : nothing
      }
      ${backHome(view)}
    `,
  });
}
