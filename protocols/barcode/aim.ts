import { BarcodeError } from "./errors.ts";

/**
 * AIM / ISO/IEC 15424 symbology identifiers: "]" + code character + modifier, sent by scanners
 * before the data when enabled (e.g. "]C0" Code 128, "]E0" EAN-13, "]F0" Codabar).
 * Code characters per ISO/IEC 15424:2008 table 1 (as listed by the biip project's symbology module).
 */
export const AIM_SYMBOLOGIES = {
  A: "code39",
  B: "telepen",
  C: "code128",
  D: "code-one",
  E: "ean-upc",
  F: "codabar",
  G: "code93",
  H: "code11",
  I: "itf",
  K: "code16k",
  L: "pdf417",
  M: "msi",
  N: "anker",
  O: "codablock",
  P: "plessey",
  Q: "qr",
  R: "straight-2of5-2bar",
  S: "straight-2of5-3bar",
  T: "code49",
  U: "maxicode",
  X: "other",
  Y: "system-expansion",
  Z: "non-barcode",
  c: "channel-code",
  d: "data-matrix",
  e: "gs1-databar",
  o: "ocr",
  p: "posicode",
  s: "supercode",
  z: "aztec",
} as const;

export type AimCodeChar = keyof typeof AIM_SYMBOLOGIES;
export type Symbology = (typeof AIM_SYMBOLOGIES)[AimCodeChar];

export interface AimIdentifier {
  /** The identifier as sent, e.g. "]C0". */
  identifier: string;
  code: AimCodeChar;
  symbology: Symbology;
  modifier: string;
}

export interface AimSplit {
  /** Absent when the text has no identifier prefix. */
  aim?: AimIdentifier;
  data: string;
}

const MODIFIER_CHAR = /^[0-9A-Za-z]$/;

export function isAimCodeChar(c: string): c is AimCodeChar {
  return Object.hasOwn(AIM_SYMBOLOGIES, c);
}

/**
 * Splits a scanned string into its AIM identifier and data. Text not starting with "]" has no
 * identifier. A "]" followed by an unknown code character or a missing modifier is BARCODE_BAD_AIM.
 */
export function splitAim(text: string): AimSplit {
  if (!text.startsWith("]")) return { data: text };
  const code = text.charAt(1);
  if (!isAimCodeChar(code)) {
    throw new BarcodeError(
      "BARCODE_BAD_AIM",
      `Scanned text starts with "]" but "${code}" is not an AIM code character; check the scanner's prefix settings`,
      { code },
    );
  }
  // "Y" (system expansion) carries a digit n and then n more modifier characters.
  let modifierLength = 1;
  if (code === "Y") {
    const n = text.charAt(2);
    if (!/^[0-9]$/.test(n)) {
      throw new BarcodeError("BARCODE_BAD_AIM", `AIM "]Y" must be followed by a digit, got "${n}"`, { code });
    }
    modifierLength = Number(n) + 1;
  }
  const modifier = text.slice(2, 2 + modifierLength);
  if (modifier.length !== modifierLength || ![...modifier].every((c) => MODIFIER_CHAR.test(c))) {
    throw new BarcodeError("BARCODE_BAD_AIM", `AIM identifier "]${code}" has no valid modifier character`, { code });
  }
  const identifier = `]${code}${modifier}`;
  return { aim: { identifier, code, symbology: AIM_SYMBOLOGIES[code], modifier }, data: text.slice(identifier.length) };
}

/** Builds the identifier a scanner would prefix, e.g. formatAim("F", "0") === "]F0". */
export function formatAim(code: AimCodeChar, modifier = "0"): string {
  if (!isAimCodeChar(code)) {
    throw new BarcodeError("BARCODE_BAD_AIM", `"${code}" is not an AIM code character`, { code });
  }
  const expected = code === "Y" ? Number(modifier.charAt(0)) + 1 : 1;
  if (modifier.length !== expected || ![...modifier].every((c) => MODIFIER_CHAR.test(c))) {
    throw new BarcodeError("BARCODE_BAD_AIM", `"${modifier}" is not a valid AIM modifier for "]${code}"`, {
      code,
      modifier,
    });
  }
  return `]${code}${modifier}`;
}
