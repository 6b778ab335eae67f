/**
 * The staff console's configuration form as data (kiosk-ui/src/staff/config-form.ts), built from the real
 * config schema: which fields it makes, how inputs become values, and which field a problem belongs to.
 */
import { describe, expect, it } from "vitest";
import { BridgeConfigSchema } from "../../bridge/config/schema.ts";
import {
  allFields,
  buildForm,
  fieldOfProblem,
  inputText,
  labelOf,
  parseInput,
  withValue,
} from "../../kiosk-ui/src/staff/config-form.ts";

const schema = JSON.parse(JSON.stringify(BridgeConfigSchema)) as unknown;
const groups = buildForm(schema, new Set(["sip2.login.password"]));
const fields = allFields(groups);
const field = (name: string) => {
  const found = fields.find((f) => f.name === name);
  if (!found) throw new Error(`no field ${name}`);
  return found;
};

describe("buildForm", () => {
  it("makes one section per top-level key and a field of the right kind per key, with its description", () => {
    expect(groups.map((g) => g.name)).toEqual(Object.keys(BridgeConfigSchema.properties));
    expect(field("sip2.port")).toMatchObject({
      kind: "number",
      min: 1,
      max: 65535,
      required: true,
      placeholder: "6001",
    });
    expect(field("sip2.port").description).toBe("Its TCP port (often 6001).");
    expect(field("sip2.profile")).toMatchObject({
      kind: "choice",
      choices: expect.arrayContaining(["koha", "sierra"]),
    });
    expect(field("sip2.login.password").kind).toBe("secret");
    expect(field("sip2.tls").kind).toBe("json");
    expect(field("devices").kind).toBe("json");
    expect(field("kiosk.languages").kind).toBe("list");
    expect(field("kiosk.pinRequired").kind).toBe("boolean");
    // An optional switch has a third state, "not set", so the ILS profile's value can hold.
    expect(field("sip2.overrides.scRenewalPolicy")).toMatchObject({ kind: "choice", yesNo: true });
    expect(parseInput(field("sip2.overrides.scRenewalPolicy"), "false")).toEqual({ value: false });
    expect(parseInput(field("sip2.overrides.scRenewalPolicy"), "")).toEqual({ value: undefined });
    expect(field("receipts.email.host")).toMatchObject({ kind: "text", required: true });
  });

  it("labels keys in words, with protocol names as they are written", () => {
    expect(labelOf("idleTimeoutSeconds")).toBe("Idle timeout seconds");
    expect(labelOf("maxAcsResends")).toBe("Max ACS resends");
    expect(labelOf("hold-here")).toBe("Hold here");
    expect(labelOf("sip2")).toBe("SIP2");
  });
});

describe("inputs and values", () => {
  it("keeps what does not parse as typed, so the bridge's validator names it", () => {
    expect(parseInput(field("sip2.port"), " 6001 ")).toEqual({ value: 6001 });
    expect(parseInput(field("sip2.port"), "abc")).toEqual({ value: "abc" });
    expect(parseInput(field("sip2.port"), "")).toEqual({ value: undefined });
    expect(parseInput(field("kiosk.languages"), "en, fr ,,ar")).toEqual({ value: ["en", "fr", "ar"] });
    expect(parseInput(field("sip2.tls"), "{ bad")).toMatchObject({ problem: expect.stringMatching(/^not valid JSON/) });
    expect(parseInput(field("sip2.tls"), '{"caFile":"/etc/ca.pem"}')).toEqual({ value: { caFile: "/etc/ca.pem" } });
    expect(inputText(field("kiosk.languages"), ["en", "fr"])).toBe("en, fr");
  });

  it("withValue sets a value at its path and drops an optional object left empty", () => {
    const config = { receipts: { library: "L", email: { host: "smtp" } } };
    expect(withValue(config, ["receipts", "email", "host"], undefined)).toEqual({ receipts: { library: "L" } });
    expect(withValue(config, ["receipts", "email", "port"], 465)).toEqual({
      receipts: { library: "L", email: { host: "smtp", port: 465 } },
    });
    expect(config.receipts.email.host).toBe("smtp");
  });

  it("a problem belongs to the field at its path, or the closest field above it", () => {
    expect(fieldOfProblem(fields, "sip2.port")?.name).toBe("sip2.port");
    expect(fieldOfProblem(fields, "devices[1].transport.port")?.name).toBe("devices");
    expect(fieldOfProblem(fields, "sip2.tls.caFile")?.name).toBe("sip2.tls");
    expect(fieldOfProblem(fields, "sip2")).toBeUndefined();
  });
});
