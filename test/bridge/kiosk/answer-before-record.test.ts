/**
 * Issue 9's latency: the ILS's answer reaches the patron before the journal records it (journaled-ils.ts
 * #recordSoon), so the journal's commit is not between the answer and the screen. The engine, the journaled
 * ILS on a real SQLite journal and a scripted ILS, on virtual time: the messages that carry the answer go
 * out while the entry is still `sending`, and the entry and its statistic are written in the next timer.
 * What a crash in that window does is answer-crash.test.ts.
 */
import { describe, expect, it } from "vitest";
import { KioskEngine } from "../../../bridge/kiosk/engine.ts";
import { type InquiryAnswer, OfflineJournal, type SendOutcome } from "../../../bridge/kiosk/journal.ts";
import { Statistics } from "../../../bridge/kiosk/statistics.ts";
import type { ServerMessage } from "../../../protocols/kiosk-api/schema.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { capturedLogger } from "../devices/scanner/helpers.ts";
import { PATRON, PIN, ScriptedIls } from "./engine-helpers.ts";
import { journaledIls, tempDatabases } from "./helpers.ts";

const databases = tempDatabases();
const BOOK = "31000000000001";

function setUp() {
  const clock = new VirtualClock();
  const db = databases.open();
  const journal = new OfflineJournal(db, { clock });
  const statistics = new Statistics(db, { clock, retentionDays: 30, timeZone: "UTC" });
  const inner = new ScriptedIls();
  const ils = journaledIls({
    ils: inner,
    executor: {
      send: async (): Promise<SendOutcome> => ({ result: "done" }),
      inquire: async (): Promise<InquiryAnswer> => "done",
    },
    journal,
    clock,
    statistics,
  });
  const engine = new KioskEngine({ ports: { ils }, clock, logger: capturedLogger("silent").logger });
  return { clock, journal, statistics, inner, ils, engine };
}

/** Resolves at the first message `match` accepts, with what `look` saw at that moment; fails after 5 s of virtual time. */
function atMessage<T>(
  engine: KioskEngine,
  clock: VirtualClock,
  match: (m: ServerMessage) => boolean,
  look: () => T,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new Error("no such message within 5 s of virtual time")), 5_000);
    const off = engine.subscribe((message) => {
      if (!match(message)) return;
      off();
      clock.clearTimeout(timer);
      resolve(look());
    });
  });
}

describe("an online checkout's answer: the patron first, then the journal", () => {
  for (const answer of [
    { ok: true, title: "A book", dueDate: "2026-12-24" },
    { ok: false, reason: "ITEM_ON_HOLD_FOR_OTHER" as const },
  ]) {
    it(`${answer.ok ? "done" : "refused"}: the row's result goes out while the entry is still sending`, async () => {
      const { clock, journal, statistics, inner, ils, engine } = setUp();
      await engine.execute({ type: "identify", credential: PATRON, id: "1" });
      await engine.execute({ type: "verifyPin", pin: PIN, id: "2" });
      await engine.execute({ type: "show", screen: "checkout", id: "3" });
      await engine.execute({ type: "addItem", itemId: BOOK, id: "4" });
      await expect.poll(() => inner.calls.length).toBe(1);
      const id = journal.list()[0]?.id as string;
      const told = atMessage(
        engine,
        clock,
        (m) => m.type === "state" && m.state.items.some((r) => r.status === (answer.ok ? "done" : "refused")),
        () => ({ entry: journal.get(id)?.state, statistics: statistics.records().length }),
      );
      inner.calls[0]?.resolve(answer);
      // Told, with nothing recorded yet: no virtual time has passed.
      expect(await told).toEqual({ entry: "sending", statistics: 0 });
      await clock.advance(0);
      expect(journal.get(id)?.state).toBe(answer.ok ? "done" : "refused");
      expect(statistics.records().map((r) => r.result)).toEqual([answer.ok ? "ok" : "refused"]);
      ils.close();
    });
  }

  it("close records what waits, so a clean stop leaves nothing for the replay to ask", async () => {
    const { clock, journal, inner, ils, engine } = setUp();
    await engine.execute({ type: "show", screen: "checkin", id: "2" });
    await engine.execute({ type: "addItem", itemId: BOOK, id: "3" });
    await expect.poll(() => inner.calls.length).toBe(1);
    const told = atMessage(
      engine,
      clock,
      (m) => m.type === "state" && m.state.items.some((r) => r.status === "done"),
      () => undefined,
    );
    inner.calls[0]?.resolve({ ok: true });
    await told;
    expect(journal.list().map((e) => e.state)).toEqual(["sending"]);
    ils.close();
    expect(journal.list().map((e) => e.state)).toEqual(["done"]);
  });
});
