/**
 * What staff see and do at the kiosk, over the parts the bridge already runs: the device registry (health
 * and each device's own test), the kiosk engine (its phase, the ILS state, out of service) and the
 * statistics. The server (bridge/server/staff-routes.ts) puts it on HTTP behind a staff login.
 */

import { CodedError, describeError } from "../../protocols/errors.ts";
import { parseEscPos } from "../../protocols/escpos/parser.ts";
import { renderReceipt } from "../../protocols/escpos/render.ts";
import type {
  DeviceTestReply,
  PadTagReading,
  QueueEntry,
  QueueReply,
  ReplaySummary,
  StaffDevice,
  StaffStatus,
  StatisticsQuery,
  StatisticsReply,
} from "../../protocols/staff-api/schema.ts";
import type { ReceiptPrinter } from "../devices/printer/receipt-printer.ts";
import type { DeviceRegistry } from "../devices/registry.ts";
import type { RfidPad } from "../devices/rfid/pad.ts";
import type { KioskEngine } from "../kiosk/engine.ts";
import type { JournalErrorCode } from "../kiosk/journal.ts";
import type { StaffJournal } from "../kiosk/journaled-ils.ts";
import type { Statistics } from "../kiosk/statistics.ts";
import type { ShelfInventory } from "./inventory.ts";
import { type MonitorEvent, watchSession } from "./monitor.ts";
import { JOURNAL_REFUSALS, queueCounts, queueEntry, queueReply } from "./offline-queue.ts";
import { StaffError } from "./staff-error.ts";
import { padTagReading } from "./tag-reading.ts";
import type { TagStation } from "./tags.ts";

export { StaffError } from "./staff-error.ts";

/** How long the scanner test waits for a scan. */
const SCAN_TEST_MS = 30_000;
/** Tests that reach a patron (a scan logs a patron in, a print or a relay click is seen at the kiosk). */
const NEEDS_OUT_OF_SERVICE = new Set(["scanner", "printer", "relay"]);

export interface StaffDeskParts {
  registry: DeviceRegistry;
  kiosk: KioskEngine;
  /** Absent until the kiosk database is open (then statistics requests are refused with a reason). */
  statistics?: Statistics | undefined;
  /** The offline journal (bridge.journal); absent when the bridge runs without an ILS. */
  journal?: StaffJournal | undefined;
  /** The tag programming station and the shelf inventory (absent without a kiosk engine's ILS). */
  tags?: TagStation | undefined;
  inventory?: ShelfInventory | undefined;
}

export class StaffDesk {
  readonly #parts: StaffDeskParts;
  /** The status listeners' change checks, run after a staff move the kiosk's own events do not show. */
  readonly #checks = new Set<() => void>();

  constructor(parts: StaffDeskParts) {
    this.#parts = parts;
  }

  status(): StaffStatus {
    const { kiosk } = this.#parts;
    const state = kiosk.snapshot();
    return {
      kiosk: kiosk.kioskName,
      phase: state.phase,
      outOfService: state.outOfService ?? null,
      ils: state.ils.status,
      devices: this.#devices(),
      ...(this.#parts.journal ? { offlineQueue: queueCounts(this.#parts.journal) } : {}),
    };
  }

  #devices(): StaffDevice[] {
    return this.#parts.registry.list().map((d): StaffDevice => {
      const row: StaffDevice = {
        id: d.id,
        name: d.name,
        kind: d.kind,
        model: d.model,
        description: d.description,
        health: d.enabled ? d.health.state : "disabled",
        since: d.health.since,
      };
      if (d.health.lastError) row.lastError = { ...d.health.lastError };
      return row;
    });
  }

  /**
   * Calls `listener` with every device now and after each device's health changes; returns the unsubscribe
   * function. For listeners that need the devices alone (metrics): `onStatus` also runs on every kiosk state.
   */
  onDeviceHealth(listener: (devices: StaffDevice[]) => void): () => void {
    const { registry } = this.#parts;
    const check = () => listener(this.#devices());
    registry.on("health", check);
    check();
    return () => registry.off("health", check);
  }

  /** Calls `listener` with the status whenever it changes; returns the unsubscribe function. */
  onStatus(listener: (status: StaffStatus) => void): () => void {
    let last = "";
    const check = () => {
      const status = this.status();
      const text = JSON.stringify(status);
      if (text !== last) {
        last = text;
        listener(status);
      }
    };
    // After the kiosk's state has gone to its screens, not before: this check takes a second snapshot, the
    // journal's counts and a serialisation, and the patron's screen should not wait for the staff's.
    let queued: NodeJS.Immediate | undefined;
    const { kiosk, registry } = this.#parts;
    const off = kiosk.subscribe((message) => {
      if (message.type !== "state" || queued) return;
      queued = setImmediate(() => {
        queued = undefined;
        check();
      });
    });
    registry.on("health", check);
    this.#checks.add(check);
    check();
    return () => {
      clearImmediate(queued);
      off();
      registry.off("health", check);
      this.#checks.delete(check);
    };
  }

  get tags(): TagStation {
    if (!this.#parts.tags) throw new StaffError("STAFF_NO_PAD", "tag programming is not set up on this bridge.");
    return this.#parts.tags;
  }

  get inventory(): ShelfInventory {
    if (!this.#parts.inventory) {
      throw new StaffError("STAFF_INVENTORY_UNAVAILABLE", "shelf inventory needs the ILS (the config's sip2 section).");
    }
    return this.#parts.inventory;
  }

  /** The live patron session as the patron screen shows it, without the patron (monitor.ts). */
  watchSession(listener: (event: MonitorEvent) => void): () => void {
    return watchSession(this.#parts.kiosk, listener);
  }

  setOutOfService(outOfService: boolean, message?: string): StaffStatus {
    this.#parts.kiosk.setOutOfService(outOfService ? message?.trim() || undefined : false);
    return this.status();
  }

  async testDevice(id: string): Promise<DeviceTestReply> {
    const { registry, kiosk } = this.#parts;
    const entry = registry.list().find((d) => d.id === id);
    if (!entry) {
      throw new StaffError(
        "STAFF_DEVICE_UNKNOWN",
        `no device "${id}"; the configured devices are: ${
          registry
            .list()
            .map((d) => d.id)
            .join(", ") || "none"
        }.`,
      );
    }
    if (NEEDS_OUT_OF_SERVICE.has(entry.kind) && kiosk.phase !== "out-of-service") {
      throw new StaffError(
        "STAFF_NEEDS_OUT_OF_SERVICE",
        `${entry.name}: take the kiosk out of service first; a patron could be using it, and this test ${
          entry.kind === "scanner"
            ? "reads the next scan"
            : entry.kind === "printer"
              ? "prints a page"
              : "clicks the relay"
        }.`,
      );
    }
    const pad = entry.kind === "rfid" ? registry.get<RfidPad>(id) : undefined;
    if (pad) return this.#listTags(id, pad);
    const printer = entry.kind === "printer" ? registry.get<ReceiptPrinter>(id) : undefined;
    if (printer) return this.#testPrint(id, printer);
    const result = await registry.test(id, entry.kind === "scanner" ? { timeoutMs: SCAN_TEST_MS } : {});
    const reply: DeviceTestReply = { device: id, ok: result.ok, summary: result.summary };
    if (result.error) reply.error = { code: result.error.code, message: result.error.message };
    const details = result.details as { code?: unknown; kind?: unknown } | undefined;
    if (entry.kind === "scanner" && result.ok && typeof details?.kind === "string") {
      // The scanner's own test leaves out a patron card's number (its PUBLIC_KINDS); so does this.
      reply.scan = { code: typeof details.code === "string" ? details.code : "[patron card]", kind: details.kind };
    }
    return reply;
  }

  async #listTags(id: string, pad: RfidPad): Promise<DeviceTestReply> {
    try {
      const found = await pad.inventory({ rounds: 2 });
      const tags: PadTagReading[] = [];
      for (const { uid } of found) {
        try {
          tags.push(padTagReading(await pad.readTag(uid)));
        } catch (err) {
          tags.push({ uid, security: "unknown", error: codeAndMessage(err) });
        }
      }
      const summary =
        tags.length === 0 ? "No tags on the pad" : `${tags.length} tag${tags.length === 1 ? "" : "s"} on the pad`;
      return { device: id, ok: true, summary, tags };
    } catch (err) {
      const error = codeAndMessage(err);
      return { device: id, ok: false, summary: error.message, error };
    }
  }

  async #testPrint(id: string, printer: ReceiptPrinter): Promise<DeviceTestReply> {
    try {
      const result = await printer.printTestPage();
      const { lines } = renderReceipt(parseEscPos(result.page), { columns: printer.layout.columns });
      const summary = result.warning ? `Printed a test page; ${result.warning}` : "Printed a test page";
      return { device: id, ok: true, summary, receipt: lines };
    } catch (err) {
      const error = codeAndMessage(err);
      return { device: id, ok: false, summary: error.message, error };
    }
  }

  offlineQueue(): QueueReply {
    return this.#onJournal((journal) => queueReply(journal));
  }

  /** Sends what waits now; resolves when the replay ends. */
  async replayNow(): Promise<ReplaySummary> {
    const summary = await this.#onJournal((journal) => journal.replayNow());
    this.#changed();
    return summary;
  }

  retryEntry(id: string, note?: string): QueueEntry {
    const entry = this.#onJournal((journal) => queueEntry(journal.retry(id, note?.trim() || undefined)));
    this.#changed();
    return entry;
  }

  resolveEntry(id: string, note: string): QueueEntry {
    const entry = this.#onJournal((journal) => queueEntry(journal.resolve(id, note.trim())));
    this.#changed();
    return entry;
  }

  #changed(): void {
    for (const check of this.#checks) check();
  }

  /** Runs a staff move on the journal; the journal's refusals come back with the staff API's codes. */
  #onJournal<T>(move: (journal: StaffJournal) => T): T {
    const journal = this.#parts.journal;
    if (!journal) {
      throw new StaffError(
        "STAFF_JOURNAL_UNAVAILABLE",
        "this bridge keeps no offline journal: it runs without an ILS (no sip2 section in the config)",
      );
    }
    try {
      return move(journal);
    } catch (err) {
      const code = err instanceof CodedError ? JOURNAL_REFUSALS[err.code as JournalErrorCode] : undefined;
      if (code) throw new StaffError(code, describeError(err), {}, { cause: err });
      throw err;
    }
  }

  statistics(query: StatisticsQuery): StatisticsReply | string {
    // Every answer a patron has seen is counted (the journal records them just after the reply).
    this.#parts.journal?.recordAnswers();
    const statistics = this.#parts.statistics;
    if (!statistics) {
      throw new StaffError(
        "STAFF_STATISTICS_UNAVAILABLE",
        "statistics are not kept by this bridge: its kiosk database (offline.journalPath) is not open. Check the log at start.",
      );
    }
    const view = query.view ?? "day";
    const range = {
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
    };
    if (query.format === "csv") return statistics.csv(view === "records" ? "records" : view, range);
    if (view === "records") {
      return {
        view,
        rows: statistics.records(range).map((r) => ({
          period: new Date(r.at).toISOString(),
          kind: r.kind,
          result: r.result,
          count: 1,
          meanDurationMs: r.durationMs,
          maxDurationMs: r.durationMs,
          ...(r.errorCode !== undefined ? { errorCode: r.errorCode } : {}),
          ...(r.device !== undefined ? { device: r.device } : {}),
        })),
      };
    }
    return { view, rows: statistics.aggregate(view, range).map((a) => ({ ...a })) };
  }
}

export function codeAndMessage(err: unknown): { code: string; message: string } {
  return { code: err instanceof CodedError ? err.code : "DEVICE_ERROR", message: describeError(err) };
}
