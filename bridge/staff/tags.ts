/**
 * The tag programming station: staff put one item on the pad, give its barcode, and the bridge writes the
 * ISO 28560 item data, optionally locks the written blocks, sets the security, and reads the tag back as the
 * proof. It needs the kiosk out of service: the pad belongs to the patron while the kiosk is in service (a
 * patron's books must never be rewritten), and the engine would take a programmed tag for a book to lend.
 */
import { CodedError } from "../../protocols/errors.ts";
import { bytesEqual } from "../../protocols/rfid/bytes.ts";
import { isRfidError } from "../../protocols/rfid/errors.ts";
import { encodeTagData, type LibraryItemInput } from "../../protocols/rfid/tag-data.ts";
import type {
  TagProgramModel,
  TagProgramReply,
  TagProgramRequest,
  TagStationInfo,
} from "../../protocols/staff-api/schema.ts";
import type { DeviceRegistry } from "../devices/registry.ts";
import type { RfidPad, TagReading } from "../devices/rfid/pad.ts";
import type { KioskEngine } from "../kiosk/engine.ts";
import { StaffError } from "./staff-error.ts";
import { PATRON_CARD_USAGE, padTagReading } from "./tag-reading.ts";

/** ISO 15693 error "block locked, content cannot change" (ISO/IEC 15693-3, error code 0x12). */
const ISO_BLOCK_LOCKED = 0x12;

export interface TagStationParts {
  registry: DeviceRegistry;
  kiosk: Pick<KioskEngine, "phase">;
  /** The config's staff.tags. */
  settings: { owner?: string | undefined; model: TagProgramModel };
}

export class TagStation {
  readonly #parts: TagStationParts;

  constructor(parts: TagStationParts) {
    this.#parts = parts;
  }

  /** A saved config's staff.tags: the next tag uses it. */
  reconfigure(settings: TagStationParts["settings"]): void {
    this.#parts.settings = settings;
  }

  info(): TagStationInfo {
    const pad = this.#pad();
    const { owner, model } = this.#parts.settings;
    return {
      ...(pad ? { device: pad.id } : {}),
      model,
      owner: owner ?? "",
      canLockBlocks: pad?.canLockBlocks ?? false,
    };
  }

  async program(request: TagProgramRequest): Promise<TagProgramReply> {
    const pad = this.#pad();
    if (!pad) throw new StaffError("STAFF_NO_PAD", "this kiosk has no RFID pad in its config (devices, kind rfid).");
    if (this.#parts.kiosk.phase !== "out-of-service") {
      throw new StaffError(
        "STAFF_NEEDS_OUT_OF_SERVICE",
        "take the kiosk out of service first: while it is in service the pad is the patron's, and a book on it would be lent.",
      );
    }
    const input = itemInput(request, this.#parts.settings.owner);
    if (request.lock && !pad.canLockBlocks) {
      throw new StaffError(
        "STAFF_TAG_LOCK_UNSUPPORTED",
        `${pad.id}: the ${pad.model} reader has no command to lock tag blocks; programme without locking, or on a reader that can (CPR-M02).`,
      );
    }
    const uid = await this.#singleTag(pad);
    const before = await pad.readTag(uid);
    if (before.data?.typeOfUsage === PATRON_CARD_USAGE) {
      throw new StaffError(
        "STAFF_TAG_REFUSED",
        `tag ${uid} is a patron card; take it off the pad and put the item on.`,
      );
    }
    let encoded: ReturnType<typeof encodeTagData>;
    try {
      encoded = encodeTagData(request.model, input, { capacity: before.memory.length, blockSize: before.blockSize });
    } catch (err) {
      if (!isRfidError(err)) throw err;
      throw new StaffError("STAFF_INVALID_REQUEST", `${request.model}: ${err.message}`);
    }
    const wanted = new Uint8Array(before.memory.length);
    wanted.set(encoded.memory);
    const written = !(bytesEqual(before.memory, wanted) && (before.dsfid ?? encoded.dsfid) === encoded.dsfid);
    if (written) {
      try {
        await pad.writeTagData(uid, request.model, input);
      } catch (err) {
        throw refusedWrite(uid, before, err);
      }
    }
    let lockedBlocks = 0;
    if (request.lock) {
      const count = Math.ceil(encoded.memory.length / before.blockSize);
      try {
        await pad.lockBlocks(uid, 0, count);
      } catch (err) {
        throw new StaffError(
          "STAFF_TAG_REFUSED",
          `tag ${uid}: the data is written but locking its ${count} blocks failed (${messageOf(err)}). ` +
            "Read the tag: some blocks may be locked already.",
        );
      }
      lockedBlocks = count;
    }
    const [security] = await pad.setSecurity([uid], request.secured);
    if (!security?.ok) {
      throw new StaffError(
        "STAFF_TAG_REFUSED",
        `tag ${uid}: the data is written but its security was not set (${security?.error?.message ?? "no answer"}). Try again.`,
      );
    }
    const after = await pad.readTag(uid);
    if (after.data?.itemId !== input.itemId) {
      throw new StaffError(
        "STAFF_TAG_REFUSED",
        `tag ${uid}: read back, it holds "${after.data?.itemId ?? "no item data"}", not ${input.itemId}. Try again; a tag that keeps failing may be damaged.`,
      );
    }
    return { device: pad.id, uid, written, lockedBlocks, secured: request.secured, reading: padTagReading(after) };
  }

  #pad(): RfidPad | undefined {
    return this.#parts.registry.ofKind<RfidPad>("rfid")[0];
  }

  /** The one tag on the pad; two inventory rounds, so a tag one round misses still counts. */
  async #singleTag(pad: RfidPad): Promise<string> {
    const tags = await pad.inventory({ rounds: 2 });
    const [only] = tags;
    if (only && tags.length === 1) return only.uid;
    throw new StaffError(
      "STAFF_TAG_COUNT",
      tags.length === 0
        ? "no tag on the pad: put the one item to programme in the middle of the pad."
        : `${tags.length} tags on the pad: leave only the item to programme on it.`,
    );
  }
}

function itemInput(request: TagProgramRequest, defaultOwner: string | undefined): LibraryItemInput {
  const { partNumber, partsInSet } = request;
  if ((partNumber === undefined) !== (partsInSet === undefined)) {
    throw new StaffError(
      "STAFF_INVALID_REQUEST",
      "set information needs both the part number and the parts in the set.",
    );
  }
  if (partNumber !== undefined && partsInSet !== undefined && partNumber > partsInSet) {
    throw new StaffError(
      "STAFF_INVALID_REQUEST",
      `part ${partNumber} of ${partsInSet}: the part number is beyond the set.`,
    );
  }
  const owner = request.owner?.trim() || defaultOwner;
  return {
    itemId: request.itemId,
    ...(owner ? { owner } : {}),
    ...(partNumber !== undefined && partsInSet !== undefined ? { partNumber, partsInSet } : {}),
  };
}

/** A write the tag would not take: locked with other data (it says so, or its data differs and stays), or not. */
function refusedWrite(uid: string, before: TagReading, err: unknown): StaffError {
  const details = err instanceof CodedError ? (err.details as { isoError?: unknown }) : {};
  const holds = before.data?.itemId ? `it holds item ${before.data.itemId}` : "it holds no item data";
  if (details.isoError === ISO_BLOCK_LOCKED) {
    return new StaffError("STAFF_TAG_REFUSED", `tag ${uid} is locked with other data (${holds}); use a new tag.`);
  }
  return new StaffError(
    "STAFF_TAG_REFUSED",
    `tag ${uid} did not take the data (${messageOf(err)}); ${holds}. If it keeps refusing, it may be locked or damaged: use a new tag.`,
  );
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
