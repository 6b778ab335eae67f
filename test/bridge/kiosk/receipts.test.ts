import { afterEach, describe, expect, it } from "vitest";
import { encodeReceipt, type Receipt, resolveLayout } from "../../../bridge/devices/printer/receipt.ts";
import type { ReceiptPrinter } from "../../../bridge/devices/printer/receipt-printer.ts";
import type { SessionReceipt } from "../../../bridge/kiosk/engine.ts";
import { emailText, RECEIPT_WORDING, Receipts } from "../../../bridge/kiosk/receipts.ts";
import type { ItemRow } from "../../../protocols/kiosk-api/schema.ts";
import { type LocalSmtp, startSmtp } from "../../support/smtp.ts";

const receipt = (language: string): SessionReceipt => ({
  kind: "checkout",
  language,
  date: new Date("2026-12-01T10:00:00Z"),
  email: "ada@example.org",
  patronFirstName: "Ada",
  provisional: true,
  payments: [],
  items: [
    {
      key: "a",
      action: "checkout",
      itemId: "31000000000001",
      title: "Dune",
      status: "done",
      dueDate: "2026-12-29T00:00:00.000Z",
    },
    {
      key: "b",
      action: "checkout",
      itemId: "31000000000002",
      title: "Emma",
      status: "refused",
      reason: "ITEM_ON_HOLD_FOR_OTHER",
    },
  ],
});

/** A printer that can print and keeps what it is given. */
function capturingPrinter(): { printed: Receipt[]; printer: ReceiptPrinter } {
  const printed: Receipt[] = [];
  const printer = {
    canPrint: true,
    printReceipt: async (r: Receipt) => {
      printed.push(r);
    },
  } as unknown as ReceiptPrinter;
  return { printed, printer };
}

let smtp: LocalSmtp | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

describe("receipts", () => {
  it("emails the receipt through a real SMTP server, in the patron's language", async () => {
    smtp = await startSmtp();
    const { port, messages } = smtp;
    const receipts = new Receipts(
      {
        library: "Central Library",
        print: true,
        routingSlips: true,
        email: { host: "127.0.0.1", port, secure: false, from: "kiosk@library.example" },
      },
      undefined,
    );
    expect(receipts.methods(true)).toEqual(["email", "none"]);
    expect(receipts.methods(false)).toEqual(["none"]);
    await receipts.deliver("email", receipt("fr"));
    receipts.close();
    expect(messages).toHaveLength(1);
    expect(messages[0]?.to).toEqual(["ada@example.org"]);
    const body = messages[0]?.data ?? "";
    expect(body).toContain("Dune");
    expect(body).toMatch(/=?UTF-8|Re=C3=A7u|Reçu/);
  });

  it("words every kind in every language, lists refusals with a note and marks provisional receipts", () => {
    for (const language of ["en", "es", "fr", "ar"]) {
      const { subject, text } = emailText(receipt(language), "Central Library");
      expect(subject.startsWith("Central Library: ")).toBe(true);
      expect(text).toContain("Emma");
      expect(text.split("\n").length).toBeGreaterThan(8);
    }
    const { text } = emailText(receipt("en"), "Central Library");
    expect(text).toContain("Not done: Please ask staff");
    expect(text).toContain("The library system was offline");
    expect(text).toContain("December 29, 2026");
  });

  it("lists a card payment with its amount, its authorization and, when journaled offline, the provisional line, in every language", async () => {
    const paid = (language: string): SessionReceipt => ({
      ...receipt(language),
      kind: "fees",
      items: [],
      provisional: false,
      payments: [
        { amount: { value: "2.50", currency: "EUR" }, authorization: "SIM000042", status: "provisional" },
        { amount: { value: "0.75", currency: "EUR" }, authorization: "SIM000043", status: "recorded" },
      ],
    });
    const { printed, printer } = capturingPrinter();
    const receipts = new Receipts({ library: "Central Library", print: true, routingSlips: false }, printer);
    for (const [language, words] of Object.entries(RECEIPT_WORDING)) {
      const { subject, text } = emailText(paid(language), "Central Library");
      expect(subject).toBe(`Central Library: ${words.labels.title.fees}`);
      const lines = text.split("\n");
      const at = lines.indexOf(words.payment);
      expect(lines.slice(at, at + 4)).toEqual([
        words.payment,
        `  ${new Intl.NumberFormat(language, { style: "currency", currency: "EUR" }).format(2.5)}`,
        `  ${words.authorization}: SIM000042`,
        `  ${words.paymentProvisional}`,
      ]);
      // The recorded one has no provisional line; the loans' provisional footer is not on a payment receipt.
      expect(lines.filter((line) => line === `  ${words.paymentProvisional}`)).toHaveLength(1);
      expect(text).toContain(`  ${words.authorization}: SIM000043`);
      expect(text).not.toContain(words.provisional);

      await receipts.deliver("print", paid(language));
      const sheet = printed.at(-1) as Receipt;
      expect(sheet.kind).toBe("fees");
      expect(sheet.items).toEqual([
        {
          title: words.payment,
          amount: { amount: 2.5, currency: "EUR" },
          lines: [`${words.authorization}: SIM000042`, words.paymentProvisional],
        },
        {
          title: words.payment,
          amount: { amount: 0.75, currency: "EUR" },
          lines: [`${words.authorization}: SIM000043`],
        },
      ]);
    }
    // And on paper: the bytes the printer gets carry the reference and the line (English: plain ASCII).
    const bytes = encodeReceipt(printed[0] as Receipt, resolveLayout({ columns: 48 }));
    // Wrapped to the paper's width: compared with the line breaks and indents made single spaces.
    const ascii = Buffer.from(bytes).toString("latin1").replace(/\s+/g, " ");
    expect(ascii).toContain("Authorization: SIM000042");
    expect(ascii).toContain("Provisional: will be recorded when the library system is back.");
    expect(ascii).toContain("2.50");
  });

  it("prints in the patron's language: title, labels, dates, whatever the printer's own labels say", async () => {
    const { printed, printer } = capturingPrinter();
    const receipts = new Receipts({ library: "Central Library", print: true, routingSlips: false }, printer);
    await receipts.deliver("print", receipt("fr"));
    // The printer's labels are the library's (English here); the French reader gets French.
    const layout = resolveLayout({ columns: 48, locale: "en-GB", labels: { title: { checkout: "Your loans" } } });
    const paper = new TextDecoder("latin1").decode(encodeReceipt(printed[0] as Receipt, layout)).replace(/\s+/g, " ");
    const fr = RECEIPT_WORDING.fr!;
    for (const words of [
      fr.labels.title.checkout,
      `${fr.labels.due}: 29 déc. 2026`,
      fr.labels.failed,
      fr.labels.items,
    ]) {
      expect(paper).toContain(words);
    }
    expect(paper).toContain(`${fr.labels.failed}: ${fr.askStaff}`);
    expect(paper).not.toContain("Your loans");
    // Without a language (a test page, a receipt from elsewhere) the printer's labels hold.
    const { language: _, ...plain } = printed[0] as Receipt;
    expect(new TextDecoder("latin1").decode(encodeReceipt(plain, layout))).toContain("Your loans");
  });

  it("prints a routing slip for a hold or a transfer, with no patron data, and none when slips are off", async () => {
    const { printed, printer } = capturingPrinter();
    const returned = (routing: ItemRow["routing"]): ItemRow => ({
      key: "k",
      action: "checkin",
      itemId: "31000000000001",
      title: "Dune",
      status: "done",
      ...(routing ? { routing } : {}),
    });
    const receipts = new Receipts({ library: "Central Library", print: true, routingSlips: true }, printer);
    expect(await receipts.slip(returned({ kind: "hold-elsewhere", destination: "EAST" }), "en")).toBe(true);
    expect(await receipts.slip(returned({ kind: "hold-here" }), "fr")).toBe(true);
    expect(await receipts.slip(returned({ kind: "reshelve" }), "en")).toBe(false);
    expect(printed.map((r) => r.library.headerLines)).toEqual([
      ["HOLD: send it to EAST"],
      ["RÉSERVATION : à mettre sur l’étagère des réservations ici"],
    ]);
    expect(printed[0]?.items).toEqual([{ title: "Dune", itemId: "31000000000001", note: "HOLD: send it to EAST" }]);
    expect(printed.every((r) => r.patron === undefined)).toBe(true);
    const off = new Receipts({ library: "Central Library", print: true, routingSlips: false }, printer);
    expect(await off.slip(returned({ kind: "transit", destination: "EAST" }), "en")).toBe(false);
  });
});
