/** Quiet line illustrations, drawn inline so they follow the colour modes and cost no requests. */
import { html, svg, type TemplateResult } from "lit";

const pad = svg`<rect class="a-pad" x="40" y="150" width="240" height="70" rx="18"/>
  <rect class="a-pad-top" x="56" y="160" width="208" height="34" rx="10"/>`;
const waves = svg`<path class="a-wave" d="M252 74 q14 18 0 36 M266 62 q24 30 0 60 M280 50 q34 42 0 84"/>`;

const DRAWINGS = {
  card: svg`${pad}
    <g transform="rotate(-8 160 110)">
      <rect class="a-brand" x="86" y="52" width="150" height="96" rx="12"/>
      <rect class="a-surface" x="102" y="72" width="40" height="30" rx="5"/>
      <rect class="a-soft" x="154" y="76" width="66" height="8" rx="4"/>
      <rect class="a-soft" x="154" y="92" width="48" height="8" rx="4"/>
      <g class="a-bars"><rect x="104" y="118" width="4" height="18"/><rect x="112" y="118" width="2" height="18"/><rect x="118" y="118" width="6" height="18"/><rect x="128" y="118" width="2" height="18"/><rect x="134" y="118" width="4" height="18"/><rect x="142" y="118" width="2" height="18"/><rect x="148" y="118" width="6" height="18"/><rect x="158" y="118" width="3" height="18"/></g>
    </g>${waves}`,
  items: svg`${pad}
    <rect class="a-brand" x="86" y="112" width="150" height="26" rx="5"/>
    <rect class="a-accent" x="96" y="84" width="132" height="26" rx="5"/>
    <rect class="a-soft-stroke" x="104" y="56" width="118" height="26" rx="5"/>
    <rect class="a-surface" x="112" y="120" width="4" height="10"/>${waves}`,
  scan: svg`<rect class="a-brand" x="70" y="90" width="150" height="100" rx="8"/>
    <rect class="a-surface" x="92" y="150" width="80" height="22" rx="3"/>
    <path class="a-beam" d="M214 40 L120 140 L250 96 Z"/>
    <rect class="a-pad" x="206" y="20" width="52" height="92" rx="14" transform="rotate(28 232 66)"/>`,
  receipt: svg`<rect class="a-pad" x="70" y="36" width="180" height="60" rx="14"/>
    <rect class="a-slot" x="94" y="80" width="132" height="8" rx="4"/>
    <path class="a-surface a-outline" d="M106 84 h108 v110 l-12 -8 l-12 8 l-12 -8 l-12 8 l-12 -8 l-12 8 l-12 -8 l-12 8 l-12 -8 l-12 8 z"/>
    <rect class="a-soft" x="122" y="106" width="76" height="8" rx="4"/>
    <rect class="a-soft" x="122" y="124" width="56" height="8" rx="4"/>
    <rect class="a-soft" x="122" y="142" width="66" height="8" rx="4"/>`,
  email: svg`<circle class="a-soft" cx="160" cy="120" r="92"/>
    <rect class="a-surface a-outline" x="84" y="70" width="152" height="104" rx="8"/>
    <path class="a-line" d="M86 74 L160 130 L234 74 M86 170 L138 114 M234 170 L182 114"/>
    <path class="a-wave" d="M36 96 H68 M24 122 H68 M40 148 H68"/>`,
  clock: svg`<circle class="a-soft" cx="160" cy="120" r="92"/>
    <circle class="a-surface a-outline" cx="160" cy="120" r="70"/>
    <path class="a-hand" d="M160 120 V76 M160 120 L192 138"/>
    <circle class="a-brand" cx="160" cy="120" r="7"/>`,
  closed: svg`<circle class="a-soft" cx="160" cy="120" r="92"/>
    <rect class="a-brand" x="92" y="100" width="136" height="40" rx="10"/>`,
} as const;

export type Drawing = keyof typeof DRAWINGS;

export const art = (drawing: Drawing): TemplateResult =>
  html`<div class="art" data-drawing=${drawing} aria-hidden="true"><svg viewBox="0 0 320 240" focusable="false">${DRAWINGS[drawing]}</svg></div>`;
