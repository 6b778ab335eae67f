/** Borrowing, returning, renewing: rows appear as items are seen, each with its result in words. */
import { msg, str } from "@lit/localize";
import { html, nothing } from "lit";
import { art } from "../components/art.ts";
import "../components/kiosk-keypad.ts";
import { formatDate, formatNumber } from "../i18n/format.ts";
import { backHome, frame, icon, itemList, tally } from "./parts.ts";
import type { View } from "./view.ts";

/** How to present items: on the pad (at most N at a time) and by barcode; not while the keypad is open. */
function placeGuidance(view: View, verb: "borrow" | "return") {
  const { can, tooManyTags, items } = view.state;
  const capacity = can.padCapacity;
  const lines = [];
  if (can.rfid) {
    lines.push(
      capacity
        ? msg(str`Place your items on the pad, at most ${formatNumber(capacity)} at a time.`, { id: "place.pad-max" })
        : msg("Place your items on the pad.", { id: "place.pad" }),
    );
    lines.push(msg("Or scan each barcode.", { id: "place.or-scan" }));
  } else {
    lines.push(
      verb === "borrow"
        ? msg("Scan the barcode of each item you want to borrow.", { id: "place.scan-borrow" })
        : msg("Scan the barcode of each item you are returning.", { id: "place.scan-return" }),
    );
  }
  if (items.some((i) => i.set)) {
    lines.push(msg("Keep all parts of a set together on the pad.", { id: "place.set" }));
  }
  return html`
    ${
      tooManyTags
        ? html`<p class="notice notice-attention" role="alert">${icon("warn")}${
            capacity
              ? msg(str`Too many items on the pad. Take some off: at most ${formatNumber(capacity)} at a time.`, {
                  id: "place.too-many-max",
                })
              : msg("Too many items on the pad. Take some off and try again.", { id: "place.too-many" })
          }</p>`
        : nothing
    }
    ${view.entry === "item" ? nothing : html`<p class="guidance">${lines.join(" ")}</p>`}
  `;
}

function barcodeEntry(view: View) {
  return html`<kiosk-keypad
    layout="alnum"
    .label=${msg("Item barcode", { id: "entry.item-label" })}
    .submitLabel=${msg("Add item", { id: "entry.item-submit" })}
    maxLength="64"
    @submit-value=${(e: CustomEvent<string>) => {
      (e.target as HTMLElement & { clear(): void }).clear();
      view.send("addItem", { itemId: e.detail });
    }}
  ></kiosk-keypad>`;
}

function activity(view: View, action: "checkout" | "checkin") {
  const rows = view.state.items.filter((i) => i.action === action);
  const borrowing = action === "checkout";
  const typing = view.entry === "item";
  const signedIn = view.state.patron !== undefined;
  return frame({
    name: action,
    title: borrowing ? msg("Borrow items", { id: "checkout.title" }) : msg("Return items", { id: "checkin.title" }),
    error: view.error,
    body: html`
      ${placeGuidance(view, borrowing ? "borrow" : "return")}
      ${typing ? barcodeEntry(view) : nothing}
      ${tally(rows)}
      ${
        rows.length
          ? itemList(
              rows,
              borrowing
                ? msg("Items borrowed", { id: "checkout.list" })
                : msg("Items returned", { id: "checkin.list" }),
            )
          : art(view.state.can.rfid ? "items" : "scan")
      }
    `,
    actions: html`
      <button type="button" class="primary" @click=${() => view.send("finish", {})} ?disabled=${rows.length === 0 && signedIn}>
        ${msg("Finish", { id: "action.finish" })}
      </button>
      <button type="button" class="secondary" aria-expanded=${typing ? "true" : "false"} @click=${() => view.setEntry(typing ? undefined : "item")}>
        ${typing ? msg("Hide keyboard", { id: "entry.hide" }) : msg("Type a barcode", { id: "entry.show" })}
      </button>
      ${signedIn && rows.length === 0 ? backHome(view) : nothing}
      ${!signedIn && rows.length === 0 ? html`<button type="button" class="secondary" @click=${() => view.send("endSession", {})}>${msg("Cancel", { id: "action.cancel" })}</button>` : nothing}
    `,
  });
}

export const checkout = (view: View) => activity(view, "checkout");
export const checkin = (view: View) => activity(view, "checkin");

export function renew(view: View) {
  const loans = view.state.patron?.loans ?? [];
  const results = view.state.items.filter((i) => i.action === "renew");
  const selected = [...view.renewSelection].filter((id) => loans.some((l) => l.itemId === id));
  return frame({
    name: "renew",
    title: msg("Renew loans", { id: "renew.title" }),
    lead: msg("Choose the items to keep longer, or renew them all.", { id: "renew.lead" }),
    error: view.error,
    body: html`
      ${results.length ? html`${tally(results)}${itemList(results, msg("Renewal results", { id: "renew.results" }))}` : nothing}
      <ul class="rows panel choose" aria-label=${msg("Your loans", { id: "renew.loans" })}>
        ${loans.map((loan) => {
          const on = view.renewSelection.has(loan.itemId);
          return html`<li>
            <button type="button" class="row choice" role="checkbox" aria-checked=${on ? "true" : "false"} @click=${() => view.toggleRenew(loan.itemId)}>
              <span class="check" aria-hidden="true">${on ? "✓" : ""}</span>
              <span class="row-title">${loan.title ?? loan.itemId}</span>
              <span class="row-meta">
                ${loan.overdue ? html`<span class="badge badge-overdue">${msg("Overdue", { id: "home.overdue" })}</span>` : nothing}
                ${loan.dueDate ? msg(str`Due ${formatDate(loan.dueDate)}`, { id: "home.due" }) : nothing}
              </span>
            </button>
          </li>`;
        })}
      </ul>
    `,
    actions: html`
      <button type="button" class="primary" ?disabled=${selected.length === 0} @click=${() => view.send("renew", { itemIds: selected })}>
        ${msg(str`Renew selected (${formatNumber(selected.length)})`, { id: "renew.selected" })}
      </button>
      <button type="button" class="secondary" ?disabled=${loans.length === 0} @click=${() => view.send("renewAll", {})}>
        ${msg("Renew all", { id: "renew.all" })}
      </button>
      ${backHome(view)}
    `,
  });
}
