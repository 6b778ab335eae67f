/**
 * The statistics page: transactions per hour (the last day) or per day (the last month) by kind or by
 * result, as a chart and as the same numbers in a table; the mean and longest times per row; every
 * transaction as CSV.
 */
import { msg, str } from "@lit/localize";
import { html, nothing, type TemplateResult } from "lit";
import type { StatisticsReply } from "../../../../protocols/staff-api/schema.ts";
import { languageFor } from "../../i18n/languages.ts";
import { barChart } from "../components/bar-chart.ts";
import { type ChartData, type ChartGrouping, chartData } from "../components/chart-data.ts";
import { formatDuration, formatNumber, formatWallClock } from "../i18n/format.ts";
import { getLocale } from "../i18n/localization.ts";
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

const SERIES_WORDS: Readonly<Record<string, () => string>> = {
  checkout: () => msg("Loans", { id: "staff.statistics.checkout" }),
  checkin: () => msg("Returns", { id: "staff.statistics.checkin" }),
  renew: () => msg("Renewals", { id: "staff.statistics.renew" }),
  "fee-payment": () => msg("Fee payments", { id: "staff.statistics.fee-payment" }),
  "hold-place": () => msg("Holds placed", { id: "staff.statistics.hold-place" }),
  "hold-cancel": () => msg("Holds cancelled", { id: "staff.statistics.hold-cancel" }),
  "patron-login": () => msg("Sign-ins", { id: "staff.statistics.patron-login" }),
  ok: () => msg("Done", { id: "staff.statistics.ok" }),
  offline: () => msg("Done offline", { id: "staff.statistics.offline" }),
  refused: () => msg("Refused", { id: "staff.statistics.refused" }),
  error: () => msg("Failed", { id: "staff.statistics.error" }),
};

/** A kind or result the console has no words for (a newer bridge) shows as the bridge names it. */
const seriesLabel = (name: string) => SERIES_WORDS[name]?.() ?? name;

/** The chart's and table's title for each view and grouping, whole sentences so each language words them freely. */
const TITLES: Readonly<Record<ChartView, Readonly<Record<ChartGrouping, () => string>>>> = {
  hour: {
    kind: () => msg("Transactions per hour over the last day, by kind", { id: "staff.statistics.title-hour-kind" }),
    result: () =>
      msg("Transactions per hour over the last day, by result", { id: "staff.statistics.title-hour-result" }),
  },
  day: {
    kind: () => msg("Transactions per day over the last month, by kind", { id: "staff.statistics.title-day-kind" }),
    result: () =>
      msg("Transactions per day over the last month, by result", { id: "staff.statistics.title-day-result" }),
  },
};

const periodHeading = (view: ChartView) =>
  view === "hour" ? msg("Hour", { id: "staff.statistics.hour" }) : msg("Day", { id: "staff.statistics.day" });

/**
 * A period as the bridge names it, in its own local time ("2026-12-01T14:00+01:00", "2026-12-01"): shown at
 * that clock time, not moved into the browser's zone. Under a bar the hour alone, or the day and month.
 */
const barLabel = (period: string) => formatWallClock(period, period.length > 10 ? "time" : "dayMonth");
const rowLabel = (period: string) => formatWallClock(period, period.length > 10 ? "dateTime" : "date");

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
        <h2 id="statistics-heading">${msg("Statistics", { id: "staff.statistics.heading" })}</h2>
        <div class="staff-inline">
          <div class="staff-toggles" role="group" aria-label=${msg("Period", { id: "staff.statistics.period" })}>
            ${toggle(this.view === "hour", msg("Last day by hour", { id: "staff.statistics.view-hour" }), () => this.#load("hour"))}
            ${toggle(this.view === "day", msg("Last month by day", { id: "staff.statistics.view-day" }), () => this.#load("day"))}
          </div>
          <div class="staff-toggles" role="group" aria-label=${msg("Bars show", { id: "staff.statistics.bars-show" })}>
            ${toggle(this.grouping === "kind", msg("By kind", { id: "staff.statistics.by-kind" }), () => (this.grouping = "kind"))}
            ${toggle(this.grouping === "result", msg("By result", { id: "staff.statistics.by-result" }), () => (this.grouping = "result"))}
          </div>
          <a class="staff-link" href=${staffApi.csvUrl("records")} download>${msg("Download every transaction (CSV)", { id: "staff.statistics.csv" })}</a>
        </div>
        ${
          this.error
            ? html`<p class="state-bad">${this.error}</p>`
            : rows.length === 0
              ? html`<p>${msg("No transactions in this time.", { id: "staff.statistics.none" })}</p>`
              : this.#chartAndTable(chartData(rows, this.grouping, SERIES_ORDER[this.grouping]))
        }
      </section>
      ${rows.length > 0 ? this.#timesTable() : nothing}
    `;
  }

  #chartAndTable(data: ChartData): TemplateResult {
    const title = TITLES[this.view][this.grouping]();
    const total = formatNumber(data.totals.reduce((a, b) => a + b, 0));
    const periods = formatNumber(data.periods.length);
    const busiest = formatNumber(data.max);
    const names = data.series.map((s) => seriesLabel(s.name)).join(", ");
    return html`
      ${barChart(data, {
        title,
        desc: msg(
          str`${total} transactions in ${periods} periods (${names}); the busiest period had ${busiest}. The table below has every number.`,
          { id: "staff.statistics.chart-desc" },
        ),
        periodLabel: barLabel,
        seriesLabel,
        valueLabel: formatNumber,
        rtl: languageFor(getLocale()).dir === "rtl",
      })}
      <table class="staff-table" data-chart-table>
        <caption>${title}</caption>
        <thead>
          <tr>
            <th scope="col">${periodHeading(this.view)}</th>
            ${data.series.map((s) => html`<th scope="col" class="number">${seriesLabel(s.name)}</th>`)}
            <th scope="col" class="number">${msg("Total", { id: "staff.statistics.total" })}</th>
          </tr>
        </thead>
        <tbody>
          ${data.periods.map(
            (period, i) => html`<tr>
              <th scope="row">${rowLabel(period)}</th>
              ${data.series.map((s) => html`<td class="number">${formatNumber(s.values[i] ?? 0)}</td>`)}
              <td class="number">${formatNumber(data.totals[i] ?? 0)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    `;
  }

  #timesTable(): TemplateResult {
    return html`
      <section class="staff-card" aria-labelledby="statistics-times-heading">
        <h2 id="statistics-times-heading">${msg("How long they took", { id: "staff.statistics.times" })}</h2>
        <table class="staff-table">
          ${columnHeads([
            periodHeading(this.view),
            msg("Kind", { id: "staff.statistics.kind" }),
            msg("Result", { id: "staff.statistics.result" }),
            msg("Count", { id: "staff.statistics.count" }),
            msg("Mean time", { id: "staff.statistics.mean" }),
            msg("Longest", { id: "staff.statistics.longest" }),
          ])}
          <tbody>
            ${(this.statistics?.rows ?? []).map(
              (r) => html`<tr>
                <td>${rowLabel(r.period)}</td>
                <td>${seriesLabel(r.kind)}</td>
                <td>${seriesLabel(r.result)}</td>
                <td>${formatNumber(r.count)}</td>
                <td>${formatDuration(r.meanDurationMs)}</td>
                <td>${formatDuration(r.maxDurationMs)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </section>
    `;
  }
}

customElements.define("statistics-page", StatisticsPage);
