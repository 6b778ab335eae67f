/** The statistics page: transactions per day or hour by kind and result, and every transaction as CSV. */
import { html, type TemplateResult } from "lit";
import type { StatisticsReply, StatisticsView } from "../../../../protocols/staff-api/schema.ts";
import { staffApi } from "../staff-client.ts";
import { ConsolePage, messageOf } from "./console-page.ts";

export class StatisticsPage extends ConsolePage {
  static override properties = { statistics: { state: true }, error: { state: true } };

  declare statistics: StatisticsReply | undefined;
  declare error: string | undefined;

  #view: StatisticsView = "day";

  override connectedCallback(): void {
    super.connectedCallback();
    // Each time the page is shown: the numbers move with every transaction.
    void this.#load(this.#view);
  }

  async #load(view: StatisticsView): Promise<void> {
    this.#view = view;
    try {
      this.statistics = await staffApi.statistics(view);
      this.error = undefined;
    } catch (err) {
      this.statistics = undefined;
      this.error = messageOf(err);
    }
  }

  override render(): TemplateResult {
    const rows = this.statistics?.rows ?? [];
    return html`
      <section class="staff-card" aria-labelledby="statistics-heading">
        <h2 id="statistics-heading">Statistics</h2>
        <div class="staff-inline">
          <button type="button" class="secondary" aria-pressed=${this.#view === "day"} @click=${() => this.#load("day")}>By day</button>
          <button type="button" class="secondary" aria-pressed=${this.#view === "hour"} @click=${() => this.#load("hour")}>By hour</button>
          <a class="staff-link" href=${staffApi.csvUrl("records")} download>Download every transaction (CSV)</a>
        </div>
        ${
          this.error
            ? html`<p class="state-bad">${this.error}</p>`
            : rows.length === 0
              ? html`<p>No transactions recorded yet.</p>`
              : html`
                <table class="staff-table">
                  <thead>
                    <tr>
                      <th scope="col">${this.statistics?.view === "hour" ? "Hour" : "Day"}</th>
                      <th scope="col">Kind</th>
                      <th scope="col">Result</th>
                      <th scope="col">Count</th>
                      <th scope="col">Mean time</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${rows.map(
                      (r) => html`<tr>
                        <td>${r.period}</td>
                        <td>${r.kind}</td>
                        <td>${r.result}</td>
                        <td>${r.count}</td>
                        <td>${Math.round(r.meanDurationMs)} ms</td>
                      </tr>`,
                    )}
                  </tbody>
                </table>
              `
        }
      </section>
    `;
  }
}

customElements.define("statistics-page", StatisticsPage);
