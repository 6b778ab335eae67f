import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HidPosDecoder, type HidPosSettings } from "../../../../bridge/devices/scanner/hid-pos.ts";
import { VirtualClock } from "../../../support/virtual-clock.ts";
import { recordingSink } from "./helpers.ts";

const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16));

// Reports computed with a Python one-liner from the layout in the Access-IS LSR116 manual (report ID 2,
// length, 3 AIM bytes, data, byte 61 vendor id, byte 63 bit 0 "more follows"), not by our encoder.
const ITEM_CODABAR =
  "020e5d46303333313931303030313035383634000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
const LONG_PART_1 =
  "02385d51313031323334353637383930313233343536373839303132333435363738393031323334353637383930313233343536373839303132333435000001";
const LONG_PART_2 =
  "020e5d51313637383930313233343536373839000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
const LONG_CODE = Array.from({ length: 70 }, (_, i) => i % 10).join("");

const SETTINGS: HidPosSettings = { reportId: 2, maxLength: 1024, staleTimeoutMs: 1000 };

function decoder(settings: Partial<HidPosSettings> = {}) {
  const clock = new VirtualClock();
  const sink = recordingSink();
  return { clock, sink, d: new HidPosDecoder({ ...SETTINGS, ...settings }, sink, clock) };
}

describe("HID POS decoder", () => {
  it("decodes a single-report Codabar scan with its AIM identifier", async () => {
    const { sink, d } = decoder();
    d.feed(hex(ITEM_CODABAR));
    expect(sink.scans).toHaveLength(1);
    expect(sink.scans[0]?.raw).toBe("]F033191000105864");
    expect(sink.scans[0]?.aim).toMatchObject({ identifier: "]F0", symbology: "codabar" });
    expect(sink.scans[0]).not.toHaveProperty("vendorSymbology");
  });

  it("reassembles a code spread over two reports", async () => {
    const { clock, sink, d } = decoder();
    d.feed(hex(LONG_PART_1));
    expect(sink.scans).toEqual([]);
    expect(clock.pendingTimers).toBe(1);
    d.feed(hex(LONG_PART_2));
    expect(sink.raws()).toEqual([`]Q1${LONG_CODE}`]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("keeps the vendor symbology byte when the scanner sends one", async () => {
    const report = hex(ITEM_CODABAR);
    report[61] = 0x6a; // Honeywell code ID "j" (Code 128)
    const { sink, d } = decoder();
    d.feed(report);
    expect(sink.scans[0]?.vendorSymbology).toBe(0x6a);
  });

  it("a continuation that never comes is dropped after the stale timeout", async () => {
    const { clock, sink, d } = decoder({ staleTimeoutMs: 500 });
    d.feed(hex(LONG_PART_1));
    await clock.advance(500);
    expect(sink.problems.map((p) => p.code)).toEqual(["SCANNER_PARTIAL_CODE"]);
    // The dropped half does not stick to the next scan.
    d.feed(hex(ITEM_CODABAR));
    expect(sink.raws()).toEqual(["]F033191000105864"]);
  });

  it("a short report or a wrong report ID is BARCODE_BAD_REPORT, and the next report works", async () => {
    const { sink, d } = decoder();
    d.feed(Uint8Array.of(0, 0, 0x1c, 0, 0, 0, 0, 0)); // a keyboard report: scanner in the wrong mode
    const wrongId = hex(ITEM_CODABAR);
    wrongId[0] = 0x04;
    d.feed(wrongId);
    d.feed(hex(ITEM_CODABAR));
    expect(sink.problems.map((p) => p.code)).toEqual(["BARCODE_BAD_REPORT", "BARCODE_BAD_REPORT"]);
    expect(sink.problems[0]?.message).toMatch(/must be 64 bytes.*HID POS mode/);
    expect(sink.raws()).toEqual(["]F033191000105864"]);
  });

  it("honours a configured report ID and maxLength", async () => {
    const { sink, d } = decoder({ maxLength: 60 });
    d.feed(hex(LONG_PART_1));
    d.feed(hex(LONG_PART_2));
    expect(sink.problems.map((p) => p.code)).toEqual(["BARCODE_TOO_LONG"]);
    const other = decoder({ reportId: 4 });
    const report = hex(ITEM_CODABAR);
    report[0] = 4;
    other.d.feed(report);
    expect(other.sink.raws()).toEqual(["]F033191000105864"]);
  });

  it("random reports never throw; only typed problems come out", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 80 }),
            fc.uint8Array({ minLength: 64, maxLength: 64 }).map((r) => {
              r[0] = 2;
              return r;
            }),
          ),
          { maxLength: 12 },
        ),
        async (reports) => {
          const { clock, sink, d } = decoder();
          for (const r of reports) d.feed(r);
          await clock.advance(2000);
          expect(clock.pendingTimers).toBe(0);
          for (const p of sink.problems) {
            expect(["BARCODE_BAD_REPORT", "BARCODE_TOO_LONG", "SCANNER_PARTIAL_CODE"]).toContain(p.code);
          }
        },
      ),
    );
  });
});
