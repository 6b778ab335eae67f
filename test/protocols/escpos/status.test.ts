import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EscPosError } from "../../../protocols/escpos/errors.ts";
import {
  type AutoStatus,
  autoStatusBackCommand,
  conditionFromAutoStatus,
  conditionFromRealtime,
  decodeAutoStatus,
  decodeAutoStatusBackEnable,
  decodeRealtimeStatus,
  encodeAutoStatus,
  encodeRealtimeStatus,
  REALTIME_STATUS,
  type RealtimeStatusKind,
  realtimeStatusRequest,
  StatusReplyReader,
} from "../../../protocols/escpos/status.ts";

// Byte values straight from the Epson DLE EOT / GS a tables: fixed bits 02 + 10 = 0x12, and each
// status bit's "Hex" column added to it.
describe("DLE EOT real-time status", () => {
  it("builds the requests 10 04 n", () => {
    expect(realtimeStatusRequest("printer")).toEqual(Uint8Array.of(0x10, 0x04, 0x01));
    expect(realtimeStatusRequest("paperSensor")).toEqual(Uint8Array.of(0x10, 0x04, 0x04));
    expect(realtimeStatusRequest(3)).toEqual(Uint8Array.of(0x10, 0x04, 0x03));
    expect(() => realtimeStatusRequest(5)).toThrow(expect.objectContaining({ code: "ESCPOS_BAD_STATUS_REQUEST" }));
  });

  it.each<[RealtimeStatusKind, number, Record<string, boolean>]>([
    [
      "printer",
      0x12,
      { drawerPin3High: false, offline: false, waitingForOnlineRecovery: false, feedButtonPressed: false },
    ],
    [
      "printer",
      0x1a,
      { drawerPin3High: false, offline: true, waitingForOnlineRecovery: false, feedButtonPressed: false },
    ],
    [
      "printer",
      0x76,
      { drawerPin3High: true, offline: false, waitingForOnlineRecovery: true, feedButtonPressed: true },
    ],
    ["offlineCause", 0x16, { coverOpen: true, paperFeedByButton: false, paperEndStop: false, errorOccurred: false }],
    ["offlineCause", 0x72, { coverOpen: false, paperFeedByButton: false, paperEndStop: true, errorOccurred: true }],
    [
      "errorCause",
      0x1a,
      { recoverableError: false, autocutterError: true, unrecoverableError: false, autoRecoverableError: false },
    ],
    [
      "errorCause",
      0x72,
      { recoverableError: false, autocutterError: false, unrecoverableError: true, autoRecoverableError: true },
    ],
    ["paperSensor", 0x1e, { paperNearEnd: true, paperEnd: false }],
    ["paperSensor", 0x7e, { paperNearEnd: true, paperEnd: true }],
    ["paperSensor", 0x12, { paperNearEnd: false, paperEnd: false }],
  ])("%s status 0x%s", (kind, byte, status) => {
    expect(decodeRealtimeStatus(kind, byte)).toEqual(status);
    expect(encodeRealtimeStatus(kind, status as never)).toBe(byte);
  });

  it("reads either bit of a two-sensor pair (Citizen reports the sensors separately)", () => {
    expect(decodeRealtimeStatus("paperSensor", 0x12 | 0x04).paperNearEnd).toBe(true);
    expect(decodeRealtimeStatus("paperSensor", 0x12 | 0x20).paperEnd).toBe(true);
  });

  it("rejects impossible bytes", () => {
    for (const byte of [0x00, 0x02, 0x10, 0x13, 0x92, 0xff, 256, -1]) {
      expect(() => decodeRealtimeStatus("printer", byte), String(byte)).toThrow(
        expect.objectContaining({ code: "ESCPOS_BAD_STATUS_BYTE" }),
      );
    }
  });

  it("round trips every status and types every random byte", () => {
    const kinds = Object.keys(REALTIME_STATUS) as RealtimeStatusKind[];
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.integer({ min: 0, max: 255 }), (kind, byte) => {
        try {
          const status = decodeRealtimeStatus(kind, byte);
          const again = encodeRealtimeStatus(kind, status);
          expect(decodeRealtimeStatus(kind, again)).toEqual(status);
        } catch (err) {
          expect(err).toBeInstanceOf(EscPosError);
        }
      }),
    );
  });
});

const ALL_CLEAR: AutoStatus = {
  drawerPin3High: false,
  offline: false,
  coverOpen: false,
  paperFeedByButton: false,
  waitingForOnlineRecovery: false,
  feedButtonPressed: false,
  recoverableError: false,
  autocutterError: false,
  unrecoverableError: false,
  autoRecoverableError: false,
  paperNearEnd: false,
  paperEnd: false,
};

describe("GS a automatic status back", () => {
  it("builds and reads GS a n", () => {
    const all = { drawer: true, onlineOffline: true, error: true, paperSensor: true };
    expect(autoStatusBackCommand(all)).toEqual(Uint8Array.of(0x1d, 0x61, 0x0f));
    expect(autoStatusBackCommand({ ...all, drawer: false, paperSensor: false })).toEqual(
      Uint8Array.of(0x1d, 0x61, 0x06),
    );
    expect(decodeAutoStatusBackEnable(0x0f)).toEqual(all);
  });

  it("decodes the 4-byte answer", () => {
    expect(decodeAutoStatus(Uint8Array.of(0x10, 0x00, 0x00, 0x00))).toEqual(ALL_CLEAR);
    expect(decodeAutoStatus(Uint8Array.of(0x38, 0x08, 0x0f, 0x00))).toEqual({
      ...ALL_CLEAR,
      offline: true,
      coverOpen: true,
      autocutterError: true,
      paperNearEnd: true,
      paperEnd: true,
    });
    expect(encodeAutoStatus({ ...ALL_CLEAR, coverOpen: true })).toEqual(Uint8Array.of(0x30, 0, 0, 0));
  });

  it("rejects answers with fixed bits wrong", () => {
    for (const bad of [
      [0x12, 0, 0, 0],
      [0x10, 0x10, 0, 0],
      [0x10, 0, 0x80, 0],
      [0x10, 0, 0],
    ]) {
      expect(() => decodeAutoStatus(Uint8Array.from(bad))).toThrow(expect.objectContaining({ code: "ESCPOS_BAD_ASB" }));
    }
  });

  it("round trips any status", () => {
    const flags = fc.record(
      Object.fromEntries(Object.keys(ALL_CLEAR).map((k) => [k, fc.boolean()])) as Record<
        keyof AutoStatus,
        fc.Arbitrary<boolean>
      >,
    );
    fc.assert(
      fc.property(flags, (status: AutoStatus) => {
        expect(decodeAutoStatus(encodeAutoStatus(status))).toEqual(status);
      }),
    );
  });
});

describe("printer condition", () => {
  it("summarises real-time status", () => {
    const condition = conditionFromRealtime({
      printer: decodeRealtimeStatus("printer", 0x1a),
      offlineCause: decodeRealtimeStatus("offlineCause", 0x36),
      errorCause: decodeRealtimeStatus("errorCause", 0x12),
      paperSensor: decodeRealtimeStatus("paperSensor", 0x7e),
    });
    expect(condition).toEqual({
      online: false,
      coverOpen: true,
      paperOut: true,
      paperNearEnd: true,
      error: false,
      unrecoverableError: false,
      drawerPin3High: false,
    });
  });

  it("summarises automatic status", () => {
    expect(conditionFromAutoStatus({ ...ALL_CLEAR, autoRecoverableError: true })).toMatchObject({
      online: true,
      error: true,
      unrecoverableError: false,
    });
  });
});

describe("status reply reader", () => {
  it("matches DLE EOT answers to requests and assembles ASB packets", () => {
    const reader = new StatusReplyReader();
    reader.expect("printer");
    reader.expect("paperSensor");
    const events = reader.feed(Uint8Array.of(0x12, 0x30, 0x00, 0x00, 0x00, 0x7e, 0x99));
    expect(events).toEqual([
      { type: "realtime", kind: "printer", byte: 0x12 },
      { type: "asb", status: { ...ALL_CLEAR, coverOpen: true } },
      { type: "realtime", kind: "paperSensor", byte: 0x7e },
      { type: "unexpected", byte: 0x99 },
    ]);
    expect(reader.outstanding).toEqual([]);
  });

  it("never throws on random bytes", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 9 }), { maxLength: 20 }), (chunks) => {
        const reader = new StatusReplyReader();
        reader.expect("printer");
        for (const c of chunks)
          for (const e of reader.feed(c)) expect(["realtime", "asb", "unexpected"]).toContain(e.type);
      }),
    );
  });
});
