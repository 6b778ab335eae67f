/**
 * What every device simulator is. A simulator implements the DEVICE side of a real wire protocol on a
 * Transport (the far end of a memory pair, a TCP connection, or a serial port opened on a pseudo-terminal),
 * so drivers are tested against real bytes. It shares nothing with its driver above protocols/.
 *
 * Staff, tests and `selfcheck sim` drive simulators through `control()`: place tags, scan a code, pull the
 * paper. Actions and their parameters are plain JSON so the HTTP control API can pass them straight through.
 */
import type { Transport } from "../../bridge/transports/transport.ts";

export type SimulatorKind = "scanner" | "rfid" | "printer" | "relay" | "payment";

export interface ControlAction {
  name: string;
  /** One line for `GET /sims/:id`: what the action does and its parameters. */
  description: string;
}

export interface DeviceSimulator {
  readonly kind: SimulatorKind;
  /** The protocol it speaks, matching a driver model: "3m810", "cpr-m02", "serial-line", "escpos", … */
  readonly model: string;
  /** Serve the device side of the protocol on this transport (already open). Several may be attached in turn. */
  attach(transport: Transport): void;
  detach(): void;
  /** Actions `control()` understands. */
  actions(): readonly ControlAction[];
  /** Runs an action; rejects with a CodedError (code SIM_BAD_ACTION / SIM_BAD_PARAMS) naming what is wrong. */
  control(action: string, params?: Record<string, unknown>): Promise<unknown>;
  /** A JSON snapshot for the control API and tests: tags on the pad, paper state, relay states, printed receipts. */
  state(): Record<string, unknown>;
}
