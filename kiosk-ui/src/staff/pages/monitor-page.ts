/**
 * The live session page: what the patron screen shows right now, for staff at the desk — the screen, the
 * items with titles and results, what the patron was told, the devices — never who the patron is (the
 * bridge sends no name, card or email: GET /api/staff/monitor).
 */
import { msg, str } from "@lit/localize";
import { html, nothing, type TemplateResult } from "lit";
import type { MonitorNotice, MonitorView } from "../../../../protocols/staff-api/schema.ts";
import { formatNumber } from "../i18n/format.ts";
import { staffApi } from "../staff-client.ts";
import {
  BLOCK_WORDS,
  HEALTH_WORDS,
  ILS_WORDS,
  ITEM_STATUS_WORDS,
  NOTICE_WORDS,
  PHASE_WORDS,
  REASON_WORDS,
  TRANSACTION_WORDS,
  wordFor,
} from "../words.ts";
import { ConsolePage, columnHeads } from "./console-page.ts";

/** " (why)" after a status, when there is a reason. */
const because = (reason: string | undefined) => (reason ? ` (${wordFor(REASON_WORDS, reason)})` : "");

/** How many of the patron's latest notices the page keeps. */
const NOTICES_SHOWN = 8;

export class MonitorPage extends ConsolePage {
  static override properties = { view: { state: true }, notices: { state: true } };

  declare view: MonitorView | undefined;
  declare notices: readonly MonitorNotice[];
  #stop: (() => void) | undefined;

  constructor() {
    super();
    this.view = undefined;
    this.notices = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#stop = staffApi.watchSession(
      (view) => {
        this.view = view;
      },
      (notice) => {
        this.notices = [notice, ...this.notices].slice(0, NOTICES_SHOWN);
      },
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stop?.();
    this.#stop = undefined;
  }

  override render(): TemplateResult {
    const view = this.view;
    return html`
      <section class="staff-card" aria-labelledby="monitor-heading">
        <h2 id="monitor-heading">${msg("Live session", { id: "staff.monitor.heading" })}</h2>
        ${view ? this.#session(view) : html`<p>${msg("Waiting for the kiosk…", { id: "staff.monitor.waiting" })}</p>`}
      </section>
    `;
  }

  #session(view: MonitorView): TemplateResult {
    const patron = view.patron;
    return html`
      <dl class="staff-facts">
        <dt>${msg("Patron screen", { id: "staff.monitor.screen" })}</dt>
        <dd data-phase=${view.phase}>${wordFor(PHASE_WORDS, view.phase)}</dd>
        <dt>${msg("Patron", { id: "staff.monitor.patron" })}</dt>
        <dd>
          ${
            patron
              ? msg(str`A patron is signed in (${formatNumber(patron.loans)} loans)`, { id: "staff.monitor.signed-in" })
              : view.pinAttemptsLeft !== undefined
                ? msg("A patron is entering a PIN", { id: "staff.monitor.pin" })
                : msg("Nobody is signed in", { id: "staff.monitor.nobody" })
          }
          ${patron && patron.blocks.length > 0 ? html`(${patron.blocks.map((b) => wordFor(BLOCK_WORDS, b)).join(", ")})` : nothing}
        </dd>
        <dt>${msg("Library system", { id: "staff.monitor.ils" })}</dt>
        <dd>${wordFor(ILS_WORDS, view.ils.status)}${view.ils.offlineMode ? msg(", lending offline", { id: "staff.monitor.offline" }) : ""}</dd>
        <dt>${msg("Devices", { id: "staff.monitor.devices" })}</dt>
        <dd>${view.devices.map((d) => `${d.id}: ${wordFor(HEALTH_WORDS, d.health)}${d.problem ? ` (${d.problem})` : ""}`).join(", ")}</dd>
      </dl>
      ${
        view.items.length > 0
          ? html`<table class="staff-table">
              ${columnHeads([
                msg("Item", { id: "staff.monitor.item" }),
                msg("Title", { id: "staff.monitor.title" }),
                msg("Action", { id: "staff.monitor.action" }),
                msg("Result", { id: "staff.monitor.result" }),
              ])}
              <tbody>
                ${view.items.map(
                  (row) => html`<tr>
                    <td>${row.itemId}</td>
                    <td><bdi>${row.title ?? ""}</bdi></td>
                    <td>${wordFor(TRANSACTION_WORDS, row.action)}</td>
                    <td>${wordFor(ITEM_STATUS_WORDS, row.status)}${because(row.reason)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>`
          : nothing
      }
      ${
        this.notices.length > 0
          ? html`<h3>${msg("What the patron was told", { id: "staff.monitor.notices" })}</h3>
            <ul>
              ${this.notices.map((n) => html`<li>${wordFor(NOTICE_WORDS, n.code)}${because(n.reason)}</li>`)}
            </ul>`
          : nothing
      }
    `;
  }
}

customElements.define("monitor-page", MonitorPage);
