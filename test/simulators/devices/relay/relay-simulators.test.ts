import { once } from "node:events";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryHidPair, createMemoryPair } from "../../../../bridge/transports/memory.ts";
import type { TransportError } from "../../../../bridge/transports/transport.ts";
import { RelayBank } from "../../../../simulators/devices/relay/board-state.ts";
import { SerialRelaySimulator } from "../../../../simulators/devices/relay/serial-relay.ts";
import { UsbHidRelaySimulator } from "../../../../simulators/devices/relay/usb-hid-relay.ts";
import { flushIo } from "../../../support/settle.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const bytes = (...b: number[]) => Uint8Array.from(b);
const ascii = (s: string) => [...Buffer.from(s, "latin1")];

/** A clock that moves only when told, so timelines are exact. */
function steppingClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function hid(options: ConstructorParameters<typeof UsbHidRelaySimulator>[0] = {}) {
  const [host, device] = createMemoryHidPair();
  const simulator = new UsbHidRelaySimulator({ relayCount: 2, id: "QWERT", ...options });
  simulator.attach(device);
  await host.open();
  await device.open();
  cleanups.push(
    () => host.close(),
    () => device.close(),
  );
  return { host, device, simulator };
}

async function serial(options: ConstructorParameters<typeof SerialRelaySimulator>[0] = {}) {
  const [host, device] = createMemoryPair({ maxChunkSize: 2 });
  const simulator = new SerialRelaySimulator({ relayCount: 2, ...options });
  await host.open();
  await device.open();
  simulator.attach(device);
  const errors: TransportError[] = [];
  device.on("error", (e) => errors.push(e));
  const received: number[] = [];
  const arrivals: Array<() => void> = [];
  host.on("data", (b) => {
    received.push(...b);
    for (const wake of arrivals.splice(0)) wake();
  });
  /** Waits until `length` bytes have come back in all. */
  const answered = async (length: number) => {
    while (received.length < length) await new Promise<void>((r) => arrivals.push(r));
  };
  /** Sends bytes and waits until the simulator has read them (and any answer has arrived). */
  const send = async (data: Uint8Array) => {
    let left = data.length;
    const seen = new Promise<void>((resolve) => {
      const count = (b: Uint8Array) => {
        left -= b.length;
        if (left <= 0) {
          device.off("data", count);
          resolve();
        }
      };
      device.on("data", count);
    });
    await host.write(data);
    await seen;
    await flushIo(); // an answer the simulator would have sent has arrived
  };
  cleanups.push(
    () => host.close(),
    () => device.close(),
  );
  return { host, device, simulator, received, send, answered, errors };
}

describe("USB HID relay board simulator (feature reports, per pavel-a/usb-relay-hid)", () => {
  it("answers GET feature report 0 with id, zero byte, undefined byte and the state mask", async () => {
    const { host } = await hid();
    expect(await host.getFeatureReport(0, 9)).toEqual(bytes(0, 0x51, 0x57, 0x45, 0x52, 0x54, 0, 0, 0));
  });

  it("switches relays with FF/FD n, FE/FC all, ignores relays it lacks and unknown commands", async () => {
    const { host, simulator } = await hid();
    await host.sendFeatureReport(bytes(0, 0xff, 2, 0, 0, 0, 0, 0, 0));
    expect((await host.getFeatureReport(0, 9))[8]).toBe(0b10);
    await host.sendFeatureReport(bytes(0, 0xfe, 0, 0, 0, 0, 0, 0, 0));
    expect(simulator.bank.states).toEqual([true, true]);
    await host.sendFeatureReport(bytes(0, 0xfd, 1, 0, 0, 0, 0, 0, 0));
    expect(simulator.bank.states).toEqual([false, true]);
    await host.sendFeatureReport(bytes(0, 0xfc, 0, 0, 0, 0, 0, 0, 0));
    expect(simulator.bank.states).toEqual([false, false]);
    await host.sendFeatureReport(bytes(0, 0xff, 5, 0, 0, 0, 0, 0, 0)); // relay 5 of a 2-relay board
    await host.sendFeatureReport(bytes(0, 0x42, 1, 0, 0, 0, 0, 0, 0)); // no such command
    expect(simulator.bank.states).toEqual([false, false]);
    expect(simulator.state().ignoredReports).toBe(1);
  });

  it("FA sets the board id", async () => {
    const { host } = await hid();
    await host.sendFeatureReport(bytes(0, 0xfa, ...ascii("ABCDE"), 0, 0));
    expect((await host.getFeatureReport(0, 9)).subarray(1, 6)).toEqual(bytes(...ascii("ABCDE")));
  });

  it("records a timeline with the switch times and derives pulses", async () => {
    const clock = steppingClock();
    const { host, simulator } = await hid({ now: clock.now });
    await host.sendFeatureReport(bytes(0, 0xff, 1, 0, 0, 0, 0, 0, 0));
    clock.advance(200);
    await host.sendFeatureReport(bytes(0, 0xfd, 1, 0, 0, 0, 0, 0, 0));
    expect(simulator.timeline()).toEqual([
      { at: 0, relay: 1, on: true },
      { at: 200, relay: 1, on: false },
    ]);
    expect(simulator.pulses(1)).toEqual([{ relay: 1, start: 0, end: 200, width: 200 }]);
    expect(await simulator.control("timeline")).toMatchObject({ pulses: [{ width: 200 }] });
  });

  it("faults: no answer fails feature reports; stuck relays do not move", async () => {
    const { host, simulator } = await hid();
    simulator.setFaults({ stuckRelays: [1] });
    await host.sendFeatureReport(bytes(0, 0xff, 1, 0, 0, 0, 0, 0, 0));
    expect(simulator.bank.states).toEqual([false, false]);
    await simulator.control("setFaults", { noAnswer: true });
    await expect(host.getFeatureReport(0, 9)).rejects.toMatchObject({ code: "HID_FEATURE_REPORT_FAILED" });
    await expect(host.sendFeatureReport(bytes(0, 0xfc, 0, 0, 0, 0, 0, 0, 0))).rejects.toMatchObject({
      code: "HID_FEATURE_REPORT_FAILED",
    });
  });

  it("a board with an input sends the alarm level in an input report; without one it says so", async () => {
    const { host, simulator } = await hid({ inputReport: { byte: 1, mask: 0x04 } });
    const raised = once(host, "data") as Promise<[Uint8Array]>;
    await simulator.control("raiseAlarm", { ms: 10 });
    expect((await raised)[0]).toEqual(bytes(0, 0x04, 0, 0, 0, 0, 0, 0, 0));
    const cleared = once(host, "data") as Promise<[Uint8Array]>;
    expect((await cleared)[0]).toEqual(new Uint8Array(9));
    const plain = new UsbHidRelaySimulator();
    expect(() => plain.raiseAlarm()).toThrow(expect.objectContaining({ code: "SIM_BAD_ACTION" }));
  });

  it("needs the device end of a HID pair", () => {
    const [a] = createMemoryPair();
    expect(() => new UsbHidRelaySimulator().attach(a)).toThrow(expect.objectContaining({ code: "SIM_BAD_PARAMS" }));
    expect(() => new UsbHidRelaySimulator({ id: "TOO-LONG" })).toThrow(
      expect.objectContaining({ code: "RELAY_BAD_SERIAL" }),
    );
    expect(() => new UsbHidRelaySimulator({ relayCount: 9 })).toThrow(
      expect.objectContaining({ code: "SIM_BAD_PARAMS" }),
    );
  });
});

describe("serial relay module simulator (LC Technology A0 frames)", () => {
  it("executes the documented frames: A0 01 01 A2 on, A0 01 00 A1 off, A0 02 01 A3 relay 2 on", async () => {
    const { simulator, send } = await serial();
    await send(bytes(0xa0, 0x01, 0x01, 0xa2));
    expect(simulator.bank.states).toEqual([true, false]);
    await send(bytes(0xa0, 0x01, 0x00, 0xa1, 0xa0, 0x02, 0x01, 0xa3));
    expect(simulator.bank.states).toEqual([false, true]);
  });

  it("answers FF with one line per channel, in the LCUS-2 format", async () => {
    const { send, received, answered } = await serial();
    await send(bytes(0xa0, 0x02, 0x01, 0xa3, 0xff));
    await answered(20);
    expect(String.fromCharCode(...received)).toBe("CH1: OFF\r\nCH2: ON \r\n");
  });

  it("reports the alarm input as one more channel", async () => {
    const { simulator, send, received, answered } = await serial({ alarmChannel: 4 });
    simulator.raiseAlarm();
    await send(bytes(0xff));
    await answered(40);
    expect(String.fromCharCode(...received)).toBe("CH1: OFF\r\nCH2: OFF\r\nCH3: OFF\r\nCH4: ON \r\n");
    expect(() => new SerialRelaySimulator({ relayCount: 2, alarmChannel: 2 })).toThrow(
      expect.objectContaining({ code: "SIM_BAD_PARAMS" }),
    );
  });

  it("a board without the query stays silent; a mute board does nothing at all", async () => {
    const quiet = await serial({ answersStatus: false });
    await quiet.send(bytes(0xff, 0xa0, 0x01, 0x01, 0xa2));
    expect(quiet.received).toEqual([]);
    expect(quiet.simulator.bank.states).toEqual([true, false]);
    const mute = await serial();
    mute.simulator.setFaults({ noAnswer: true });
    await mute.send(bytes(0xff, 0xa0, 0x01, 0x01, 0xa2));
    expect(mute.received).toEqual([]);
    expect(mute.simulator.bank.states).toEqual([false, false]);
  });

  it("drops frames with a bad checksum and resynchronises", async () => {
    const { simulator, send } = await serial();
    await send(bytes(0xa0, 0x01, 0x01, 0xa3, 0x13, 0xa0, 0x02, 0x01, 0xa3));
    expect(simulator.bank.states).toEqual([false, true]);
    expect(simulator.state().skippedFrames).toBeGreaterThanOrEqual(1);
  });

  it("random bytes never break it; a good frame afterwards still works", async () => {
    const { simulator, send, errors } = await serial();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (noise) => {
        await send(noise);
      }),
      { numRuns: 80 },
    );
    expect(errors).toEqual([]);
    simulator.setFaults({ stuckRelays: [] });
    await send(bytes(0, 0, 0, 0xa0, 0x01, 0x00, 0xa1, 0xa0, 0x01, 0x01, 0xa2));
    expect(simulator.bank.states[0]).toBe(true);
  });

  it("control API: actions, parameter checks", async () => {
    const simulator = new SerialRelaySimulator({ alarmChannel: 3 });
    expect(simulator.actions().map((a) => a.name)).toEqual(["raiseAlarm", "clearAlarm", "setFaults", "timeline"]);
    expect(await simulator.control("raiseAlarm")).toEqual({ alarm: true });
    expect(await simulator.control("clearAlarm")).toEqual({ alarm: false });
    expect(await simulator.control("setFaults", { stuckRelays: [2] })).toEqual({ noAnswer: false, stuckRelays: [2] });
    await expect(simulator.control("setFaults", { stuckRelays: [7] })).rejects.toMatchObject({
      code: "SIM_BAD_PARAMS",
    });
    await expect(simulator.control("raiseAlarm", { ms: -1 })).rejects.toMatchObject({ code: "SIM_BAD_PARAMS" });
    await expect(simulator.control("setFaults", { noAnswer: 1 })).rejects.toMatchObject({ code: "SIM_BAD_PARAMS" });
    await expect(simulator.control("explode")).rejects.toMatchObject({
      code: "SIM_BAD_ACTION",
      message: expect.stringMatching(/raiseAlarm, clearAlarm, setFaults, timeline/),
    });
    expect(JSON.parse(JSON.stringify(simulator.state()))).toMatchObject({ relayCount: 2, alarm: false });
  });
});

describe("relay bank", () => {
  it("pairs on/off switches into pulses per relay, ignoring unfinished ones", () => {
    const clock = steppingClock();
    const bank = new RelayBank(2, clock.now);
    bank.set(1, true);
    clock.advance(50);
    bank.set(2, true);
    clock.advance(100);
    bank.set(1, false);
    bank.set(1, false); // no change, no entry
    expect(bank.pulses()).toEqual([{ relay: 1, start: 0, end: 150, width: 150 }]);
    expect(bank.pulses(2)).toEqual([]);
    expect(bank.timeline()).toHaveLength(3);
    expect(bank.mask).toBe(0b10);
  });
});
