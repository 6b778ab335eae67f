import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { createReconnectingHidTransport } from "../../../../bridge/devices/registry.ts";
import {
  createSecurityRelay,
  type RelayAlarmEvent,
  type SecurityRelayOptions,
} from "../../../../bridge/devices/relay/security-relay.ts";
import { createMemoryHidPair, createMemoryPair } from "../../../../bridge/transports/memory.ts";
import { createReconnectingTransport } from "../../../../bridge/transports/reconnecting.ts";
import {
  SerialRelaySimulator,
  type SerialRelaySimulatorOptions,
} from "../../../../simulators/devices/relay/serial-relay.ts";
import {
  UsbHidRelaySimulator,
  type UsbHidRelaySimulatorOptions,
} from "../../../../simulators/devices/relay/usb-hid-relay.ts";
import { settle, until } from "../../../support/settle.ts";
import { VirtualClock } from "../../../support/virtual-clock.ts";
import { capturingLogger } from "../printer/helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const BACKOFF = { initialMs: 10, maxMs: 40, jitter: 0 };

/**
 * Driver, simulator and cable share one VirtualClock, so pulse widths and gaps are exact: the board
 * stamps each switch with the time the driver's clock shows.
 */
async function hidRig(options: Partial<SecurityRelayOptions> = {}, sim: UsbHidRelaySimulatorOptions = {}) {
  const clock = new VirtualClock();
  const [host, device] = createMemoryHidPair({ names: ["relay host", "relay board"], clock });
  const simulator = new UsbHidRelaySimulator({ relayCount: 2, id: "QWERT", now: () => clock.now(), ...sim });
  simulator.attach(device);
  await device.open();
  const transport = createReconnectingHidTransport({
    factory: () => host,
    label: "USB relay",
    backoff: BACKOFF,
    clock,
  });
  const relay = createSecurityRelay(
    { id: "gate-relay", transport, logger: capturingLogger("warn").logger, clock },
    { model: "usb-hid-relay", relayCount: 2, pulseMs: 60, minGapMs: 80, ...options },
  );
  cleanups.push(() => relay.stop());
  const run = <T>(promise: Promise<T>) => settle(clock, promise);
  const health = (state: string) => until(clock, () => relay.health().state === state);
  return { host, device, simulator, relay, clock, run, health };
}

async function serialRig(options: Partial<SecurityRelayOptions> = {}, sim: SerialRelaySimulatorOptions = {}) {
  const clock = new VirtualClock();
  const [host, device] = createMemoryPair({ names: ["relay host", "relay module"], maxChunkSize: 3, clock });
  const simulator = new SerialRelaySimulator({ relayCount: 2, now: () => clock.now(), ...sim });
  await device.open();
  simulator.attach(device);
  const transport = createReconnectingTransport({
    label: "serial relay",
    factory: () => host,
    backoff: BACKOFF,
    clock,
  });
  const relay = createSecurityRelay(
    { id: "gate-relay", transport, logger: capturingLogger("warn").logger, clock },
    { model: "serial-relay", relayCount: 2, pulseMs: 60, minGapMs: 80, answerTimeoutMs: 200, ...options },
  );
  cleanups.push(() => relay.stop());
  const run = <T>(promise: Promise<T>) => settle(clock, promise);
  const health = (state: string) => until(clock, () => relay.health().state === state);
  return { host, device, simulator, relay, clock, run, health };
}

const RIGS = { "usb-hid-relay": hidRig, "serial-relay": serialRig } as const;

describe.each(Object.entries(RIGS))("SecurityRelay %s against its simulator (memory)", (model, rig) => {
  it("starts ok, reads the states back and says the board has no alarm input", async () => {
    const { relay, run } = await rig();
    await run(relay.start());
    const health = relay.health();
    expect(health.state).toBe("ok");
    expect(health.detail).toMatchObject({
      model,
      relayCount: 2,
      relays: [false, false],
      readBack: "yes",
      alarmInput: "none: this board has no input, so gate alarms are not reported",
      channels: { desensitize: 1, resensitize: 2 },
    });
    expect(relay.kind).toBe("relay");
    expect(relay.model).toBe(model);
  });

  it("set() switches and verifies", async () => {
    const { relay, simulator, run } = await rig();
    await run(relay.start());
    expect(await run(relay.set(2, true))).toEqual([false, true]);
    expect(simulator.bank.states).toEqual([false, true]);
    expect(await run(relay.set(2, false))).toEqual([false, false]);
    expect(relay.health().detail).toMatchObject({ relays: [false, false] });
  });

  it("desensitize pulses relay 1 for exactly pulseMs, as the board's timeline shows", async () => {
    const { relay, simulator, run } = await rig();
    await run(relay.start());
    const result = await run(relay.desensitize());
    expect(result).toMatchObject({ relay: 1, ms: 60, states: [false, false] });
    expect(simulator.pulses(1).map((p) => p.width)).toEqual([60]);
    await run(relay.resensitize());
    expect(simulator.pulses(2)).toHaveLength(1);
    expect(simulator.bank.states).toEqual([false, false]);
  });

  it("keeps the minimum gap between pulses of the same relay", async () => {
    const { relay, simulator, run } = await rig();
    await run(relay.start());
    await run(Promise.all([relay.desensitize(), relay.desensitize(), relay.pulse(1, 30)]));
    const pulses = simulator.pulses(1);
    expect(pulses.map((p) => p.width)).toEqual([60, 60, 30]);
    const gaps = pulses.slice(1).map((p, i) => p.start - (pulses[i]?.end ?? 0));
    expect(gaps).toEqual([80, 80]);
  });

  it("a relay that does not follow → RELAY_VERIFY_FAILED, health degraded", async () => {
    const { relay, simulator, run } = await rig();
    await run(relay.start());
    simulator.setFaults({ stuckRelays: [2] });
    await expect(run(relay.set(2, true))).rejects.toMatchObject({
      code: "RELAY_VERIFY_FAILED",
      message: expect.stringMatching(/relay 2 reads off after switching it on/),
    });
    expect(relay.health()).toMatchObject({ state: "degraded", lastError: { code: "RELAY_VERIFY_FAILED" } });
    simulator.setFaults({ stuckRelays: [] });
    await run(relay.set(2, true));
    expect(relay.health().state).toBe("ok");
  });

  it("a pulse relay stuck on is reported after the pulse", async () => {
    const { relay, simulator, run } = await rig();
    await run(relay.start());
    await run(relay.set(1, true));
    simulator.setFaults({ stuckRelays: [1] });
    await expect(run(relay.desensitize())).rejects.toMatchObject({
      code: "RELAY_VERIFY_FAILED",
      message: expect.stringMatching(/relay 1 reads on after switching it off/),
    });
  });

  it("a board that does not answer → RELAY_NO_ANSWER; it answers again → ok", async () => {
    const { relay, simulator, run } = await rig();
    await run(relay.start());
    simulator.setFaults({ noAnswer: true });
    await expect(run(relay.set(1, true))).rejects.toMatchObject({ code: "RELAY_NO_ANSWER" });
    expect(relay.health()).toMatchObject({ state: "degraded", lastError: { code: "RELAY_NO_ANSWER" } });
    simulator.setFaults({ noAnswer: false });
    await run(relay.set(1, false));
    expect(relay.health().state).toBe("ok");
  });

  it("unplugged → disconnected, operations refused; replugged → ok and pulsing again", async () => {
    const { relay, simulator, host, device, run, health } = await rig();
    await run(relay.start());
    host.disconnect();
    await health("disconnected");
    expect(relay.health().lastError?.code).toBe("DEVICE_DISCONNECTED");
    await expect(run(relay.desensitize())).rejects.toMatchObject({ code: "RELAY_DISCONNECTED" });
    host.reconnect();
    await device.open();
    await health("ok");
    await run(relay.desensitize());
    expect(simulator.pulses(1)).toHaveLength(1);
  });

  it("switches off a pulse relay found on when it connects", async () => {
    const { relay, simulator, run } = await rig();
    simulator.bank.set(1, true);
    await run(relay.start());
    expect(simulator.bank.states).toEqual([false, false]);
    expect(relay.health().state).toBe("ok");
  });

  it("self test clicks the test relay and reads it back", async () => {
    const { relay, simulator, run } = await rig({ testRelay: 2 });
    await run(relay.start());
    const result = await run(relay.selfTest());
    expect(result).toMatchObject({ ok: true, summary: "Relay 2 clicked for 60 ms, read back off" });
    expect(simulator.pulses(2)).toHaveLength(1);
    simulator.setFaults({ noAnswer: true });
    const failed = await run(relay.selfTest());
    expect(failed.ok).toBe(false);
    expect(failed.error?.code).toMatch(/RELAY_(NO_ANSWER|VERIFY_FAILED)/);
  });

  it("refuses relays the board does not have and pulses out of range", async () => {
    const { relay, run } = await rig();
    await run(relay.start());
    await expect(run(relay.pulse(3))).rejects.toMatchObject({ code: "RELAY_BAD_RELAY" });
    await expect(run(relay.set(0, true))).rejects.toMatchObject({ code: "RELAY_BAD_RELAY" });
    await expect(run(relay.pulse(1, 0))).rejects.toMatchObject({ code: "RELAY_BAD_OPTIONS" });
    await expect(run(relay.pulse(1, 60_000))).rejects.toMatchObject({ code: "RELAY_BAD_OPTIONS" });
  });

  it("stop() lets a running pulse finish, so the relay is never left on", async () => {
    const { relay, simulator, run, clock } = await rig({ pulseMs: 100 });
    await run(relay.start());
    const pulsing = relay.desensitize();
    await until(clock, () => simulator.bank.states[0] === true);
    await run(Promise.all([relay.stop(), pulsing]));
    expect(simulator.bank.states).toEqual([false, false]);
    expect(simulator.pulses(1).map((p) => p.width)).toEqual([100]);
    expect(relay.health()).toMatchObject({ state: "disconnected", detail: { message: "stopped" } });
  });
});

describe("gate alarm input", () => {
  it("usb-hid-relay: an input report raises and clears the alarm", async () => {
    const { relay, simulator, run } = await hidRig(
      { alarmInput: { reportByte: 1, mask: 0x01 } },
      { inputReport: { byte: 1, mask: 0x01 } },
    );
    await run(relay.start());
    expect(relay.health().detail).toMatchObject({ alarmInput: "HID input report byte 1, mask 0x1" });
    const raised = once(relay, "alarm") as Promise<[RelayAlarmEvent]>;
    simulator.raiseAlarm();
    expect((await run(raised))[0]).toMatchObject({ active: true, input: "HID input report byte 1, mask 0x1" });
    expect(relay.alarmActive).toBe(true);
    const cleared = once(relay, "alarm") as Promise<[RelayAlarmEvent]>;
    simulator.clearAlarm();
    expect((await run(cleared))[0].active).toBe(false);
  });

  it("serial-relay: the alarm channel of the status answer is polled", async () => {
    const { relay, simulator, run, clock } = await serialRig(
      { alarmInput: { statusChannel: 3 }, alarmPollMs: 20 },
      { alarmChannel: 3 },
    );
    await run(relay.start());
    expect(relay.health().detail).toMatchObject({ alarmInput: "status channel 3", alarmActive: false });
    const raised = once(relay, "alarm") as Promise<[RelayAlarmEvent]>;
    const raisedAt = clock.now();
    simulator.raiseAlarm();
    expect((await run(raised))[0]).toMatchObject({ active: true, input: "status channel 3" });
    expect(clock.now() - raisedAt).toBeLessThanOrEqual(20 + 1); // seen at the next poll (+ the test's 1 ms step)
    const cleared = once(relay, "alarm") as Promise<[RelayAlarmEvent]>;
    simulator.clearAlarm();
    expect((await run(cleared))[0].active).toBe(false);
    // The alarm channel is an input: it cannot be switched.
    await expect(run(relay.set(3, true))).rejects.toMatchObject({ code: "RELAY_BAD_RELAY" });
  });

  it("a normally closed contact (activeWhen off)", async () => {
    const { relay, simulator, run } = await serialRig(
      { alarmInput: { statusChannel: 3, activeWhen: "off" }, alarmPollMs: 20 },
      { alarmChannel: 3 },
    );
    const raised = once(relay, "alarm") as Promise<[RelayAlarmEvent]>;
    await run(relay.start());
    expect((await run(raised))[0].active).toBe(true); // the contact reads OFF: the loop is open
    simulator.raiseAlarm();
    const cleared = once(relay, "alarm") as Promise<[RelayAlarmEvent]>;
    expect((await run(cleared))[0].active).toBe(false);
  });
});

describe("serial relay boards without the status query", () => {
  it("work without read-back, and stay unverified: nothing proves the board is there", async () => {
    const { relay, simulator, run } = await serialRig({ statusQuery: false }, { answersStatus: false });
    await run(relay.start());
    expect(relay.health()).toMatchObject({
      state: "unverified",
      detail: { readBack: "no: this board cannot report its relay states" },
    });
    expect(await run(relay.set(1, true))).toBeUndefined();
    await run(relay.set(1, false));
    const result = await run(relay.desensitize());
    expect(result).toEqual({ relay: 1, ms: 60 });
    expect(simulator.pulses(1).map((p) => p.width)).toEqual([0, 60]); // set on + set off, then the pulse
    expect(relay.health().state).toBe("unverified");
    await expect(run(relay.readState())).rejects.toMatchObject({ code: "RELAY_NO_ANSWER" });
  });

  it("a board configured with the query that never answers → degraded with what to do", async () => {
    const { relay, run } = await serialRig({}, { answersStatus: false });
    await run(relay.start());
    const health = relay.health();
    expect(health.state).toBe("degraded");
    expect(health.lastError?.code).toBe("RELAY_NO_ANSWER");
    expect(health.lastError?.message).toMatch(/set statusQuery to false/);
  });
});

describe("options and wiring", () => {
  it.each([
    [{ model: "x10" }, /option model: must be one of/],
    [{ model: "serial-relay", relayCount: 9 }, /option relayCount: must be a whole number from 1 to 8, got 9/],
    [{ model: "serial-relay", relayCount: 1, channels: { resensitize: 2 } }, /channels.resensitize/],
    [{ model: "serial-relay", pulseMs: 0 }, /pulseMs/],
    [{ model: "serial-relay", pulseMs: 9000 }, /option pulseMs: must be 1-5000 \(maxPulseMs\), got 9000/],
    [{ model: "serial-relay", alarmInput: { statusChannel: 2 } }, /option alarmInput.statusChannel: must be 3-255/],
    [
      { model: "usb-hid-relay", alarmInput: { reportByte: 1, mask: 0 } },
      /option alarmInput.mask: must be a whole number from 1 to 255, got 0/,
    ],
  ])("rejects bad options (%#)", (options, message) => {
    const [host] = createMemoryHidPair();
    expect(() =>
      createSecurityRelay(
        { id: "r", transport: host, logger: capturingLogger().logger },
        options as unknown as SecurityRelayOptions,
      ),
    ).toThrow(expect.objectContaining({ code: "RELAY_BAD_OPTIONS", message: expect.stringMatching(message) }));
  });

  it("a USB HID relay needs feature reports: a plain reconnecting transport is refused, naming the fix", () => {
    const [host] = createMemoryHidPair();
    const plain = createReconnectingTransport({ label: "relay", factory: () => host });
    expect(() =>
      createSecurityRelay({ id: "r", transport: plain, logger: capturingLogger().logger }, { model: "usb-hid-relay" }),
    ).toThrow(
      expect.objectContaining({
        code: "RELAY_BAD_OPTIONS",
        message: expect.stringMatching(/createReconnectingHidTransport/),
      }),
    );
  });

  it("desensitize without a configured channel → RELAY_NOT_CONFIGURED", async () => {
    const { relay, run } = await serialRig({ relayCount: 1 }, { relayCount: 1 });
    await run(relay.start());
    await expect(relay.resensitize()).rejects.toMatchObject({ code: "RELAY_NOT_CONFIGURED" });
  });

  it("a board missing at start → start resolves with health disconnected", async () => {
    const { relay, host, device, run, health } = await hidRig();
    host.disconnect();
    await run(relay.start());
    expect(relay.health()).toMatchObject({ state: "disconnected", lastError: { code: "DEVICE_NOT_FOUND" } });
    host.reconnect();
    await device.open();
    await health("ok");
  });
});
