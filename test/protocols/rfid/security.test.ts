import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AFI_PRESETS,
  DEFAULT_SECURITY_POLICY,
  SECURITY_MODES,
  securityPolicy,
  securityState,
  securityTarget,
  verifySecurity,
} from "../../../protocols/rfid/security.ts";

describe("security policy", () => {
  it("defaults to AFI 0x07 secured and 0xC2 checked out", () => {
    expect(DEFAULT_SECURITY_POLICY).toEqual({ mode: "afi", securedAfi: 0x07, unsecuredAfi: 0xc2 });
    expect(securityPolicy({ mode: "both", ...AFI_PRESETS.threeM })).toEqual({
      mode: "both",
      securedAfi: 0xda,
      unsecuredAfi: 0xd7,
    });
  });

  it("rejects configurations that cannot work with RFID_CONFIG", () => {
    for (const bad of [{ securedAfi: 256 }, { unsecuredAfi: -1 }, { securedAfi: 0xc2 }, { mode: "tape" as never }]) {
      expect(() => securityPolicy(bad)).toThrow(expect.objectContaining({ code: "RFID_CONFIG" }));
    }
  });

  it("targets only the fields the mode uses", () => {
    expect(securityTarget(securityPolicy(), true)).toEqual({ afi: 0x07 });
    expect(securityTarget(securityPolicy(), false)).toEqual({ afi: 0xc2 });
    expect(securityTarget(securityPolicy({ mode: "eas" }), false)).toEqual({ eas: false });
    expect(securityTarget(securityPolicy({ mode: "both" }), true)).toEqual({ afi: 0x07, eas: true });
  });

  it("interprets read-backs", () => {
    const both = securityPolicy({ mode: "both" });
    expect(securityState(both, { afi: 0x07, eas: true })).toBe("secured");
    expect(securityState(both, { afi: 0x07, eas: false })).toBe("mixed");
    expect(securityState(both, { afi: 0x07 })).toBe("unknown");
    expect(securityState(securityPolicy(), { afi: 0x42 })).toBe("unknown");
    expect(securityState(securityPolicy(), { afi: 0xc2, eas: true })).toBe("unsecured");
  });

  it("reports each mismatch of a verify-read, including fields not read", () => {
    const both = securityPolicy({ mode: "both" });
    expect(verifySecurity(both, false, { afi: 0xc2, eas: false })).toEqual({ ok: true, mismatches: [] });
    expect(verifySecurity(both, false, { afi: 0x07 })).toEqual({
      ok: false,
      mismatches: [
        { field: "afi", expected: 0xc2, actual: 0x07 },
        { field: "eas", expected: false, actual: undefined },
      ],
    });
  });

  it("a tag written with the target always verifies and reads as that state", () => {
    const afi = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(fc.constantFrom(...SECURITY_MODES), afi, afi, fc.boolean(), (mode, a, b, secured) => {
        fc.pre(a !== b);
        const policy = securityPolicy({ mode, securedAfi: a, unsecuredAfi: b });
        const written = securityTarget(policy, secured);
        expect(verifySecurity(policy, secured, written).ok).toBe(true);
        expect(verifySecurity(policy, !secured, written).ok).toBe(false);
        expect(securityState(policy, written)).toBe(secured ? "secured" : "unsecured");
      }),
    );
  });
});
