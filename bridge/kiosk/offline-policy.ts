/**
 * Whether the kiosk may do a transaction while the ILS is down. It cannot ask the ILS about the patron,
 * so it relies on what it has: the config's switch, a per-patron item limit for the offline period, and
 * a list of blocked patrons the library exports (like the "offline circulation" block lists of Koha's
 * and Evergreen's offline clients).
 *
 * The blocked-patrons file: one patron identifier per line, or `sha256:<64 hex digits>` of one (so a
 * library can ship the list without the identifiers in it); blank lines and lines starting with `#` are
 * skipped. It is read again whenever its size, time or inode change. Write it to a temporary file and
 * rename it into place, so the kiosk never reads half a list. If it cannot be read, the last good list
 * stays in force; if there never was one, offline checkouts are refused (a kiosk that cannot know who is
 * blocked lends to nobody offline).
 *
 * Identifiers are kept in memory only as SHA-256 digests.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { CodedError, describeError } from "../../protocols/errors.ts";
import type { TransactionKind } from "./journal.ts";

export interface OfflinePolicyConfig {
  enabled: boolean;
  /** Items one patron may check out offline until the journal has been replayed. */
  maxItemsPerPatron: number;
  blockedPatronsFile?: string;
}

/** Kinds that can be done offline: a renewal's due date and a payment's fee exist only in the ILS. */
const OFFLINE_KINDS: readonly TransactionKind[] = ["checkout", "checkin"];

export type OfflineRefusal =
  | "OFFLINE_DISABLED"
  | "OFFLINE_KIND_NOT_ALLOWED"
  | "OFFLINE_PATRON_BLOCKED"
  | "OFFLINE_ITEM_LIMIT"
  | "OFFLINE_BLOCKLIST_UNAVAILABLE";

export type OfflineDecision = { allow: true } | { allow: false; reason: OfflineRefusal };

export class BlocklistError extends CodedError<"OFFLINE_BLOCKLIST_UNREADABLE"> {}

export interface OfflinePolicyDependencies {
  /** Offline checkouts of this patron not yet replayed (OfflineJournal.openOfflineCheckouts). */
  openOfflineCheckouts(patronId: string): number;
}

interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

export class OfflinePolicy {
  #config: OfflinePolicyConfig;
  readonly #deps: OfflinePolicyDependencies;
  #blocked: ReadonlySet<string> | undefined;
  #stamp: FileStamp | undefined;
  #problem: BlocklistError | undefined;

  constructor(config: OfflinePolicyConfig, deps: OfflinePolicyDependencies) {
    this.#config = config;
    this.#deps = deps;
    this.refresh();
  }

  /** A saved config's offline section: the blocked-patrons list is read again. */
  reconfigure(config: OfflinePolicyConfig): void {
    this.#config = config;
    this.#blocked = undefined;
    this.#stamp = undefined;
    this.#problem = undefined;
    this.refresh();
  }

  /** Offline lending is switched on. */
  get enabled(): boolean {
    return this.#config.enabled;
  }

  /** The reason the list could not be read last time, if it could not; for staff and health. */
  get problem(): BlocklistError | undefined {
    return this.#problem;
  }

  /** How many patrons the list in force blocks (undefined: no list could be read). */
  get blockedCount(): number | undefined {
    return this.#blocked?.size;
  }

  decide(kind: TransactionKind, patronId?: string): OfflineDecision {
    if (!this.#config.enabled) return refuse("OFFLINE_DISABLED");
    if (!OFFLINE_KINDS.includes(kind)) return refuse("OFFLINE_KIND_NOT_ALLOWED");
    if (kind !== "checkout") return { allow: true };
    // A checkout with no known patron cannot be checked against anything.
    if (patronId === undefined || patronId.trim() === "") return refuse("OFFLINE_PATRON_BLOCKED");
    if (this.#config.blockedPatronsFile !== undefined) {
      this.refresh();
      if (!this.#blocked) return refuse("OFFLINE_BLOCKLIST_UNAVAILABLE");
      if (this.#blocked.has(digest(patronId.trim()))) return refuse("OFFLINE_PATRON_BLOCKED");
    }
    if (this.#deps.openOfflineCheckouts(patronId) >= this.#config.maxItemsPerPatron) {
      return refuse("OFFLINE_ITEM_LIMIT");
    }
    return { allow: true };
  }

  /** Re-reads the blocked-patrons file if it changed. Never throws: a failure keeps the last good list. */
  refresh(): void {
    const file = this.#config.blockedPatronsFile;
    if (file === undefined) return;
    try {
      const stat = statSync(file);
      const stamp = { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino };
      if (this.#blocked && sameStamp(stamp, this.#stamp)) return;
      this.#blocked = parseBlocklist(readFileSync(file, "utf8"));
      this.#stamp = stamp;
      this.#problem = undefined;
    } catch (err) {
      this.#problem = new BlocklistError(
        "OFFLINE_BLOCKLIST_UNREADABLE",
        `offline.blockedPatronsFile ${file}: cannot be read (${describeError(err)}). ` +
          (this.#blocked
            ? "The list read before stays in force. "
            : "Offline checkouts are refused until it can be read. ") +
          "Check the path and that the bridge's user may read it.",
        { file },
        { cause: err },
      );
    }
  }
}

function refuse(reason: OfflineRefusal): OfflineDecision {
  return { allow: false, reason };
}

function sameStamp(a: FileStamp, b: FileStamp | undefined): boolean {
  return b !== undefined && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

const HASHED = /^sha256:([0-9a-f]{64})$/i;

/** The digests of the identifiers in a blocked-patrons file. */
export function parseBlocklist(text: string): Set<string> {
  const blocked = new Set<string>();
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const hashed = HASHED.exec(line);
    blocked.add(hashed ? (hashed[1] as string).toLowerCase() : digest(line));
  }
  return blocked;
}

/** SHA-256 of a patron identifier, hex: the form the list keeps and the file may carry. */
export function digest(patronId: string): string {
  return createHash("sha256").update(patronId, "utf8").digest("hex");
}
