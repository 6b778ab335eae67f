import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { type KioskDatabase, openKioskDatabase } from "../../../bridge/kiosk/database.ts";
import type {
  InquiryAnswer,
  JournalEntry,
  OfflineJournal,
  SendOutcome,
  TransactionExecutor,
} from "../../../bridge/kiosk/journal.ts";
import { JournaledIls } from "../../../bridge/kiosk/journaled-ils.ts";
import { OfflinePolicy } from "../../../bridge/kiosk/offline-policy.ts";
import type { IlsPort } from "../../../bridge/kiosk/ports.ts";
import { IlsUnavailable } from "../../../bridge/kiosk/sip2-ils.ts";
import type { Statistics } from "../../../bridge/kiosk/statistics.ts";
import type { Logger } from "../../../bridge/log/logger.ts";
import type { Clock } from "../../../bridge/transports/clock.ts";
import { capturedLogger } from "../devices/scanner/helpers.ts";

/** A fresh folder per test, removed afterwards, with every database opened in it closed. */
export function tempDatabases(): { dir: () => string; open: (name?: string) => KioskDatabase } {
  let dir: string | undefined;
  const opened: KioskDatabase[] = [];
  afterEach(async () => {
    // A kiosk engine's last state message (sent once per turn) reads the journal: let it go first.
    await new Promise((resolve) => setImmediate(resolve));
    for (const db of opened.splice(0)) if (db.open) db.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const folder = () => {
    dir ??= mkdtempSync(join(tmpdir(), "selfcheck-kiosk-"));
    return dir;
  };
  return {
    dir: folder,
    open: (name = "kiosk.db") => {
      const db = openKioskDatabase(join(folder(), name));
      opened.push(db);
      return db;
    },
  };
}

/** The journaled ILS as the bridge builds it (offline lending on), around `ils` and the replay `executor`. */
export function journaledIls(parts: {
  ils: IlsPort;
  executor: TransactionExecutor;
  journal: OfflineJournal;
  clock: Clock;
  logger?: Logger;
  replayRetryMs?: number;
  statistics?: Statistics;
}): JournaledIls {
  const { journal } = parts;
  return new JournaledIls({
    ...parts,
    logger: parts.logger ?? capturedLogger("silent").logger,
    policy: new OfflinePolicy(
      { enabled: true, maxItemsPerPatron: 5 },
      { openOfflineCheckouts: (p) => journal.openOfflineCheckouts(p) },
    ),
    identifyOffline: true,
  });
}

/**
 * Runs `script` (a TypeScript child process, through tsx) with `args` until it prints a line starting with
 * `line`, kills it with SIGKILL there, and returns what it printed.
 */
export async function killAt(script: string, args: readonly string[], line: string): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
  });
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
    if (
      out
        .split("\n")
        .slice(0, -1)
        .some((printed) => printed.startsWith(line))
    )
      child.kill("SIGKILL");
  });
  // A hang guard only (in wall time): the child prints its line within moments on any machine.
  const guard = setTimeout(() => child.kill("SIGTERM"), 30_000);
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_, s) => resolve(s)));
  clearTimeout(guard);
  if (signal !== "SIGKILL")
    throw new Error(`the child ended (${signal ?? "by itself"}) before it printed "${line}": ${err}`);
  return out;
}

/** The ILS's side of a replay: remembers what was sent and asked, and can be taken down. */
export class ScriptedReplay implements TransactionExecutor {
  readonly sent: JournalEntry[] = [];
  readonly asked: string[] = [];
  down = false;
  /** Holds each send until the test releases it. */
  hold = false;
  #held: Array<() => void> = [];
  answer: (entry: JournalEntry) => SendOutcome = () => ({ result: "done" });
  inquiry: (entry: JournalEntry) => InquiryAnswer = () => "not-done";

  async send(entry: JournalEntry): Promise<SendOutcome> {
    if (this.hold) await new Promise<void>((resolve) => this.#held.push(resolve));
    if (this.down) throw new IlsUnavailable("ILS_OFFLINE", "not connected");
    this.sent.push(entry);
    return this.answer(entry);
  }
  async inquire(entry: JournalEntry): Promise<InquiryAnswer> {
    if (this.down) throw new IlsUnavailable("ILS_OFFLINE", "not connected");
    this.asked.push(entry.id);
    return this.inquiry(entry);
  }
  /** Checkouts taken back (journal.ts #takeBack), by item. */
  readonly undone: string[] = [];
  undoAnswer: SendOutcome = { result: "done" };
  async undo(entry: JournalEntry): Promise<SendOutcome> {
    if (this.down) throw new IlsUnavailable("ILS_OFFLINE", "not connected");
    this.undone.push(entry.itemId as string);
    return this.undoAnswer;
  }
  release(): void {
    for (const go of this.#held.splice(0)) go();
  }
}
