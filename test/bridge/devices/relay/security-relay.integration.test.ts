/** The serial relay driver against its simulator over a PTY pair with the real `serialport` at 9600 baud. */
import { afterEach, describe, expect, it } from "vitest";
import { createSecurityRelay } from "../../../../bridge/devices/relay/security-relay.ts";
import { createReconnectingTransport } from "../../../../bridge/transports/reconnecting.ts";
import { createSerialTransport } from "../../../../bridge/transports/serial.ts";
import { SerialRelaySimulator } from "../../../../simulators/devices/relay/serial-relay.ts";
import { openPtyPair } from "../../../support/pty.ts";
import { capturingLogger, waitForHealth } from "../printer/helpers.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig() {
  const pty = await openPtyPair();
  cleanups.push(() => pty.close());
  const simulator = new SerialRelaySimulator({ relayCount: 2, alarmChannel: 3 });
  const boardSide = createSerialTransport({ path: pty.b, baudRate: 9600, presenceCheckMs: 0 });
  await boardSide.open();
  cleanups.push(() => boardSide.close());
  simulator.attach(boardSide);
  const transport = createReconnectingTransport({
    label: "gate relay",
    factory: () => createSerialTransport({ path: pty.a, baudRate: 9600, presenceCheckMs: 50 }),
    backoff: { initialMs: 20, maxMs: 100, jitter: 0 },
  });
  const relay = createSecurityRelay(
    { id: "gate-relay", transport, logger: capturingLogger("warn").logger },
    {
      model: "serial-relay",
      relayCount: 2,
      pulseMs: 80,
      minGapMs: 50,
      answerTimeoutMs: 500,
      alarmInput: { statusChannel: 3 },
      alarmPollMs: 50,
    },
  );
  cleanups.push(() => relay.stop());
  return { pty, simulator, boardSide, relay };
}

describe("serial relay over a PTY pair (real serialport, 9600 8N1)", () => {
  it("pulses with the configured width and reads the alarm input", async () => {
    const { relay, simulator } = await rig();
    await relay.start();
    expect(relay.health()).toMatchObject({ state: "ok", detail: { relays: [false, false], alarmActive: false } });
    await relay.desensitize();
    await relay.resensitize();
    const [one] = simulator.pulses(1);
    const [two] = simulator.pulses(2);
    // Each relay went on and came off again. The width the board saw depends on how fast a busy machine
    // delivers the two frames over the PTY, so it is asserted exactly in the virtual-time tests instead.
    for (const pulse of [one, two]) expect(pulse?.width).toBeGreaterThan(0);
    simulator.raiseAlarm();
    await waitForHealth(relay, (h) => h.detail?.alarmActive === true);
  });

  it("unplugged in the middle of a pulse → disconnected, the relay may be on; replugged → switched off", async () => {
    const { relay, simulator, boardSide, pty } = await rig();
    await relay.start();
    const unplugWhenOn = () => {
      if (!simulator.bank.states[0]) return;
      boardSide.off("data", unplugWhenOn);
      void pty.hangup("a");
    };
    boardSide.on("data", unplugWhenOn);
    const error = await relay.pulse(1, 300).then(
      () => undefined,
      (err: unknown) => err as Error & { code: string },
    );
    expect(error?.code).toBe("RELAY_DISCONNECTED");
    expect(error?.message).toMatch(/relay 1 could not be switched off .* It may still be on/);
    expect(simulator.bank.states[0]).toBe(true); // the board never got the off frame
    await waitForHealth(relay, (h) => h.state === "disconnected");

    await pty.replug("a");
    await waitForHealth(relay, (h) => h.state === "ok");
    expect(simulator.bank.states).toEqual([false, false]); // switched off on reconnect
    await relay.desensitize();
    expect(simulator.pulses(1).at(-1)?.width).toBeGreaterThan(0);
  });
});
