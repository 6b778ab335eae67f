/**
 * A kiosk replaying a card payment from its journal to the ACS simulator (over TCP, in the test's process),
 * to be killed with SIGKILL by payment-crash.test.ts. Run with `node --import tsx payment-replay.child.ts DB
 * PORT STAGE`: the real journal on the SQLite file DB, the real SIP2 client and Sip2Replay. It prints STAGE
 * and waits to be killed at that step: `prepared` (the balance read, not yet noted), `begun` (noted and marked
 * sending, the 37 not yet on the wire), `sent` (the ILS has applied the 37, its answer not yet written down).
 */
import { writeSync } from "node:fs";
import { openKioskDatabase } from "../../../bridge/kiosk/database.ts";
import { OfflineJournal, type TransactionExecutor } from "../../../bridge/kiosk/journal.ts";
import { Sip2Replay } from "../../../bridge/kiosk/sip2-ils.ts";
import { systemClock } from "../../../bridge/transports/clock.ts";
import { startClient } from "../sip2/helpers.ts";

const STAGES = ["prepared", "begun", "sent"] as const;
const [dbPath, port, stage] = process.argv.slice(2);
if (!dbPath || !port || !STAGES.includes(stage as (typeof STAGES)[number])) {
  throw new Error(`usage: payment-replay.child.ts DB PORT ${STAGES.join("|")}`);
}
const journal = new OfflineJournal(openKioskDatabase(dbPath), { clock: systemClock });
const { client } = await startClient(Number(port), { clock: systemClock, connections: 1 });
const real = new Sip2Replay(client);
const forever = new Promise<never>(() => undefined);
/** Prints the stage the moment it is reached, then never goes on. */
const stop = async (at: string): Promise<never> => {
  writeSync(1, `${at.toUpperCase()}\n`);
  return forever;
};
const executor: TransactionExecutor = {
  prepare: async (entry) => {
    const noted = await real.prepare(entry);
    return stage === "prepared" ? stop(stage) : noted;
  },
  send: async (entry) => {
    if (stage === "begun") await stop(stage);
    const outcome = await real.send(entry);
    return stage === "sent" ? stop(stage) : outcome;
  },
  inquire: (entry) => real.inquire(entry),
};
await journal.replay(executor);
setInterval(() => undefined, 60_000); // waits to be killed
