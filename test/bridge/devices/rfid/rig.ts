/** Driver ↔ simulator rigs for the RFID pad tests: the real RfidPad on one end of a cable, the simulator on the other. */

import {
  createRfidPad,
  type RfidPad,
  type RfidPadEvents,
  type RfidPadOptions,
} from "../../../../bridge/devices/rfid/pad.ts";
import type { RfidModel } from "../../../../bridge/devices/rfid/reader.ts";
import {
  createMemoryPair,
  type MemoryPairOptions,
  type MemoryTransport,
} from "../../../../bridge/transports/memory.ts";
import {
  createRfidReaderSimulator,
  type RfidReaderSimulator,
  type RfidSimulatorOptions,
} from "../../../../simulators/devices/rfid/simulator.ts";
import { advanceWhileIdle } from "../../../support/settle.ts";
import { VirtualClock } from "../../../support/virtual-clock.ts";

export interface Rig {
  pad: RfidPad;
  sim: RfidReaderSimulator;
  host: MemoryTransport;
  device: MemoryTransport;
  /** Commands the simulator has received, by kind, since the last clear. */
  commands: string[];
  clock: VirtualClock;
}

type Cleanup = () => unknown;

export async function memoryRig(
  model: RfidModel,
  cleanups: Cleanup[],
  options: {
    pad?: Partial<RfidPadOptions>;
    sim?: Partial<RfidSimulatorOptions>;
    pair?: MemoryPairOptions;
    start?: boolean;
    /**
     * CPR-M02: a reader whose firmware lists this many tags per inventory (the standard firmware lists 4),
     * set on both the simulator and the driver; ignored for the 3M 810, which documents no limit.
     */
    maxInventoryTags?: number;
  } = {},
): Promise<Rig> {
  // Cable, simulator and pad share a VirtualClock that moves only while I/O is quiet: a 300 ms answer
  // timeout fires after 300 quiet rounds, never because the machine was slow.
  const clock = new VirtualClock();
  const [host, device] = createMemoryPair({ names: ["rfid host", "rfid reader"], clock, ...options.pair });
  await device.open();
  const limit =
    model === "cpr-m02" && options.maxInventoryTags !== undefined ? { maxInventoryTags: options.maxInventoryTags } : {};
  const sim = createRfidReaderSimulator({ model, seed: 42, clock, ...limit, ...options.sim });
  sim.attach(device);
  const commands: string[] = [];
  sim.on("command", (c) => commands.push(c.kind));
  const pad = createRfidPad({
    id: "rfid-pad",
    model,
    transport: host,
    commandTimeoutMs: 300,
    writeTimeoutMs: 300,
    setupRetryMs: 50,
    clock,
    ...limit,
    ...options.pad,
  });
  cleanups.push(
    advanceWhileIdle(clock),
    () => pad.stop(),
    () => sim.detach(),
    () => device.close(),
  );
  if (options.start !== false) await pad.start();
  return { pad, sim, host, device, commands, clock };
}

/**
 * Resolves with the next event of that name. The pad's time is virtual; the wall-clock bound only turns a
 * hang into a failure that names the event, long after any busy machine would have delivered it.
 */
export function nextEvent<K extends keyof RfidPadEvents>(
  pad: RfidPad,
  name: K,
  predicate: (...args: RfidPadEvents[K]) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<RfidPadEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pad.off(name, listener as never);
      reject(new Error(`timed out waiting for ${String(name)}`));
    }, timeoutMs);
    const listener = (...args: RfidPadEvents[K]) => {
      if (!predicate(...args)) return;
      clearTimeout(timer);
      pad.off(name, listener as never);
      resolve(args);
    };
    pad.on(name, listener as never);
  });
}

/** Item ids for a stack of `n` books. */
export function itemIds(n: number, prefix = "3000100000"): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, "0")}`);
}
