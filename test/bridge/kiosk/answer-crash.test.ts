/**
 * kill -9 in the window the latency work opened (journaled-ils.ts #recordSoon): the patron's screen shows
 * the loan, and the journal has not yet recorded the ILS's answer. A child process (the real engine and
 * journaled ILS on a SQLite file, answer-crash.child.ts) stops dead the moment the loan is shown and is
 * killed there. The restarted kiosk finds the entry `sending`, asks the ILS (never sends it again), marks
 * it done, and counts it once, as an answer that was lost.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OfflineJournal } from "../../../bridge/kiosk/journal.ts";
import { Statistics } from "../../../bridge/kiosk/statistics.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { ScriptedIls } from "./engine-helpers.ts";
import { journaledIls, killAt, ScriptedReplay, tempDatabases } from "./helpers.ts";

const CHILD = fileURLToPath(new URL("./answer-crash.child.ts", import.meta.url));
const databases = tempDatabases();

describe("an online checkout under kill -9 after the patron was told, before the journal recorded it", () => {
  it("is asked about at restart, never sent again, and counted once", { timeout: 60_000 }, async () => {
    const out = await killAt(CHILD, [join(databases.dir(), "kiosk.db")], "TOLD");
    // The kill landed in the window: the screen showed the loan while the entry was still `sending`.
    const [, id, stateWhenTold] = /^TOLD (\S+) (\S+)$/m.exec(out) ?? [];
    expect(stateWhenTold).toBe("sending");

    // The restart comes after the crash: its clock starts from now (a statistic's duration is counted to it).
    const clock = new VirtualClock(Date.now());
    const db = databases.open("kiosk.db");
    const journal = new OfflineJournal(db, { clock });
    const statistics = new Statistics(db, { clock, retentionDays: 30, timeZone: "UTC" });
    expect(journal.get(id as string)?.state).toBe("sending");
    expect(statistics.records()).toEqual([]);
    const replay = new ScriptedReplay();
    replay.inquiry = () => "done"; // the ILS made the loan the patron was shown
    const ils = journaledIls({
      ils: new ScriptedIls(),
      executor: replay,
      journal,
      clock,
      statistics,
    });
    await ils.replayNow();
    expect(replay.asked).toEqual([id]);
    expect(replay.sent).toEqual([]);
    expect(journal.list().map((e) => [e.id, e.state, e.patronId])).toEqual([[id, "done", undefined]]);
    expect(statistics.records().map((r) => [r.kind, r.result, r.errorCode])).toEqual([
      ["checkout", "ok", "ANSWER_LOST"],
    ]);
    ils.close();
  });
});
