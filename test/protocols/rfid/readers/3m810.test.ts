import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, concatBytes, hexToBytes } from "../../../../protocols/rfid/bytes.ts";
import { RfidError } from "../../../../protocols/rfid/errors.ts";
import { uidFromBytes } from "../../../../protocols/rfid/iso15693.ts";
import {
  createM810FrameParser,
  decodeM810Command,
  decodeM810Frame,
  decodeM810Response,
  encodeM810Command,
  encodeM810Frame,
  encodeM810Response,
  M810_MAX_FRAME,
  type M810Command,
  type M810Response,
} from "../../../../protocols/rfid/readers/3m810.ts";
import { feedInChunks } from "./chunked.ts";

const UID = "E00401003123AA26";
const h = (s: string) => hexToBytes(s);
const frame = (s: string) => decodeM810Frame(h(s));

/** Host → reader frames from dpavlin's 3m-810.pl and koha-rfid-3m810-js live-capture.txt (CRC included). */
const COMMANDS: [string, M810Command][] = [
  ["D5 00 05 04 00 11 8C 66", { kind: "version" }],
  ["D6 00 0C 13 04 01 00 02 00 03 00 04 00 AA F2", { kind: "setup" }],
  ["D6 00 05 FE 00 05 FA 40", { kind: "inventory" }],
  [
    "D6 00 0D 02 E0 04 01 00 31 26 91 17 00 08 4E 9B",
    { kind: "readBlocks", uid: "E004010031269117", firstBlock: 0, count: 8 },
  ],
  ["D6 00 0B 0A E0 04 01 00 31 26 91 17 EC 84", { kind: "readAfi", uid: "E004010031269117" }],
  ["D6 00 0C 09 E0 04 01 00 31 23 AA 26 D7 3A F0", { kind: "writeAfi", uid: UID, afi: 0xd7 }],
  ["D6 00 0C 09 E0 04 01 00 31 23 AA 26 DA EB 5D", { kind: "writeAfi", uid: UID, afi: 0xda }],
  [
    "D6 00 2A 04 E0 04 01 00 31 23 AA 26 00 07 00 04 11 00 01 30 30 30 30 30 30 30 30 30 30 00 00 00 00 00 00 00 00 00 00 00 00 00 00 88 43",
    {
      kind: "writeBlocks",
      uid: UID,
      firstBlock: 0,
      data: concatBytes(h("04110001"), new TextEncoder().encode("0000000000"), new Uint8Array(14)),
    },
  ],
  [
    `D6 00 26 04 E0 04 01 00 31 23 AA 26 00 06 00 ${"55 ".repeat(24)} A9 8B`,
    { kind: "writeBlocks", uid: UID, firstBlock: 0, data: new Uint8Array(24).fill(0x55) },
  ],
];

/** Reader → host frames from the same sources (live-capture CRCs recomputed by ../goldens/check_captures.py). */
const RESPONSES: [string, M810Response][] = [
  ["D5 00 09 04 00 11 0A 05 00 02 72 50", { kind: "version", hardwareVersion: "10.5.0.2" }],
  ["D6 00 0C 13 00 02 01 01 03 02 02 03 00 E7 78", { kind: "setup", data: h("02 01 01 03 02 02 03 00") }],
  ["D6 00 07 FE 00 00 05 00 C9 7B", { kind: "inventory", uids: [] }],
  ["D6 00 0F FE 00 00 05 01 E0 04 01 00 31 23 AA 26 94 1A", { kind: "inventory", uids: [UID] }],
  [
    "D6 00 17 FE 00 00 05 02 E0 04 01 00 31 23 AA 26 E0 04 01 00 01 7C 0C 38 CA DB",
    { kind: "inventory", uids: [UID, "E0040100017C0C38"] },
  ],
  [
    "D6 00 17 FE 00 00 05 02 E0 04 01 00 31 26 91 17 E0 04 01 00 1F 77 FB 98 7C 5B",
    { kind: "inventory", uids: ["E004010031269117", "E00401001F77FB98"] },
  ],
  ["D6 00 0D 0A 00 E0 04 01 00 31 26 91 17 DA 39 EE", { kind: "readAfi", uid: "E004010031269117", afi: 0xda }],
  ["D6 00 0C 09 00 E0 04 01 00 31 23 AA 26 6A 44", { kind: "writeAfi", uid: UID }],
  ["D6 00 0D 04 00 E0 04 01 00 31 23 AA 26 07 CF F1", { kind: "writeBlocks", uid: UID, count: 7 }],
  ["D6 00 0D 04 00 E0 04 01 00 31 23 AA 26 06 DF D0", { kind: "writeBlocks", uid: UID, count: 6 }],
];

const LIVE_READ =
  "D6 00 3D 02 00 E0 04 01 00 31 26 91 17 08 00 00 04 11 00 01 01 00 31 33 30 32 02 00 30 39 39 39 03 00 39 39 00 00 04 00 00 00 00 00 05 00 00 00 00 00 06 00 00 00 00 00 07 00 00 00 00 00 C0 15";

describe("3M 810 messages", () => {
  it.each(COMMANDS)("encodes and decodes host frame %s", (hex, cmd) => {
    expect(bytesToHex(encodeM810Command(cmd), " ")).toBe(hex.replace(/\s+/g, " ").trim());
    expect(decodeM810Command(frame(hex))).toEqual(cmd);
  });

  it.each(RESPONSES)("encodes and decodes reader frame %s", (hex, resp) => {
    expect(decodeM810Response(frame(hex))).toEqual(resp);
    expect(bytesToHex(encodeM810Response(resp), " ")).toBe(hex.replace(/\s+/g, " ").trim());
  });

  it("decodes the live read of 8 blocks with little-endian block numbers", () => {
    const resp = decodeM810Response(frame(LIVE_READ));
    if (resp.kind !== "readBlocks") throw new Error(resp.kind);
    expect(resp.uid).toBe("E004010031269117");
    expect(resp.blocks.map((b) => b.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new TextDecoder().decode(concatBytes(...resp.blocks.slice(1, 4).map((b) => b.data)))).toBe("1302099999\0\0");
    expect(bytesToHex(encodeM810Response(resp), " ")).toBe(LIVE_READ);
  });

  it("turns status 0x06 into a failed response with the tag UID", () => {
    const bytes = encodeM810Response({
      kind: "failed",
      request: "writeAfi",
      status: 0x06,
      uid: UID,
      data: new Uint8Array(0),
    });
    expect(bytesToHex(bytes, " ").startsWith("D6 00 0C 09 06 E0 04 01 00 31 23 AA 26")).toBe(true);
    expect(decodeM810Response(decodeM810Frame(bytes))).toEqual({
      kind: "failed",
      request: "writeAfi",
      status: 6,
      uid: UID,
      data: new Uint8Array(0),
    });
  });

  it("rejects frames and messages it cannot trust with typed errors", () => {
    expect(() => decodeM810Frame(h("D6 00 05 FE 00 05 FA 41"))).toThrow(
      expect.objectContaining({ code: "RFID_FRAME_CRC" }),
    );
    expect(() => decodeM810Frame(h("D6 00 06 FE 00 05 FA 40"))).toThrow(
      expect.objectContaining({ code: "RFID_FRAME_BAD_LENGTH" }),
    );
    expect(() => decodeM810Frame(h("D7 00 05 FE 00 05 FA 40"))).toThrow(
      expect.objectContaining({ code: "RFID_FRAME_BAD_START" }),
    );
    expect(() => decodeM810Frame(h("D6 00"))).toThrow(expect.objectContaining({ code: "RFID_FRAME_TRUNCATED" }));
    const unknown = encodeM810Response({ kind: "setup", data: new Uint8Array(0) });
    unknown[3] = 0x77;
    expect(() => decodeM810Command(decodeM810Frame(reframe(unknown)))).toThrow(
      expect.objectContaining({ code: "RFID_UNKNOWN_COMMAND" }),
    );
    const readAfi = encodeM810Response({ kind: "readAfi", uid: UID, afi: 1 });
    expect(() => decodeM810Response(decodeM810Frame(reframe(readAfi, 3)))).toThrow(
      expect.objectContaining({ code: "RFID_BAD_RESPONSE" }),
    );
    const version = h("D5 00 05 04 00 12 00 00");
    expect(() => decodeM810Command(decodeM810Frame(reframe(version)))).toThrow(
      expect.objectContaining({ code: "RFID_UNKNOWN_COMMAND" }),
    );
    expect(() => encodeM810Command({ kind: "writeBlocks", uid: UID, firstBlock: 0, data: new Uint8Array(3) })).toThrow(
      expect.objectContaining({ code: "RFID_ENCODE" }),
    );
    expect(() => encodeM810Command({ kind: "readAfi", uid: "123" })).toThrow(
      expect.objectContaining({ code: "RFID_ENCODE" }),
    );
  });
});

/** Rebuilds a frame around the (possibly cut) command and body of `bytes`, so only the message layer fails. */
function reframe(bytes: Uint8Array, cut = 0): Uint8Array {
  return encodeM810Frame({
    start: bytes[0] as number,
    command: bytes[3] as number,
    body: bytes.subarray(4, bytes.length - 2 - cut),
  });
}

describe("3M 810 frame parser", () => {
  const stream = concatBytes(...RESPONSES.map(([hex]) => h(hex)), h(LIVE_READ));

  it("finds every frame however the stream is chunked", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 60 }), (cuts) => {
        const parser = createM810FrameParser();
        const { frames, errors } = feedInChunks(parser, stream, cuts);
        expect(errors).toEqual([]);
        expect(frames.map((f) => decodeM810Response(f))).toEqual([
          ...RESPONSES.map(([, r]) => r),
          decodeM810Response(frame(LIVE_READ)),
        ]);
        expect(parser.buffered).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it("skips garbage, drops a bad CRC and an oversized header, and keeps going", () => {
    const parser = createM810FrameParser();
    const bad = h("D6 00 05 FE 00 05 FA 41");
    const good = h("D6 00 05 FE 00 05 FA 40");
    const { frames, errors } = parser.feed(concatBytes(h("00 11 22"), bad, h("D6 FF FF"), good));
    expect(frames).toHaveLength(1);
    expect(errors.map((e) => e.code)).toEqual([
      "RFID_FRAME_BAD_START",
      "RFID_FRAME_CRC",
      "RFID_FRAME_BAD_START",
      "RFID_FRAME_TOO_LONG",
      "RFID_FRAME_BAD_START",
    ]);
    expect(errors[1]?.details.streamOffset).toBe(3);
  });

  it("resynchronises one byte after a start byte with an impossible length", () => {
    const parser = createM810FrameParser();
    const { frames, errors } = parser.feed(concatBytes([0xd6], h("D6 00 05 FE 00 05 FA 40")));
    expect(frames).toHaveLength(1);
    expect(errors.map((e) => e.code)).toEqual(["RFID_FRAME_TOO_LONG"]);
  });

  it("does not let a false start byte hold back a complete frame behind it", () => {
    const parser = createM810FrameParser();
    const { frames, errors } = parser.feed(concatBytes(h("D6 01 00"), h("D6 00 05 FE 00 05 FA 40")));
    expect(frames).toHaveLength(1);
    expect(errors.map((e) => e.code)).toEqual(["RFID_FRAME_TRUNCATED"]);
  });

  it("never throws, reports only RfidErrors and stays under its buffer limit on random or mutated input", () => {
    const parser = createM810FrameParser({ maxFrameLength: 128 });
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 64 }),
            fc.constant(stream).chain((s) =>
              fc.tuple(fc.nat(s.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, v]) => {
                const m = s.slice();
                m[at] = v;
                return m;
              }),
            ),
          ),
          { maxLength: 8 },
        ),
        (chunks) => {
          for (const chunk of chunks) {
            const { frames, errors } = parser.feed(chunk);
            for (const e of errors) expect(e).toBeInstanceOf(RfidError);
            for (const f of frames) {
              try {
                decodeM810Response(f);
              } catch (err) {
                expect(err).toBeInstanceOf(RfidError);
              }
            }
            expect(parser.buffered).toBeLessThan(128);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(M810_MAX_FRAME).toBeGreaterThan(128);
  });
});

describe("3M 810 round trips", () => {
  const uid = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => uidFromBytes(b));
  const byte = fc.integer({ min: 0, max: 255 });
  const command: fc.Arbitrary<M810Command> = fc.oneof(
    fc.constant({ kind: "version" as const }),
    fc.constant({ kind: "setup" as const }),
    fc.constant({ kind: "inventory" as const }),
    fc.record({
      kind: fc.constant("readBlocks" as const),
      uid,
      firstBlock: byte,
      count: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({
      kind: fc.constant("writeBlocks" as const),
      uid,
      firstBlock: byte,
      data: fc.integer({ min: 1, max: 40 }).chain((n) => fc.uint8Array({ minLength: n * 4, maxLength: n * 4 })),
    }),
    fc.record({ kind: fc.constant("readAfi" as const), uid }),
    fc.record({ kind: fc.constant("writeAfi" as const), uid, afi: byte }),
  );
  const response: fc.Arbitrary<M810Response> = fc.oneof(
    fc
      .tuple(byte, byte, byte, byte)
      .map(([a, b, c, d]) => ({ kind: "version" as const, hardwareVersion: `${a}.${b}.${c}.${d}` })),
    fc.record({ kind: fc.constant("setup" as const), data: fc.uint8Array({ maxLength: 12 }) }),
    fc.record({ kind: fc.constant("inventory" as const), uids: fc.array(uid, { maxLength: 30 }) }),
    fc.record({
      kind: fc.constant("readBlocks" as const),
      uid,
      blocks: fc.array(
        fc.record({ index: fc.integer({ min: 0, max: 0xffff }), data: fc.uint8Array({ minLength: 4, maxLength: 4 }) }),
        { maxLength: 40 },
      ),
    }),
    fc.record({ kind: fc.constant("writeBlocks" as const), uid, count: byte }),
    fc.record({ kind: fc.constant("readAfi" as const), uid, afi: byte }),
    fc.record({ kind: fc.constant("writeAfi" as const), uid }),
    fc.record({
      kind: fc.constant("failed" as const),
      request: fc.constantFrom("readBlocks" as const, "writeBlocks" as const, "readAfi" as const, "writeAfi" as const),
      status: fc.integer({ min: 1, max: 255 }),
      uid,
      data: fc.uint8Array({ maxLength: 4 }),
    }),
    fc.record({
      kind: fc.constant("failed" as const),
      request: fc.constantFrom("version" as const, "setup" as const, "inventory" as const),
      status: fc.integer({ min: 1, max: 255 }),
      data: fc.uint8Array({ maxLength: 12 }),
    }),
  );

  it("every command survives encode → stream parser → decode", () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 5 }), (cmds) => {
        const { frames, errors } = createM810FrameParser().feed(concatBytes(...cmds.map(encodeM810Command)));
        expect(errors).toEqual([]);
        expect(frames.map(decodeM810Command)).toEqual(cmds);
      }),
      { numRuns: 300 },
    );
  });

  it("every response survives encode → stream parser → decode", () => {
    fc.assert(
      fc.property(fc.array(response, { minLength: 1, maxLength: 5 }), (resps) => {
        const { frames, errors } = createM810FrameParser().feed(concatBytes(...resps.map(encodeM810Response)));
        expect(errors).toEqual([]);
        expect(frames.map(decodeM810Response)).toEqual(resps);
      }),
      { numRuns: 300 },
    );
  });
});
