import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RelayError } from "../../../protocols/relay/errors.ts";
import {
  decodeSerialRelayCommand,
  decodeSerialRelayStatus,
  encodeSerialRelayCommand,
  encodeSerialRelayStatus,
  encodeSerialRelayStatusQuery,
  SerialRelayFrameParser,
} from "../../../protocols/relay/serial-relay.ts";

const bytes = (...b: number[]) => Uint8Array.from(b);

describe("LC Technology serial relay", () => {
  // Frames from the vendor's product note.
  it.each([
    [1, true, bytes(0xa0, 0x01, 0x01, 0xa2)],
    [1, false, bytes(0xa0, 0x01, 0x00, 0xa1)],
    [2, true, bytes(0xa0, 0x02, 0x01, 0xa3)],
    [2, false, bytes(0xa0, 0x02, 0x00, 0xa2)],
  ])("relay %i on=%s", (relay, on, frame) => {
    expect(encodeSerialRelayCommand({ relay, on })).toEqual(frame);
    expect(decodeSerialRelayCommand(frame)).toEqual({ relay, on });
  });

  it("rejects bad frames with typed errors", () => {
    expect(() => decodeSerialRelayCommand(bytes(0xa0, 1, 1, 0xa3))).toThrow(
      expect.objectContaining({ code: "RELAY_BAD_CHECKSUM" }),
    );
    expect(() => decodeSerialRelayCommand(bytes(0xa0, 1, 2, 0xa3))).toThrow(
      expect.objectContaining({ code: "RELAY_BAD_FRAME" }),
    );
    expect(() => decodeSerialRelayCommand(bytes(0xa1, 1, 1, 0xa3))).toThrow(
      expect.objectContaining({ code: "RELAY_BAD_FRAME" }),
    );
    expect(() => encodeSerialRelayCommand({ relay: 0, on: true })).toThrow(
      expect.objectContaining({ code: "RELAY_BAD_RELAY" }),
    );
  });

  it("parses a byte stream in any chunking, resynchronising after garbage", () => {
    const stream = bytes(0x00, 0xa0, 1, 1, 0xa2, 0xff, 0xa0, 2, 0, 0x99, 0xa0, 2, 0, 0xa2);
    for (let cut = 0; cut <= stream.length; cut++) {
      const p = new SerialRelayFrameParser();
      const events = [...p.feed(stream.subarray(0, cut)), ...p.feed(stream.subarray(cut))];
      const seen = events.map((e) =>
        e.type === "warning" ? e.code : e.type === "command" ? `${e.relay}:${e.on}` : e.type,
      );
      expect(seen.filter((s) => !s.startsWith("RELAY_"))).toEqual(["1:true", "statusQuery", "2:false"]);
      expect(seen).toContain("RELAY_BAD_CHECKSUM");
    }
  });

  it("encodes and reads the FF status answer in both spacings seen on boards", () => {
    expect(encodeSerialRelayStatusQuery()).toEqual(bytes(0xff));
    const answer = encodeSerialRelayStatus([true, false]);
    expect(String.fromCharCode(...answer)).toBe("CH1: ON \r\nCH2: OFF\r\n");
    expect(decodeSerialRelayStatus(answer)).toEqual([true, false]);
    expect(decodeSerialRelayStatus("CH1:OFF \r\nCH2:ON \r\n")).toEqual([false, true]);
    expect(() => decodeSerialRelayStatus("")).toThrow(expect.objectContaining({ code: "RELAY_BAD_STATUS" }));
    expect(() => decodeSerialRelayStatus("hello\r\n")).toThrow(expect.objectContaining({ code: "RELAY_BAD_STATUS" }));
  });

  it("round trips commands and status answers", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 255 }), fc.boolean(), (relay, on) => {
        expect(decodeSerialRelayCommand(encodeSerialRelayCommand({ relay, on }))).toEqual({ relay, on });
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (states) => {
        expect(decodeSerialRelayStatus(encodeSerialRelayStatus(states))).toEqual(states);
      }),
    );
  });

  it("never throws on random bytes and keeps at most 3 bytes buffered", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 16 }), { maxLength: 20 }), (chunks) => {
        const p = new SerialRelayFrameParser();
        for (const c of chunks) {
          for (const e of p.feed(c)) {
            if (e.type === "command") expect(encodeSerialRelayCommand(e)[0]).toBe(0xa0);
          }
        }
        expect((p as unknown as { buffer: number[] }).buffer.length).toBeLessThanOrEqual(3);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (data) => {
        try {
          decodeSerialRelayStatus(data);
        } catch (err) {
          expect(err).toBeInstanceOf(RelayError);
        }
      }),
    );
  });
});
