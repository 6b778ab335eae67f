/**
 * A kiosk whose checkout the ILS has answered, to be killed with SIGKILL by answer-crash.test.ts in the window
 * between telling the patron and the journal recording the answer. Run with `node --import tsx
 * answer-crash.child.ts DB`: the real engine and journaled ILS on the SQLite file DB, a scripted ILS that lends.
 * When the patron's screen shows the loan it prints `TOLD <entry id>` and stops its event loop dead, so the
 * journal's record (a timer of 0 ms) can never run before the kill.
 */
import { writeSync } from "node:fs";
import { openKioskDatabase } from "../../../bridge/kiosk/database.ts";
import { KioskEngine } from "../../../bridge/kiosk/engine.ts";
import { OfflineJournal } from "../../../bridge/kiosk/journal.ts";
import { JournaledIls } from "../../../bridge/kiosk/journaled-ils.ts";
import { OfflinePolicy } from "../../../bridge/kiosk/offline-policy.ts";
import { Statistics } from "../../../bridge/kiosk/statistics.ts";
import { createLogger } from "../../../bridge/log/logger.ts";
import { systemClock } from "../../../bridge/transports/clock.ts";
import { PATRON, PIN, ScriptedIls } from "./engine-helpers.ts";

const BOOK = "31000000000001";

const [dbPath] = process.argv.slice(2);
if (!dbPath) throw new Error("usage: answer-crash.child.ts DB");
const clock = systemClock;
const db = openKioskDatabase(dbPath);
const journal = new OfflineJournal(db, { clock });
const inner = new ScriptedIls();
inner.autoAnswer = () => ({ ok: true, title: "A book", dueDate: "2026-12-24" });
const unused = () => Promise.reject(new Error("the child never replays"));
const logger = createLogger({ level: "silent" });
const ils = new JournaledIls({
  ils: inner,
  executor: { send: unused, inquire: unused },
  journal,
  statistics: new Statistics(db, { clock, retentionDays: 30, timeZone: "UTC" }),
  policy: new OfflinePolicy({ enabled: true, maxItemsPerPatron: 5 }, { openOfflineCheckouts: () => 0 }),
  clock,
  logger,
  identifyOffline: false,
});
const engine = new KioskEngine({ ports: { ils }, clock, logger });
engine.subscribe((message) => {
  if (message.type !== "state" || !message.state.items.some((r) => r.status === "done")) return;
  writeSync(1, `TOLD ${journal.list()[0]?.id} ${journal.list()[0]?.state}\n`);
  // Nothing runs after this: the kill lands between the patron's answer and the journal's record of it.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});
await engine.execute({ type: "identify", credential: PATRON, id: "1" });
await engine.execute({ type: "verifyPin", pin: PIN, id: "2" });
await engine.execute({ type: "show", screen: "checkout", id: "3" });
await engine.execute({ type: "addItem", itemId: BOOK, id: "4" });
setInterval(() => undefined, 60_000); // waits to be killed
