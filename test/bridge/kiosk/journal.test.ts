import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkpoint, openKioskDatabase, SCHEMA_VERSION } from "../../../bridge/kiosk/database.ts";
import {
  FINISHED_STATES,
  type InquiryAnswer,
  JOURNAL_STATES,
  JOURNAL_TRANSITIONS,
  type JournalEntry,
  type JournalState,
  type NewTransaction,
  newEntryId,
  OfflineJournal,
  pooledRandomBytes,
  type SendOutcome,
  type TransactionExecutor,
} from "../../../bridge/kiosk/journal.ts";
import { Statistics } from "../../../bridge/kiosk/statistics.ts";
import { createLogger } from "../../../bridge/log/logger.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { tempDatabases } from "./helpers.ts";

const PATRON = "23999000012345";
const databases = tempDatabases();

function journal(clock = new VirtualClock()): { journal: OfflineJournal; clock: VirtualClock } {
  return { journal: new OfflineJournal(databases.open(), { clock }), clock };
}

function checkout(offline: boolean, itemId = "39999000000001", patronId = PATRON): NewTransaction {
  return { kind: "checkout", itemId, patronId, offline };
}

/** An ILS that does what it is told and remembers every send. */
class FakeIls implements TransactionExecutor {
  readonly sent: string[] = [];
  readonly asked: string[] = [];
  answer: (entry: JournalEntry) => SendOutcome = () => ({ result: "done" });
  inquiry: (entry: JournalEntry) => InquiryAnswer = (e) => (this.sent.includes(e.id) ? "done" : "not-done");
  down = false;

  async send(entry: JournalEntry): Promise<SendOutcome> {
    if (this.down) throw new Error("connection refused");
    this.sent.push(entry.id);
    return this.answer(entry);
  }

  async inquire(entry: JournalEntry): Promise<InquiryAnswer> {
    if (this.down) throw new Error("connection refused");
    this.asked.push(entry.id);
    return this.inquiry(entry);
  }
}

describe("OfflineJournal: storage", () => {
  it("opens in WAL mode with synchronous FULL at the current schema version", () => {
    const db = databases.open();
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("synchronous", { simple: true })).toBe(2); // 2 = FULL
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
  });

  it("syncs to disk what only the journal knows; online entries and statistics wait only for the OS", () => {
    // Each write is tagged with the synchronous level in force when it ran (0 OFF, 1 NORMAL, 2 FULL).
    const db = databases.open();
    const writes: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      const statement = prepare(sql);
      const run = statement.run.bind(statement);
      statement.run = (...args: unknown[]) => {
        const verb = sql.trim().split(/\s+/)[0];
        // The level switches themselves (crashSafeWrite's prepared PRAGMAs) are not writes.
        if (verb !== "PRAGMA")
          writes.push(
            `${verb} ${sql.includes("statistics") ? "statistic" : "journal"} @${db.pragma("synchronous", { simple: true })}`,
          );
        return run(...args);
      };
      return statement;
    }) as typeof db.prepare;
    const clock = new VirtualClock();
    const journal = new OfflineJournal(db, { clock });
    const statistics = new Statistics(db, { clock, retentionDays: 30 });
    const offline = journal.append(checkout(true));
    journal.begin(offline.id);
    journal.finish(offline.id, { result: "done" });
    const online = journal.start({ kind: "checkout", itemId: "39999000000002", patronId: PATRON });
    journal.finish(online.id, { result: "done" });
    statistics.record({ kind: "checkout", result: "ok", durationMs: 5 });
    expect(writes).toEqual([
      "INSERT journal @2",
      "UPDATE journal @2",
      "UPDATE journal @2",
      "INSERT journal @1",
      "UPDATE journal @1",
      "INSERT statistic @1",
      "DELETE statistic @1", // the hourly pruning, due at the first record
    ]);
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
  });

  it("checkpoints when told (a session's end), not inside a patron's commit after SQLite's usual 1,000 frames", () => {
    const db = databases.open("wal.db");
    const journal = new OfflineJournal(db, { clock: new VirtualClock() });
    const data = { note: "x".repeat(3000) }; // about a page of its own per entry, besides the indexes'
    const items = Array.from({ length: 600 }, (_, i) => `3999900000${String(i).padStart(4, "0")}`);
    for (const itemId of items) journal.start({ kind: "checkout", itemId, patronId: PATRON, data });
    // SQLite's default copies the WAL into the file at 1,000 frames and then writes it again from its start, so
    // the file would stop growing near 1,000 frames (4 KiB each); here it holds every commit so far.
    const frames = statSync(join(databases.dir(), "wal.db-wal")).size / 4096;
    expect(frames).toBeGreaterThan(2000);
    expect(checkpoint(db)).toBe(0); // every frame copied
    expect(journal.list({ limit: 1000 })).toHaveLength(600);
  });

  it("keeps appended entries across a reopen, with everything needed to replay them", () => {
    const clock = new VirtualClock(1_764_000_000_000);
    const first = new OfflineJournal(databases.open("a.db"), { clock });
    const entry = first.append({ ...checkout(true), transactedAt: 1_763_999_000_000, data: { note: "x" } });
    expect(entry).toMatchObject({
      kind: "checkout",
      itemId: "39999000000001",
      patronId: PATRON,
      offline: true,
      state: "pending",
      attempts: 0,
      transactedAt: 1_763_999_000_000,
      data: { note: "x" },
    });
    expect(entry.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    const reopened = new OfflineJournal(databases.open("a.db"), { clock });
    expect(reopened.get(entry.id)).toEqual(entry);
  });

  it("refuses a database written by a newer schema instead of guessing", () => {
    databases.open("new.db").pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    expect(() => databases.open("new.db")).toThrow(expect.objectContaining({ code: "JOURNAL_TOO_NEW" }));
  });

  it("says JOURNAL_UNWRITABLE, naming the file, when the folder cannot be made", () => {
    const blocker = join(databases.dir(), "not-a-folder");
    writeFileSync(blocker, "");
    const path = join(blocker, "kiosk.db");
    let error: unknown;
    try {
      databases.open(join("not-a-folder", "kiosk.db"));
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: "JOURNAL_UNWRITABLE", details: { file: path } });
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain("offline.journalPath");
  });

  it("says JOURNAL_CORRUPT for a file that is not a database", () => {
    writeFileSync(join(databases.dir(), "junk.db"), "this is not SQLite".repeat(100));
    expect(() => databases.open("junk.db")).toThrow(expect.objectContaining({ code: "JOURNAL_CORRUPT" }));
  });

  it("a full disk gives JOURNAL_FULL and loses nothing already written", () => {
    const db = databases.open();
    const { journal: j } = { journal: new OfflineJournal(db, { clock: new VirtualClock() }) };
    const written: JournalEntry[] = [];
    for (let i = 0; i < 5; i++) written.push(j.append(checkout(true, `item-${i}`)));
    // The file may not grow past its current size (SQLite's own way to simulate a full disk).
    db.pragma(`max_page_count = ${db.pragma("page_count", { simple: true })}`);
    let error: unknown;
    for (let i = 0; i < 10_000 && !error; i++) {
      try {
        written.push(j.append({ ...checkout(true, `item-${i}`.padEnd(400, "x")) }));
      } catch (err) {
        error = err;
      }
    }
    expect(error).toMatchObject({ code: "JOURNAL_FULL", details: { file: db.name } });
    expect((error as Error).message).toMatch(/Free space/);
    expect(j.list().map((e) => e.id)).toEqual(written.map((e) => e.id));
    // Moving an entry's state does not need room, so a full disk does not stop a replay.
    const first = written[0] as JournalEntry;
    expect(j.begin(first.id).state).toBe("sending");
    db.pragma("max_page_count = 1073741823");
    expect(j.append(checkout(true)).state).toBe("pending");
  });

  it("a database that turns read-only gives JOURNAL_UNWRITABLE and keeps what it had", () => {
    const db = databases.open();
    const j = new OfflineJournal(db, { clock: new VirtualClock() });
    const kept = j.append(checkout(true));
    db.pragma("query_only = ON");
    expect(() => j.append(checkout(true))).toThrow(expect.objectContaining({ code: "JOURNAL_UNWRITABLE" }));
    expect(() => j.begin(kept.id)).toThrow(expect.objectContaining({ code: "JOURNAL_UNWRITABLE" }));
    expect(j.list()).toEqual([kept]);
  });

  it("refuses an entry that could not be replayed", () => {
    const { journal: j } = journal();
    expect(() => j.append({ kind: "checkout", itemId: "1", offline: true })).toThrow(
      expect.objectContaining({ code: "JOURNAL_INVALID_ENTRY" }),
    );
    expect(() => j.append({ kind: "checkin", offline: true })).toThrow(
      expect.objectContaining({ code: "JOURNAL_INVALID_ENTRY" }),
    );
    expect(() => j.append({ kind: "lend" as "checkout", offline: true })).toThrow(
      expect.objectContaining({ code: "JOURNAL_INVALID_ENTRY" }),
    );
    expect(j.append({ kind: "checkin", itemId: "1", offline: true }).patronId).toBeUndefined();
    expect(j.append({ kind: "fee-payment", patronId: PATRON, offline: false, data: { amount: "2.50" } }).kind).toBe(
      "fee-payment",
    );
  });

  it("makes ids that sort by time and do not repeat", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => newEntryId(1_764_000_000_000 + (i >> 4), (n) => randomOf(n)));
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort((a, b) => a.slice(0, 10).localeCompare(b.slice(0, 10)))).toEqual(ids);
    expect(newEntryId(0, (n) => new Uint8Array(n))).toBe("0".repeat(26));
    expect(newEntryId(2 ** 48 - 1, (n) => new Uint8Array(n).fill(255))).toBe("7ZZZZZZZZZ" + "Z".repeat(16));
  });
});

describe("pooledRandomBytes", () => {
  it("hands out fresh bytes across refills, each request its own copy", () => {
    const random = pooledRandomBytes(64);
    const first = random(10);
    const kept = Uint8Array.from(first);
    // 1,000 draws of 10 bytes from a 64-byte pool: many refills, and a draw that would cross the end refills first.
    const draws = Array.from({ length: 1000 }, () => random(10));
    expect(first).toEqual(kept);
    expect(draws.every((d) => d.length === 10)).toBe(true);
    expect(new Set(draws.map((d) => Buffer.from(d).toString("hex"))).size).toBe(1000);
    expect(random(100)).toHaveLength(100);
    // The journal's default: one pool for every id, refilled twice over 1,000 ids in the same millisecond.
    const shared = pooledRandomBytes();
    const ids = Array.from({ length: 1000 }, () => newEntryId(1_764_000_000_000, shared));
    expect(new Set(ids).size).toBe(1000);
  });
});

function randomOf(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(Math.random() * 256));
}

/** The operations that move an entry, with the state each one asks for. */
const OPERATIONS: {
  name: string;
  target: (entry: JournalEntry) => JournalState;
  run: (j: OfflineJournal, id: string) => JournalEntry;
}[] = [
  { name: "begin", target: () => "sending", run: (j, id) => j.begin(id) },
  { name: "finish done", target: () => "done", run: (j, id) => j.finish(id, { result: "done" }) },
  {
    name: "finish refused",
    target: (e) => (e.offline ? "conflict" : "refused"),
    run: (j, id) => j.finish(id, { result: "refused", code: "ITEM_ON_HOLD" }),
  },
  {
    name: "finish unknown",
    target: () => "unknown",
    run: (j, id) => j.finish(id, { result: "unknown", code: "SIP2_OUTCOME_UNKNOWN" }),
  },
  { name: "settle done", target: () => "done", run: (j, id) => j.settle(id, "done") },
  {
    name: "settle not-done",
    target: (e) => (e.offline ? "pending" : "refused"),
    run: (j, id) => j.settle(id, "not-done"),
  },
  { name: "settle unknown", target: () => "unknown", run: (j, id) => j.settle(id, "unknown") },
  { name: "retry", target: () => "pending", run: (j, id) => j.retry(id, "not in the ILS") },
  { name: "resolve", target: () => "resolved", run: (j, id) => j.resolve(id, "loan entered by hand") },
];

/** How to bring a new entry to each state. */
const PATHS: Record<JournalState, { offline: boolean; steps: string[] }> = {
  pending: { offline: true, steps: [] },
  sending: { offline: true, steps: ["begin"] },
  done: { offline: true, steps: ["begin", "finish done"] },
  refused: { offline: false, steps: ["begin", "finish refused"] },
  conflict: { offline: true, steps: ["begin", "finish refused"] },
  unknown: { offline: true, steps: ["begin", "settle unknown"] },
  resolved: { offline: true, steps: ["begin", "settle unknown", "resolve"] },
};

function operation(name: string) {
  const op = OPERATIONS.find((o) => o.name === name);
  if (!op) throw new Error(name);
  return op;
}

describe("OfflineJournal: the state machine", () => {
  it("the operations reach every legal move", () => {
    const reached = new Set<string>();
    for (const from of JOURNAL_STATES) {
      for (const offline of [false, true]) {
        const probe = { offline } as JournalEntry;
        for (const op of OPERATIONS) {
          const to = op.target(probe);
          if (JOURNAL_TRANSITIONS[from].includes(to)) reached.add(`${from}>${to}`);
        }
      }
    }
    const legal = JOURNAL_STATES.flatMap((from) => JOURNAL_TRANSITIONS[from].map((to) => `${from}>${to}`));
    expect([...reached].sort()).toEqual(legal.sort());
  });

  for (const from of JOURNAL_STATES) {
    for (const op of OPERATIONS) {
      const path = PATHS[from];
      const probe = { offline: path.offline } as JournalEntry;
      const to = op.target(probe);
      const legal = JOURNAL_TRANSITIONS[from].includes(to);
      it(`${from} --${op.name}--> ${legal ? to : "JOURNAL_ILLEGAL_TRANSITION"}`, async () => {
        const { journal: j, clock } = journal();
        let entry = j.append(checkout(path.offline));
        for (const step of path.steps) entry = operation(step).run(j, entry.id);
        expect(entry.state).toBe(from);
        await clock.advance(1000);
        if (legal) {
          const moved = op.run(j, entry.id);
          expect(moved.state).toBe(to);
          expect(moved.updatedAt).toBe(clock.now());
          expect(moved.attempts).toBe(entry.attempts + (to === "sending" ? 1 : 0));
        } else {
          let error: unknown;
          try {
            op.run(j, entry.id);
          } catch (err) {
            error = err;
          }
          expect(error).toMatchObject({ code: "JOURNAL_ILLEGAL_TRANSITION", details: { id: entry.id, from, to } });
          expect((error as Error).message).not.toContain(PATRON);
          expect(j.get(entry.id)).toEqual(entry);
        }
      });
    }
  }

  it("an unknown id is JOURNAL_UNKNOWN_ENTRY", () => {
    const { journal: j } = journal();
    expect(() => j.begin("01ARZ3NDEKTSV4RRFFQ69G5FAV")).toThrow(
      expect.objectContaining({ code: "JOURNAL_UNKNOWN_ENTRY" }),
    );
  });

  it("random operation sequences only ever follow the table, a finished entry never keeps a patron, and the open count stays true", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(3), fc.constantFrom(...OPERATIONS.map((o) => o.name))), { maxLength: 60 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        (steps, offline) => {
          const db = openKioskDatabase(":memory:");
          const j = new OfflineJournal(db, { clock: new VirtualClock() });
          // Counted once here, then kept by each change: it must agree with the table after every step.
          expect(j.openCount()).toBe(0);
          const ids = offline.map((o, i) => j.append(checkout(o, `item-${i}`)).id);
          const counted = () =>
            db.prepare("SELECT count(*) AS n FROM journal WHERE state IN ('pending', 'sending')").get();
          for (const [which, name] of steps) {
            const id = ids[which] as string;
            const before = j.get(id) as JournalEntry;
            const op = operation(name);
            const legal = JOURNAL_TRANSITIONS[before.state].includes(op.target(before));
            if (legal) expect(op.run(j, id).state).toBe(op.target(before));
            else expect(() => op.run(j, id)).toThrow(expect.objectContaining({ code: "JOURNAL_ILLEGAL_TRANSITION" }));
            expect({ n: j.openCount() }).toEqual(counted());
          }
          for (const entry of j.list()) {
            expect(entry.patronId === undefined).toBe(FINISHED_STATES.includes(entry.state));
          }
          db.close();
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("OfflineJournal: privacy", () => {
  it("erases the patron identifier when an entry is finished, and keeps it while staff need it", () => {
    const { journal: j } = journal();
    const done = j.append(checkout(true, "a"));
    j.begin(done.id);
    expect(j.finish(done.id, { result: "done" }).patronId).toBeUndefined();
    const conflict = j.append(checkout(true, "b"));
    j.begin(conflict.id);
    expect(j.finish(conflict.id, { result: "refused", code: "ITEM_ON_HOLD" }).patronId).toBe(PATRON);
    expect(j.resolve(conflict.id, "returned to the desk").patronId).toBeUndefined();
  });

  it("leaves no trace of a finished entry's patron in the database file", () => {
    const db = databases.open("trace.db");
    const j = new OfflineJournal(db, { clock: new VirtualClock() });
    const patronId = "PATRON-TRACE-7741";
    for (let i = 0; i < 20; i++) {
      const entry = j.append(checkout(true, `item-${i}`, patronId));
      j.begin(entry.id);
      j.finish(entry.id, { result: "done" });
    }
    const file = db.name;
    db.close();
    const bytes = readFileSync(file);
    expect(bytes.includes(Buffer.from(patronId))).toBe(false);
    expect(bytes.includes(Buffer.from("item-7"))).toBe(true); // the search itself works
  });

  it("after a replay, neither the database nor its WAL holds the replayed patrons", async () => {
    const db = databases.open("replayed.db");
    const j = new OfflineJournal(db, { clock: new VirtualClock() });
    const patronId = "PATRON-WAL-5523";
    for (let i = 0; i < 20; i++) j.append(checkout(true, `item-${i}`, patronId));
    expect(readFileSync(`${db.name}-wal`).includes(Buffer.from(patronId))).toBe(true);
    await j.replay(new FakeIls());
    for (const file of [db.name, `${db.name}-wal`]) {
      expect(readFileSync(file).includes(Buffer.from(patronId))).toBe(false);
    }
  });

  it("a journal entry logged by mistake shows no patron identifier", () => {
    const { journal: j } = journal();
    const entry = j.append(checkout(true));
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    createLogger({ destination }).info({ entry }, "journal entry");
    expect(lines.join("")).toContain(entry.id);
    expect(lines.join("")).not.toContain(PATRON);
  });
});

describe("OfflineJournal: replay", () => {
  it("sends every unfinished entry once, in order, with its original time and offline flag", async () => {
    const { journal: j, clock } = journal();
    const entries: JournalEntry[] = [];
    for (let i = 0; i < 5; i++) {
      entries.push(j.append(checkout(true, `item-${i}`)));
      await clock.advance(60_000);
    }
    const seen: JournalEntry[] = [];
    const ils = new FakeIls();
    ils.answer = (e) => {
      seen.push(e);
      return { result: "done", message: "due 2026-12-15" };
    };
    const report = await j.replay(ils);
    expect(ils.sent).toEqual(entries.map((e) => e.id));
    expect(seen.map((e) => [e.transactedAt, e.offline, e.state])).toEqual(
      entries.map((e) => [e.transactedAt, true, "sending"]),
    );
    expect(report).toEqual({ handled: 5, sent: 5, inquired: 0, results: { done: 5 } });
    expect(j.list().every((e) => e.state === "done" && e.resultMessage === "due 2026-12-15")).toBe(true);
    expect((await j.replay(ils)).handled).toBe(0);
    expect(ils.sent).toHaveLength(5);
  });

  it("notes what the executor prepares before the entry is marked sending, and keeps what an unknown inquiry saw", async () => {
    const { journal: j } = journal();
    const entry = j.append({ kind: "fee-payment", patronId: PATRON, offline: true, data: { amount: "2.50" } });
    const ils = new FakeIls();
    const atSend: JournalEntry[] = [];
    const prepared = Object.assign(ils, {
      prepare: async (e: JournalEntry) => {
        // Still pending: a crash here leaves it to be prepared and sent again, never asked about.
        expect(j.get(e.id)?.state).toBe("pending");
        return { balanceBefore: "2.50" };
      },
    });
    ils.answer = (e) => {
      atSend.push(e);
      return { result: "done" };
    };
    const send = ils.send.bind(ils);
    prepared.send = async (e) => {
      // Committed before the request goes: what a restarted replay would find.
      expect(j.get(e.id)).toMatchObject({ state: "sending", data: { amount: "2.50", balanceBefore: "2.50" } });
      throw new Error("connection reset");
    };
    expect((await j.replay(prepared)).stoppedAt?.id).toBe(entry.id);
    prepared.send = send;
    const unknown = Object.assign(prepared, {
      inquire: async () => ({ answer: "unknown" as const, seen: "the balance was 2.50 before and is 1.00 now" }),
    });
    await j.replay(unknown);
    expect(atSend).toEqual([]);
    expect(j.get(entry.id)).toMatchObject({
      state: "unknown",
      resultMessage: "the balance was 2.50 before and is 1.00 now",
    });
  });

  it("stops at the first entry the ILS cannot take, and asks about it before sending anything again", async () => {
    const { journal: j } = journal();
    const ids = [0, 1, 2].map((i) => j.append(checkout(true, `item-${i}`)).id);
    const ils = new FakeIls();
    let calls = 0;
    const flaky: TransactionExecutor = {
      send: async (entry) => {
        calls++;
        if (calls === 2) {
          ils.sent.push(entry.id); // the ILS did it, but the answer was lost
          throw new Error("connection reset");
        }
        return ils.send(entry);
      },
      inquire: (entry) => ils.inquire(entry),
    };
    const first = await j.replay(flaky);
    expect(first.stoppedAt?.id).toBe(ids[1]);
    expect(first.handled).toBe(1);
    expect(j.get(ids[1] as string)?.state).toBe("sending");
    expect(j.get(ids[2] as string)?.state).toBe("pending");

    const second = await j.replay(flaky);
    expect(ils.asked).toEqual([ids[1]]);
    expect(ils.sent).toEqual(ids); // each exactly once
    expect(second).toMatchObject({ handled: 2, sent: 1, inquired: 1, results: { done: 2 } });
  });

  it("asks about an online entry left sending, and never sends it later if the ILS did not do it", async () => {
    const { journal: j } = journal();
    const gone = j.start(checkout(false, "gone"));
    const made = j.start(checkout(false, "made"));
    expect(gone).toMatchObject({ state: "sending", attempts: 1, offline: false });
    const ils = new FakeIls();
    ils.inquiry = (e) => (e.id === made.id ? "done" : "not-done");
    const report = await j.replay(ils);
    expect(ils.asked).toEqual([gone.id, made.id]);
    expect(ils.sent).toEqual([]);
    expect(report.results).toEqual({ refused: 1, done: 1 });
    expect(j.get(gone.id)).toMatchObject({ state: "refused", resultCode: "NOT_DONE" });
    expect(j.get(gone.id)?.patronId).toBeUndefined();
  });

  it("leaves the entries it is told to skip (sent by this process right now) for a later replay", async () => {
    const { journal: j } = journal();
    const live = j.start(checkout(false, "live"));
    const waiting = j.append(checkout(true, "waiting"));
    const ils = new FakeIls();
    const report = await j.replay(ils, { skip: (id) => id === live.id });
    expect(ils.sent).toEqual([waiting.id]);
    expect(ils.asked).toEqual([]);
    expect(report.handled).toBe(1);
    expect(j.get(live.id)?.state).toBe("sending");
  });

  it("sends again what the ILS says it never got, and leaves what it cannot tell to staff", async () => {
    const { journal: j } = journal();
    const lost = j.append(checkout(true, "lost"));
    const unclear = j.append(checkout(true, "unclear"));
    const after = j.append(checkout(true, "after"));
    j.begin(lost.id);
    j.begin(unclear.id);
    const ils = new FakeIls();
    ils.inquiry = (e) => (e.id === lost.id ? "not-done" : "unknown");
    const report = await j.replay(ils);
    expect(ils.asked).toEqual([lost.id, unclear.id]);
    expect(ils.sent).toEqual([lost.id, after.id]);
    expect(report.results).toEqual({ done: 2, unknown: 1 });
    expect(j.list({ states: ["unknown"] }).map((e) => e.id)).toEqual([unclear.id]);
    // Staff check the ILS, find nothing, and send it again.
    j.retry(unclear.id, "not in the ILS");
    await j.replay(ils);
    expect(ils.sent).toEqual([lost.id, after.id, unclear.id]);
    expect(j.get(unclear.id)).toMatchObject({ state: "done", note: "not in the ILS", attempts: 2 });
  });

  it("keeps refused offline transactions as conflicts for staff and goes on with the rest", async () => {
    const { journal: j } = journal();
    const held = j.append(checkout(true, "held"));
    const fine = j.append(checkout(true, "fine"));
    const online = j.append(checkout(false, "online"));
    const ils = new FakeIls();
    ils.answer = (e) =>
      e.itemId === "fine" ? { result: "done" } : { result: "refused", code: "ITEM_ON_HOLD", message: "on hold" };
    const report = await j.replay(ils);
    expect(report.results).toEqual({ conflict: 1, done: 1, refused: 1 });
    expect(j.list({ states: ["conflict"] })).toEqual([
      expect.objectContaining({ id: held.id, resultCode: "ITEM_ON_HOLD", resultMessage: "on hold", patronId: PATRON }),
    ]);
    expect(j.get(fine.id)?.state).toBe("done");
    expect(j.get(online.id)?.state).toBe("refused");
    expect(j.counts()).toMatchObject({ conflict: 1, done: 1, refused: 1, pending: 0, sending: 0 });
  });

  it("hands an entry the executor could not settle to staff and goes on", async () => {
    const { journal: j } = journal();
    const lost = j.append(checkout(true, "lost"));
    const next = j.append(checkout(true, "next"));
    const ils = new FakeIls();
    ils.answer = (e) =>
      e.id === lost.id
        ? { result: "unknown", code: "SIP2_OUTCOME_UNKNOWN", message: "loans list cut short" }
        : { result: "done" };
    const report = await j.replay(ils);
    expect(report.results).toEqual({ unknown: 1, done: 1 });
    expect(j.get(lost.id)).toMatchObject({ state: "unknown", resultCode: "SIP2_OUTCOME_UNKNOWN", patronId: PATRON });
    expect(j.get(next.id)?.state).toBe("done");
    expect(ils.asked).toEqual([]);
  });

  it("runs one replay at a time and picks up entries written while it runs", async () => {
    const { journal: j, clock } = journal();
    j.append(checkout(true, "a"));
    const ils = new FakeIls();
    const slow: TransactionExecutor = {
      send: async (e) => {
        await clock.sleep(100);
        return ils.send(e);
      },
      inquire: (e) => ils.inquire(e),
    };
    const one = j.replay(slow);
    const two = j.replay(slow);
    expect(two).toBe(one);
    const late = j.append(checkout(true, "b"));
    await clock.advance(1000);
    expect((await one).handled).toBe(2);
    expect(ils.sent.at(-1)).toBe(late.id);
  });

  it("does not take its own storage failure for an ILS outage", async () => {
    const db = databases.open();
    const j = new OfflineJournal(db, { clock: new VirtualClock() });
    j.append(checkout(true));
    const ils = new FakeIls();
    const readOnly: TransactionExecutor = {
      send: (e) => ils.send(e),
      inquire: (e) => ils.inquire(e),
    };
    db.pragma("query_only = ON");
    await expect(j.replay(readOnly)).rejects.toMatchObject({ code: "JOURNAL_UNWRITABLE" });
    expect(ils.sent).toEqual([]);
  });

  it("counts a patron's offline checkouts until they are replayed", async () => {
    const { journal: j } = journal();
    j.append(checkout(true, "1"));
    j.append(checkout(true, "2"));
    j.append(checkout(false, "3"));
    j.append(checkout(true, "4", "someone-else"));
    expect(j.openOfflineCheckouts(PATRON)).toBe(2);
    await j.replay(new FakeIls());
    expect(j.openOfflineCheckouts(PATRON)).toBe(0);
  });
});
