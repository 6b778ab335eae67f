import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeCheckDigit } from "../../../protocols/barcode/check-digits.ts";
import { createClassifier, DEFAULT_LIBRARY_RULES, normalizeScan } from "../../../protocols/barcode/classify.ts";
import { BarcodeError } from "../../../protocols/barcode/errors.ts";
import { CPU_BOUND_TIMEOUT_MS } from "../../support/timeouts.ts";

const classifier = createClassifier();

describe("barcode classification", () => {
  it("classifies 14-digit library Codabar by leading digit", () => {
    expect(classifier.classify("33191000105864")).toEqual({ kind: "item", code: "33191000105864", rule: 1 });
    expect(classifier.classify("23191000105866")).toEqual({ kind: "patron", code: "23191000105866", rule: 0 });
  });

  it("normalizes whitespace, AIM prefixes and Codabar start/stop characters", () => {
    expect(classifier.classify("  A33191000105864B\r\n")).toMatchObject({ kind: "item", code: "33191000105864" });
    expect(classifier.classify("]F0a33191000105864d")).toMatchObject({
      kind: "item",
      code: "33191000105864",
      aim: { symbology: "codabar" },
    });
    // Only Codabar gets its A-D frame stripped: in Code 39 the letters are data.
    expect(normalizeScan("]A0A123B").code).toBe("A123B");
  });

  it("explains a wrong check digit", () => {
    expect(classifier.classify("33191000105865")).toEqual({
      kind: "unknown",
      code: "33191000105865",
      reason: "check-digit",
      rule: 1,
      algorithm: "codabar-mod10",
      expected: "4",
      actual: "5",
    });
  });

  it("recognises an ISBN scanned by mistake", () => {
    expect(classifier.classify("9780306406157")).toMatchObject({ kind: "isbn", reason: "isbn" });
    expect(classifier.classify("]E09780306406157")).toMatchObject({ kind: "isbn", aim: { symbology: "ean-upc" } });
    expect(classifier.classify("0306406152")).toMatchObject({ kind: "isbn" });
  });

  it("recognises retail product codes", () => {
    expect(classifier.classify("4006381333931")).toMatchObject({ kind: "product", reason: "product" });
    expect(classifier.classify("036000291452")).toMatchObject({ kind: "product" });
    expect(classifier.classify("]E0123")).toMatchObject({ kind: "product" });
  });

  it("reports unknown patterns, empty input and bad AIM prefixes", () => {
    expect(classifier.classify("HELLO")).toEqual({ kind: "unknown", code: "HELLO", reason: "no-match" });
    expect(classifier.classify(" \r\n")).toEqual({ kind: "unknown", code: "", reason: "empty" });
    expect(classifier.classify("]W1234")).toMatchObject({ kind: "unknown", reason: "bad-aim" });
  });

  it("applies custom rules in order with prefix, length and no check digit", () => {
    const custom = createClassifier([
      { kind: "patron", prefix: "P", length: { min: 5, max: 8 } },
      { kind: "item", pattern: "^[0-9]{8}$" },
      { kind: "item", length: 10, checkDigit: "mod11" },
    ]);
    expect(custom.classify("P1234")).toMatchObject({ kind: "patron", rule: 0 });
    expect(custom.classify("P123456789")).toMatchObject({ kind: "unknown" });
    expect(custom.classify("12345678")).toMatchObject({ kind: "item", rule: 1 });
    const body = "123456789";
    expect(custom.classify(body + computeCheckDigit("mod11", body))).toMatchObject({ kind: "item", rule: 2 });
  });

  it("validates rules at creation, naming index and field", () => {
    const bad = (rules: unknown, field: string, index: number) => {
      try {
        createClassifier(rules as never);
      } catch (err) {
        expect(err).toBeInstanceOf(BarcodeError);
        expect(err).toMatchObject({ code: "BARCODE_BAD_RULE", details: { index, field } });
        expect((err as Error).message).toContain(`rule ${index}`);
        return;
      }
      throw new Error("expected BARCODE_BAD_RULE");
    };
    bad(
      [
        { kind: "patron", pattern: "^2" },
        { kind: "book", pattern: "x" },
      ],
      "kind",
      1,
    );
    bad([{ kind: "item", pattern: "([" }], "pattern", 0);
    bad([{ kind: "item" }], "pattern", 0);
    bad([{ kind: "item", length: 0 }], "length", 0);
    bad([{ kind: "item", length: { min: 5, max: 2 } }], "length", 0);
    bad([{ kind: "item", prefix: "" }], "prefix", 0);
    bad([{ kind: "item", prefix: "3", checkDigit: "mod97" }], "checkDigit", 0);
    bad([null], "(rule)", 0);
  });

  it("keeps the default rule set as data", () => {
    expect(DEFAULT_LIBRARY_RULES.map((r) => r.kind)).toEqual(["patron", "item"]);
  });

  it("classifies every generated library code correctly", () => {
    fc.assert(
      fc.property(fc.constantFrom("2", "3"), fc.stringMatching(/^[0-9]{12}$/), (lead, rest) => {
        const body = lead + rest;
        const code = body + computeCheckDigit("codabar-mod10", body);
        expect(classifier.classify(code)).toMatchObject({ kind: lead === "2" ? "patron" : "item", code });
      }),
    );
  });

  it("never throws on random input", { timeout: CPU_BOUND_TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const result = classifier.classify(text);
        expect(["patron", "item", "isbn", "product", "unknown"]).toContain(result.kind);
      }),
    );
  });
});
