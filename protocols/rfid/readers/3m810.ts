/**
 * 3M 810 library RFID reader (also sold as 3M/Bibliotheca staff pad), host protocol as reverse
 * engineered in dpavlin/Biblio-RFID (lib/Biblio/RFID/Reader/3M810.pm and the 3m-810.pl capture script)
 * and checked against a live capture in dpavlin/koha-rfid-3m810-js (tests/fixtures/live-capture.txt).
 *
 * Frame:  start (0xD6; 0xD5 for the version probe) | length (2 bytes, big-endian: bytes after it)
 *         | command | body | CRC-16/GENIBUS over length..body, big-endian.
 * Responses repeat the command byte, then a status byte (0x00 ok, 0x06 failed), then data.
 * The 3M 810 has no EAS commands in any public driver: use AFI security with this reader.
 */
import { ByteReader, bytesEqual, checkInteger, concatBytes } from "../bytes.ts";
import { crc16Genibus } from "../crc.ts";
import { RfidError } from "../errors.ts";
import { type Uid, uidFromBytes, uidToBytes } from "../iso15693.ts";
import { type FrameFormat, FrameParser, type FrameParserOptions } from "./framing.ts";

export const M810_SERIAL = { baudRate: 19200, dataBits: 8, parity: "none", stopBits: 1 } as const;
export const M810_START = { frame: 0xd6, probe: 0xd5 } as const;
export const M810_STATUS = { ok: 0x00, failed: 0x06 } as const;
/** Block size fixed by the protocol: read responses carry 4 data bytes per block. */
export const M810_BLOCK_SIZE = 4;
/**
 * The longest frame the protocol makes: an inventory answer listing 255 UIDs (its count is one byte):
 * start, length (2), command, status, AFI, response options, count, 8 bytes per UID, CRC (2).
 */
export const M810_MAX_FRAME = 10 + 255 * 8;
const HEADER = 3;
const CRC_LENGTH = 2;

export interface M810Frame {
  start: number;
  command: number;
  body: Uint8Array;
}

export function encodeM810Frame(frame: M810Frame): Uint8Array {
  const length = 1 + frame.body.length + CRC_LENGTH;
  const out = new Uint8Array(HEADER + length);
  out[0] = frame.start;
  out[1] = length >> 8;
  out[2] = length & 0xff;
  out[3] = frame.command;
  out.set(frame.body, 4);
  const crc = crc16Genibus(out, 1, out.length - CRC_LENGTH);
  out[out.length - 2] = crc >> 8;
  out[out.length - 1] = crc & 0xff;
  return out;
}

/** Decodes exactly one frame; throws RFID_FRAME_* errors with the offending offset. */
export function decodeM810Frame(bytes: Uint8Array): M810Frame {
  const start = bytes[0];
  if (start !== M810_START.frame && start !== M810_START.probe) {
    throw new RfidError(
      "RFID_FRAME_BAD_START",
      `3M 810 frame starts with 0xD6 or 0xD5, got 0x${(start ?? 0).toString(16)}`,
      {
        offset: 0,
      },
    );
  }
  if (bytes.length < HEADER + 1 + CRC_LENGTH) {
    throw new RfidError(
      "RFID_FRAME_TRUNCATED",
      `3M 810 frame of ${bytes.length} bytes is shorter than the 6-byte minimum`,
      {
        length: bytes.length,
      },
    );
  }
  const announced = ((bytes[1] as number) << 8) | (bytes[2] as number);
  if (announced !== bytes.length - HEADER) {
    throw new RfidError(
      "RFID_FRAME_BAD_LENGTH",
      `3M 810 length field says ${announced} bytes follow, frame has ${bytes.length - HEADER}`,
      {
        offset: 1,
        expected: announced,
        actual: bytes.length - HEADER,
      },
    );
  }
  const expected = crc16Genibus(bytes, 1, bytes.length - CRC_LENGTH);
  const actual = ((bytes[bytes.length - 2] as number) << 8) | (bytes[bytes.length - 1] as number);
  if (expected !== actual) {
    throw new RfidError(
      "RFID_FRAME_CRC",
      `3M 810 CRC is 0x${actual.toString(16)}, computed 0x${expected.toString(16)}: line noise or a cut frame`,
      {
        offset: bytes.length - CRC_LENGTH,
        expected,
        actual,
      },
    );
  }
  return { start, command: bytes[3] as number, body: bytes.slice(4, bytes.length - CRC_LENGTH) };
}

export const M810_FRAME_FORMAT: FrameFormat<M810Frame> = {
  family: "3M 810",
  minFrameLength: HEADER + 1 + CRC_LENGTH,
  maxFrameLength: M810_MAX_FRAME,
  headerLength: HEADER,
  isStart: (b) => b === M810_START.frame || b === M810_START.probe,
  frameLength: (buf, start) => HEADER + (((buf[start + 1] as number) << 8) | (buf[start + 2] as number)),
  decodeFrame: decodeM810Frame,
};

export function createM810FrameParser(options?: FrameParserOptions): FrameParser<M810Frame> {
  return new FrameParser(M810_FRAME_FORMAT, options);
}

// --- typed messages ---

export interface M810Block {
  index: number;
  data: Uint8Array;
}

export type M810Command =
  | { kind: "version" }
  /** Sent by 3M software at start-up; purpose unknown (Biblio-RFID: "FIXME: stats? rf-on?"). */
  | { kind: "setup" }
  | { kind: "inventory" }
  | { kind: "readBlocks"; uid: Uid; firstBlock: number; count: number }
  | { kind: "writeBlocks"; uid: Uid; firstBlock: number; data: Uint8Array }
  | { kind: "readAfi"; uid: Uid }
  | { kind: "writeAfi"; uid: Uid; afi: number };
export type M810CommandKind = M810Command["kind"];

export type M810Response =
  | { kind: "version"; hardwareVersion: string }
  | { kind: "setup"; data: Uint8Array }
  | { kind: "inventory"; uids: Uid[] }
  | { kind: "readBlocks"; uid: Uid; blocks: M810Block[] }
  | { kind: "writeBlocks"; uid: Uid; count: number }
  | { kind: "readAfi"; uid: Uid; afi: number }
  | { kind: "writeAfi"; uid: Uid }
  /** Status other than 0x00 (0x06 when the tag left the field or did not answer). */
  | { kind: "failed"; request: M810CommandKind; status: number; uid?: Uid; data: Uint8Array };

type CommandOf<K extends M810CommandKind> = Extract<M810Command, { kind: K }>;
type ResponseOf<K extends M810CommandKind> = Extract<M810Response, { kind: K }>;

/** Fixed parameter bytes as the 3M software sends them (Biblio-RFID captures). */
const VERSION_PARAMS = Uint8Array.of(0x00, 0x11);
const SETUP_PARAMS = Uint8Array.of(0x04, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04, 0x00);
const INVENTORY_PARAMS = Uint8Array.of(0x00, 0x05);

interface MessageSpec<K extends M810CommandKind> {
  start: number;
  code: number;
  /** Failure responses carry the tag UID after the status byte. */
  addressed: boolean;
  encodeCommand(cmd: CommandOf<K>): Uint8Array;
  decodeCommand(r: ByteReader): CommandOf<K>;
  encodeResponse(resp: ResponseOf<K>): Uint8Array;
  decodeResponse(r: ByteReader): ResponseOf<K>;
}

const uid = (r: ByteReader) => uidFromBytes(r.take(8, "UID"));

/** Commands whose parameters are always the same bytes. */
function fixedCommand<K extends "version" | "setup" | "inventory">(kind: K, params: Uint8Array) {
  return {
    encodeCommand: () => params,
    decodeCommand: (r: ByteReader) => {
      const got = r.take(params.length, `${kind} parameters`);
      if (!bytesEqual(got, params)) throw r.error(`3M 810 ${kind} parameters differ from those the 3M software sends`);
      return { kind } as CommandOf<K>;
    },
  };
}

function blockData(data: Uint8Array): Uint8Array {
  if (data.length === 0 || data.length % M810_BLOCK_SIZE !== 0) {
    throw new RfidError(
      "RFID_ENCODE",
      `3M 810 writes whole 4-byte blocks; ${data.length} bytes is not a multiple of 4`,
      {
        length: data.length,
      },
    );
  }
  return data;
}

const SPECS: { [K in M810CommandKind]: MessageSpec<K> } = {
  version: {
    start: M810_START.probe,
    code: 0x04,
    addressed: false,
    ...fixedCommand("version", VERSION_PARAMS),
    encodeResponse: (resp) => {
      const parts = resp.hardwareVersion.split(".").map(Number);
      if (parts.length !== 4)
        throw new RfidError(
          "RFID_ENCODE",
          `hardware version "${resp.hardwareVersion}" must be four numbers like 10.5.0.2`,
        );
      return Uint8Array.of(0x11, ...parts.map((p) => checkInteger(p, 0, 255, "hardware version part")));
    },
    decodeResponse: (r) => {
      r.u8("version echo");
      return { kind: "version", hardwareVersion: Array.from(r.take(4, "hardware version")).join(".") };
    },
  },
  setup: {
    start: M810_START.frame,
    code: 0x13,
    addressed: false,
    ...fixedCommand("setup", SETUP_PARAMS),
    encodeResponse: (resp) => resp.data,
    decodeResponse: (r) => ({ kind: "setup", data: r.rest().slice() }),
  },
  inventory: {
    start: M810_START.frame,
    code: 0xfe,
    addressed: false,
    ...fixedCommand("inventory", INVENTORY_PARAMS),
    encodeResponse: (resp) => {
      checkInteger(resp.uids.length, 0, 255, "tag count");
      return concatBytes(INVENTORY_PARAMS, [resp.uids.length], ...resp.uids.map((u) => uidToBytes(u)));
    },
    decodeResponse: (r) => {
      r.take(2, "inventory parameters");
      const count = r.u8("tag count");
      return { kind: "inventory", uids: Array.from({ length: count }, () => uid(r)) };
    },
  },
  readBlocks: {
    start: M810_START.frame,
    code: 0x02,
    addressed: true,
    encodeCommand: (c) =>
      concatBytes(uidToBytes(c.uid), [
        checkInteger(c.firstBlock, 0, 255, "firstBlock"),
        checkInteger(c.count, 1, 255, "count"),
      ]),
    decodeCommand: (r) => ({
      kind: "readBlocks",
      uid: uid(r),
      firstBlock: r.u8("first block"),
      count: r.u8("block count"),
    }),
    encodeResponse: (resp) => {
      checkInteger(resp.blocks.length, 0, 255, "block count");
      return concatBytes(
        uidToBytes(resp.uid),
        [resp.blocks.length],
        ...resp.blocks.map((b) => {
          if (b.data.length !== M810_BLOCK_SIZE)
            throw new RfidError("RFID_ENCODE", `3M 810 blocks are 4 bytes, block ${b.index} has ${b.data.length}`);
          const index = checkInteger(b.index, 0, 0xffff, "block index");
          return concatBytes([index & 0xff, index >> 8], b.data);
        }),
      );
    },
    // Block numbers are little-endian 16-bit (Biblio-RFID: unpack 'v').
    decodeResponse: (r) => {
      const tag = uid(r);
      const count = r.u8("block count");
      const blocks = Array.from({ length: count }, () => ({
        index: r.u16le("block number"),
        data: r.take(4, "block data").slice(),
      }));
      return { kind: "readBlocks", uid: tag, blocks };
    },
  },
  writeBlocks: {
    start: M810_START.frame,
    code: 0x04,
    addressed: true,
    // UID, first block, block count, a zero byte, data (3m-810.pl: "04 UID 00 07 00 <28 bytes>").
    encodeCommand: (c) => {
      const data = blockData(c.data);
      return concatBytes(
        uidToBytes(c.uid),
        [
          checkInteger(c.firstBlock, 0, 255, "firstBlock"),
          checkInteger(data.length / M810_BLOCK_SIZE, 1, 255, "block count"),
          0x00,
        ],
        data,
      );
    },
    decodeCommand: (r) => {
      const tag = uid(r);
      const firstBlock = r.u8("first block");
      const count = r.u8("block count");
      r.u8("reserved byte");
      const data = r.take(count * M810_BLOCK_SIZE, "block data").slice();
      if (count === 0) throw r.error("3M 810 write with zero blocks");
      return { kind: "writeBlocks", uid: tag, firstBlock, data };
    },
    encodeResponse: (resp) => concatBytes(uidToBytes(resp.uid), [checkInteger(resp.count, 0, 255, "block count")]),
    decodeResponse: (r) => ({ kind: "writeBlocks", uid: uid(r), count: r.u8("block count") }),
  },
  readAfi: {
    start: M810_START.frame,
    code: 0x0a,
    addressed: true,
    encodeCommand: (c) => uidToBytes(c.uid),
    decodeCommand: (r) => ({ kind: "readAfi", uid: uid(r) }),
    encodeResponse: (resp) => concatBytes(uidToBytes(resp.uid), [checkInteger(resp.afi, 0, 255, "afi")]),
    decodeResponse: (r) => ({ kind: "readAfi", uid: uid(r), afi: r.u8("AFI") }),
  },
  writeAfi: {
    start: M810_START.frame,
    code: 0x09,
    addressed: true,
    encodeCommand: (c) => concatBytes(uidToBytes(c.uid), [checkInteger(c.afi, 0, 255, "afi")]),
    decodeCommand: (r) => ({ kind: "writeAfi", uid: uid(r), afi: r.u8("AFI") }),
    encodeResponse: (resp) => uidToBytes(resp.uid),
    decodeResponse: (r) => ({ kind: "writeAfi", uid: uid(r) }),
  },
};

const SPEC_LIST = Object.entries(SPECS) as [M810CommandKind, MessageSpec<M810CommandKind>][];

function specFor(frame: M810Frame): [M810CommandKind, MessageSpec<M810CommandKind>] {
  const found = SPEC_LIST.find(([, s]) => s.start === frame.start && s.code === frame.command);
  if (!found) {
    throw new RfidError(
      "RFID_UNKNOWN_COMMAND",
      `3M 810 command 0x${frame.command.toString(16).padStart(2, "0")} after start 0x${frame.start.toString(16)} is not one this codec knows`,
      { command: frame.command, start: frame.start },
    );
  }
  return found;
}

function spec<K extends M810CommandKind>(kind: K): MessageSpec<K> {
  return SPECS[kind] as MessageSpec<K>;
}

/** Reads a message body; a malformed command is an unknown command, a malformed reply a bad response. */
function messageReader(frame: M810Frame, kind: M810CommandKind, direction: "command" | "response"): ByteReader {
  const code = direction === "command" ? "RFID_UNKNOWN_COMMAND" : "RFID_BAD_RESPONSE";
  return new ByteReader(frame.body, `3M 810 ${kind} ${direction}`, code, 4);
}

/** Host side: the bytes to send for a command. */
export function encodeM810Command(cmd: M810Command): Uint8Array {
  const s = spec(cmd.kind);
  return encodeM810Frame({
    start: s.start,
    command: s.code,
    body: (s.encodeCommand as (c: M810Command) => Uint8Array)(cmd),
  });
}

/** Reader side: which command a frame from the host is. */
export function decodeM810Command(frame: M810Frame): M810Command {
  const [kind, s] = specFor(frame);
  const r = messageReader(frame, kind, "command");
  const cmd = s.decodeCommand(r);
  r.end();
  return cmd;
}

/** Reader side: the bytes a reader answers with. */
export function encodeM810Response(resp: M810Response): Uint8Array {
  if (resp.kind === "failed") {
    const s = spec(resp.request);
    checkInteger(resp.status, 1, 255, "failure status");
    const uidBytes = resp.uid === undefined ? [] : uidToBytes(resp.uid);
    return encodeM810Frame({ start: s.start, command: s.code, body: concatBytes([resp.status], uidBytes, resp.data) });
  }
  const s = spec(resp.kind);
  const body = (s.encodeResponse as (r: M810Response) => Uint8Array)(resp);
  return encodeM810Frame({ start: s.start, command: s.code, body: concatBytes([M810_STATUS.ok], body) });
}

/** Host side: the typed answer in a frame from the reader (3M responses name their command). */
export function decodeM810Response(frame: M810Frame): M810Response {
  const [kind, s] = specFor(frame);
  const r = messageReader(frame, kind, "response");
  const status = r.u8("status");
  if (status !== M810_STATUS.ok) {
    const failed: M810Response = { kind: "failed", request: kind, status, data: new Uint8Array(0) };
    if (s.addressed && r.remaining >= 8) failed.uid = uid(r);
    failed.data = r.rest().slice();
    return failed;
  }
  const resp = s.decodeResponse(r);
  r.end();
  return resp;
}
