/**
 * The inventory page: start a shelf check, move the handheld or pad along the shelf (or lay the books on the
 * pad a few at a time), and watch each item's status as the ILS answers; stop, and download the list as CSV.
 * The list is the bridge's; the page asks for it again every second while the check runs.
 */
import { msg, str } from "@lit/localize";
import { html, nothing, type TemplateResult } from "lit";
import {
  INVENTORY_STATUSES,
  type InventoryReport,
  type InventoryStatus,
} from "../../../../protocols/staff-api/schema.ts";
import { formatNumber } from "../i18n/format.ts";
import { staffApi } from "../staff-client.ts";
import { ConsolePage, columnHeads } from "./console-page.ts";
import { padBusyWarning } from "./tags-page.ts";

const REFRESH_MS = 1000;

/** What each status means, in the words staff use at the shelf. */
const STATUS_WORDS: Readonly<Record<InventoryStatus, () => string>> = {
  pending: () => msg("Waiting for the library system", { id: "staff.inventory.status-pending" }),
  "on-shelf": () => msg("On shelf", { id: "staff.inventory.status-on-shelf" }),
  "checked-out": () => msg("Checked out, but on the shelf", { id: "staff.inventory.status-checked-out" }),
  missing: () => msg("Missing or lost in the library system", { id: "staff.inventory.status-missing" }),
  misplaced: () => msg("Belongs to another branch", { id: "staff.inventory.status-misplaced" }),
  unknown: () => msg("Unknown to the library system", { id: "staff.inventory.status-unknown" }),
  unreadable: () => msg("Tag without readable item data", { id: "staff.inventory.status-unreadable" }),
  "not-checked": () => msg("Not checked", { id: "staff.inventory.status-not-checked" }),
};

/** Every status but these two asks staff to do something. */
const NEEDS_ACTION: ReadonlySet<InventoryStatus> = new Set(
  INVENTORY_STATUSES.filter((s) => s !== "pending" && s !== "on-shelf"),
);

export class InventoryPage extends ConsolePage {
  static override properties = { report: { state: true }, busy: { state: true } };

  declare report: InventoryReport | undefined;
  declare busy: boolean;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    this.report = undefined;
    this.busy = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#refresh();
    this.#timer = setInterval(() => {
      if (this.report?.running) void this.#refresh();
    }, REFRESH_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.#timer);
  }

  async #refresh(): Promise<void> {
    const report = await this.act(() => staffApi.inventory());
    if (report) this.report = report;
  }

  async #start(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const branch = String(form.get("branch") ?? "").trim();
    const device = String(form.get("device") ?? "");
    this.busy = true;
    const report = await this.act(() => staffApi.startInventory(branch || undefined, device || undefined));
    this.busy = false;
    if (report) this.report = report;
  }

  async #stop(): Promise<void> {
    this.busy = true;
    const report = await this.act(() => staffApi.stopInventory());
    this.busy = false;
    if (report) this.report = report;
  }

  override render(): TemplateResult {
    const report = this.report;
    const running = report?.running ?? false;
    const inService = this.status !== undefined && this.status.outOfService === null;
    return html`
      <section class="staff-card" aria-labelledby="inventory-heading">
        <h2 id="inventory-heading">${msg("Inventory", { id: "staff.inventory.heading" })}</h2>
        <p class="staff-hint">
          ${msg("Start, then move the reader along the shelf or put the books on the pad a few at a time. Each item is checked once with the library system.", { id: "staff.inventory.hint" })}
        </p>
        ${inService && !running ? padBusyWarning() : nothing}
        <form class="staff-inline" @submit=${(e: SubmitEvent) => this.#start(e)}>
          <label for="inventory-branch">${msg("Branch", { id: "staff.inventory.branch" })}</label>
          <input id="inventory-branch" name="branch" maxlength="32" .value=${report?.branch ?? ""} ?disabled=${running} />
          ${report && report.readers.length > 1 ? this.#readerChoice(report, running) : nothing}
          ${
            running
              ? html`<button type="button" class="danger" ?disabled=${this.busy} @click=${() => this.#stop()}>
                ${msg("Stop", { id: "staff.inventory.stop" })}
              </button>`
              : html`<button type="submit" ?disabled=${this.busy || inService}>
                ${msg("Start inventory", { id: "staff.inventory.start" })}
              </button>`
          }
          ${
            report && report.items.length > 0
              ? html`<a class="staff-link" href=${staffApi.inventoryCsvUrl()} download="selfcheck-inventory.csv">
                ${msg("Download CSV", { id: "staff.inventory.csv" })}
              </a>`
              : nothing
          }
        </form>
        ${report ? this.#renderReport(report) : nothing}
      </section>
    `;
  }

  /** Which RFID reader to use, when there is more than one: the last one used, else the first. */
  #readerChoice(report: InventoryReport, running: boolean): TemplateResult {
    const chosen = report.readers.some((r) => r.id === report.device) ? report.device : report.readers[0]?.id;
    return html`<label for="inventory-device">${msg("Reader", { id: "staff.inventory.reader" })}</label>
      <select id="inventory-device" name="device" ?disabled=${running}>
        ${report.readers.map((r) => html`<option value=${r.id} ?selected=${r.id === chosen}>${r.name}</option>`)}
      </select>`;
  }

  #renderReport(report: InventoryReport): TemplateResult {
    const counted = Object.entries(report.counts).filter(([, n]) => n > 0) as Array<[InventoryStatus, number]>;
    return html`
      ${report.readerError ? html`<p role="alert" class="staff-warning">${report.readerError}</p>` : nothing}
      <p role="status" class=${report.ilsOffline ? "staff-warning" : "staff-hint"}>
        ${
          report.ilsOffline
            ? msg("The library system is not answering: items wait and are checked when it is back.", {
                id: "staff.inventory.ils-offline",
              })
            : report.running
              ? msg(str`Running: ${formatNumber(report.items.length)} items so far.`, { id: "staff.inventory.running" })
              : msg(str`Stopped: ${formatNumber(report.items.length)} items.`, { id: "staff.inventory.stopped" })
        }
      </p>
      ${
        counted.length > 0
          ? html`<ul class="staff-counts">
            ${counted.map(([status, n]) => html`<li class=${NEEDS_ACTION.has(status) ? "state-bad" : ""}>${STATUS_WORDS[status]()}: <strong>${formatNumber(n)}</strong></li>`)}
          </ul>`
          : nothing
      }
      <table class="staff-table">
        ${columnHeads([
          msg("Item", { id: "staff.inventory.item" }),
          msg("Title", { id: "staff.inventory.title" }),
          msg("Call number", { id: "staff.inventory.call-number" }),
          msg("Status", { id: "staff.inventory.status" }),
          msg("Home branch", { id: "staff.inventory.home-branch" }),
        ])}
        <tbody>
          ${report.items.map(
            (item) => html`<tr data-item=${item.itemId}>
              <th scope="row">${item.itemId}</th>
              <td><bdi>${item.title ?? ""}</bdi></td>
              <td><bdi>${item.callNumber ?? ""}</bdi></td>
              <td class=${NEEDS_ACTION.has(item.status) ? "state-bad" : item.status === "on-shelf" ? "state-ok" : ""}>${STATUS_WORDS[item.status]()}</td>
              <td>${item.homeBranch ?? ""}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    `;
  }
}

customElements.define("inventory-page", InventoryPage);
