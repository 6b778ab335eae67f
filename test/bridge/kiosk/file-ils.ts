import { appendFileSync, closeSync, fsyncSync, openSync, readFileSync } from "node:fs";
import type { JournalEntry, TransactionExecutor } from "../../../bridge/kiosk/journal.ts";

/**
 * An "ILS" that survives the kiosk's death: a send appends the entry's id to a file (fsync'd before it
 * answers), an inquiry looks the id up there. The crash test counts the lines to prove no transaction
 * reached the ILS twice.
 */
export function fileIls(
  path: string,
  options: { pause?: () => Promise<void>; received?: (id: string) => void } = {},
): TransactionExecutor {
  const pause = options.pause ?? (async () => {});
  return {
    async send(entry: JournalEntry) {
      await pause();
      const fd = openSync(path, "a");
      try {
        appendFileSync(fd, `${entry.id}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      options.received?.(entry.id);
      await pause(); // the answer takes a while: a kill here leaves the entry in `sending`
      return { result: "done" };
    },
    async inquire(entry: JournalEntry) {
      await pause();
      return ilsLog(path).includes(entry.id) ? "done" : "not-done";
    },
  };
}

/** Every id the file ILS received, in order (with repeats, if there were any). */
export function ilsLog(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split("\n").filter(Boolean);
  } catch {
    return []; // nothing was ever sent
  }
}
