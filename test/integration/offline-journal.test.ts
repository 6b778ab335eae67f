/**
 * The offline journal against the real thing: the ACS simulator over TCP with its fault modes, the real
 * SIP2 client, a real SQLite journal in a temp folder. Virtual time (the ILS's clock too) moves only where
 * a reconnect or a retry has to happen; every wait is for a state, bounded, failing with what it waited for.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { KioskDatabase } from "../../bridge/kiosk/database.ts";
import { OfflineJournal, type TransactionExecutor } from "../../bridge/kiosk/journal.ts";
import { JournaledIls } from "../../bridge/kiosk/journaled-ils.ts";
import { OfflinePolicy } from "../../bridge/kiosk/offline-policy.ts";
import { Sip2Ils, Sip2Replay } from "../../bridge/kiosk/sip2-ils.ts";
import { Statistics } from "../../bridge/kiosk/statistics.ts";
import type { Sip2Client } from "../../bridge/sip2/client.ts";
import type { Fee } from "../../protocols/kiosk-api/schema.ts";
import { InMemoryIls } from "../../simulators/acs/ils.ts";
import type { AcsServer } from "../../simulators/acs/server.ts";
import { capturedLogger } from "../bridge/devices/scanner/helpers.ts";
import { tempDatabases } from "../bridge/kiosk/helpers.ts";
import { fixture, startAcs, startClient } from "../bridge/sip2/helpers.ts";
import { until } from "../support/settle.ts";
import { VirtualClock } from "../support/virtual-clock.ts";

const PATRON = "24711000000012"; // "valid", PIN 1111 (simulators/acs/fixtures/CASES.md)
const PIN = "1111";
const OTHER = "24711000000202"; // "has-loans"
const GRETA = "24711000000087"; // "fines-under-limit": owes F0003, 2.50 EUR overdue
const F0003: Fee = { id: "F0003", amount: { value: "2.50", currency: "EUR" }, kind: "overdue" };
const AUTHORIZATION = "SIM000777";
const databases = tempDatabases();
const cleanups: Array<() => Promise<unknown> | unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Desk {
  client: Sip2Client;
  db: KioskDatabase;
  journal: OfflineJournal;
  statistics: Statistics;
  desk: JournaledIls;
}

interface Kiosk extends Desk {
  clock: VirtualClock;
  ils: InMemoryIls;
  server: AcsServer;
  port: number;
  books: string[];
}

interface SetUpOptions {
  executor?: (real: Sip2Replay) => TransactionExecutor;
  /** The ACS delays answers on the test's clock (its latency fault waits for virtual time). */
  acsOnClock?: boolean;
  /** Told the kiosk once it is set up (an executor that injects faults needs its server). */
  bind?: (k: Kiosk) => void;
}

async function setUp(options: SetUpOptions = {}): Promise<Kiosk> {
  const clock = new VirtualClock(Date.UTC(2026, 11, 1, 9, 0, 0));
  const now = () => new Date(clock.now());
  const ils = new InMemoryIls(fixture, { now, checkInvariants: true });
  const { server, port } = await startAcs({ ils, now, ...(options.acsOnClock ? { clock } : {}) });
  cleanups.push(() => server.stop());
  const books = fixture.items
    .filter((i) => i.note === "regular" && i.homeBranch === "MAIN" && i.currentBranch === "MAIN")
    .filter((i) => !ils.loanOf(i.barcode) && ils.holdQueue(i.titleId).length === 0)
    .map((i) => i.barcode);
  const kiosk: Kiosk = { clock, ils, server, port, books, ...(await startDesk(port, clock, options)) };
  options.bind?.(kiosk);
  return kiosk;
}

/** The kiosk's side: SIP2 client, journal (the test's one database file) and the journaled ILS. */
async function startDesk(port: number, clock: VirtualClock, options: SetUpOptions = {}): Promise<Desk> {
  // One connection: a fault set on it hits the transaction under test, and the lost answer cannot be asked
  // about elsewhere. Timeouts long in virtual time, so a slow machine cannot make a request time out.
  const { client } = await startClient(port, {
    clock,
    connections: 1,
    link: { timeoutMs: 600_000, backoff: { initialMs: 100, maxMs: 100, jitter: 0 } },
  });
  cleanups.push(() => client.close());
  const db = databases.open();
  const journal = new OfflineJournal(db, { clock });
  const statistics = new Statistics(db, { clock, retentionDays: 30, timeZone: "UTC" });
  const replay = new Sip2Replay(client);
  const desk = new JournaledIls({
    ils: new Sip2Ils(client, { clock }),
    executor: options.executor ? options.executor(replay) : replay,
    journal,
    policy: new OfflinePolicy(
      { enabled: true, maxItemsPerPatron: 5 },
      { openOfflineCheckouts: (p) => journal.openOfflineCheckouts(p) },
    ),
    statistics,
    clock,
    logger: capturedLogger("debug").logger,
    identifyOffline: true,
    replayRetryMs: 1_000,
  });
  cleanups.push(() => desk.close());
  return { client, db, journal, statistics, desk };
}

/** The ACS drops every connection, and every new one before it can log in. */
async function acsDown(k: Kiosk): Promise<void> {
  k.server.faults.set({ dropAfter: 0 });
  k.server.disconnect();
  await until(null, () => k.client.state !== "online", { what: "the SIP2 client to see the ACS gone" });
  await until(null, () => k.desk.offlineMode(), { what: "offline mode" });
}

async function acsBack(k: Kiosk): Promise<void> {
  k.server.faults.clear();
  await until(k.clock, () => k.client.state === "online" && k.journal.openCount() === 0 && !k.journal.replaying, {
    what: "the ILS online and the journal replayed",
    stepMs: 100,
  });
}

/** The next request on the open connection is carried out by the ILS, and its answer is lost with the link. */
function dropNextAnswer(server: AcsServer): void {
  const [id] = server.connectionIds();
  if (id === undefined) throw new Error("no connection to the ACS");
  server.faults.set({ dropAfter: 0 }); // and no new connection gets through
  server.faults.setFor(id, { dropAfter: server.connectionStats(id)?.answered ?? 0 });
}

const secondOf = (ms: number) => Math.floor(ms / 1000) * 1000;

/** Greta pays F0003 by card while the ACS is down: the payment waits in the journal (provisional). */
async function provisionalPayment(k: Kiosk): Promise<string> {
  await acsDown(k);
  const [id = ""] = k.desk.notePayment({ patron: GRETA, fees: [F0003], reference: "pay-1" });
  expect(await k.desk.payFee({ patron: GRETA, fee: F0003, reference: AUTHORIZATION, transactionId: id })).toEqual({
    ok: true,
    offline: true,
  });
  expect(k.journal.get(id)?.state).toBe("pending");
  return id;
}

/** The replay's fee payment meets `fault` as its first send starts. */
function faultAtFirstPayment(fault: (k: Kiosk) => void): SetUpOptions {
  let kiosk: Kiosk | undefined;
  let struck = false;
  return {
    executor: (real) => ({
      prepare: (entry) => real.prepare(entry),
      send: (entry) => {
        if (entry.kind === "fee-payment" && !struck && kiosk) {
          struck = true;
          fault(kiosk);
        }
        return real.send(entry);
      },
      inquire: (entry) => real.inquire(entry),
    }),
    bind: (k) => {
      kiosk = k;
    },
  };
}

describe("offline journal against the ACS simulator", () => {
  it("lends offline while the ACS is down and replays in order with no block and the original dates", async () => {
    const k = await setUp();
    const [a, b] = k.books as [string, string];
    expect(await k.desk.checkout({ patron: PATRON, pin: PIN, itemId: a, renewal: true })).toMatchObject({ ok: true });
    expect(k.ils.loanOf(a)?.patron).toBe(PATRON);
    await k.clock.advance(0); // the journal records an answer in a timer of its own, after the patron has it

    await acsDown(k);
    const lentAt = k.clock.now();
    expect(await k.desk.lookupPatron(PATRON, "0000")).toMatchObject({ found: true, canBorrow: true });
    expect(await k.desk.checkout({ patron: PATRON, itemId: b, renewal: true })).toMatchObject({
      ok: true,
      offline: true,
    });
    expect(await k.desk.checkin({ itemId: a })).toMatchObject({ ok: true, offline: true });
    expect(k.ils.loanOf(b)).toBeUndefined();
    expect(k.ils.loanOf(a)?.patron).toBe(PATRON);

    await k.clock.advance(3_600_000); // an hour later, the ILS is back
    await acsBack(k);
    expect(k.ils.loanOf(b)).toMatchObject({ patron: PATRON, renewals: 0, offlineRenewals: 0 });
    expect(k.ils.loanOf(b)?.checkedOut.getTime()).toBe(secondOf(lentAt));
    expect(k.ils.loanOf(a)).toBeUndefined();
    expect(k.journal.list().map((e) => [e.kind, e.itemId, e.offline, e.state])).toEqual([
      ["checkout", a, false, "done"],
      ["checkout", b, true, "done"],
      ["checkin", a, true, "done"],
    ]);
    expect(k.desk.offlineMode()).toBe(false);
    expect(k.statistics.records().map((r) => [r.kind, r.result])).toEqual([
      ["checkout", "ok"],
      ["checkout", "offline"],
      ["checkin", "offline"],
    ]);
  });

  it("a checkout the ILS carried out but whose answer was lost is asked about, and taken back: the patron was told it was not lent", async () => {
    const k = await setUp();
    const [book] = k.books as [string];
    dropNextAnswer(k.server);
    const outcome = k.desk.checkout({ patron: PATRON, pin: PIN, itemId: book, renewal: true });
    let failed = false;
    outcome.catch(() => {
      failed = true;
    });
    await until(k.clock, () => failed, { what: "the checkout to fail", stepMs: 100 });
    await expect(outcome).rejects.toMatchObject({ code: "OUTCOME_UNKNOWN" });
    expect(k.ils.loanOf(book)?.patron).toBe(PATRON); // the ILS did it
    const [entry] = k.journal.list();
    expect(k.desk.offlineMode()).toBe(true); // until the ILS has been asked

    await acsBack(k);
    // The kiosk kept the book (security on, "not lent"): the loan is checked back in, once, and staff see it.
    expect(k.journal.get(entry?.id as string)).toMatchObject({
      state: "conflict",
      attempts: 1,
      resultCode: "LOAN_NOT_TAKEN_CHECKED_IN",
    });
    expect(k.ils.loanOf(book)).toBeUndefined();
    expect(k.ils.loansOf(PATRON).filter((l) => l.item === book)).toHaveLength(0);
  });

  it("a replay cut short by another drop mid-transaction resumes without doubling anything", async () => {
    let second: string | undefined;
    let k: Kiosk | undefined;
    k = await setUp({
      executor: (real) => ({
        send: (entry) => {
          // The drop hits the second replayed checkout after the ILS has carried it out.
          if (entry.itemId === second && entry.attempts === 1 && k) dropNextAnswer(k.server);
          return real.send(entry);
        },
        inquire: (entry) => real.inquire(entry),
      }),
    });
    const kiosk = k;
    const [d, e, f] = kiosk.books as [string, string, string];
    second = e;
    await acsDown(kiosk);
    for (const itemId of [d, e, f]) {
      expect(await kiosk.desk.checkout({ patron: PATRON, itemId, renewal: true })).toMatchObject({ offline: true });
    }
    kiosk.server.faults.clear();
    await until(kiosk.clock, () => kiosk.desk.summary().lastReplay?.stoppedAt !== undefined, {
      what: "the replay to stop at the dropped checkout",
      stepMs: 100,
    });
    const stopped = kiosk.desk.summary().lastReplay;
    expect(stopped?.results).toEqual({ done: 1 });
    expect(kiosk.journal.list().map((x) => x.state)).toEqual(["done", "sending", "pending"]);
    expect(kiosk.ils.loanOf(e)?.patron).toBe(PATRON); // carried out, answer lost

    await acsBack(kiosk);
    for (const itemId of [d, e, f]) {
      expect(kiosk.ils.loanOf(itemId)).toMatchObject({ patron: PATRON, renewals: 0, offlineRenewals: 0 });
    }
    expect(kiosk.journal.list().map((x) => [x.state, x.attempts])).toEqual([
      ["done", 1],
      ["done", 1],
      ["done", 1],
    ]);
  });

  it("a kiosk that dies with a checkout in flight finds out at restart what the ILS did, and sends nothing twice", async () => {
    const k = await setUp({ acsOnClock: true });
    const [book] = k.books as [string];
    k.server.faults.set({ latencyMs: 10_000 }); // the ILS carries it out; its answer waits for virtual time
    const inFlight = k.desk.checkout({ patron: PATRON, pin: PIN, itemId: book, renewal: true });
    inFlight.catch(() => {});
    await until(null, () => k.ils.loanOf(book)?.patron === PATRON, { what: "the ILS to carry out the checkout" });
    const [entry] = k.journal.list();
    expect(entry?.state).toBe("sending");
    // The process dies: its database handle goes first, so nothing more is written, then its sockets.
    k.db.close();
    k.desk.close();
    await k.client.close();

    k.server.faults.clear();
    const restarted = await startDesk(k.port, k.clock);
    await until(k.clock, () => restarted.journal.openCount() === 0, {
      what: "the restarted kiosk to settle its journal",
      stepMs: 100,
    });
    expect(restarted.journal.get(entry?.id as string)).toMatchObject({ state: "done", attempts: 1 });
    expect(k.ils.loanOf(book)).toMatchObject({ patron: PATRON, renewals: 0, offlineRenewals: 0 });
    expect(restarted.desk.offlineMode()).toBe(false);
  });

  it("a replayed card payment the ILS applied but whose answer was lost is found applied from the balance, never paid twice", async () => {
    const k = await setUp();
    const id = await provisionalPayment(k);
    // The ILS carries out the first 37 it gets; the answer, being written, is lost with the link.
    const feePaid = k.ils.feePaid.bind(k.ils);
    k.ils.feePaid = (request) => {
      if (k.ils.paymentsOf(GRETA).length === 0) dropNextAnswer(k.server);
      return feePaid(request);
    };
    k.server.faults.clear();
    await until(k.clock, () => k.desk.summary().lastReplay?.stoppedAt?.id === id, {
      what: "the replay to stop at the payment whose answer was lost",
      stepMs: 100,
    });
    expect(k.journal.get(id)).toMatchObject({
      state: "sending",
      data: { balanceBefore: "2.50", feeListedBefore: true },
    });
    expect(k.ils.paymentsOf(GRETA)).toHaveLength(1); // carried out, answer lost

    await acsBack(k);
    expect(k.journal.get(id)).toMatchObject({ state: "done", data: { sends: 1 } });
    expect(k.ils.paymentsOf(GRETA).map((p) => [p.transactionId, p.amount])).toEqual([[AUTHORIZATION, 250]]);
    expect(k.ils.feesOf(GRETA).find((f) => f.id === "F0003")?.balance).toBe(0);
  });

  it("a replayed card payment lost before the ILS had it is found not applied and sent once more, with the same BK", async () => {
    const k = await setUp(
      faultAtFirstPayment((kiosk) => {
        kiosk.server.faults.set({ dropAfter: 0 }); // the link goes before the 37 reaches the ILS
        kiosk.server.disconnect();
      }),
    );
    const id = await provisionalPayment(k);
    k.server.faults.clear();
    await until(k.clock, () => k.desk.summary().lastReplay?.stoppedAt?.id === id, {
      what: "the replay to stop at the payment that never arrived",
      stepMs: 100,
    });
    expect(k.ils.paymentsOf(GRETA)).toEqual([]);

    await acsBack(k);
    expect(k.journal.get(id)).toMatchObject({ state: "done", data: { sends: 2 } });
    expect(k.ils.paymentsOf(GRETA).map((p) => [p.transactionId, p.amount])).toEqual([[AUTHORIZATION, 250]]);
  });

  it("keeps a replayed checkout the ILS refuses as a conflict for staff", async () => {
    const k = await setUp();
    const [book] = k.books as [string];
    await acsDown(k);
    await k.desk.checkout({ patron: PATRON, itemId: book, renewal: true });
    // Meanwhile the book went out to someone else at the desk, later than the offline loan.
    await k.clock.advance(60_000);
    const desk = k.ils.checkout({
      patronId: OTHER,
      itemId: book,
      branch: "MAIN",
      transactionDate: new Date(k.clock.now()),
    });
    expect(desk.ok).toBe(true);
    await acsBack(k);
    const [conflict] = k.desk.entries();
    expect(conflict).toMatchObject({ state: "conflict", itemId: book, patron: PATRON });
    expect(k.ils.loanOf(book)?.patron).toBe(OTHER);
  });
});
