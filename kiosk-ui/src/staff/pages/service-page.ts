/** The out-of-service page: what the patron screen shows now, and taking the kiosk out of service with a message. */
import { html, nothing, type TemplateResult } from "lit";
import { staffApi } from "../staff-client.ts";
import { ILS_WORDS } from "../words.ts";
import { ConsolePage } from "./console-page.ts";

export class ServicePage extends ConsolePage {
  async #setOutOfService(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const out = this.status?.outOfService === null;
    const message = String(new FormData(event.target as HTMLFormElement).get("message") ?? "").trim();
    const status = await this.act(() => staffApi.setOutOfService(out, out && message ? message : undefined));
    if (status) this.statusChanged(status);
  }

  override render(): TemplateResult {
    const status = this.status;
    const out = status?.outOfService != null;
    return html`
      <section class="staff-card" aria-labelledby="service-heading">
        <h2 id="service-heading">Out of service</h2>
        ${
          status
            ? html`<dl class="staff-facts">
              <dt>Service</dt>
              <dd class=${out ? "state-bad" : "state-ok"}>
                ${out ? `Out of service${status.outOfService?.message ? `: “${status.outOfService.message}”` : ""}` : "In service"}
              </dd>
              <dt>Patron screen</dt>
              <dd>${status.phase}</dd>
              <dt>Library system (SIP2)</dt>
              <dd class=${status.ils === "online" ? "state-ok" : "state-bad"}>${ILS_WORDS[status.ils]}</dd>
            </dl>`
            : nothing
        }
        <form class="staff-inline" @submit=${(e: SubmitEvent) => this.#setOutOfService(e)}>
          ${
            out
              ? nothing
              : html`<label for="service-message">Message for patrons (optional)</label>
                <input id="service-message" name="message" maxlength="200" placeholder="e.g. Back at 2 pm" />`
          }
          <button type="submit" class=${out ? "" : "danger"}>${out ? "Put back in service" : "Take out of service"}</button>
        </form>
      </section>
    `;
  }
}

customElements.define("service-page", ServicePage);
