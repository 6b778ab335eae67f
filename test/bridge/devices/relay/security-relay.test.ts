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
import { capturingLogger, waitForHealth } from "../printer/helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Pulse width as the board saw it may differ from the asked one by timer and delivery jitter. */
const EARLY_MS = 3;
const LATE_MS = 60;
const BACKOFF = { initialMs: 10, maxMs: 40, jitter: 0 };

async function hidRig(options: Partial<SecurityRelayOptions> = {}, sim: UsbHidRelaySimulatorOptions = {}) {
  const [host, device] = createMemoryHidPair({ names: ["relay host", "relay board"] });
  const simulator = new UsbHidRelaySimulator({ relayCount: 2, id: "QWERT", ...sim });
  simulator.attach(device);
  await device.open();
  const transport = createReconnectingHidTransport(() => host, "USB relay", BACKOFF);
  const relay = createSecurityRelay(
    { id: "gate-relay", transport, logger: capturingLogger("warn").logger },
    { model: "usb-hid-relay", relayCount: 2, pulseMs: 60, minGapMs: 80, ...options },
  );
  cleanups.push(() => relay.stop());
  return { host, device, simulator, relay };
}

async function serialRig(options: Partial<SecurityRelayOptions> = {}, sim: SerialRelaySimulatorOptions = {}) {
  const [host, device] = createMemoryPair({ names: ["relay host", "relay module"], maxChunkSize: 3 });
  const simulator = new SerialRelaySimulator({ relayCount: 2, ...sim });
  await device.open();
  simulator.attach(device);
  const transport = createReconnectingTransport({ label: "serial relay", factory: () => host, backoff: BACKOFF });
  const relay = createSecurityRelay(
    { id: "gate-relay", transport, logger: capturingLogger("warn").logger },
    { model: "serial-relay", relayCount: 2, pulseMs: 60, minGapMs: 80, answerTimeoutMs: 200, ...options },
  );
  cleanups.push(() => relay.stop());
  return { host, device, simulator, relay };
}

const RIGS = { "usb-hid-relay": hidRig, "serial-relay": serialRig } as const;

describe.each(Object.entries(RIGS))("SecurityRelay %s against its simulator (memory)", (model, rig) => {
  it("starts ok, reads the states back and says the board has no alarm input", async () => {
    const { relay } = await rig();
    await relay.start();
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
    const { relay, simulator } = await rig();
    await relay.start();
    expect(await relay.set(2, true)).toEqual([false, true]);
    expect(simulator.bank.states).toEqual([false, true]);
    expect(await relay.set(2, false)).toEqual([false, false]);
    expect(relay.health().detail).toMatchObject({ relays: [false, false] });
  });

  it("desensitize pulses relay 1 for pulseMs, as the board's timeline shows", async () => {
    const { relay, simulator } = await rig();
    await relay.start();
    const result = await relay.desensitize();
    expect(result).toMatchObject({ relay: 1, ms: 60, states: [false, false] });
    const [pulse] = simulator.pulses(1);
    expect(pulse?.width).toBeGreaterThanOrEqual(60 - EARLY_MS);
    expect(pulse?.width).toBeLessThanOrEqual(60 + LATE_MS);
    await relay.resensitize();
    expect(simulator.pulses(2)).toHaveLength(1);
    expect(simulator.bank.states).toEqual([false, false]);
  });

  it("keeps the minimum gap between pulses of the same relay", async () => {
    const { relay, simulator } = await rig();
    await relay.start();
    await Promise.all([relay.desensitize(), relay.desensitize(), relay.pulse(1, 30)]);
    const pulses = simulator.pulses(1);
    expect(pulses.map((p) => Math.round(p.width / 10) * 10)).toEqual([60, 60, 30]);
    for (let i = 1; i < pulses.length; i++) {
      const gap = (pulses[i]?.start ?? 0) - (pulses[i - 1]?.end ?? 0);
      expect(gap).toBeGreaterThanOrEqual(80 - EARLY_MS);
    }
  });

  it("a relay that does not follow → RELAY_VERIFY_FAILED, health degraded", async () => {
    const { relay, simulator } = await rig();
    await relay.start();
    simulator.setFaults({ stuckRelays: [2] });
    await expect(relay.set(2, true)).rejects.toMatchObject({
      code: "RELAY_VERIFY_FAILED",
      message: expect.stringMatching(/relay 2 reads off after switching it on/),
    });
    expect(relay.health()).toMatchObject({ state: "degraded", lastError: { code: "RELAY_VERIFY_FAILED" } });
    simulator.setFaults({ stuckRelays: [] });
    await relay.set(2, true);
    expect(relay.health().state).toBe("ok");
  });

  it("a pulse relay stuck on is reported after the pulse", async () => {
    const { relay, simulator } = await rig();
    await relay.start();
    await relay.set(1, true);
    simulator.setFaults({ stuckRelays: [1] });
    await expect(relay.desensitize()).rejects.toMatchObject({
      code: "RELAY_VERIFY_FAILED",
      message: expect.stringMatching(/relay 1 reads on after switching it off/),
    });
  });

  it("a board that does not answer → RELAY_NO_ANSWER; it answers again → ok", async () => {
    const { relay, simulator } = await rig();
    await relay.start();
    simulator.setFaults({ noAnswer: true });
    await expect(relay.set(1, true)).rejects.toMatchObject({ code: "RELAY_NO_ANSWER" });
    expect(relay.health()).toMatchObject({ state: "degraded", lastError: { code: "RELAY_NO_ANSWER" } });
    simulator.setFaults({ noAnswer: false });
    await relay.set(1, false);
    expect(relay.health().state).toBe("ok");
  });

  it("unplugged → disconnected, operations refused; replugged → ok and pulsing again", async () => {
    const { relay, simulator, host, device } = await rig();
    await relay.start();
    host.disconnect();
    const down = await waitForHealth(relay, (h) => h.state === "disconnected");
    expect(down.lastError?.code).toBe("DEVICE_DISCONNECTED");
    await expect(relay.desensitize()).rejects.toMatchObject({ code: "RELAY_DISCONNECTED" });
    host.reconnect();
    await device.open();
    await waitForHealth(relay, (h) => h.state === "ok");
    await relay.desensitize();
    expect(simulator.pulses(1)).toHaveLength(1);
  });

  it("switches off a pulse relay found on when it connects", async () => {
    const { relay, simulator } = await rig();
    simulator.bank.set(1, true);
    await relay.start();
    expect(simulator.bank.states).toEqual([false, false]);
    expect(relay.health().state).toBe("ok");
  });

  it("self test clicks the test relay and reads it back", async () => {
    const { relay, simulator } = await rig({ testRelay: 2 });
    await relay.start();
    const result = await relay.selfTest();
    expect(result).toMatchObject({ ok: true, summary: "Relay 2 clicked for 60 ms, read back off" });
    expect(simulator.pulses(2)).toHaveLength(1);
    simulator.setFaults({ noAnswer: true });
    const failed = await relay.selfTest();
    expect(failed.ok).toBe(false);
    expect(failed.error?.code).toMatch(/RELAY_(NO_ANSWER|VERIFY_FAILED)/);
  });

  it("refuses relays the board does not have and pulses out of range", async () => {
    const { relay } = await rig();
    await relay.start();
    await expect(relay.pulse(3)).rejects.toMatchObject({ code: "RELAY_BAD_RELAY" });
    await expect(relay.set(0, true)).rejects.toMatchObject({ code: "RELAY_BAD_RELAY" });
    await expect(relay.pulse(1, 0)).rejects.toMatchObject({ code: "RELAY_BAD_OPTIONS" });
    await expect(relay.pulse(1, 60_000)).rejects.toMatchObject({ code: "RELAY_BAD_OPTIONS" });
  });

  it("stop() lets a running pulse finish, so the relay is never left on", async () => {
    const { relay, simulator } = await rig({ pulseMs: 100 });
    await relay.start();
    const pulsing = relay.desensitize();
    await new Promise((r) => setImmediate(r));
    await relay.stop();
    await pulsing;
    expect(simulator.bank.states).toEqual([false, false]);
    expect(relay.health()).toMatchObject({ state: "disconnected", detail: { message: "stopped" } });
  });
});

describe("gate alarm input", () => {
  it("usb-hid-relay: an input report raises and clears the alarm", async () => {
    const { relay, simulator } = await hidRig(
      { alarmInput: { reportByte: 1, mask: 0x01 } },
      { inputReport: { byte: 1, mask: 0x01 } },
    );
    await relay.start();
    expect(relay.health().detail).toMatchObject({ alarmInput: "HID input report byte 1, mask 0x1" });
    const raised = once(relay, "alarm") as Promise<[RelayAlarmEvent]>;
    simulator.raiseAlarm();
    expect((await raised)[0]).toMatchObject({ active: true, input: "HID input report byte 1, mask 0x1" });
    expect(relay.alarmActive).toBe(true);
    const cleared = once(relay, "alarm") as Promise<[RelayAlarmEvent]>;
    simulator.clearAlarm();
    expect((await cleared)[0].active).toBe(false);
  });

  it("serial-relay: the alarm channel of the status answer is polled", async () => {
    const { relay, simulator } = await serialRig(
      { alarmInput: { statusChannel: 3 }, alarmPollMs: 20 },
      { alarmChannel: 3 },
    );
    await relay.start();
    expect(relay.health().detail).toMatchObject({ alarmInput: "status channel 3", alarmActive: false });
    const raised = once(relay, "alarm") as Promise<[RelayAlarmEvent]>;
    simulator.raiseAlarm({ ms: 200 });
    expect((await raised)[0]).toMatchObject({ active: true, input: "status channel 3" });
    const cleared = once(relay, "alarm") as Promise<[RelayAlarmEvent]>;
    expect((await cleared)[0].active).toBe(false);
    // The alarm channel is an input: it cannot be switched.
    await expect(relay.set(3, true)).rejects.toMatchObject({ code: "RELAY_BAD_RELAY" });
  });

  it("a normally closed contact (activeWhen off)", async () => {
    const { relay, simulator } = await serialRig(
      { alarmInput: { statusChannel: 3, activeWhen: "off" }, alarmPollMs: 20 },
      { alarmChannel: 3 },
    );
    const raised = once(relay, "alarm") as Promise<[RelayAlarmEvent]>;
    await relay.start();
    expect((await raised)[0].active).toBe(true); // the contact reads OFF: the loop is open
    simulator.raiseAlarm();
    const cleared = once(relay, "alarm") as Promise<[RelayAlarmEvent]>;
    expect((await cleared)[0].active).toBe(false);
  });
});

describe("serial relay boards without the status query", () => {
  it("work without read-back and say so in health", async () => {
    const { relay, simulator } = await serialRig({ statusQuery: false }, { answersStatus: false });
    await relay.start();
    expect(relay.health()).toMatchObject({
      state: "ok",
      detail: { readBack: "no: this board cannot report its relay states" },
    });
    expect(await relay.set(1, true)).toBeUndefined();
    await relay.set(1, false);
    const result = await relay.desensitize();
    expect(result).toEqual({ relay: 1, ms: 60 });
    expect(simulator.pulses(1)).toHaveLength(1);
    await expect(relay.readState()).rejects.toMatchObject({ code: "RELAY_NO_ANSWER" });
  });

  it("a board configured with the query that never answers → degraded with what to do", async () => {
    const { relay } = await serialRig({}, { answersStatus: false });
    await relay.start();
    const health = relay.health();
    expect(health.state).toBe("degraded");
    expect(health.lastError?.code).toBe("RELAY_NO_ANSWER");
    expect(health.lastError?.message).toMatch(/set statusQuery to false/);
  });
});

describe("options and wiring", () => {
  it.each([
    [{ model: "x10" }, /model must be one of/],
    [{ model: "serial-relay", relayCount: 9 }, /relayCount must be 1-8/],
    [{ model: "serial-relay", relayCount: 1, channels: { resensitize: 2 } }, /channels.resensitize/],
    [{ model: "serial-relay", pulseMs: 0 }, /pulseMs/],
    [{ model: "serial-relay", pulseMs: 9000 }, /pulseMs must be 1-5000/],
    [{ model: "serial-relay", alarmInput: { statusChannel: 2 } }, /statusChannel/],
    [{ model: "usb-hid-relay", alarmInput: { reportByte: 1, mask: 0 } }, /reportByte 0-63 and mask 1-255/],
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
    const { relay } = await serialRig({ relayCount: 1 }, { relayCount: 1 });
    await relay.start();
    await expect(relay.resensitize()).rejects.toMatchObject({ code: "RELAY_NOT_CONFIGURED" });
  });

  it("a board missing at start → start resolves with health disconnected", async () => {
    const { relay, host, device } = await hidRig();
    host.disconnect();
    await relay.start();
    expect(relay.health()).toMatchObject({ state: "disconnected", lastError: { code: "DEVICE_NOT_FOUND" } });
    host.reconnect();
    await device.open();
    await waitForHealth(relay, (h) => h.state === "ok");
  });
});
