/**
 * The tag programming page: the item's barcode (typed, or the scanner's next scan), the data model, owner
 * library and set information, lock and security; the bridge writes the one tag on the pad and the page shows
 * the tag as read back, which is the proof. Needs the kiosk out of service (the pad is the patron's otherwise).
 */
import { msg, str } from "@lit/localize";
import { html, nothing, type TemplateResult } from "lit";
import {
  TAG_PROGRAM_MODELS,
  type TagProgramModel,
  type TagProgramReply,
  type TagProgramRequest,
  type TagStationInfo,
} from "../../../../protocols/staff-api/schema.ts";
import { formatNumber } from "../i18n/format.ts";
import { staffApi } from "../staff-client.ts";
import { SECURITY_WORDS, wordFor } from "../words.ts";
import { ConsolePage } from "./console-page.ts";

const MODEL_NAMES: Readonly<Record<TagProgramModel, string>> = {
  "iso28560-2": "ISO 28560-2",
  "iso28560-3": "ISO 28560-3",
};

/** Tag programming and inventory use the pad, which is the patron's while the kiosk is in service. */
export function padBusyWarning(): TemplateResult {
  return html`<p class="staff-warning" role="status">
    ${msg("Take the kiosk out of service first: while it is in service the pad is the patron's.", {
      id: "staff.tags.needs-out-of-service",
    })}
  </p>`;
}

export class TagsPage extends ConsolePage {
  static override properties = {
    station: { state: true },
    itemId: { state: true },
    busy: { state: true },
    result: { state: true },
  };

  declare station: TagStationInfo | undefined;
  declare itemId: string;
  declare busy: "" | "scan" | "write";
  declare result: TagProgramReply | undefined;

  constructor() {
    super();
    this.station = undefined;
    this.itemId = "";
    this.busy = "";
    this.result = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.act(() => staffApi.tagStation()).then((station) => {
      if (station) this.station = station;
    });
  }

  async #scan(): Promise<void> {
    const scanner = this.status?.devices.find((d) => d.kind === "scanner");
    if (!scanner) return;
    this.busy = "scan";
    const reply = await this.act(() => staffApi.testDevice(scanner.id));
    this.busy = "";
    if (reply?.scan && reply.scan.kind !== "patron") this.itemId = reply.scan.code;
  }

  async #write(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const part = text("part");
    const parts = text("parts");
    const request: TagProgramRequest = {
      itemId: text("item"),
      model: text("model") as TagProgramModel,
      secured: form.get("security") !== "unsecured",
      lock: form.get("lock") === "on",
      ...(text("owner") ? { owner: text("owner") } : {}),
      ...(part && parts ? { partNumber: Number(part), partsInSet: Number(parts) } : {}),
    };
    this.busy = "write";
    this.result = undefined;
    const reply = await this.act(() => staffApi.programTag(request));
    this.busy = "";
    if (reply) this.result = reply;
  }

  override render(): TemplateResult {
    const station = this.station;
    const inService = this.status !== undefined && this.status.outOfService === null;
    const hasScanner = this.status?.devices.some((d) => d.kind === "scanner") ?? false;
    return html`
      <section class="staff-card" aria-labelledby="tags-heading">
        <h2 id="tags-heading">${msg("Tag programming", { id: "staff.tags.heading" })}</h2>
        <p class="staff-hint">
          ${msg("Put one item on the pad. Its tag gets the barcode, then the security, and is read back.", {
            id: "staff.tags.hint",
          })}
        </p>
        ${inService ? padBusyWarning() : nothing}
        <form class="staff-form" @submit=${(e: SubmitEvent) => this.#write(e)}>
          <label for="tag-item">${msg("Item barcode", { id: "staff.tags.item" })}</label>
          <div class="staff-inline">
            <input id="tag-item" name="item" required maxlength="32" autocomplete="off" .value=${this.itemId}
              @input=${(e: Event) => {
                this.itemId = (e.target as HTMLInputElement).value;
              }} />
            ${
              hasScanner
                ? html`<button type="button" ?disabled=${this.busy !== "" || inService} @click=${() => this.#scan()}>
                  ${this.busy === "scan" ? msg("Waiting for a scan…", { id: "staff.tags.scanning" }) : msg("Scan", { id: "staff.tags.scan" })}
                </button>`
                : nothing
            }
          </div>
          <label for="tag-model">${msg("Data model", { id: "staff.tags.model" })}</label>
          <select id="tag-model" name="model">
            ${TAG_PROGRAM_MODELS.map(
              (m) => html`<option value=${m} ?selected=${station?.model === m}>${MODEL_NAMES[m]}</option>`,
            )}
          </select>
          <label for="tag-owner">${msg("Owner library (ISIL)", { id: "staff.tags.owner" })}</label>
          <input id="tag-owner" name="owner" maxlength="16" .value=${station?.owner ?? ""} placeholder="DE-1" />
          <fieldset class="staff-inline">
            <legend>${msg("Set (optional): part … of …", { id: "staff.tags.set" })}</legend>
            <label for="tag-part">${msg("Part", { id: "staff.tags.part" })}</label>
            <input id="tag-part" name="part" type="number" min="1" max="255" inputmode="numeric" />
            <label for="tag-parts">${msg("of", { id: "staff.tags.of" })}</label>
            <input id="tag-parts" name="parts" type="number" min="1" max="255" inputmode="numeric" />
          </fieldset>
          <fieldset class="staff-inline">
            <legend>${msg("Security after writing", { id: "staff.tags.security" })}</legend>
            <label><input type="radio" name="security" value="secured" checked />
              ${msg("Secured (in the library)", { id: "staff.tags.secured" })}</label>
            <label><input type="radio" name="security" value="unsecured" />
              ${msg("Not secured", { id: "staff.tags.unsecured" })}</label>
          </fieldset>
          <label class="staff-check">
            <input type="checkbox" name="lock" ?disabled=${!station?.canLockBlocks} />
            ${msg("Lock the written blocks (for good: the tag can never be rewritten)", { id: "staff.tags.lock" })}
          </label>
          ${
            station && !station.canLockBlocks
              ? html`<p class="staff-hint">${msg("This pad's reader cannot lock blocks.", { id: "staff.tags.no-lock" })}</p>`
              : nothing
          }
          <button type="submit" ?disabled=${this.busy !== "" || inService}>
            ${this.busy === "write" ? msg("Writing…", { id: "staff.tags.writing" }) : msg("Write tag", { id: "staff.tags.write" })}
          </button>
        </form>
        ${this.result ? this.#renderResult(this.result) : nothing}
      </section>
    `;
  }

  #renderResult(result: TagProgramReply): TemplateResult {
    const reading = result.reading;
    const fields = Object.entries(reading.fields ?? {});
    return html`
      <div class="staff-result" role="status" aria-labelledby="tag-result-heading">
        <h3 id="tag-result-heading">
          ${
            result.written
              ? msg(str`Tag ${result.uid} written and verified`, { id: "staff.tags.written" })
              : msg(str`Tag ${result.uid} already held this data`, { id: "staff.tags.unchanged" })
          }
        </h3>
        <dl class="staff-facts">
          <dt>${msg("Data model", { id: "staff.tags.model" })}</dt>
          <dd>${reading.model ?? "?"}</dd>
          <dt>${msg("Security", { id: "staff.tags.read-security" })}</dt>
          <dd>${wordFor(SECURITY_WORDS, reading.security)}${reading.afi !== undefined ? ` (AFI 0x${reading.afi.toString(16).toUpperCase().padStart(2, "0")})` : ""}</dd>
          <dt>${msg("Locked blocks", { id: "staff.tags.locked-blocks" })}</dt>
          <dd>${formatNumber(result.lockedBlocks)}</dd>
        </dl>
        <table class="staff-table">
          <caption>${msg("Read back from the tag", { id: "staff.tags.read-back" })}</caption>
          <thead><tr>
            <th scope="col">${msg("Field", { id: "staff.tags.field" })}</th>
            <th scope="col">${msg("Value", { id: "staff.tags.value" })}</th>
          </tr></thead>
          <tbody>${fields.map(([name, value]) => html`<tr><th scope="row">${name}</th><td><bdi>${String(value)}</bdi></td></tr>`)}</tbody>
        </table>
      </div>
    `;
  }
}

customElements.define("tags-page", TagsPage);
