/**
 * Shelf inventory: while it runs, every tag the pad reads is decoded once and its item checked with the ILS
 * (Item Information, SIP2 17), at most `concurrency` requests in flight. Each item gets a status staff can
 * act on: on the shelf as it should be, checked out yet on the shelf, missing or lost in the ILS, owned by
 * another branch (misplaced), unknown to the ILS, or a tag that holds no readable item data. While the ILS
 * does not answer, items wait ("pending") and are checked when it is back; those still waiting when staff
 * stop are "not-checked". Nothing about patrons is kept: a patron card on the pad is skipped.
 *
 * Staff choose the reader (any rfid device: the kiosk's pad or a handheld); with one reader it is the
 * default. A reader nobody polls (the kiosk polls only its own pad) is polled while the inventory runs.
 */

import { describeError } from "../../protocols/errors.ts";
import type {
  InventoryItem,
  InventoryReport,
  InventoryStartRequest,
  InventoryStatus,
} from "../../protocols/staff-api/schema.ts";
import { INVENTORY_STATUSES } from "../../protocols/staff-api/schema.ts";
import type { DeviceRegistry } from "../devices/registry.ts";
import type { RfidPad, TagsChange } from "../devices/rfid/pad.ts";
import type { KioskEngine } from "../kiosk/engine.ts";
import type { IlsPort, ItemRecord } from "../kiosk/ports.ts";
import { toCsv } from "../kiosk/statistics.ts";
import type { Logger } from "../log/logger.ts";
import type { Clock, TimerHandle } from "../transports/clock.ts";
import { StaffError } from "./staff-error.ts";
import { PATRON_CARD_USAGE } from "./tag-reading.ts";

/** ILS circulation statuses (SIP2 17) that mean "the ILS thinks it is not on the shelf". */
const CHECKED_OUT = new Set(["charged", "chargedNotRecallable", "recalled"]);
const GONE = new Set(["missing", "lost", "claimedReturned"]);
/** After a check the ILS did not answer, wait this long before the next (unless it comes back online first). */
const RETRY_MS = 5_000;
/** How often a reader the kiosk does not poll is polled during an inventory (as the kiosk polls its pad). */
const POLL_MS = 150;

export interface ShelfInventoryParts {
  registry: DeviceRegistry;
  kiosk: Pick<KioskEngine, "phase">;
  ils: Pick<IlsPort, "status" | "onStatus" | "itemInformation">;
  clock: Clock;
  logger: Logger;
  /** The config's staff.inventory, with the branch defaulted from sip2.login.location. */
  settings: { branch?: string | undefined; concurrency: number };
}

export class ShelfInventory {
  readonly #parts: ShelfInventoryParts;
  readonly #log: Logger;
  /** By item id (an unreadable tag by its UID), in the order first seen. */
  #items = new Map<string, InventoryItem>();
  readonly #uidsSeen = new Set<string>();
  #queue: string[] = [];
  #inFlight = 0;
  #running = false;
  #branch = "";
  #device = "";
  #readerError: string | undefined;
  #startedAt: string | undefined;
  #stoppedAt: string | undefined;
  #stopWatching: Array<() => void> = [];
  /** The last check went unanswered: wait for the ILS (its status, or the retry timer). */
  #paused = false;
  #retryTimer: TimerHandle | undefined;

  constructor(parts: ShelfInventoryParts) {
    this.#parts = parts;
    this.#log = parts.logger.child({ component: "inventory" });
  }

  start(request: InventoryStartRequest): InventoryReport {
    const { kiosk, ils, clock } = this.#parts;
    const { id, name, pad } = this.#reader(request.device);
    if (!ils.itemInformation) {
      throw new StaffError("STAFF_INVENTORY_UNAVAILABLE", "this bridge's ILS connection cannot look items up.");
    }
    if (kiosk.phase !== "out-of-service") {
      throw new StaffError(
        "STAFF_NEEDS_OUT_OF_SERVICE",
        "take the kiosk out of service first: while it is in service the pad is the patron's, and books on it would be lent.",
      );
    }
    const branch = request.branch?.trim() || this.#parts.settings.branch || "";
    this.#stop();
    this.#items = new Map();
    this.#uidsSeen.clear();
    this.#queue = [];
    this.#running = true;
    this.#branch = branch;
    this.#device = id;
    this.#readerError = undefined;
    this.#startedAt = new Date(clock.now()).toISOString();
    this.#stoppedAt = undefined;
    const onTags = (change: TagsChange) => {
      for (const tag of change.added) void this.#read(pad, tag.uid);
    };
    pad.on("tagsChanged", onTags);
    const offIls = ils.onStatus((status) => {
      if (status === "online") this.#resume();
    });
    this.#stopWatching = [() => pad.off("tagsChanged", onTags), offIls];
    if (!pad.polling) {
      pad.startPolling(POLL_MS);
      this.#stopWatching.push(() => pad.stopPolling());
    }
    // What is on the pad now (a fresh read: the polled list may still hold a tag just lifted off).
    void pad.inventory({ rounds: 2 }).then(
      (tags) => {
        for (const tag of tags) void this.#read(pad, tag.uid);
      },
      (err: unknown) => {
        this.#readerError = `${name} (${id}) could not list its tags: ${describeError(err)}`;
        this.#log.info({ device: id, code: codeOf(err) }, "inventory: first reader read failed");
      },
    );
    this.#log.info({ branch, device: id }, "shelf inventory started");
    return this.report();
  }

  stop(): InventoryReport {
    if (this.#running) {
      this.#stop();
      this.#stoppedAt = new Date(this.#parts.clock.now()).toISOString();
      for (const id of this.#queue) this.#set(id, { status: "not-checked" });
      this.#queue = [];
      this.#log.info({ items: this.#items.size }, "shelf inventory stopped");
    }
    return this.report();
  }

  report(): InventoryReport {
    const items = [...this.#items.values()].map((item) => ({ ...item }));
    const counts: Record<string, number> = Object.fromEntries(INVENTORY_STATUSES.map((s) => [s, 0]));
    for (const item of items) counts[item.status] = (counts[item.status] ?? 0) + 1;
    return {
      running: this.#running,
      branch: this.#branch,
      device: this.#device,
      readers: this.#readers().map(({ id, name }) => ({ id, name })),
      ...(this.#readerError ? { readerError: this.#readerError } : {}),
      ilsOffline: this.#paused || this.#parts.ils.status() !== "online",
      ...(this.#startedAt ? { startedAt: this.#startedAt } : {}),
      ...(this.#stoppedAt ? { stoppedAt: this.#stoppedAt } : {}),
      counts,
      items,
    };
  }

  /** The list as CSV (RFC 4180): items and what the ILS says of them; no patron data exists here to leak. */
  csv(): string {
    const header = ["item", "status", "title", "call number", "ILS status", "home branch", "tag UID", "first seen"];
    const rows = this.report().items.map((i) => [
      i.itemId,
      i.status,
      i.title,
      i.callNumber,
      i.ilsStatus,
      i.homeBranch,
      i.uid,
      i.seenAt,
    ]);
    return toCsv([header, ...rows]);
  }

  close(): void {
    this.#stop();
  }

  /** A saved config's staff.inventory: the next inventory uses it. */
  reconfigure(settings: ShelfInventoryParts["settings"]): void {
    this.#parts.settings = settings;
  }

  /** The running rfid devices, in config order. */
  #readers(): Array<{ id: string; name: string; pad: RfidPad }> {
    const { registry } = this.#parts;
    return registry.list().flatMap((entry) => {
      const pad = entry.kind === "rfid" ? registry.get<RfidPad>(entry.id) : undefined;
      return pad ? [{ id: entry.id, name: entry.name, pad }] : [];
    });
  }

  /** The reader staff chose, or the only one; errors name the device and the choices. */
  #reader(id: string | undefined): { id: string; name: string; pad: RfidPad } {
    const readers = this.#readers();
    const choices = readers.map((r) => `${r.id} (${r.name})`).join(", ");
    if (id === undefined) {
      const [only, ...others] = readers;
      if (only && others.length === 0) return only;
      if (!only) {
        throw new StaffError(
          "STAFF_NO_PAD",
          "this kiosk has no RFID reader that runs (devices of kind rfid: add one, or enable it).",
        );
      }
      throw new StaffError(
        "STAFF_INVALID_REQUEST",
        `this kiosk has ${readers.length} RFID readers: choose one (device): ${choices}.`,
      );
    }
    const chosen = readers.find((r) => r.id === id);
    if (chosen) return chosen;
    const entry = this.#parts.registry.list().find((e) => e.id === id);
    const why = !entry
      ? "there is no such device"
      : entry.kind !== "rfid"
        ? `it is a ${entry.kind}, not an RFID reader`
        : `${entry.name} is not running (disabled, or its driver could not be set up: see Devices)`;
    throw new StaffError(
      "STAFF_DEVICE_UNKNOWN",
      `cannot run an inventory on "${id}": ${why}. RFID readers: ${choices || "none"}.`,
    );
  }

  #stop(): void {
    this.#running = false;
    this.#paused = false;
    this.#parts.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    for (const off of this.#stopWatching.splice(0)) off();
  }

  async #read(pad: RfidPad, uid: string): Promise<void> {
    if (this.#uidsSeen.has(uid)) return;
    this.#uidsSeen.add(uid);
    const seenAt = new Date(this.#parts.clock.now()).toISOString();
    let itemId: string | undefined;
    try {
      const reading = await pad.readTag(uid);
      if (reading.data?.typeOfUsage === PATRON_CARD_USAGE) return;
      itemId = reading.data?.itemId || undefined;
    } catch (err) {
      this.#log.debug({ uid, code: codeOf(err) }, "inventory: tag not read");
      if (codeOf(err) === "RFID_TAG_GONE") {
        this.#uidsSeen.delete(uid); // lifted off before it was read: read it when it comes back
        return;
      }
    }
    if (!this.#running) return;
    if (itemId === undefined) {
      this.#items.set(uid, { itemId: uid, uid, status: "unreadable", seenAt });
      return;
    }
    if (this.#items.has(itemId)) return; // one item, two tags (or read twice): listed once
    this.#items.set(itemId, { itemId, uid, status: "pending", seenAt });
    this.#queue.push(itemId);
    this.#pump();
  }

  #resume(): void {
    this.#paused = false;
    this.#parts.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#pump();
  }

  /** Starts checks while there is room and the ILS is online; a failed check goes back to the queue. */
  #pump(): void {
    const { ils, settings } = this.#parts;
    while (this.#running && this.#inFlight < settings.concurrency && this.#queue.length > 0) {
      if (this.#paused || ils.status() !== "online") return; // #resume() pumps again
      const itemId = this.#queue.shift() as string;
      this.#inFlight++;
      void this.#check(itemId).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  async #check(itemId: string): Promise<void> {
    const lookup = this.#parts.ils.itemInformation;
    if (!lookup) return;
    let record: ItemRecord;
    try {
      record = await lookup.call(this.#parts.ils, itemId);
    } catch (err) {
      // Not answered: check it again when the ILS is back (or "not checked" if staff stop first).
      this.#log.info({ code: codeOf(err) }, "inventory: item check waits for the ILS");
      if (!this.#running) {
        this.#set(itemId, { status: "not-checked" });
        return;
      }
      this.#queue.unshift(itemId);
      if (!this.#paused) {
        this.#paused = true;
        this.#retryTimer = this.#parts.clock.setTimeout(() => this.#resume(), RETRY_MS);
      }
      return;
    }
    const found: Partial<InventoryItem> = { status: statusOf(record, this.#branch) };
    if (record.title) found.title = record.title;
    if (record.callNumber) found.callNumber = record.callNumber;
    if (record.circulationStatus) found.ilsStatus = record.circulationStatus;
    if (record.homeBranch) found.homeBranch = record.homeBranch;
    this.#set(itemId, found);
  }

  #set(itemId: string, change: Partial<InventoryItem>): void {
    const item = this.#items.get(itemId);
    if (item) this.#items.set(itemId, { ...item, ...change });
  }
}

/** What an item on this branch's shelf means, given the ILS's record. */
export function statusOf(record: ItemRecord, branch: string): InventoryStatus {
  if (!record.found) return "unknown";
  const circulation = record.circulationStatus ?? "";
  if (GONE.has(circulation)) return "missing";
  if (CHECKED_OUT.has(circulation)) return "checked-out";
  if (branch && record.homeBranch && record.homeBranch !== branch) return "misplaced";
  return "on-shelf";
}

function codeOf(err: unknown): unknown {
  return (err as { code?: unknown } | undefined)?.code;
}
