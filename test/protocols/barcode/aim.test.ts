import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AIM_SYMBOLOGIES, formatAim, splitAim } from "../../../protocols/barcode/aim.ts";
import { BarcodeError } from "../../../protocols/barcode/errors.ts";

describe("AIM symbology identifiers", () => {
  it("splits the identifiers scanners send (ISO/IEC 15424 examples)", () => {
    expect(splitAim("]E05901234123457")).toEqual({
      aim: { identifier: "]E0", code: "E", symbology: "ean-upc", modifier: "0" },
      data: "5901234123457",
    });
    expect(splitAim("]C0ABC-123").aim?.symbology).toBe("code128");
    expect(splitAim("]A0CODE39").aim?.symbology).toBe("code39");
    expect(splitAim("]F033191000105864").aim?.symbology).toBe("codabar");
    expect(splitAim("]I198765432109213")).toMatchObject({ aim: { symbology: "itf", modifier: "1" } });
    expect(splitAim("]Q1https://x").aim?.symbology).toBe("qr");
    expect(splitAim("]d2010")).toMatchObject({ aim: { symbology: "data-matrix" }, data: "010" });
    expect(splitAim("]e0010")).toMatchObject({ aim: { symbology: "gs1-databar" } });
    expect(splitAim("]X0")).toEqual({
      aim: { identifier: "]X0", code: "X", symbology: "other", modifier: "0" },
      data: "",
    });
  });

  it("reads the variable-length system expansion modifier", () => {
    expect(splitAim("]Y1ABdata")).toMatchObject({ aim: { identifier: "]Y1A", modifier: "1A" }, data: "Bdata" });
  });

  it("leaves text without a prefix alone", () => {
    expect(splitAim("33191000105864")).toEqual({ data: "33191000105864" });
  });

  it("rejects malformed identifiers with BARCODE_BAD_AIM", () => {
    for (const bad of ["]", "]W0abc", "]C", "]C#", "]Yx"]) {
      expect(() => splitAim(bad), bad).toThrow(expect.objectContaining({ code: "BARCODE_BAD_AIM" }));
    }
    expect(() => formatAim("W" as never, "0")).toThrow(BarcodeError);
    expect(() => formatAim("C", "00")).toThrow(BarcodeError);
  });

  it("formats then splits back", () => {
    const codes = Object.keys(AIM_SYMBOLOGIES).filter((c) => c !== "Y") as (keyof typeof AIM_SYMBOLOGIES)[];
    fc.assert(
      fc.property(
        fc.constantFrom(...codes),
        fc.stringMatching(/^[0-9A-Za-z]$/),
        fc.string({ unit: "binary" }),
        (code, modifier, data) => {
          const split = splitAim(formatAim(code, modifier) + data);
          expect(split.aim).toMatchObject({ code, modifier, symbology: AIM_SYMBOLOGIES[code] });
          expect(split.data).toBe(data);
        },
      ),
    );
  });

  it("random text gives only typed errors", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        try {
          splitAim(`]${text}`);
        } catch (err) {
          expect(err).toBeInstanceOf(BarcodeError);
        }
      }),
    );
  });
});
