/**
 * The staff device tests through the staff API on the real stack: the device simulators behind the real
 * drivers (the RFID pad on a pseudo-terminal, the printer on TCP), the dev staff login of `npm start`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceTestReply } from "../../protocols/staff-api/schema.ts";
import { type Stack, startStack } from "../../simulators/stack.ts";
import { control, type StaffCall, staffLogin } from "./stack-http.ts";

let stack: Stack;
let staff: StaffCall;

beforeAll(async () => {
  stack = await startStack({ backoff: { initialMs: 10, maxMs: 200 } });
  await stack.registry.whenAllOk(10_000);
  staff = await staffLogin(stack);
});

afterAll(async () => {
  await stack?.stop();
});

const test = async (id: string) =>
  (await (await staff("POST", `/api/staff/devices/${id}/test`)).json()) as DeviceTestReply;

describe("staff device tests on the simulated kiosk", () => {
  it("lists every device with its live health", async () => {
    const status = (await (await staff("GET", "/api/staff/status")).json()) as {
      devices: Array<{ id: string; health: string }>;
    };
    expect(status.devices.map((d) => [d.id, d.health])).toEqual([
      ["scanner", "ok"],
      ["rfid-pad", "ok"],
      ["printer", "ok"],
      ["relay", "ok"],
    ]);
  });

  it("lists the tags on the pad with their ISO 28560 fields and security, but not a patron card's number", async () => {
    await control(stack, "/sims/rfid-pad/placeTags", {
      tags: [
        {
          uid: "E004010000000A01",
          itemId: "34711000000010",
          model: "iso28560-2",
          owner: "DE-1",
          partNumber: 1,
          partsInSet: 2,
          secured: true,
        },
        { uid: "E004010000000A02", itemId: "24711000000012", model: "iso28560-2", typeOfUsage: 8 },
      ],
    });
    const reply = await test("rfid-pad");
    expect(reply).toMatchObject({ device: "rfid-pad", ok: true, summary: "2 tags on the pad" });
    const book = reply.tags?.find((t) => t.uid === "E004010000000A01");
    expect(book).toMatchObject({
      model: "iso28560-2",
      security: "secured",
      afi: 0x07,
      fields: expect.objectContaining({
        primaryItemId: "34711000000010",
        ownerInstitution: "DE-1",
        "setInformation.partNumber": 1,
        "setInformation.partsInSet": 2,
      }),
    });
    const card = reply.tags?.find((t) => t.uid === "E004010000000A02");
    expect(card).toMatchObject({ patronCard: true });
    expect(JSON.stringify(reply)).not.toContain("24711000000012");
    await control(stack, "/sims/rfid-pad/removeTags", { all: true });
  });

  it("a test print, a scan and a relay click need the kiosk out of service (409), then work", async () => {
    const refused = await staff("POST", "/api/staff/devices/printer/test");
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: "STAFF_NEEDS_OUT_OF_SERVICE",
      message: expect.stringContaining("out of service first"),
    });

    expect((await staff("PUT", "/api/staff/out-of-service", { outOfService: true, message: "Testing" })).status).toBe(
      200,
    );
    try {
      const print = await test("printer");
      expect(print).toMatchObject({ device: "printer", ok: true, summary: "Printed a test page" });
      expect(print.receipt?.join("\n")).toContain("Printer test page");

      const relay = await test("relay");
      expect(relay).toMatchObject({ device: "relay", ok: true });

      // The scanner test waits for the next scan: scan until it has seen one (bounded).
      const scanned = test("scanner");
      let done = false;
      void scanned.then(() => {
        done = true;
      });
      for (let i = 0; i < 200 && !done; i++) {
        await control(stack, "/sims/scanner/scan", { code: "34711000000010" });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await scanned).toMatchObject({
        device: "scanner",
        ok: true,
        scan: { code: "34711000000010", kind: "item" },
      });
    } finally {
      await staff("PUT", "/api/staff/out-of-service", { outOfService: false });
    }
  });

  it("metrics count a device's disconnect and show its health, as the status does", async () => {
    const health = async (id: string) =>
      (
        (await (await staff("GET", "/api/staff/status")).json()) as { devices: Array<{ id: string; health: string }> }
      ).devices.find((d) => d.id === id)?.health;
    const metrics = async () => (await fetch(`${stack.bridge.server?.url}/metrics`)).text();
    expect(await metrics()).toContain('selfcheck_device_disconnects_total{device="printer"} 0');
    await control(stack, "/hosting/printer/unplug");
    await expect.poll(() => health("printer"), { timeout: 10_000 }).toBe("disconnected");
    const text = await metrics();
    expect(text).toContain('selfcheck_device_disconnects_total{device="printer"} 1');
    expect(text).toContain('selfcheck_device_health{device="printer",kind="printer",state="disconnected"} 1');
    await control(stack, "/hosting/printer/replug");
    await expect.poll(() => health("printer"), { timeout: 10_000 }).toBe("ok");
  });

  it("metrics time the ILS's answers per SIP2 command and count the offline journal", async () => {
    const metrics = async () => (await fetch(`${stack.bridge.server?.url}/metrics`)).text();
    // Each connection logged in and asked SC Status once it came up.
    const text = await metrics();
    expect(text).toMatch(/selfcheck_sip2_request_seconds_count\{command="login"\} [1-9]/);
    expect(text).toMatch(/selfcheck_sip2_request_seconds_count\{command="scStatus"\} [1-9]/);
    expect(text).toContain('selfcheck_offline_journal_entries{state="waiting"} 0');
    expect(text).toContain('selfcheck_offline_journal_entries{state="needs_staff"} 0');
    await stack.bridge.kiosk?.execute({ type: "identify", id: "m1", credential: "24711000000012" });
    await expect.poll(async () => (await metrics()).includes('command="patronInformation"')).toBe(true);
    expect(await metrics()).toMatch(/selfcheck_sip2_request_seconds_count\{command="patronInformation"\} [1-9]/);
    await stack.bridge.kiosk?.execute({ type: "endSession", id: "m2" });
  });

  it("an unknown device is 404 naming the configured ones", async () => {
    const reply = await staff("POST", "/api/staff/devices/toaster/test");
    expect(reply.status).toBe(404);
    expect(await reply.json()).toMatchObject({
      code: "STAFF_DEVICE_UNKNOWN",
      message: 'no device "toaster"; the configured devices are: scanner, rfid-pad, printer, relay.',
    });
  });
});
