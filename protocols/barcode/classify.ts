import { type AimIdentifier, splitAim } from "./aim.ts";
import {
  CHECK_DIGIT_ALGORITHM_NAMES,
  type CheckDigitAlgorithm,
  hasValidCheckDigit,
  isCheckDigitAlgorithm,
  verifyCheckDigit,
} from "./check-digits.ts";
import { BarcodeError } from "./errors.ts";

export type CodeKind = "patron" | "item";

/**
 * One classification rule, as data (it comes from config). A rule matches when every condition it
 * names holds: `pattern` (a regular expression matched against the whole normalized code),
 * `prefix`, `length` (exact, or a min/max range). At least one condition is required.
 */
export interface ClassifyRule {
  kind: CodeKind;
  pattern?: string;
  prefix?: string;
  length?: number | { min: number; max: number };
  checkDigit?: CheckDigitAlgorithm;
  /** Shown in logs and errors. */
  name?: string;
}

/** 14-digit library Codabar: leading 2 = patron, 3 = item, mod 10 check digit. */
export const DEFAULT_LIBRARY_RULES: readonly ClassifyRule[] = [
  { name: "codabar-14 patron", kind: "patron", pattern: "^2[0-9]{13}$", checkDigit: "codabar-mod10" },
  { name: "codabar-14 item", kind: "item", pattern: "^3[0-9]{13}$", checkDigit: "codabar-mod10" },
];

export type ClassificationFailure =
  | { reason: "empty" }
  | { reason: "check-digit"; rule: number; algorithm: CheckDigitAlgorithm; expected: string; actual: string }
  | { reason: "isbn" }
  | { reason: "product" }
  | { reason: "bad-aim"; message: string }
  | { reason: "no-match" };

export type Classification =
  | { kind: CodeKind; code: string; rule: number; aim?: AimIdentifier }
  | ({ kind: "isbn" | "product" | "unknown"; code: string; aim?: AimIdentifier } & ClassificationFailure);

export interface Classifier {
  readonly rules: readonly ClassifyRule[];
  classify(scanned: string): Classification;
}

interface CompiledRule {
  rule: ClassifyRule;
  regex?: RegExp;
}

function ruleError(index: number, field: string, message: string): BarcodeError {
  return new BarcodeError("BARCODE_BAD_RULE", `Barcode rule ${index}: field "${field}" ${message}`, { index, field });
}

function compileRule(rule: ClassifyRule, index: number): CompiledRule {
  if (typeof rule !== "object" || rule === null) throw ruleError(index, "(rule)", "must be an object");
  if (rule.kind !== "patron" && rule.kind !== "item") {
    throw ruleError(index, "kind", `must be "patron" or "item", got ${JSON.stringify(rule.kind)}`);
  }
  if (rule.pattern === undefined && rule.prefix === undefined && rule.length === undefined) {
    throw ruleError(index, "pattern", "is missing: give at least one of pattern, prefix or length");
  }
  let regex: RegExp | undefined;
  if (rule.pattern !== undefined) {
    if (typeof rule.pattern !== "string" || rule.pattern === "") {
      throw ruleError(index, "pattern", "must be a non-empty regular expression string");
    }
    try {
      regex = new RegExp(rule.pattern, "u");
    } catch (err) {
      throw ruleError(index, "pattern", `is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  if (rule.prefix !== undefined && (typeof rule.prefix !== "string" || rule.prefix === "")) {
    throw ruleError(index, "prefix", "must be a non-empty string");
  }
  if (rule.length !== undefined) {
    const { length } = rule;
    const positive = (n: unknown) => Number.isInteger(n) && (n as number) > 0;
    const ok = typeof length === "number" ? positive(length) : positive(length?.min) && positive(length?.max);
    if (!ok) throw ruleError(index, "length", "must be a positive integer or { min, max } of positive integers");
    if (typeof length === "object" && length.min > length.max) throw ruleError(index, "length", "has min > max");
  }
  if (rule.checkDigit !== undefined && !isCheckDigitAlgorithm(rule.checkDigit)) {
    throw ruleError(index, "checkDigit", `must be one of ${CHECK_DIGIT_ALGORITHM_NAMES.join(", ")}`);
  }
  return regex ? { rule, regex } : { rule };
}

function matchesShape({ rule, regex }: CompiledRule, code: string): boolean {
  if (regex && !regex.test(code)) return false;
  if (rule.prefix !== undefined && !code.startsWith(rule.prefix)) return false;
  if (typeof rule.length === "number" && code.length !== rule.length) return false;
  if (typeof rule.length === "object" && (code.length < rule.length.min || code.length > rule.length.max)) {
    return false;
  }
  return true;
}

const CODABAR_FRAMED = /^[A-Da-d][0-9\-$:/.+]*[A-Da-d]$/;

/** Trim, remove the AIM identifier, and drop Codabar start/stop characters when the code is framed by them. */
export function normalizeScan(scanned: string): { code: string; aim?: AimIdentifier } {
  const { aim, data } = splitAim(scanned.trim());
  let code = data.trim();
  const codabarAllowed = aim === undefined || aim.code === "F";
  if (codabarAllowed && code.length >= 2 && CODABAR_FRAMED.test(code)) code = code.slice(1, -1);
  return aim ? { code, aim } : { code };
}

function looksLikeIsbn(code: string): boolean {
  return (
    (code.length === 13 && hasValidCheckDigit("isbn13", code)) ||
    (code.length === 10 && hasValidCheckDigit("isbn10", code))
  );
}

function looksLikeProduct(code: string): boolean {
  return (
    (code.length === 13 && hasValidCheckDigit("ean13", code)) ||
    (code.length === 12 && hasValidCheckDigit("upca", code)) ||
    (code.length === 8 && hasValidCheckDigit("ean8", code))
  );
}

/**
 * Builds a classifier from ordered rules (validated now: a bad rule throws BARCODE_BAD_RULE naming
 * its index and field). The first rule whose shape matches and whose check digit is right wins.
 * Otherwise the code is reported as an ISBN or a retail product code when it is one (so the UI can
 * say "scan the library barcode, not the one on the cover"), else as unknown with the reason.
 */
export function createClassifier(rules: readonly ClassifyRule[] = DEFAULT_LIBRARY_RULES): Classifier {
  if (!Array.isArray(rules)) {
    throw new BarcodeError("BARCODE_BAD_RULE", "Barcode rules must be a list", { field: "(rules)" });
  }
  const compiled = rules.map(compileRule);
  return {
    rules,
    classify(scanned: string): Classification {
      let normalized: { code: string; aim?: AimIdentifier };
      try {
        normalized = normalizeScan(String(scanned));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return { kind: "unknown", code: String(scanned).trim(), reason: "bad-aim", message };
      }
      const { code, aim } = normalized;
      const withAim = (r: Classification): Classification => (aim ? { ...r, aim } : r);
      if (code === "") return withAim({ kind: "unknown", code, reason: "empty" });

      let checkFailure: Extract<ClassificationFailure, { reason: "check-digit" }> | undefined;
      for (const [index, entry] of compiled.entries()) {
        if (!matchesShape(entry, code)) continue;
        const algorithm = entry.rule.checkDigit;
        if (algorithm === undefined) return withAim({ kind: entry.rule.kind, code, rule: index });
        let verdict: { valid: boolean; expected: string; actual: string };
        try {
          verdict = verifyCheckDigit(algorithm, code);
        } catch {
          continue; // the rule's shape admits codes its check algorithm cannot read: not this rule
        }
        if (verdict.valid) return withAim({ kind: entry.rule.kind, code, rule: index });
        checkFailure ??= {
          reason: "check-digit",
          rule: index,
          algorithm,
          expected: verdict.expected,
          actual: verdict.actual,
        };
      }
      if (looksLikeIsbn(code)) return withAim({ kind: "isbn", code, reason: "isbn" });
      if (looksLikeProduct(code) || (aim?.code === "E" && /^[0-9]+$/.test(code))) {
        return withAim({ kind: "product", code, reason: "product" });
      }
      if (checkFailure) return withAim({ kind: "unknown", code, ...checkFailure });
      return withAim({ kind: "unknown", code, reason: "no-match" });
    },
  };
}
