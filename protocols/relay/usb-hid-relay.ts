import { RelayError } from "./errors.ts";

/**
 * The common V-USB HID relay boards ("USBRelay1".."USBRelay8", www.dcttech.com), per
 * pavel-a/usb-relay-hid (lib/usb_relay_lib.c, usb_relay_hw.h) and the open firmwares
 * (u1f35c/usb-relay-firmware and forks). Everything goes through feature report 0, 8 data bytes:
 *
 *   SET: [cmd, arg, 0, 0, 0, 0, 0, 0]   FF n relay n on, FD n relay n off, FE all on, FC all off,
 *                                       FA s1..s5 set the 5-character board ID
 *   GET: [id1..id5, 0, ?, state]        board ID (printable ASCII 0x21..0x7E), a zero byte, an
 *                                       undefined byte, relay states (bit 0 = relay 1)
 *
 * With the report ID byte in front (as node-hid and hidapi want it) the buffers are 9 bytes.
 */
export const USB_RELAY = {
  vendorId: 0x16c0,
  productId: 0x05df,
  productPrefix: "USBRelay",
  reportId: 0,
  dataLength: 8,
  idLength: 5,
  maxRelays: 8,
  stateOffset: 7,
} as const;

export const USB_RELAY_COMMAND_BYTES = { on: 0xff, off: 0xfd, allOn: 0xfe, allOff: 0xfc, setId: 0xfa } as const;

export type UsbRelayCommand =
  | { type: "on"; relay: number }
  | { type: "off"; relay: number }
  | { type: "allOn" }
  | { type: "allOff" }
  | { type: "setId"; id: string };

export interface UsbRelayState {
  /** The board's 5-character ID (often called its serial). */
  id: string;
  /** Bit 0 = relay 1. */
  mask: number;
}

export interface ReportFraming {
  /** Whether buffers carry the report ID byte first (default true: node-hid's form). */
  withReportId?: boolean;
}

function checkRelay(relay: number): void {
  if (!Number.isInteger(relay) || relay < 1 || relay > USB_RELAY.maxRelays) {
    throw new RelayError("RELAY_BAD_RELAY", `Relay number must be 1..${USB_RELAY.maxRelays}, got ${relay}`, { relay });
  }
}

function checkId(id: string): Uint8Array {
  const bytes = Uint8Array.from(id, (c) => c.charCodeAt(0));
  if (bytes.length !== USB_RELAY.idLength || bytes.some((b) => b <= 0x20 || b >= 0x7f) || id.length !== 5) {
    throw new RelayError(
      "RELAY_BAD_SERIAL",
      `Relay board ID must be ${USB_RELAY.idLength} printable ASCII characters, got ${JSON.stringify(id)}`,
      { id },
    );
  }
  return bytes;
}

function frame(data: Uint8Array, framing: ReportFraming): Uint8Array {
  if (framing.withReportId === false) return data;
  const out = new Uint8Array(USB_RELAY.dataLength + 1);
  out[0] = USB_RELAY.reportId;
  out.set(data, 1);
  return out;
}

function unframe(bytes: Uint8Array, framing: ReportFraming, what: string): Uint8Array {
  const withId = framing.withReportId !== false;
  const expected = USB_RELAY.dataLength + (withId ? 1 : 0);
  if (bytes.length !== expected) {
    throw new RelayError("RELAY_BAD_REPORT", `${what} must be ${expected} bytes, got ${bytes.length}`, {
      length: bytes.length,
    });
  }
  if (withId && bytes[0] !== USB_RELAY.reportId) {
    throw new RelayError("RELAY_BAD_REPORT", `${what} must use report ID 0, got ${bytes[0]}`, { reportId: bytes[0] });
  }
  return withId ? bytes.subarray(1) : bytes;
}

/** The SET feature report for a command (host side). */
export function encodeUsbRelayCommand(command: UsbRelayCommand, framing: ReportFraming = {}): Uint8Array {
  const data = new Uint8Array(USB_RELAY.dataLength);
  data[0] = USB_RELAY_COMMAND_BYTES[command.type];
  if (command.type === "on" || command.type === "off") {
    checkRelay(command.relay);
    data[1] = command.relay;
  } else if (command.type === "setId") {
    data.set(checkId(command.id), 1);
  }
  return frame(data, framing);
}

const COMMAND_BY_BYTE = new Map<number, UsbRelayCommand["type"]>(
  Object.entries(USB_RELAY_COMMAND_BYTES).map(([name, byte]) => [byte, name as UsbRelayCommand["type"]]),
);

/** Reads a SET feature report (device side). Throws RelayError on anything the board would not accept. */
export function decodeUsbRelayCommand(bytes: Uint8Array, framing: ReportFraming = {}): UsbRelayCommand {
  const data = unframe(bytes, framing, "Relay command report");
  const type = COMMAND_BY_BYTE.get(data[0] ?? 0);
  switch (type) {
    case "on":
    case "off": {
      const relay = data[1] ?? 0;
      checkRelay(relay);
      return { type, relay };
    }
    case "allOn":
    case "allOff":
      return { type };
    case "setId":
      return { type, id: String.fromCharCode(...checkId(String.fromCharCode(...data.subarray(1, 6)))) };
    default:
      throw new RelayError(
        "RELAY_UNKNOWN_COMMAND",
        `Unknown relay command byte 0x${(data[0] ?? 0).toString(16).padStart(2, "0")}; expected FF, FD, FE, FC or FA`,
        { command: data[0] },
      );
  }
}

/** The GET feature report a board answers with (device side). */
export function encodeUsbRelayState(state: UsbRelayState, framing: ReportFraming = {}): Uint8Array {
  if (!Number.isInteger(state.mask) || state.mask < 0 || state.mask > 0xff) {
    throw new RelayError("RELAY_BAD_REPORT", `Relay state mask must be 0..255, got ${state.mask}`, {
      mask: state.mask,
    });
  }
  const data = new Uint8Array(USB_RELAY.dataLength);
  data.set(checkId(state.id), 0);
  data[USB_RELAY.stateOffset] = state.mask;
  return frame(data, framing);
}

/** Reads the GET feature report (host side): board ID and relay states. */
export function decodeUsbRelayState(bytes: Uint8Array, framing: ReportFraming = {}): UsbRelayState {
  const data = unframe(bytes, framing, "Relay state report");
  const id = String.fromCharCode(...data.subarray(0, USB_RELAY.idLength));
  try {
    checkId(id);
  } catch {
    throw new RelayError("RELAY_BAD_SERIAL", `Relay state report has no valid board ID (${JSON.stringify(id)})`, {
      id,
    });
  }
  // pavel-a's library rejects boards whose ID is not followed by a zero byte.
  if (data[USB_RELAY.idLength] !== 0) {
    throw new RelayError("RELAY_BAD_REPORT", "Relay state report: the byte after the board ID must be 0", {
      byte: data[USB_RELAY.idLength],
    });
  }
  return { id, mask: data[USB_RELAY.stateOffset] ?? 0 };
}

/** Whether relay n (1-based) is on in a state mask. */
export function isRelayOn(mask: number, relay: number): boolean {
  checkRelay(relay);
  return (mask & (1 << (relay - 1))) !== 0;
}

/** Applies a command to a state mask, as the board does, for a board with `relayCount` relays. */
export function applyUsbRelayCommand(mask: number, command: UsbRelayCommand, relayCount: number): number {
  const all = (1 << relayCount) - 1;
  switch (command.type) {
    // Firmwares ignore relay numbers above their relay count.
    case "on":
      return command.relay <= relayCount ? mask | (1 << (command.relay - 1)) : mask;
    case "off":
      return command.relay <= relayCount ? mask & ~(1 << (command.relay - 1)) & 0xff : mask;
    case "allOn":
      return all;
    case "allOff":
      return 0;
    case "setId":
      return mask;
  }
}

/** Relay count from the USB product string, "USBRelay1".."USBRelay8". */
export function relayCountFromProduct(product: string): number {
  const match = /^USBRelay([1-8])$/.exec(product);
  if (!match) {
    throw new RelayError(
      "RELAY_BAD_PRODUCT",
      `USB product "${product}" is not a HID relay board name (USBRelay1..USBRelay8)`,
      { product },
    );
  }
  return Number(match[1]);
}
