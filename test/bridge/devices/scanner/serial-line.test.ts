import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SerialLineDecoder, type SerialLineSettings } from "../../../../bridge/devices/scanner/serial-line.ts";
import { VirtualClock } from "../../../support/virtual-clock.ts";
import { ascii, recordingSink } from "./helpers.ts";

const BASE: SerialLineSettings = {
  suffix: "CR",
  interCharTimeoutMs: 0,
  staleTimeoutMs: 1000,
  maxLength: 64,
  encoding: "latin1",
};

function decoder(settings: Partial<SerialLineSettings> = {}) {
  const clock = new VirtualClock();
  const sink = recordingSink();
  const d = new SerialLineDecoder({ ...BASE, ...settings }, sink, clock);
  return { clock, sink, d };
}

describe("serial line decoder: suffixes", () => {
  it.each([
    // ASCII CR = 0x0D, LF = 0x0A
    ["CR", [0x0d]],
    ["LF", [0x0a]],
    ["CRLF", [0x0d, 0x0a]],
  ] as const)("suffix %s ends each code", (suffix, bytes) => {
    const { sink, d } = decoder({ suffix });
    d.feed(Uint8Array.from([...ascii("33191000105864"), ...bytes, ...ascii("A1234B"), ...bytes]));
    expect(sink.raws()).toEqual(["33191000105864", "A1234B"]);
    expect(sink.problems).toEqual([]);
  });

  it("suffix CR tolerates a scanner that sends CR LF", async () => {
    const { sink, d } = decoder({ suffix: "CR" });
    d.feed(ascii("111\r\n222\r\n"));
    expect(sink.raws()).toEqual(["111", "222"]);
  });

  it("suffix LF tolerates CR LF and drops the CR", async () => {
    const { sink, d } = decoder({ suffix: "LF" });
    d.feed(ascii("111\r\n222\n"));
    expect(sink.raws()).toEqual(["111", "222"]);
  });

  it("suffix CR LF keeps a lone LF or CR as data (multi-line 2D codes)", async () => {
    const { sink, d } = decoder({ suffix: "CRLF" });
    d.feed(ascii("line1\nline2\rx\r\n"));
    expect(sink.raws()).toEqual(["line1\nline2\rx"]);
  });

  it("empty lines are ignored", async () => {
    const { sink, d } = decoder({ suffix: "LF" });
    d.feed(ascii("\n\n42\n\n"));
    expect(sink.raws()).toEqual(["42"]);
  });

  it("GS (FNC1 in GS1 codes), RS and EOT pass through as data", async () => {
    const { sink, d } = decoder();
    d.feed(Uint8Array.of(0x30, 0x31, 0x1d, 0x31, 0x30, 0x1e, 0x04, 0x0d));
    expect(sink.raws()).toEqual(["01\u001d10\u001e\u0004"]);
  });
});

describe("serial line decoder: timing", () => {
  it("without suffix, a code ends after the inter-character timeout", async () => {
    const { clock, sink, d } = decoder({ suffix: "none", interCharTimeoutMs: 50 });
    d.feed(ascii("3319"));
    await clock.advance(30);
    d.feed(ascii("1000105864"));
    await clock.advance(49);
    expect(sink.scans).toEqual([]);
    await clock.advance(1);
    expect(sink.raws()).toEqual(["33191000105864"]);
    d.feed(ascii("23191000105866"));
    await clock.advance(50);
    expect(sink.raws()).toEqual(["33191000105864", "23191000105866"]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("with a suffix and an inter-character timeout, either ends the code", async () => {
    const { clock, sink, d } = decoder({ suffix: "CR", interCharTimeoutMs: 50 });
    d.feed(ascii("111\r222"));
    expect(sink.raws()).toEqual(["111"]);
    await clock.advance(50);
    expect(sink.raws()).toEqual(["111", "222"]);
  });

  it("a partial line without suffix goes stale: dropped with SCANNER_PARTIAL_CODE", async () => {
    const { clock, sink, d } = decoder({ suffix: "CRLF", staleTimeoutMs: 800 });
    d.feed(ascii("33191000105864\r")); // scanner set to CR, bridge to CR LF
    await clock.advance(799);
    expect(sink.problems).toEqual([]);
    await clock.advance(1);
    expect(sink.scans).toEqual([]);
    expect(sink.problems).toHaveLength(1);
    expect(sink.problems[0]?.code).toBe("SCANNER_PARTIAL_CODE");
    expect(sink.problems[0]?.message).toMatch(/15 bytes arrived without the CR LF suffix.*800 ms/);
    // The problem message never carries the data itself.
    expect(sink.problems[0]?.message).not.toContain("3319");
    d.feed(ascii("42\r\n"));
    expect(sink.raws()).toEqual(["42"]);
  });

  it("reset() drops a partial code and its timer", async () => {
    const { clock, sink, d } = decoder({ suffix: "none", interCharTimeoutMs: 50 });
    d.feed(ascii("123"));
    d.reset();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(100);
    expect(sink.scans).toEqual([]);
  });
});

describe("serial line decoder: bad input", () => {
  it("a line longer than maxLength is dropped up to its suffix with BARCODE_TOO_LONG, once", async () => {
    const { sink, d } = decoder({ maxLength: 8 });
    d.feed(ascii("123456789012345\r777\r"));
    expect(sink.raws()).toEqual(["777"]);
    expect(sink.problems.map((p) => p.code)).toEqual(["BARCODE_TOO_LONG"]);
    expect(sink.problems[0]?.message).toMatch(/No end of code \(CR\) after 8 bytes/);
  });

  it("a line of exactly maxLength is fine", async () => {
    const { sink, d } = decoder({ maxLength: 8 });
    d.feed(ascii("12345678\r"));
    expect(sink.raws()).toEqual(["12345678"]);
  });

  it("an over-long code without suffix is dropped until the line goes idle", async () => {
    const { clock, sink, d } = decoder({ suffix: "none", interCharTimeoutMs: 50, maxLength: 4 });
    d.feed(ascii("123456"));
    await clock.advance(50);
    d.feed(ascii("1234"));
    await clock.advance(50);
    expect(sink.raws()).toEqual(["1234"]);
    expect(sink.problems.map((p) => p.code)).toEqual(["BARCODE_TOO_LONG"]);
  });

  it.each([
    ["NUL", [0x00]],
    ["ESC", [0x1b]],
    ["DEL", [0x7f]],
    ["a C1 control", [0x86]],
  ])("a line holding %s is garbled (wrong baud rate): SCANNER_GARBLED", (_name, bad) => {
    const { sink, d } = decoder();
    d.feed(Uint8Array.from([0x31, ...bad, 0x32, 0x0d, 0x33, 0x0d]));
    expect(sink.raws()).toEqual(["3"]);
    expect(sink.problems.map((p) => p.code)).toEqual(["SCANNER_GARBLED"]);
    expect(sink.problems[0]?.message).toMatch(/baud rate/);
  });

  it("latin1 keeps high letters; utf8 decodes multi-byte text and rejects invalid UTF-8", async () => {
    const latin = decoder();
    latin.d.feed(Uint8Array.of(0x4d, 0xfc, 0x6c, 0x6c, 0x0d)); // "Müll" in Latin-1
    expect(latin.sink.raws()).toEqual(["Müll"]);
    const utf = decoder({ encoding: "utf8" });
    utf.d.feed(Uint8Array.of(0x4d, 0xc3, 0xbc, 0x6c, 0x6c, 0x0d, 0xc3, 0x28, 0x0d)); // "Müll" in UTF-8, then invalid
    expect(utf.sink.raws()).toEqual(["Müll"]);
    expect(utf.sink.problems.map((p) => p.code)).toEqual(["SCANNER_GARBLED"]);
  });
});

describe("serial line decoder: properties", () => {
  const codeChar = fc.constantFrom(..."0123456789ABCDabcd-$:/.+]");
  const codes = fc.array(fc.string({ unit: codeChar, minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 8 });

  it("any chunking of a stream of lines gives the same codes", async () => {
    fc.assert(
      fc.property(
        codes,
        fc.constantFrom("CR", "LF", "CRLF" as const),
        fc.array(fc.nat(), { maxLength: 20 }),
        (list, suffix, cuts) => {
          const { sink, d } = decoder({ suffix, maxLength: 64 });
          const end = suffix === "CR" ? "\r" : suffix === "LF" ? "\n" : "\r\n";
          const bytes = ascii(list.map((c) => c + end).join(""));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          let from = 0;
          for (const p of [...points, bytes.length]) {
            d.feed(bytes.subarray(from, p));
            from = p;
          }
          expect(sink.raws()).toEqual(list);
          expect(sink.problems).toEqual([]);
        },
      ),
    );
  });

  it("random bytes never throw, and every code or problem stays bounded", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 10 }),
        fc.constantFrom("CR", "LF", "CRLF", "none" as const),
        fc.constantFrom("latin1", "utf8" as const),
        async (chunks, suffix, encoding) => {
          const { clock, sink, d } = decoder({
            suffix,
            encoding,
            interCharTimeoutMs: suffix === "none" ? 50 : 0,
            maxLength: 32,
          });
          for (const chunk of chunks) {
            d.feed(chunk);
            await clock.advance(20);
          }
          await clock.advance(5000);
          expect(clock.pendingTimers).toBe(0);
          for (const s of sink.scans) expect(new TextEncoder().encode(s.raw).length).toBeLessThanOrEqual(32 * 2);
          for (const p of sink.problems) {
            expect(["BARCODE_TOO_LONG", "SCANNER_GARBLED", "SCANNER_PARTIAL_CODE"]).toContain(p.code);
          }
        },
      ),
    );
  });
});
