/**
 * Issue 9, offline renewals and fees: the engine, the journaled ILS (a real SQLite journal) in front of a
 * scripted ILS that can die, the simulated card terminal, on virtual time.
 *
 * - A renewal while the ILS is unreachable is refused with its own reason (the ILS alone knows limits and
 *   holds); nothing is journaled for it.
 * - A card payment is journaled before the terminal is asked. Declined: the entries are closed. Approved
 *   while the ILS is dead: the payment waits in the journal with the terminal's authorization, the patron
 *   gets a provisional confirmation, and the replay sends each fee's 37 once when the ILS is back.
 */
import { describe, expect, it } from "vitest";
import { KioskEngine } from "../../../bridge/kiosk/engine.ts";
import { OfflineJournal } from "../../../bridge/kiosk/journal.ts";
import { Statistics } from "../../../bridge/kiosk/statistics.ts";
import type { Fee, KioskState } from "../../../protocols/kiosk-api/schema.ts";
import { SimulatedPaymentTerminal } from "../../../simulators/payment/terminal.ts";
import { flushMicrotasks, VirtualClock } from "../../support/virtual-clock.ts";
import { capturedLogger } from "../devices/scanner/helpers.ts";
import { PATRON, PIN, patronRecord, RecordingReceipts, ScriptedIls } from "./engine-helpers.ts";
import { journaledIls, ScriptedReplay, tempDatabases } from "./helpers.ts";

const databases = tempDatabases();
const FEES: Fee[] = [
  { id: "F1", amount: { value: "2.50", currency: "EUR" }, kind: "overdue" },
  { id: "F2", amount: { value: "0.75", currency: "EUR" }, kind: "other" },
];
const BOOK = "31000000000001";

function setUp() {
  const clock = new VirtualClock();
  const db = databases.open();
  const journal = new OfflineJournal(db, { clock });
  const statistics = new Statistics(db, { clock, retentionDays: 30, timeZone: "UTC" });
  const stats = () => statistics.records().map((r) => [r.kind, r.result, r.errorCode]);
  const inner = new ScriptedIls();
  inner.patron = (credential, pin) => ({
    ...patronRecord({
      fees: FEES,
      feesTotal: { value: "3.25", currency: "EUR" },
      loans: [{ itemId: BOOK, overdue: false }],
    }),
    found: credential === PATRON,
    ...(pin !== undefined ? { pinOk: pin === PIN } : {}),
  });
  const replay = new ScriptedReplay();
  replay.inquiry = () => "unknown";
  const log = capturedLogger("debug");
  const ils = journaledIls({
    ils: inner,
    executor: replay,
    journal,
    clock,
    logger: log.logger,
    replayRetryMs: 1_000,
    statistics,
  });
  const terminal = new SimulatedPaymentTerminal({ clock, mode: "manual" });
  const receipts = new RecordingReceipts();
  const engine = new KioskEngine({ ports: { ils, payment: terminal, receipts }, clock, logger: log.logger });
  let n = 0;
  const send = async (command: Record<string, unknown>) => {
    await engine.execute({ ...command, id: String(++n) } as never);
    await flushMicrotasks();
  };
  const state = async (): Promise<KioskState> => {
    await flushMicrotasks();
    return engine.snapshot();
  };
  /** The ILS dies: its links close and the replay cannot reach it either. */
  const die = () => {
    inner.setStatus("down");
    replay.down = true;
  };
  const revive = () => {
    replay.down = false;
    inner.setStatus("online");
  };
  const login = async () => {
    await send({ type: "identify", credential: PATRON });
    await send({ type: "verifyPin", pin: PIN });
  };
  return {
    clock,
    journal,
    inner,
    replay,
    ils,
    terminal,
    engine,
    receipts,
    send,
    state,
    die,
    revive,
    login,
    log,
    stats,
  };
}

describe("offline renewals", () => {
  it("refuse a renewal while the ILS is unreachable with a reason of their own, and journal nothing", async () => {
    const k = setUp();
    await k.login();
    k.die();
    await k.send({ type: "renew", itemIds: [BOOK] });
    const row = (await k.state()).items.find((r) => r.itemId === BOOK);
    expect(row).toMatchObject({ status: "refused", reason: "RENEWAL_NEEDS_ILS" });
    expect(k.journal.list()).toEqual([]);
    expect(k.inner.calls).toEqual([]);
  });
});

describe("fees paid by card while the ILS is unreachable", () => {
  it("journals the fees before the terminal is asked, and closes them when the card is declined", async () => {
    const k = setUp();
    await k.login();
    await k.send({ type: "show", screen: "fees" });
    await k.send({ type: "payFees", feeIds: ["F1", "F2"] });
    expect(k.journal.list()).toEqual([
      expect.objectContaining({
        kind: "fee-payment",
        state: "sending",
        data: expect.objectContaining({ feeId: "F1" }),
      }),
      expect.objectContaining({
        kind: "fee-payment",
        state: "sending",
        data: expect.objectContaining({ feeId: "F2" }),
      }),
    ]);
    // The replay leaves a payment under way alone.
    await k.ils.replayNow();
    expect(k.journal.list().map((e) => e.state)).toEqual(["sending", "sending"]);
    await k.terminal.control("answer", { outcome: "declined" });
    await k.clock.advance(0);
    expect((await k.state()).payment?.status).toBe("declined");
    expect(k.journal.list().map((e) => [e.state, e.resultCode])).toEqual([
      ["refused", "PAYMENT_NOT_TAKEN"],
      ["refused", "PAYMENT_NOT_TAKEN"],
    ]);
    expect(k.stats()).toEqual([]); // no money, no transaction
  });

  it("keeps an approved payment for replay with its authorization, says it is provisional, and sends each 37 once", async () => {
    const k = setUp();
    await k.login();
    await k.send({ type: "show", screen: "fees" });
    await k.send({ type: "payFees", feeIds: ["F1", "F2"] });
    k.die(); // while the patron's card is at the terminal
    await k.terminal.control("answer", { outcome: "approved" });
    await k.clock.advance(0);
    await flushMicrotasks();
    expect((await k.state()).payment).toEqual({ status: "provisional", amount: { value: "3.25", currency: "EUR" } });
    const [charge] = (await k.terminal.control("charges")) as Array<{ authorization: string }>;
    expect(k.inner.feesPaid).toEqual([]);
    const waiting = k.journal.list();
    expect(waiting.map((e) => e.state)).toEqual(["pending", "pending"]);
    expect(charge?.authorization).toMatch(/^SIM/);
    expect(waiting.map((e) => e.data.authorization)).toEqual([charge?.authorization, charge?.authorization]);
    expect(JSON.stringify(waiting)).not.toContain(PATRON);
    // The receipt says so too: the amount, the terminal's reference, provisional.
    await k.send({ type: "finish" });
    expect((await k.state()).receipt).toMatchObject({ methods: ["print", "none"], provisional: true });
    await k.send({ type: "chooseReceipt", method: "print" });
    expect(k.receipts.delivered.map((d) => [d.method, d.receipt.kind, d.receipt.payments])).toEqual([
      [
        "print",
        "fees",
        [{ amount: { value: "3.25", currency: "EUR" }, authorization: charge?.authorization, status: "provisional" }],
      ],
    ]);

    k.revive();
    await k.clock.advance(1_000);
    expect(k.replay.sent.map((e) => [e.kind, e.data.feeId, e.data.amount])).toEqual([
      ["fee-payment", "F1", "2.50"],
      ["fee-payment", "F2", "0.75"],
    ]);
    expect(k.journal.list().map((e) => e.state)).toEqual(["done", "done"]);
    // Counted once each, when the payment was taken (offline), not again at the replay.
    expect(k.stats()).toEqual([
      ["fee-payment", "offline", undefined],
      ["fee-payment", "offline", undefined],
    ]);
    // Replayed again: nothing is sent twice.
    await k.ils.replayNow();
    expect(k.replay.sent).toHaveLength(2);
  });

  it("records it straight away when the ILS answers, and a 37 the ILS refuses is a conflict for staff", async () => {
    const k = setUp();
    await k.login();
    await k.send({ type: "show", screen: "fees" });
    k.inner.refuseFees = true;
    await k.send({ type: "payFees", feeIds: ["F1"] });
    await k.terminal.control("answer", { outcome: "approved" });
    await k.clock.advance(0);
    await flushMicrotasks();
    expect((await k.state()).payment?.status).toBe("not-recorded");
    expect(k.journal.list().map((e) => [e.state, e.resultCode])).toEqual([["conflict", "FEE_REFUSED"]]);
    expect(k.stats()).toEqual([["fee-payment", "refused", "FEE_REFUSED"]]);
  });
});
