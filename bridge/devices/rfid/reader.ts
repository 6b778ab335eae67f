/**
 * What the pad driver needs from a reader family, whatever its wire protocol: set up, list tags, and read
 * and write one tag's memory and security bytes. One implementation per family (m810-reader.ts,
 * cpr-reader.ts); retries, verification and "did the tag leave?" live above, in the pad.
 *
 * Failures are RfidPadErrors: RFID_TAG_NO_ANSWER when a tag did not answer a read, RFID_TAG_WRITE_FAILED
 * when a write was not acknowledged, RFID_READER_ERROR / RFID_TIMEOUT / RFID_DISCONNECTED for the reader.
 */
import type { Uid } from "../../../protocols/rfid/iso15693.ts";
import type { RfidPadError } from "./errors.ts";

export type RfidModel = "3m810" | "cpr-m02";
export const RFID_MODELS: readonly RfidModel[] = ["3m810", "cpr-m02"];

export interface InventoryTag {
  uid: Uid;
  /** Only readers that report it in the inventory (CPR-M02). */
  dsfid?: number;
}

export interface TagInfo {
  blockSize: number;
  blockCount: number;
  /** Present when the reader reports it with the geometry (CPR-M02 Get System Information). */
  dsfid?: number;
  afi?: number;
}

export interface ReaderSetup {
  firmware: string;
  detail: Record<string, unknown>;
}

export interface ReaderTimeouts {
  /** Reads, inventories and setup. */
  commandMs: number;
  /** Block, AFI, EAS and DSFID writes (tags take longer to program). */
  writeMs: number;
}

/** The part of a reader's command channel the pad manages on connect, disconnect and stop. */
export interface ReaderChannel {
  failPending(error: RfidPadError): void;
  resetParser(): void;
}

export interface ReaderProtocol {
  readonly model: RfidModel;
  readonly channel: ReaderChannel;
  /** Can set and read the NXP EAS bit. */
  readonly supportsEas: boolean;
  /** Can write the DSFID byte. */
  readonly supportsDsfid: boolean;
  /**
   * Most tags one inventory reports, as the maker documents it; more on the pad give RFID_TOO_MANY_TAGS.
   * Undefined when no limit is documented (3M 810).
   */
  readonly maxInventoryTags: number | undefined;
  /** Most blocks one readBlocks() call may ask for (the pad reads in chunks and retries each). */
  readonly maxBlocksPerRead: number;
  setup(): Promise<ReaderSetup>;
  /** One inventory round. */
  inventory(): Promise<InventoryTag[]>;
  /**
   * Block layout and, when the reader has it or `withAfi` asks (the default), the AFI. A reader that needs a
   * command of its own for the AFI (3M 810) skips it when `withAfi` is false.
   */
  tagInfo(uid: Uid, withAfi?: boolean): Promise<TagInfo>;
  /** `count` (≤ maxBlocksPerRead) blocks from `firstBlock`, concatenated in tag memory order. */
  readBlocks(uid: Uid, firstBlock: number, count: number, blockSize: number): Promise<Uint8Array>;
  writeBlocks(uid: Uid, firstBlock: number, data: Uint8Array, blockSize: number): Promise<void>;
  readAfi(uid: Uid): Promise<number>;
  writeAfi(uid: Uid, afi: number): Promise<void>;
  /** Makes the AFI permanent (ISO 15693 Lock AFI): done once, when a library programs its tags. */
  lockAfi(uid: Uid): Promise<void>;
  /**
   * Locks `count` blocks from `firstBlock` for good (ISO 15693 Lock Block). Absent when the reader's host
   * protocol has no such command (3M 810: none is documented).
   */
  lockBlocks?(uid: Uid, firstBlock: number, count: number): Promise<void>;
  readEas(uid: Uid): Promise<boolean>;
  writeEas(uid: Uid, on: boolean): Promise<void>;
  writeDsfid(uid: Uid, dsfid: number): Promise<void>;
}
