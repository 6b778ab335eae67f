import { RfidError } from "./errors.ts";

/**
 * How a site marks items as "may not leave": by AFI (gates read the AFI byte), by the NXP EAS bit,
 * or both. Libraries choose one; some write both so either gate type alarms.
 */
export type SecurityMode = "afi" | "eas" | "both";
export const SECURITY_MODES: readonly SecurityMode[] = ["afi", "eas", "both"];

export interface SecurityPolicy {
  mode: SecurityMode;
  /** AFI while the item is in the library (gates alarm). */
  securedAfi: number;
  /** AFI while the item is checked out. */
  unsecuredAfi: number;
}

/**
 * Known AFI pairs. ISO 28560 practice: 0x07 in library, 0xC2 checked out.
 * 3M RFID501 sites use 0xD7/0xDA, but public sources disagree on which is which: Biblio-RFID's
 * RFID501.pm POD says 0xD7 secured, while the same author's later koha-rfid-go and
 * koha-rfid-3m810-js drivers (and a live capture of shelved books) use 0xDA for checked-in items.
 * The preset follows the later, field-tested code; confirm against your gates.
 */
export const AFI_PRESETS = {
  iso28560: { securedAfi: 0x07, unsecuredAfi: 0xc2 },
  threeM: { securedAfi: 0xda, unsecuredAfi: 0xd7 },
} as const;

export const DEFAULT_SECURITY_POLICY: SecurityPolicy = { mode: "afi", ...AFI_PRESETS.iso28560 };

/** Builds a policy from site config, defaulting to ISO AFI values; throws RFID_CONFIG if it cannot work. */
export function securityPolicy(config: Partial<SecurityPolicy> = {}): SecurityPolicy {
  const policy = { ...DEFAULT_SECURITY_POLICY, ...config };
  if (!SECURITY_MODES.includes(policy.mode)) {
    throw new RfidError("RFID_CONFIG", `security mode "${policy.mode}" is not one of ${SECURITY_MODES.join(", ")}`, {
      field: "mode",
    });
  }
  for (const field of ["securedAfi", "unsecuredAfi"] as const) {
    const v = policy[field];
    if (!Number.isInteger(v) || v < 0 || v > 0xff) {
      throw new RfidError("RFID_CONFIG", `${field} must be a byte (0-255), got ${v}`, { field, actual: v });
    }
  }
  if (policy.securedAfi === policy.unsecuredAfi) {
    throw new RfidError("RFID_CONFIG", "securedAfi and unsecuredAfi are equal: gates could not tell items apart", {
      field: "securedAfi",
      actual: policy.securedAfi,
    });
  }
  return policy;
}

/** What to write to a tag for a state; only the fields the mode uses are present. */
export interface SecurityTarget {
  afi?: number;
  eas?: boolean;
}

export function securityTarget(policy: SecurityPolicy, secured: boolean): SecurityTarget {
  const target: SecurityTarget = {};
  if (policy.mode !== "eas") target.afi = secured ? policy.securedAfi : policy.unsecuredAfi;
  if (policy.mode !== "afi") target.eas = secured;
  return target;
}

/** What a read-back saw; a field left out was not read. */
export interface SecurityObservation {
  afi?: number;
  eas?: boolean;
}

export type SecurityState = "secured" | "unsecured" | "mixed" | "unknown";

/**
 * Interprets a read-back under the policy. "unknown": the AFI is neither configured value or a
 * needed field was not read; "mixed": AFI and EAS disagree (mode "both").
 */
export function securityState(policy: SecurityPolicy, observed: SecurityObservation): SecurityState {
  const byAfi =
    observed.afi === policy.securedAfi ? "secured" : observed.afi === policy.unsecuredAfi ? "unsecured" : "unknown";
  const byEas = observed.eas === undefined ? "unknown" : observed.eas ? "secured" : "unsecured";
  if (policy.mode === "afi") return byAfi;
  if (policy.mode === "eas") return byEas;
  if (byAfi === "unknown" || byEas === "unknown") return "unknown";
  return byAfi === byEas ? byAfi : "mixed";
}

export interface SecurityMismatch {
  field: "afi" | "eas";
  expected: number | boolean;
  actual: number | boolean | undefined;
}

export interface SecurityVerification {
  ok: boolean;
  mismatches: SecurityMismatch[];
}

/** Checks a verify-read against the target for `secured`; a field not read counts as a mismatch. */
export function verifySecurity(
  policy: SecurityPolicy,
  secured: boolean,
  observed: SecurityObservation,
): SecurityVerification {
  const target = securityTarget(policy, secured);
  const mismatches: SecurityMismatch[] = [];
  if (target.afi !== undefined && observed.afi !== target.afi) {
    mismatches.push({ field: "afi", expected: target.afi, actual: observed.afi });
  }
  if (target.eas !== undefined && observed.eas !== target.eas) {
    mismatches.push({ field: "eas", expected: target.eas, actual: observed.eas });
  }
  return { ok: mismatches.length === 0, mismatches };
}
