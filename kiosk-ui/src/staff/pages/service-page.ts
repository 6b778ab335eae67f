/** The out-of-service page: what the patron screen shows now, and taking the kiosk out of service with a message. */
import { msg, str } from "@lit/localize";
import { html, nothing, type TemplateResult } from "lit";
import { staffApi } from "../staff-client.ts";
import { ILS_WORDS, inService, outOfService, PHASE_WORDS, wordFor } from "../words.ts";
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
        <h2 id="service-heading">${outOfService()}</h2>
        ${
          status
            ? html`<dl class="staff-facts">
              <dt>${msg("Service", { id: "staff.service.service" })}</dt>
              <dd class=${out ? "state-bad" : "state-ok"}>
                ${
                  out
                    ? status.outOfService?.message
                      ? msg(str`Out of service: “${status.outOfService.message}”`, {
                          id: "staff.service.out-with-message",
                        })
                      : outOfService()
                    : inService()
                }
              </dd>
              <dt>${msg("Patron screen", { id: "staff.service.patron-screen" })}</dt>
              <dd>${wordFor(PHASE_WORDS, status.phase)}</dd>
              <dt>${msg("Library system (SIP2)", { id: "staff.service.ils" })}</dt>
              <dd class=${status.ils === "online" ? "state-ok" : "state-bad"}>${ILS_WORDS[status.ils]()}</dd>
            </dl>`
            : nothing
        }
        <form class="staff-inline" @submit=${(e: SubmitEvent) => this.#setOutOfService(e)}>
          ${
            out
              ? nothing
              : html`<label for="service-message">${msg("Message for patrons (optional)", { id: "staff.service.message" })}</label>
                <input id="service-message" name="message" maxlength="200" placeholder=${msg("e.g. Back at 2 pm", { id: "staff.service.message-example" })} />`
          }
          <button type="submit" class=${out ? "" : "danger"}>${out ? msg("Put back in service", { id: "staff.service.put-back" }) : msg("Take out of service", { id: "staff.service.take-out" })}</button>
        </form>
      </section>
    `;
  }
}

customElements.define("service-page", ServicePage);
