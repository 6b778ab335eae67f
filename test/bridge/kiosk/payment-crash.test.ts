/**
 * kill -9 of a kiosk taking a card payment while the ILS is dead (issue 9): a child process (the real
 * engine, journaled ILS and simulated terminal on a SQLite file, payment-crash.child.ts) is killed right
 * after the terminal approves, and right after the patron is told the payment is provisional. A new
 * process on the same file then replays: money taken is never without a record, and no 37 goes twice.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type InquiryAnswer,
  type JournalEntry,
  OfflineJournal,
  type SendOutcome,
} from "../../../bridge/kiosk/journal.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { ScriptedIls } from "./engine-helpers.ts";
import { journaledIls, killAt, tempDatabases } from "./helpers.ts";

const CHILD = fileURLToPath(new URL("./payment-crash.child.ts", import.meta.url));
const databases = tempDatabases();

/** The restarted kiosk, with the ILS back: what its replay sends, and what asking about an entry says. */
function restart() {
  const clock = new VirtualClock();
  const journal = new OfflineJournal(databases.open("kiosk.db"), { clock });
  const sent: JournalEntry[] = [];
  const ils = journaledIls({
    ils: new ScriptedIls(),
    executor: {
      send: async (entry): Promise<SendOutcome> => {
        sent.push(entry);
        return { result: "done" };
      },
      // A 37 without the balance noted before cannot be told from the ILS (sip2-ils.ts Sip2Replay.inquire).
      inquire: async (): Promise<InquiryAnswer> => "unknown",
    },
    journal,
    clock,
  });
  return { journal, ils, sent };
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
