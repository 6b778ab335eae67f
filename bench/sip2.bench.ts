import { Buffer } from "node:buffer";
import { fork } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { DEFAULT_FIXTURE } from "../bridge/cli.ts";
import {
  decodeMessage,
  encodeMessage,
  formatSip2Date,
  Sip2Framer,
  type Sip2Message,
  sip2,
} from "../protocols/sip2/index.ts";
import { loadFixture } from "../simulators/acs/fixture.ts";
import { type BenchRow, type BenchSuite, opsPerSecond } from "./harness.ts";

const NOW = "20261125    143000";
const DUE = "20261209    235900";

/** The realistic response mix the issue names: 12, 10, 98, 64 with item lists, 18. */
export const MIX: Sip2Message[] = [
  sip2("checkoutResponse", {
    ok: true,
    renewalOk: false,
    magneticMedia: false,
    desensitize: true,
    transactionDate: NOW,
    institutionId: "OSC",
    patronIdentifier: "20001000000012",
    itemIdentifier: "30001000000010",
    titleIdentifier: "The Hitchhiker's Guide to the Galaxy",
    dueDate: DUE,
    mediaType: "001",
    screenMessage: ["Checked out"],
    sequence: 3,
  }),
  sip2("checkinResponse", {
    ok: true,
    resensitize: true,
    magneticMedia: false,
    alert: true,
    transactionDate: NOW,
    institutionId: "OSC",
    itemIdentifier: "30001000000028",
    permanentLocation: "MAIN",
    titleIdentifier: "Der Zauberberg",
    sortBin: "H1",
    destinationLocation: "EAST",
    alertType: "02",
    holdPatronId: "20001000000099",
    holdPatronName: "J. Müller",
    sequence: 4,
  }),
  sip2("acsStatus", {
    onlineStatus: true,
    checkinOk: true,
    checkoutOk: true,
    acsRenewalPolicy: true,
    statusUpdateOk: false,
    offlineOk: true,
    timeoutPeriod: "030",
    retriesAllowed: "003",
    dateTimeSync: NOW,
    protocolVersion: "2.00",
    institutionId: "OSC",
    libraryName: "Open Selfcheck Library",
    supportedMessages: "YYYYYYYYYYYYYYYY",
    terminalLocation: "MAIN",
    sequence: 5,
  }),
  sip2("patronInformationResponse", {
    patronStatus: {
      chargePrivilegesDenied: false,
      renewalPrivilegesDenied: false,
      recallPrivilegesDenied: false,
      holdPrivilegesDenied: false,
      cardReportedLost: false,
      tooManyItemsCharged: false,
      tooManyItemsOverdue: false,
      tooManyRenewals: false,
      tooManyClaimsOfItemsReturned: false,
      tooManyItemsLost: false,
      excessiveOutstandingFines: false,
      excessiveOutstandingFees: false,
      recallOverdue: false,
      tooManyItemsBilled: false,
    },
    language: "001",
    transactionDate: NOW,
    holdItemsCount: 1,
    overdueItemsCount: 0,
    chargedItemsCount: 8,
    fineItemsCount: 0,
    recallItemsCount: 0,
    unavailableHoldsCount: 0,
    institutionId: "OSC",
    patronIdentifier: "20001000000012",
    personalName: "Anna Example",
    validPatron: "Y",
    validPatronPassword: "Y",
    currencyType: "EUR",
    feeAmount: "0.00",
    chargedItems: Array.from({ length: 8 }, (_, i) => `3000100000${String(i).padStart(4, "0")}`),
    holdItems: ["30001000000044"],
    emailAddress: "anna@example.org",
    sequence: 6,
  }),
  sip2("itemInformationResponse", {
    circulationStatus: "04",
    securityMarker: "01",
    feeType: "01",
    transactionDate: NOW,
    holdQueueLength: "0",
    dueDate: DUE,
    itemIdentifier: "30001000000010",
    titleIdentifier: "Moby Dick",
    owner: "OSC",
    mediaType: "001",
    permanentLocation: "MAIN",
    currentLocation: "MAIN",
    sequence: 7,
  }),
];

const OPTIONS = { errorDetection: true, charset: "utf-8" } as const;

export function codecRows(): BenchRow[] {
  const frames = MIX.map((m) => encodeMessage(m, OPTIONS).subarray(0, -1));
  let i = 0;
  const decode = opsPerSecond(() => decodeMessage(frames[i++ % frames.length]!, OPTIONS), 1500);
  let j = 0;
  const encode = opsPerSecond(() => encodeMessage(MIX[j++ % MIX.length]!, OPTIONS), 1500);

  // Framer: a 4 MiB stream of the mix, pushed in 64 KiB chunks as a socket would deliver it.
  const one = Buffer.concat(MIX.map((m) => encodeMessage(m, OPTIONS)));
  const stream = Buffer.concat(Array.from({ length: Math.ceil((4 << 20) / one.length) }, () => one));
  let count = 0;
  const framer = new Sip2Framer({ onFrame: () => count++ });
  const passes = opsPerSecond(
    () => {
      for (let at = 0; at < stream.length; at += 65536) framer.push(stream.subarray(at, at + 65536));
    },
    1500,
    300,
  );
  const mean = Math.round(one.length / MIX.length);
  return [
    {
      name: "decode, response mix (12/10/98/64/18)",
      value: decode,
      unit: "msg/s",
      target: { value: 1_000_000, better: "higher" },
      note: `mean ${mean} bytes, checksum verified`,
    },
    {
      name: "encode, response mix",
      value: encode,
      unit: "msg/s",
      target: { value: 1_000_000, better: "higher" },
      note: "with AY/AZ",
    },
    {
      name: "framer",
      value: (passes * stream.length) / 1e6,
      unit: "MB/s",
      target: { value: 200, better: "higher" },
      note: `64 KiB chunks, ${count > 0 ? "frames counted" : "no frames?"}`,
    },
  ];
}

/**
 * One SC connection running the transaction mix back to back (SIP2 allows one request in flight). Kept as
 * light as it can be, since it shares the machine with the ACS: a reply is complete when a chunk ends in CR.
 */
function scLoop(port: number, requests: Buffer[], until: number): Promise<number> {
  const login = encodeMessage(
    sip2("login", { uidAlgorithm: "0", pwdAlgorithm: "0", loginUserId: "kiosk-main", loginPassword: "main-secret" }),
  );
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.setNoDelay(true);
    let done = -1; // the login reply does not count
    socket.once("connect", () => socket.write(login));
    socket.once("error", reject);
    socket.once("close", () => resolve(Math.max(done, 0)));
    let loginReply = "";
    socket.on("data", (chunk: Buffer) => {
      if (done === -1) loginReply += chunk.toString("latin1");
      if (chunk[chunk.length - 1] !== 0x0d) return;
      if (done === -1 && loginReply !== "941\r") {
        reject(new Error(`the ACS refused the benchmark's login: ${JSON.stringify(loginReply)}`));
        return;
      }
      done++;
      if (Date.now() >= until) {
        socket.destroy();
        resolve(done);
      } else {
        socket.write(requests[done % requests.length]!);
      }
    });
  });
}

/** Requests a kiosk sends, spread over the fixture's patrons and items: 23, 63, 17, 11 and 09. */
function transactionMix(fixture: ReturnType<typeof loadFixture>, connection: number): Buffer[] {
  const patron = fixture.patrons[connection % fixture.patrons.length]!.barcode;
  const item = fixture.items[connection % fixture.items.length]!.barcode;
  const now = formatSip2Date(new Date());
  const common = { transactionDate: now, institutionId: "OSC", terminalPassword: "" };
  const messages: Sip2Message[] = [
    sip2("patronStatusRequest", { ...common, language: "001", patronIdentifier: patron, patronPassword: "" }),
    sip2("patronInformation", { ...common, language: "001", summary: "chargedItems", patronIdentifier: patron }),
    sip2("itemInformation", { ...common, itemIdentifier: item }),
    sip2("checkout", {
      ...common,
      scRenewalPolicy: true,
      noBlock: false,
      nbDueDate: " ".repeat(18),
      patronIdentifier: patron,
      itemIdentifier: item,
    }),
    sip2("checkin", { ...common, noBlock: false, returnDate: now, currentLocation: "MAIN", itemIdentifier: item }),
  ];
  return messages.map((m, i) => encodeMessage({ ...m, sequence: i }, OPTIONS));
}

export async function acsRows(seconds = 3): Promise<BenchRow[]> {
  const worker = fork(fileURLToPath(new URL("./acs-server.process.ts", import.meta.url)), {
    execArgv: ["--import", "tsx", ...(process.env.ACS_PROF ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : [])],
  });
  const port = await new Promise<number>((resolve) =>
    worker.once("message", (m) => resolve((m as { port: number }).port)),
  );
  const rows: BenchRow[] = [];
  const fixture = loadFixture(DEFAULT_FIXTURE);
  for (const connections of [100, 1000]) {
    const until = Date.now() + seconds * 1000;
    const started = performance.now();
    const counts = await Promise.all(
      Array.from({ length: connections }, (_, c) => scLoop(port, transactionMix(fixture, c), until)),
    );
    const elapsed = (performance.now() - started) / 1000;
    rows.push({
      name: `ACS simulator, ${connections} concurrent SCs`,
      value: counts.reduce((a, b) => a + b, 0) / elapsed,
      unit: "tx/s",
      target: { value: 20_000, better: "higher" },
      note: "loopback TCP, AY/AZ on, mix 23/63/17/11/09, server in its own process",
    });
  }
  worker.send("stop");
  await new Promise((resolve) => worker.once("exit", resolve));
  return rows;
}

const suite: BenchSuite = {
  name: "sip2",
  async run() {
    return [...codecRows(), ...(await acsRows())];
  },
};
export default suite;
