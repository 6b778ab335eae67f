import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { type KioskDatabase, openKioskDatabase } from "../../../bridge/kiosk/database.ts";

/** A fresh folder per test, removed afterwards, with every database opened in it closed. */
export function tempDatabases(): { dir: () => string; open: (name?: string) => KioskDatabase } {
  let dir: string | undefined;
  const opened: KioskDatabase[] = [];
  afterEach(() => {
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
