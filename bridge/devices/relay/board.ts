/**
 * What the security relay driver needs from a relay board model: switch one relay, read the states
 * back where the board can, and turn incoming bytes into alarm input changes where it has an input.
 * One implementation per wire protocol (usb-hid-board.ts, serial-board.ts).
 */

export interface BoardState {
  /** Relay states, index = relay number - 1. */
  relays: boolean[];
  /** The alarm input, when the board has one and this read reports it. */
  alarm?: boolean;
  /** The board's own id (serial), when it reports one. */
  boardId?: string;
}

export interface RelayBoard {
  readonly relayCount: number;
  /** Whether readState() works on this board. */
  readonly readsBack: boolean;
  /** How the board reports the gate alarm, for people; undefined when it has no input. */
  readonly alarmInput: string | undefined;
  /** Whether the alarm is only seen by reading the state (so the driver polls). */
  readonly alarmNeedsPolling: boolean;
  setRelay(relay: number, on: boolean): Promise<void>;
  readState(): Promise<BoardState>;
  /** Bytes from the transport; returns the alarm input level when they carry it. */
  received(bytes: Uint8Array): boolean | undefined;
  /** Forget a half-received answer (after a reconnect). */
  reset(): void;
}
