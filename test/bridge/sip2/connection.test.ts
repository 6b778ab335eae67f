import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Sip2Connection, type Sip2Exchange, type Sip2LinkSettings } from "../../../bridge/sip2/connection.ts";
import { encodeMessage, formatSip2Date, Sip2Framer, type Sip2Message } from "../../../protocols/sip2/index.ts";
import type { AcsServer } from "../../../simulators/acs/server.ts";
import { until } from "../../support/settle.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { item, link, nextEvent, patron, selfSigned, startAcs } from "./helpers.ts";

const NOW = formatSip2Date(new Date());
const itemInfo = (id: string): Sip2Message => ({
  type: "itemInformation",
  transactionDate: NOW,
  institutionId: "OSC",
  itemIdentifier: id,
  terminalPassword: "",
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function acs(options: Parameters<typeof startAcs>[0] = {}) {
  const started = await startAcs(options);
  cleanups.push(() => started.server.stop());
  return started;
}

function connection(settings: Sip2LinkSettings, clock = new VirtualClock()) {
  const conn = new Sip2Connection(settings, { name: "c1", clock });
  const wire: Sip2Exchange[] = [];
  conn.on("exchange", (e) => wire.push(e));
  cleanups.push(() => conn.close());
  return { conn, clock, wire, text: () => wire.map((e) => `${e.direction} ${e.bytes.toString("latin1").trim()}`) };
}

/** Waits (in real time: real sockets) until `server` has seen `n` connections. */
async function connections(server: AcsServer, n: number): Promise<number[]> {
  await until(null, () => server.connectionIds().length >= n, { what: `${n} connections at the ACS` });
  return server.connectionIds();
}

describe("Sip2Connection against the ACS simulator", () => {
  it("logs in, sends SC Status, goes online, and numbers requests 0–9 with checksums", async () => {
    const { port } = await acs();
    const { conn, text } = connection(link(port));
    const states: string[] = [];
    conn.on("state", (s) => states.push(s.state));
    const status = await conn.open();
    expect(status.institutionId).toBe("OSC");
    expect(conn.state).toBe("online");
    expect(states).toEqual(["connecting", "online"]);
    for (let i = 0; i < 9; i++) {
      const reply = await conn.request(itemInfo(item("available").barcode), "itemInformationResponse");
      expect(reply.titleIdentifier).toBe(item("available").title);
    }
    const sent = text().filter((l) => l.startsWith("sent"));
    expect(sent[0]).toMatch(/^sent 9300CNkiosk-main\|COmain-secret\|AY0AZ[0-9A-F]{4}$/);
    expect(sent.map((l) => /AY(\d)AZ/.exec(l)?.[1])).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]);
  });

  it("speaks TLS with the ACS's CA, and refuses a certificate it cannot verify (SIP2_TLS)", async () => {
    const pems = await selfSigned();
    const { port } = await acs({ tls: pems });
    const good = connection(link(port, { tls: { ca: pems.cert, serverName: "localhost" } })).conn;
    await good.open();
    expect(good.state).toBe("online");
    const bad = connection(link(port, { tls: {} })).conn;
    await expect(bad.open()).rejects.toMatchObject({ code: "SIP2_TLS", message: /tls\.caFile/ });
    const lax = connection(link(port, { tls: { rejectUnauthorized: false } })).conn;
    await lax.open();
    expect(lax.state).toBe("online");
  });

  it("says when nothing listens (SIP2_CONNECT_FAILED)", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const { conn } = connection(link(port));
    await expect(conn.open()).rejects.toMatchObject({ code: "SIP2_CONNECT_FAILED", message: /host and port/ });
    expect(conn.state).toBe("down");
  });

  it("a refused login is SIP2_LOGIN_REFUSED and names the account, never the password", async () => {
    const { port } = await acs({ faults: { refuseLogin: true } });
    const { conn } = connection(link(port));
    const error = await conn.open().catch((e: Error) => e);
    expect(error).toMatchObject({ code: "SIP2_LOGIN_REFUSED", message: /"kiosk-main".*SIP configuration/ });
    expect(JSON.stringify(error) + (error as Error).message).not.toContain("main-secret");
  });

  it("reports acs-offline when 98 says the ILS is offline", async () => {
    const { port } = await acs({ faults: { offline: true } });
    const { conn } = connection(link(port));
    await conn.open();
    expect(conn.state).toBe("acs-offline");
    expect(conn.usable).toBe(true);
  });

  it("times out on the clock when the ACS stalls, and drops the connection", async () => {
    const { server, port } = await acs();
    const { conn, clock } = connection(link(port, { timeoutMs: 3_000 }));
    await conn.open();
    server.faults.set({ stall: true });
    const pending = conn.request(itemInfo(item("available").barcode), "itemInformationResponse", { tx: "tx-1" });
    const down = nextEvent(conn, "state", (s: { state: string }) => s.state === "down");
    await clock.advance(2_999);
    await clock.advance(1);
    await expect(pending).rejects.toMatchObject({ code: "ILS_TIMEOUT", message: /itemInformation \(tx-1\).*3000 ms/ });
    await down;
    expect(conn.usable).toBe(false);
  });

  it("asks again (97) for an answer with a bad checksum, a bounded number of times", async () => {
    const { server, port } = await acs();
    const { conn, text } = connection(link(port, { maxAcsResends: 2 }));
    await conn.open();
    server.faults.set({ corruptChecksum: true });
    await expect(conn.request(itemInfo(item("available").barcode), "itemInformationResponse")).rejects.toMatchObject({
      code: "SIP2_BAD_RESPONSE",
    });
    expect(text().filter((l) => l.startsWith("sent 97"))).toEqual(["sent 97AZFEF5", "sent 97AZFEF5"]);
  });

  it("never takes a garbled answer: it gets the true one through 97s or fails", async () => {
    const { server, port } = await acs();
    const { conn } = connection(link(port, { maxAcsResends: 3 }));
    await conn.open();
    server.faults.set({ garble: true });
    const outcome = await conn
      .request(itemInfo(item("available").barcode), "itemInformationResponse")
      .then((r) => r.titleIdentifier)
      .catch((e: { code: string }) => e.code);
    expect([item("available").title, "SIP2_BAD_RESPONSE"]).toContain(outcome);
  });

  it("reads answers written one byte at a time", async () => {
    const { port } = await acs({ faults: { split: true } });
    const { conn } = connection(link(port));
    await conn.open();
    const reply = await conn.request(itemInfo(item("available").barcode), "itemInformationResponse");
    expect(reply.titleIdentifier).toBe(item("available").title);
  });

  it("works without error detection and with another charset", async () => {
    const { port } = await acs({ charset: "iso-8859-1" });
    const { conn, text } = connection(link(port, { errorDetection: false, charset: "iso-8859-1" }));
    await conn.open();
    const info = await conn.request(
      {
        type: "patronStatusRequest",
        language: "000",
        transactionDate: NOW,
        institutionId: "OSC",
        patronIdentifier: patron("non-ascii-name").barcode,
        terminalPassword: "",
        patronPassword: "",
      },
      "patronStatusResponse",
    );
    expect(info.personalName).toContain("Zoë Weiß");
    expect(text().some((l) => l.includes("AY"))).toBe(false);
  });

  it("sends SC Status as a heartbeat after the configured quiet time", async () => {
    const { port } = await acs();
    const { conn, clock, text } = connection(link(port, { heartbeatMs: 30_000 }));
    await conn.open();
    const before = text().filter((l) => l.startsWith("sent 99")).length;
    const heartbeat = nextEvent(conn, "exchange", (e: Sip2Exchange) => e.bytes.toString("latin1").startsWith("98"));
    await clock.advance(29_999);
    expect(text().filter((l) => l.startsWith("sent 99")).length).toBe(before);
    await clock.advance(1);
    await heartbeat;
    expect(text().filter((l) => l.startsWith("sent 99")).length).toBe(before + 1);
  });

  it("when started, reconnects after the ACS drops it and logs in again", async () => {
    const { server, port } = await acs();
    const { conn, text } = connection(link(port));
    conn.start();
    await nextEvent(conn, "state", (s: { state: string }) => s.state === "online");
    const [first] = await connections(server, 1);
    const back = nextEvent(conn, "state", (s: { state: string }) => s.state === "online");
    server.disconnect(first);
    await back;
    expect(text().filter((l) => l.startsWith("sent 93"))).toHaveLength(2);
    const reply = await conn.request(itemInfo(item("available").barcode), "itemInformationResponse");
    expect(reply.itemIdentifier).toBe(item("available").barcode);
  });

  it("backs off on the clock while the ACS is unreachable, and comes back when it is", async () => {
    const { server, port } = await acs();
    await server.stop();
    const { conn, clock } = connection(link(port, { backoff: { initialMs: 1_000, maxMs: 4_000, jitter: 0 } }));
    const retries: number[] = [];
    conn.on("state", (s) => {
      if (s.nextRetryAt !== undefined) retries.push(s.nextRetryAt - clock.now());
    });
    conn.start();
    for (const wait of [1_000, 2_000, 4_000]) {
      await nextEvent(conn, "state", (s: { nextRetryAt?: number }) => s.nextRetryAt !== undefined);
      expect(conn.state).toBe("down");
      await clock.advance(wait);
    }
    expect(retries).toEqual([1_000, 2_000, 4_000]);
    const revived = await startAcs({ port });
    cleanups.push(() => revived.server.stop());
    const online = nextEvent(conn, "state", (s: { state: string }) => s.state === "online");
    await nextEvent(conn, "state", (s: { nextRetryAt?: number }) => s.nextRetryAt !== undefined);
    await clock.advance(4_000);
    await online;
  });
});

/** A scripted ACS: each frame read gets the next canned answer (or the default). */
async function scriptedAcs(answers: (frame: string) => Sip2Message | string | undefined) {
  const server = net.createServer((socket) => {
    const framer = new Sip2Framer({
      onFrame: (frame) => {
        const answer = answers(frame.toString("latin1"));
        if (answer === undefined) return;
        const seq = /AY(\d)AZ/.exec(frame.toString("latin1"))?.[1];
        socket.write(
          typeof answer === "string"
            ? answer
            : encodeMessage(seq === undefined ? answer : { ...answer, sequence: Number(seq) }, {
                errorDetection: true,
              }),
        );
      },
    });
    socket.on("data", (d) => framer.push(d));
    socket.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}

const ACS_STATUS: Sip2Message = {
  type: "acsStatus",
  onlineStatus: true,
  checkinOk: true,
  checkoutOk: true,
  acsRenewalPolicy: true,
  statusUpdateOk: true,
  offlineOk: true,
  timeoutPeriod: "030",
  retriesAllowed: "003",
  dateTimeSync: NOW,
  protocolVersion: "2.00",
  institutionId: "OSC",
  supportedMessages: "YYYYYYYYYYYYYYYY",
};

describe("Sip2Connection resends (scripted ACS)", () => {
  it("sends a request again after 96, the same bytes, a bounded number of times", async () => {
    let resends = 0;
    const port = await scriptedAcs((frame) => {
      if (frame.startsWith("99")) return ACS_STATUS;
      if (frame.startsWith("17")) return resends++ < 5 ? "96AZFEF6\r" : undefined;
      return undefined;
    });
    const { conn, text } = connection(link(port, { login: undefined, maxScResends: 3 }));
    await conn.open();
    await expect(conn.request(itemInfo("X1"), "itemInformationResponse")).rejects.toMatchObject({
      code: "SIP2_RESEND_LIMIT",
    });
    const sent17 = text().filter((l) => l.startsWith("sent 17"));
    expect(sent17).toHaveLength(4);
    expect(new Set(sent17).size).toBe(1);
  });

  it("a 96 then the answer succeeds", async () => {
    let first = true;
    const port = await scriptedAcs((frame) => {
      if (frame.startsWith("99")) return ACS_STATUS;
      if (frame.startsWith("17") && first) {
        first = false;
        return "96AZFEF6\r";
      }
      if (frame.startsWith("17")) {
        return {
          type: "itemInformationResponse",
          circulationStatus: "03",
          securityMarker: "02",
          feeType: "01",
          transactionDate: NOW,
          itemIdentifier: "X1",
          titleIdentifier: "Scripted",
        };
      }
      return undefined;
    });
    const { conn } = connection(link(port, { login: undefined }));
    await conn.open();
    const reply = await conn.request(itemInfo("X1"), "itemInformationResponse");
    expect(reply.titleIdentifier).toBe("Scripted");
  });
});
