import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import {
  decodeMessage,
  encodeMessage,
  MESSAGES,
  type MessageType,
  type Sip2Message,
  sip2Checksum,
  tryDecodeMessage,
} from "../../../protocols/sip2/index.ts";
import { GOLDEN } from "./golden.ts";

/** What a reader of each golden expects to find: a few fields per message, typed as the codec gives them. */
const EXPECTED: { [T in MessageType]: Partial<Extract<Sip2Message, { type: T }>> } = {
  login: {
    uidAlgorithm: "0",
    pwdAlgorithm: "0",
    loginUserId: "kiosk1",
    loginPassword: "s3cret",
    locationCode: "MAIN",
    sequence: 1,
  },
  loginResponse: { ok: true },
  scStatus: { statusCode: "0", maxPrintWidth: 80, protocolVersion: "2.00" },
  acsStatus: {
    onlineStatus: true,
    offlineOk: true,
    statusUpdateOk: false,
    timeoutPeriod: "030",
    retriesAllowed: "003",
    dateTimeSync: "20261125    143000",
    supportedMessages: "YYYYYYYYYYYYYYYY",
    libraryName: "Open Selfcheck Library",
    screenMessage: ["Welcome"],
  },
  requestAcsResend: {},
  requestScResend: {},
  checkout: {
    scRenewalPolicy: true,
    noBlock: false,
    nbDueDate: " ".repeat(18),
    patronIdentifier: "20001000000012",
    itemIdentifier: "30001000000010",
    terminalPassword: "",
    patronPassword: "pin1",
    feeAcknowledged: "N",
  },
  checkoutResponse: {
    ok: true,
    renewalOk: false,
    magneticMedia: false,
    desensitize: true,
    titleIdentifier: "Moby Dick",
    dueDate: "20261209    235900",
    mediaType: "001",
    screenMessage: ["Enjoy!"],
  },
  checkin: { noBlock: false, returnDate: "20261125   Z133000", currentLocation: "MAIN" },
  checkinResponse: {
    ok: true,
    resensitize: true,
    magneticMedia: false,
    alert: true,
    sortBin: "B3",
    destinationLocation: "EAST",
    alertType: "02",
    holdPatronId: "20001000000099",
    holdPatronName: "J. Doe",
  },
  blockPatron: { cardRetained: true, blockedCardMessage: "Card retained at kiosk" },
  patronStatusRequest: { language: "001", patronPassword: "1234" },
  patronStatusResponse: {
    language: "001",
    personalName: "Anna Example",
    validPatron: "Y",
    currencyType: "EUR",
    feeAmount: "12.50",
  },
  patronEnable: { patronPassword: "1234" },
  patronEnableResponse: { personalName: "Anna Example", validPatronPassword: "Y" },
  hold: { holdMode: "+", expirationDate: "20261231    235900", pickupLocation: "EAST", holdType: "2" },
  holdResponse: { ok: true, available: false, queuePosition: "3", titleIdentifier: "Moby Dick" },
  itemInformation: { itemIdentifier: "30001000000010" },
  itemInformationResponse: {
    circulationStatus: "04",
    securityMarker: "01",
    feeType: "04",
    holdQueueLength: "2",
    owner: "OSC",
    feeAmount: "0.50",
    permanentLocation: "MAIN",
  },
  itemStatusUpdate: { itemProperties: "shelf=B3" },
  itemStatusUpdateResponse: { itemPropertiesOk: true, itemProperties: "shelf=B3" },
  renew: { thirdPartyAllowed: false, noBlock: false, patronPassword: "1234", sequence: 0 },
  renewResponse: { ok: true, renewalOk: true, dueDate: "20261223    235900" },
  renewAll: { patronPassword: "1234" },
  renewAllResponse: {
    ok: true,
    renewedCount: 2,
    unrenewedCount: 1,
    renewedItems: ["30001000000010", "30001000000028"],
    unrenewedItems: ["30001000000036"],
  },
  endPatronSession: { patronIdentifier: "20001000000012" },
  endSessionResponse: { endSession: true, screenMessage: ["Goodbye"] },
  feePaid: {
    feeType: "04",
    paymentType: "00",
    currencyType: "EUR",
    feeAmount: "12.50",
    feeIdentifier: "fee-17",
    transactionId: "tx-0001",
  },
  feePaidResponse: { paymentAccepted: true, transactionId: "tx-0001" },
  patronInformation: { summary: "chargedItems", startItem: "1", endItem: "5" },
  patronInformationResponse: {
    holdItemsCount: 1,
    overdueItemsCount: 0,
    chargedItemsCount: 2,
    holdItemsLimit: "0010",
    holdItems: ["30001000000044"],
    chargedItems: ["30001000000010", "30001000000028"],
    homeAddress: "Main St 1",
    emailAddress: "anna@example.org",
    homePhoneNumber: "555-0100",
  },
};

describe("SIP2 golden messages", () => {
  it("has one golden example for every message in the catalog", () => {
    expect(Object.keys(GOLDEN).sort()).toEqual(Object.keys(MESSAGES).sort());
  });

  for (const [type, wire] of Object.entries(GOLDEN) as [MessageType, string][]) {
    it(`${type} (${MESSAGES[type].code}) decodes and re-encodes byte for byte`, () => {
      const bytes = Buffer.from(wire, "utf8");
      const message = decodeMessage(bytes, { errorDetection: true, strict: true });
      expect(message.type).toBe(type);
      expect(message).toMatchObject(EXPECTED[type]);
      const again = encodeMessage(message, { errorDetection: true });
      expect(again.toString("utf8")).toBe(`${wire}\r`);
    });
  }

  it("checks the checksum the way the specification defines it", () => {
    for (const wire of Object.values(GOLDEN)) {
      const bytes = Buffer.from(wire);
      const declared = Number.parseInt(wire.slice(-4), 16);
      expect((sip2Checksum(bytes, 0, bytes.length - 4) - declared) & 0xffff).toBe(0);
    }
  });

  it("reads a checksum written in lower-case hex", () => {
    const lower = GOLDEN.checkoutResponse.replace(/AZ([0-9A-F]{4})$/, (_, h: string) => `AZ${h.toLowerCase()}`);
    expect(decodeMessage(Buffer.from(lower)).type).toBe("checkoutResponse");
  });

  it("decodes a message from Koha's own SIP test suite", () => {
    // C4/SIP t/03patron_info.t sends this Patron Information request without error detection.
    const m = decodeMessage(Buffer.from("6300020060329    201700          AOUWOLS|AAdjfiander|"));
    expect(m).toEqual({
      type: "patronInformation",
      language: "000",
      transactionDate: "20060329    201700",
      summary: null,
      institutionId: "UWOLS",
      patronIdentifier: "djfiander",
    });
  });
});

describe("SIP2 decoding errors", () => {
  const code = (wire: string | Buffer, options = {}) => {
    const r = tryDecodeMessage(typeof wire === "string" ? Buffer.from(wire) : wire, options);
    return r.ok ? "ok" : r.error.code;
  };

  it("refuses a bad checksum with the position of the checksum", () => {
    const wire = GOLDEN.checkoutResponse.replace(/AZ[0-9A-F]{4}$/, "AZ0000");
    const r = tryDecodeMessage(Buffer.from(wire));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe("SIP2_CHECKSUM");
    expect(r.error.position).toBe(wire.length - 4);
    expect(r.error.message).toMatch(/checksum 0000 does not match/);
  });

  it("detects a single flipped byte anywhere in the message", () => {
    const wire = Buffer.from(GOLDEN.patronInformationResponse);
    for (let i = 0; i < wire.length - 6; i++) {
      const bad = Buffer.from(wire);
      bad[i] = bad[i]! ^ 0x01;
      expect(code(bad), `byte ${i}`).not.toBe("ok");
    }
  });

  it("requires a checksum only when error detection is on", () => {
    expect(code("941", { errorDetection: true })).toBe("SIP2_CHECKSUM_MISSING");
    expect(code("941")).toBe("ok");
  });

  it("names truncation, unknown commands and bad fields", () => {
    expect(code("")).toBe("SIP2_TRUNCATED");
    expect(code("9")).toBe("SIP2_TRUNCATED");
    expect(code("12YN")).toBe("SIP2_TRUNCATED");
    expect(code("42abc")).toBe("SIP2_UNKNOWN_COMMAND");
    expect(code("94X")).toBe("SIP2_BAD_FIELD");
    expect(code("990A002.00")).toBe("SIP2_BAD_FIELD");
    expect(code("941AOx|Q")).toBe("SIP2_BAD_FIELD");
    expect(code("23001" + "20261125    143000" + "AOOSC|", { strict: true })).toBe("SIP2_MISSING_FIELD");
  });

  it("reads a missing required field as empty when not strict", () => {
    const m = decodeMessage(Buffer.from(`23001${"20261125    143000"}AOOSC|`));
    expect(m).toMatchObject({ institutionId: "OSC", patronIdentifier: "", terminalPassword: "" });
  });

  it("accepts a last field without its bar, and CR, LF or CRLF endings", () => {
    for (const end of ["", "\r", "\n", "\r\n"]) {
      const m = decodeMessage(Buffer.from(`17${"20261125    143000"}AOOSC|AB3000${end}`));
      expect(m).toMatchObject({ type: "itemInformation", itemIdentifier: "3000" });
    }
  });

  it("keeps unknown fields in order and sends them back untouched", () => {
    const wire = `941ZQfirst|XXsecond|ZQthird|`;
    const m = decodeMessage(Buffer.from(wire));
    expect(m.unknownFields).toEqual([
      ["ZQ", "first"],
      ["XX", "second"],
      ["ZQ", "third"],
    ]);
    expect(encodeMessage(m).toString()).toBe(`${wire}\r`);
  });
});

describe("SIP2 encoding", () => {
  it("replaces CR, LF and bar inside values so framing survives", () => {
    const wire = encodeMessage({
      type: "endSessionResponse",
      endSession: true,
      transactionDate: "20261125    143000",
      institutionId: "OSC",
      patronIdentifier: "2000",
      screenMessage: ["line one\r\nline two | three"],
    }).toString();
    expect(wire).toBe("36Y20261125    143000AOOSC|AA2000|AFline one  line two / three|\r");
  });

  it("writes required fields even when empty, and refuses values that do not fit", () => {
    const base = { type: "itemInformation", transactionDate: "20261125    143000" } as const;
    expect(encodeMessage({ ...base, institutionId: "", itemIdentifier: "3" }).toString()).toBe(
      "1720261125    143000AO|AB3|\r",
    );
    const tooWide = { type: "scStatus", statusCode: "0", maxPrintWidth: 1000, protocolVersion: "2.00" } as const;
    expect(() => encodeMessage(tooWide)).toThrow(/maxPrintWidth/);
    const badSeq = { type: "loginResponse", ok: true, sequence: 12 } as const;
    expect(() => encodeMessage(badSeq, { errorDetection: true })).toThrow(/sequence/);
  });

  it("uses the configured terminator", () => {
    expect(encodeMessage({ type: "loginResponse", ok: false }, { terminator: "\r\n" }).toString()).toBe("940\r\n");
  });
});
