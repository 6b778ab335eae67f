import { afterEach, describe, expect, it } from "vitest";
import { SIP2_PROFILES, type Sip2Config, Sip2ConfigSchema } from "../../../bridge/config/schema.ts";
import { checkValue } from "../../../bridge/config/validate.ts";
import { createSip2Client, linkSettings } from "../../../bridge/sip2/index.ts";
import { GENERIC_PROFILE, PROFILES, resolveProfile } from "../../../bridge/sip2/profiles.ts";
import { systemClock } from "../../../bridge/transports/clock.ts";
import { item, patron, startAcs } from "./helpers.ts";

const base = { host: "ils.example.org", login: { user: "sc1", password: "secret" }, institution: "MAIN" };
const problems = (sip2: unknown) => checkValue(Sip2ConfigSchema, sip2, "sip2").problems;
const config = (extra: Record<string, unknown> = {}): Sip2Config => {
  const { value, problems } = checkValue(Sip2ConfigSchema, { ...base, ...extra }, "sip2");
  expect(problems).toEqual([]);
  return value;
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("ILS profiles", () => {
  it("has a row for every profile name the config accepts", () => {
    expect(Object.keys(PROFILES).sort()).toEqual([...SIP2_PROFILES].sort());
  });

  it("cites a public source for every value that differs from generic", () => {
    for (const [name, profile] of Object.entries(PROFILES)) {
      for (const key of Object.keys(profile.values)) {
        const cited = profile.notes.filter((n) => n.source !== "-" && n.source.includes("/"));
        expect(cited.length, `${name}.${key}`).toBeGreaterThan(0);
      }
    }
  });

  it("layers generic, the profile and the site's overrides", () => {
    expect(resolveProfile("generic")).toEqual(GENERIC_PROFILE);
    expect(resolveProfile("folio").charset).toBe("cp850");
    expect(resolveProfile("folio", { charset: "utf-8", terminator: "CRLF" })).toMatchObject({
      charset: "utf-8",
      terminator: "CRLF",
    });
    expect(
      linkSettings(config({ profile: "folio", overrides: { terminator: "CRLF", maxAcsResends: 0 } })),
    ).toMatchObject({ charset: "cp850", terminator: "\r\n", maxAcsResends: 0, errorDetection: true });
  });
});

describe("the sip2 config section", () => {
  it("fills the defaults", () => {
    expect(config()).toMatchObject({ profile: "generic", connections: 2, heartbeatMs: 60_000, errorDetection: true });
  });

  it("names what is wrong and where", () => {
    expect(problems({ ...base, profile: "kohaa" })).toEqual([
      { path: "sip2.profile", message: expect.stringContaining("koha") },
    ]);
    expect(problems({ ...base, connections: 0 })).toEqual([
      { path: "sip2.connections", message: "expected a whole number from 1 to 16, got 0" },
    ]);
    expect(problems({ ...base, overrides: { terminater: "CR" } })).toEqual([
      { path: "sip2.overrides.terminater", message: 'unknown key; did you mean "terminator"?' },
    ]);
    expect(problems({ ...base, overrides: { terminator: "\r" } })[0]?.path).toBe("sip2.overrides.terminator");
  });

  it("refuses half a client certificate and unreadable PEM files, naming the key", () => {
    expect(() => linkSettings(config({ tls: { certFile: "/x/cert.pem" } }))).toThrow(/sip2\.tls\.keyFile/);
    expect(() => linkSettings(config({ tls: { caFile: "/no/such/ca.pem" } }))).toThrow(
      /sip2\.tls\.caFile: cannot read "\/no\/such\/ca\.pem"/,
    );
  });

  it("builds a working client from the section", async () => {
    const acs = await startAcs();
    cleanups.push(() => acs.server.stop());
    const client = createSip2Client(
      config({
        host: "127.0.0.1",
        port: acs.port,
        login: { user: "kiosk-main", password: "main-secret" },
        institution: "OSC",
      }),
      { clock: systemClock },
    );
    cleanups.push(() => client.close());
    client.pool.start();
    await client.pool.ready(5_000);
    const out = await client.checkout({ patronId: patron("valid").barcode, itemId: item("available").barcode });
    expect(out.ok).toBe(true);
  });
});
