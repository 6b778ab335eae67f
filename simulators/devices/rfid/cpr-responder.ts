/**
 * The FEIG CPR-M02's side of the FEIG standard protocol, answering from the virtual pad.
 *
 * Status bytes follow the FEIG ISC manuals: 0x01 when the addressed tag does not answer (missed, or
 * gone), 0x95 plus the tag's ISO 15693 error code when it answers with an error (a failed block write is
 * 0x13 "block programming failed"), 0x81 for a request whose answer would not fit a frame. An inventory
 * of more tags than fit one 255-byte frame answers 0x94 "more data"; the host fetches the rest by
 * repeating the inventory with MODE bit 7 (MORE) set (FEIG ID ISC.MR200 manual, [0x01] Inventory).
 *
 * A reader handles at most `maxInventoryTags` tags in one inventory (4 on a CPR.M02 with standard
 * firmware, FEIG H20800-16e-ID-B ANNEX D2); with more in the field it answers 0x93 "data buffer overflow"
 * and no tags. "More data" therefore only happens on a reader configured with a higher limit.
 */
import { checkInteger } from "../../../protocols/rfid/bytes.ts";
import {
  lockTagBlock,
  lockTagField,
  readTagBlocks,
  setTagEas,
  type TagMemory,
  type TagResult,
  writeTagAfi,
  writeTagDsfid,
} from "../../../protocols/rfid/iso15693.ts";
import {
  CPR_STATUS_DATA_BUFFER_OVERFLOW,
  CPR_STATUS_ISO_ERROR,
  CPR_STATUS_MORE_DATA,
  CPR_STATUS_NO_TRANSPONDER,
  CPR_STATUS_OK,
  CPR_TR_TYPE_ISO15693,
  type CprCommand,
  type CprCommandKind,
  type CprResponse,
} from "../../../protocols/rfid/readers/cpr-m02.ts";
import type { TagOutcome, VirtualPad } from "./virtual-pad.ts";

export const CPR_DEFAULT_FIRMWARE = "2.4";
const MAX_FRAME = 255;
/** LEN, COM-ADR, CMD, STATUS, DATA-SETS and CRC around inventory records of 10 bytes each. */
const INVENTORY_PER_FRAME = Math.floor((MAX_FRAME - 7) / 10);
const STATUS_LENGTH_ERROR = 0x81;

type CommandOf<K extends CprCommandKind> = Extract<CprCommand, { kind: K }>;
type Head = { address: number };

export class CprResponder {
  readonly #pad: VirtualPad;
  readonly #address: number;
  readonly #versionData: Uint8Array;
  readonly maxInventoryTags: number;
  /** Tags of the last inventory round not yet sent (status 0x94). */
  #pendingInventory: TagMemory[] = [];

  constructor(pad: VirtualPad, options: { address: number; firmware: string; maxInventoryTags: number }) {
    this.#pad = pad;
    this.#address = checkInteger(options.address, 0, 254, "address");
    this.maxInventoryTags = options.maxInventoryTags;
    const [major = 0, minor = 0] = options.firmware.split(".").map(Number);
    // SW-REV major.minor, D-REV, HW-TYPE, SW-TYPE, TR-TYPE (ISO 15693 bit): layout of FEIG's [0x65] answer.
    this.#versionData = Uint8Array.of(major & 0xff, minor & 0xff, 0x00, 0x00, 0x4e, 0x00, 0x08);
  }

  get address(): number {
    return this.#address;
  }

  /** Does this reader answer a frame sent to `address`? (0xFF reaches every reader.) */
  addressedToMe(address: number): boolean {
    return address === 0xff || address === this.#address;
  }

  respond(command: CprCommand): CprResponse {
    const head = { address: this.#address };
    switch (command.kind) {
      case "baudRateDetection":
      case "rfReset":
        this.#pendingInventory = [];
        return { ...head, status: CPR_STATUS_OK, kind: command.kind };
      case "softwareVersion":
        return {
          ...head,
          status: CPR_STATUS_OK,
          kind: "softwareVersion",
          data: this.#versionData,
          firmware: undefined,
        };
      case "readerInfo":
        return { ...head, status: CPR_STATUS_OK, kind: "readerInfo", data: this.#versionData };
      case "inventory":
        return this.#inventory(head, command.more ? "more" : "new");
      case "getSystemInfo":
        return this.#answer(
          head,
          command,
          this.#pad.read(command.uid, (tag) => ({ ok: true, value: tag })),
          (tag) => ({
            kind: "getSystemInfo",
            dsfid: tag.dsfid,
            uid: tag.uid,
            afi: tag.afi,
            blockSize: tag.blockSize,
            blockCount: tag.blocks.length,
            icReference: tag.icReference,
          }),
        );
      case "readBlocks":
        return this.#readBlocks(head, command);
      case "writeBlocks": {
        const tag = this.#pad.get(command.uid);
        if (tag && tag.blockSize !== command.blockSize) return this.#failed(head, command.kind, 0x02);
        return this.#answer(
          head,
          command,
          this.#pad.writeBlocks(command.uid, command.firstBlock, command.data),
          () => ({
            kind: "writeBlocks",
          }),
        );
      }
      case "lockBlocks":
        return this.#update(head, command, (tag) => lockTagBlocks(tag, command.firstBlock, command.count));
      case "writeAfi":
        return this.#update(head, command, (tag) => writeTagAfi(tag, command.afi));
      case "lockAfi":
        return this.#update(head, command, (tag) => lockTagField(tag, "afi"));
      case "writeDsfid":
        return this.#update(head, command, (tag) => writeTagDsfid(tag, command.dsfid));
      case "lockDsfid":
        return this.#update(head, command, (tag) => lockTagField(tag, "dsfid"));
      case "setEas":
        return this.#update(head, command, (tag) => setTagEas(tag, true));
      case "resetEas":
        return this.#update(head, command, (tag) => setTagEas(tag, false));
      case "lockEas":
        return this.#update(head, command, (tag) => lockTagField(tag, "eas"));
      case "easAlarm": {
        // Only a tag with EAS set answers the alarm command; silence (0x01) also means "no tag here".
        const outcome = this.#pad.read(command.uid, (tag) => ({ ok: true, value: tag.eas }));
        const alarm = outcome.ok && outcome.value;
        return { ...head, status: alarm ? CPR_STATUS_OK : CPR_STATUS_NO_TRANSPONDER, kind: "easAlarm", alarm };
      }
    }
  }

  #inventory(head: Head, mode: "new" | "more"): CprResponse {
    if (mode === "new") {
      const round = this.#pad.inventoryRound();
      if (round.length > this.maxInventoryTags) {
        this.#pendingInventory = [];
        return {
          ...head,
          status: CPR_STATUS_DATA_BUFFER_OVERFLOW,
          kind: "failed",
          request: "inventory",
          data: new Uint8Array(0),
        };
      }
      this.#pendingInventory = round;
    }
    const batch = this.#pendingInventory.slice(0, INVENTORY_PER_FRAME);
    this.#pendingInventory = this.#pendingInventory.slice(INVENTORY_PER_FRAME);
    if (batch.length === 0)
      return { ...head, status: CPR_STATUS_NO_TRANSPONDER, kind: "inventory", tags: [], moreData: false };
    const moreData = this.#pendingInventory.length > 0;
    return {
      ...head,
      status: moreData ? CPR_STATUS_MORE_DATA : CPR_STATUS_OK,
      kind: "inventory",
      moreData,
      tags: batch.map((tag) => ({ transponderType: CPR_TR_TYPE_ISO15693, dsfid: tag.dsfid, uid: tag.uid })),
    };
  }

  #readBlocks(head: Head, command: CommandOf<"readBlocks">): CprResponse {
    const tag = this.#pad.get(command.uid);
    if (tag && 7 + command.count * (1 + tag.blockSize) > MAX_FRAME) {
      return { ...head, status: STATUS_LENGTH_ERROR, kind: "failed", request: "readBlocks", data: new Uint8Array(0) };
    }
    return this.#answer(
      head,
      command,
      this.#pad.read(command.uid, (t) => readTagBlocks(t, command.firstBlock, command.count)),
      (blocks) => ({
        kind: "readBlocks",
        blocks: blocks.map((data, i) => {
          const index = command.firstBlock + i;
          return { index, data, security: command.withSecurity && tag?.lockedBlocks[index] ? 0x01 : 0x00 };
        }),
      }),
    );
  }

  #update(head: Head, command: CprCommand & { uid: string }, op: Parameters<VirtualPad["update"]>[1]): CprResponse {
    return this.#answer(head, command, this.#pad.update(command.uid, op), () => ({ kind: command.kind }) as never);
  }

  #answer<T>(
    head: Head,
    command: CprCommand,
    outcome: TagOutcome<T>,
    ok: (value: T) => Omit<Exclude<CprResponse, { kind: "failed" }>, "address" | "status">,
  ): CprResponse {
    if (outcome.ok) return { ...head, status: CPR_STATUS_OK, ...ok(outcome.value) } as CprResponse;
    if (outcome.failure === "absent") {
      return {
        ...head,
        status: CPR_STATUS_NO_TRANSPONDER,
        kind: "failed",
        request: command.kind,
        data: new Uint8Array(0),
      };
    }
    return this.#failed(head, command.kind, outcome.isoError);
  }

  #failed(head: Head, request: CprCommandKind, isoError: number): CprResponse {
    return { ...head, status: CPR_STATUS_ISO_ERROR, kind: "failed", request, isoError, data: new Uint8Array(0) };
  }
}

/** Lock Multiple Blocks as a reader does it: Lock Block on each in turn; the first refusal ends it. */
function lockTagBlocks(tag: TagMemory, first: number, count: number): TagResult<TagMemory> {
  let result: TagResult<TagMemory> = { ok: true, value: tag };
  for (let block = first; block < first + count && result.ok; block++) result = lockTagBlock(result.value, block);
  return result;
}
