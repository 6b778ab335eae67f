/**
 * The kiosk's one SQLite file: the offline journal and the statistics live side by side in it, so a
 * transaction and its statistic can never be in two places that disagree after a crash.
 *
 * Durability settings (https://www.sqlite.org/pragma.html, https://www.sqlite.org/wal.html):
 * - `journal_mode = WAL`: readers never block the writer, and a crash leaves the last committed state.
 * - `synchronous = FULL`: in WAL mode, NORMAL may lose the last commits on power loss; FULL syncs the WAL
 *   at every commit, so an acknowledged append survives a power cut, not just a killed process.
 *   Writes that the ILS itself makes good after a power cut use NORMAL (`crashSafeWrite`): they survive a
 *   killed or crashed bridge all the same, and a checkout does not wait for the disk before and after it
 *   goes to the ILS (a WAL sync takes milliseconds on a kiosk PC's disk; the request takes microseconds).
 * - `secure_delete = ON`: deleted or overwritten content (a purged patron identifier) is zeroed in the
 *   file instead of lingering in free pages.
 * The schema version is `PRAGMA user_version`; each migration below runs once, in its own transaction.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { CodedError, describeError } from "../../protocols/errors.ts";

export type KioskDatabase = Database.Database;

export type StorageErrorCode = "JOURNAL_FULL" | "JOURNAL_UNWRITABLE" | "JOURNAL_CORRUPT" | "JOURNAL_TOO_NEW";

/** The journal database cannot be written or read; `file` says which one. Nothing already committed is lost. */
export class StorageError extends CodedError<StorageErrorCode> {}

/**
 * Schema migrations, in order: migration i brings the file from user_version i to i + 1.
 * Never edit a migration that has shipped; add a new one.
 */
const MIGRATIONS: readonly string[] = [
  // 1: the offline journal. The CHECKs make an impossible state impossible to store, even by a bug.
  `CREATE TABLE journal (
     seq            INTEGER PRIMARY KEY AUTOINCREMENT,
     id             TEXT NOT NULL UNIQUE,
     kind           TEXT NOT NULL CHECK (kind IN ('checkout', 'checkin', 'renew', 'fee-payment')),
     item_id        TEXT,
     patron_id      TEXT,
     data           TEXT NOT NULL DEFAULT '{}',
     transacted_at  INTEGER NOT NULL,
     offline        INTEGER NOT NULL CHECK (offline IN (0, 1)),
     state          TEXT NOT NULL
                    CHECK (state IN ('pending', 'sending', 'done', 'refused', 'conflict', 'unknown', 'resolved')),
     attempts       INTEGER NOT NULL DEFAULT 0,
     updated_at     INTEGER NOT NULL,
     result_code    TEXT,
     result_message TEXT,
     note           TEXT,
     CHECK (patron_id IS NULL OR state NOT IN ('done', 'refused', 'resolved'))
   );
   CREATE INDEX journal_open ON journal (state, seq) WHERE state IN ('pending', 'sending', 'conflict', 'unknown');
   CREATE INDEX journal_patron ON journal (patron_id) WHERE patron_id IS NOT NULL;`,
  // 2: statistics. No column can hold a patron's identity.
  `CREATE TABLE statistics (
     id          INTEGER PRIMARY KEY,
     at          INTEGER NOT NULL,
     kind        TEXT NOT NULL,
     result      TEXT NOT NULL,
     error_code  TEXT,
     duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
     device      TEXT
   );
   CREATE INDEX statistics_at ON statistics (at);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

const prepared = new WeakMap<KioskDatabase, Map<string, Database.Statement>>();

/** Prepares each SQL text once per database (preparing costs more than running a small statement). */
export function statements(db: KioskDatabase): (sql: string) => Database.Statement {
  let cache = prepared.get(db);
  if (!cache) {
    cache = new Map();
    prepared.set(db, cache);
  }
  const known = cache;
  return (sql) => {
    let statement = known.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      known.set(sql, statement);
    }
    return statement;
  };
}

/**
 * Runs a write that must survive a killed bridge but may be lost to a power cut, because nothing is lost with
 * it: an online transaction's journal entry (the ILS has the transaction; a missing entry is never resent),
 * or a statistic. In WAL mode a commit at `synchronous = NORMAL` is in the operating system's hands when it
 * returns, and the next FULL commit syncs it to disk with its own (https://www.sqlite.org/pragma.html#pragma_synchronous).
 */
export function crashSafeWrite<T>(db: KioskDatabase, write: () => T): T {
  // Inside a transaction the setting cannot change; the write commits as the transaction does.
  if (db.inTransaction) return write();
  // Prepared once: db.pragma() compiles its statement at every call, twice per write here.
  const sql = statements(db);
  sql("PRAGMA synchronous = NORMAL").run();
  try {
    return write();
  } finally {
    sql("PRAGMA synchronous = FULL").run();
  }
}

/**
 * WAL frames SQLite lets gather before it checkpoints inside a commit (its default is 1,000): a backstop
 * only. The kiosk checkpoints when a session ends (`checkpoint`), so a patron's transaction does not wait
 * for the WAL's copy into the database file and that file's fsync. 10,000 frames of 4 KiB: 40 MB at most.
 */
const WAL_BACKSTOP_FRAMES = 10_000;

/**
 * Copies the WAL into the database file now (PASSIVE: never waits for a reader, so a reader may hold some
 * back); returns how many frames are left uncopied. For a quiet moment: the end of a patron's session.
 */
export function checkpoint(db: KioskDatabase): number {
  const [result] = db.pragma("wal_checkpoint(PASSIVE)") as Array<{ log: number; checkpointed: number }>;
  return result ? Math.max(0, result.log - result.checkpointed) : 0;
}

/** Opens (creating if needed, with its folder) and migrates the kiosk database at `path`. */
export function openKioskDatabase(path: string): KioskDatabase {
  // ":memory:" (SQLite's own name) for tests of logic, where durability is not the point.
  const file = path === ":memory:" ? path : resolve(path);
  let db: KioskDatabase | undefined;
  try {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma(`wal_autocheckpoint = ${WAL_BACKSTOP_FRAMES}`);
    db.pragma("synchronous = FULL");
    db.pragma("secure_delete = ON");
    db.pragma("foreign_keys = ON");
    migrate(db, file);
    return db;
  } catch (err) {
    db?.close();
    throw storageError(err, file, "open");
  }
}

function migrate(db: KioskDatabase, file: string): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new StorageError(
      "JOURNAL_TOO_NEW",
      `${file}: the database has schema version ${version}, but this bridge knows only up to ${SCHEMA_VERSION}. ` +
        "Run the newer bridge that wrote it, or point offline.journalPath at another file.",
      { file, version, known: SCHEMA_VERSION },
    );
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/**
 * Failures by meaning: SQLite result codes (https://www.sqlite.org/rescode.html; extended codes share the
 * prefix) and errno names from making the folder, with what the message tells people to do.
 */
const FAILURES: readonly {
  code: StorageErrorCode;
  causes: readonly string[];
  says: (file: string, action: string, cause: string) => string;
}[] = [
  {
    code: "JOURNAL_FULL",
    causes: ["SQLITE_FULL", "ENOSPC", "EDQUOT"],
    says: (file, action) =>
      `${file}: the disk (or the database size limit) is full; could not ${action}. ` +
      "Everything written before is kept. Free space on that disk, then carry on.",
  },
  {
    code: "JOURNAL_CORRUPT",
    causes: ["SQLITE_CORRUPT", "SQLITE_NOTADB"],
    says: (file, action, cause) =>
      `${file}: not a readable journal database (${cause}); could not ${action}. ` +
      "Keep the file for the staff to inspect, and point offline.journalPath at a new file.",
  },
  {
    code: "JOURNAL_UNWRITABLE",
    causes: [
      ...["SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_PERM", "SQLITE_AUTH"],
      ...["ENOENT", "ENOTDIR", "EEXIST", "EISDIR", "EACCES", "EPERM", "EROFS"],
    ],
    says: (file, action, cause) =>
      `${file}: cannot be written (${cause}); could not ${action}. ` +
      "Check that its folder is writable by the bridge's user and not on a read-only disk, " +
      "or set offline.journalPath to a writable place.",
  },
];

/**
 * Turns a SQLite or file-system failure into a StorageError that names the file and says what to do;
 * a CodedError passes through unchanged, anything else (a bug) too.
 */
export function storageError(err: unknown, file: string, action: string): unknown {
  if (err instanceof CodedError) return err;
  const cause = typeof (err as { code?: unknown })?.code === "string" ? (err as { code: string }).code : "";
  const failure = FAILURES.find((f) => f.causes.some((c) => cause === c || cause.startsWith(`${c}_`)));
  if (!failure) return err;
  return new StorageError(
    failure.code,
    failure.says(file, action, describeError(err)),
    { file, action, cause },
    { cause: err },
  );
}
