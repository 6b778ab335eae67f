/**
 * The real bridge end to end, without a browser: the ACS simulator over TCP, every device simulator (the
 * RFID pad on a pseudo-terminal through the real serialport), the SIP2 client, the kiosk engine and the
 * server — driven the way a patron and the kiosk UI drive them, over the kiosk WebSocket API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KioskState } from "../../protocols/kiosk-api/schema.ts";
import { type Stack, startStack } from "../../simulators/stack.ts";
import { KioskClient, padSawEmpty } from "../support/kiosk-client.ts";
import { control } from "./stack-http.ts";

const PATRON = "24711000000012"; // "valid", PIN 1111 (simulators/acs/fixtures/CASES.md)
const BOOKS = ["34711000000010", "34711000000028"]; // both available
const ON_HOLD_FOR_ANOTHER = "34711000000051";

let stack: Stack;
let ui: KioskClient;

beforeAll(async () => {
  stack = await startStack({ backoff: { initialMs: 10, maxMs: 200 } });
  await stack.registry.whenAllOk(10_000);
  ui = await KioskClient.open(`${stack.bridge.server?.url.replace(/^http/, "ws")}/api/kiosk`);
  await ui.until((s) => s.ils.status === "online");
});

afterAll(async () => {
  ui?.close();
  await stack?.stop();
});

/** Each tag's security as a gate reading its AFI would see it, by item id. */
async function securityOnPad(): Promise<Map<string, string>> {
  const tags = (await control(stack, "/sims/rfid-pad/listTags")) as Array<{
    afiState: string;
    data?: { itemId: string };
  }>;
  return new Map(tags.map((t) => [t.data?.itemId ?? "", t.afiState]));
}

const settled = (s: KioskState) =>
  s.items.length > 0 && s.items.every((r) => r.status !== "pending" && r.status !== "working");

describe("a patron at the simulated kiosk", () => {
  it("scans their card, enters the PIN, borrows two books from the pad and a refused one, and gets a printed receipt", async () => {
    await control(stack, "/sims/scanner/scan", { code: PATRON });
    await ui.until((s) => s.phase === "pin");
    expect(await ui.send({ type: "verifyPin", pin: "1111" })).toMatchObject({ ok: true });
    const home = await ui.until((s) => s.phase === "home");
    expect(home.patron?.firstName).toBe("Anna");
    expect(JSON.stringify(home)).not.toContain(PATRON);

    await ui.send({ type: "show", screen: "checkout" });
    await control(stack, "/sims/rfid-pad/placeTags", {
      tags: [...BOOKS, ON_HOLD_FOR_ANOTHER].map((itemId) => ({ itemId })),
    });
    const done = await ui.until((s) => s.items.length === 3 && settled(s));
    const byItem = new Map(done.items.map((r) => [r.itemId, r]));
    for (const book of BOOKS) {
      expect(byItem.get(book)).toMatchObject({ status: "done", title: "The Quiet Harbour" });
      expect(byItem.get(book)?.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(stack.acs.ils.loanOf(book)?.patron).toBe(PATRON);
    }
    expect(byItem.get(ON_HOLD_FOR_ANOTHER)).toMatchObject({ status: "refused", reason: "ITEM_ON_HOLD_FOR_OTHER" });
    expect(stack.acs.ils.loanOf(ON_HOLD_FOR_ANOTHER)).toBeUndefined();

    // The borrowed books' tags are unsecured on the pad; the refused one was left as it came.
    const security = await securityOnPad();
    expect([security.get(BOOKS[0] as string), security.get(BOOKS[1] as string)]).toEqual(["unsecured", "unsecured"]);
    expect(security.get(ON_HOLD_FOR_ANOTHER)).not.toBe("unsecured");

    await ui.send({ type: "finish" });
    const receipt = await ui.until((s) => s.phase === "receipt" && s.receipt !== undefined);
    expect(receipt.receipt?.methods).toContain("print");
    await ui.send({ type: "chooseReceipt", method: "print" });
    await ui.until((s) => s.phase === "goodbye");
    await ui.untilNotice("RECEIPT_PRINTED");
    const printer = (await (await fetch(`${stack.control.url}/sims/printer`)).json()) as { state: unknown };
    expect(JSON.stringify(printer.state)).toContain("The Quiet Harbour");
    await ui.send({ type: "endSession" });
    await ui.until((s) => s.phase === "idle" && s.patron === undefined);
  });

  it("returns the books without a card: checked in, secured again", async () => {
    await ui.send({ type: "show", screen: "checkin" });
    const done = await ui.until((s) => s.phase === "checkin" && s.items.length === 3 && settled(s));
    for (const book of BOOKS) {
      expect(done.items.find((r) => r.itemId === book)).toMatchObject({ action: "checkin", status: "done" });
      expect(stack.acs.ils.loanOf(book)).toBeUndefined();
    }
    expect([...(await securityOnPad()).values()]).toEqual(["secured", "secured", "secured"]);
    await ui.send({ type: "endSession" });
    await control(stack, "/sims/rfid-pad/removeTags", { all: true });
    await ui.until((s) => s.phase === "idle");
    await padSawEmpty(stack.control.url);
  });

  it("pays a fee on the card terminal: charged once, recorded with the ILS, balance cleared", async () => {
    const owing = "24711000000087"; // "fines-under-limit", PIN 5555: fee F0003, 2.50 overdue
    await control(stack, "/sims/payment/setMode", { mode: "manual" });
    await ui.send({ type: "identify", credential: owing });
    await ui.until((s) => s.phase === "pin");
    await ui.send({ type: "verifyPin", pin: "5555" });
    await ui.until((s) => s.phase === "home");
    await ui.send({ type: "show", screen: "fees" });
    const fees = await ui.until((s) => s.phase === "fees");
    expect(fees.can.pay).toBe(true);
    expect(fees.patron?.fees.map((f) => f.id)).toEqual(["F0003"]);
    await ui.send({ type: "payFees", feeIds: ["F0003"] });
    await ui.until((s) => s.payment?.status === "waiting-card");
    // The patron taps a card that the bank declines, then tries again with one it approves.
    await control(stack, "/sims/payment/answer", { outcome: "declined" });
    await ui.until((s) => s.payment?.status === "declined");
    expect(stack.acs.ils.feesOf(owing)[0]?.balance).toBe(250);
    await ui.send({ type: "payFees", feeIds: ["F0003"] });
    await ui.until((s) => s.payment?.status === "waiting-card");
    await control(stack, "/sims/payment/answer", { outcome: "approved" });
    const paid = await ui.until((s) => s.payment?.status === "approved" && s.patron?.fees.length === 0);
    expect(paid.patron?.feesTotal).toBeUndefined();
    expect(stack.acs.ils.feesOf(owing)[0]?.balance).toBe(0);
    const charges = (await control(stack, "/sims/payment/charges")) as Array<{ outcome: string; amount: unknown }>;
    expect(charges.map((c) => c.outcome)).toEqual(["declined", "approved"]);
    expect(charges[1]?.amount).toEqual({ value: "2.50", currency: "EUR" });
    await ui.send({ type: "endSession" });
    await ui.until((s) => s.phase === "idle");
  });
});
