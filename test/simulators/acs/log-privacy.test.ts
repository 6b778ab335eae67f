import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../bridge/log/logger.ts";
import { formatSip2Date, REDACTED, type Sip2Message, sip2 } from "../../../protocols/sip2/index.ts";
import { loadFixture } from "../../../simulators/acs/fixture.ts";
import { DEFAULT_FIXTURE_PATH } from "../../../simulators/acs/fixtures/generate.ts";
import { InMemoryIls } from "../../../simulators/acs/ils.ts";
import { AcsServer } from "../../../simulators/acs/server.ts";
import { TestSipClient } from "../../support/sip2-client.ts";

const fixture = loadFixture(DEFAULT_FIXTURE_PATH);
const NOW = formatSip2Date(new Date());
const BLANK = " ".repeat(18);

let server: AcsServer | undefined;
let client: TestSipClient | undefined;
afterEach(async () => {
  client?.close();
  await server?.stop();
});

/** Runs the ACS over TCP with a logger at `level` and returns every line it wrote. */
async function logOfRealTraffic(level: "info" | "debug", logPatronData = false): Promise<string> {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  server = new AcsServer({
    ils: new InMemoryIls(fixture),
    logger: createLogger({ name: "acs", level, destination }),
    logPatronData,
  });
  const { port } = await server.start();
  client = await TestSipClient.connect(port);
  const account = fixture.accounts[0]!;
  expect(await client.login(account.userId, account.password)).toBe(true);

  // Every patron of the fixture goes through a kiosk session: status and information with the PIN,
  // an item looked up, checked out, renewed and returned, a hold, a fee payment and the end of the session.
  // Returning the loaned items other patrons wait for makes the ACS name those hold patrons (CY, DA).
  const common = { transactionDate: NOW, institutionId: "OSC", terminalPassword: "" };
  for (const { barcode } of fixture.items.filter((i) => i.note?.includes("with-holds"))) {
    client.send(
      sip2("checkin", { ...common, noBlock: false, returnDate: NOW, currentLocation: "MAIN", itemIdentifier: barcode }),
    );
    await client.next();
  }
  for (const [n, patron] of fixture.patrons.entries()) {
    const ids = { patronIdentifier: patron.barcode, patronPassword: patron.password ?? "" };
    const item = fixture.items[n % fixture.items.length]!.barcode;
    const session: Sip2Message[] = [
      sip2("patronStatusRequest", { ...common, ...ids, language: "001" }),
      sip2("patronInformation", { ...common, ...ids, language: "001", summary: "holdItems" }),
      sip2("itemInformation", { ...common, itemIdentifier: item }),
      sip2("checkout", {
        ...common,
        ...ids,
        scRenewalPolicy: true,
        noBlock: false,
        nbDueDate: BLANK,
        itemIdentifier: item,
      }),
      sip2("renew", {
        ...common,
        ...ids,
        thirdPartyAllowed: false,
        noBlock: false,
        nbDueDate: BLANK,
        itemIdentifier: item,
      }),
      sip2("checkin", { ...common, noBlock: false, returnDate: NOW, currentLocation: "MAIN", itemIdentifier: item }),
      sip2("hold", { ...common, ...ids, holdMode: "+", transactionDate: NOW, itemIdentifier: item }),
      sip2("feePaid", { ...common, ...ids, feeType: "01", paymentType: "00", currencyType: "EUR", feeAmount: "0.50" }),
      sip2("endPatronSession", { ...common, ...ids }),
    ];
    for (const request of session) {
      client.send(request);
      await client.next();
    }
  }
  await server.stop();
  server = undefined;
  return lines.join("");
}

/** Every value of the fixture that identifies a patron or is a secret, with what it is. */
function identities(): Array<[what: string, value: string]> {
  const found: Array<[string, string]> = [];
  for (const p of fixture.patrons) {
    found.push(["barcode", p.barcode], ["name", p.name]);
    // A PIN is short ("1111"), so it is looked for as a whole JSON value, not inside timestamps.
    if (p.password) found.push(["PIN", JSON.stringify(p.password)]);
    for (const key of ["email", "phone", "address"] as const) if (p[key]) found.push([key, p[key]!]);
  }
  for (const a of fixture.accounts) found.push(["login user id", a.userId], ["login password", a.password]);
  return found;
}

describe("ACS simulator logs: no patron identity", () => {
  for (const level of ["info", "debug"] as const) {
    it(`at ${level}, a run of every fixture patron logs no identifier, name, PIN, e-mail, phone or address`, async () => {
      const log = await logOfRealTraffic(level);
      expect(log).toContain(level === "info" ? '"request":"checkout"' : '"type":"checkoutResponse"');
      const leaks = identities().filter(([, value]) => log.includes(value));
      expect(leaks).toEqual([]);
      if (level === "debug") expect(log).toContain(REDACTED);
    }, 30_000);
  }

  it("logs them as they are only when asked to (test systems), so the search above can find them", async () => {
    const log = await logOfRealTraffic("debug", true);
    const patron = fixture.patrons[0]!;
    expect(log).toContain(patron.barcode);
    expect(log).toContain(patron.name);
    expect(log).toContain(JSON.stringify(patron.password));
    expect(log).toMatch(/"holdPatronId":"\d+","holdPatronName":"[^"[]+"/);
  }, 30_000);
});
