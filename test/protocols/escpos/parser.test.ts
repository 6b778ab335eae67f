import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeCodepage } from "../../../protocols/escpos/codepages.ts";
import { type EscPosCommand, EscPosParser, parseEscPos } from "../../../protocols/escpos/parser.ts";

const b = (...parts: (number | string)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "number" ? [p] : Array.from(p, (c) => c.charCodeAt(0)))));
const ESC = 0x1b;
const GS = 0x1d;
const DLE = 0x10;

// Byte sequences written from the Epson ESC/POS command reference.
describe("ESC/POS command parsing", () => {
  it.each<[string, Uint8Array, EscPosCommand[]]>([
    ["ESC @", b(ESC, 0x40), [{ type: "init" }]],
    ["ESC E 1", b(ESC, 0x45, 1), [{ type: "bold", on: true }]],
    ["ESC G 0", b(ESC, 0x47, 0), [{ type: "bold", on: false }]],
    ["ESC - 2", b(ESC, 0x2d, 2), [{ type: "underline", thickness: 2 }]],
    ["ESC - '1'", b(ESC, 0x2d, 0x31), [{ type: "underline", thickness: 1 }]],
    [
      "ESC ! 0x39",
      b(ESC, 0x21, 0x39),
      [{ type: "printMode", font: "B", bold: true, doubleHeight: true, doubleWidth: true, underline: false }],
    ],
    ["GS ! 0x10", b(GS, 0x21, 0x10), [{ type: "size", width: 2, height: 1 }]],
    ["GS ! 0x77", b(GS, 0x21, 0x77), [{ type: "size", width: 8, height: 8 }]],
    ["ESC a 1", b(ESC, 0x61, 1), [{ type: "align", align: "center" }]],
    ["ESC a '2'", b(ESC, 0x61, 0x32), [{ type: "align", align: "right" }]],
    ["ESC M 1", b(ESC, 0x4d, 1), [{ type: "font", font: "B" }]],
    ["GS B 1", b(GS, 0x42, 1), [{ type: "invert", on: true }]],
    ["ESC 3 40", b(ESC, 0x33, 40), [{ type: "lineSpacing", dots: 40 }]],
    ["ESC d 3", b(ESC, 0x64, 3), [{ type: "feed", lines: 3 }]],
    ["ESC J 24", b(ESC, 0x4a, 24), [{ type: "feedDots", dots: 24 }]],
    ["GS V 0", b(GS, 0x56, 0), [{ type: "cut", partial: false }]],
    ["GS V '1'", b(GS, 0x56, 0x31), [{ type: "cut", partial: true }]],
    ["GS V 66 5", b(GS, 0x56, 66, 5), [{ type: "cut", partial: true, feedDots: 5 }]],
    ["GS h 80", b(GS, 0x68, 80), [{ type: "barcodeSetting", setting: "height", value: 80 }]],
    ["GS w 3", b(GS, 0x77, 3), [{ type: "barcodeSetting", setting: "width", value: 3 }]],
    ["GS H 2", b(GS, 0x48, 2), [{ type: "barcodeSetting", setting: "hriPosition", value: 2 }]],
    [
      "GS k A (EAN-13, NUL)",
      b(GS, 0x6b, 2, "4006381333931", 0),
      [{ type: "barcode", symbology: "ean13", data: "4006381333931" }],
    ],
    ["GS k B (CODABAR, n)", b(GS, 0x6b, 71, 6, "A1234B"), [{ type: "barcode", symbology: "codabar", data: "A1234B" }]],
    [
      "GS k B (Code 128 {B)",
      b(GS, 0x6b, 73, 8, "{BP-0042"),
      [{ type: "barcode", symbology: "code128", data: "P-0042" }],
    ],
    [
      "GS k B (Code 128 {C)",
      b(GS, 0x6b, 73, 4, "{C", 12, 5),
      [{ type: "barcode", symbology: "code128", data: "1205" }],
    ],
    ["DLE EOT 4", b(DLE, 0x04, 4), [{ type: "statusRequest", n: 4 }]],
    ["DLE EOT 7 1", b(DLE, 0x04, 7, 1), [{ type: "statusRequest", n: 7 }]],
    [
      "GS a 15",
      b(GS, 0x61, 15),
      [{ type: "autoStatusBack", enable: { drawer: true, onlineOffline: true, error: true, paperSensor: true } }],
    ],
    ["ESC p 0 25 250", b(ESC, 0x70, 0, 25, 250), [{ type: "drawerKick", pin: 2, onMs: 50, offMs: 500 }]],
    ["ESC p '1' 50 50", b(ESC, 0x70, 0x31, 50, 50), [{ type: "drawerKick", pin: 5, onMs: 100, offMs: 100 }]],
    ["DLE DC4 1 0 1", b(DLE, 0x14, 1, 0, 1), [{ type: "drawerKick", pin: 2, onMs: 100, offMs: 100 }]],
    ["GS P 0 0", b(GS, 0x50, 0, 0), [{ type: "setting", name: "GS P motion units" }]],
    ["LF HT FF", b(0x0a, 0x09, 0x0c), [{ type: "lineFeed" }, { type: "tab" }, { type: "formFeed" }]],
  ])("%s", (_, bytes, expected) => {
    expect(parseEscPos(bytes)).toEqual(expected);
  });

  it("decodes text in the selected code page (ESC t)", () => {
    const commands = parseEscPos(
      b("caf", 0x82, " ", ESC, 0x74, 19, 0xd5, " ", ESC, 0x74, 16, 0x80, ESC, 0x74, 40, 0xa4, ESC, 0x74, 2, 0x81, 0x0a),
    );
    expect(commands).toEqual([
      { type: "text", text: "café " },
      { type: "codepage", slot: 19, codepage: "cp858" },
      { type: "text", text: "€ " },
      { type: "codepage", slot: 16, codepage: "windows1252" },
      { type: "text", text: "€" },
      { type: "codepage", slot: 40, codepage: "iso8859-15" },
      { type: "text", text: "€" },
      { type: "codepage", slot: 2, codepage: "cp850" },
      { type: "text", text: "ü" },
      { type: "lineFeed" },
    ]);
  });

  it("shows unknown code page slots as replacement characters, ASCII still readable", () => {
    expect(parseEscPos(b(ESC, 0x74, 99, "ok", 0xe9))).toEqual([
      { type: "codepage", slot: 99 },
      { type: "text", text: "ok\uFFFD" },
    ]);
  });

  it("takes a vendor's ESC t numbering", () => {
    expect(parseEscPos(b(ESC, 0x74, 7, 0xe9), { codepageSlots: { 7: "windows1252" } })).toEqual([
      { type: "codepage", slot: 7, codepage: "windows1252" },
      { type: "text", text: "é" },
    ]);
  });

  it("stores QR data (fn 80) and prints it (fn 81) with model, size and error level", () => {
    const data = "https://example.org/r/123";
    const n = data.length + 3;
    const commands = parseEscPos(
      b(
        ...[GS, 0x28, 0x6b, 4, 0, 0x31, 0x41, 0x32, 0],
        ...[GS, 0x28, 0x6b, 3, 0, 0x31, 0x43, 6],
        ...[GS, 0x28, 0x6b, 3, 0, 0x31, 0x45, 0x33],
        ...[GS, 0x28, 0x6b, n & 0xff, n >> 8, 0x31, 0x50, 0x30],
        data,
        ...[GS, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30],
      ),
    );
    expect(commands.at(-1)).toEqual({ type: "qrcode", data, model: 2, moduleSize: 6, errorLevel: "H" });
    expect(parseEscPos(b(GS, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30))).toEqual([
      expect.objectContaining({ type: "unknown", message: expect.stringContaining("QR print without") }),
    ]);
  });

  it("reads raster (GS v 0) and column (ESC *) images", () => {
    // 16 x 2 raster image: 2 bytes per row
    expect(parseEscPos(b(GS, 0x76, 0x30, 0, 2, 0, 2, 0, 0xff, 0x00, 0x0f, 0xf0))).toEqual([
      { type: "image", mode: "raster", width: 16, height: 2, bits: Uint8Array.of(0xff, 0x00, 0x0f, 0xf0) },
    ]);
    // 2 columns, 8 dots high: column 0 top dot, column 1 bottom dot
    const [image] = parseEscPos(b(ESC, 0x2a, 0, 2, 0, 0x80, 0x01));
    expect(image).toMatchObject({ type: "image", mode: "column", width: 2, height: 8 });
    const bits = (image as { bits: Uint8Array }).bits;
    expect(bits[0]).toBe(0x80);
    expect(bits[7]).toBe(0x40);
  });

  it("skips unknown commands and stray control bytes with a warning, then carries on", () => {
    const commands = parseEscPos(b("a", ESC, 0x01, "b", 0x07, "c", GS, 0x6b, 99, "d"));
    expect(commands.map((c) => c.type)).toEqual(["text", "unknown", "text", "unknown", "text", "unknown", "text"]);
    // A malformed command loses only its prefix and command byte: GS k's bad m (99, "c") prints as text.
    expect(
      commands
        .filter((c) => c.type === "text")
        .map((c) => (c as { text: string }).text)
        .join(""),
    ).toBe("abccd");
  });

  it("skips a command bigger than the limit without buffering it", () => {
    const parser = new EscPosParser({ maxCommandBytes: 100 });
    const header = b(GS, 0x76, 0x30, 0, 100, 0, 100, 0); // 10 000 bytes of raster
    const events = [...parser.feed(header), ...parser.feed(new Uint8Array(5000)), ...parser.feed(new Uint8Array(5000))];
    expect(events).toEqual([expect.objectContaining({ type: "unknown", message: expect.stringContaining("exceeds") })]);
    expect(parser.buffered).toBe(0);
    expect(parser.feed(b("ok", 0x0a))).toEqual([{ type: "text", text: "ok" }, { type: "lineFeed" }]);
  });

  // Epson's and Citizen's DLE EOT notes: a real-time request found in graphics, barcode or other command
  // data is acted on as it arrives and the bytes still count as data; in a fixed parameter it is the parameter.
  it("acts on a real-time status request inside command data, which keeps the bytes as data", () => {
    expect(parseEscPos(b(GS, 0x6b, 73, 5, "{B", DLE, 0x04, 2))).toEqual([
      { type: "statusRequest", n: 2 },
      { type: "barcode", symbology: "code128", data: "\x10\x04\x02" },
    ]);
    const [request, image] = parseEscPos(b(GS, 0x76, 0x30, 0, 3, 0, 1, 0, DLE, 0x04, 1));
    expect(request).toEqual({ type: "statusRequest", n: 1 });
    expect(image).toMatchObject({ type: "image", bits: Uint8Array.of(DLE, 0x04, 1) });
    // In the parameters (GS v 0's xL xH yL) the same bytes are only the image's size.
    expect(parseEscPos(b(GS, 0x76, 0x30, 0, DLE, 0x04, 1, 0)).some((c) => c.type === "statusRequest")).toBe(false);
  });

  it("answers status while a command cut short waits for data that never comes (the cable came out mid-receipt)", () => {
    const parser = new EscPosParser();
    // Code 128 announced with 14 bytes, 4 of them sent: the next 10 bytes belong to the barcode.
    expect(parser.feed(b(GS, 0x6b, 73, 14, "{BTX"))).toEqual([]);
    const ask = b(DLE, 0x04, 1, DLE, 0x04, 2, DLE, 0x04, 4);
    expect(parser.feed(ask)).toEqual([
      { type: "statusRequest", n: 1 },
      { type: "statusRequest", n: 2 },
      { type: "statusRequest", n: 4 },
    ]);
    // The next ask's first byte (DLE) completes the barcode, so its first request is lost, as on a real
    // printer: EOT and 1 are stray bytes; DLE EOT 2 and DLE EOT 4 are answered.
    const next = parser.feed(ask);
    expect(next.filter((c) => c.type === "statusRequest").map((c) => (c as { n: number }).n)).toEqual([2, 4]);
    expect(next[0]).toMatchObject({ type: "barcode", symbology: "code128" });
    // A request split over pieces of a big image still counts once.
    const image = new EscPosParser();
    image.feed(b(GS, 0x76, 0x30, 0, 100, 0, 10, 0, 0xff));
    expect([...image.feed(b(DLE)), ...image.feed(b(0x04)), ...image.feed(b(3))]).toEqual([
      { type: "statusRequest", n: 3 },
    ]);
    // In a fixed parameter the DLE is the parameter (ESC t 16); EOT and 1 are stray bytes, then DLE EOT 2 counts.
    const parameter = new EscPosParser();
    parameter.feed(b(ESC, 0x74));
    const after = parameter.feed(b(DLE, 0x04, 1, DLE, 0x04, 2));
    expect(after.filter((c) => c.type === "statusRequest")).toEqual([{ type: "statusRequest", n: 2 }]);
  });

  it("reports a stream that ends inside a command", () => {
    const parser = new EscPosParser();
    expect(parser.feed(b("x", GS, 0x76, 0x30, 0))).toEqual([{ type: "text", text: "x" }]);
    expect(parser.flush()).toEqual([expect.objectContaining({ type: "unknown" })]);
  });
});

describe("parser properties", () => {
  const commandBytes = fc.constantFrom(
    b(ESC, 0x40),
    b(ESC, 0x45, 1),
    b(GS, 0x21, 0x11),
    b(ESC, 0x74, 19),
    b(GS, 0x6b, 2, "4006381333931", 0),
    b(GS, 0x76, 0x30, 0, 1, 0, 3, 0, 1, 2, 3),
    b(GS, 0x28, 0x6b, 6, 0, 0x31, 0x50, 0x30, "abc"),
    b(GS, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30),
    b(DLE, 0x04, 1),
    // real-time requests in command data, and one split across a data end and the next command
    b(GS, 0x6b, 73, 5, "{B", DLE, 0x04, 2),
    b(GS, 0x76, 0x30, 0, 2, 0, 2, 0, DLE, 0x04, 4, DLE),
    b(0x04, 1),
    b(0x0a),
    encodeCodepage("Grüße ", "cp437"),
    b(ESC, 0x63),
  );

  it("gives the same commands however the stream is chunked", () => {
    fc.assert(
      fc.property(
        fc.array(commandBytes, { maxLength: 30 }),
        fc.array(fc.nat(400), { maxLength: 10 }),
        (parts, cuts) => {
          const stream = Uint8Array.from(parts.flatMap((p) => [...p]));
          const whole = parseEscPos(stream);
          const parser = new EscPosParser();
          const pieces: EscPosCommand[] = [];
          let at = 0;
          for (const cut of [...cuts].sort((x, y) => x - y)) {
            const end = Math.min(cut, stream.length);
            if (end < at) continue;
            pieces.push(...parser.feed(stream.subarray(at, end)));
            at = end;
          }
          pieces.push(...parser.feed(stream.subarray(at)), ...parser.flush());
          expect(pieces).toEqual(whole);
        },
      ),
    );
  });

  it("never throws on random bytes and keeps its buffer bounded", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 40 }), (chunks) => {
        const parser = new EscPosParser({ maxCommandBytes: 512, maxTextRun: 64 });
        for (const c of chunks) {
          parser.feed(c);
          expect(parser.buffered).toBeLessThanOrEqual(512 + 64);
        }
        parser.flush();
        expect(parser.buffered).toBe(0);
      }),
    );
  });
});
