import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OfflineJournal } from "../../../bridge/kiosk/journal.ts";
import {
  digest,
  OfflinePolicy,
  type OfflinePolicyConfig,
  parseBlocklist,
} from "../../../bridge/kiosk/offline-policy.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { tempDatabases } from "./helpers.ts";

const databases = tempDatabases();

function policy(config: Partial<OfflinePolicyConfig> = {}, open: Record<string, number> = {}) {
  return new OfflinePolicy(
    { enabled: true, maxItemsPerPatron: 3, ...config },
    { openOfflineCheckouts: (patronId) => open[patronId] ?? 0 },
  );
}

/** Writes the list the way the policy asks: to a temporary file, then renamed into place. */
function writeList(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

describe("OfflinePolicy", () => {
  it("allows nothing when offline mode is off", () => {
    const p = policy({ enabled: false });
    expect(p.decide("checkout", "p1")).toEqual({ allow: false, reason: "OFFLINE_DISABLED" });
    expect(p.decide("checkin")).toEqual({ allow: false, reason: "OFFLINE_DISABLED" });
  });

  it("allows checkouts and checkins, not renewals or payments", () => {
    const p = policy();
    expect(p.decide("checkout", "p1")).toEqual({ allow: true });
    expect(p.decide("checkin")).toEqual({ allow: true });
    expect(p.decide("renew", "p1")).toEqual({ allow: false, reason: "OFFLINE_KIND_NOT_ALLOWED" });
    expect(p.decide("fee-payment", "p1")).toEqual({ allow: false, reason: "OFFLINE_KIND_NOT_ALLOWED" });
    expect(p.decide("checkout")).toEqual({ allow: false, reason: "OFFLINE_PATRON_BLOCKED" });
    expect(p.decide("checkout", "  ")).toEqual({ allow: false, reason: "OFFLINE_PATRON_BLOCKED" });
  });

  it("stops a patron at the item limit of the offline period, counted from the journal", async () => {
    const journal = new OfflineJournal(databases.open(), { clock: new VirtualClock() });
    const p = new OfflinePolicy({ enabled: true, maxItemsPerPatron: 2 }, journal);
    for (const item of ["1", "2"]) {
      expect(p.decide("checkout", "p1")).toEqual({ allow: true });
      journal.append({ kind: "checkout", itemId: item, patronId: "p1", offline: true });
    }
    expect(p.decide("checkout", "p1")).toEqual({ allow: false, reason: "OFFLINE_ITEM_LIMIT" });
    expect(p.decide("checkout", "p2")).toEqual({ allow: true });
    // Once the ILS has the loans, a new offline period starts.
    await journal.replay({ send: async () => ({ result: "done" }), inquire: async () => "not-done" });
    expect(p.decide("checkout", "p1")).toEqual({ allow: true });
    expect(policy({ maxItemsPerPatron: 0 }).decide("checkout", "p1")).toEqual({
      allow: false,
      reason: "OFFLINE_ITEM_LIMIT",
    });
  });

  it("refuses patrons on the blocked list, given as identifiers or as their SHA-256", () => {
    const file = join(databases.dir(), "blocked.txt");
    writeList(
      file,
      `\uFEFF# exported 2026-12-01\r\n23999000011111\r\n\r\n  sha256:${digest("23999000022222").toUpperCase()}  \n`,
    );
    const p = policy({ blockedPatronsFile: file });
    expect(p.blockedCount).toBe(2);
    expect(p.decide("checkout", "23999000011111")).toEqual({ allow: false, reason: "OFFLINE_PATRON_BLOCKED" });
    expect(p.decide("checkout", " 23999000022222")).toEqual({ allow: false, reason: "OFFLINE_PATRON_BLOCKED" });
    expect(p.decide("checkout", "23999000033333")).toEqual({ allow: true });
    expect(p.decide("checkout", "# exported 2026-12-01")).toEqual({ allow: true });
  });

  it("reads the list again when it changes, and keeps the last good one when it cannot", () => {
    const file = join(databases.dir(), "blocked.txt");
    writeList(file, "A\n");
    const p = policy({ blockedPatronsFile: file });
    expect(p.decide("checkout", "B")).toEqual({ allow: true });
    writeList(file, "A\nB\n");
    expect(p.decide("checkout", "B")).toEqual({ allow: false, reason: "OFFLINE_PATRON_BLOCKED" });
    rmSync(file);
    expect(p.decide("checkout", "B")).toEqual({ allow: false, reason: "OFFLINE_PATRON_BLOCKED" });
    expect(p.problem).toMatchObject({ code: "OFFLINE_BLOCKLIST_UNREADABLE", details: { file } });
    expect(p.problem?.message).toContain("stays in force");
    writeList(file, "C\n");
    expect(p.decide("checkout", "B")).toEqual({ allow: true });
    expect(p.problem).toBeUndefined();
  });

  it("lends to nobody offline when the list was never readable", () => {
    const file = join(databases.dir(), "missing.txt");
    const p = policy({ blockedPatronsFile: file });
    expect(p.problem).toMatchObject({ code: "OFFLINE_BLOCKLIST_UNREADABLE" });
    expect(p.problem?.message).toContain(file);
    expect(p.decide("checkout", "anyone")).toEqual({ allow: false, reason: "OFFLINE_BLOCKLIST_UNAVAILABLE" });
    expect(p.decide("checkin")).toEqual({ allow: true });
    writeList(file, "");
    expect(p.decide("checkout", "anyone")).toEqual({ allow: true });
  });

  it("keeps only digests of the identifiers", () => {
    const blocked = parseBlocklist("23999000011111\n");
    expect([...blocked]).toEqual([digest("23999000011111")]);
    expect([...blocked][0]).toMatch(/^[0-9a-f]{64}$/);
  });
});
