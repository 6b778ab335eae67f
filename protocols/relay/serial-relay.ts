import { RelayError } from "./errors.ts";

/**
 * LC Technology "LCUS" serial relay modules (CH340 USB-serial, 9600 8N1). Per the vendor's
 * product notes (as quoted by jarwyg/USB_RELAY and several drivers):
 *
 *   command  A0 <relay> <state> <sum>   state 01 on, 00 off; sum = (A0 + relay + state) & FF
 *            e.g. A0 01 01 A2 relay 1 on, A0 01 00 A1 relay 1 off, A0 02 01 A3 relay 2 on
 *   query    FF                         the board answers one ASCII line per relay:
 *            "CH1: ON \r\nCH2: OFF\r\n"  (captured from an LCUS-2 by brzycki's driver; other
 *            boards are reported to send "CH1:OFF " without the space, so both are read)
 *
 * Boards without the query simply do not answer it.
 */
export const SERIAL_RELAY = {
  start: 0xa0,
  frameLength: 4,
  statusQuery: 0xff,
  baudRate: 9600,
  on: 0x01,
  off: 0x00,
} as const;

export interface SerialRelayCommand {
  relay: number;
  on: boolean;
}

function checksum(relay: number, state: number): number {
  return (SERIAL_RELAY.start + relay + state) & 0xff;
}

function checkRelay(relay: number): void {
  // The address is one byte; boards have 1..8 relays, but the protocol itself allows 1..255.
  if (!Number.isInteger(relay) || relay < 1 || relay > 0xff) {
    throw new RelayError("RELAY_BAD_RELAY", `Serial relay address must be 1..255, got ${relay}`, { relay });
  }
}

/** The 4-byte command frame (host side). */
export function encodeSerialRelayCommand(command: SerialRelayCommand): Uint8Array {
  checkRelay(command.relay);
  const state = command.on ? SERIAL_RELAY.on : SERIAL_RELAY.off;
  return Uint8Array.of(SERIAL_RELAY.start, command.relay, state, checksum(command.relay, state));
}

/** The status query byte (host side). */
export function encodeSerialRelayStatusQuery(): Uint8Array {
  return Uint8Array.of(SERIAL_RELAY.statusQuery);
}

/** Reads one 4-byte frame (device side). Throws RELAY_BAD_FRAME or RELAY_BAD_CHECKSUM. */
export function decodeSerialRelayCommand(bytes: Uint8Array): SerialRelayCommand {
  if (bytes.length !== SERIAL_RELAY.frameLength || bytes[0] !== SERIAL_RELAY.start) {
    throw new RelayError("RELAY_BAD_FRAME", "A serial relay frame is 4 bytes starting with A0", {
      length: bytes.length,
    });
  }
  const relay = bytes[1] ?? 0;
  const state = bytes[2] ?? 0;
  const sum = bytes[3] ?? 0;
  if (sum !== checksum(relay, state)) {
    throw new RelayError(
      "RELAY_BAD_CHECKSUM",
      `Serial relay frame checksum is 0x${sum.toString(16)}, expected 0x${checksum(relay, state).toString(16)}`,
      { relay, state, sum },
    );
  }
  if (relay === 0) throw new RelayError("RELAY_BAD_RELAY", "Serial relay frame addresses relay 0", { relay });
  if (state !== SERIAL_RELAY.on && state !== SERIAL_RELAY.off) {
    throw new RelayError("RELAY_BAD_FRAME", `Serial relay state byte must be 00 or 01, got ${state}`, { state });
  }
  return { relay, on: state === SERIAL_RELAY.on };
}

export type SerialRelayEvent =
  | ({ type: "command" } & SerialRelayCommand)
  | { type: "statusQuery" }
  | { type: "warning"; code: "RELAY_BAD_FRAME" | "RELAY_BAD_CHECKSUM" | "RELAY_BAD_RELAY"; message: string };

/**
 * Device-side stream parser: feed bytes in any chunking, get commands and status queries. Bytes
 * outside a frame other than A0/FF are skipped with a warning; a frame with a bad checksum is
 * dropped and scanning resumes after its A0. Holds at most 3 bytes between calls. Never throws.
 */
export class SerialRelayFrameParser {
  private buffer: number[] = [];

  feed(chunk: Uint8Array): SerialRelayEvent[] {
    const events: SerialRelayEvent[] = [];
    let skipped = 0;
    const flushSkipped = () => {
      if (skipped === 0) return;
      events.push({ type: "warning", code: "RELAY_BAD_FRAME", message: `Skipped ${skipped} byte(s) outside a frame` });
      skipped = 0;
    };
    const pending = [...this.buffer, ...chunk];
    this.buffer = [];
    let i = 0;
    while (i < pending.length) {
      const b = pending[i] ?? 0;
      if (b === SERIAL_RELAY.statusQuery) {
        flushSkipped();
        events.push({ type: "statusQuery" });
        i++;
        continue;
      }
      if (b !== SERIAL_RELAY.start) {
        skipped++;
        i++;
        continue;
      }
      if (pending.length - i < SERIAL_RELAY.frameLength) {
        this.buffer = pending.slice(i);
        break;
      }
      flushSkipped();
      const frame = Uint8Array.from(pending.slice(i, i + SERIAL_RELAY.frameLength));
      try {
        events.push({ type: "command", ...decodeSerialRelayCommand(frame) });
        i += SERIAL_RELAY.frameLength;
      } catch (err) {
        const { code, message } = err as RelayError;
        events.push({ type: "warning", code: code as "RELAY_BAD_FRAME", message });
        i++; // resynchronise on the next A0
      }
    }
    flushSkipped();
    return events;
  }
}

/** The status answer a board sends (device side): one "CHn: ON " / "CHn: OFF" line per relay. */
export function encodeSerialRelayStatus(states: readonly boolean[]): Uint8Array {
  const text = states.map((on, i) => `CH${i + 1}: ${on ? "ON " : "OFF"}\r\n`).join("");
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

const STATUS_LINE = /^CH([0-9]{1,3}): ?(ON|OFF) ?$/;

/**
 * Reads a status answer (host side) into states indexed by relay - 1. Throws RELAY_BAD_STATUS
 * when a line is not a status line or no line is present (the board may not support the query).
 */
export function decodeSerialRelayStatus(bytes: Uint8Array | string): boolean[] {
  const text = typeof bytes === "string" ? bytes : String.fromCharCode(...bytes);
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) {
    throw new RelayError("RELAY_BAD_STATUS", "Empty status answer; this board may not support the FF query", {});
  }
  const states: boolean[] = [];
  for (const line of lines) {
    const match = STATUS_LINE.exec(line);
    const relay = Number(match?.[1]);
    if (!match || relay < 1 || relay > 255) {
      throw new RelayError("RELAY_BAD_STATUS", `Not a relay status line: ${JSON.stringify(line.slice(0, 40))}`, {
        line: line.slice(0, 40),
      });
    }
    states[relay - 1] = match[2] === "ON";
  }
  return Array.from(states, (s) => s === true);
}
