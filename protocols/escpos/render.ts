import type { Alignment, EscPosCommand } from "./parser.ts";

/**
 * Renders parsed ESC/POS commands as a person would see the receipt: plain text lines and a
 * small HTML page. Codes and images become labelled boxes with their data; cuts become marks.
 */

export interface RenderOptions {
  /** Characters per line in font A at normal size (receipt-printer-encoder: 32 for 58 mm, 42 or 48 for 80 mm). */
  columns?: number;
}

export interface RenderedReceipt {
  lines: string[];
  html: string;
}

interface Style {
  bold: boolean;
  underline: boolean;
  italic: boolean;
  invert: boolean;
  width: number;
  height: number;
}

interface Segment {
  text: string;
  style: Style;
}

type Block =
  | { kind: "line"; align: Alignment; segments: Segment[] }
  | { kind: "box"; align: Alignment; label: string; data: string; css: string }
  | { kind: "cut"; partial: boolean };

const PLAIN: Style = { bold: false, underline: false, italic: false, invert: false, width: 1, height: 1 };
const TAB_STOP = 8; // ESC/POS default: a tab every 8 characters

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

function segmentsWidth(segments: readonly Segment[]): number {
  return segments.reduce((n, s) => n + [...s.text].length * s.style.width, 0);
}

/** Places text on a line of `columns` by alignment; `visible` is its printed width. Trailing blanks dropped. */
function pad(text: string, visible: number, columns: number, align: Alignment): string {
  const room = Math.max(0, columns - visible);
  const left = align === "center" ? Math.floor(room / 2) : align === "right" ? room : 0;
  return (" ".repeat(left) + text).trimEnd();
}

function boxLines(label: string, data: string, columns: number, align: Alignment): string[] {
  const inner = Math.max(8, Math.min(columns - 4, Math.max(label.length, data.length)));
  const chunks: string[] = [];
  for (let i = 0; i < Math.max(1, data.length); i += inner) chunks.push(data.slice(i, i + inner));
  const rows = [label, ...chunks].map((t) => `| ${t.padEnd(inner)} |`);
  const rule = `+${"-".repeat(inner + 2)}+`;
  return [rule, ...rows, rule].map((l) => pad(l, l.length, columns, align));
}

function cutLine(partial: boolean, columns: number): string {
  const label = partial ? " partial cut " : " cut ";
  const dashes = Math.max(0, columns - label.length);
  return "-".repeat(Math.floor(dashes / 2)) + label + "-".repeat(Math.ceil(dashes / 2));
}

function htmlSegment(s: Segment): string {
  const css: string[] = [];
  if (s.style.bold) css.push("font-weight:bold");
  if (s.style.underline) css.push("text-decoration:underline");
  if (s.style.italic) css.push("font-style:italic");
  if (s.style.invert) css.push("background:#000;color:#fff");
  if (s.style.width !== 1 || s.style.height !== 1) {
    css.push(`display:inline-block;transform:scale(${s.style.width},${s.style.height});transform-origin:left bottom`);
    css.push(`margin-right:${s.style.width - 1}em`);
  }
  const text = escapeHtml(s.text);
  return css.length === 0 ? text : `<span style="${css.join(";")}">${text}</span>`;
}

/** Turns commands into blocks, wrapping text at the paper width like the printer does. */
function layout(commands: readonly EscPosCommand[], columns: number): Block[] {
  const blocks: Block[] = [];
  let style: Style = { ...PLAIN };
  let align: Alignment = "left";
  let line: Segment[] = [];
  let lineAlign: Alignment | undefined;

  const endLine = () => {
    blocks.push({ kind: "line", align: lineAlign ?? align, segments: line });
    line = [];
    lineAlign = undefined;
  };
  const endLineIfAny = () => {
    if (line.length > 0) endLine();
  };
  const put = (ch: string) => {
    if (segmentsWidth(line) + style.width > columns) endLine();
    lineAlign ??= align;
    const last = line.at(-1);
    if (last && last.style === style) last.text += ch;
    else line.push({ text: ch, style });
  };
  const restyle = (change: Partial<Style>) => {
    style = { ...style, ...change };
  };

  for (const c of commands) {
    switch (c.type) {
      case "text":
        for (const ch of c.text) put(ch);
        break;
      case "tab": {
        const to = (Math.floor(segmentsWidth(line) / TAB_STOP) + 1) * TAB_STOP;
        const spaces = Math.max(0, Math.min(to, columns) - segmentsWidth(line));
        for (let i = 0; i < spaces; i++) put(" ");
        break;
      }
      case "lineFeed":
      case "formFeed":
        endLine();
        break;
      case "feed":
        for (let i = 0; i < c.lines; i++) endLine();
        break;
      case "init":
        endLineIfAny();
        style = { ...PLAIN };
        align = "left";
        break;
      case "printMode":
        restyle({
          bold: c.bold,
          underline: c.underline,
          width: c.doubleWidth ? 2 : 1,
          height: c.doubleHeight ? 2 : 1,
        });
        break;
      case "bold":
        restyle({ bold: c.on });
        break;
      case "underline":
        restyle({ underline: c.thickness > 0 });
        break;
      case "italic":
        restyle({ italic: c.on });
        break;
      case "invert":
        restyle({ invert: c.on });
        break;
      case "size":
        restyle({ width: c.width, height: c.height });
        break;
      case "align":
        align = c.align;
        break;
      case "cut":
        endLineIfAny();
        blocks.push({ kind: "cut", partial: c.partial });
        break;
      case "barcode":
        endLineIfAny();
        blocks.push({ kind: "box", align, label: `BARCODE ${c.symbology}`, data: c.data, css: "barcode" });
        break;
      case "qrcode":
        endLineIfAny();
        blocks.push({ kind: "box", align, label: `QR CODE (${c.errorLevel})`, data: c.data, css: "qrcode" });
        break;
      case "pdf417":
        endLineIfAny();
        blocks.push({ kind: "box", align, label: "PDF417", data: c.data, css: "pdf417" });
        break;
      case "image":
        endLineIfAny();
        blocks.push({ kind: "box", align, label: `IMAGE ${c.width}x${c.height}`, data: "", css: "image" });
        break;
      default:
        break; // settings, status requests, drawer kicks, skipped bytes: nothing on paper
    }
  }
  endLineIfAny();
  return blocks;
}

export function renderReceipt(commands: readonly EscPosCommand[], options: RenderOptions = {}): RenderedReceipt {
  const columns = options.columns ?? 42;
  const blocks = layout(commands, columns);
  const lines: string[] = [];
  const html: string[] = [];
  for (const b of blocks) {
    if (b.kind === "line") {
      const text = b.segments.map((s) => s.text).join("");
      lines.push(pad(text, segmentsWidth(b.segments), columns, b.align));
      const body = b.segments.map(htmlSegment).join("");
      html.push(`<div class="line" style="text-align:${b.align}">${body || "&nbsp;"}</div>`);
    } else if (b.kind === "box") {
      lines.push(...boxLines(b.label, b.data, columns, b.align));
      html.push(
        `<div class="code ${b.css}" style="text-align:${b.align}"><div class="box"><div class="label">${escapeHtml(b.label)}</div><div class="data">${escapeHtml(b.data)}</div></div></div>`,
      );
    } else {
      lines.push(cutLine(b.partial, columns));
      html.push(`<hr class="cut ${b.partial ? "partial" : "full"}">`);
    }
  }
  const css = [
    `.receipt{width:${columns}ch;font-family:monospace;white-space:pre;background:#fff;color:#000;padding:1ch}`,
    ".receipt .box{display:inline-block;border:1px solid #000;padding:0.5ch 1ch;white-space:pre-wrap;word-break:break-all;text-align:left}",
    ".receipt .label{font-weight:bold}",
    ".receipt hr.cut{border:0;border-top:2px dashed #000}",
    ".receipt hr.cut.partial{border-top-style:dotted}",
  ].join("");
  return { lines, html: `<div class="receipt"><style>${css}</style>${html.join("")}</div>` };
}
