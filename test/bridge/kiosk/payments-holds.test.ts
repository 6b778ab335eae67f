/**
 * Fees paid by card and holds placed or cancelled at the kiosk: the engine against a scripted ILS and a
 * scripted card terminal, on virtual time.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sumDecimals } from "../../../bridge/kiosk/money.ts";
import { feeOfLine } from "../../../bridge/kiosk/sip2-ils.ts";
import type { Fee } from "../../../protocols/kiosk-api/schema.ts";
import { kiosk, PATRON, PIN, patronRecord } from "./engine-helpers.ts";

const FEES: Fee[] = [
  { id: "F1", amount: { value: "2.50", currency: "EUR" }, kind: "overdue", title: "The Quiet Harbour" },
  { id: "F2", amount: { value: "0.75", currency: "EUR" }, kind: "other" },
];

/** A patron who owes FEES until the ILS records them paid. */
function owingKiosk(settings = {}) {
  const k = kiosk(settings);
  let owing = true;
  k.ils.patron = (credential, pin) =>
    credential === PATRON
      ? {
          ...patronRecord(owing ? { fees: FEES, feesTotal: { value: "3.25", currency: "EUR" } } : {}),
          ...(pin !== undefined ? { pinOk: pin === PIN } : {}),
        }
      : { ...patronRecord(), found: false };
  const payOff = () => {
    owing = false;
  };
  return { ...k, payOff };
}

async function onFeesScreen(k: ReturnType<typeof owingKiosk>) {
  await k.login();
  await k.send({ type: "show", screen: "fees" });
  expect((await k.state()).can.pay).toBe(true);
}

describe("paying fees by card", () => {
  it("charges the chosen fees' total once, records each fee with the ILS, and shows the cleared balance", async () => {
    const k = owingKiosk();
    await onFeesScreen(k);
    await k.send({ type: "payFees", feeIds: ["F1", "F2"] });
    expect((await k.state()).payment).toEqual({ status: "waiting-card", amount: { value: "3.25", currency: "EUR" } });
    expect(k.terminal.charges).toHaveLength(1);
    expect(k.terminal.charges[0]?.amount).toEqual({ value: "3.25", currency: "EUR" });
    k.payOff();
    k.terminal.charges[0]?.answer({ status: "approved", authorization: "AUTH-77" });
    await k.state();
    expect(k.ils.feesPaid).toEqual([
      { fee: FEES[0], reference: "AUTH-77" },
      { fee: FEES[1], reference: "AUTH-77" },
    ]);
    const state = await k.state();
    expect(state.payment?.status).toBe("approved");
    expect(state.patron?.fees).toEqual([]);
    expect(k.notices()).toContain("PAYMENT_APPROVED");
    // Paid is paid: the same fees cannot be charged again.
    await expect(k.send({ type: "payFees", feeIds: ["F1"] })).rejects.toMatchObject({ code: "NOT_ALLOWED_NOW" });
  });

  it("a declined card records nothing, says so, and the patron may try again", async () => {
    const k = owingKiosk();
    await onFeesScreen(k);
    await k.send({ type: "payFees", feeIds: ["F1", "F2"] });
    k.terminal.charges[0]?.answer({ status: "declined" });
    await k.state();
    expect((await k.state()).payment?.status).toBe("declined");
    expect(k.ils.feesPaid).toEqual([]);
    expect(k.notices()).toContain("PAYMENT_DECLINED");
    await k.send({ type: "payFees", feeIds: ["F1"] });
    expect((await k.state()).payment).toEqual({ status: "waiting-card", amount: { value: "2.50", currency: "EUR" } });
    k.terminal.charges[1]?.answer({ status: "approved", authorization: "A2" });
    await k.state();
    expect(k.ils.feesPaid.map((p) => p.fee.id)).toEqual(["F1"]);
  });

  it("stops the terminal after the payment time limit and shows a timeout", async () => {
    const k = owingKiosk({ paymentTimeoutMs: 60_000, idleTimeoutMs: 600_000 });
    await onFeesScreen(k);
    await k.send({ type: "payFees", feeIds: ["F1", "F2"] });
    await k.clock.advance(59_999);
    expect((await k.state()).payment?.status).toBe("waiting-card");
    await k.clock.advance(1);
    await k.state();
    expect(k.terminal.charges[0]?.aborted).toBe(true);
    expect((await k.state()).payment?.status).toBe("timeout");
    expect(k.ils.feesPaid).toEqual([]);
  });

  it("a charge the ILS then refuses is shown as not recorded and logged for staff, without the patron", async () => {
    const k = owingKiosk();
    await onFeesScreen(k);
    k.ils.refuseFees = true;
    await k.send({ type: "payFees", feeIds: ["F1", "F2"] });
    k.terminal.charges[0]?.answer({ status: "approved", authorization: "AUTH-9" });
    await k.state();
    expect((await k.state()).payment?.status).toBe("not-recorded");
    const log = k.log.text();
    expect(log).toContain("AUTH-9");
    expect(log).toContain("staff must apply it by hand");
    expect(log).not.toContain(PATRON);
  });

  it("the patron leaving stops a charge that waits for a card; a late approval is logged for staff", async () => {
    const k = owingKiosk();
    await onFeesScreen(k);
    await k.send({ type: "payFees", feeIds: ["F1", "F2"] });
    const charge = k.terminal.charges[0];
    await expect(k.send({ type: "show", screen: "home" })).rejects.toMatchObject({ code: "NOT_ALLOWED_NOW" });
    await k.send({ type: "endSession" });
    expect(charge?.aborted).toBe(true);
    await k.state();
    expect((await k.state()).payment).toBeUndefined();
    expect(k.ils.feesPaid).toEqual([]);
  });

  it("refuses fees that are not the patron's, and card payment while the ILS is down", async () => {
    const k = owingKiosk();
    await onFeesScreen(k);
    await expect(k.send({ type: "payFees", feeIds: ["F1", "F9"] })).rejects.toMatchObject({ code: "NOT_ALLOWED_NOW" });
    k.ils.setStatus("down");
    expect((await k.state()).can.pay).toBe(false);
    await expect(k.send({ type: "payFees", feeIds: ["F1"] })).rejects.toMatchObject({ code: "DEVICE_UNAVAILABLE" });
    expect(k.terminal.charges).toEqual([]);
  });
});

describe("holds", () => {
  it("places and cancels a hold, refreshing the patron's summary", async () => {
    const k = kiosk();
    await k.login();
    await k.send({ type: "show", screen: "holds" });
    await k.send({ type: "placeHold", itemId: "34711000000036" });
    expect(k.ils.holds).toEqual([{ itemId: "34711000000036", mode: "place" }]);
    expect(k.notices()).toContain("ITEM_DONE");
    await k.send({ type: "cancelHold", itemId: "34711000000036" });
    expect(k.ils.holds.at(-1)).toEqual({ itemId: "34711000000036", mode: "cancel" });
  });

  it("a refused hold is announced with its reason", async () => {
    const k = kiosk();
    await k.login();
    await k.send({ type: "show", screen: "holds" });
    k.ils.holdAnswer = { ok: false, reason: "LIMIT_REACHED" };
    await k.send({ type: "placeHold", itemId: "34711000000036" });
    const notice = k.messages.findLast((m) => m.type === "notice");
    expect(notice).toMatchObject({ code: "ITEM_PROBLEM" });
  });
});

describe("sumDecimals", () => {
  it.each([
    [["2.50", "0.75"], "3.25"],
    [["1", "0.5"], "1.5"],
    [["-1.25", "0.25"], "-1.00"],
    [["0.05", "0.05"], "0.10"],
    [[], "0"],
  ])("%j → %s", (values, total) => {
    expect(sumDecimals(values)).toBe(total);
  });

  it("agrees with adding whole cents", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -10_000_000, max: 10_000_000 }), { maxLength: 20 }), (cents) => {
        const asText = (c: number) =>
          `${c < 0 ? "-" : ""}${Math.floor(Math.abs(c) / 100)}.${String(Math.abs(c) % 100).padStart(2, "0")}`;
        const total = cents.reduce((a, b) => a + b, 0);
        const expected = cents.length === 0 ? "0" : asText(total);
        expect(sumDecimals(cents.map(asText))).toBe(expected);
      }),
    );
  });
});

describe("feeOfLine (SIP2 fine items)", () => {
  it.each([
    [
      "F0003 2.50 EUR Overdue 10 days",
      { id: "F0003", amount: { value: "2.50", currency: "EUR" }, kind: "other", title: "Overdue 10 days" },
    ],
    ["77 1.00 Lost card", { id: "77", amount: { value: "1.00", currency: "USD" }, kind: "other", title: "Lost card" }],
    ["F0003", undefined],
    ["Overdue fine for The Quiet Harbour", undefined],
  ])("%s", (line, fee) => {
    expect(feeOfLine(line, "USD")).toEqual(fee);
  });
});
