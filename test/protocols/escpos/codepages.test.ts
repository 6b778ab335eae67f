import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CODEPAGE_NAMES,
  codepageTable,
  decodeCodepage,
  EPSON_CODEPAGE_SLOTS,
  encodeCodepage,
} from "../../../protocols/escpos/codepages.ts";
import { EscPosError } from "../../../protocols/escpos/errors.ts";

describe("code pages", () => {
  // Positions from the published IBM / Microsoft / ISO code charts.
  it.each([
    ["cp437", 0x82, "é"],
    ["cp437", 0x81, "ü"],
    ["cp437", 0xc4, "─"],
    ["cp850", 0x9b, "ø"],
    ["cp852", 0xa5, "ą"],
    ["cp857", 0xd5, "€"],
    ["cp858", 0xd5, "€"],
    ["cp866", 0x80, "А"],
    ["windows1252", 0x80, "€"],
    ["windows1252", 0x97, "—"],
    ["iso8859-15", 0xa4, "€"],
    ["iso8859-1", 0xa4, "¤"],
  ] as const)("%s byte 0x%s is %s", (name, byte, ch) => {
    expect(decodeCodepage(Uint8Array.of(byte), name)).toBe(ch);
    expect(encodeCodepage(ch, name)).toEqual(Uint8Array.of(byte));
  });

  it("has 256 entries per page and ASCII below 0x80", () => {
    for (const name of CODEPAGE_NAMES) {
      const table = codepageTable(name);
      expect(table.length).toBe(256);
      expect(table[0x41]).toBe("A");
    }
    for (const name of Object.values(EPSON_CODEPAGE_SLOTS)) expect(CODEPAGE_NAMES).toContain(name);
  });

  it("round trips every byte that has a character", () => {
    fc.assert(
      fc.property(fc.constantFrom(...CODEPAGE_NAMES), fc.uint8Array({ maxLength: 64 }), (name, bytes) => {
        const defined = bytes.filter((b) => codepageTable(name)[b] !== "\uFFFD");
        expect(encodeCodepage(decodeCodepage(defined, name), name)).toEqual(defined);
      }),
    );
  });

  it("refuses characters a page lacks and unknown pages", () => {
    expect(() => encodeCodepage("€", "cp437")).toThrow(EscPosError);
    expect(() => codepageTable("cp999" as never)).toThrow(expect.objectContaining({ code: "ESCPOS_UNKNOWN_CODEPAGE" }));
  });
});
