/**
 * FEIG CPR-M02 over the FEIG standard protocol (protocols/rfid/readers/cpr-m02.ts).
 *
 * Set-up is Biblio-RFID's CPRM02.pm init(): [0x52] baud rate detection, [0x65] software version,
 * [0x66] reader info (mode 0, general hardware and firmware), [0x69] RF reset. Baud rate detection only
 * confirms the configured speed: the transport is opened at one rate. Tag geometry, DSFID and AFI come
 * from Get System Information; the EAS bit is read with NXP's EAS Alarm, which only a tag with EAS set
 * answers (FEIG: status 0x00 for an alarm, 0x01 for silence).
 */
import type { Logger } from "pino";
import { bytesToHex } from "../../../protocols/rfid/bytes.ts";
import { isRfidError } from "../../../protocols/rfid/errors.ts";
import type { Uid } from "../../../protocols/rfid/iso15693.ts";
import {
  CPR_M02_MAX_INVENTORY_TAGS,
  CPR_STATUS_DATA_BUFFER_OVERFLOW,
  CPR_STATUS_NO_TRANSPONDER,
  type CprCommand,
  type CprCommandKind,
  type CprFrame,
  type CprResponse,
  createCprFrameParser,
  decodeCprResponse,
  describeCprStatus,
  encodeCprCommand,
} from "../../../protocols/rfid/readers/cpr-m02.ts";
import type { Clock } from "../../transports/clock.ts";
import type { Transport } from "../../transports/transport.ts";
import { CommandChannel } from "./command-channel.ts";
import { RfidPadError } from "./errors.ts";
import type { InventoryTag, ReaderProtocol, ReaderSetup, ReaderTimeouts, TagInfo } from "./reader.ts";

type ResponseOf<K extends CprCommandKind> = Extract<CprResponse, { kind: K }>;

/** Status 0x83 RF communication error and 0x84 RF warning: noise in the field, worth a retry like a miss. */
const RF_TROUBLE = new Set([0x83, 0x84]);
/** Blocks per read or write request: well inside one 255-byte frame for blocks up to 8 bytes. */
const BLOCKS_PER_REQUEST = 8;
/** Longest chain of "more data" answers accepted for one inventory (25 frames hold over 600 tags). */
const MAX_INVENTORY_FRAMES = 25;

const WRITES: ReadonlySet<CprCommandKind> = new Set([
  "writeBlocks",
  "lockBlocks",
  "writeAfi",
  "writeDsfid",
  "setEas",
  "resetEas",
  "lockAfi",
  "lockDsfid",
  "lockEas",
]);
const TAG_READS: ReadonlySet<CprCommandKind> = new Set(["getSystemInfo", "readBlocks", "easAlarm"]);

export interface CprReaderOptions {
  transport: Transport;
  clock: Clock;
  logger: Logger;
  timeouts: ReaderTimeouts;
  /** The reader's inventory limit; default 4, the CPR.M02 standard firmware's (FEIG H20800-16e-ID-B, ANNEX D2). */
  maxInventoryTags?: number;
}

export class CprReader implements ReaderProtocol {
  readonly model = "cpr-m02" as const;
  readonly supportsEas = true;
  readonly supportsDsfid = true;
  readonly maxBlocksPerRead = BLOCKS_PER_REQUEST;
  readonly maxInventoryTags: number;
  readonly channel: CommandChannel<CprFrame>;
  readonly #timeouts: ReaderTimeouts;
  readonly #device: () => string;

  constructor(options: CprReaderOptions) {
    this.channel = new CommandChannel({
      transport: options.transport,
      parser: createCprFrameParser(),
      clock: options.clock,
      logger: options.logger,
    });
    this.#timeouts = options.timeouts;
    this.maxInventoryTags = options.maxInventoryTags ?? CPR_M02_MAX_INVENTORY_TAGS;
    this.#device = () => options.transport.description;
  }

  async setup(): Promise<ReaderSetup> {
    await this.#request({ kind: "baudRateDetection" });
    const version = await this.#request({ kind: "softwareVersion" });
    const info = await this.#request({ kind: "readerInfo", mode: 0 });
    await this.#request({ kind: "rfReset" });
    const firmware = version.firmware ?? "unknown";
    return {
      firmware,
      detail: { softwareVersion: bytesToHex(version.data, " "), readerInfo: bytesToHex(info.data, " ") },
    };
  }

  async inventory(): Promise<InventoryTag[]> {
    const tags: InventoryTag[] = [];
    let more = false;
    for (let frames = 0; frames < MAX_INVENTORY_FRAMES; frames++) {
      const answer = await this.#request(more ? { kind: "inventory", more } : { kind: "inventory" });
      for (const t of answer.tags) tags.push({ uid: t.uid, dsfid: t.dsfid });
      if (!answer.moreData) return tags;
      more = true;
    }
    throw new RfidPadError(
      "RFID_READER_ERROR",
      `${this.#device()}: the inventory kept answering "more data" after ${MAX_INVENTORY_FRAMES} frames`,
      { tags: tags.length },
    );
  }

  async tagInfo(uid: Uid): Promise<TagInfo> {
    const info = await this.#request({ kind: "getSystemInfo", uid });
    return { blockSize: info.blockSize, blockCount: info.blockCount, dsfid: info.dsfid, afi: info.afi };
  }

  async readBlocks(uid: Uid, firstBlock: number, count: number, blockSize: number): Promise<Uint8Array> {
    const { blocks } = await this.#request({ kind: "readBlocks", uid, firstBlock, count });
    if (blocks.length !== count || blocks.some((b) => b.data.length !== blockSize)) {
      throw new RfidPadError(
        "RFID_READER_ERROR",
        `${this.#device()}: asked tag ${uid} for ${count} blocks of ${blockSize} bytes, got ${blocks.length} of ${blocks[0]?.data.length ?? 0}`,
        { uid, firstBlock, count },
      );
    }
    const memory = new Uint8Array(count * blockSize);
    for (const [i, block] of blocks.entries()) memory.set(block.data, i * blockSize);
    return memory;
  }

  async writeBlocks(uid: Uid, firstBlock: number, data: Uint8Array, blockSize: number): Promise<void> {
    const count = data.length / blockSize;
    for (let done = 0; done < count; done += BLOCKS_PER_REQUEST) {
      const n = Math.min(BLOCKS_PER_REQUEST, count - done);
      await this.#request({
        kind: "writeBlocks",
        uid,
        firstBlock: firstBlock + done,
        blockSize,
        data: data.subarray(done * blockSize, (done + n) * blockSize),
      });
    }
  }

  async readAfi(uid: Uid): Promise<number> {
    return (await this.#request({ kind: "getSystemInfo", uid })).afi;
  }

  async writeAfi(uid: Uid, afi: number): Promise<void> {
    await this.#request({ kind: "writeAfi", uid, afi });
  }

  async readEas(uid: Uid): Promise<boolean> {
    return (await this.#request({ kind: "easAlarm", uid })).alarm;
  }

  async writeEas(uid: Uid, on: boolean): Promise<void> {
    await this.#request(on ? { kind: "setEas", uid } : { kind: "resetEas", uid });
  }

  async lockAfi(uid: Uid): Promise<void> {
    await this.#request({ kind: "lockAfi", uid });
  }

  async lockBlocks(uid: Uid, firstBlock: number, count: number): Promise<void> {
    await this.#request({ kind: "lockBlocks", uid, firstBlock, count });
  }

  async writeDsfid(uid: Uid, dsfid: number): Promise<void> {
    await this.#request({ kind: "writeDsfid", uid, dsfid });
  }

  /**
   * Sends a command (or `bytes` standing for it) and decodes the next frame as its answer. FEIG answers do
   * not name the ISO command, so a frame with another control byte is taken for a late reply and skipped.
   */
  #request<K extends CprCommandKind>(
    command: Extract<CprCommand, { kind: K }>,
    bytes: Uint8Array = encodeCprCommand(command),
  ): Promise<ResponseOf<K>> {
    const uid = "uid" in command ? command.uid : undefined;
    const what = uid === undefined ? `CPR-M02 ${command.kind}` : `CPR-M02 ${command.kind} for tag ${uid}`;
    const control = bytes[2];
    return this.channel.request(
      what,
      bytes,
      (frame) => {
        if (frame.command !== control) return undefined;
        let response: CprResponse;
        try {
          response = decodeCprResponse(frame, command);
        } catch (err) {
          if (!isRfidError(err)) throw err;
          throw new RfidPadError("RFID_READER_ERROR", `${this.#device()}: bad answer to ${what}: ${err.message}`, {
            command: command.kind,
            code: err.code,
          });
        }
        if (response.kind === "failed") throw this.#failure(command.kind, what, response, uid);
        return { value: response as ResponseOf<K> };
      },
      WRITES.has(command.kind) ? this.#timeouts.writeMs : this.#timeouts.commandMs,
    );
  }

  #failure(kind: CprCommandKind, what: string, response: CprResponse & { kind: "failed" }, uid: Uid | undefined) {
    const status = response.status;
    if (kind === "inventory" && status === CPR_STATUS_DATA_BUFFER_OVERFLOW) {
      const capacity = this.maxInventoryTags;
      return new RfidPadError(
        "RFID_TOO_MANY_TAGS",
        `${this.#device()}: more tags on the pad than the reader can list at once (at most ${capacity}); place at most ${capacity} items at a time.`,
        { capacity, status },
      );
    }
    const iso =
      response.isoError === undefined ? "" : `, ISO error 0x${response.isoError.toString(16).padStart(2, "0")}`;
    const code = WRITES.has(kind)
      ? "RFID_TAG_WRITE_FAILED"
      : TAG_READS.has(kind) && (status === CPR_STATUS_NO_TRANSPONDER || RF_TROUBLE.has(status))
        ? "RFID_TAG_NO_ANSWER"
        : "RFID_READER_ERROR";
    return new RfidPadError(
      code,
      `${this.#device()}: ${what} failed: ${describeCprStatus(status)} (status 0x${status.toString(16).padStart(2, "0")}${iso})`,
      {
        command: kind,
        status,
        ...(response.isoError !== undefined && { isoError: response.isoError }),
        ...(uid && { uid }),
      },
    );
  }
}
