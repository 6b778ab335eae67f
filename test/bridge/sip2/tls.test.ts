/**
 * The whole transaction set over TLS, with a client certificate the ACS requires. The ACS simulator
 * speaks plain TCP here behind a TLS terminator that demands a client certificate, the way a library puts
 * stunnel in front of an ILS without TLS (docs/sip2.md); the client is built from a config, as a kiosk's is.
 */
import net from "node:net";
import tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import type { Sip2Config } from "../../../bridge/config/schema.ts";
import { createSip2Client } from "../../../bridge/sip2/index.ts";
import { until } from "../../support/settle.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { item, patron, selfSigned, startAcs } from "./helpers.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** TLS in front of the ACS's TCP port, accepting only clients whose certificate `clientCa` signed. */
async function tlsTerminator(acsPort: number, server: { cert: string; key: string }, clientCa: string) {
  const peers: string[] = [];
  const terminator = tls.createServer(
    { ...server, ca: [clientCa], requestCert: true, rejectUnauthorized: true },
    (secure) => {
      peers.push(String(secure.getPeerCertificate().subject?.CN));
      const plain = net.connect(acsPort, "127.0.0.1");
      secure.pipe(plain).pipe(secure);
      const close = () => {
        secure.destroy();
        plain.destroy();
      };
      secure.on("error", close).on("close", close);
      plain.on("error", close).on("close", close);
    },
  );
  terminator.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => terminator.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => terminator.close(() => resolve())));
  return { port: (terminator.address() as net.AddressInfo).port, peers };
}

async function rig(withClientCertificate: boolean) {
  const acs = await startAcs();
  cleanups.push(() => acs.server.stop());
  const serverPems = await selfSigned();
  const clientPems = await selfSigned("kiosk-main-1");
  const terminator = await tlsTerminator(acs.port, serverPems, clientPems.cert);
  const files: Record<string, string> = {
    "/etc/selfcheck/acs-ca.pem": serverPems.cert,
    "/etc/selfcheck/kiosk.pem": clientPems.cert,
    "/etc/selfcheck/kiosk.key": clientPems.key,
  };
  const config: Sip2Config = {
    host: "127.0.0.1",
    port: terminator.port,
    tls: {
      caFile: "/etc/selfcheck/acs-ca.pem",
      serverName: "localhost",
      rejectUnauthorized: true,
      ...(withClientCertificate ? { certFile: "/etc/selfcheck/kiosk.pem", keyFile: "/etc/selfcheck/kiosk.key" } : {}),
    },
    login: { user: "kiosk-main", password: "main-secret" },
    institution: "OSC",
    terminal: "MAIN",
    profile: "generic",
    errorDetection: true,
    connections: 2,
    timeoutMs: 5_000,
    connectTimeoutMs: 5_000,
    heartbeatMs: 0,
  };
  const clock = new VirtualClock();
  const client = createSip2Client(config, {
    clock,
    readFile: (path) => Buffer.from(files[path] ?? ""),
  });
  cleanups.push(() => client.close());
  return { ...acs, client, clock, terminator };
}

describe("SIP2 over TLS with a client certificate", () => {
  it("runs every transaction the kiosk uses, and the ACS side saw the kiosk's certificate", async () => {
    const { client, ils, terminator } = await rig(true);
    client.pool.start();
    // TLS handshakes take real time and no timer of the client's needs to fire here: virtual time stands
    // still, so a handshake on a busy machine is never "late" against the client's connect timeout.
    const run = async <T>(p: Promise<T>): Promise<T> => {
      let done = false;
      const watched = p.finally(() => {
        done = true;
      });
      watched.catch(() => undefined);
      await until(null, () => done, { what: "the TLS exchange to finish" });
      return watched;
    };
    await run(client.pool.ready());
    const anna = patron("valid").barcode;
    const quentin = patron("has-loans");
    const greta = patron("fines-under-limit").barcode;
    const book = item("available").barcode;

    expect((await run(client.patronStatus({ patronId: anna }))).valid).toBe(true);
    expect((await run(client.patronInformation({ patronId: anna, summary: "chargedItems" }))).valid).toBe(true);
    expect((await run(client.itemInformation({ itemId: book }))).circulationStatus).toBe("available");
    expect((await run(client.checkout({ patronId: anna, itemId: book }))).ok).toBe(true);
    expect(ils.loanOf(book)?.patron).toBe(anna);
    const loan = { patronId: quentin.barcode, patronPassword: quentin.password!, itemId: "" };
    loan.itemId = ils.loansOf(quentin.barcode)[0]!.item;
    expect((await run(client.renew(loan))).ok).toBe(true);
    const all = await run(client.renewAll({ patronId: quentin.barcode, patronPassword: quentin.password! }));
    expect(all.renewed.length + all.unrenewed.length).toBe(ils.loansOf(quentin.barcode).length);
    expect((await run(client.checkin({ itemId: book }))).ok).toBe(true);
    expect(ils.loanOf(book)).toBeUndefined();
    const balance = ils.balanceOf(greta);
    expect((await run(client.feePaid({ patronId: greta, amount: "1.00", currency: "EUR" }))).accepted).toBe(true);
    expect(ils.balanceOf(greta)).toBe(balance - 100);
    const held = item("checked-out-to-another").barcode;
    expect((await run(client.hold({ mode: "add", patronId: anna, itemId: held }))).ok).toBe(true);
    expect((await run(client.hold({ mode: "delete", patronId: anna, itemId: held }))).ok).toBe(true);
    expect(ils.holdsOf(anna)).toHaveLength(0);
    expect((await run(client.endSession({ patronId: anna }))).ended).toBe(true);
    expect(terminator.peers.length).toBeGreaterThan(0);
    expect(terminator.peers.every((cn) => cn === "kiosk-main-1")).toBe(true);
  });

  it("without the client certificate the ACS refuses the link, and the client says so", async () => {
    const { client } = await rig(false);
    const error = await client.pool.connections[0]!.open().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "SIP2_TLS", message: /tls\.certFile and tls\.keyFile/ });
  });
});
