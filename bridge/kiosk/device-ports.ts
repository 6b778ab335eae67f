/**
 * The device drivers as the kiosk engine sees them (ports.ts): the pad as a set of library tags, the
 * scanner as classified codes, the relay as a desensitizer, the registry as health rows. Each port finds
 * its driver through the registry, and again after the registry replaced devices (a saved config), so the
 * engine keeps one port while the drivers behind it change.
 */
import type { DeviceSummary, Phase } from "../../protocols/kiosk-api/schema.ts";
import type { DeviceHealth } from "../devices/device.ts";
import type { DeviceRegistry } from "../devices/registry.ts";
import type { SecurityRelay } from "../devices/relay/security-relay.ts";
import type { RfidPad, TagsChange } from "../devices/rfid/pad.ts";
import type { BarcodeScanner } from "../devices/scanner/scanner.ts";
import type { Logger } from "../log/logger.ts";
import type { DevicesPort, PadPort, PadTag, RelayPort, ScanPort } from "./ports.ts";

/** ISO 28560 type of usage, main class 8: a patron card, not an item. */
const PATRON_CARD_USAGE = 8;

type TagsListener = (tags: readonly PadTag[], tooMany: boolean) => void;

/**
 * The pad's tags with their library data. A tag's memory is read once when it arrives; the engine hears
 * about it only after that, so every tag it sees has its item id (or is known unreadable and left out).
 */
export class PadTags implements PadPort {
  readonly #pad: RfidPad;
  readonly #logger: Logger;
  readonly #listeners = new Set<TagsListener>();
  readonly #known = new Map<string, PadTag>();
  /** Reads in flight, so a tag that leaves and comes back during a read is not read twice at once. */
  readonly #reading = new Set<string>();
  #present = new Set<string>();
  #tooMany = false;
  readonly #onTagsChanged = (change: TagsChange) => {
    this.#present = new Set(change.present.map((t) => t.uid));
    this.#tooMany = false;
    for (const tag of change.added) void this.#read(tag.uid);
    this.#emit();
  };
  readonly #onTooMany = () => {
    this.#tooMany = true;
    this.#emit();
  };

  constructor(pad: RfidPad, logger: Logger) {
    this.#pad = pad;
    this.#logger = logger;
    pad.on("tagsChanged", this.#onTagsChanged);
    pad.on("tooManyTags", this.#onTooMany);
  }

  /** Stops listening to the pad (it was replaced). */
  close(): void {
    this.#pad.off("tagsChanged", this.#onTagsChanged);
    this.#pad.off("tooManyTags", this.#onTooMany);
  }

  get capacity(): number | undefined {
    return this.#pad.maxInventoryTags;
  }

  onTags(listener: TagsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  present(): readonly PadTag[] {
    return [...this.#present].flatMap((uid) => {
      const tag = this.#known.get(uid);
      return tag ? [tag] : [];
    });
  }

  async setSecurity(uid: string, secured: boolean): Promise<boolean> {
    const [result] = await this.#pad.setSecurity([uid], secured);
    return result?.ok === true;
  }

  async #read(uid: string): Promise<void> {
    if (this.#known.has(uid) || this.#reading.has(uid)) return;
    this.#reading.add(uid);
    try {
      // Only the item data: the security bytes are written and read back at checkout or checkin (issue 9's stack time).
      const reading = await this.#pad.readTag(uid, { security: false });
      const data = reading.data;
      if (!data?.itemId) {
        this.#logger.info({ uid, code: reading.dataError?.code }, "tag on the pad holds no library data");
        return;
      }
      const tag: PadTag = { uid, itemId: data.itemId };
      if (data.typeOfUsage === PATRON_CARD_USAGE) tag.patronCard = true;
      if (data.partNumber !== undefined) tag.partNumber = data.partNumber;
      if (data.partsInSet !== undefined) tag.partsInSet = data.partsInSet;
      this.#known.set(uid, tag);
      if (this.#present.has(uid)) this.#emit();
    } catch (err) {
      this.#logger.info(
        { uid, err: (err as Error).message },
        "tag could not be read; it will be read when placed again",
      );
    } finally {
      this.#reading.delete(uid);
    }
  }

  #emit(): void {
    const tags = this.present();
    for (const listener of this.#listeners) listener(tags, this.#tooMany);
  }
}

/**
 * How long the pad rests between inventory rounds. Watching (a patron at the checkout or return screen):
 * hardly at all, so a stack shows as soon as it is placed; resting (anything else): long enough that an
 * idle kiosk costs little CPU and serial traffic, short enough that a card or a book shows within ~0.25 s.
 * Quiet: how long polling keeps off the pad after the kiosk's reads and writes (RfidPad.startPolling).
 */
export interface PadPace {
  watchingMs: number;
  restingMs: number;
  quietMs: number;
}

/**
 * The kiosk's pace: a stack placed at the checkout screen is seen by the next round, at most one round plus
 * 10 ms away (one round plus 150 ms at the resting pace). Resting 10 rather than 20 ms took 9 ms off the average
 * 20-item stack in virtual time (796 against 805 ms, 40 placements, device-ports.test.ts's rig); quiet time,
 * not the rest, keeps rounds out of the stack's reads and writes. 200 ms of quiet covers the wait for a checkout's
 * answer between a stack's reads and its security writes on an ILS having a good day; with a slower one the
 * ILS, not the pad, is what the patron waits for.
 */
export const KIOSK_PAD_PACE: PadPace = { watchingMs: 10, restingMs: 150, quietMs: 200 };

/**
 * The kiosk's pad: the registry's first RFID device (others are staff's handhelds), polled at the pace
 * `followPhase` sets. When the registry replaces it, the new pad's tags are read and announced.
 */
export class KioskPad implements PadPort {
  readonly #registry: DeviceRegistry;
  readonly #logger: Logger;
  readonly #pace: PadPace;
  #watching = false;
  readonly #listeners = new Set<TagsListener>();
  #pad: RfidPad | undefined;
  #tags: PadTags | undefined;
  #offTags: (() => void) | undefined;
  readonly #onReplaced = () => this.#follow();

  constructor(registry: DeviceRegistry, options: { logger: Logger; pace: PadPace }) {
    this.#registry = registry;
    this.#logger = options.logger;
    this.#pace = options.pace;
    registry.on("replaced", this.#onReplaced);
    this.#follow();
  }

  /** Whether the registry has a pad for the kiosk (at start: the engine offers RFID only with one). */
  get attached(): boolean {
    return this.#pad !== undefined;
  }

  get capacity(): number | undefined {
    return this.#tags?.capacity;
  }

  onTags(listener: TagsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  present(): readonly PadTag[] {
    return this.#tags?.present() ?? [];
  }

  setSecurity(uid: string, secured: boolean): Promise<boolean> {
    return this.#tags?.setSecurity(uid, secured) ?? Promise.resolve(false);
  }

  /** Paces the pad for the kiosk's phase: watching at the screens that take items from the pad. */
  followPhase(phase: Phase): void {
    const watching = phase === "checkout" || phase === "checkin";
    if (watching === this.#watching) return;
    this.#watching = watching;
    if (this.#pad) this.#poll(this.#pad);
  }

  #poll(pad: RfidPad): void {
    pad.startPolling(this.#watching ? this.#pace.watchingMs : this.#pace.restingMs, { quietMs: this.#pace.quietMs });
  }

  close(): void {
    this.#registry.off("replaced", this.#onReplaced);
    this.#detach();
  }

  #follow(): void {
    const pad = this.#registry.ofKind<RfidPad>("rfid")[0];
    if (pad === this.#pad) return;
    this.#detach();
    this.#pad = pad;
    if (!pad) return;
    const tags = new PadTags(pad, this.#logger);
    this.#tags = tags;
    this.#offTags = tags.onTags((present, tooMany) => {
      for (const listener of this.#listeners) listener(present, tooMany);
    });
    this.#poll(pad);
  }

  #detach(): void {
    this.#offTags?.();
    this.#tags?.close();
    this.#pad?.stopPolling();
    const hadTags = (this.#tags?.present().length ?? 0) > 0;
    this.#tags = undefined;
    this.#offTags = undefined;
    this.#pad = undefined;
    if (hadTags) for (const listener of this.#listeners) listener([], false);
  }
}

/** Every scanner's codes, classified; scanners the registry adds later are listened to as well. */
export function scannerPort(registry: DeviceRegistry): ScanPort {
  return {
    onScan(listener) {
      const handler = (scan: { code: string; classification: { kind: string } }) => {
        const kind = scan.classification.kind;
        listener(scan.code, kind === "patron" || kind === "item" ? kind : "other");
      };
      let scanners: BarcodeScanner[] = [];
      const listen = () => {
        for (const scanner of scanners) scanner.off("scan", handler);
        scanners = registry.ofKind<BarcodeScanner>("scanner");
        for (const scanner of scanners) scanner.on("scan", handler);
      };
      listen();
      registry.on("replaced", listen);
      return () => {
        registry.off("replaced", listen);
        for (const scanner of scanners) scanner.off("scan", handler);
      };
    },
  };
}

/** The registry's first relay, found at each use; without one there is nothing to switch. */
export function relayPort(registry: DeviceRegistry): RelayPort {
  const relay = () => registry.ofKind<SecurityRelay>("relay")[0];
  return {
    desensitize: async () => {
      await relay()?.desensitize();
    },
    resensitize: async () => {
      await relay()?.resensitize();
    },
  };
}

const HEALTH: Readonly<Record<DeviceHealth["state"], DeviceSummary["health"]>> = {
  ok: "ok",
  unverified: "unverified",
  degraded: "degraded",
  disconnected: "down",
};

/**
 * The devices as the patron's screen sees them. The engine asks at every state it sends (several per item),
 * and the registry's full list costs far more than the state around it, so the summaries are kept until a
 * device's health changes or the devices are replaced. Treat the array as read-only.
 */
export function devicesPort(registry: DeviceRegistry): DevicesPort {
  let kept: DeviceSummary[] | undefined;
  const forget = () => {
    kept = undefined;
  };
  registry.on("health", forget);
  registry.on("replaced", forget);
  return {
    summaries: () =>
      (kept ??= registry.list().map((entry) => {
        const summary: DeviceSummary = {
          id: entry.id,
          kind: entry.kind,
          health: entry.enabled ? (HEALTH[entry.health.state] ?? "degraded") : "disabled",
        };
        if (summary.health !== "ok" && entry.health.lastError) summary.problem = entry.health.lastError.code;
        return summary;
      })),
    onChange(listener) {
      registry.on("health", listener);
      return () => registry.off("health", listener);
    },
  };
}
