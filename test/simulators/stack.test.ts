import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnyDevice } from "../../bridge/devices/factories.ts";
import type { ReceiptPrinter } from "../../bridge/devices/printer/receipt-printer.ts";
import type { SecurityRelay } from "../../bridge/devices/relay/security-relay.ts";
import type { RfidPad } from "../../bridge/devices/rfid/pad.ts";
import { STACK_DEVICES, type Stack, startStack } from "../../simulators/stack.ts";
import { TestSipClient } from "../support/sip2-client.ts";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ backoff: { initialMs: 10, maxMs: 100 } });
});

afterAll(async () => {
  await stack?.stop();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${stack.control.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

function next<T>(device: AnyDevice, event: string): Promise<T> {
  return new Promise((resolve) => device.once(event, (value: T) => resolve(value)));
}

describe("the simulated kiosk stack", () => {
  it("starts every device of the typical kiosk that this build has, and they all reach ok", async () => {
    const running = stack.registry.list().map((e) => e.id);
    expect(running.length + stack.skipped.length).toBe(STACK_DEVICES.length);
    expect(running).toContain("scanner");
    expect(await stack.registry.whenAllOk(20_000)).toBe(true);
    for (const entry of stack.registry.list()) expect(entry.health.state, entry.id).toBe("ok");
  });

  it("lists its simulators on the control API with where each is exposed", async () => {
    const sims = (await (await fetch(`${stack.control.url}/sims`)).json()) as Array<{ id: string; where: string }>;
    expect(sims.map((s) => s.id)).toEqual([...stack.simulators.keys()]);
    for (const sim of sims)
      expect(sim.where).toMatch(/^(pty \/.*\/osc-pty-\w+\/a |tcp 127\.0\.0\.1:\d+|memory|in-process)/);
    // The card terminal has no wire protocol: it is handed to the bridge in-process.
    expect(sims.find((s) => s.id === "payment")?.where).toBe("in-process");
  });

  it("delivers a scan made through the control API as a scan event of the registry's scanner", async () => {
    const scanner = stack.registry.get("scanner");
    if (!scanner) throw new Error("no scanner in the stack");
    const scanned = next<{ code: string; classification: { kind: string } }>(scanner, "scan");
    const { status } = await post("/sims/scanner/scan", { code: "34711000000010" });
    expect(status).toBe(200);
    const scan = await scanned;
    expect(scan.code).toBe("34711000000010");
    expect(scan.classification.kind).toBe("item");
  });

  it("shows tags placed through the control API in the registry's RFID pad's inventory and reads their item ids", async () => {
    const pad = stack.registry.get<RfidPad>("rfid-pad");
    if (!pad) throw new Error("no RFID pad in the stack");
    const placed = await post("/sims/rfid-pad/placeTags", {
      tags: [{ itemId: "34711000000010" }, { itemId: "34711000000028", model: "iso28560-3" }],
    });
    expect(placed.status).toBe(200);
    const uids = (placed.json as { result: string[] }).result;
    expect(uids).toHaveLength(2);
    const inventory = await pad.inventory();
    expect(inventory.map((t) => t.uid).sort()).toEqual([...uids].sort());
    const readings = await Promise.all(uids.map((uid) => pad.readTag(uid)));
    expect(readings.map((r) => r.data?.itemId)).toEqual(["34711000000010", "34711000000028"]);
    await post("/sims/rfid-pad/removeTags", { all: true });
    expect(await pad.inventory()).toEqual([]);
  });

  it("prints through the registry's printer onto the network printer simulator, and refuses once paper is out", async () => {
    const printer = stack.registry.get<ReceiptPrinter>("printer");
    if (!printer) throw new Error("no printer in the stack");
    const printed = await printer.printTestPage();
    expect(printed.bytes).toBeGreaterThan(0);
    const state = (await (await fetch(`${stack.control.url}/sims/printer`)).json()) as {
      state: { receipts: Array<{ text: string }> };
    };
    expect(state.state.receipts.length).toBeGreaterThanOrEqual(1);
    expect(state.state.receipts.at(-1)?.text.length).toBeGreaterThan(0);
    expect((await post("/sims/printer/setPaper", { state: "out" })).status).toBe(200);
    await expect(printer.printTestPage()).rejects.toMatchObject({ code: "PRINTER_PAPER_OUT" });
    await post("/sims/printer/setPaper", { state: "ok" });
  });

  it("follows the RFID pad through an unplug and replug of its PTY, made through the control API", async () => {
    const health = (state: string) =>
      new Promise<void>((resolve) => {
        const check = (id: string, h: { state: string }) => {
          if (id !== "rfid-pad" || h.state !== state) return;
          stack.registry.off("health", check);
          resolve();
        };
        stack.registry.on("health", check);
      });
    const down = health("disconnected");
    expect((await post("/hosting/rfid-pad/unplug", {})).status).toBe(200);
    await down;
    const entry = stack.registry.list().find((e) => e.id === "rfid-pad");
    expect(entry?.health.lastError?.code).toBe("DEVICE_DISCONNECTED");
    const up = health("ok");
    const replugged = await post("/hosting/rfid-pad/replug", {});
    expect(replugged.json).toMatchObject({ result: { where: expect.stringMatching(/^pty \/.*\/osc-pty-\w+\/a /) } });
    await up;
    const pad = stack.registry.get<RfidPad>("rfid-pad");
    await expect(pad?.inventory()).resolves.toEqual([]);
  });

  it("pulses the desensitize relay through the registry's USB HID relay board simulator", async () => {
    const relay = stack.registry.get<SecurityRelay>("relay");
    if (!relay) throw new Error("no relay in the stack");
    const result = await relay.desensitize();
    expect(result.relay).toBe(1);
    const { json } = await post("/sims/relay/timeline", {});
    const pulses = (json as { result: { pulses: Array<{ relay: number; width: number }> } }).result.pulses;
    expect(pulses).toHaveLength(1);
    expect(pulses[0]?.relay).toBe(1);
    expect(pulses[0]?.width).toBeGreaterThan(100);
  });

  it("answers any params to any simulator action with a result or a typed JSON error, never a crash", async () => {
    const app = stack.control.app;
    const calls: Array<{ id: string; action: string }> = [];
    for (const [id, hosting] of stack.simulators) {
      for (const { name } of hosting.simulator.actions()) calls.push({ id, action: name });
    }
    // Keys the actions take, so some calls get far enough to act, plus anything else.
    const keys = [
      "code",
      "symbology",
      "bytes",
      "tags",
      "uids",
      "all",
      "state",
      "open",
      "online",
      "ms",
      "noAnswer",
      "reset",
    ];
    const anyParams = fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })), fc.jsonValue(), {
      maxKeys: 3,
    });
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...calls), anyParams, async (call, params) => {
        const response = await app.inject({
          method: "POST",
          url: `/sims/${call.id}/${call.action}`,
          payload: params as Record<string, never>,
        });
        expect(
          [200, 400, 404, 409],
          `${call.id}.${call.action} ${JSON.stringify(params)} → ${response.body}`,
        ).toContain(response.statusCode);
        statuses.add(response.statusCode);
        const body = response.json() as { code?: unknown; message?: unknown; result?: unknown };
        if (response.statusCode === 200) expect(body).toHaveProperty("result");
        else expect(typeof body.code === "string" && typeof body.message === "string").toBe(true);
      }),
      { numRuns: 300 },
    );
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 400]));
    // Leave the kiosk as the other tests expect it.
    await post("/sims/rfid-pad/removeTags", { all: true });
    await post("/sims/rfid-pad/setFaults", { reset: true });
    await post("/sims/printer/setPaper", { state: "ok" });
    await post("/sims/printer/setCover", { open: false });
    await post("/sims/printer/setOnline", { online: true });
    await post("/sims/relay/clearAlarm", {});
    await post("/sims/relay/setFaults", { noAnswer: false, stuckRelays: [] });
  });

  it("serves SIP2 on the ACS simulator with the login the generated config names", async () => {
    const sip2 = stack.config.sip2;
    expect(sip2).toMatchObject({ host: "127.0.0.1", port: stack.acs.address.port });
    const client = await TestSipClient.connect(stack.acs.address.port);
    try {
      expect(await client.login(sip2?.login.user, sip2?.login.password)).toBe(true);
    } finally {
      client.close();
    }
  });
});

describe("the stack without pseudo-terminals", () => {
  it("runs serial simulators in memory and their drivers still work", async () => {
    const inMemory = await startStack({ serialOver: "memory", backoff: { initialMs: 10, maxMs: 100 } });
    try {
      expect(inMemory.simulators.get("rfid-pad")?.exposure).toEqual({ type: "memory", hid: false });
      expect(await inMemory.registry.whenAllOk(20_000)).toBe(true);
      const pad = inMemory.registry.get<RfidPad>("rfid-pad");
      await inMemory.simulators
        .get("rfid-pad")
        ?.simulator.control("placeTags", { tags: [{ itemId: "34711000000010" }] });
      expect(await pad?.inventory()).toHaveLength(1);
    } finally {
      await inMemory.stop();
    }
  });
});
