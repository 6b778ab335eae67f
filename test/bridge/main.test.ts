import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../bridge/config/load.ts";
import { startBridge } from "../../bridge/main.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function kioskConfig(journalPath: string) {
  return parseConfig(
    {
      // Nothing listens there: the bridge must fail on its journal before it talks to any ILS.
      sip2: { host: "127.0.0.1", port: 9, login: { user: "kiosk", password: "secret" }, institution: "OSC" },
      devices: [],
      server: { port: 0 },
      offline: { journalPath },
    },
    "test.json",
    { models: [] },
  );
}

describe("startBridge and the kiosk database", () => {
  it("refuses to start a kiosk whose journal cannot be written, naming the file and what to do", async () => {
    const dir = mkdtempSync(join(tmpdir(), "selfcheck-main-"));
    dirs.push(dir);
    const blocker = join(dir, "not-a-folder");
    writeFileSync(blocker, "");
    const journalPath = join(blocker, "selfcheck.db");
    const started = startBridge(kioskConfig(journalPath), { logger: pino({ level: "silent" }) });
    await expect(started).rejects.toMatchObject({ code: "JOURNAL_UNWRITABLE", details: { file: journalPath } });
    await expect(started).rejects.toThrow(/offline\.journalPath/);
  });

  it("creates the database's folder when it is missing (a fresh clone's data/)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "selfcheck-main-"));
    dirs.push(dir);
    const bridge = await startBridge(kioskConfig(join(dir, "data", "nested", "selfcheck.db")), {
      logger: pino({ level: "silent" }),
    });
    try {
      expect(bridge.journal?.summary().counts.pending).toBe(0);
      expect(bridge.statistics?.records()).toEqual([]);
    } finally {
      await bridge.stop();
    }
  });
});
