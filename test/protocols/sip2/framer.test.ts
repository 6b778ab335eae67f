import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Sip2Error, Sip2Framer } from "../../../protocols/sip2/index.ts";

function collect(maxLength?: number) {
  const frames: string[] = [];
  const errors: Sip2Error[] = [];
  const framer = new Sip2Framer({
    ...(maxLength === undefined ? {} : { maxLength }),
    onFrame: (f) => frames.push(f.toString("latin1")),
    onError: (e) => errors.push(e),
  });
  return { framer, frames, errors };
}

describe("SIP2 framer", () => {
  it("splits on CR, LF and CRLF without empty messages", () => {
    const { framer, frames } = collect();
    framer.push(Buffer.from("941\r940\n9300CNa|\r\n\r\n99"));
    framer.push(Buffer.from("0\r"));
    expect(frames).toEqual(["941", "940", "9300CNa|", "990"]);
  });

  it("gives the same messages for any chunking of the stream", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom(..."0123456789AB|é ".split("")), minLength: 1, maxLength: 40 })),
        fc.constantFrom("\r", "\n", "\r\n"),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1 }),
        (messages, terminator, cuts) => {
          const stream = Buffer.from(messages.map((m) => m + terminator).join(""), "utf8");
          const { framer, frames } = collect();
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const size = cuts[i % cuts.length]!;
            framer.push(stream.subarray(at, at + size));
            at += size;
          }
          expect(frames.map((f) => Buffer.from(f, "latin1").toString("utf8"))).toEqual(messages);
        },
      ),
    );
  });

  it("drops an over-long message once, keeps its limit, and recovers at the next terminator", () => {
    const { framer, frames, errors } = collect(100);
    for (let i = 0; i < 50; i++) {
      framer.push(Buffer.alloc(64, 0x41));
      expect(framer.buffered).toBeLessThanOrEqual(100);
    }
    framer.push(Buffer.from("tail\r941\r"));
    expect(errors.map((e) => e.code)).toEqual(["SIP2_TOO_LONG"]);
    expect(frames).toEqual(["941"]);
  });

  it("defaults to a 64 KiB limit", () => {
    const { framer, frames, errors } = collect();
    expect(framer.maxLength).toBe(65536);
    framer.push(Buffer.alloc(65536, 0x41));
    framer.push(Buffer.from("\r"));
    expect(frames).toHaveLength(1);
    framer.push(Buffer.alloc(65537, 0x41));
    expect(errors).toHaveLength(1);
  });
});
