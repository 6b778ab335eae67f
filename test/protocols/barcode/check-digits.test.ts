import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assertCheckDigit,
  CHECK_DIGIT_ALGORITHM_NAMES,
  computeCheckDigit,
  hasValidCheckDigit,
  verifyCheckDigit,
} from "../../../protocols/barcode/check-digits.ts";
import { BarcodeError } from "../../../protocols/barcode/errors.ts";
import { CPU_BOUND_TIMEOUT_MS } from "../../support/timeouts.ts";

// Published examples; each was also recomputed with an independent python3 one-liner.
const GOLDEN: [string, string][] = [
  ["codabar-mod10", "33191000105864"], // Dynix/Ameritech worked example "3 3191 00010586 4"
  ["codabar-mod10", "30234000517861"], // JerseyCat worked example (check digit 1)
  ["codabar-mod10", "58198000943996"], // NC Cardinal "Mod 10 L-to-R 2-1-2" example
  ["luhn", "79927398713"], // the classic Luhn example
  ["mod10-weight31", "35555000012349"], // Follett Destiny example library barcode
  ["mod10-weight31", "22390000027896"], // Mid-Hudson Library System example
  ["ean13", "4006381333931"],
  ["ean13", "5901234123457"],
  ["upca", "036000291452"],
  ["ean8", "96385074"],
  ["isbn13", "9780306406157"],
  ["isbn10", "0306406152"],
  ["isbn10", "080442957X"],
  ["mod11", "1573969"], // Spydus MOD11 example: 157396 → 9
];

describe("check digits", () => {
  it.each(GOLDEN)("%s accepts %s", (algorithm, code) => {
    expect(verifyCheckDigit(algorithm, code)).toEqual({
      valid: true,
      expected: code.slice(-1),
      actual: code.slice(-1),
    });
    expect(computeCheckDigit(algorithm, code.slice(0, -1))).toBe(code.slice(-1));
  });

  it("reports the expected digit for a wrong one", () => {
    expect(verifyCheckDigit("codabar-mod10", "33191000105865")).toEqual({ valid: false, expected: "4", actual: "5" });
    expect(() => assertCheckDigit("codabar-mod10", "33191000105865")).toThrow(
      expect.objectContaining({ code: "BARCODE_CHECK_DIGIT" }),
    );
    expect(hasValidCheckDigit("ean13", "4006381333932")).toBe(false);
  });

  it("accepts a lower-case x as ISBN-10 check character", () => {
    expect(hasValidCheckDigit("isbn10", "080442957x")).toBe(true);
  });

  it("rejects malformed input with typed errors", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return (err as BarcodeError).code;
      }
      return "none";
    };
    expect(code(() => computeCheckDigit("ean13", "12345"))).toBe("BARCODE_BAD_LENGTH");
    expect(code(() => computeCheckDigit("isbn13", "123456789012"))).toBe("BARCODE_BAD_PREFIX");
    expect(code(() => computeCheckDigit("luhn", "12a4"))).toBe("BARCODE_NOT_NUMERIC");
    expect(code(() => computeCheckDigit("mod97", "1234"))).toBe("BARCODE_UNKNOWN_ALGORITHM");
    expect(code(() => verifyCheckDigit("luhn", "1"))).toBe("BARCODE_BAD_LENGTH");
  });

  it("codabar-mod10 and Luhn agree on 13-digit bodies but not on even lengths", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{13}$/), (body) => {
        expect(computeCheckDigit("codabar-mod10", body)).toBe(computeCheckDigit("luhn", body));
      }),
    );
    expect(computeCheckDigit("codabar-mod10", "12")).not.toBe(computeCheckDigit("luhn", "12"));
  });

  it("round trips: a computed check digit always verifies", () => {
    fc.assert(
      fc.property(fc.constantFrom(...CHECK_DIGIT_ALGORITHM_NAMES), fc.stringMatching(/^[0-9]{1,20}$/), (alg, body) => {
        let check: string;
        try {
          check = computeCheckDigit(alg, body);
        } catch (err) {
          expect(err).toBeInstanceOf(BarcodeError); // fixed-length algorithms refuse other lengths
          return;
        }
        expect(hasValidCheckDigit(alg, body + check)).toBe(true);
      }),
    );
  });

  it("detects every single-digit substitution", () => {
    const algorithms = ["codabar-mod10", "luhn", "mod10-weight31"] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...algorithms),
        fc.stringMatching(/^[0-9]{13}$/),
        fc.nat(12),
        fc.integer({ min: 1, max: 9 }),
        (alg, body, pos, delta) => {
          const code = body + computeCheckDigit(alg, body);
          const changed = String((Number(code[pos]) + delta) % 10);
          const broken = code.slice(0, pos) + changed + code.slice(pos + 1);
          expect(hasValidCheckDigit(alg, broken)).toBe(false);
        },
      ),
    );
  });

  it("random text gives only typed errors", { timeout: CPU_BOUND_TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(fc.constantFrom(...CHECK_DIGIT_ALGORITHM_NAMES), fc.string({ unit: "binary" }), (alg, text) => {
        try {
          verifyCheckDigit(alg, text);
        } catch (err) {
          expect(err).toBeInstanceOf(BarcodeError);
        }
      }),
    );
  });
});
