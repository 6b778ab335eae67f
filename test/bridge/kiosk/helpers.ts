import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { type KioskDatabase, openKioskDatabase } from "../../../bridge/kiosk/database.ts";
import type { OfflineJournal, TransactionExecutor } from "../../../bridge/kiosk/journal.ts";
import { JournaledIls } from "../../../bridge/kiosk/journaled-ils.ts";
import { OfflinePolicy } from "../../../bridge/kiosk/offline-policy.ts";
import type { IlsPort } from "../../../bridge/kiosk/ports.ts";
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
