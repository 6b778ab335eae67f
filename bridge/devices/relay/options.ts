/**
 * The config `options` of the security relay boards, with the defaults and limits the driver
 * (security-relay.ts) uses: one schema, read by the config loader and by the driver alike. Rules that
 * tie options together (a pulse no longer than maxPulseMs, channels within relayCount) are the driver's.
 */
import { Type } from "@sinclair/typebox";
import { closedObject as closed, oneOf } from "../../config/schema.ts";

const relayNumber = Type.Optional(Type.Integer({ minimum: 1, maximum: 8 }));
const milliseconds = (min: number, max: number, value: number) =>
  Type.Optional(Type.Integer({ minimum: min, maximum: max, default: value }));

const common = {
  /** Relays on the board. */
  relayCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 8, default: 2 })),
  /** Which relay desensitizes and which resensitizes (default 1 and, with 2 relays or more, 2). */
  channels: Type.Optional(closed({ desensitize: relayNumber, resensitize: relayNumber })),
  /** Pulse length; at most maxPulseMs. */
  pulseMs: milliseconds(1, 60_000, 200),
  /** Least time between the end of one pulse and the start of the next on the same relay. */
  minGapMs: milliseconds(0, 600_000, 500),
  /** Longest pulse accepted, to protect the coil. */
  maxPulseMs: milliseconds(1, 60_000, 5000),
  /** Read the state back after switching, where the board can (default true). */
  verify: Type.Optional(Type.Boolean()),
  /** How long to wait for the board to answer. */
  answerTimeoutMs: milliseconds(1, 60_000, 500),
  /** The relay selfTest() clicks (default the desensitize relay). */
  testRelay: relayNumber,
  /** With an alarm input the board does not report by itself: how often to poll it. */
  alarmPollMs: milliseconds(10, 600_000, 250),
};

export const USB_HID_RELAY_OPTIONS = closed({
  ...common,
  /** A board with an input: which byte and bit(s) of its input report carry the gate alarm. */
  alarmInput: Type.Optional(
    closed({
      reportByte: Type.Integer({ minimum: 0, maximum: 63 }),
      /** At least one bit: a mask of 0 would never see the alarm. */
      mask: Type.Integer({ minimum: 1, maximum: 255, acceptHex: true }),
      activeLow: Type.Optional(Type.Boolean()),
    }),
  ),
});

export const SERIAL_RELAY_OPTIONS = closed({
  ...common,
  /** Whether the board answers the FF status query (default true). */
  statusQuery: Type.Optional(Type.Boolean()),
  /** The status channel that reports the gate alarm contact, if wired: above the relays. */
  alarmInput: Type.Optional(
    closed({
      statusChannel: Type.Integer({ minimum: 2, maximum: 255 }),
      activeWhen: Type.Optional(oneOf(["on", "off"])),
    }),
  ),
});
