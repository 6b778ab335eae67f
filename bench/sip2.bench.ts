import { Buffer } from "node:buffer";
import { decodeMessage, encodeMessage, Sip2Framer, type Sip2Message, sip2 } from "../protocols/sip2/index.ts";
import { type BenchRow, type BenchSuite, machineLoad, opsPerSecond } from "./harness.ts";

const NOW = "20261125    143000";
const DUE = "20261209    235900";

/** The realistic response mix the issue names: 94, 12, 10, 98, 64 with item lists, 18. */
export const MIX: Sip2Message[] = [
  sip2("loginResponse", { ok: true, sequence: 0 }),
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
  const load = machineLoad();
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
      name: "decode, response mix (94/12/10/98/64/18)",
      value: decode,
      unit: "msg/s",
      target: { value: 1_600_000, better: "higher" },
      note: `mean ${mean} bytes, checksum verified; per CPU second; ${load}`,
    },
    {
      name: "encode, response mix",
      value: encode,
      unit: "msg/s",
      target: { value: 1_000_000, better: "higher" },
      note: `with AY/AZ; per CPU second; ${load}`,
    },
    {
      name: "framer",
      value: (passes * stream.length) / 1e6,
      unit: "MB/s",
      target: { value: 200, better: "higher" },
      note: `64 KiB chunks, ${count > 0 ? "frames counted" : "no frames?"}; per CPU second; ${load}`,
    },
  ];
}

const suite: BenchSuite = {
  name: "sip2",
  async run() {
    return codecRows();
  },
};
export default suite;
