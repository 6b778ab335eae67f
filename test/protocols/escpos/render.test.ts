import ReceiptPrinterEncoder from "@point-of-sale/receipt-printer-encoder";
import { describe, expect, it } from "vitest";
import { parseEscPos } from "../../../protocols/escpos/parser.ts";
import { renderReceipt } from "../../../protocols/escpos/render.ts";

/** A loan receipt as the kiosk will build it, through the real encoder. */
function loanReceipt(printerModel: "pos-5890" | "epson-tm-t20iii") {
  const encoder = new ReceiptPrinterEncoder({ printerModel });
  const bytes = encoder
    .initialize()
    .codepage("auto")
    .align("center")
    .bold(true)
    .line("Stadtbibliothek")
    .bold(false)
    .align("left")
    .line("Café Müller: 5 €")
    .size(2, 2)
    .line("3 Medien")
    .size(1, 1)
    .rule()
    .table([{ width: 20 }, { width: 12, align: "right" }], [["Der Zauberberg", "12.05.2025"]])
    .barcode("33191000105864", "codabar", 60)
    .qrcode("https://example.org/r/123")
    .cut()
    .encode();
  return { bytes, columns: encoder.columns };
}

const box = (label: string, data: string, inner: number) => [
  `+${"-".repeat(inner + 2)}+`,
  `| ${label.padEnd(inner)} |`,
  `| ${data.padEnd(inner)} |`,
  `+${"-".repeat(inner + 2)}+`,
];

describe("receipt rendering of receipt-printer-encoder output", () => {
  it("58 mm (pos-5890): 32 columns", () => {
    const { bytes, columns } = loanReceipt("pos-5890");
    expect(columns).toBe(32);
    const commands = parseEscPos(bytes);
    expect(commands.filter((c) => c.type === "unknown")).toEqual([]);
    expect(renderReceipt(commands, { columns }).lines).toEqual([
      `${" ".repeat(8)}Stadtbibliothek`,
      "Café Müller: 5 €",
      "3 Medien",
      "─".repeat(32),
      "Der Zauberberg        12.05.2025",
      ...box("BARCODE codabar", "33191000105864", 15),
      "",
      ...box("QR CODE (M)", "https://example.org/r/123", 25),
      "",
      `${"-".repeat(13)} cut ${"-".repeat(14)}`,
      "", // the encoder feeds a line after the cut
    ]);
  });

  it("80 mm (epson-tm-t20iii): 48 columns, 4 lines fed before the cut", () => {
    const { bytes, columns } = loanReceipt("epson-tm-t20iii");
    expect(columns).toBe(48);
    const commands = parseEscPos(bytes);
    expect(commands.filter((c) => c.type === "unknown")).toEqual([]);
    expect(renderReceipt(commands, { columns }).lines).toEqual([
      `${" ".repeat(16)}Stadtbibliothek`,
      "Café Müller: 5 €",
      "3 Medien",
      "─".repeat(48),
      "Der Zauberberg        12.05.2025",
      ...box("BARCODE codabar", "33191000105864", 15),
      "",
      ...box("QR CODE (M)", "https://example.org/r/123", 25),
      "",
      "",
      "",
      "",
      "",
      `${"-".repeat(21)} cut ${"-".repeat(22)}`,
      "",
    ]);
  });

  it("renders HTML with styles, escaped data and cut marks", () => {
    const { bytes, columns } = loanReceipt("pos-5890");
    const { html } = renderReceipt(parseEscPos(bytes), { columns });
    expect(html).toContain('<span style="font-weight:bold">');
    expect(html).toContain("Stadtbibliothek");
    expect(html).toContain("Café Müller: 5 €");
    expect(html).toContain("transform:scale(2,2)");
    expect(html).toContain('<div class="data">https://example.org/r/123</div>');
    expect(html).toContain('<hr class="cut full">');
    const evil = renderReceipt([{ type: "text", text: "<script>&" }]).html;
    expect(evil).toContain("&lt;script&gt;&amp;");
  });
});

describe("layout rules", () => {
  it("wraps at the paper width, counting double-width characters twice", () => {
    const lines = renderReceipt(
      [{ type: "size", width: 2, height: 1 }, { type: "text", text: "ABCDEF" }, { type: "lineFeed" }],
      { columns: 8 },
    ).lines;
    expect(lines).toEqual(["ABCD", "EF"]);
  });

  it("aligns by ESC a, feeds lines, expands tabs to 8-column stops", () => {
    const lines = renderReceipt(
      [
        { type: "align", align: "right" },
        { type: "text", text: "right" },
        { type: "lineFeed" },
        { type: "align", align: "center" },
        { type: "text", text: "mid" },
        { type: "feed", lines: 2 },
        { type: "align", align: "left" },
        { type: "text", text: "a" },
        { type: "tab" },
        { type: "text", text: "b" },
        { type: "lineFeed" },
        { type: "cut", partial: true },
      ],
      { columns: 20 },
    ).lines;
    expect(lines).toEqual([`${" ".repeat(15)}right`, `${" ".repeat(8)}mid`, "", "a       b", "--- partial cut ----"]);
  });
});
