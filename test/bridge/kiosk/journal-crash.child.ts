/**
 * A kiosk that writes to the journal as fast as it can until it is killed: the victim of
 * journal-crash.test.ts. Run with `node --import tsx journal-crash.child.ts DB ILS_LOG SEED`.
 *
 * It appends transactions and replays them through an "ILS" that is a file: a send appends the entry's
 * id to ILS_LOG (written and fsync'd before it answers), an inquiry looks the id up there. Every fact
 * the test may rely on is printed only after it is committed: `A <id>` after an append, `D <id>` after
 * an entry is done (`S` and `R` lines promise nothing: they are good moments to kill). Lines are written with writeSync, so what the test has read was really printed.
 */
import { writeSync } from "node:fs";
import { openKioskDatabase } from "../../../bridge/kiosk/database.ts";
import { OfflineJournal, type TransactionExecutor } from "../../../bridge/kiosk/journal.ts";
import { systemClock } from "../../../bridge/transports/clock.ts";
import { seededRandom } from "../../../simulators/random.ts";
import { fileIls } from "./file-ils.ts";

const [dbPath, ilsLog, seedText] = process.argv.slice(2);
if (!dbPath || !ilsLog || !seedText) throw new Error("usage: journal-crash.child.ts DB ILS_LOG SEED");
const random = seededRandom(Number(seedText));
const journal = new OfflineJournal(openKioskDatabase(dbPath), { clock: systemClock });

function say(line: string): void {
  writeSync(1, `${line}\n`);
}

// `S` (a send starts) and `R` (the ILS has it, the journal not yet) let the test aim its kills there.
const fileBacked = fileIls(ilsLog, {
  pause: () => new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 10))),
  received: (id) => say(`R ${id}`),
});
const ils: TransactionExecutor = {
  send: (entry) => {
    say(`S ${entry.id}`);
    return fileBacked.send(entry);
  },
  inquire: (entry) => fileBacked.inquire(entry),
};

for (let n = 0; ; n++) {
  if (random() < 0.7) {
    const entry = journal.append({
      kind: random() < 0.8 ? "checkout" : "renew",
      itemId: `item-${seedText}-${n}`,
      patronId: `patron-${Math.floor(random() * 5)}`,
      offline: true,
    });
    say(`A ${entry.id}`);
  } else {
    const before = new Set(journal.list({ states: ["done"] }).map((e) => e.id));
    await journal.replay(ils);
    for (const entry of journal.list({ states: ["done"] })) if (!before.has(entry.id)) say(`D ${entry.id}`);
  }
}
