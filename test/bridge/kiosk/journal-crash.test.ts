/**
 * Crash safety for real: a child process appends to the journal and replays it through a file-backed
 * ILS, and is killed with SIGKILL at a random point, again and again, on the same files. After every
 * kill: each acknowledged append is there, each acknowledged "done" is still done, no entry is in an
 * impossible state, and the ILS never received anything twice. At the end a replay of the survivors
 * (asking first about entries left in `sending`) brings every entry to the ILS exactly once.
 *
 * `npm test` runs a few kills; JOURNAL_CRASH_KILLS=200 runs more, JOURNAL_CRASH_SEED=n repeats a run.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { openKioskDatabase } from "../../../bridge/kiosk/database.ts";
import { FINISHED_STATES, type JournalEntry, OfflineJournal } from "../../../bridge/kiosk/journal.ts";
import { seededRandom } from "../../../simulators/random.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { fileIls, ilsLog } from "./file-ils.ts";
import { tempDatabases } from "./helpers.ts";

const CHILD = fileURLToPath(new URL("./journal-crash.child.ts", import.meta.url));
const KILLS = Number(process.env.JOURNAL_CRASH_KILLS ?? 3);
const SEED = Number(process.env.JOURNAL_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const databases = tempDatabases();

/** Runs the child until it has printed `lines` lines, kills it with SIGKILL, and returns all it printed. */
async function runAndKill(dbPath: string, ilsPath: string, seed: number, lines: number): Promise<string[]> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", CHILD, dbPath, ilsPath, String(seed)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let killed = false;
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
    if (!killed && out.split("\n").length > lines) {
      killed = true;
      child.kill("SIGKILL");
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("close", (c, s) => resolve([c, s])),
  );
  if (signal !== "SIGKILL") throw new Error(`the child ended by itself (code ${code}): ${err}`);
  // A line cut by the kill was never acknowledged.
  return out.split("\n").filter((line) => /^[ASRD] [0-9A-Z]{26}$/.test(line));
}

describe(`journal under kill -9 (seed ${SEED}, ${KILLS} kills; JOURNAL_CRASH_SEED=${SEED} repeats it)`, () => {
  it(
    "loses no acknowledged entry, reaches no impossible state, and sends nothing twice",
    async () => {
      console.log(`journal crash test: seed ${SEED}, ${KILLS} kills`);
      const random = seededRandom(SEED);
      const dbPath = join(databases.dir(), "kiosk.db");
      const ilsPath = join(databases.dir(), "ils.log");
      const appended = new Set<string>();
      const done = new Set<string>();
      let killedMidSend = 0;

      for (let round = 0; round < KILLS; round++) {
        const lines = await runAndKill(dbPath, ilsPath, SEED + round, 1 + Math.floor(random() * 40));
        for (const line of lines) {
          if (line.startsWith("A")) appended.add(line.slice(2));
          if (line.startsWith("D")) done.add(line.slice(2));
        }

        const db = openKioskDatabase(dbPath);
        try {
          const where = `seed ${SEED}, round ${round}`;
          expect(db.pragma("integrity_check", { simple: true }), where).toBe("ok");
          const entries = new Map(
            new OfflineJournal(db, { clock: new VirtualClock() }).list().map((e) => [e.id, e] as const),
          );
          for (const id of appended) expect(entries.has(id), `${where}: acknowledged append ${id}`).toBe(true);
          for (const id of done) expect(entries.get(id)?.state, `${where}: acknowledged done ${id}`).toBe("done");
          checkConsistent([...entries.values()], ilsLog(ilsPath), where);
          killedMidSend += [...entries.values()].filter((e) => e.state === "sending").length;
        } finally {
          db.close();
        }
      }

      const db = openKioskDatabase(dbPath);
      try {
        const journal = new OfflineJournal(db, { clock: new VirtualClock() });
        const inFlight = journal.list({ states: ["sending"] }).length;
        const report = await journal.replay(fileIls(ilsPath));
        console.log(
          `journal crash test: ${appended.size} appends acknowledged; ${killedMidSend} kills landed mid-send; ${report.inquired} inquiries at the end`,
        );
        expect(report.inquired).toBe(inFlight);
        const entries = journal.list();
        expect(entries.every((e) => e.state === "done")).toBe(true);
        expect(entries.length).toBeGreaterThanOrEqual(appended.size);
        expect(ilsLog(ilsPath).sort()).toEqual(entries.map((e) => e.id).sort()); // each exactly once
      } finally {
        db.close();
      }
    },
    120_000 + KILLS * 5_000,
  );
});

/** What must hold in any state a crash can leave. */
function checkConsistent(entries: JournalEntry[], received: string[], where: string): void {
  expect(new Set(received).size, `${where}: the ILS received an id twice`).toBe(received.length);
  const sent = new Set(received);
  for (const e of entries) {
    const what = `${where}: entry ${e.id} in ${e.state}`;
    expect(e.patronId === undefined, what).toBe(FINISHED_STATES.includes(e.state));
    // The file ILS always accepts, so only these states can occur.
    expect(["pending", "sending", "done"], what).toContain(e.state);
    // Done means the ILS has it; pending means it was never sent, or an inquiry found it not there.
    if (e.state === "done") expect(sent.has(e.id), what).toBe(true);
    if (e.state === "pending") expect(sent.has(e.id), what).toBe(false);
    if (e.state !== "pending") expect(e.attempts, what).toBeGreaterThan(0);
  }
  const ids = new Set(entries.map((e) => e.id));
  for (const id of received) expect(ids.has(id), `${where}: the ILS has ${id}, the journal does not`).toBe(true);
}
