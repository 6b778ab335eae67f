import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, concatBytes, hexToBytes } from "../../../../protocols/rfid/bytes.ts";
import { RfidError } from "../../../../protocols/rfid/errors.ts";
import { uidFromBytes } from "../../../../protocols/rfid/iso15693.ts";
import {
  type CprCommand,
  type CprResponse,
  createCprFrameParser,
  decodeCprCommand,
  decodeCprFrame,
  decodeCprResponse,
  describeCprStatus,
  encodeCprCommand,
  encodeCprFrame,
  encodeCprResponse,
} from "../../../../protocols/rfid/readers/cpr-m02.ts";
import { feedInChunks } from "./chunked.ts";

const UID = "E00401003123AA26";
const h = (s: string) => hexToBytes(s);
const hex = (b: Uint8Array) => bytesToHex(b, " ");
const norm = (s: string) => s.toUpperCase().replace(/\s+/g, " ").trim();
/** RFID501 block 0 and "1302" in tag memory order; the reader sends each block reversed. */
const MEMORY = h("04 11 00 01 31 33 30 32");

/**
 * Frames computed by a Python port of the CRC C example in FEIG's ISC manuals (LEN counts the whole
 * frame, CRC LSB first; ../goldens/feig_frames.py); the command bytes are those Biblio-RFID's CPRM02.pm sends.
 */
const COMMANDS: [string, CprCommand][] = [
  ["06 ff 52 00 0f 6e", { kind: "baudRateDetection" }],
  ["05 ff 65 e5 cb", { kind: "softwareVersion" }],
  ["06 ff 66 00 cd bf", { kind: "readerInfo", mode: 0 }],
  ["05 ff 69 89 01", { kind: "rfReset" }],
  ["07 ff b0 01 00 1c 56", { kind: "inventory" }],
  // MODE bit 7 asks for the tags that did not fit the previous answer (CRC computed with python3).
  ["07 ff b0 01 80 14 d2", { kind: "inventory", more: true }],
  ["0f ff b0 2b 01 e0 04 01 00 31 23 aa 26 4c 6e", { kind: "getSystemInfo", uid: UID }],
  ["11 ff b0 23 01 e0 04 01 00 31 23 aa 26 00 04 0d 62", { kind: "readBlocks", uid: UID, firstBlock: 0, count: 4 }],
  [
    "11 ff b0 23 09 e0 04 01 00 31 23 aa 26 03 01 62 a3",
    { kind: "readBlocks", uid: UID, firstBlock: 3, count: 1, withSecurity: true },
  ],
  ["10 ff b0 27 01 e0 04 01 00 31 23 aa 26 07 75 57", { kind: "writeAfi", uid: UID, afi: 0x07 }],
  [
    "1a ff b0 24 01 e0 04 01 00 31 23 aa 26 00 02 04 01 00 11 04 32 30 33 31 9f 04",
    { kind: "writeBlocks", uid: UID, firstBlock: 0, blockSize: 4, data: MEMORY },
  ],
  ["10 ff b1 04 a2 01 e0 04 01 00 31 23 aa 26 a1 76", { kind: "setEas", uid: UID }],
  ["10 ff b1 04 a3 01 e0 04 01 00 31 23 aa 26 86 5a", { kind: "resetEas", uid: UID }],
];

const withAddress = (c: CprCommand): CprCommand => ({ address: 0xff, ...c });

const RESPONSES: [string, CprCommand, CprResponse][] = [
  [
    "1b ff b0 00 02 03 06 e0 04 01 00 31 23 aa 26 03 00 e0 04 01 00 01 7c 0c 38 86 0e",
    { kind: "inventory" },
    {
      address: 0xff,
      status: 0,
      kind: "inventory",
      moreData: false,
      tags: [
        { transponderType: 3, dsfid: 6, uid: UID },
        { transponderType: 3, dsfid: 0, uid: "E0040100017C0C38" },
      ],
    },
  ],
  [
    "06 ff b0 01 af a5",
    { kind: "inventory" },
    { address: 0xff, status: 1, kind: "inventory", moreData: false, tags: [] },
  ],
  [
    "13 ff b0 00 06 e0 04 01 00 31 23 aa 26 c2 03 1b 01 aa 00",
    { kind: "getSystemInfo", uid: UID },
    {
      address: 0xff,
      status: 0,
      kind: "getSystemInfo",
      dsfid: 6,
      uid: UID,
      afi: 0xc2,
      blockSize: 4,
      blockCount: 28,
      icReference: 1,
    },
  ],
  [
    "12 ff b0 00 02 04 00 01 00 11 04 00 32 30 33 31 5f 9e",
    { kind: "readBlocks", uid: UID, firstBlock: 0, count: 2 },
    {
      address: 0xff,
      status: 0,
      kind: "readBlocks",
      blocks: [
        { index: 0, security: 0, data: MEMORY.subarray(0, 4) },
        { index: 1, security: 0, data: MEMORY.subarray(4) },
      ],
    },
  ],
  [
    "0d ff b0 00 01 04 01 dd cc bb aa ec 27",
    { kind: "readBlocks", uid: UID, firstBlock: 3, count: 1, withSecurity: true },
    { address: 0xff, status: 0, kind: "readBlocks", blocks: [{ index: 3, security: 1, data: h("AA BB CC DD") }] },
  ],
  [
    "06 ff b0 00 26 b4",
    { kind: "writeBlocks", uid: UID, firstBlock: 0, blockSize: 4, data: MEMORY },
    { address: 0xff, status: 0, kind: "writeBlocks" },
  ],
  ["06 ff b1 00 fe ad", { kind: "setEas", uid: UID }, { address: 0xff, status: 0, kind: "setEas" }],
  [
    "07 ff b0 95 0f d6 d0",
    { kind: "writeAfi", uid: UID, afi: 7 },
    { address: 0xff, status: 0x95, kind: "failed", request: "writeAfi", isoError: 0x0f, data: new Uint8Array(0) },
  ],
  [
    "0d ff 65 00 02 05 00 41 00 00 08 c9 a1",
    { kind: "softwareVersion" },
    { address: 0xff, status: 0, kind: "softwareVersion", firmware: "2.5", data: h("02 05 00 41 00 00 08") },
  ],
];

describe("CPR-M02 messages", () => {
  it.each(COMMANDS)("encodes and decodes host frame %s", (frameHex, cmd) => {
    expect(hex(encodeCprCommand(cmd))).toBe(norm(frameHex));
    expect(decodeCprCommand(decodeCprFrame(h(frameHex)))).toEqual(withAddress(cmd));
  });

  it.each(RESPONSES)("encodes and decodes reader frame %s", (frameHex, request, resp) => {
    expect(decodeCprResponse(decodeCprFrame(h(frameHex)), request)).toEqual(resp);
    expect(hex(encodeCprResponse(resp))).toBe(norm(frameHex));
  });

  it("reads EAS alarm answers: status 0 alarms, a silent tag does not", () => {
    const req: CprCommand = { kind: "easAlarm", uid: UID };
    const alarm = encodeCprResponse({ address: 1, status: 0, kind: "easAlarm", alarm: true });
    const silent = encodeCprResponse({ address: 1, status: 1, kind: "easAlarm", alarm: false });
    expect(decodeCprResponse(decodeCprFrame(alarm), req)).toMatchObject({ kind: "easAlarm", alarm: true });
    expect(decodeCprResponse(decodeCprFrame(silent), req)).toMatchObject({ kind: "easAlarm", alarm: false });
  });

  it("rejects replies that are out of step and malformed messages with typed errors", () => {
    const sysInfo = decodeCprFrame(h("13 ff b0 00 06 e0 04 01 00 31 23 aa 26 c2 03 1b 01 aa 00"));
    expect(() => decodeCprResponse(sysInfo, { kind: "softwareVersion" })).toThrow(
      expect.objectContaining({ code: "RFID_BAD_RESPONSE" }),
    );
    expect(() => decodeCprResponse(sysInfo, { kind: "writeAfi", uid: UID, afi: 1 })).toThrow(
      expect.objectContaining({ code: "RFID_BAD_RESPONSE" }),
    );
    expect(() => decodeCprFrame(h("06 ff b0 00 26 b5"))).toThrow(expect.objectContaining({ code: "RFID_FRAME_CRC" }));
    expect(() => decodeCprFrame(h("07 ff b0 00 26 b4"))).toThrow(
      expect.objectContaining({ code: "RFID_FRAME_BAD_LENGTH" }),
    );
    expect(() => decodeCprFrame(h("04 ff b0"))).toThrow(expect.objectContaining({ code: "RFID_FRAME_TRUNCATED" }));
    const unknownIso = encodeCprFrame({ address: 0xff, command: 0xb0, body: h("99 01") });
    expect(() => decodeCprCommand(decodeCprFrame(unknownIso))).toThrow(
      expect.objectContaining({ code: "RFID_UNKNOWN_COMMAND" }),
    );
    const otherMfr = encodeCprFrame({ address: 0xff, command: 0xb1, body: h("07 a2 01") });
    expect(() => decodeCprCommand(decodeCprFrame(otherMfr))).toThrow(
      expect.objectContaining({ code: "RFID_UNSUPPORTED" }),
    );
    const nonAddressed = encodeCprFrame({ address: 0xff, command: 0xb0, body: h("27 00 07") });
    expect(() => decodeCprCommand(decodeCprFrame(nonAddressed))).toThrow(
      expect.objectContaining({ code: "RFID_UNSUPPORTED" }),
    );
    const otherTransponder = encodeCprFrame({
      address: 0xff,
      command: 0xb0,
      body: h("00 01 04 00 01 02 03 04 05 06 07"),
    });
    expect(() => decodeCprResponse(decodeCprFrame(otherTransponder), { kind: "inventory" })).toThrow(
      expect.objectContaining({ code: "RFID_UNSUPPORTED" }),
    );
    expect(() =>
      encodeCprCommand({ kind: "writeBlocks", uid: UID, firstBlock: 0, blockSize: 4, data: new Uint8Array(6) }),
    ).toThrow(expect.objectContaining({ code: "RFID_ENCODE" }));
    expect(() =>
      encodeCprCommand({ kind: "writeBlocks", uid: UID, firstBlock: 0, blockSize: 4, data: new Uint8Array(252) }),
    ).toThrow(expect.objectContaining({ code: "RFID_ENCODE" }));
    expect(() => encodeCprResponse({ address: 1, status: 0x95, kind: "writeAfi" })).toThrow(
      expect.objectContaining({ code: "RFID_ENCODE" }),
    );
  });

  it("describes status bytes for people", () => {
    expect(describeCprStatus(0x01)).toBe("no transponder in the field");
    expect(describeCprStatus(0x7e)).toBe("unknown status 0x7e");
  });
});

describe("CPR-M02 frame parser", () => {
  const stream = concatBytes(...RESPONSES.map(([f]) => h(f)));

  it("finds every frame however the stream is chunked", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 40 }), (cuts) => {
        const parser = createCprFrameParser();
        const { frames, errors } = feedInChunks(parser, stream, cuts);
        expect(errors).toEqual([]);
        expect(frames.map((f, i) => decodeCprResponse(f, RESPONSES[i]?.[1] as CprCommand))).toEqual(
          RESPONSES.map(([, , r]) => r),
        );
      }),
      { numRuns: 100 },
    );
  });

  it("resynchronises past garbage that looks like a long frame", () => {
    const parser = createCprFrameParser();
    const good = h("06 ff b0 00 26 b4");
    const first = parser.feed(concatBytes(h("f0 01 02"), good));
    expect(first.frames).toHaveLength(1);
    expect(first.errors.map((e) => e.code)).toEqual(["RFID_FRAME_TRUNCATED"]);
    expect(first.errors[0]?.details).toMatchObject({ streamOffset: 0, length: 3 });
    const second = parser.feed(concatBytes(h("06 ff b0 00 26 b5"), good));
    expect(second.frames).toHaveLength(1);
    expect(second.errors[0]?.code).toBe("RFID_FRAME_CRC");
  });

  it("never throws, reports only RfidErrors and stays under its buffer limit", () => {
    const parser = createCprFrameParser();
    const mutated = fc.tuple(fc.nat(stream.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, v]) => {
      const m = stream.slice();
      m[at] = v;
      return m;
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 80 }), mutated), { maxLength: 6 }), (chunks) => {
        for (const chunk of chunks) {
          const { errors } = parser.feed(chunk);
          for (const e of errors) expect(e).toBeInstanceOf(RfidError);
          expect(parser.buffered).toBeLessThan(255);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("CPR-M02 round trips", () => {
  const uid = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => uidFromBytes(b));
  const byte = fc.integer({ min: 0, max: 255 });
  const address = fc.integer({ min: 0, max: 255 });
  const uidKinds = ["getSystemInfo", "lockAfi", "lockDsfid", "setEas", "resetEas", "lockEas", "easAlarm"] as const;
  const command: fc.Arbitrary<CprCommand> = fc.oneof(
    fc.record({
      kind: fc.constantFrom(
        "baudRateDetection" as const,
        "softwareVersion" as const,
        "rfReset" as const,
        "inventory" as const,
      ),
      address,
    }),
    fc.record({ kind: fc.constant("readerInfo" as const), mode: byte, address }),
    fc.record({ kind: fc.constantFrom(...uidKinds), uid, address }),
    fc.record(
      {
        kind: fc.constant("readBlocks" as const),
        uid,
        firstBlock: byte,
        count: fc.integer({ min: 1, max: 255 }),
        address,
        withSecurity: fc.constant(true),
      },
      { requiredKeys: ["kind", "uid", "firstBlock", "count", "address"] },
    ),
    fc.record({
      kind: fc.constant("writeBlocks" as const),
      uid,
      firstBlock: byte,
      address,
      blockSize: fc.constantFrom(4, 8),
      data: fc
        .uint8Array({ minLength: 8, maxLength: 8 })
        .chain((seed) =>
          fc
            .integer({ min: 1, max: 20 })
            .map((n) => Uint8Array.from({ length: n * 8 }, (_, i) => seed[i % 8] as number)),
        ),
    }),
    fc.record({
      kind: fc.constant("lockBlocks" as const),
      uid,
      firstBlock: byte,
      count: fc.integer({ min: 1, max: 255 }),
      address,
    }),
    fc.record({ kind: fc.constant("writeAfi" as const), uid, afi: byte, address }),
    fc.record({ kind: fc.constant("writeDsfid" as const), uid, dsfid: byte, address }),
  );

  it("every command survives encode → stream parser → decode", () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 5 }), (cmds) => {
        const { frames, errors } = createCprFrameParser().feed(concatBytes(...cmds.map(encodeCprCommand)));
        expect(errors).toEqual([]);
        expect(frames.map(decodeCprCommand)).toEqual(cmds);
      }),
      { numRuns: 300 },
    );
  });

  /** A plausible answer to each request, built from random parts. */
  const answer = (req: CprCommand): fc.Arbitrary<CprResponse> => {
    const head = { address: 0x01, status: 0 };
    const failed = fc.record({
      address: fc.constant(1),
      status: fc.constantFrom(0x02, 0x03, 0x04, 0x83),
      kind: fc.constant("failed" as const),
      request: fc.constant(req.kind),
      data: fc.uint8Array({ maxLength: 3 }),
    });
    const success: fc.Arbitrary<CprResponse> = (() => {
      switch (req.kind) {
        case "softwareVersion":
          return fc
            .uint8Array({ minLength: 2, maxLength: 9 })
            .map((data) => ({ ...head, kind: "softwareVersion" as const, data, firmware: `${data[0]}.${data[1]}` }));
        case "readerInfo":
          return fc.uint8Array({ maxLength: 30 }).map((data) => ({ ...head, kind: "readerInfo" as const, data }));
        case "inventory":
          return fc
            .record({
              tags: fc.array(fc.record({ transponderType: fc.constant(3), dsfid: byte, uid }), { maxLength: 20 }),
              more: fc.boolean(),
            })
            .map(({ tags, more }) => ({
              address: 1,
              status: more ? 0x94 : 0,
              kind: "inventory" as const,
              tags,
              moreData: more,
            }));
        case "getSystemInfo":
          return fc
            .record({
              dsfid: byte,
              uid,
              afi: byte,
              blockSize: fc.integer({ min: 1, max: 32 }),
              blockCount: fc.integer({ min: 1, max: 256 }),
              icReference: byte,
            })
            .map((r) => ({ ...head, kind: "getSystemInfo" as const, ...r }));
        case "readBlocks": {
          const first = req.firstBlock;
          return fc
            .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 20 }))
            .chain(([size, n]) =>
              fc.array(fc.record({ security: byte, data: fc.uint8Array({ minLength: size, maxLength: size }) }), {
                minLength: n,
                maxLength: n,
              }),
            )
            .map((blocks) => ({
              ...head,
              kind: "readBlocks" as const,
              blocks: blocks.map((b, i) => ({ index: first + i, ...b })),
            }));
        }
        case "easAlarm":
          return fc.boolean().map((alarm) => ({ address: 1, status: alarm ? 0 : 1, kind: "easAlarm" as const, alarm }));
        default:
          return fc.constant({ ...head, kind: req.kind } as CprResponse);
      }
    })();
    return fc.oneof(success, failed);
  };

  it("every response survives encode → stream parser → decode against its request", () => {
    fc.assert(
      fc.property(
        command.chain((req) => answer(req).map((resp) => [req, resp] as const)),
        ([req, resp]) => {
          const { frames, errors } = createCprFrameParser().feed(encodeCprResponse(resp));
          expect(errors).toEqual([]);
          expect(frames).toHaveLength(1);
          expect(decodeCprResponse(frames[0] as never, req)).toEqual(resp);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("any checksum-valid frame decodes against any request or fails with a typed error", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(0x52, 0x65, 0x66, 0x69, 0xb0, 0xb1),
        fc.uint8Array({ maxLength: 40 }),
        command,
        (addr, control, body, req) => {
          const f = decodeCprFrame(encodeCprFrame({ address: addr, command: control, body }));
          for (const decode of [() => decodeCprResponse(f, req), () => decodeCprCommand(f)]) {
            try {
              decode();
            } catch (err) {
              expect(err).toBeInstanceOf(RfidError);
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
