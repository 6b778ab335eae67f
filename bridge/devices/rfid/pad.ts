/**
 * RfidPad: the driver for a library RFID pad (3M 810 or FEIG CPR-M02) on any transport, usually a
 * ReconnectingTransport around a serial port.
 *
 * - Set-up on every (re)connect, then health `ok` with the firmware version; a reader that stays silent
 *   is `disconnected` with RFID_TIMEOUT and the set-up is retried.
 * - One command in flight at a time, each with a timeout; bad bytes are skipped and the parser resyncs.
 * - Reads retry a tag that does not answer; writes (item data, security) are verified by reading back
 *   and retried per tag. When a tag stops answering, an inventory tells "left the pad" (RFID_TAG_GONE)
 *   from "will not take the write" (RFID_TAG_WRITE_FAILED / RFID_VERIFY_FAILED).
 * - Optional polling emits `tagsChanged` when books are put on or lifted off the pad.
 *
 * Privacy: tag UIDs and item ids may be logged at debug level; ids read from patron cards never are.
 */
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { CodedError } from "../../../protocols/errors.ts";
import { bytesEqual } from "../../../protocols/rfid/bytes.ts";
import { isRfidError } from "../../../protocols/rfid/errors.ts";
import { normalizeUid, type Uid } from "../../../protocols/rfid/iso15693.ts";
import { M810_SERIAL } from "../../../protocols/rfid/readers/3m810.ts";
import { CPR_SERIAL } from "../../../protocols/rfid/readers/cpr-m02.ts";
import {
  type SecurityObservation,
  type SecurityPolicy,
  type SecurityState,
  securityPolicy,
  securityState,
  securityTarget,
  verifySecurity,
} from "../../../protocols/rfid/security.ts";
import {
  decodeTagData,
  type EncodableTagDataModel,
  encodeTagData,
  type LibraryItemData,
  type LibraryItemInput,
} from "../../../protocols/rfid/tag-data.ts";
import { createLogger } from "../../log/logger.ts";
import { type Clock, systemClock, type TimerHandle, withTimeout } from "../../transports/clock.ts";
import type { SerialSettings } from "../../transports/serial.ts";
import type { Transport } from "../../transports/transport.ts";
import type { Device, DeviceEvents, DeviceHealth, DeviceTestResult, HealthState } from "../device.ts";
import { DriverLifecycle, deviceLogger } from "../lifecycle.ts";
import { integerOption } from "../options.ts";
import { CprReader } from "./cpr-reader.ts";
import { isRfidPadError, RfidPadError } from "./errors.ts";
import { M810Reader } from "./m810-reader.ts";
import { CPR_OPTIONS, M810_OPTIONS } from "./options.ts";
import { type InventoryTag, type ReaderProtocol, RFID_MODELS, type RfidModel, type TagInfo } from "./reader.ts";
import { type TagsChange, TagTracker } from "./tag-tracker.ts";

export type { InventoryTag, RfidModel } from "./reader.ts";
export type { TagsChange } from "./tag-tracker.ts";

export interface RfidPadOptions {
  /** The id from the config, e.g. "rfid-pad". */
  id: string;
  model: RfidModel;
  transport: Transport;
  logger?: Logger;
  clock?: Clock;
  /** AFI values and mode; default AFI 0x07 secured / 0xC2 unsecured, mode "afi". */
  security?: Partial<SecurityPolicy>;
  /** Extra attempts per tag after a failed read or write. Default 3. */
  retries?: number;
  /** Answer timeout for reads, inventories and set-up. Default 1500 ms (koha-rfid-3m810-js). */
  commandTimeoutMs?: number;
  /** Answer timeout for writes. Default 2500 ms (koha-rfid-3m810-js). */
  writeTimeoutMs?: number;
  /** Wait before repeating a set-up the reader did not answer. Default 2000 ms. */
  setupRetryMs?: number;
  /** Inventory rounds a tag may be missing before tagsChanged reports it removed. Default 2. */
  missThreshold?: number;
  /** Inventory rounds that must all miss a tag before it counts as gone. Default 2. */
  presenceRounds?: number;
  /** 3M 810 only: blocks holding item data (the protocol cannot ask the tag). Default 8. */
  blockCount?: number;
  /**
   * CPR-M02 only: most tags one inventory reports, for firmware whose limit differs from the standard
   * firmware's 4 (FEIG H20800-16e-ID-B, ANNEX D2). The 3M 810's is not documented.
   */
  maxInventoryTags?: number;
  /** Start polling on start() with this interval. */
  pollIntervalMs?: number;
}

export type RfidPadEvents = DeviceEvents & {
  tagsChanged: [change: TagsChange];
  /** A refresh found more tags than the reader lists at once (emitted when that starts, not every round). */
  tooManyTags: [info: { capacity: number | undefined }];
};

/** One tag read in full. */
export interface TagReading {
  uid: Uid;
  /** Not reported by the 3M 810. */
  dsfid?: number;
  afi?: number;
  /** Only read when the security mode uses EAS. */
  eas?: boolean;
  /** The tag's security under the configured policy. */
  security: SecurityState;
  blockSize: number;
  blockCount: number;
  /** The data area in tag order, as one array and block by block. */
  memory: Uint8Array;
  blocks: Uint8Array[];
  /** Decoded item data; absent when the memory matches no known data model (then see dataError). */
  data?: LibraryItemData;
  dataError?: { code: string; message: string };
}

export interface TagWriteResult {
  uid: Uid;
  model: EncodableTagDataModel;
  dsfid: number;
  /** Bytes of encoded item data (the rest of the tag memory is cleared). */
  bytes: number;
  attempts: number;
}

/** Outcome for one tag of setSecurity(): a write that fails mid-stack is reported here, the others go on. */
export interface SecurityResult {
  uid: string;
  ok: boolean;
  attempts: number;
  error?: { code: string; message: string };
}

/** ISO 28560 type of usage, main class 8: patron card. Its id is a patron's and stays out of logs and tests. */
const PATRON_CARD_USAGE = 8;

/** Serial settings each reader family needs (3M 810: 19200 8N1; CPR-M02: 38400 8E1, per Biblio-RFID). */
export function readerSerialSettings(model: RfidModel, path: string): SerialSettings {
  const s = model === "3m810" ? M810_SERIAL : CPR_SERIAL;
  return { path, baudRate: s.baudRate, dataBits: s.dataBits, parity: s.parity, stopBits: s.stopBits };
}

export class RfidPad extends EventEmitter<RfidPadEvents> implements Device<RfidPadEvents> {
  readonly id: string;
  readonly kind = "rfid" as const;
  readonly model: RfidModel;
  readonly policy: SecurityPolicy;
  readonly #transport: Transport;
  readonly #reader: ReaderProtocol;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #life: DriverLifecycle;
  readonly #options: Required<
    Omit<RfidPadOptions, "logger" | "clock" | "security" | "pollIntervalMs" | "transport" | "maxInventoryTags">
  >;
  readonly #tracker: TagTracker;
  #ready = false;
  #setup: Promise<void> | undefined;
  #setupTimer: TimerHandle | undefined;
  #setupError: CodedError | undefined;
  #firmware: string | undefined;
  #setupDetail: Record<string, unknown> = {};
  #pollIntervalMs: number | undefined;
  /** How long polling waits after callers' reads and writes (startPolling's quietMs). */
  #pollQuietMs = 0;
  #pollTimer: TimerHandle | undefined;
  #polling = false;
  /** Reads, writes and inventories that callers are waiting for (polling's own rounds not counted). */
  #callerWork = 0;
  /** When the callers' work last went to none. */
  #callerWorkEndedAt = Number.NEGATIVE_INFINITY;
  /** When the last polling round finished. */
  #lastRoundAt = Number.NEGATIVE_INFINITY;
  /** The end of the last operation asked for (#runOp). */
  #opTail: Promise<unknown> = Promise.resolve();
  /** The last refresh answered RFID_TOO_MANY_TAGS. */
  #tooManyTags = false;

  constructor(options: RfidPadOptions) {
    super();
    if (!RFID_MODELS.includes(options.model)) {
      throw badOption("model", `"${options.model}" is not one of ${RFID_MODELS.join(", ")}`);
    }
    this.id = options.id;
    this.model = options.model;
    this.#transport = options.transport;
    this.#clock = options.clock ?? systemClock;
    this.#logger = deviceLogger(options.logger ?? createLogger({ level: "silent" }), options.id);
    this.#options = {
      id: options.id,
      model: options.model,
      retries: option("retries", options.retries),
      commandTimeoutMs: option("commandTimeoutMs", options.commandTimeoutMs),
      writeTimeoutMs: option("writeTimeoutMs", options.writeTimeoutMs),
      setupRetryMs: option("setupRetryMs", options.setupRetryMs),
      missThreshold: option("missThreshold", options.missThreshold),
      presenceRounds: option("presenceRounds", options.presenceRounds),
      blockCount: integerOption(M810_OPTIONS, "blockCount", options.blockCount, badOption),
    };
    if (options.pollIntervalMs !== undefined) {
      this.#pollIntervalMs = option("pollIntervalMs", options.pollIntervalMs);
    }
    try {
      this.policy = securityPolicy(options.security);
    } catch (err) {
      throw isRfidError(err) ? badOption("security", err.message) : err;
    }
    if (this.model === "3m810" && this.policy.mode !== "afi") {
      throw badOption("security.mode", `"${this.policy.mode}" needs EAS commands, which the 3M 810 has not; use "afi"`);
    }
    if (options.maxInventoryTags !== undefined && this.model !== "cpr-m02") {
      throw badOption("maxInventoryTags", "is for the CPR-M02; the 3M 810 documents no inventory limit");
    }
    const timeouts = { commandMs: this.#options.commandTimeoutMs, writeMs: this.#options.writeTimeoutMs };
    const common = { transport: this.#transport, clock: this.#clock, logger: this.#logger, timeouts };
    this.#reader =
      this.model === "3m810"
        ? new M810Reader({ ...common, blockCount: this.#options.blockCount })
        : new CprReader({
            ...common,
            ...(options.maxInventoryTags !== undefined && {
              maxInventoryTags: integerOption(CPR_OPTIONS, "maxInventoryTags", options.maxInventoryTags, badOption),
            }),
          });
    this.#tracker = new TagTracker(this.#options.missThreshold);
    this.#life = new DriverLifecycle({
      device: this,
      id: options.id,
      transport: this.#transport,
      logger: this.#logger,
      clock: this.#clock,
      // The reader proves it is there by answering its set-up (firmware version, settings).
      presence: {
        verify: () => {
          this.#ready = false;
          this.#reader.channel.resetParser();
          return this.#runSetup();
        },
      },
      detail: () => this.#detail(),
      disconnected: (error) => this.#onDisconnected(error),
    });
  }

  get description(): string {
    return this.#transport.description;
  }

  /**
   * Most tags the reader lists in one inventory (4 on a CPR-M02 with standard firmware), so the kiosk can
   * tell the patron how many items to place at a time; undefined when the maker documents no limit.
   */
  get maxInventoryTags(): number | undefined {
    return this.#reader.maxInventoryTags;
  }

  /** Firmware version the reader reported at the last set-up. */
  get firmware(): string | undefined {
    return this.#firmware;
  }

  health(): DeviceHealth {
    return this.#life.health();
  }

  #detail(): Record<string, unknown> {
    return {
      model: this.model,
      ...(this.#firmware !== undefined && { firmware: this.#firmware }),
      ...this.#setupDetail,
      tagsOnPad: this.#tracker.size,
      ...(this.maxInventoryTags !== undefined && { maxInventoryTags: this.maxInventoryTags }),
      polling: this.#pollIntervalMs !== undefined && this.#pollIntervalMs > 0,
    };
  }

  start(): Promise<void> {
    return this.#life.start();
  }

  stop(): Promise<void> {
    return this.#life.stop(() => {
      this.#ready = false;
      this.#clock.clearTimeout(this.#pollTimer);
      this.#clock.clearTimeout(this.#setupTimer);
      this.#pollTimer = undefined;
      this.#setupTimer = undefined;
      this.#reader.channel.failPending(
        new RfidPadError("RFID_STOPPED", `${this.description}: the RFID pad driver was stopped.`),
      );
    });
  }

  /**
   * Polls the pad, resting `intervalMs` between rounds, emitting tagsChanged when tags come or go. The first
   * call polls at once; a later one changes the pace and keeps the rhythm: the next round comes `intervalMs`
   * after the last, so a kiosk changing pace as its screens change does not run an extra round each time.
   *
   * Callers' reads and writes go first: polling waits while they run, and `quietMs` after them (default 0).
   * A kiosk sets it: a stack's tags are read, then the pad is idle until the first checkout's answer lets the
   * security writes start, and a round begun in that gap would hold every write up by a whole round.
   */
  startPolling(intervalMs: number, options: { quietMs?: number } = {}): void {
    const wasPolling = this.polling;
    this.#pollIntervalMs = option("pollIntervalMs", intervalMs);
    const quietMs = options.quietMs ?? 0;
    if (!Number.isInteger(quietMs) || quietMs < 0 || quietMs > POLL_YIELD_MAX_MS) {
      throw badOption(
        "quietMs",
        `must be a whole number of milliseconds from 0 to ${POLL_YIELD_MAX_MS}, got ${quietMs}`,
      );
    }
    this.#pollQuietMs = quietMs;
    // A round under way schedules the next at its end, at the new pace.
    if (!this.#life.running || !this.#ready || this.#polling) return;
    const sinceLastRound = this.#clock.now() - this.#lastRoundAt;
    this.#schedulePoll(wasPolling ? Math.max(0, this.#pollIntervalMs - sinceLastRound) : 0);
  }

  /** Whether the pad is polled (startPolling, or the pollIntervalMs option). */
  get polling(): boolean {
    return this.#pollIntervalMs !== undefined && this.#pollIntervalMs > 0;
  }

  stopPolling(): void {
    this.#pollIntervalMs = undefined;
    this.#clock.clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  /** The tags currently considered on the pad (as of the last refresh). */
  tagsOnPad(): InventoryTag[] {
    return this.#tracker.present();
  }

  /** One inventory round (or the union of `rounds` rounds, to catch tags a single round misses). */
  inventory(options: { rounds?: number } = {}): Promise<InventoryTag[]> {
    const rounds = options.rounds ?? 1;
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) {
      throw badOption("rounds", `must be a whole number from 1 to 100, got ${rounds}`);
    }
    return this.#op(() => this.#rounds(rounds));
  }

  async #rounds(rounds: number): Promise<InventoryTag[]> {
    const found = new Map<Uid, InventoryTag>();
    for (let i = 0; i < rounds; i++) {
      for (const tag of await this.#reader.inventory()) if (!found.has(tag.uid)) found.set(tag.uid, tag);
    }
    return [...found.values()];
  }

  /** One polling round by hand: inventory, update the tags on the pad, emit tagsChanged if they changed. */
  refresh(): Promise<TagsChange> {
    return this.#refresh(() => this.inventory());
  }

  async #refresh(inventory: () => Promise<InventoryTag[]>): Promise<TagsChange> {
    let seen: InventoryTag[];
    try {
      seen = await inventory();
    } catch (err) {
      if (isRfidPadError(err, "RFID_TOO_MANY_TAGS") && !this.#tooManyTags) {
        this.#tooManyTags = true;
        this.#life.emit("tooManyTags", { capacity: this.maxInventoryTags });
      }
      throw err;
    }
    this.#tooManyTags = false;
    const change = this.#tracker.update(seen);
    if (change) {
      this.#logger.debug({ added: change.added.length, removed: change.removed.length }, "rfid: tags changed");
      this.#life.emit("tagsChanged", change);
      return change;
    }
    return { added: [], removed: [], present: this.#tracker.present() };
  }

  /**
   * Reads a tag's memory and security bytes and decodes its item data. `security: false` leaves out the
   * commands only security needs (the 3M 810's AFI read, the EAS bit), so the security may read "unknown".
   * The kiosk reads books that way, since it writes and reads back their security anyway (setSecurity).
   */
  readTag(uid: string, options: { security?: boolean } = {}): Promise<TagReading> {
    const id = normalizeUid(uid);
    const withSecurity = options.security ?? true;
    return this.#op(async () => {
      const info = await this.#retryRead(id, () => this.#reader.tagInfo(id, withSecurity));
      const memory = await this.#readMemory(id, info, true);
      const useEas = withSecurity && this.#reader.supportsEas && this.policy.mode !== "afi";
      const eas = useEas ? await this.#retryRead(id, () => this.#reader.readEas(id)) : undefined;
      const observed: SecurityObservation = {};
      if (info.afi !== undefined) observed.afi = info.afi;
      if (eas !== undefined) observed.eas = eas;
      const reading: TagReading = {
        uid: id,
        security: securityState(this.policy, observed),
        blockSize: info.blockSize,
        blockCount: info.blockCount,
        memory,
        blocks: Array.from({ length: info.blockCount }, (_, i) =>
          memory.slice(i * info.blockSize, (i + 1) * info.blockSize),
        ),
        ...(info.dsfid !== undefined && { dsfid: info.dsfid }),
        ...(info.afi !== undefined && { afi: info.afi }),
        ...(eas !== undefined && { eas }),
      };
      try {
        reading.data = decodeTagData(info.dsfid ?? 0, memory);
        if (reading.data.typeOfUsage !== PATRON_CARD_USAGE) {
          this.#logger.debug({ uid: id, itemId: reading.data.itemId, model: reading.data.model }, "rfid: tag read");
        }
      } catch (err) {
        if (!isRfidError(err)) throw err;
        reading.dataError = { code: err.code, message: err.message };
      }
      return reading;
    });
  }

  /**
   * Encodes item data in `model`, writes it over the tag's whole data area (and the DSFID where the reader
   * can), reads it back and retries. Throws RFID_TAG_GONE, RFID_TAG_WRITE_FAILED or RFID_VERIFY_FAILED.
   */
  writeTagData(uid: string, model: EncodableTagDataModel, data: LibraryItemInput): Promise<TagWriteResult> {
    const id = normalizeUid(uid);
    return this.#op(async () => {
      const info = await this.#retryRead(id, () => this.#reader.tagInfo(id));
      const capacity = info.blockSize * info.blockCount;
      const encoded = encodeTagData(model, data, { capacity, blockSize: info.blockSize });
      const memory = new Uint8Array(capacity);
      memory.set(encoded.memory);
      const setDsfid = this.#reader.supportsDsfid && info.dsfid !== encoded.dsfid;
      const outcome = await this.#withRetries(id, "write item data to", async () => {
        await this.#reader.writeBlocks(id, 0, memory, info.blockSize);
        if (setDsfid) await this.#reader.writeDsfid(id, encoded.dsfid);
        const back = await this.#readMemory(id, info, false);
        if (!bytesEqual(back, memory)) throw verifyError(id, "the memory read back differs from what was written");
        if (this.#reader.supportsDsfid) {
          const after = await this.#reader.tagInfo(id);
          if (after.dsfid !== encoded.dsfid) throw verifyError(id, `the DSFID reads 0x${hex(after.dsfid)}`);
        }
      });
      if (outcome.error) throw outcome.error;
      this.#logger.debug({ uid: id, model, attempts: outcome.attempts }, "rfid: item data written");
      return { uid: id, model, dsfid: encoded.dsfid, bytes: encoded.memory.length, attempts: outcome.attempts };
    });
  }

  /**
   * Secures (checked in) or unsecures (checked out) each tag under the security policy: writes AFI and/or
   * EAS, reads them back, retries. Never throws for one tag: every tag gets its own result, in order.
   */
  async setSecurity(uids: readonly string[], secured: boolean): Promise<SecurityResult[]> {
    const target = securityTarget(this.policy, secured);
    const results: SecurityResult[] = [];
    for (const raw of uids) {
      let id: Uid;
      try {
        id = normalizeUid(raw);
      } catch (err) {
        results.push({ uid: raw, ok: false, attempts: 0, error: brief(asError(err)) });
        continue;
      }
      try {
        const outcome = await this.#op(() =>
          this.#withRetries(id, secured ? "secure" : "unsecure", async () => {
            if (target.afi !== undefined) await this.#reader.writeAfi(id, target.afi);
            if (target.eas !== undefined) await this.#reader.writeEas(id, target.eas);
            const observed: SecurityObservation = {};
            // EAS Alarm is silent both for "EAS off" and "no tag": read the AFI too, so a silent tag is known present.
            if (target.afi !== undefined || target.eas === false) observed.afi = await this.#reader.readAfi(id);
            if (target.eas !== undefined) observed.eas = await this.#reader.readEas(id);
            const check = verifySecurity(this.policy, secured, observed);
            if (!check.ok) {
              const what = check.mismatches.map(
                (m) => `${m.field} reads ${String(m.actual)}, wanted ${String(m.expected)}`,
              );
              throw verifyError(id, what.join("; "), { mismatches: check.mismatches });
            }
          }),
        );
        results.push(
          outcome.error
            ? { uid: id, ok: false, attempts: outcome.attempts, error: brief(outcome.error) }
            : { uid: id, ok: true, attempts: outcome.attempts },
        );
      } catch (err) {
        results.push({ uid: id, ok: false, attempts: 0, error: brief(asError(err)) });
      }
    }
    const failed = results.filter((r) => !r.ok).length;
    this.#logger.debug({ tags: results.length, failed, secured }, "rfid: security set");
    return results;
  }

  /**
   * Locks the tag's AFI for good, for libraries whose gates must never see it changed (tag programming).
   * One attempt, no retry: after a lost answer the tag may already be locked, and staff should look.
   */
  async lockAfi(uid: string): Promise<void> {
    const id = normalizeUid(uid);
    await this.#op(() => this.#reader.lockAfi(id));
    this.#logger.info({ uid: id }, "rfid: AFI locked");
  }

  /** Whether this reader can lock data blocks (lockBlocks). */
  get canLockBlocks(): boolean {
    return this.#reader.lockBlocks !== undefined;
  }

  /**
   * Locks `count` data blocks from `firstBlock` for good, so the item data can never change (tag
   * programming). One attempt, no retry, as lockAfi. RFID_UNSUPPORTED on a reader without the command.
   */
  async lockBlocks(uid: string, firstBlock: number, count: number): Promise<void> {
    const id = normalizeUid(uid);
    const lock = this.#reader.lockBlocks?.bind(this.#reader);
    if (!lock) {
      throw new RfidPadError(
        "RFID_NOT_SUPPORTED",
        `${this.description}: the ${this.model} reader has no command to lock tag blocks; program tags to be locked on another reader.`,
        { model: this.model },
      );
    }
    await this.#op(() => lock(id, firstBlock, count));
    this.#logger.info({ uid: id, firstBlock, count }, "rfid: blocks locked");
  }

  async selfTest(options: { timeoutMs?: number } = {}): Promise<DeviceTestResult> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const run = async (): Promise<DeviceTestResult> => {
      const tags = await this.inventory({ rounds: 2 });
      const items: Array<{ uid: Uid; itemId?: string; model?: string; error?: { code: string; message: string } }> = [];
      for (const tag of tags) {
        try {
          const reading = await this.readTag(tag.uid);
          const data = reading.data;
          if (!data) items.push({ uid: tag.uid, ...(reading.dataError && { error: reading.dataError }) });
          else if (data.typeOfUsage === PATRON_CARD_USAGE)
            items.push({ uid: tag.uid, model: data.model, itemId: "[patron card]" });
          else items.push({ uid: tag.uid, model: data.model, itemId: data.itemId });
        } catch (err) {
          items.push({ uid: tag.uid, error: brief(asError(err)) });
        }
      }
      const ids = items.map((i) => i.itemId ?? `${i.uid} (unreadable)`);
      const summary =
        tags.length === 0
          ? `No tags on the pad (firmware ${this.#firmware ?? "unknown"})`
          : `${tags.length} tag${tags.length === 1 ? "" : "s"} on the pad: ${ids.join(", ")}`;
      return { ok: true, summary, details: { firmware: this.#firmware, tags: items } };
    };
    try {
      return await withTimeout(
        this.#clock,
        run(),
        timeoutMs,
        () => new RfidPadError("RFID_TIMEOUT", `${this.description}: the self test did not finish in ${timeoutMs} ms.`),
      );
    } catch (err) {
      const error = asError(err);
      // The reader answered as it should: it works, with more tags on the pad than it lists at once.
      if (isRfidPadError(err, "RFID_TOO_MANY_TAGS")) {
        return { ok: true, summary: `RFID pad works; ${error.message}`, details: { firmware: this.#firmware } };
      }
      return { ok: false, summary: `RFID pad test failed: ${error.message}`, error: brief(error) };
    }
  }

  // --- connection and set-up ---

  #onDisconnected(error: CodedError): void {
    this.#ready = false;
    this.#reader.channel.failPending(
      new RfidPadError(
        "RFID_DISCONNECTED",
        `${this.description}: the reader went away during a command (${error.message})`,
        {},
        { cause: error },
      ),
    );
  }

  #runSetup(): Promise<void> {
    if (this.#setup) return this.#setup;
    this.#clock.clearTimeout(this.#setupTimer);
    this.#setupTimer = undefined;
    const setup = (async () => {
      try {
        const result = await this.#reader.setup();
        if (!this.#life.running) return;
        this.#ready = true;
        this.#setupError = undefined;
        this.#firmware = result.firmware;
        this.#setupDetail = result.detail;
        this.#logger.info({ firmware: result.firmware, model: this.model }, "rfid: reader ready");
        this.#setHealth("ok");
        if (this.#pollIntervalMs) this.#schedulePoll(0);
      } catch (err) {
        if (!this.#life.running) return;
        const error = asError(err);
        this.#setupError = error;
        if (isRfidPadError(err, "RFID_STOPPED")) return;
        // Lost the connection mid set-up: the reconnect's "open" runs it again, unless that came already.
        const reconnected = isRfidPadError(err, "RFID_DISCONNECTED");
        if (!reconnected) {
          this.#logger.warn({ code: error.code }, "rfid: reader set-up failed");
          this.#setHealth("disconnected", error);
        }
        if (this.#transport.isOpen) {
          this.#setupTimer = this.#clock.setTimeout(
            () => {
              this.#setupTimer = undefined;
              if (this.#life.running && !this.#ready && this.#transport.isOpen) void this.#runSetup();
            },
            reconnected ? 0 : this.#options.setupRetryMs,
          );
        }
      } finally {
        this.#setup = undefined;
      }
    })();
    this.#setup = setup;
    return setup;
  }

  /** Runs an operation on a set-up reader and keeps health in step with how the reader answered. */
  async #op<T>(run: () => Promise<T>): Promise<T> {
    this.#callerWork++;
    try {
      return await this.#runOp(run);
    } finally {
      if (--this.#callerWork === 0) this.#callerWorkEndedAt = this.#clock.now();
    }
  }

  /**
   * #op without counting as a caller's work: polling's own rounds. Operations run one at a time, whole, in
   * the order they were asked for. The channel already sends one command at a time, but operations of
   * several commands asked for together interleaved theirs: a stack's twenty reads answered every tag's
   * first command before any tag's second, so no book was known until nearly all had been read; and a
   * polling round could fall between a security write and the read that verifies it.
   */
  #runOp<T>(run: () => Promise<T>): Promise<T> {
    const turn = this.#opTail.then(() => this.#runOpNow(run));
    this.#opTail = turn.catch(() => undefined);
    return turn;
  }

  async #runOpNow<T>(run: () => Promise<T>): Promise<T> {
    if (!this.#life.running) {
      throw new RfidPadError(
        "RFID_STOPPED",
        `${this.description}: the RFID pad is not started (the bridge has not started it yet, or has stopped it).`,
      );
    }
    if (!this.#ready) {
      if (!this.#transport.isOpen) {
        const last = this.#life.lastError;
        throw new RfidPadError(
          "RFID_DISCONNECTED",
          `${this.description}: the reader is disconnected${last ? ` (${last.message})` : ""}; the bridge keeps reconnecting.`,
        );
      }
      await this.#runSetup();
      if (!this.#ready) {
        throw (
          this.#setupError ?? new RfidPadError("RFID_READER_ERROR", `${this.description}: the reader is not set up.`)
        );
      }
    }
    try {
      const value = await run();
      if (this.#life.state === "degraded") this.#setHealth("ok");
      return value;
    } catch (err) {
      if (isRfidPadError(err, "RFID_TIMEOUT", "RFID_READER_ERROR") && this.#life.running && this.#transport.isOpen) {
        // Re-run set-up before the next command: a reader that lost power may need its set-up again.
        if (err.code === "RFID_TIMEOUT") this.#ready = false;
        this.#setHealth("degraded", err);
      }
      throw err;
    }
  }

  // --- retries ---

  /** A read that retries a tag that does not answer; after the last miss, tells a gone tag from a mute one. */
  async #retryRead<T>(uid: Uid, read: () => Promise<T>): Promise<T> {
    let last: RfidPadError | undefined;
    for (let attempt = 0; attempt <= this.#options.retries; attempt++) {
      try {
        return await read();
      } catch (err) {
        if (!isRfidPadError(err, "RFID_TAG_NO_ANSWER")) throw err;
        last = err;
      }
    }
    if (!(await this.#isPresent(uid))) throw goneError(uid, this.#options.retries + 1, last);
    throw last as RfidPadError;
  }

  /** The tag's data area, read in chunks the reader can take; with `retry`, each chunk is retried on its own. */
  async #readMemory(uid: Uid, info: TagInfo, retry: boolean): Promise<Uint8Array> {
    const memory = new Uint8Array(info.blockCount * info.blockSize);
    const step = this.#reader.maxBlocksPerRead;
    for (let first = 0; first < info.blockCount; first += step) {
      const count = Math.min(step, info.blockCount - first);
      const read = () => this.#reader.readBlocks(uid, first, count, info.blockSize);
      memory.set(retry ? await this.#retryRead(uid, read) : await read(), first * info.blockSize);
    }
    return memory;
  }

  /**
   * Runs a write-and-verify `attempt` up to 1 + retries times. A tag failure is retried unless an inventory
   * shows the tag has left the pad; reader failures (timeout, disconnect) end the operation.
   */
  async #withRetries(
    uid: Uid,
    what: string,
    attempt: () => Promise<void>,
  ): Promise<{ attempts: number; error?: RfidPadError }> {
    const max = this.#options.retries + 1;
    let last: RfidPadError | undefined;
    for (let n = 1; n <= max; n++) {
      try {
        await attempt();
        return { attempts: n };
      } catch (err) {
        if (!isRfidPadError(err, "RFID_TAG_WRITE_FAILED", "RFID_TAG_NO_ANSWER", "RFID_VERIFY_FAILED")) throw err;
        last = err;
        this.#logger.debug({ uid, attempt: n, code: err.code }, `rfid: could not ${what} tag`);
        if (err.code !== "RFID_VERIFY_FAILED" && !(await this.#isPresent(uid))) {
          return { attempts: n, error: goneError(uid, n, err) };
        }
      }
    }
    const failure = last as RfidPadError;
    const code = failure.code === "RFID_TAG_WRITE_FAILED" ? "RFID_TAG_WRITE_FAILED" : "RFID_VERIFY_FAILED";
    return {
      attempts: max,
      error: new RfidPadError(
        code,
        `${this.description}: could not ${what} tag ${uid} in ${max} attempts (${failure.message}). ` +
          "Move the item to the middle of the pad and try again; a tag that keeps failing may be damaged.",
        { uid, attempts: max, last: failure.code, ...failure.details },
        { cause: failure },
      ),
    };
  }

  /** Is the tag still on the pad? True if any of presenceRounds inventory rounds sees it. */
  async #isPresent(uid: Uid): Promise<boolean> {
    for (let round = 0; round < this.#options.presenceRounds; round++) {
      if ((await this.#reader.inventory()).some((t) => t.uid === uid)) return true;
    }
    return false;
  }

  // --- polling and health ---

  #schedulePoll(ms: number): void {
    this.#clock.clearTimeout(this.#pollTimer);
    this.#pollTimer = this.#clock.setTimeout(() => void this.#pollTick(), ms);
  }

  async #pollTick(): Promise<void> {
    this.#pollTimer = undefined;
    if (!this.#life.running || !this.#pollIntervalMs || this.#polling) return;
    // While the reader is unplugged the loop rests; the set-up after the reconnect starts it again.
    if (!this.#transport.isOpen) return;
    // Tag reads and writes go first: a patron is waiting on each, and an inventory between two of them costs
    // a whole round (100 ms or more on a full pad). Polling waits while they run and the quiet time after
    // (startPolling), but never longer than POLL_YIELD_MAX_MS since its last round, so tags placed or lifted
    // meanwhile are still seen.
    const now = this.#clock.now();
    const quietFrom = this.#callerWork > 0 ? Number.POSITIVE_INFINITY : this.#callerWorkEndedAt + this.#pollQuietMs;
    if (now < quietFrom && now - this.#lastRoundAt < POLL_YIELD_MAX_MS) {
      this.#schedulePoll(Math.min(this.#pollIntervalMs, quietFrom - now));
      return;
    }
    this.#polling = true;
    try {
      // Runs the set-up again first if a timeout asked for it.
      await this.#refresh(() => this.#runOp(() => this.#rounds(1)));
    } catch (err) {
      this.#logger.debug({ code: asError(err).code }, "rfid: polling round failed");
    } finally {
      this.#polling = false;
      this.#lastRoundAt = this.#clock.now();
    }
    // A failed set-up has its own retry timer, which restarts polling once the reader answers.
    const waitingForSetup = !this.#ready && this.#setupTimer !== undefined;
    if (this.#life.running && this.#pollIntervalMs && this.#pollTimer === undefined && !waitingForSetup) {
      this.#schedulePoll(this.#pollIntervalMs);
    }
  }

  #setHealth(state: HealthState, error?: CodedError): void {
    this.#life.setHealth(state, { error });
  }
}

/** The longest polling gives way to reads and writes before it runs a round between them anyway. */
export const POLL_YIELD_MAX_MS = 1000;

export function createRfidPad(options: RfidPadOptions): RfidPad {
  return new RfidPad(options);
}

function badOption(option: string, problem: string): RfidPadError {
  return new RfidPadError("RFID_BAD_OPTIONS", `RFID pad option ${option}: ${problem}.`, { option });
}

/** An option both models share, with its default and limits from the config schema (options.ts). */
function option(key: keyof typeof CPR_OPTIONS.properties, value: number | undefined): number {
  return integerOption(CPR_OPTIONS, key, value, badOption);
}

function hex(n: number | undefined): string {
  return (n ?? 0).toString(16).padStart(2, "0");
}

function verifyError(uid: Uid, problem: string, details: Record<string, unknown> = {}): RfidPadError {
  return new RfidPadError("RFID_VERIFY_FAILED", `tag ${uid}: write not confirmed, ${problem}`, { uid, ...details });
}

function goneError(uid: Uid, attempts: number, cause: RfidPadError | undefined): RfidPadError {
  return new RfidPadError(
    "RFID_TAG_GONE",
    `tag ${uid} left the pad (no answer after ${attempts} attempt${attempts === 1 ? "" : "s"}, not in the inventory). Put the item back on the pad.`,
    { uid, attempts },
    cause ? { cause } : undefined,
  );
}

function asError(err: unknown): CodedError {
  if (err instanceof Error && "code" in err && typeof err.code === "string") return err as CodedError;
  return new RfidPadError("RFID_READER_ERROR", err instanceof Error ? err.message : String(err), {}, { cause: err });
}

function brief(error: CodedError): { code: string; message: string } {
  return { code: error.code, message: error.message };
}
