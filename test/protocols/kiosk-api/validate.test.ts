import { Value } from "@sinclair/typebox/value";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COMMANDS,
  type KioskState,
  KioskState as KioskStateSchema,
  ServerMessage,
} from "../../../protocols/kiosk-api/schema.ts";
import { KioskApiError, MAX_MESSAGE_BYTES, parseClientMessage } from "../../../protocols/kiosk-api/validate.ts";

const failure = (text: string): KioskApiError => {
  try {
    parseClientMessage(text);
  } catch (err) {
    if (err instanceof KioskApiError) return err;
    throw err;
  }
  throw new Error(`accepted: ${text}`);
};

describe("parseClientMessage", () => {
  it("accepts one valid example of every command", () => {
    const examples = [
      { type: "identify", id: "1", credential: "23456000000001" },
      { type: "verifyPin", id: "2", pin: "1234" },
      { type: "show", id: "3", screen: "checkout" },
      { type: "addItem", id: "4", itemId: "34711000000010" },
      { type: "renew", id: "5", itemIds: ["34711000000010", "34711000000028"] },
      { type: "renewAll", id: "6" },
      { type: "placeHold", id: "7", itemId: "34711000000010" },
      { type: "cancelHold", id: "8", itemId: "34711000000010" },
      { type: "payFees", id: "9", feeIds: ["f1"] },
      { type: "finish", id: "10" },
      { type: "chooseReceipt", id: "11", method: "email" },
      { type: "extendTime", id: "12" },
      { type: "setLanguage", id: "13", language: "ar" },
      { type: "endSession", id: "14" },
    ];
    expect(new Set(examples.map((e) => e.type))).toEqual(new Set(Object.keys(COMMANDS)));
    for (const example of examples) expect(parseClientMessage(JSON.stringify(example))).toEqual(example);
  });

  it("names the command and the field that is wrong, and keeps the request id", () => {
    const err = failure(JSON.stringify({ type: "show", id: "r7", screen: "kitchen" }));
    expect(err.code).toBe("INVALID_MESSAGE");
    expect(err.requestId).toBe("r7");
    expect(err.message).toMatch(/^show: screen: /);
    expect(err.details).toMatchObject({ command: "show", field: "screen" });
  });

  it("refuses unknown commands, extra keys, non-JSON, non-objects and oversized frames", () => {
    expect(failure('{"type":"rawSip2","id":"x","message":"11YN"}').message).toMatch(
      /unknown command "rawSip2"; known: identify/,
    );
    expect(failure('{"type":"finish","id":"x","extra":1}').message).toMatch(/^finish: extra/);
    expect(failure("{not json").message).toBe("message is not JSON");
    expect(failure("[1,2]").requestId).toBeNull();
    expect(failure(`{"type":"finish","id":"${"x".repeat(MAX_MESSAGE_BYTES)}"}`).message).toMatch(/limit is 16384/);
  });

  it("refuses control characters in identifiers (a scanner's CR must not become part of a card number)", () => {
    expect(failure(JSON.stringify({ type: "identify", id: "1", credential: "2345\r" })).message).toMatch(/credential/);
  });

  it("never throws anything but KioskApiError on arbitrary input", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          try {
            parseClientMessage(text);
          } catch (err) {
            expect(err).toBeInstanceOf(KioskApiError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("accepts valid commands whatever their field values within the limits", () => {
    const printable = fc.stringMatching(/^[\x21-\x7e]{1,64}$/);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), printable, (id, itemId) => {
        const message = { type: "addItem", id, itemId };
        expect(parseClientMessage(JSON.stringify(message))).toEqual(message);
      }),
    );
  });
});

describe("server messages", () => {
  it("a full kiosk state validates against the schema the UI relies on", () => {
    const state: KioskState = {
      rev: 3,
      serverTime: 1_700_000_000_000,
      phase: "checkout",
      language: "en",
      ils: { status: "online", offlineMode: false },
      devices: [{ id: "printer", kind: "printer", health: "degraded", problem: "PRINTER_PAPER_OUT" }],
      can: { checkout: true, checkin: true, print: false, email: true, pay: true, rfid: true, padCapacity: 4 },
      patron: {
        firstName: "Ada",
        loans: [{ itemId: "34711000000010", title: "Dune", dueDate: "2026-12-22", overdue: false }],
        holdsReady: [],
        holdsWaiting: 0,
        fees: [{ id: "f1", amount: { value: "1.50", currency: "USD" }, kind: "overdue" }],
        blocks: ["excessiveOutstandingFines"],
        canBorrow: true,
      },
      items: [
        {
          key: "E0040100000000AA",
          action: "checkout",
          itemId: "34711000000028",
          status: "attention",
          reason: "SECURITY_NOT_RELEASED",
          dueDate: "2026-12-22",
          set: { part: 1, of: 3 },
        },
      ],
      idle: { warnAt: 1_700_000_090_000, deadline: 1_700_000_120_000 },
    };
    expect(Value.Check(KioskStateSchema, state)).toBe(true);
    expect(Value.Check(ServerMessage, { type: "state", state })).toBe(true);
    expect(Value.Check(ServerMessage, { type: "state", state: { ...state, phase: "lobby" } })).toBe(false);
  });
});
