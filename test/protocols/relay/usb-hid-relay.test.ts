import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RelayError } from "../../../protocols/relay/errors.ts";
import {
  applyUsbRelayCommand,
  decodeUsbRelayCommand,
  decodeUsbRelayState,
  encodeUsbRelayCommand,
  encodeUsbRelayState,
  isRelayOn,
  relayCountFromProduct,
  type UsbRelayCommand,
} from "../../../protocols/relay/usb-hid-relay.ts";

const bytes = (...b: number[]) => Uint8Array.from(b);

describe("USB HID relay feature reports", () => {
  // Buffers as pavel-a/usb-relay-hid builds them: report ID 0, command, relay number, zeros (9 bytes).
  it.each<[UsbRelayCommand, Uint8Array]>([
    [{ type: "on", relay: 1 }, bytes(0, 0xff, 1, 0, 0, 0, 0, 0, 0)],
    [{ type: "off", relay: 2 }, bytes(0, 0xfd, 2, 0, 0, 0, 0, 0, 0)],
    [{ type: "allOn" }, bytes(0, 0xfe, 0, 0, 0, 0, 0, 0, 0)],
    [{ type: "allOff" }, bytes(0, 0xfc, 0, 0, 0, 0, 0, 0, 0)],
    [{ type: "setId", id: "ABCDE" }, bytes(0, 0xfa, 0x41, 0x42, 0x43, 0x44, 0x45, 0, 0)],
  ])("encodes %j", (command, expected) => {
    expect(encodeUsbRelayCommand(command)).toEqual(expected);
    expect(decodeUsbRelayCommand(expected)).toEqual(command);
    expect(encodeUsbRelayCommand(command, { withReportId: false })).toEqual(expected.subarray(1));
  });

  it("reads the state report: ID, zero byte, state mask in the last byte", () => {
    const report = bytes(0, 0x51, 0x57, 0x45, 0x52, 0x54, 0, 0, 0b101);
    expect(decodeUsbRelayState(report)).toEqual({ id: "QWERT", mask: 5 });
    expect(encodeUsbRelayState({ id: "QWERT", mask: 5 })).toEqual(report);
    expect(isRelayOn(5, 1)).toBe(true);
    expect(isRelayOn(5, 2)).toBe(false);
  });

  it("applies commands like the firmware", () => {
    expect(applyUsbRelayCommand(0, { type: "on", relay: 2 }, 2)).toBe(2);
    expect(applyUsbRelayCommand(3, { type: "off", relay: 1 }, 2)).toBe(2);
    expect(applyUsbRelayCommand(0, { type: "on", relay: 5 }, 2)).toBe(0);
    expect(applyUsbRelayCommand(0, { type: "allOn" }, 4)).toBe(0b1111);
    expect(applyUsbRelayCommand(0b1111, { type: "allOff" }, 4)).toBe(0);
  });

  it("reads the relay count from the product name", () => {
    expect(relayCountFromProduct("USBRelay2")).toBe(2);
    expect(() => relayCountFromProduct("USBRelay9")).toThrow(expect.objectContaining({ code: "RELAY_BAD_PRODUCT" }));
  });

  it("rejects bad input with typed errors", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return (err as RelayError).code;
      }
      return "none";
    };
    expect(code(() => encodeUsbRelayCommand({ type: "on", relay: 9 }))).toBe("RELAY_BAD_RELAY");
    expect(code(() => encodeUsbRelayCommand({ type: "setId", id: "AB CD" }))).toBe("RELAY_BAD_SERIAL");
    expect(code(() => decodeUsbRelayCommand(bytes(0, 0x01, 0, 0, 0, 0, 0, 0, 0)))).toBe("RELAY_UNKNOWN_COMMAND");
    expect(code(() => decodeUsbRelayCommand(bytes(1, 0xff, 1, 0, 0, 0, 0, 0, 0)))).toBe("RELAY_BAD_REPORT");
    expect(code(() => decodeUsbRelayCommand(bytes(0, 0xff, 0, 0, 0, 0, 0, 0, 0)))).toBe("RELAY_BAD_RELAY");
    expect(code(() => decodeUsbRelayState(bytes(0, 0xff, 1)))).toBe("RELAY_BAD_REPORT");
    expect(code(() => decodeUsbRelayState(bytes(0, 0x41, 0x41, 0x41, 0x41, 0x41, 1, 0, 0)))).toBe("RELAY_BAD_REPORT");
    expect(code(() => decodeUsbRelayState(bytes(0, 0x41, 0, 0x41, 0x41, 0x41, 0, 0, 0)))).toBe("RELAY_BAD_SERIAL");
  });

  const command = fc.oneof(
    fc.record({ type: fc.constantFrom("on" as const, "off" as const), relay: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ type: fc.constantFrom("allOn" as const, "allOff" as const) }),
    fc.record({ type: fc.constant("setId" as const), id: fc.stringMatching(/^[!-~]{5}$/) }),
  );

  it("round trips commands and states", () => {
    fc.assert(
      fc.property(command, fc.boolean(), (cmd, withReportId) => {
        expect(decodeUsbRelayCommand(encodeUsbRelayCommand(cmd, { withReportId }), { withReportId })).toEqual(cmd);
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[!-~]{5}$/), fc.integer({ min: 0, max: 255 }), (id, mask) => {
        expect(decodeUsbRelayState(encodeUsbRelayState({ id, mask }))).toEqual({ id, mask });
      }),
    );
  });

  it("random bytes give only typed errors", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (data) => {
        for (const decode of [decodeUsbRelayCommand, decodeUsbRelayState]) {
          try {
            decode(data);
          } catch (err) {
            expect(err).toBeInstanceOf(RelayError);
          }
        }
      }),
    );
  });
});
