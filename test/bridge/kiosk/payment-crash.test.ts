/**
 * kill -9 of a kiosk taking a card payment while the ILS is dead (issue 9): a child process (the real
 * engine, journaled ILS and simulated terminal on a SQLite file, payment-crash.child.ts) is killed right
 * after the terminal approves, and right after the patron is told the payment is provisional. A new
 * process on the same file then replays: money taken is never without a record, and no 37 goes twice.
 * Then the replay itself, against the ACS simulator over TCP, killed between each of its steps for a
 * payment (payment-replay.child.ts): the restarted kiosk asks the ILS and the fee is paid exactly once.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { OfflineJournal } from "../../../bridge/kiosk/journal.ts";
import { Sip2Replay } from "../../../bridge/kiosk/sip2-ils.ts";
import { InMemoryIls } from "../../../simulators/acs/ils.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { fixture, startAcs, startClient } from "../sip2/helpers.ts";
import { ScriptedIls } from "./engine-helpers.ts";
import { journaledIls, killAt, ScriptedReplay, tempDatabases } from "./helpers.ts";

const CHILD = fileURLToPath(new URL("./payment-crash.child.ts", import.meta.url));
const REPLAY_CHILD = fileURLToPath(new URL("./payment-replay.child.ts", import.meta.url));
const databases = tempDatabases();

/** The restarted kiosk, with the ILS back: what its replay sends, and what asking about an entry says. */
function restart() {
  const clock = new VirtualClock();
  const journal = new OfflineJournal(databases.open("kiosk.db"), { clock });
  const replay = new ScriptedReplay();
  // A 37 without the balance noted before cannot be told from the ILS (sip2-ils.ts Sip2Replay.inquire).
  replay.inquiry = () => "unknown";
  const ils = journaledIls({
    ils: new ScriptedIls(),
    executor: replay,
    journal,
    clock,
  });
  return { journal, ils, sent: replay.sent };
}

describe("a card payment under kill -9 while the ILS is dead", () => {
  it("killed between the approval and the journal: the charge is there for staff, with its reference, never sent blindly", {
    timeout: 60_000,
  }, async () => {
    const dbPath = join(databases.dir(), "kiosk.db");
    const out = await killAt(CHILD, [dbPath, "approval"], "APPROVED");
    expect(out).toMatch(/^APPROVED SIM\d+$/m);
    const k = restart();
    await k.ils.replayNow();
    expect(k.sent).toEqual([]);
    const entries = k.journal.list();
    expect(entries.map((e) => [e.kind, e.state, e.data.feeId, e.data.amount])).toEqual([
      ["fee-payment", "unknown", "F1", "2.50"],
      ["fee-payment", "unknown", "F2", "0.75"],
    ]);
    expect(entries.every((e) => typeof e.data.reference === "string")).toBe(true);
    // Staff see both, with the patron, to match the terminal's record at the desk.
    expect(k.ils.entries()).toHaveLength(2);
    k.ils.close();
  });

  it("killed after the engine had the approval, before any 37: every fee's entry has the authorization, for the replay to send", {
    timeout: 60_000,
  }, async () => {
    const dbPath = join(databases.dir(), "kiosk.db");
    const out = await killAt(CHILD, [dbPath, "approved"], "PREPARING");
    const authorization = /^APPROVED (\S+)$/m.exec(out)?.[1];
    expect(authorization).toMatch(/^SIM/);
    const journal = new OfflineJournal(databases.open("kiosk.db"), { clock: new VirtualClock() });
    // Both, though only the first fee's 37 had begun: the second waited behind it (Sip2Replay sends such an entry).
    expect(journal.list().map((e) => [e.data.feeId, e.state, e.data.authorization, e.data.sends])).toEqual([
      ["F1", "sending", authorization, undefined],
      ["F2", "sending", authorization, undefined],
    ]);
  });

  it("killed after the patron was told 'provisional': the replay sends each fee's 37 once, with the authorization", {
    timeout: 60_000,
  }, async () => {
    const dbPath = join(databases.dir(), "kiosk.db");
    const out = await killAt(CHILD, [dbPath, "provisional"], "PROVISIONAL");
    const authorization = /^APPROVED (\S+)$/m.exec(out)?.[1];
    expect(authorization).toMatch(/^SIM/);
    const k = restart();
    await k.ils.replayNow();
    expect(k.sent.map((e) => [e.data.feeId, e.data.authorization])).toEqual([
      ["F1", authorization],
      ["F2", authorization],
    ]);
    expect(k.journal.list().map((e) => e.state)).toEqual(["done", "done"]);
    await k.ils.replayNow();
    expect(k.sent).toHaveLength(2);
    k.ils.close();
  });
});

describe("the replay of a card payment under kill -9", () => {
  const GRETA = "24711000000087"; // "fines-under-limit": owes F0003, 2.50 EUR (simulators/acs/fixtures/CASES.md)
  const AUTHORIZATION = "SIM000314";
  const acs: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const stop of acs.splice(0)) await stop();
  });

  /** The ACS simulator, and a journal whose one entry is Greta's payment of F0003, as `write` leaves it. */
  async function journaledPayment(write: (journal: OfflineJournal) => string) {
    const ils = new InMemoryIls(fixture, { checkInvariants: true });
    const { server, port } = await startAcs({ ils });
    acs.push(() => server.stop());
    const db = databases.open("kiosk.db");
    const id = write(new OfflineJournal(db, { clock: new VirtualClock() }));
    db.close();
    return { ils, port, id, dbPath: join(databases.dir(), "kiosk.db") };
  }

  /** Greta's payment as `notePayment` writes it, with the terminal's authorization when it approved. */
  const noted = (journal: OfflineJournal, authorization?: string) =>
    journal.intend({
      kind: "fee-payment",
      patronId: GRETA,
      data: {
        feeId: "F0003",
        feeType: "overdue",
        amount: "2.50",
        currency: "EUR",
        ...(authorization ? { authorization } : {}),
      },
    }).id;

  /** A provisional payment (the ILS was down), waiting for the replay. */
  const waitingPayment = () =>
    journaledPayment((journal) => {
      const id = noted(journal, AUTHORIZATION);
      journal.settle(id, "not-done");
      return id;
    });

  /** The restarted kiosk's replay, against the ACS over TCP. */
  async function replayAgainst(port: number) {
    const journal = new OfflineJournal(databases.open("kiosk.db"), { clock: new VirtualClock() });
    const { client } = await startClient(port, { clock: new VirtualClock(), connections: 1 });
    acs.push(() => client.close());
    const replay = () => journal.replay(new Sip2Replay(client));
    return { journal, replay };
  }

  it("approved, killed before its 37 was prepared: the replay sends it, once", { timeout: 60_000 }, async () => {
    const k = await journaledPayment((journal) => noted(journal, AUTHORIZATION));
    const { journal, replay } = await replayAgainst(k.port);
    expect((await replay()).stoppedAt).toBeUndefined();
    expect(journal.get(k.id)).toMatchObject({ state: "done" });
    expect(k.ils.paymentsOf(GRETA).map((p) => [p.transactionId, p.amount])).toEqual([[AUTHORIZATION, 250]]);
    await replay();
    expect(k.ils.paymentsOf(GRETA)).toHaveLength(1);
  });

  it("killed while the terminal worked (no approval written): for staff, and no 37 goes", async () => {
    const k = await journaledPayment((journal) => noted(journal));
    const { journal, replay } = await replayAgainst(k.port);
    await replay();
    expect(journal.get(k.id)).toMatchObject({ state: "unknown", resultMessage: expect.stringMatching(/terminal/) });
    expect(k.ils.paymentsOf(GRETA)).toEqual([]);
  });

  it.each([
    ["after the balance was read, before it was noted", "prepared"],
    ["after it was marked sending, before the 37 went", "begun"],
    ["after the ILS applied the 37, before its answer was written down", "sent"],
  ])("killed %s: the restarted replay pays the fee exactly once", { timeout: 60_000 }, async (_, stage) => {
    const k = await waitingPayment();
    await killAt(REPLAY_CHILD, [k.dbPath, String(k.port), stage], stage.toUpperCase());
    expect(k.ils.paymentsOf(GRETA)).toHaveLength(stage === "sent" ? 1 : 0);

    const { journal, replay } = await replayAgainst(k.port);
    expect((await replay()).stoppedAt).toBeUndefined();
    expect(journal.get(k.id)).toMatchObject({ state: "done" });
    expect(k.ils.paymentsOf(GRETA).map((p) => [p.transactionId, p.amount])).toEqual([[AUTHORIZATION, 250]]);
    expect(k.ils.feesOf(GRETA).find((f) => f.id === "F0003")?.balance).toBe(0);
    // Replayed again: nothing more goes.
    await replay();
    expect(k.ils.paymentsOf(GRETA)).toHaveLength(1);
  });
});
