import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PrinterError } from "../../../../bridge/devices/printer/errors.ts";
import {
  checkReceipt,
  encodeReceipt,
  encodeResync,
  encodeTestPage,
  maskIdentifier,
  printableText,
  type Receipt,
  type ReceiptLayoutOptions,
  resolveLayout,
} from "../../../../bridge/devices/printer/receipt.ts";
import { parseEscPos } from "../../../../protocols/escpos/parser.ts";
import { renderReceipt } from "../../../../protocols/escpos/render.ts";
import { CPU_BOUND_TIMEOUT_MS } from "../../../support/timeouts.ts";

const LOAN: Receipt = {
  kind: "checkout",
  library: { name: "Stadtbibliothek Köln", headerLines: ["Josef-Haubrich-Hof 1"] },
  date: new Date("2025-05-12T10:00:00Z"),
  patron: { id: "23191000120012", name: "Erika Mustermann" },
  items: [
    { title: "Der Zauberberg", itemId: "33191000105864", dueDate: new Date("2025-06-02T12:00:00Z") },
    { title: "Café Müller", itemId: "33191000105872", ok: false, note: "Reserved for another reader" },
  ],
  totals: [{ label: "Fees paid", amount: { amount: 12.5, currency: "EUR" } }],
  footerLines: ["Danke für Ihren Besuch!"],
  transactionId: "TX-2025-000123",
};

/** Prints through the encoder and reads the bytes back with the device-side parser and renderer. */
function printed(receipt: Receipt, options: ReceiptLayoutOptions = {}) {
  const layout = resolveLayout({ timeZone: "UTC", ...options });
  const commands = parseEscPos(encodeReceipt(checkReceipt(receipt), layout));
  return { layout, commands, lines: renderReceipt(commands, { columns: layout.columns }).lines };
}

describe("receipt layout options", () => {
  it.each([
    [{ paperWidth: 58 }, 32],
    [{ paperWidth: 80 }, 48],
    [{}, 48],
    [{ printerModel: "pos-5890" }, 32],
    [{ printerModel: "epson-tm-t88vi" }, 42],
    [{ printerModel: "epson-tm-t88vi", columns: 48 }, 48],
  ] as const)("%j → %i columns", (options, columns) => {
    expect(resolveLayout(options as ReceiptLayoutOptions).columns).toBe(columns);
  });

  it.each([
    [{ printerModel: "nonsense-9000" }, /option printerModel: unknown model "nonsense-9000"/],
    [{ printerModel: "star-tsp100iv" }, /does not speak ESC\/POS/],
    [{ paperWidth: 76 }, /option paperWidth: must be 58 or 80/],
    [{ columns: 40 }, /option columns: must be one of 32, 35, 42, 44, 48/],
    [{ locale: "xx-!!" }, /locale/],
    [{ privacy: { maskCharacter: "**" } }, /maskCharacter/],
    [{ codepageMapping: "nope" }, /codepage mapping/i],
    [{ logo: { path: "/nonexistent/logo.png" } }, /the logo file \/nonexistent\/logo.png: cannot read it/],
    [{ logo: new Uint8Array(10) }, /not a PNG file/],
  ] as const)("rejects bad options (%#) with PRINTER_BAD_OPTIONS", (options, message) => {
    expect(() => resolveLayout(options as ReceiptLayoutOptions)).toThrow(
      expect.objectContaining({ code: "PRINTER_BAD_OPTIONS", message: expect.stringMatching(message) }),
    );
  });
});

describe("privacy", () => {
  it("masks all but the last characters", () => {
    expect(maskIdentifier("23191000120012", 4)).toBe("••••••••••0012");
    expect(maskIdentifier("12345678901", 4)).toBe("•••••••8901");
    expect(maskIdentifier("0012", 4)).toBe("••••"); // too short to show any part of it
    expect(maskIdentifier("A1", 0, "*")).toBe("**");
  });

  it("by default prints no patron name and only the last 4 characters of the patron id", () => {
    const { lines } = printed(LOAN);
    const text = lines.join("\n");
    expect(text).toContain("Patron: ••••••••••0012");
    expect(text).not.toContain("Mustermann");
    expect(text).not.toContain("231910001");
  });

  it("prints what the library configures", () => {
    expect(printed(LOAN, { privacy: { showPatronName: true, patronId: "full" } }).lines).toContain(
      "Patron: Erika Mustermann 23191000120012",
    );
    const hidden = printed(LOAN, { privacy: { patronId: "hidden" } }).lines.join("\n");
    expect(hidden).not.toContain("Patron");
    expect(hidden).not.toContain("•");
  });
});

describe("receipt content", () => {
  it("58 mm: the whole loan receipt, with é, ü, € and • printed from the right code pages", () => {
    const { lines, commands } = printed(LOAN, { paperWidth: 58 });
    expect(commands.filter((c) => c.type === "unknown")).toEqual([]);
    expect(lines).toEqual([
      "      Stadtbibliothek Köln",
      "      Josef-Haubrich-Hof 1",
      "─".repeat(32),
      "Loan receipt",
      "12 May 2025, 10:00",
      "Patron: ••••••••••0012",
      "─".repeat(32),
      "1. Der Zauberberg",
      "   Item: 33191000105864",
      "   Due: 2 Jun 2025",
      "2. Café Müller",
      "   Item: 33191000105872",
      "   Not done: Reserved for",
      "   another reader",
      "─".repeat(32),
      "Items                          1",
      "Fees paid                 €12.50",
      "─".repeat(32),
      "    Danke für Ihren Besuch!",
      "      +-----------------+",
      "      | BARCODE code128 |",
      "      | TX-2025-000123  |",
      "      +-----------------+",
      "",
      "       +----------------+",
      "       | QR CODE (M)    |",
      "       | TX-2025-000123 |",
      "       +----------------+",
      "",
      `${"-".repeat(13)} cut ${"-".repeat(14)}`,
    ]);
  });

  it("formats dates and money for the library's locale and time zone", () => {
    const { lines } = printed(LOAN, { printerModel: "epson-tm-t88vi", locale: "de-DE", timeZone: "Europe/Berlin" });
    expect(lines).toContain("12.05.2025, 12:00");
    expect(lines).toContain("   Due: 02.06.2025");
    expect(lines.some((l) => /^Fees paid +12,50 €$/.test(l))).toBe(true);
  });

  it("renewals show the new due date, returns say returned, fees list amounts", () => {
    const renew = printed({ ...LOAN, kind: "renew", items: [{ title: "Faust", dueDate: "2025-07-01" }] }).lines;
    expect(renew).toContain("Renewal receipt");
    expect(renew).toContain("   New due date: 2025-07-01");
    const back = printed({ ...LOAN, kind: "checkin", items: [{ title: "Faust", itemId: "3319" }] }).lines;
    expect(back).toContain("Return receipt");
    expect(back).toContain("   Returned");
    const fees = printed({
      ...LOAN,
      kind: "fees",
      items: [{ title: "Overdue: Faust", amount: { amount: 2, currency: "EUR" } }],
    }).lines;
    expect(fees).toContain("   €2.00");
  });

  it("translated labels", () => {
    const { lines } = printed(LOAN, {
      labels: { title: { checkout: "Ausleihquittung" }, due: "Rückgabe bis", patron: "Ausweis" },
    });
    expect(lines).toContain("Ausleihquittung");
    expect(lines).toContain("   Rückgabe bis: 2 Jun 2025");
    expect(lines).toContain("Ausweis: ••••••••••0012");
    // After "ż" the encoder sits in CP852, whose "•" would be control byte 07: the mask must still print.
    const polish = printed(LOAN, { labels: { patron: "Użytkownik" } });
    expect(polish.lines).toContain("Użytkownik: ••••••••••0012");
    expect(polish.commands.filter((c) => c.type === "unknown")).toEqual([]);
  });

  it("the transaction id as CODE128 and/or QR, as configured", () => {
    const codes = (options: ReceiptLayoutOptions) =>
      printed(LOAN, options).commands.flatMap((c) =>
        c.type === "barcode" ? [`${c.symbology}:${c.data}`] : c.type === "qrcode" ? [`qr:${c.data}`] : [],
      );
    expect(codes({})).toEqual(["code128:TX-2025-000123", "qr:TX-2025-000123"]);
    expect(codes({ transactionCode: "barcode" })).toEqual(["code128:TX-2025-000123"]);
    expect(codes({ transactionCode: "qr", qrTemplate: "https://lib.example/r/{id}" })).toEqual([
      "qr:https://lib.example/r/TX-2025-000123",
    ]);
    expect(codes({ transactionCode: "none" })).toEqual([]);
    expect(printed(LOAN, { transactionCode: "none" }).lines.map((l) => l.trim())).toContain(
      "Transaction: TX-2025-000123",
    );
  });

  it("a logo is printed as a raster image at the top", () => {
    const logo = { width: 16, height: 8, bits: new Uint8Array(16).fill(0xf0) };
    const { commands } = printed(LOAN, { printerModel: "pos-5890", logo });
    const image = commands.find((c) => c.type === "image");
    expect(image).toMatchObject({ type: "image", mode: "raster", width: 16, height: 8 });
    expect(commands.findIndex((c) => c.type === "image")).toBeLessThan(
      commands.findIndex((c) => c.type === "text" && c.text.includes("Stadtbibliothek")),
    );
  });

  it("after a receipt cut short anywhere, the resync brings the printer back in step for the next one", {
    timeout: CPU_BOUND_TIMEOUT_MS,
  }, () => {
    // Every place the line can drop, with and without a logo (a raster image with a 4-byte size). The bytes
    // arrive in order, so nothing the driver sent after the receipt on that connection got there mid-command.
    for (const logo of [undefined, { width: 64, height: 24, bits: new Uint8Array(192).fill(0x5a) }]) {
      const layout = resolveLayout({ timeZone: "UTC", printerModel: "pos-5890", ...(logo ? { logo } : {}) });
      const old = encodeReceipt(checkReceipt(LOAN), layout);
      const next = encodeReceipt(checkReceipt({ ...LOAN, transactionId: "TX-NEXT" }), layout);
      const expected = parseEscPos(next);
      const resync = encodeResync(layout, old.length);
      for (let cut = 0; cut <= old.length; cut++) {
        const commands = parseEscPos(Uint8Array.from([...old.subarray(0, cut), ...resync, ...next]));
        expect(commands.slice(-expected.length), `cut at ${cut} of ${old.length}`).toEqual(expected);
        // What printed of the old receipt is cut off on its own: a cut comes right before the new one.
        expect(commands.at(-expected.length - 1)).toMatchObject({ type: "cut" });
      }
    }
  });

  it("long titles are shortened to the configured number of lines", () => {
    const title = "Wort ".repeat(60).trim();
    const { lines } = printed({ ...LOAN, items: [{ title }] }, { paperWidth: 58, maxTitleLines: 2 });
    const first = lines.findIndex((l) => l.startsWith("1. Wort"));
    expect(lines[first + 1]).toMatch(/^ {3}Wort.*…$/);
    expect(lines[first + 2]).toBe("─".repeat(32));
  });

  it("never sends control bytes for characters the printer cannot print", () => {
    const layout = resolveLayout({});
    expect(printableText("a\u0007b\u001bc\nd\te", layout)).toBe("abc d e");
    expect(printableText("12,50\u00a0€ 10\u202f000", layout)).toBe("12,50 € 10 000");
    expect(printableText("♥ 😀 •", layout)).toBe("? ? •");
  });

  it.each([
    ["generic 80 mm", {}],
    ["a printer model", { printerModel: "epson-tm-t88vi" }],
  ])("%s: lines end in LF alone and nothing follows the cut", (_name, options: ReceiptLayoutOptions) => {
    const layout = resolveLayout({ timeZone: "UTC", ...options });
    for (const bytes of [
      encodeReceipt(checkReceipt(LOAN), layout),
      encodeTestPage(layout, { description: "tcp 10.0.0.5:9100" }),
    ]) {
      const commands = parseEscPos(bytes);
      expect(commands.filter((c) => c.type === "carriageReturn")).toEqual([]);
      expect(commands.at(-1)?.type).toBe("cut");
      expect(commands.filter((c) => c.type === "lineFeed").length).toBeGreaterThan(5);
    }
  });

  it("a test page shows the code pages, the full width and both codes", () => {
    const layout = resolveLayout({ paperWidth: 58, timeZone: "UTC" });
    const commands = parseEscPos(encodeTestPage(layout, { description: "tcp 10.0.0.5:9100" }, new Date(0)));
    const lines = renderReceipt(commands, { columns: 32 }).lines;
    expect(lines).toContain("Latin-1: é è à ç ñ ü ö ä ß ø å æ");
    expect(lines).toContain("1".padEnd(10, "234567890").repeat(4).slice(0, 32));
    expect(lines).toContain("tcp 10.0.0.5:9100");
    expect(commands.some((c) => c.type === "qrcode" && c.data === "TEST-QR")).toBe(true);
    expect(commands.some((c) => c.type === "barcode" && c.data === "TEST-128")).toBe(true);
  });
});

describe("receipt checks", () => {
  it.each([
    [null, /must be an object/],
    [{ ...LOAN, kind: "loan" }, /kind must be one of/],
    [{ ...LOAN, library: { name: " " } }, /library.name is required/],
    [{ ...LOAN, items: "none" }, /items must be a list/],
    [{ ...LOAN, items: [{ itemId: "1" }] }, /items\[0\].title is required/],
    [{ ...LOAN, items: [{ title: "x", dueDate: new Date("nope") }] }, /items\[0\].dueDate/],
    [{ ...LOAN, items: [{ title: "x", amount: { amount: 1, currency: "euro" } }] }, /items\[0\].amount/],
    [{ ...LOAN, totals: [{ label: "x", amount: { amount: Number.NaN, currency: "EUR" } }] }, /totals\[0\]/],
    [{ ...LOAN, transactionId: "TX 1" }, /transactionId/],
    [{ ...LOAN, transactionId: "Ü-1" }, /transactionId/],
    [{ ...LOAN, date: "yesterday" }, /date must be a valid Date/],
  ])("rejects a bad receipt (%#) with PRINTER_BAD_RECEIPT naming the field", (receipt, message) => {
    expect(() => checkReceipt(receipt)).toThrow(
      expect.objectContaining({ code: "PRINTER_BAD_RECEIPT", message: expect.stringMatching(message) }),
    );
  });

  it("property: any valid receipt encodes to ESC/POS the printer side reads without a single unknown command", {
    timeout: CPU_BOUND_TIMEOUT_MS,
  }, () => {
    const text = fc.string({ unit: fc.constantFrom(..."aé€ü•ßŁ♥😀\u0007\t -/AZ09".split("")), maxLength: 60 });
    const money = fc.record({ amount: fc.double({ min: -1e6, max: 1e6, noNaN: true }), currency: fc.constant("EUR") });
    const item = fc.record(
      {
        title: text,
        itemId: fc.stringMatching(/^[0-9A-Z]{1,14}$/),
        dueDate: fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
        amount: money,
        ok: fc.boolean(),
        note: text,
      },
      { requiredKeys: ["title"] },
    );
    const receipt = fc.record({
      kind: fc.constantFrom("checkout", "checkin", "renew", "fees") as fc.Arbitrary<Receipt["kind"]>,
      library: fc.record({ name: text.filter((s) => s.trim() !== ""), headerLines: fc.array(text, { maxLength: 3 }) }),
      patron: fc.record({ id: fc.stringMatching(/^[0-9]{0,16}$/), name: text }),
      items: fc.array(item, { maxLength: 5 }),
      totals: fc.array(fc.record({ label: text, amount: money }), { maxLength: 2 }),
      footerLines: fc.array(text, { maxLength: 2 }),
      transactionId: fc.stringMatching(/^[!-~]{1,40}$/),
    });
    const layouts = [resolveLayout({ paperWidth: 58 }), resolveLayout({ printerModel: "epson-tm-t88vi" })];
    fc.assert(
      fc.property(receipt, fc.constantFrom(...layouts), (r, layout) => {
        const bytes = encodeReceipt(checkReceipt(r), layout, new Date(0));
        const commands = parseEscPos(bytes);
        expect(commands.filter((c) => c.type === "unknown")).toEqual([]);
        expect(commands.at(-1)?.type === "cut" || commands.some((c) => c.type === "cut")).toBe(true);
        // The patron id never appears whole on paper.
        const text = renderReceipt(commands, { columns: layout.columns }).lines.join("\n");
        if ((r.patron.id ?? "").length > 8) expect(text).not.toContain(r.patron.id);
      }),
      { numRuns: 60 },
    );
  });

  it("property: a logo's dots never make a real-time command (status, recover, pulse) the printer would act on", {
    timeout: CPU_BOUND_TIMEOUT_MS,
  }, () => {
    // Dots drawn from the bytes that make DLE EOT n, DLE ENQ n and DLE DC4 fn, so nearly every logo has some.
    const logo = fc
      .record({ rowBytes: fc.integer({ min: 1, max: 16 }), height: fc.integer({ min: 1, max: 48 }) })
      .chain(({ rowBytes, height }) =>
        fc
          .uint8Array({ minLength: rowBytes * height, maxLength: rowBytes * height })
          .map((random) => random.map((b) => [0x10, 0x04, 0x05, 0x14, 0x01, 0x02, 0x08, b][b % 8] ?? b))
          .map((bits) => ({ width: rowBytes * 8, height, bits })),
      );
    fc.assert(
      fc.property(logo, fc.constantFrom("pos-5890", "epson-tm-t88vi"), (image, printerModel) => {
        const bytes = encodeReceipt(checkReceipt(LOAN), resolveLayout({ printerModel, logo: image }), new Date(0));
        for (let i = 0; i + 1 < bytes.length; i++) {
          if (bytes[i] === 0x10) expect([0x04, 0x05, 0x14], `DLE at ${i}`).not.toContain(bytes[i + 1]);
        }
        const commands = parseEscPos(bytes);
        expect(commands.filter((c) => c.type === "statusRequest" || c.type === "unknown")).toEqual([]);
        expect(commands.some((c) => c.type === "image")).toBe(true);
      }),
      {
        numRuns: 100,
        // Found before the fix (seed 1443406655): the last row's 0x04 after a row of 0x10 made DLE EOT.
        examples: [[{ width: 8, height: 24, bits: Uint8Array.from([...Array(23).fill(0x10), 0x04]) }, "pos-5890"]],
      },
    );
  });

  it("fuzz: anything at all given as a receipt gives only PRINTER_BAD_RECEIPT or prints", () => {
    const layout = resolveLayout({});
    fc.assert(
      fc.property(fc.anything(), (value) => {
        try {
          encodeReceipt(checkReceipt(value), layout);
        } catch (err) {
          expect(err).toBeInstanceOf(PrinterError);
          expect((err as PrinterError).code).toBe("PRINTER_BAD_RECEIPT");
        }
      }),
      { numRuns: 300 },
    );
  });
});
