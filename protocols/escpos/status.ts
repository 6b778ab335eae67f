import { EscPosError } from "./errors.ts";

/**
 * ESC/POS printer status, both directions: the host's requests and the printer's answers.
 * Bit layouts per the Epson ESC/POS command reference (DLE EOT, GS a), as reproduced in the
 * TM-T88III/TM-U220/TM-L90 manuals and followed by Bixolon/Samsung and Citizen printers.
 */

const DLE = 0x10;
const EOT = 0x04;
const GS = 0x1d;

/** DLE EOT n: which status byte to send. */
export const REALTIME_STATUS = { printer: 1, offlineCause: 2, errorCause: 3, paperSensor: 4 } as const;
export type RealtimeStatusKind = keyof typeof REALTIME_STATUS;

/**
 * One table drives decode and encode. A field whose mask has two bits is reported by two sensors
 * or two bits together (Epson sets both); reading treats either bit as set, writing sets both.
 */
const REALTIME_FIELDS = {
  printer: { drawerPin3High: 0x04, offline: 0x08, waitingForOnlineRecovery: 0x20, feedButtonPressed: 0x40 },
  offlineCause: { coverOpen: 0x04, paperFeedByButton: 0x08, paperEndStop: 0x20, errorOccurred: 0x40 },
  errorCause: { recoverableError: 0x04, autocutterError: 0x08, unrecoverableError: 0x20, autoRecoverableError: 0x40 },
  paperSensor: { paperNearEnd: 0x0c, paperEnd: 0x60 },
} as const;

export type RealtimeStatus<K extends RealtimeStatusKind> = { [F in keyof (typeof REALTIME_FIELDS)[K]]: boolean };
export type PrinterStatus = RealtimeStatus<"printer">;
export type OfflineCauseStatus = RealtimeStatus<"offlineCause">;
export type ErrorCauseStatus = RealtimeStatus<"errorCause">;
export type PaperSensorStatus = RealtimeStatus<"paperSensor">;

/** Real-time status bytes have bit 1 and bit 4 set, bits 0 and 7 clear. */
const REALTIME_FIXED = { mask: 0x93, value: 0x12 } as const;

function kindOf(n: number): RealtimeStatusKind {
  const kind = (Object.keys(REALTIME_STATUS) as RealtimeStatusKind[]).find((k) => REALTIME_STATUS[k] === n);
  if (!kind) {
    throw new EscPosError("ESCPOS_BAD_STATUS_REQUEST", `DLE EOT n: n must be 1..4, got ${n}`, { n });
  }
  return kind;
}

/** DLE EOT n, the real-time status request (host side). */
export function realtimeStatusRequest(kind: RealtimeStatusKind | number): Uint8Array {
  const n = typeof kind === "number" ? kind : REALTIME_STATUS[kind];
  kindOf(n);
  return Uint8Array.of(DLE, EOT, n);
}

function fmt(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}

/** Decodes the one byte a printer answers to DLE EOT n. Throws ESCPOS_BAD_STATUS_BYTE for an impossible byte. */
export function decodeRealtimeStatus<K extends RealtimeStatusKind>(kind: K, byte: number): RealtimeStatus<K> {
  if (!Number.isInteger(byte) || byte < 0 || byte > 0xff || (byte & REALTIME_FIXED.mask) !== REALTIME_FIXED.value) {
    throw new EscPosError(
      "ESCPOS_BAD_STATUS_BYTE",
      `DLE EOT ${REALTIME_STATUS[kind]} answer ${fmt(byte)} is impossible (bits 1 and 4 must be set, 0 and 7 clear); the stream is out of step or the printer is not ESC/POS`,
      { kind, byte },
    );
  }
  const out: Record<string, boolean> = {};
  for (const [field, mask] of Object.entries(REALTIME_FIELDS[kind])) out[field] = (byte & mask) !== 0;
  return out as RealtimeStatus<K>;
}

/** The byte a printer would answer (printer simulator side). */
export function encodeRealtimeStatus<K extends RealtimeStatusKind>(kind: K, status: RealtimeStatus<K>): number {
  let byte: number = REALTIME_FIXED.value;
  for (const [field, mask] of Object.entries(REALTIME_FIELDS[kind])) {
    if ((status as Record<string, boolean>)[field]) byte |= mask;
  }
  return byte;
}

/** GS a n: which changes the printer reports by itself (Automatic Status Back). */
export const ASB_ENABLE_BITS = { drawer: 0x01, onlineOffline: 0x02, error: 0x04, paperSensor: 0x08 } as const;
export type AsbEnable = { [F in keyof typeof ASB_ENABLE_BITS]: boolean };

export function autoStatusBackCommand(enable: AsbEnable): Uint8Array {
  let n = 0;
  for (const [field, bit] of Object.entries(ASB_ENABLE_BITS)) if (enable[field as keyof AsbEnable]) n |= bit;
  return Uint8Array.of(GS, 0x61, n);
}

export function decodeAutoStatusBackEnable(n: number): AsbEnable {
  const out: Record<string, boolean> = {};
  for (const [field, bit] of Object.entries(ASB_ENABLE_BITS)) out[field] = (n & bit) !== 0;
  return out as AsbEnable;
}

/**
 * The 4-byte ASB answer, byte by byte. Byte 1 has bit 4 set and bits 0, 1, 7 clear; bytes 2-4
 * have bits 4 and 7 clear. That is how a host tells ASB bytes from DLE EOT answers (Epson
 * "Identification of send status").
 */
const ASB_BYTES = [
  {
    fixed: { mask: 0x93, value: 0x10 },
    fields: { drawerPin3High: 0x04, offline: 0x08, coverOpen: 0x20, paperFeedByButton: 0x40 },
  },
  {
    fixed: { mask: 0x90, value: 0x00 },
    fields: {
      waitingForOnlineRecovery: 0x01,
      feedButtonPressed: 0x02,
      recoverableError: 0x04,
      autocutterError: 0x08,
      unrecoverableError: 0x20,
      autoRecoverableError: 0x40,
    },
  },
  { fixed: { mask: 0x90, value: 0x00 }, fields: { paperNearEnd: 0x03, paperEnd: 0x0c } },
  { fixed: { mask: 0x90, value: 0x00 }, fields: {} },
] as const;

type AsbFieldsOf<I extends 0 | 1 | 2 | 3> = keyof (typeof ASB_BYTES)[I]["fields"];
export type AutoStatus = { [F in AsbFieldsOf<0> | AsbFieldsOf<1> | AsbFieldsOf<2>]: boolean };

export const ASB_LENGTH = 4;

export function isAsbFirstByte(byte: number): boolean {
  return (byte & ASB_BYTES[0].fixed.mask) === ASB_BYTES[0].fixed.value;
}

export function isRealtimeStatusByte(byte: number): boolean {
  return (byte & REALTIME_FIXED.mask) === REALTIME_FIXED.value;
}

/** Decodes the 4-byte ASB answer (host side). Throws ESCPOS_BAD_ASB when a fixed bit is wrong. */
export function decodeAutoStatus(bytes: Uint8Array): AutoStatus {
  if (bytes.length !== ASB_LENGTH) {
    throw new EscPosError("ESCPOS_BAD_ASB", `Automatic status is ${ASB_LENGTH} bytes, got ${bytes.length}`, {
      length: bytes.length,
    });
  }
  const out: Record<string, boolean> = {};
  ASB_BYTES.forEach(({ fixed, fields }, i) => {
    const byte = bytes[i] ?? 0;
    if ((byte & fixed.mask) !== fixed.value) {
      throw new EscPosError(
        "ESCPOS_BAD_ASB",
        `Automatic status byte ${i + 1} is ${fmt(byte)}, which has a fixed bit wrong; the stream is out of step`,
        { index: i, byte },
      );
    }
    for (const [field, mask] of Object.entries(fields)) out[field] = (byte & mask) !== 0;
  });
  return out as AutoStatus;
}

/** The 4 bytes a printer sends when its status changes with ASB enabled (simulator side). */
export function encodeAutoStatus(status: AutoStatus): Uint8Array {
  return Uint8Array.from(ASB_BYTES, ({ fixed, fields }) => {
    let byte: number = fixed.value;
    for (const [field, mask] of Object.entries(fields)) if ((status as Record<string, boolean>)[field]) byte |= mask;
    return byte;
  });
}

/** What the kiosk needs to know about the printer, from either kind of status. */
export interface PrinterCondition {
  online: boolean;
  coverOpen: boolean;
  paperOut: boolean;
  paperNearEnd: boolean;
  /** Any error: autocutter, mechanical, unrecoverable, or auto-recoverable (e.g. head too hot). */
  error: boolean;
  /** Only unrecoverable errors need a technician. */
  unrecoverableError: boolean;
  drawerPin3High: boolean;
}

export function conditionFromRealtime(status: {
  printer: PrinterStatus;
  offlineCause: OfflineCauseStatus;
  errorCause: ErrorCauseStatus;
  paperSensor: PaperSensorStatus;
}): PrinterCondition {
  const { printer, offlineCause, errorCause, paperSensor } = status;
  return {
    online: !printer.offline,
    coverOpen: offlineCause.coverOpen,
    paperOut: paperSensor.paperEnd || offlineCause.paperEndStop,
    paperNearEnd: paperSensor.paperNearEnd,
    error:
      offlineCause.errorOccurred ||
      errorCause.recoverableError ||
      errorCause.autocutterError ||
      errorCause.unrecoverableError ||
      errorCause.autoRecoverableError,
    unrecoverableError: errorCause.unrecoverableError,
    drawerPin3High: printer.drawerPin3High,
  };
}

export function conditionFromAutoStatus(status: AutoStatus): PrinterCondition {
  return {
    online: !status.offline,
    coverOpen: status.coverOpen,
    paperOut: status.paperEnd,
    paperNearEnd: status.paperNearEnd,
    error:
      status.recoverableError || status.autocutterError || status.unrecoverableError || status.autoRecoverableError,
    unrecoverableError: status.unrecoverableError,
    drawerPin3High: status.drawerPin3High,
  };
}

export type StatusReplyEvent =
  | { type: "realtime"; kind: RealtimeStatusKind; byte: number }
  | { type: "asb"; status: AutoStatus }
  | { type: "unexpected"; byte: number };

/**
 * Host-side reader for what a printer sends back: DLE EOT answers (matched, in order, to the
 * requests announced with `expect`) and 4-byte ASB packets, told apart by their fixed bits.
 * Never throws; a byte that fits neither is reported as unexpected. Holds at most 3 bytes.
 */
export class StatusReplyReader {
  private readonly expected: RealtimeStatusKind[] = [];
  private asb: number[] = [];

  /** Call when sending DLE EOT n. */
  expect(kind: RealtimeStatusKind): void {
    this.expected.push(kind);
  }

  /** Requests sent but not answered yet (a driver times these out). */
  get outstanding(): readonly RealtimeStatusKind[] {
    return this.expected;
  }

  /** Forget outstanding requests, e.g. after a timeout. */
  reset(): void {
    this.expected.length = 0;
    this.asb = [];
  }

  feed(chunk: Uint8Array): StatusReplyEvent[] {
    const events: StatusReplyEvent[] = [];
    for (const byte of chunk) {
      if (this.asb.length > 0) {
        this.asb.push(byte);
        if (this.asb.length < ASB_LENGTH) continue;
        const packet = Uint8Array.from(this.asb);
        this.asb = [];
        try {
          events.push({ type: "asb", status: decodeAutoStatus(packet) });
        } catch {
          for (const b of packet) events.push({ type: "unexpected", byte: b });
        }
        continue;
      }
      const kind = this.expected[0];
      if (kind !== undefined && isRealtimeStatusByte(byte)) {
        this.expected.shift();
        events.push({ type: "realtime", kind, byte });
      } else if (isAsbFirstByte(byte)) {
        this.asb.push(byte);
      } else {
        events.push({ type: "unexpected", byte });
      }
    }
    return events;
  }
}
