import { afterEach, describe, expect, it } from "vitest";
import type { Receipt } from "../../../bridge/devices/printer/receipt.ts";
import type { ReceiptPrinter } from "../../../bridge/devices/printer/receipt-printer.ts";
import type { SessionReceipt } from "../../../bridge/kiosk/engine.ts";
import { emailText, Receipts } from "../../../bridge/kiosk/receipts.ts";
import type { ItemRow } from "../../../protocols/kiosk-api/schema.ts";
import { type LocalSmtp, startSmtp } from "../../support/smtp.ts";

const receipt = (language: string): SessionReceipt => ({
  kind: "checkout",
  language,
  date: new Date("2026-12-01T10:00:00Z"),
  email: "ada@example.org",
  patronFirstName: "Ada",
  provisional: true,
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
    expect(text).toContain("Not done: please ask staff");
    expect(text).toContain("The library system was offline");
    expect(text).toContain("December 29, 2026");
  });

  it("prints a routing slip for a hold or a transfer, with no patron data, and none when slips are off", async () => {
    const printed: Receipt[] = [];
    const printer = {
      health: () => ({ state: "ok", detail: { canPrint: true } }),
      printReceipt: async (r: Receipt) => {
        printed.push(r);
      },
    } as unknown as ReceiptPrinter;
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
