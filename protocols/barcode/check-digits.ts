import { BarcodeError } from "./errors.ts";

/**
 * A weighted-modulus check digit. Every algorithm below is one row of this shape, so adding a
 * variant a library uses means adding a row, not code.
 */
export interface WeightedCheckDigit {
  readonly description: string;
  readonly modulus: 10 | 11;
  /**
   * Weights for the body digits, cycled, starting at the end named by `from`.
   * "position" means weight = 2, 3, 4 … counted from the right (the mod 11 family).
   */
  readonly weights: readonly number[] | "position";
  readonly from: "left" | "right";
  /** Luhn style: a product of 14 counts as 1 + 4. */
  readonly sumProductDigits: boolean;
  /** Required body length (without the check digit), when the algorithm is tied to a format. */
  readonly bodyLength?: number;
  /** Required leading digits, e.g. Bookland 978/979 for ISBN-13. */
  readonly prefixes?: readonly string[];
  /** How a check value of 10 is written (mod 11 only). */
  readonly ten?: string;
}

export const CHECK_DIGIT_ALGORITHMS = {
  // Dynix/Ameritech library barcodes, NC Cardinal (Evergreen) "Mod 10 L-to-R 2-1-2", JerseyCat:
  // 3 3191 00010586 4 is their worked example. Same result as Luhn for the usual 13-digit body.
  "codabar-mod10": {
    description: "Library Codabar mod 10: weights 2-1 from the left, digits of products summed",
    modulus: 10,
    weights: [2, 1],
    from: "left",
    sumProductDigits: true,
  },
  luhn: {
    description: "Luhn (ISO/IEC 7812): weights 2-1 from the right, digits of products summed",
    modulus: 10,
    weights: [2, 1],
    from: "right",
    sumProductDigits: true,
  },
  // Some library systems print 14-digit Codabar with the GTIN weighting (Follett Destiny's example
  // 35555000012349 and Mid-Hudson's 22390000027896 both check out only under this rule).
  "mod10-weight31": {
    description: "Mod 10 with weights 3-1 from the right, no digit sum (GTIN weighting, any length)",
    modulus: 10,
    weights: [3, 1],
    from: "right",
    sumProductDigits: false,
  },
  ean13: {
    description: "EAN-13 / GTIN-13",
    modulus: 10,
    weights: [3, 1],
    from: "right",
    sumProductDigits: false,
    bodyLength: 12,
  },
  ean8: {
    description: "EAN-8 / GTIN-8",
    modulus: 10,
    weights: [3, 1],
    from: "right",
    sumProductDigits: false,
    bodyLength: 7,
  },
  upca: {
    description: "UPC-A / GTIN-12",
    modulus: 10,
    weights: [3, 1],
    from: "right",
    sumProductDigits: false,
    bodyLength: 11,
  },
  isbn13: {
    description: "ISBN-13 (EAN-13 with the Bookland prefix 978 or 979)",
    modulus: 10,
    weights: [3, 1],
    from: "right",
    sumProductDigits: false,
    bodyLength: 12,
    prefixes: ["978", "979"],
  },
  isbn10: {
    description: "ISBN-10: mod 11, weights 10..2 from the left, check value 10 written X",
    modulus: 11,
    weights: "position",
    from: "right",
    sumProductDigits: false,
    bodyLength: 9,
    ten: "X",
  },
  // UK library systems (e.g. Spydus' BCD_CDMOD11) weight the check range 2, 3, 4 … from the right.
  mod11: {
    description: "Mod 11 with weights 2, 3, 4 … from the right, check value 10 written X",
    modulus: 11,
    weights: "position",
    from: "right",
    sumProductDigits: false,
    ten: "X",
  },
} as const satisfies Record<string, WeightedCheckDigit>;

export type CheckDigitAlgorithm = keyof typeof CHECK_DIGIT_ALGORITHMS;

export const CHECK_DIGIT_ALGORITHM_NAMES = Object.keys(CHECK_DIGIT_ALGORITHMS) as CheckDigitAlgorithm[];

export function isCheckDigitAlgorithm(name: unknown): name is CheckDigitAlgorithm {
  return typeof name === "string" && Object.hasOwn(CHECK_DIGIT_ALGORITHMS, name);
}

function algorithmRow(algorithm: string): WeightedCheckDigit {
  if (!isCheckDigitAlgorithm(algorithm)) {
    throw new BarcodeError(
      "BARCODE_UNKNOWN_ALGORITHM",
      `Unknown check digit algorithm "${algorithm}"; use one of ${CHECK_DIGIT_ALGORITHM_NAMES.join(", ")}`,
      { algorithm },
    );
  }
  return CHECK_DIGIT_ALGORITHMS[algorithm];
}

function checkBody(algorithm: string, row: WeightedCheckDigit, body: string): void {
  if (!/^[0-9]+$/.test(body)) {
    throw new BarcodeError("BARCODE_NOT_NUMERIC", `${algorithm}: the digits before the check digit must be 0-9`, {
      algorithm,
    });
  }
  if (row.bodyLength !== undefined && body.length !== row.bodyLength) {
    throw new BarcodeError(
      "BARCODE_BAD_LENGTH",
      `${algorithm}: expected ${row.bodyLength + 1} characters including the check digit, got ${body.length + 1}`,
      { algorithm, length: body.length + 1 },
    );
  }
  if (row.prefixes && !row.prefixes.some((p) => body.startsWith(p))) {
    throw new BarcodeError("BARCODE_BAD_PREFIX", `${algorithm}: must start with ${row.prefixes.join(" or ")}`, {
      algorithm,
    });
  }
}

/** The check character for `body` (the code without its check digit). Throws BarcodeError on bad input. */
export function computeCheckDigit(algorithm: CheckDigitAlgorithm | string, body: string): string {
  const row = algorithmRow(algorithm);
  checkBody(algorithm, row, body);
  let sum = 0;
  const n = body.length;
  for (let i = 0; i < n; i++) {
    // k counts from the chosen end, 0-based.
    const k = row.from === "left" ? i : n - 1 - i;
    const weight = row.weights === "position" ? k + 2 : (row.weights[k % row.weights.length] ?? 1);
    const product = (body.charCodeAt(i) - 48) * weight;
    sum += row.sumProductDigits ? Math.floor(product / 10) + (product % 10) : product;
  }
  const value = (row.modulus - (sum % row.modulus)) % row.modulus;
  return value === 10 ? (row.ten ?? "X") : String(value);
}

export interface CheckDigitVerdict {
  valid: boolean;
  expected: string;
  actual: string;
}

/** Compares the last character of `code` with the computed check character. Throws only on malformed input. */
export function verifyCheckDigit(algorithm: CheckDigitAlgorithm | string, code: string): CheckDigitVerdict {
  if (code.length < 2) {
    throw new BarcodeError("BARCODE_BAD_LENGTH", `${algorithm}: a code needs at least one digit and a check digit`, {
      algorithm,
      length: code.length,
    });
  }
  const expected = computeCheckDigit(algorithm, code.slice(0, -1));
  const actual = code.slice(-1).toUpperCase();
  return { valid: expected === actual, expected, actual };
}

/** True when `code` is well formed for the algorithm and its check digit is right; never throws. */
export function hasValidCheckDigit(algorithm: CheckDigitAlgorithm, code: string): boolean {
  try {
    return verifyCheckDigit(algorithm, code).valid;
  } catch {
    return false;
  }
}

/** Throws BARCODE_CHECK_DIGIT when the check digit is wrong. */
export function assertCheckDigit(algorithm: CheckDigitAlgorithm, code: string): void {
  const verdict = verifyCheckDigit(algorithm, code);
  if (!verdict.valid) {
    throw new BarcodeError(
      "BARCODE_CHECK_DIGIT",
      `${algorithm}: check digit of "${code}" is ${verdict.actual}, expected ${verdict.expected}; rescan or retype the code`,
      { algorithm, ...verdict },
    );
  }
}
