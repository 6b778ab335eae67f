/**
 * FEIG ID CPR.M02 (CPR-M02) reader, FEIG standard host protocol as used by dpavlin/Biblio-RFID
 * (lib/RFID/Biblio/Reader/CPRM02.pm, after FEIG document H20800-16e-ID-B) and described in public
 * FEIG ISC manuals (ISC.MR/PR101, ISC.MR200, ISC.LR200):
 *
 *   host → reader:  LEN | COM-ADR | CMD | data…        | CRC16 (LSB first)
 *   reader → host:  LEN | COM-ADR | CMD | STATUS | data… | CRC16 (LSB first)
 *
 * LEN counts the whole frame; CRC-16 (poly 0x8408 reflected, preset 0xFFFF) covers LEN..data.
 * ISO 15693 commands go through [0xB0]; NXP custom commands (EAS) through [0xB1] with MFR 0x04.
 * Responses do not repeat the ISO sub-command, so decoding one needs the request it answers.
 * Data blocks travel byte-reversed per block (Biblio-RFID reverses on read and write); the codec
 * presents them in tag memory order. UIDs are taken most significant byte first (not confirmed on
 * an M02: Biblio-RFID passes inventory UIDs back unchanged).
 */
import { ByteReader, checkInteger, concatBytes } from "../bytes.ts";
import { crc16Mcrf4xx } from "../crc.ts";
import { RfidError } from "../errors.ts";
import { type Uid, uidFromBytes, uidToBytes } from "../iso15693.ts";
import { type FrameFormat, FrameParser, type FrameParserOptions } from "./framing.ts";

export const CPR_SERIAL = { baudRate: 38400, dataBits: 8, parity: "even", stopBits: 1 } as const;
/** Address every reader answers to. */
export const CPR_BROADCAST_ADDRESS = 0xff;
export const CPR_CONTROL = {
  baudRateDetection: 0x52,
  softwareVersion: 0x65,
  readerInfo: 0x66,
  rfReset: 0x69,
  isoHost: 0xb0,
  isoCustom: 0xb1,
} as const;
/** [0xB1] manufacturer code for NXP (ICODE SLI/SLIX EAS commands). */
export const CPR_MFR_NXP = 0x04;
/** ISO 15693 transponder type in inventory records. */
export const CPR_TR_TYPE_ISO15693 = 0x03;
/** MODE byte: addressed (UID in request); bit 3 asks for block security status on reads. */
const MODE = { nonAddressed: 0x00, addressed: 0x01, withSecurity: 0x08, addressMask: 0x07, more: 0x80 } as const;

/** Status byte values (FEIG ISC manuals, "Index of Status Bytes"). */
export const CPR_STATUS: Readonly<Record<number, string>> = {
  0: "OK",
  1: "no transponder in the field",
  2: "data false (CRC error on transponder data)",
  3: "write error",
  4: "address error (block outside transponder memory)",
  5: "wrong transponder type for this command",
  128: "unknown command",
  129: "length error",
  130: "command not available",
  131: "RF communication error",
  132: "RF warning",
  147: "data buffer overflow (more transponders in the field than the reader can handle)",
  148: "more data (further transponders pending)",
  149: "ISO 15693 error (see ISO error code)",
};
export const CPR_STATUS_OK = 0x00;
export const CPR_STATUS_NO_TRANSPONDER = 0x01;
/**
 * An inventory found more tags than the reader handles at once, and sends none of them (FEIG H20800-16e-ID-B,
 * ANNEX C: 0x93 "Data Buffer Overflow: There are more Transponders in reader field than could be handled by
 * the reader"; 7.1: [0xB0] answers carry data only with status 0x00, 0x83, 0x94 or 0x95).
 */
export const CPR_STATUS_DATA_BUFFER_OVERFLOW = 0x93;
/** More tags were found than one answer frame carries: fetch the rest with MODE bit MORE (ANNEX C, 7.1.1). */
export const CPR_STATUS_MORE_DATA = 0x94;
/**
 * Most tags one inventory reports on an ID CPR.M02 with standard firmware: FEIG H20800-16e-ID-B, ANNEX D2
 * "Max. Transponder No. (Data Sets) of Inventory command: 4" for every CPR.M02 variant (5 with the T=CL
 * firmware of ANNEX D3). Beyond it the reader answers 0x93.
 */
export const CPR_M02_MAX_INVENTORY_TAGS = 4;
export const CPR_STATUS_ISO_ERROR = 0x95;

const MIN_FRAME = 5;
const MAX_FRAME = 255;

export interface CprFrame {
  address: number;
  command: number;
  /** Everything between the command byte and the CRC (a response starts with STATUS). */
  body: Uint8Array;
}

export function encodeCprFrame(frame: CprFrame): Uint8Array {
  const length = 3 + frame.body.length + 2;
  if (length > MAX_FRAME) {
    throw new RfidError(
      "RFID_ENCODE",
      `CPR-M02 frames hold at most ${MAX_FRAME} bytes, this one needs ${length}; split the request`,
      {
        length,
      },
    );
  }
  const out = new Uint8Array(length);
  out[0] = length;
  out[1] = checkInteger(frame.address, 0, 255, "address");
  out[2] = frame.command;
  out.set(frame.body, 3);
  const crc = crc16Mcrf4xx(out, 0, length - 2);
  out[length - 2] = crc & 0xff;
  out[length - 1] = crc >> 8;
  return out;
}

export function decodeCprFrame(bytes: Uint8Array): CprFrame {
  if (bytes.length < MIN_FRAME) {
    throw new RfidError(
      "RFID_FRAME_TRUNCATED",
      `CPR-M02 frame of ${bytes.length} bytes is shorter than the ${MIN_FRAME}-byte minimum`,
      {
        length: bytes.length,
      },
    );
  }
  if (bytes[0] !== bytes.length) {
    throw new RfidError(
      "RFID_FRAME_BAD_LENGTH",
      `CPR-M02 length byte says ${bytes[0]}, frame has ${bytes.length} bytes`,
      {
        offset: 0,
        expected: bytes[0] as number,
        actual: bytes.length,
      },
    );
  }
  const expected = crc16Mcrf4xx(bytes, 0, bytes.length - 2);
  const actual = (bytes[bytes.length - 2] as number) | ((bytes[bytes.length - 1] as number) << 8);
  if (expected !== actual) {
    throw new RfidError(
      "RFID_FRAME_CRC",
      `CPR-M02 CRC is 0x${actual.toString(16)}, computed 0x${expected.toString(16)}: line noise or a cut frame`,
      {
        offset: bytes.length - 2,
        expected,
        actual,
      },
    );
  }
  return { address: bytes[1] as number, command: bytes[2] as number, body: bytes.slice(3, bytes.length - 2) };
}

/** No start byte exists: any plausible length byte may begin a frame and the CRC decides. */
export const CPR_FRAME_FORMAT: FrameFormat<CprFrame> = {
  family: "CPR-M02",
  minFrameLength: MIN_FRAME,
  maxFrameLength: MAX_FRAME,
  headerLength: 1,
  isStart: (b) => b >= MIN_FRAME,
  frameLength: (buf, start) => buf[start] as number,
  decodeFrame: decodeCprFrame,
};

export function createCprFrameParser(options?: FrameParserOptions): FrameParser<CprFrame> {
  return new FrameParser(CPR_FRAME_FORMAT, options);
}

// --- typed messages ---

type Addressed = { address?: number };

export type CprCommand = Addressed &
  (
    | { kind: "baudRateDetection" }
    | { kind: "softwareVersion" }
    | { kind: "readerInfo"; mode: number }
    | { kind: "rfReset" }
    | {
        kind: "inventory";
        /** MODE bit 7: send the tags that did not fit the last answer ("more data", FEIG ISC.MR200 manual). */
        more?: boolean;
      }
    | { kind: "getSystemInfo"; uid: Uid }
    | { kind: "readBlocks"; uid: Uid; firstBlock: number; count: number; withSecurity?: boolean }
    | { kind: "writeBlocks"; uid: Uid; firstBlock: number; blockSize: number; data: Uint8Array }
    | { kind: "lockBlocks"; uid: Uid; firstBlock: number; count: number }
    | { kind: "writeAfi"; uid: Uid; afi: number }
    | { kind: "lockAfi"; uid: Uid }
    | { kind: "writeDsfid"; uid: Uid; dsfid: number }
    | { kind: "lockDsfid"; uid: Uid }
    | { kind: "setEas"; uid: Uid }
    | { kind: "resetEas"; uid: Uid }
    | { kind: "lockEas"; uid: Uid }
    | { kind: "easAlarm"; uid: Uid }
  );
export type CprCommandKind = CprCommand["kind"];

export interface CprInventoryTag {
  transponderType: number;
  dsfid: number;
  uid: Uid;
}

export interface CprBlock {
  index: number;
  /** Block security status byte (0 unless requested with withSecurity). */
  security: number;
  data: Uint8Array;
}

type StatusOnlyKind =
  | "baudRateDetection"
  | "rfReset"
  | "writeBlocks"
  | "lockBlocks"
  | "writeAfi"
  | "lockAfi"
  | "writeDsfid"
  | "lockDsfid"
  | "setEas"
  | "resetEas"
  | "lockEas";

export type CprResponse = { address: number; status: number } & (
  | { kind: StatusOnlyKind }
  | { kind: "softwareVersion"; data: Uint8Array; firmware: string | undefined }
  | { kind: "readerInfo"; data: Uint8Array }
  | { kind: "inventory"; tags: CprInventoryTag[]; moreData: boolean }
  | {
      kind: "getSystemInfo";
      dsfid: number;
      uid: Uid;
      afi: number;
      blockSize: number;
      blockCount: number;
      icReference: number;
    }
  | { kind: "readBlocks"; blocks: CprBlock[] }
  /** EAS bit set answers status 0x00; a silent tag (EAS off, or no tag) gives 0x01. */
  | { kind: "easAlarm"; alarm: boolean }
  | { kind: "failed"; request: CprCommandKind; isoError?: number; data: Uint8Array }
);

type CommandOf<K extends CprCommandKind> = Extract<CprCommand, { kind: K }>;
type ResponseOf<K extends CprCommandKind> = Extract<CprResponse, { kind: K }>;
type ResponseData<K extends CprCommandKind> = Omit<ResponseOf<K>, "address" | "status" | "kind">;

/** Where a command lives: control byte, [0xB0] ISO sub-command or [0xB1] NXP custom sub-command. */
interface Route {
  control: number;
  /** ISO 15693 command byte under [0xB0]. */
  iso?: number;
  /** NXP custom command byte under [0xB1] (after MFR). */
  nxp?: number;
}

interface MessageSpec<K extends CprCommandKind> {
  route: Route;
  encodeCommand(cmd: CommandOf<K>): Uint8Array;
  decodeCommand(r: ByteReader): Omit<CommandOf<K>, "address">;
  encodeResponse(resp: ResponseOf<K>): Uint8Array;
  decodeResponse(r: ByteReader, request: CommandOf<K>, status: number): ResponseData<K>;
}

const readUid = (r: ByteReader) => uidFromBytes(r.take(8, "UID"));

/** Copy with the bytes of each block in reverse order (an index loop: subarray().reverse() is far slower). */
function reverseEachBlock(data: Uint8Array, blockSize: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let start = 0; start < data.length; start += blockSize) {
    const last = Math.min(start + blockSize, data.length) - 1;
    for (let i = start; i <= last; i++) out[i] = data[last - (i - start)] as number;
  }
  return out;
}

function addressedMode(r: ByteReader): number {
  const mode = r.u8("MODE");
  if ((mode & MODE.addressMask) !== MODE.addressed) {
    throw new RfidError(
      "RFID_UNSUPPORTED",
      `CPR-M02 MODE 0x${mode.toString(16)} is not addressed; this codec needs the UID in tag commands`,
      {
        mode,
      },
    );
  }
  return mode;
}

/** Command with only MODE and UID: lock AFI/DSFID and the NXP EAS commands. */
function uidOnly<K extends "lockAfi" | "lockDsfid" | "setEas" | "resetEas" | "lockEas" | "easAlarm">(
  kind: K,
  route: Route,
): MessageSpec<K> {
  return {
    route,
    encodeCommand: (c) => concatBytes([MODE.addressed], uidToBytes((c as { uid: Uid }).uid)),
    decodeCommand: (r) => {
      addressedMode(r);
      return { kind, uid: readUid(r) } as Omit<CommandOf<K>, "address">;
    },
    encodeResponse: () => new Uint8Array(0),
    decodeResponse: (_r, _req, status) =>
      (kind === "easAlarm" ? { alarm: status === CPR_STATUS_OK } : {}) as ResponseData<K>,
  };
}

function statusOnly<K extends "baudRateDetection" | "rfReset">(
  kind: K,
  control: number,
  params: readonly number[],
): MessageSpec<K> {
  return {
    route: { control },
    encodeCommand: () => Uint8Array.from(params),
    decodeCommand: (r) => {
      r.take(params.length, "parameters");
      return { kind } as Omit<CommandOf<K>, "address">;
    },
    encodeResponse: () => new Uint8Array(0),
    decodeResponse: () => ({}) as ResponseData<K>,
  };
}

const SPECS: { [K in CprCommandKind]: MessageSpec<K> } = {
  baudRateDetection: statusOnly("baudRateDetection", CPR_CONTROL.baudRateDetection, [0x00]),
  rfReset: statusOnly("rfReset", CPR_CONTROL.rfReset, []),
  softwareVersion: {
    route: { control: CPR_CONTROL.softwareVersion },
    encodeCommand: () => new Uint8Array(0),
    decodeCommand: () => ({ kind: "softwareVersion" }),
    encodeResponse: (resp) => resp.data,
    // FEIG manuals: SW-REV (2 bytes, major.minor) first; the remaining bytes vary by model.
    decodeResponse: (r) => {
      const data = r.rest().slice();
      return { data, firmware: data.length >= 2 ? `${data[0]}.${data[1]}` : undefined };
    },
  },
  readerInfo: {
    route: { control: CPR_CONTROL.readerInfo },
    encodeCommand: (c) => Uint8Array.of(checkInteger(c.mode, 0, 255, "mode")),
    decodeCommand: (r) => ({ kind: "readerInfo", mode: r.u8("mode") }),
    encodeResponse: (resp) => resp.data,
    decodeResponse: (r) => ({ data: r.rest().slice() }),
  },
  inventory: {
    route: { control: CPR_CONTROL.isoHost, iso: 0x01 },
    encodeCommand: (c) => Uint8Array.of(MODE.nonAddressed | (c.more ? MODE.more : 0)),
    decodeCommand: (r) =>
      (r.u8("MODE") & MODE.more) !== 0 ? { kind: "inventory", more: true } : { kind: "inventory" },
    encodeResponse: (resp) => {
      if (resp.status === CPR_STATUS_NO_TRANSPONDER) return new Uint8Array(0);
      checkInteger(resp.tags.length, 0, 255, "tag count");
      return concatBytes(
        [resp.tags.length],
        ...resp.tags.map((t) =>
          concatBytes(
            [checkInteger(t.transponderType, 0, 255, "transponderType"), checkInteger(t.dsfid, 0, 255, "dsfid")],
            uidToBytes(t.uid),
          ),
        ),
      );
    },
    decodeResponse: (r, _req, status) => {
      if (status === CPR_STATUS_NO_TRANSPONDER) return { tags: [], moreData: false };
      const count = r.u8("DATA-SETS");
      const tags = Array.from({ length: count }, () => {
        const transponderType = r.u8("TR-TYPE");
        if (transponderType !== CPR_TR_TYPE_ISO15693) {
          throw new RfidError(
            "RFID_UNSUPPORTED",
            `CPR-M02 inventory record of transponder type 0x${transponderType.toString(16)}; only ISO 15693 (0x03) is decoded`,
            {
              offset: r.offset - 1,
            },
          );
        }
        return { transponderType, dsfid: r.u8("DSFID"), uid: readUid(r) };
      });
      return { tags, moreData: status === CPR_STATUS_MORE_DATA };
    },
  },
  getSystemInfo: {
    route: { control: CPR_CONTROL.isoHost, iso: 0x2b },
    encodeCommand: (c) => concatBytes([MODE.addressed], uidToBytes(c.uid)),
    decodeCommand: (r) => {
      addressedMode(r);
      return { kind: "getSystemInfo", uid: readUid(r) };
    },
    // MEM-SIZE is presented most significant first: (block size - 1) in bits 0-4, then (blocks - 1).
    encodeResponse: (resp) =>
      concatBytes([checkInteger(resp.dsfid, 0, 255, "dsfid")], uidToBytes(resp.uid), [
        checkInteger(resp.afi, 0, 255, "afi"),
        checkInteger(resp.blockSize, 1, 32, "blockSize") - 1,
        checkInteger(resp.blockCount, 1, 256, "blockCount") - 1,
        checkInteger(resp.icReference, 0, 255, "icReference"),
      ]),
    decodeResponse: (r) => ({
      dsfid: r.u8("DSFID"),
      uid: readUid(r),
      afi: r.u8("AFI"),
      blockSize: (r.u8("MEM-SIZE block size") & 0x1f) + 1,
      blockCount: r.u8("MEM-SIZE block count") + 1,
      icReference: r.u8("IC-REF"),
    }),
  },
  readBlocks: {
    route: { control: CPR_CONTROL.isoHost, iso: 0x23 },
    encodeCommand: (c) =>
      concatBytes([MODE.addressed | (c.withSecurity ? MODE.withSecurity : 0)], uidToBytes(c.uid), [
        checkInteger(c.firstBlock, 0, 255, "firstBlock"),
        checkInteger(c.count, 1, 255, "count"),
      ]),
    decodeCommand: (r) => {
      const mode = addressedMode(r);
      const cmd = { kind: "readBlocks" as const, uid: readUid(r), firstBlock: r.u8("DB-ADR"), count: r.u8("DB-N") };
      return mode & MODE.withSecurity ? { ...cmd, withSecurity: true } : cmd;
    },
    encodeResponse: (resp) => {
      const size = resp.blocks[0]?.data.length ?? 4;
      if (resp.blocks.some((b) => b.data.length !== size))
        throw new RfidError("RFID_ENCODE", "CPR-M02 blocks in one response must all have the same size");
      return concatBytes(
        [checkInteger(resp.blocks.length, 0, 255, "DB-N"), checkInteger(size, 1, 32, "DB-SIZE")],
        ...resp.blocks.map((b) =>
          concatBytes([checkInteger(b.security, 0, 255, "security")], reverseEachBlock(b.data, size)),
        ),
      );
    },
    decodeResponse: (r, req) => {
      const count = r.u8("DB-N");
      const size = r.u8("DB-SIZE");
      if (size === 0 && count > 0) throw r.error("CPR-M02 read response with zero block size");
      const blocks = Array.from({ length: count }, (_, i) => ({
        index: req.firstBlock + i,
        security: r.u8("SEC-STATUS"),
        data: reverseEachBlock(r.take(size, "DB"), size),
      }));
      return { blocks };
    },
  },
  writeBlocks: {
    route: { control: CPR_CONTROL.isoHost, iso: 0x24 },
    encodeCommand: (c) => {
      const size = checkInteger(c.blockSize, 1, 32, "blockSize");
      if (c.data.length === 0 || c.data.length % size !== 0) {
        throw new RfidError(
          "RFID_ENCODE",
          `CPR-M02 writes whole blocks; ${c.data.length} bytes is not a multiple of ${size}`,
          {
            length: c.data.length,
          },
        );
      }
      return concatBytes(
        [MODE.addressed],
        uidToBytes(c.uid),
        [checkInteger(c.firstBlock, 0, 255, "firstBlock"), checkInteger(c.data.length / size, 1, 255, "DB-N"), size],
        reverseEachBlock(c.data, size),
      );
    },
    decodeCommand: (r) => {
      addressedMode(r);
      const uid = readUid(r);
      const firstBlock = r.u8("DB-ADR");
      const count = r.u8("DB-N");
      const blockSize = r.u8("DB-SIZE");
      if (count === 0 || blockSize === 0) throw r.error("CPR-M02 write with zero blocks or zero block size");
      return {
        kind: "writeBlocks",
        uid,
        firstBlock,
        blockSize,
        data: reverseEachBlock(r.take(count * blockSize, "DB"), blockSize),
      };
    },
    encodeResponse: () => new Uint8Array(0),
    decodeResponse: () => ({}),
  },
  // [0xB0][0x22] Lock Multiple Blocks: MODE, UID, DB-ADR, DB-N (FEIG ISC SDK, FedmIscTagHandler_ISO15693
  // LockMultipleBlocks(firstDataBlock, noOfDataBlocks), docs.ros.org rfid_drivers); locks are permanent.
  lockBlocks: {
    route: { control: CPR_CONTROL.isoHost, iso: 0x22 },
    encodeCommand: (c) =>
      concatBytes([MODE.addressed], uidToBytes(c.uid), [
        checkInteger(c.firstBlock, 0, 255, "firstBlock"),
        checkInteger(c.count, 1, 255, "count"),
      ]),
    decodeCommand: (r) => {
      addressedMode(r);
      return { kind: "lockBlocks", uid: readUid(r), firstBlock: r.u8("DB-ADR"), count: r.u8("DB-N") };
    },
    encodeResponse: () => new Uint8Array(0),
    decodeResponse: () => ({}),
  },
  writeAfi: {
    route: { control: CPR_CONTROL.isoHost, iso: 0x27 },
    encodeCommand: (c) => concatBytes([MODE.addressed], uidToBytes(c.uid), [checkInteger(c.afi, 0, 255, "afi")]),
    decodeCommand: (r) => {
      addressedMode(r);
      return { kind: "writeAfi", uid: readUid(r), afi: r.u8("AFI") };
    },
    encodeResponse: () => new Uint8Array(0),
    decodeResponse: () => ({}),
  },
  lockAfi: uidOnly("lockAfi", { control: CPR_CONTROL.isoHost, iso: 0x28 }),
  writeDsfid: {
    route: { control: CPR_CONTROL.isoHost, iso: 0x29 },
    encodeCommand: (c) => concatBytes([MODE.addressed], uidToBytes(c.uid), [checkInteger(c.dsfid, 0, 255, "dsfid")]),
    decodeCommand: (r) => {
      addressedMode(r);
      return { kind: "writeDsfid", uid: readUid(r), dsfid: r.u8("DSFID") };
    },
    encodeResponse: () => new Uint8Array(0),
    decodeResponse: () => ({}),
  },
  lockDsfid: uidOnly("lockDsfid", { control: CPR_CONTROL.isoHost, iso: 0x2a }),
  setEas: uidOnly("setEas", { control: CPR_CONTROL.isoCustom, nxp: 0xa2 }),
  resetEas: uidOnly("resetEas", { control: CPR_CONTROL.isoCustom, nxp: 0xa3 }),
  lockEas: uidOnly("lockEas", { control: CPR_CONTROL.isoCustom, nxp: 0xa4 }),
  easAlarm: uidOnly("easAlarm", { control: CPR_CONTROL.isoCustom, nxp: 0xa5 }),
};

const SPEC_LIST = Object.entries(SPECS) as [CprCommandKind, MessageSpec<CprCommandKind>][];

function spec<K extends CprCommandKind>(kind: K): MessageSpec<K> {
  return SPECS[kind] as MessageSpec<K>;
}

function routePrefix(route: Route): number[] {
  if (route.iso !== undefined) return [route.iso];
  if (route.nxp !== undefined) return [CPR_MFR_NXP, route.nxp];
  return [];
}

/** Host side: the bytes to send (address defaults to broadcast 0xFF, as Biblio-RFID uses). */
export function encodeCprCommand(cmd: CprCommand): Uint8Array {
  const s = spec(cmd.kind);
  const body = (s.encodeCommand as (c: CprCommand) => Uint8Array)(cmd);
  return encodeCprFrame({
    address: cmd.address ?? CPR_BROADCAST_ADDRESS,
    command: s.route.control,
    body: concatBytes(routePrefix(s.route), body),
  });
}

/** Reader side: which command a host frame carries. */
export function decodeCprCommand(frame: CprFrame): CprCommand {
  const r = new ByteReader(frame.body, "CPR-M02 command", "RFID_UNKNOWN_COMMAND", 3);
  let sub: number | undefined;
  let nxp: number | undefined;
  if (frame.command === CPR_CONTROL.isoHost) sub = r.u8("ISO command");
  if (frame.command === CPR_CONTROL.isoCustom) {
    const mfr = r.u8("MFR");
    if (mfr !== CPR_MFR_NXP) {
      throw new RfidError(
        "RFID_UNSUPPORTED",
        `CPR-M02 custom command for manufacturer 0x${mfr.toString(16)}; only NXP (0x04) is known`,
        { mfr },
      );
    }
    nxp = r.u8("NXP command");
  }
  const found = SPEC_LIST.find(
    ([, s]) => s.route.control === frame.command && s.route.iso === sub && s.route.nxp === nxp,
  );
  if (!found) {
    throw new RfidError(
      "RFID_UNKNOWN_COMMAND",
      `CPR-M02 command 0x${frame.command.toString(16)}${sub === undefined ? "" : ` / 0x${sub.toString(16)}`}${nxp === undefined ? "" : ` / 0x${nxp.toString(16)}`} is not one this codec knows`,
      { command: frame.command },
    );
  }
  const cmd = found[1].decodeCommand(r) as CprCommand;
  r.end();
  return { ...cmd, address: frame.address };
}

/** Statuses after which the reader still sends response data. */
function isSuccess(kind: CprCommandKind, status: number): boolean {
  if (status === CPR_STATUS_OK) return true;
  if (kind === "inventory") return status === CPR_STATUS_MORE_DATA || status === CPR_STATUS_NO_TRANSPONDER;
  if (kind === "easAlarm") return status === CPR_STATUS_NO_TRANSPONDER;
  return false;
}

/** Reader side: the bytes a reader answers with. */
export function encodeCprResponse(resp: CprResponse): Uint8Array {
  const kind = resp.kind === "failed" ? resp.request : resp.kind;
  const s = spec(kind);
  let data: Uint8Array;
  if (resp.kind === "failed") {
    if (isSuccess(kind, resp.status)) {
      throw new RfidError("RFID_ENCODE", `status 0x${resp.status.toString(16)} is not a failure for ${kind}`, {
        status: resp.status,
      });
    }
    data = concatBytes(resp.isoError === undefined ? [] : [checkInteger(resp.isoError, 0, 255, "isoError")], resp.data);
  } else {
    if (!isSuccess(kind, resp.status)) {
      throw new RfidError("RFID_ENCODE", `status 0x${resp.status.toString(16)} needs kind "failed" for ${kind}`, {
        status: resp.status,
      });
    }
    data = (s.encodeResponse as (r: CprResponse) => Uint8Array)(resp);
  }
  return encodeCprFrame({
    address: resp.address,
    command: s.route.control,
    body: concatBytes([checkInteger(resp.status, 0, 255, "status")], data),
  });
}

/** Host side: the typed answer to `request` (FEIG responses do not say which ISO command they answer). */
export function decodeCprResponse(frame: CprFrame, request: CprCommand): CprResponse {
  const s = spec(request.kind);
  if (frame.command !== s.route.control) {
    throw new RfidError(
      "RFID_BAD_RESPONSE",
      `CPR-M02 answer has command 0x${frame.command.toString(16)}, the ${request.kind} request was 0x${s.route.control.toString(16)}: replies are out of step`,
      { expected: s.route.control, actual: frame.command },
    );
  }
  const r = new ByteReader(frame.body, `CPR-M02 ${request.kind} response`, "RFID_BAD_RESPONSE", 3);
  const status = r.u8("STATUS");
  const head = { address: frame.address, status };
  if (!isSuccess(request.kind, status)) {
    const failed: CprResponse = { ...head, kind: "failed", request: request.kind, data: new Uint8Array(0) };
    if (status === CPR_STATUS_ISO_ERROR && r.remaining > 0) failed.isoError = r.u8("ISO error");
    failed.data = r.rest().slice();
    return failed;
  }
  const data = (s.decodeResponse as (r: ByteReader, q: CprCommand, st: number) => object)(r, request, status);
  r.end();
  return { ...head, kind: request.kind, ...data } as CprResponse;
}

/** Human-readable status for logs and staff diagnostics. */
export function describeCprStatus(status: number): string {
  return CPR_STATUS[status] ?? `unknown status 0x${status.toString(16).padStart(2, "0")}`;
}
