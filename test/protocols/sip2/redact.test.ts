import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  FIELDS,
  type FieldId,
  REDACTED,
  redactSip2Fields,
  SIP2_IDENTITY_FIELDS,
  type Sip2Message,
  sip2,
} from "../../../protocols/sip2/index.ts";
import { anyMessage } from "./arbitraries.ts";

const IDENTITY = new Set<string>(Object.keys(SIP2_IDENTITY_FIELDS).map((id) => FIELDS[id as FieldId]));

describe("redactSip2Fields", () => {
  it("masks every non-empty identity field, keeps every other field and leaves the message as it was", () => {
    fc.assert(
      fc.property(anyMessage("utf-8", true), (message) => {
        const before = structuredClone(message);
        const redacted = redactSip2Fields(message) as Record<string, unknown>;
        expect(message).toEqual(before);
        for (const [key, value] of Object.entries(before)) {
          const masked = IDENTITY.has(key) && value !== "";
          expect(redacted[key]).toEqual(masked ? REDACTED : value);
        }
        expect(Object.keys(redacted).sort()).toEqual(Object.keys(before).sort());
      }),
    );
  });

  it("masks the hold patron a checkin names, and the login's user and password", () => {
    const checkin = sip2("checkinResponse", {
      ok: true,
      resensitize: false,
      magneticMedia: null,
      alert: true,
      transactionDate: "20261201    120000",
      institutionId: "OSC",
      itemIdentifier: "34711000000051",
      permanentLocation: "MAIN",
      holdPatronId: "24711000000103",
      holdPatronName: "Hanna Berg",
    });
    expect(redactSip2Fields(checkin)).toMatchObject({
      itemIdentifier: "34711000000051",
      holdPatronId: REDACTED,
      holdPatronName: REDACTED,
    });
    const login = sip2("login", { uidAlgorithm: "0", pwdAlgorithm: "0", loginUserId: "kiosk", loginPassword: "pw" });
    expect(redactSip2Fields(login)).toMatchObject({ loginUserId: REDACTED, loginPassword: REDACTED });
  });

  it("returns a message without identity as it is, without a copy", () => {
    const status: Sip2Message = { type: "scStatus", statusCode: "0", maxPrintWidth: 40, protocolVersion: "2.00" };
    expect(redactSip2Fields(status)).toBe(status);
  });
});
