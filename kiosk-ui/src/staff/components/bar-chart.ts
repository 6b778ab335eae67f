/**
 * A stacked bar chart in SVG, drawn by hand (no chart library: the console's bundle stays small). It is an
 * image with a title and a description for screen readers; the page shows the same numbers as a table.
 */
import { html, svg, type TemplateResult } from "lit";
import { axisSteps, type ChartData } from "./chart-data.ts";

export interface BarChartText {
  title: string;
  desc: string;
  /** A period's label under its bar. */
  periodLabel: (period: string) => string;
  /** A series' name in the legend. */
  seriesLabel: (name: string) => string;
  /** A number on the value axis, in the page's language. */
  valueLabel: (value: number) => string;
  /**
   * Right to left: time runs from the right and the value axis stands on the right, as an RTL reader scans
   * (Material Design's bidirectionality guidance mirrors charts whose axis is time).
   */
  rtl: boolean;
}

/** Colours with at least 3:1 contrast on white (WCAG 1.4.11), known series first, then the palette in turn. */
const SERIES_COLOURS: Readonly<Record<string, string>> = {
  checkout: "#0b5a61",
  checkin: "#1d4ed8",
  renew: "#7c3aed",
  ok: "#1b6535",
  offline: "#b45309",
  refused: "#a3161a",
  error: "#4b5563",
};
const PALETTE = ["#0e7490", "#be185d", "#4d7c0f", "#9333ea", "#c2410c", "#475569"];

export function seriesColour(name: string, index: number): string {
  return SERIES_COLOURS[name] ?? PALETTE[index % PALETTE.length]!;
}

const WIDTH = 960;
const HEIGHT = 300;
const PAD = { top: 12, right: 12, bottom: 36, left: 44 };
/** At most this many period labels under the bars; the others are left out so none overlap. */
const MAX_LABELS = 16;

let charts = 0;

export function barChart(data: ChartData, text: BarChartText): TemplateResult {
  const id = `chart-${++charts}`;
  const steps = axisSteps(data.max);
  const top = steps.at(-1) || 1;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const band = plotW / Math.max(1, data.periods.length);
  // Thin bars for a long span; at most 56 wide, so a single period does not look like a wall.
  const barW = Math.min(56, Math.max(2, band * 0.7));
  const y = (value: number) => PAD.top + plotH - (value / top) * plotH;
  const labelEvery = Math.ceil(data.periods.length / MAX_LABELS);
  // Geometry is drawn left to right and mirrored for RTL; the SVG itself stays ltr, so "start" and "end"
  // anchors mean left and right whatever the page's direction.
  const mirror = (x: number, width = 0) => (text.rtl ? WIDTH - x - width : x);
  return html`
    <figure class="staff-chart">
      <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" direction="ltr" role="img" aria-labelledby="${id}-title ${id}-desc">
        <title id="${id}-title">${text.title}</title>
        <desc id="${id}-desc">${text.desc}</desc>
        ${steps.map(
          (step) => svg`
            <line class="grid" x1=${mirror(PAD.left)} x2=${mirror(WIDTH - PAD.right)} y1=${y(step)} y2=${y(step)}></line>
            <text class="axis" x=${mirror(PAD.left - 6)} y=${y(step) + 4} text-anchor=${text.rtl ? "start" : "end"}>${text.valueLabel(step)}</text>`,
        )}
        ${data.periods.map((period, i) => {
          const x = mirror(PAD.left + i * band + (band - barW) / 2, barW);
          let base = 0;
          return svg`
            <g>
              ${data.series.map((s, k) => {
                const value = s.values[i] ?? 0;
                const from = base;
                base += value;
                return value === 0
                  ? null
                  : svg`<rect x=${x} y=${y(base)} width=${barW} height=${y(from) - y(base)} fill=${seriesColour(s.name, k)}></rect>`;
              })}
              ${
                i % labelEvery === 0
                  ? svg`<text class="axis" x=${x + barW / 2} y=${HEIGHT - PAD.bottom + 18} text-anchor="middle" direction=${text.rtl ? "rtl" : "ltr"}>${text.periodLabel(period)}</text>`
                  : null
              }
            </g>`;
        })}
      </svg>
      <figcaption>
        <ul class="staff-legend">
          ${data.series.map(
            (s, k) => html`<li>
              <svg class="swatch" viewBox="0 0 1 1" aria-hidden="true"><rect width="1" height="1" fill=${seriesColour(s.name, k)}></rect></svg>
              ${text.seriesLabel(s.name)}
            </li>`,
          )}
        </ul>
      </figcaption>
    </figure>
  `;
}
