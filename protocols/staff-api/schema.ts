/**
 * The staff API (HTTP under /api/staff, plus a server-sent event stream), written once: the TypeScript
 * types the bridge and the staff console share, and the JSON schemas fastify validates every request body
 * against. docs/staff-api.md explains it with examples.
 *
 * Every route but `login` needs a staff session: the `selfcheck_staff` cookie that login sets (httpOnly,
 * SameSite=Strict), or the same token as `Authorization: Bearer <token>` for scripts.
 *
 * Privacy: the staff side shows devices, counts and codes, never a patron. A patron card on the pad is
 * listed as a patron card without its number.
 */
import { type Static, Type } from "@sinclair/typebox";
import {
  DeviceSummary,
  ILS_STATUSES,
  ITEM_REASONS,
  ItemRow,
  literals,
  NOTICES,
  PATRON_BLOCKS,
  PAYMENT_STATUSES,
  PHASES,
} from "../kiosk-api/schema.ts";
import { ConfigProblem } from "./config.ts";

/** Error codes of a refused request (`{ code, message }`); the console translates nothing, it shows the message. */
export const STAFF_API_ERRORS = [
  "STAFF_LOGIN_FAILED",
  "STAFF_LOGIN_RATE_LIMITED",
  "STAFF_AUTH_REQUIRED",
  "STAFF_SESSION_EXPIRED",
  "STAFF_ORIGIN_REFUSED",
  "STAFF_INVALID_REQUEST",
  "STAFF_DEVICE_UNKNOWN",
  "STAFF_NEEDS_OUT_OF_SERVICE",
  "STAFF_STATISTICS_UNAVAILABLE",
  "STAFF_CONFIG_INVALID",
  "STAFF_CONFIG_NOT_SAVABLE",
  "STAFF_CONFIG_WRITE_FAILED",
  "STAFF_JOURNAL_UNAVAILABLE",
  "STAFF_JOURNAL_ENTRY_UNKNOWN",
  "STAFF_JOURNAL_NOT_ALLOWED",
  "STAFF_NO_PAD",
  "STAFF_TAG_COUNT",
  "STAFF_TAG_REFUSED",
  "STAFF_TAG_LOCK_UNSUPPORTED",
  "STAFF_INVENTORY_UNAVAILABLE",
  "STAFF_PASSWORD_WRONG",
  "STAFF_PASSWORD_INVALID",
  "STAFF_INTERNAL",
] as const;
export type StaffApiErrorCode = (typeof STAFF_API_ERRORS)[number];

export const StaffApiErrorReply = Type.Object({
  code: literals(STAFF_API_ERRORS),
  message: Type.String(),
  /** STAFF_CONFIG_INVALID: every problem, each at its key. */
  problems: Type.Optional(Type.Array(ConfigProblem)),
});
export type StaffApiErrorReply = Static<typeof StaffApiErrorReply>;

/** POST /api/staff/login */
export const LoginRequest = Type.Object(
  {
    user: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

/**
 * POST /api/staff/password: a signed-in staff member changes their own password. The new one is typed twice
 * (`repeated`), as the console asks; at least STAFF_PASSWORD_MIN_LENGTH characters (protocols/staff-api/config.ts).
 */
export const PasswordChangeRequest = Type.Object(
  {
    current: Type.String({ minLength: 1, maxLength: 1024 }),
    newPassword: Type.String({ maxLength: 1024 }),
    repeated: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type PasswordChangeRequest = Static<typeof PasswordChangeRequest>;

/** The answer to a password change: this session stays signed in; the member's others end. */
export const PasswordChanged = Type.Object({
  user: Type.String(),
  /** The member's other sessions (other browsers) that ended, so they sign in with the new password. */
  otherSessionsEnded: Type.Integer(),
  /** The config file the new hash is saved in; null when the bridge runs a generated config (kept until it stops). */
  file: Type.Union([Type.String(), Type.Null()]),
});
export type PasswordChanged = Static<typeof PasswordChanged>;

/** The reply to login and to GET /api/staff/session. The token is also set as the session cookie. */
export const StaffSession = Type.Object({
  user: Type.String(),
  /** ms since the epoch; each request moves it on (the session ends after that long without use). */
  expiresAt: Type.Number(),
  token: Type.Optional(Type.String()),
});
export type StaffSession = Static<typeof StaffSession>;

export const DEVICE_KINDS = ["scanner", "rfid", "printer", "relay"] as const;
export const HEALTH_STATES = ["ok", "unverified", "degraded", "disconnected", "disabled"] as const;

export const StaffDevice = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: literals(DEVICE_KINDS),
  model: Type.String(),
  /** Where it is (the transport, e.g. "serial /dev/ttyUSB0"). */
  description: Type.String(),
  health: literals(HEALTH_STATES),
  /** ISO 8601 time the health last changed. */
  since: Type.String(),
  /** The most recent problem, kept after recovery. */
  lastError: Type.Optional(Type.Object({ code: Type.String(), message: Type.String(), at: Type.String() })),
});
export type StaffDevice = Static<typeof StaffDevice>;

/** GET /api/staff/status, and each `status` event of GET /api/staff/events. */
export const StaffStatus = Type.Object({
  kiosk: Type.String(),
  /** The patron screen's phase (protocols/kiosk-api PHASES). */
  phase: Type.String(),
  outOfService: Type.Union([Type.Null(), Type.Object({ message: Type.Optional(Type.String()) })]),
  ils: literals(ILS_STATUSES),
  devices: Type.Array(StaffDevice),
  /** The offline queue in numbers (absent when the bridge keeps no journal); the console reloads it when they change. */
  offlineQueue: Type.Optional(
    Type.Object({
      /** Transactions not yet sent to the ILS (pending, sending). */
      waiting: Type.Integer(),
      /** Transactions that wait for staff (conflict, unknown). */
      needsStaff: Type.Integer(),
      offlineMode: Type.Boolean(),
    }),
  ),
});
export type StaffStatus = Static<typeof StaffStatus>;

/** PUT /api/staff/out-of-service */
export const OutOfServiceRequest = Type.Object(
  {
    outOfService: Type.Boolean(),
    /** Shown to patrons under "out of service" (e.g. "Back at 2 pm"); plain text. */
    message: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type OutOfServiceRequest = Static<typeof OutOfServiceRequest>;

/** One tag on the pad as the device test lists it: ISO 28560 fields decoded, security as read. */
export const PadTagReading = Type.Object({
  uid: Type.String(),
  afi: Type.Optional(Type.Integer()),
  eas: Type.Optional(Type.Boolean()),
  security: Type.String(),
  /** iso28560-2, iso28560-3, rfid501, blank; absent when the memory matches no model. */
  model: Type.Optional(Type.String()),
  patronCard: Type.Optional(Type.Boolean()),
  /** Decoded fields of an item tag (item id, owner, set part, type of usage …); never a patron card's. */
  fields: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});
export type PadTagReading = Static<typeof PadTagReading>;

/**
 * POST /api/staff/devices/:id/test: the device's own test. Scanner: waits for the next scan (`scan`);
 * RFID pad: lists the tags on it (`tags`); printer: prints a test page (`receipt`, the page as text);
 * relay: pulses the test relay.
 */
export const DeviceTestReply = Type.Object({
  device: Type.String(),
  ok: Type.Boolean(),
  summary: Type.String(),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  scan: Type.Optional(Type.Object({ code: Type.String(), kind: Type.String() })),
  tags: Type.Optional(Type.Array(PadTagReading)),
  receipt: Type.Optional(Type.Array(Type.String())),
});
export type DeviceTestReply = Static<typeof DeviceTestReply>;

export const STATISTICS_VIEWS = ["hour", "day", "records"] as const;
export type StatisticsView = (typeof STATISTICS_VIEWS)[number];

/** GET /api/staff/statistics?view=day&from=…&to=… (ms since the epoch); `format=csv` for a CSV file. */
export const StatisticsQuery = Type.Object(
  {
    view: Type.Optional(literals(STATISTICS_VIEWS)),
    from: Type.Optional(Type.Integer({ minimum: 0 })),
    to: Type.Optional(Type.Integer({ minimum: 0 })),
    format: Type.Optional(literals(["json", "csv"] as const)),
  },
  { additionalProperties: false },
);
export type StatisticsQuery = Static<typeof StatisticsQuery>;

export const StatisticsRow = Type.Object({
  /** The hour or day (local to the configured time zone), or the record's time (ISO 8601). */
  period: Type.String(),
  kind: Type.String(),
  result: Type.String(),
  count: Type.Integer(),
  meanDurationMs: Type.Number(),
  maxDurationMs: Type.Number(),
  errorCode: Type.Optional(Type.String()),
  device: Type.Optional(Type.String()),
});
export type StatisticsRow = Static<typeof StatisticsRow>;

export const StatisticsReply = Type.Object({ view: literals(STATISTICS_VIEWS), rows: Type.Array(StatisticsRow) });
export type StatisticsReply = Static<typeof StatisticsReply>;

/** The journal's states and kinds (bridge/kiosk/journal.ts), as the offline queue shows them. */
export const QUEUE_STATES = ["pending", "sending", "done", "refused", "conflict", "unknown", "resolved"] as const;
export const QUEUE_KINDS = ["checkout", "checkin", "renew", "fee-payment"] as const;

/**
 * One transaction of the offline queue. The patron is never named: `patron` is the card number's last four
 * characters (`•••• 0001`), only on entries that wait for staff (conflict, unknown), so staff can match the
 * book to the card on the desk.
 */
export const QueueEntry = Type.Object({
  id: Type.String(),
  kind: literals(QUEUE_KINDS),
  itemId: Type.Optional(Type.String()),
  patron: Type.Optional(Type.String()),
  /** When the patron did it (ISO 8601). */
  transactedAt: Type.String(),
  /** Done while the ILS was down. */
  offline: Type.Boolean(),
  state: literals(QUEUE_STATES),
  attempts: Type.Integer(),
  updatedAt: Type.String(),
  /** The ILS's answer (a reason code and its screen message), when there was one. */
  resultCode: Type.Optional(Type.String()),
  resultMessage: Type.Optional(Type.String()),
  /** Staff's note from a retry or a resolve. */
  note: Type.Optional(Type.String()),
});
export type QueueEntry = Static<typeof QueueEntry>;

/** What a replay did: entries handled, sent, asked about; the count per resulting state; where it stopped. */
export const ReplaySummary = Type.Object({
  handled: Type.Integer(),
  sent: Type.Integer(),
  inquired: Type.Integer(),
  results: Type.Record(Type.String(), Type.Integer()),
  stoppedAt: Type.Optional(Type.Object({ id: Type.String(), code: Type.String(), message: Type.String() })),
});
export type ReplaySummary = Static<typeof ReplaySummary>;

/** GET /api/staff/offline-queue: the counts and the entries not finished (pending, sending, conflict, unknown). */
export const QueueReply = Type.Object({
  counts: Type.Record(Type.String(), Type.Integer()),
  /** The kiosk lends from the journal now (the ILS is down, or a backlog is being sent). */
  offlineMode: Type.Boolean(),
  replaying: Type.Boolean(),
  lastReplay: Type.Optional(Type.Intersect([ReplaySummary, Type.Object({ at: Type.String() })])),
  blocklistProblem: Type.Optional(Type.String()),
  entries: Type.Array(QueueEntry),
});
export type QueueReply = Static<typeof QueueReply>;

/** POST /api/staff/offline-queue/:id/retry: an `unknown` entry staff found missing in the ILS goes out again. */
export const RetryRequest = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
export type RetryRequest = Static<typeof RetryRequest>;

/** POST /api/staff/offline-queue/:id/resolve: a `conflict` or `unknown` entry staff repaired by hand. */
export const ResolveRequest = Type.Object(
  { note: Type.String({ minLength: 1, maxLength: 500, pattern: "\\S" }) },
  { additionalProperties: false },
);
export type ResolveRequest = Static<typeof ResolveRequest>;
export const TAG_PROGRAM_MODELS = ["iso28560-2", "iso28560-3"] as const;
export type TagProgramModel = (typeof TAG_PROGRAM_MODELS)[number];

/** GET /api/staff/tags: what the tag programming page starts from (the config's defaults, the pad). */
export const TagStationInfo = Type.Object({
  /** The RFID pad tags are written on; absent when the kiosk has none. */
  device: Type.Optional(Type.String()),
  model: literals(TAG_PROGRAM_MODELS),
  /** Owner library (ISIL) from the config's staff.tags.owner; empty when none is set. */
  owner: Type.String(),
  /** Whether this pad's reader can lock blocks (ISO 15693 Lock Block); the 3M 810 has no such command. */
  canLockBlocks: Type.Boolean(),
});
export type TagStationInfo = Static<typeof TagStationInfo>;

/**
 * POST /api/staff/tags/program: writes item data to the one tag on the pad, optionally locks the written
 * blocks, sets its security, and reads it back. Needs the kiosk out of service (the pad is the patron's).
 */
export const TagProgramRequest = Type.Object(
  {
    itemId: Type.String({ minLength: 1, maxLength: 32, pattern: "^[\\x21-\\x7e]+$" }),
    model: literals(TAG_PROGRAM_MODELS),
    /** ISIL, e.g. "DE-1"; default the config's staff.tags.owner. */
    owner: Type.Optional(Type.String({ maxLength: 16, pattern: "^[A-Za-z0-9:/-]*$" })),
    /** Set information: part n of m (both or neither). */
    partNumber: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
    partsInSet: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
    /** Lock the blocks the data was written to (for good: the tag can never be rewritten). */
    lock: Type.Optional(Type.Boolean()),
    /** Security after writing: secured (in the library) or not, by the pad's AFI/EAS settings. */
    secured: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type TagProgramRequest = Static<typeof TagProgramRequest>;

export const TagProgramReply = Type.Object({
  device: Type.String(),
  uid: Type.String(),
  /** False when the tag already held exactly this data (nothing was written). */
  written: Type.Boolean(),
  /** Blocks locked by this request (0 unless `lock`). */
  lockedBlocks: Type.Integer(),
  secured: Type.Boolean(),
  /** The tag as read back after all writes: the verification. */
  reading: PadTagReading,
});
export type TagProgramReply = Static<typeof TagProgramReply>;

/** What a shelf check found for one item (or one unreadable tag). */
export const INVENTORY_STATUSES = [
  "pending",
  "on-shelf",
  "checked-out",
  "missing",
  "misplaced",
  "unknown",
  "unreadable",
  "not-checked",
] as const;
export type InventoryStatus = (typeof INVENTORY_STATUSES)[number];

/** POST /api/staff/inventory/start */
export const InventoryStartRequest = Type.Object(
  {
    /** The branch whose shelves these are (SIP2 permanent location); default the config's. */
    branch: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    /** The RFID reader to read with (a pad or a handheld: a device id of kind rfid); default the only one. */
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type InventoryStartRequest = Static<typeof InventoryStartRequest>;

export const InventoryItem = Type.Object({
  /** The item barcode; for an unreadable tag, its UID. */
  itemId: Type.String(),
  uid: Type.String(),
  status: literals(INVENTORY_STATUSES),
  title: Type.Optional(Type.String()),
  callNumber: Type.Optional(Type.String()),
  /** The ILS's circulation status (SIP2 17), e.g. "charged", "lost". */
  ilsStatus: Type.Optional(Type.String()),
  /** The item's own branch (SIP2 AQ), when the ILS names one. */
  homeBranch: Type.Optional(Type.String()),
  /** ISO 8601 time the tag was first read. */
  seenAt: Type.String(),
});
export type InventoryItem = Static<typeof InventoryItem>;

export const InventoryQuery = Type.Object(
  { format: Type.Optional(literals(["json", "csv"] as const)) },
  { additionalProperties: false },
);

/** GET /api/staff/inventory (and the reply to start and stop); `?format=csv` for the list as CSV. */
export const InventoryReport = Type.Object({
  running: Type.Boolean(),
  branch: Type.String(),
  /** The reader of the current (or last) inventory, by device id; "" before the first. */
  device: Type.String(),
  /** The RFID readers staff can choose from (every configured rfid device that runs), in config order. */
  readers: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  /** Why the reader could not list its tags (names the device); absent while it reads. */
  readerError: Type.Optional(Type.String()),
  /** The ILS is not answering: items wait as "pending" and are checked when it returns. */
  ilsOffline: Type.Boolean(),
  startedAt: Type.Optional(Type.String()),
  stoppedAt: Type.Optional(Type.String()),
  counts: Type.Record(Type.String(), Type.Integer()),
  items: Type.Array(InventoryItem),
});
export type InventoryReport = Static<typeof InventoryReport>;

/**
 * GET /api/staff/monitor (server-sent events): the live patron session as the patron screen shows it, for a
 * staff member watching from the desk, with the patron left out. `view` events carry the whole view after
 * every change, `notice` events what the patron is told (an item refused, a wrong PIN). There is no field for
 * a patron's name, card number, email or loans: a signed-in patron is "a patron", with counts and blocks.
 */
export const MonitorView = Type.Object({
  phase: literals(PHASES),
  language: Type.String(),
  ils: Type.Object({ status: literals(ILS_STATUSES), offlineMode: Type.Boolean() }),
  devices: Type.Array(DeviceSummary),
  outOfService: Type.Optional(Type.Object({ message: Type.Optional(Type.String()) })),
  /** Someone is signed in (or entering a PIN: `pinAttemptsLeft`). */
  patron: Type.Optional(
    Type.Object({
      loans: Type.Integer({ minimum: 0 }),
      holdsReady: Type.Integer({ minimum: 0 }),
      feesDue: Type.Boolean(),
      blocks: Type.Array(literals(PATRON_BLOCKS)),
      canBorrow: Type.Boolean(),
    }),
  ),
  pinAttemptsLeft: Type.Optional(Type.Integer({ minimum: 0 })),
  /** The rows of the current checkout, return or renewal: items, titles and results (no patron data). */
  items: Type.Array(ItemRow),
  tooManyTags: Type.Optional(Type.Boolean()),
  payment: Type.Optional(Type.Object({ status: literals(PAYMENT_STATUSES) })),
  receipt: Type.Optional(
    Type.Object({
      provisional: Type.Boolean(),
      result: Type.Optional(literals(["printed", "emailed", "none", "failed"] as const)),
    }),
  ),
  /** When the session ends for want of activity (epoch ms, the bridge's clock). */
  idleDeadline: Type.Optional(Type.Integer()),
});
export type MonitorView = Static<typeof MonitorView>;

/** A `notice` event of the monitor: what the patron was just told, by code (the console words it). */
export const MonitorNotice = Type.Object({
  code: literals(NOTICES),
  tone: literals(["success", "failure", "info"] as const),
  reason: Type.Optional(literals(ITEM_REASONS)),
  itemKey: Type.Optional(Type.String()),
});
export type MonitorNotice = Static<typeof MonitorNotice>;
