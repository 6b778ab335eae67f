/**
 * 3M 810 reader family over the 3M host protocol (protocols/rfid/readers/3m810.ts).
 *
 * Set-up follows the 3M software as captured by Biblio-RFID (3M810.pm init()): the 0xD5 version probe,
 * then the 0x13 set-up command. The protocol has no Get System Information, so the block count read for
 * tag data is configured (Biblio-RFID and koha-rfid-3m810-js read 8 blocks of 4 bytes: "3M defaults: 8").
 * It has no EAS or DSFID commands either: sites with this reader secure items by AFI.
 */
import type { Logger } from "pino";
import { bytesToHex } from "../../../protocols/rfid/bytes.ts";
import { isRfidError } from "../../../protocols/rfid/errors.ts";
import type { Uid } from "../../../protocols/rfid/iso15693.ts";
import {
  createM810FrameParser,
  decodeM810Response,
  encodeM810Command,
  M810_BLOCK_SIZE,
  type M810Command,
  type M810CommandKind,
  type M810Frame,
  type M810Response,
} from "../../../protocols/rfid/readers/3m810.ts";
import type { Clock } from "../../transports/clock.ts";
import type { Transport } from "../../transports/transport.ts";
import { CommandChannel } from "./command-channel.ts";
import { RfidPadError } from "./errors.ts";
import type { InventoryTag, ReaderProtocol, ReaderSetup, ReaderTimeouts, TagInfo } from "./reader.ts";

type ResponseOf<K extends M810CommandKind> = Extract<M810Response, { kind: K }>;

/** What a failed (status ≠ 0) answer means for each command. */
const FAILURE_CODE: Record<M810CommandKind, "RFID_TAG_NO_ANSWER" | "RFID_TAG_WRITE_FAILED" | "RFID_READER_ERROR"> = {
  version: "RFID_READER_ERROR",
  setup: "RFID_READER_ERROR",
  inventory: "RFID_READER_ERROR",
  readBlocks: "RFID_TAG_NO_ANSWER",
  readAfi: "RFID_TAG_NO_ANSWER",
  writeBlocks: "RFID_TAG_WRITE_FAILED",
  writeAfi: "RFID_TAG_WRITE_FAILED",
};

const WRITES: ReadonlySet<M810CommandKind> = new Set(["writeBlocks", "writeAfi"]);

export interface M810ReaderOptions {
  transport: Transport;
  clock: Clock;
  logger: Logger;
  timeouts: ReaderTimeouts;
  /** Blocks of tag memory to read and write for item data. */
  blockCount: number;
}

export class M810Reader implements ReaderProtocol {
  readonly model = "3m810" as const;
  readonly supportsEas = false;
  readonly supportsDsfid = false;
  /**
   * 3M's protocol specification (1.0.0, 7.1 Read Block UID; in Biblio-RFID's docs/) documents no limit and
   * no "too many tags" error for the inventory: its answer counts UIDs in one byte, that is all.
   */
  readonly maxInventoryTags = undefined;
  /** One read answer holds up to 255 blocks (the count is one byte). */
  readonly maxBlocksPerRead = 255;
  readonly channel: CommandChannel<M810Frame>;
  readonly #timeouts: ReaderTimeouts;
  readonly #blockCount: number;
  readonly #device: () => string;

  constructor(options: M810ReaderOptions) {
    this.channel = new CommandChannel({
      transport: options.transport,
      parser: createM810FrameParser(),
      clock: options.clock,
      logger: options.logger,
    });
    this.#timeouts = options.timeouts;
    this.#blockCount = options.blockCount;
    this.#device = () => options.transport.description;
  }

  async setup(): Promise<ReaderSetup> {
    const { hardwareVersion } = await this.#request({ kind: "version" });
    const { data } = await this.#request({ kind: "setup" });
    return { firmware: hardwareVersion, detail: { hardwareVersion, setupReply: bytesToHex(data, " ") } };
  }

  async inventory(): Promise<InventoryTag[]> {
    const { uids } = await this.#request({ kind: "inventory" });
    return uids.map((uid) => ({ uid }));
  }

  async tagInfo(uid: Uid, withAfi = true): Promise<TagInfo> {
    const layout = { blockSize: M810_BLOCK_SIZE, blockCount: this.#blockCount };
    return withAfi ? { ...layout, afi: await this.readAfi(uid) } : layout;
  }

  async readBlocks(uid: Uid, firstBlock: number, count: number): Promise<Uint8Array> {
    const { blocks } = await this.#request({ kind: "readBlocks", uid, firstBlock, count });
    const memory = new Uint8Array(count * M810_BLOCK_SIZE);
    const seen = new Set<number>();
    for (const block of blocks) {
      const at = block.index - firstBlock;
      if (at < 0 || at >= count) continue;
      memory.set(block.data, at * M810_BLOCK_SIZE);
      seen.add(block.index);
    }
    if (seen.size !== count) {
      throw new RfidPadError(
        "RFID_READER_ERROR",
        `${this.#device()}: asked tag ${uid} for blocks ${firstBlock}-${firstBlock + count - 1}, the reader returned ${seen.size} of them`,
        { uid, firstBlock, count, returned: seen.size },
      );
    }
    return memory;
  }

  async writeBlocks(uid: Uid, firstBlock: number, data: Uint8Array): Promise<void> {
    const { count } = await this.#request({ kind: "writeBlocks", uid, firstBlock, data });
    const expected = data.length / M810_BLOCK_SIZE;
    if (count !== expected) {
      throw new RfidPadError(
        "RFID_TAG_WRITE_FAILED",
        `${this.#device()}: tag ${uid} took ${count} of ${expected} blocks`,
        { uid, written: count, expected },
      );
    }
  }

  async readAfi(uid: Uid): Promise<number> {
    return (await this.#request({ kind: "readAfi", uid })).afi;
  }

  async writeAfi(uid: Uid, afi: number): Promise<void> {
    await this.#request({ kind: "writeAfi", uid, afi });
  }

  readEas(): Promise<boolean> {
    return Promise.reject(this.#unsupported("read the EAS bit"));
  }

  writeEas(): Promise<void> {
    return Promise.reject(this.#unsupported("set the EAS bit"));
  }

  writeDsfid(): Promise<void> {
    return Promise.reject(this.#unsupported("write the DSFID"));
  }

  lockAfi(): Promise<void> {
    return Promise.reject(this.#unsupported("lock the AFI", "lock tags on a reader that can, such as a CPR-M02"));
  }

  #unsupported(what: string, instead = "secure items by AFI with this reader"): RfidPadError {
    return new RfidPadError("RFID_NOT_SUPPORTED", `${this.#device()}: the 3M 810 protocol cannot ${what}; ${instead}`, {
      model: this.model,
    });
  }

  /** Sends a command and waits for the answer naming the same command (and UID, for tag commands). */
  #request<K extends M810CommandKind>(command: Extract<M810Command, { kind: K }>): Promise<ResponseOf<K>> {
    const bytes = encodeM810Command(command);
    const uid = "uid" in command ? command.uid : undefined;
    const what = uid === undefined ? `3M 810 ${command.kind}` : `3M 810 ${command.kind} for tag ${uid}`;
    const timeout = WRITES.has(command.kind) ? this.#timeouts.writeMs : this.#timeouts.commandMs;
    return this.channel.request(
      what,
      bytes,
      (frame) => {
        let response: M810Response;
        try {
          response = decodeM810Response(frame);
        } catch (err) {
          // A malformed answer to this very command is the reader's fault; anything else is someone else's frame.
          if (isRfidError(err) && frame.start === bytes[0] && frame.command === bytes[3]) {
            throw new RfidPadError("RFID_READER_ERROR", `${this.#device()}: bad answer to ${what}: ${err.message}`, {
              command: command.kind,
              code: err.code,
            });
          }
          return undefined;
        }
        const kind = response.kind === "failed" ? response.request : response.kind;
        if (kind !== command.kind) return undefined;
        if (uid !== undefined && "uid" in response && response.uid !== undefined && response.uid !== uid)
          return undefined;
        if (response.kind === "failed") {
          throw new RfidPadError(
            FAILURE_CODE[command.kind],
            `${this.#device()}: ${what} failed (3M status 0x${response.status.toString(16).padStart(2, "0")})`,
            { command: command.kind, status: response.status, ...(uid && { uid }) },
          );
        }
        return { value: response as ResponseOf<K> };
      },
      timeout,
    );
  }
}
