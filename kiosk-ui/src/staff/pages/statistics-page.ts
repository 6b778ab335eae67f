/**
 * The statistics page: transactions per hour (the last day) or per day (the last month) by kind or by
 * result, as a chart and as the same numbers in a table; the mean and longest times per row; every
 * transaction as CSV.
 */
import { html, nothing, type TemplateResult } from "lit";
import type { StatisticsReply } from "../../../../protocols/staff-api/schema.ts";
import { barChart } from "../components/bar-chart.ts";
import { type ChartData, type ChartGrouping, chartData } from "../components/chart-data.ts";
import { staffApi } from "../staff-client.ts";
import { ConsolePage, columnHeads, messageOf } from "./console-page.ts";

type ChartView = "hour" | "day";

/** How far back each view looks: the last day by hour, the last month by day. */
const SPAN_MS: Readonly<Record<ChartView, number>> = { hour: 24 * 3_600_000, day: 31 * 24 * 3_600_000 };

/** Series in a steady order, so colours and columns do not move between views. */
const SERIES_ORDER: Readonly<Record<ChartGrouping, readonly string[]>> = {
  kind: ["checkout", "checkin", "renew", "fee-payment", "hold-place", "hold-cancel", "patron-login"],
  result: ["ok", "offline", "refused", "error"],
};

const SERIES_WORDS: Readonly<Record<string, string>> = {
  checkout: "Loans",
  checkin: "Returns",
  renew: "Renewals",
  "fee-payment": "Fee payments",
  "hold-place": "Holds placed",
  "hold-cancel": "Holds cancelled",
  "patron-login": "Sign-ins",
  ok: "Done",
  offline: "Done offline",
  refused: "Refused",
  error: "Failed",
};

const seriesLabel = (name: string) => SERIES_WORDS[name] ?? name;

/** "14:00" for an hour, "1 Dec" for a day (the bridge's local time, as it names the period). */
function periodLabel(period: string): string {
  if (period.length > 10) return period.slice(11, 16);
  return new Date(`${period}T12:00Z`).toLocaleDateString(undefined, {
    day: "numeric",
    month: "short",
    timeZone: "UTC",
  });
}

export class StatisticsPage extends ConsolePage {
  static override properties = {
    statistics: { state: true },
    error: { state: true },
    view: { state: true },
    grouping: { state: true },
  };

  declare statistics: StatisticsReply | undefined;
  declare error: string | undefined;
  declare view: ChartView;
  declare grouping: ChartGrouping;

  constructor() {
    super();
    this.statistics = undefined;
    this.error = undefined;
    this.view = "hour";
    this.grouping = "kind";
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Each time the page is shown: the numbers move with every transaction.
    void this.#load(this.view);
  }

  async #load(view: ChartView): Promise<void> {
    this.view = view;
    try {
      this.statistics = await staffApi.statistics(view, Date.now() - SPAN_MS[view]);
      this.error = undefined;
    } catch (err) {
      this.statistics = undefined;
      this.error = messageOf(err);
    }
  }

  override render(): TemplateResult {
    const rows = this.statistics?.rows ?? [];
    const toggle = (pressed: boolean, label: string, act: () => void) =>
      html`<button type="button" class="secondary" aria-pressed=${pressed} @click=${act}>${label}</button>`;
    return html`
      <section class="staff-card" aria-labelledby="statistics-heading">
        <h2 id="statistics-heading">Statistics</h2>
        <div class="staff-inline">
          <div class="staff-toggles" role="group" aria-label="Period">
            ${toggle(this.view === "hour", "Last day by hour", () => this.#load("hour"))}
            ${toggle(this.view === "day", "Last month by day", () => this.#load("day"))}
          </div>
          <div class="staff-toggles" role="group" aria-label="Bars show">
            ${toggle(this.grouping === "kind", "By kind", () => (this.grouping = "kind"))}
            ${toggle(this.grouping === "result", "By result", () => (this.grouping = "result"))}
          </div>
          <a class="staff-link" href=${staffApi.csvUrl("records")} download>Download every transaction (CSV)</a>
        </div>
        ${
          this.error
            ? html`<p class="state-bad">${this.error}</p>`
            : rows.length === 0
              ? html`<p>No transactions in this time.</p>`
              : this.#chartAndTable(chartData(rows, this.grouping, SERIES_ORDER[this.grouping]))
        }
      </section>
      ${rows.length > 0 ? this.#timesTable() : nothing}
    `;
  }

  #chartAndTable(data: ChartData): TemplateResult {
    const span = this.view === "hour" ? "per hour over the last day" : "per day over the last month";
    const total = data.totals.reduce((a, b) => a + b, 0);
    const names = data.series.map((s) => seriesLabel(s.name)).join(", ");
    return html`
      ${barChart(data, {
        title: `Transactions ${span}, by ${this.grouping}`,
        desc: `${total} transactions in ${data.periods.length} periods (${names}); the busiest period had ${data.max}. The table below has every number.`,
        periodLabel,
        seriesLabel,
      })}
      <table class="staff-table" data-chart-table>
        <caption>Transactions ${span}, by ${this.grouping}</caption>
        <thead>
          <tr>
            <th scope="col">${this.view === "hour" ? "Hour" : "Day"}</th>
            ${data.series.map((s) => html`<th scope="col" class="number">${seriesLabel(s.name)}</th>`)}
            <th scope="col" class="number">Total</th>
          </tr>
        </thead>
        <tbody>
          ${data.periods.map(
            (period, i) => html`<tr>
              <th scope="row">${this.view === "hour" ? period.replace("T", " ") : period}</th>
              ${data.series.map((s) => html`<td class="number">${s.values[i]}</td>`)}
              <td class="number">${data.totals[i]}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    `;
  }

  #timesTable(): TemplateResult {
    return html`
      <section class="staff-card" aria-labelledby="statistics-times-heading">
        <h2 id="statistics-times-heading">How long they took</h2>
        <table class="staff-table">
          ${columnHeads([this.view === "hour" ? "Hour" : "Day", "Kind", "Result", "Count", "Mean time", "Longest"])}
          <tbody>
            ${(this.statistics?.rows ?? []).map(
              (r) => html`<tr>
                <td>${r.period.replace("T", " ")}</td>
                <td>${seriesLabel(r.kind)}</td>
                <td>${seriesLabel(r.result)}</td>
                <td>${r.count}</td>
                <td>${Math.round(r.meanDurationMs)} ms</td>
                <td>${Math.round(r.maxDurationMs)} ms</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </section>
    `;
  }
}

customElements.define("statistics-page", StatisticsPage);
