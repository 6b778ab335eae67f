/** Pieces every screen is made of: the frame with its heading, item rows, notes. */
import { msg, str } from "@lit/localize";
import { html, nothing, type TemplateResult } from "lit";
import type { ItemRow } from "../../../protocols/kiosk-api/schema.ts";
import { formatDate, formatNumber } from "../i18n/format.ts";
import { cartSwatch, errorWords, reasonWords, routingWords, rowReasonWords } from "../i18n/words.ts";
import { needsPatron } from "./reveal.ts";
import type { View } from "./view.ts";

export interface Frame {
  name: string;
  title: string | TemplateResult;
  lead?: string | TemplateResult | undefined;
  body?: TemplateResult | typeof nothing;
  /** The one primary action first, then the rest. */
  actions?: TemplateResult | typeof nothing;
  error?: View["error"];
}

/**
 * A label whose "(…)" part stays on one line: a two-line label then breaks before the parenthesis, as in
 * "Return items / (no card needed)", never inside it.
 */
export function keepAsides(label: string): TemplateResult {
  const parts = label.split(/(\([^()]*\))/);
  return html`${parts.map((part, i) => (i % 2 === 1 ? html`<span class="aside">${part}</span>` : part))}`;
}

/**
 * The heading takes focus on every new screen (tabindex -1), so a screen reader starts there. The body
 * scrolls when it is long, so it is focusable too: arrow keys scroll it. Under a body that scrolls, a cue
 * says while there is more below (the app shows and hides it), and a tap on it scrolls on. It is beside the
 * body, not over it, so it never covers a key or a row; it is for the eye only, as a screen reader reads
 * the whole body anyway.
 */
export function frame(f: Frame): TemplateResult {
  return html`
    <section class="screen screen-${f.name}" aria-labelledby="screen-title">
      <div class="screen-head">
        <h1 id="screen-title" tabindex="-1">${f.title}</h1>
        ${f.lead ? html`<p class="lead">${f.lead}</p>` : nothing}
      </div>
      <div class="screen-scroll">
        <div class="screen-body" tabindex="0">
          ${f.error ? html`<p class="notice notice-failure" role="alert">${errorWords[f.error]()}</p>` : nothing}
          ${f.body ?? nothing}
        </div>
        <div class="more-below" hidden aria-hidden="true" @click=${scrollOn}>
          <span class="more-below-arrow">↓</span>${msg("More below", { id: "app.more-below" })}
        </div>
      </div>
      ${f.actions ? html`<div class="actions">${f.actions}</div>` : nothing}
    </section>
  `;
}

/** A tap on the cue scrolls the body on by three quarters of its height; at once if motion is reduced. */
function scrollOn(event: Event): void {
  const body = (event.currentTarget as HTMLElement).previousElementSibling;
  const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
  body?.scrollBy({ top: body.clientHeight * 0.75, behavior: still ? "instant" : "smooth" });
}

export const icon = (name: "ok" | "fail" | "warn" | "wait"): TemplateResult =>
  html`<span class="icon icon-${name}" aria-hidden="true">${{ ok: "✓", fail: "✕", warn: "!", wait: "" }[name]}</span>`;

const STATUS_ICON = { pending: "wait", working: "wait", done: "ok", refused: "fail", attention: "warn" } as const;

/** What happened to the row and what to do, beyond its status label; nothing while it is in progress. */
function statusWords(row: ItemRow): string {
  switch (row.status) {
    case "pending":
    case "working":
      // A set part waits for the others: say what is missing while it waits (SET_INCOMPLETE).
      return row.reason ? reasonWords[row.reason]() : "";
    case "refused":
    case "attention":
      return rowReasonWords(row.action, row.reason ?? "SEE_STAFF");
    case "done":
      if (row.action === "checkin")
        return row.routing ? routingWords(row.routing) : msg("Returned. Thank you.", { id: "item.returned" });
      if (row.dueDate) {
        const due = formatDate(row.dueDate);
        return row.action === "renew"
          ? msg(str`Renewed. Due back ${due}.`, { id: "item.renewed-due" })
          : msg(str`Due back ${due}.`, { id: "item.due" });
      }
      return row.action === "renew"
        ? msg("Renewed.", { id: "item.renewed" })
        : msg("Borrowed.", { id: "item.borrowed" });
  }
}

const statusLabel = (row: ItemRow): string =>
  ({
    pending: msg("Waiting…", { id: "item.pending" }),
    working: msg("Checking…", { id: "item.working" }),
    done: msg("OK", { id: "status.done" }),
    refused: msg("Not done", { id: "status.refused" }),
    attention: msg("Needs attention", { id: "status.attention" }),
  })[row.status];

export function itemRow(row: ItemRow): TemplateResult {
  const swatch = row.routing?.cart ? cartSwatch(row.routing.cart) : undefined;
  return html`
    <li class="item item-${row.status}" data-key=${row.key}>
      ${icon(STATUS_ICON[row.status])}
      <div class="item-text">
        <span class="item-title">${row.title ?? msg(str`Item ${row.itemId}`, { id: "item.untitled" })}</span>
        <span class="item-status"><strong class="status-label">${statusLabel(row)}</strong> ${statusWords(row)}</span>
        ${
          row.set
            ? html`<span class="item-note">${msg(str`Part ${formatNumber(row.set.part)} of ${formatNumber(row.set.of)} of a set`, { id: "item.set" })}</span>`
            : nothing
        }
        ${
          row.offline
            ? html`<span class="item-note">${msg("Recorded while offline; the library confirms it later.", { id: "item.offline" })}</span>`
            : nothing
        }
      </div>
      ${swatch ? html`<span class="cart-swatch" style="--cart:${swatch}" aria-hidden="true"></span>` : nothing}
    </li>
  `;
}

export function itemList(rows: readonly ItemRow[], label: string): TemplateResult {
  return html`<ul class="items" aria-label=${label}>${rows.map(itemRow)}</ul>`;
}

/** "3 of 5 done", counting finished rows only. */
export function tally(rows: readonly ItemRow[]): TemplateResult | typeof nothing {
  if (rows.length === 0) return nothing;
  const done = rows.filter((r) => r.status === "done").length;
  const problems = rows.filter((r) => needsPatron(r.status)).length;
  return html`<p class="tally">
    ${msg(str`${formatNumber(done)} of ${formatNumber(rows.length)} done`, { id: "tally.done" })}${
      problems
        ? html` · <span class="tally-problems">${msg(str`${formatNumber(problems)} need attention`, { id: "tally.problems" })}</span>`
        : nothing
    }
  </p>`;
}

export const backHome = (view: View): TemplateResult =>
  html`<button type="button" class="secondary" @click=${() => view.send("show", { screen: "home" })}>
    ${msg("Back to my account", { id: "action.back-home" })}
  </button>`;
