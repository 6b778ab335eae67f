import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checksumHolds,
  decodeMessage,
  encodeMessage,
  hasChecksumTrailer,
  MESSAGES,
  type MessageType,
  SIP2_CHARSETS,
  Sip2Error,
  Sip2Framer,
  tryDecodeMessage,
} from "../../../protocols/sip2/index.ts";
import { CPU_BOUND_TIMEOUT_MS } from "../../support/timeouts.ts";
import { anyMessage, messageArbitrary } from "./arbitraries.ts";
import { GOLDEN } from "./golden.ts";

describe("SIP2 round trips (fast-check)", () => {
  for (const charset of SIP2_CHARSETS) {
    for (const type of Object.keys(MESSAGES) as MessageType[]) {
      it(`${type} in ${charset}`, () => {
        fc.assert(
          fc.property(messageArbitrary(type, charset, true), fc.boolean(), (message, errorDetection) => {
            const options = { charset, errorDetection };
            const decoded = decodeMessage(encodeMessage(message, options), options);
            const expected = errorDetection ? message : { ...message, sequence: undefined };
            expect(JSON.parse(JSON.stringify(decoded))).toEqual(JSON.parse(JSON.stringify(expected)));
          }),
          { numRuns: 40 },
        );
      });
    }
  }

  it("a stream of encoded messages, cut anywhere, frames and decodes to the same messages", () => {
    fc.assert(
      fc.property(
        fc.array(anyMessage("utf-8", true), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 64 }),
        (messages, chunk) => {
          const stream = Buffer.concat(messages.map((m) => encodeMessage(m, { errorDetection: true })));
          const out: unknown[] = [];
          const framer = new Sip2Framer({ onFrame: (f) => out.push(decodeMessage(f, { errorDetection: true })) });
          for (let at = 0; at < stream.length; at += chunk) framer.push(stream.subarray(at, at + chunk));
          expect(JSON.parse(JSON.stringify(out))).toEqual(JSON.parse(JSON.stringify(messages)));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("SIP2 fuzzing", () => {
  const goldens = Object.values(GOLDEN).map((g) => Buffer.from(g));

  /** Decoding anything gives a message or a Sip2Error, never another exception. */
  function decodeNeverThrows(bytes: Uint8Array, errorDetection: boolean) {
    for (const charset of SIP2_CHARSETS) {
      try {
        decodeMessage(bytes, { charset, errorDetection });
      } catch (error) {
        if (!(error instanceof Sip2Error)) throw error;
      }
    }
    const r = tryDecodeMessage(bytes);
    expect(r.ok || r.error instanceof Sip2Error).toBe(true);
  }

  it(
    "random bytes (40,000 frames × 3 charsets)",
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, ed) => decodeNeverThrows(bytes, ed)),
        { numRuns: 40_000 },
      );
    },
    CPU_BOUND_TIMEOUT_MS,
  );

  it(
    "mutated real messages (60,000 frames × 3 charsets)",
    () => {
      const mutation = fc.record({
        source: fc.integer({ min: 0, max: goldens.length - 1 }),
        edits: fc.array(
          fc.record({
            at: fc.nat(),
            op: fc.constantFrom("flip", "delete", "insert", "truncate", "duplicate"),
            byte: fc.integer({ min: 0, max: 255 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
      });
      fc.assert(
        fc.property(mutation, fc.boolean(), ({ source, edits }, ed) => {
          let bytes = Buffer.from(goldens[source]!);
          for (const { at, op, byte } of edits) {
            const i = bytes.length === 0 ? 0 : at % bytes.length;
            if (op === "flip") bytes[i] = byte;
            else if (op === "delete") bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
            else if (op === "insert") bytes = Buffer.concat([bytes.subarray(0, i), Buffer.of(byte), bytes.subarray(i)]);
            else if (op === "truncate") bytes = bytes.subarray(0, i);
            else bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i)]);
          }
          decodeNeverThrows(bytes, ed);
        }),
        { numRuns: 60_000 },
      );
    },
    CPU_BOUND_TIMEOUT_MS,
  );

  it("the framer never holds more than its limit, whatever arrives", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 512 }),
        fc.array(fc.uint8Array({ maxLength: 700 }), { maxLength: 20 }),
        (maxLength, chunks) => {
          let frames = 0;
          const framer = new Sip2Framer({ maxLength, onFrame: (f) => (frames += f.length <= maxLength ? 1 : 1e9) });
          for (const chunk of chunks) {
            framer.push(chunk);
            expect(framer.buffered).toBeLessThanOrEqual(maxLength);
          }
          expect(frames).toBeLessThan(1e9);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe("hasChecksumTrailer (fast-check)", () => {
  // The byte-level check replaced this regex in the ACS simulator; it must say the same for any bytes.
  const REFERENCE = /AZ[0-9A-Fa-f]{4}$/;
  const trailerish = fc.array(fc.constantFrom(0x41, 0x5a, 0x30, 0x39, 0x46, 0x66, 0x47, 0x7c, 0x0d, 0xc3), {
    maxLength: 12,
  });

  it("agrees with the regex on random bytes, near-trailers and real messages", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 16 }),
          trailerish.map((b) => Uint8Array.from(b)),
        ),
        (bytes) => {
          expect(hasChecksumTrailer(bytes)).toBe(REFERENCE.test(Buffer.from(bytes).toString("latin1")));
        },
      ),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(anyMessage("utf-8", true), fc.boolean(), (message, errorDetection) => {
        const frame = encodeMessage(message, { errorDetection }).subarray(0, -1);
        expect(hasChecksumTrailer(frame)).toBe(REFERENCE.test(frame.toString("latin1")));
        expect(hasChecksumTrailer(frame)).toBe(errorDetection);
      }),
      { numRuns: 200 },
    );
  });

  it("reads only up to `end`", () => {
    const frame = Buffer.from("941AY0AZFDFB\rAB", "latin1");
    expect(hasChecksumTrailer(frame, 12)).toBe(true);
    expect(hasChecksumTrailer(frame)).toBe(false);
  });

  it("checksumHolds: an encoded message's checksum holds; one changed byte before it breaks it", () => {
    fc.assert(
      fc.property(anyMessage("utf-8", true), fc.nat(), fc.integer({ min: 1, max: 255 }), (message, at, delta) => {
        const frame = encodeMessage(message, { errorDetection: true }).subarray(0, -1);
        expect(checksumHolds(frame)).toBe(true);
        const changed = Buffer.from(frame);
        const i = at % (frame.length - 4);
        changed[i] = ((changed[i] as number) + delta) & 0xff;
        expect(checksumHolds(changed)).toBe(false);
      }),
      { numRuns: 300 },
    );
    expect(checksumHolds(Buffer.from("941AY0AZFDFD\rAB", "latin1"), 12)).toBe(true);
    expect(checksumHolds(Buffer.from("941AY0AZFDFB", "latin1"))).toBe(false);
  });
});
