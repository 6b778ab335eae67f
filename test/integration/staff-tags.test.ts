/**
 * Tag programming and shelf inventory through the staff API on the real stack: the CPR-M02 pad simulator on
 * a pseudo-terminal behind the real driver (it can lock blocks), the ACS simulator over TCP behind the real
 * SIP2 client, the dev staff login of `npm start`. A second reader (a handheld, also a CPR-M02, that the kiosk
 * does not poll) is there for inventory on a chosen reader.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InventoryReport, TagProgramReply } from "../../protocols/staff-api/schema.ts";
import { STACK_DEVICES, type Stack, startStack } from "../../simulators/stack.ts";
import { control, type StaffCall, staffLogin } from "./stack-http.ts";

let stack: Stack;
let staff: StaffCall;

beforeAll(async () => {
  stack = await startStack({
    backoff: { initialMs: 10, maxMs: 200 },
    devices: [
      ...STACK_DEVICES.map((d) => (d.kind === "rfid" ? { ...d, model: "cpr-m02" } : d)),
      { id: "handheld", name: "Handheld reader", kind: "rfid", model: "cpr-m02" },
    ],
    staff: { tags: { owner: "DE-1" } },
  });
  await stack.registry.whenAllOk(10_000);
  staff = await staffLogin(stack);
});

afterAll(async () => {
  await stack?.stop();
});

interface SimTag {
  uid: string;
  afiState: string;
  lockedBlocks: number[];
  data: { model?: string; itemId?: string; owner?: string; partNumber?: number; partsInSet?: number };
}
const simTags = async () => (await control(stack, "/sims/rfid-pad/listTags")) as SimTag[];

const outOfService = (on: boolean) => staff("PUT", "/api/staff/out-of-service", { outOfService: on });

async function program(body: Record<string, unknown>) {
  const response = await staff("POST", "/api/staff/tags/program", { model: "iso28560-3", secured: true, ...body });
  return {
    status: response.status,
    body: (await response.json()) as TagProgramReply & { code?: string; message?: string },
  };
}

describe("tag programming", () => {
  it("is refused while the kiosk is in service", async () => {
    await control(stack, "/sims/rfid-pad/placeTags", { tags: [{ uid: "E004010000001001" }] });
    const refused = await program({ itemId: "34711000000010" });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("STAFF_NEEDS_OUT_OF_SERVICE");
    await control(stack, "/sims/rfid-pad/removeTags", { all: true });
  });

  it("writes, locks and secures a blank tag, reads it back; refuses other data on the locked tag, 0 or 2 tags", async () => {
    expect((await outOfService(true)).status).toBe(200);
    try {
      expect(await (await staff("GET", "/api/staff/tags")).json()).toEqual({
        device: "rfid-pad",
        model: "iso28560-2",
        owner: "DE-1",
        canLockBlocks: true,
      });
      const none = await program({ itemId: "34711000000010" });
      expect(none).toMatchObject({ status: 409, body: { code: "STAFF_TAG_COUNT" } });
      expect(none.body.message).toContain("no tag on the pad");

      await control(stack, "/sims/rfid-pad/placeTags", {
        tags: [{ uid: "E004010000001001" }, { uid: "E004010000001002" }],
      });
      const two = await program({ itemId: "34711000000010" });
      expect(two).toMatchObject({ status: 409, body: { code: "STAFF_TAG_COUNT" } });
      expect(two.body.message).toContain("2 tags on the pad");
      await control(stack, "/sims/rfid-pad/removeTags", { uids: ["E004010000001002"] });

      const done = await program({ itemId: "34711000000150", partNumber: 2, partsInSet: 3, lock: true });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(done.body).toMatchObject({
        device: "rfid-pad",
        uid: "E004010000001001",
        written: true,
        secured: true,
        reading: {
          model: "iso28560-3",
          security: "secured",
          fields: expect.objectContaining({
            primaryItemId: "34711000000150",
            ownerInstitution: "DE-1",
            partNumber: 2,
            partsInSet: 3,
          }),
        },
      });
      // Through the simulator: the data, the AFI, and the locked blocks (the 34-byte basic block: 9 of 4 bytes).
      const [tag] = await simTags();
      expect(tag).toMatchObject({
        afiState: "secured",
        data: { model: "iso28560-3", itemId: "34711000000150", owner: "DE-1", partNumber: 2, partsInSet: 3 },
      });
      expect(tag?.lockedBlocks.length).toBe(done.body.lockedBlocks);
      expect(tag?.lockedBlocks[0]).toBe(0);

      const other = await program({ itemId: "34711000000010" });
      expect(other).toMatchObject({ status: 422, body: { code: "STAFF_TAG_REFUSED" } });
      expect(other.body.message).toContain("locked with other data (it holds item 34711000000150)");

      const again = await program({ itemId: "34711000000150", partNumber: 2, partsInSet: 3, secured: false });
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(again.body).toMatchObject({ written: false, secured: false, reading: { security: "unsecured" } });

      const bad = await program({ itemId: "34711000000010", partNumber: 4, partsInSet: 3 });
      expect(bad).toMatchObject({ status: 400, body: { code: "STAFF_INVALID_REQUEST" } });
    } finally {
      await control(stack, "/sims/rfid-pad/removeTags", { all: true });
      await outOfService(false);
    }
  });
});

describe("shelf inventory", () => {
  const report = async () => (await (await staff("GET", "/api/staff/inventory")).json()) as InventoryReport;
  const statuses = async () => Object.fromEntries((await report()).items.map((i) => [i.itemId, i.status]));

  it("checks each item on the pad once with the ILS, names what is wrong, waits while the ILS is away, exports CSV", async () => {
    expect((await staff("POST", "/api/staff/inventory/start", { device: "rfid-pad" })).status).toBe(409); // in service
    expect((await outOfService(true)).status).toBe(200);
    try {
      const started = await staff("POST", "/api/staff/inventory/start", { device: "rfid-pad" });
      expect(started.status).toBe(200);
      expect(await started.json()).toMatchObject({ running: true, branch: "MAIN", device: "rfid-pad", items: [] });

      // Along the shelf, four at a time (the CPR-M02 lists four tags per inventory).
      await control(stack, "/sims/rfid-pad/placeTags", {
        tags: [
          { itemId: "34711000000010" }, // available, MAIN
          { itemId: "34711000000036" }, // checked out to another patron
          { itemId: "34711000000093" }, // lost
          { itemId: "34711000000226" }, // owned by EAST
        ],
      });
      await expect.poll(statuses, { timeout: 10_000 }).toEqual({
        "34711000000010": "on-shelf",
        "34711000000036": "checked-out",
        "34711000000093": "missing",
        "34711000000226": "misplaced",
      });
      await control(stack, "/sims/rfid-pad/removeTags", { all: true });

      // The ILS goes away: new items wait, and are checked when it is back.
      stack.acs.server.faults.set({ dropAfter: 0 });
      stack.acs.server.disconnect();
      await expect.poll(async () => (await report()).ilsOffline, { timeout: 10_000 }).toBe(true);
      await control(stack, "/sims/rfid-pad/placeTags", {
        tags: [
          { itemId: "39999999999999" }, // unknown to the ILS
          { uid: "E004010000002002" }, // blank: no item data
          { itemId: "34711000000010" }, // seen before: listed once
          { itemId: "24711000000012", typeOfUsage: 8 }, // a patron card: not listed
        ],
      });
      await expect.poll(async () => (await statuses())["39999999999999"], { timeout: 10_000 }).toBe("pending");
      stack.acs.server.faults.clear();
      await expect.poll(async () => (await statuses())["39999999999999"], { timeout: 20_000 }).toBe("unknown");

      const stopped = (await (await staff("POST", "/api/staff/inventory/stop")).json()) as InventoryReport;
      expect(stopped).toMatchObject({ running: false, ilsOffline: false });
      expect(stopped.items.map((i) => [i.itemId, i.status])).toEqual([
        ["34711000000010", "on-shelf"],
        ["34711000000036", "checked-out"],
        ["34711000000093", "missing"],
        ["34711000000226", "misplaced"],
        ["39999999999999", "unknown"],
        ["E004010000002002", "unreadable"],
      ]);
      expect(stopped.counts).toMatchObject({ "on-shelf": 1, "checked-out": 1, missing: 1, misplaced: 1, unknown: 1 });
      expect(stopped.items[0]).toMatchObject({
        title: "The Quiet Harbour",
        homeBranch: "MAIN",
        ilsStatus: "available",
      });

      const csv = await staff("GET", "/api/staff/inventory?format=csv");
      expect(csv.headers.get("content-type")).toContain("text/csv");
      const text = await csv.text();
      expect(text.split("\r\n")[0]).toBe("item,status,title,call number,ILS status,home branch,tag UID,first seen");
      expect(text).toContain("34711000000036,checked-out,Maps of Forgotten Rivers,");
      expect(text).not.toContain("24711000000012");
      expect(JSON.stringify(stopped)).not.toContain("24711000000012");
    } finally {
      stack.acs.server.faults.clear();
      await staff("POST", "/api/staff/inventory/stop");
      await control(stack, "/sims/rfid-pad/removeTags", { all: true });
      await outOfService(false);
    }
  });

  it("runs on the reader staff choose (the handheld, which the kiosk does not poll); errors name the device", async () => {
    expect((await outOfService(true)).status).toBe(200);
    try {
      const neither = await staff("POST", "/api/staff/inventory/start", {});
      expect(neither.status).toBe(400);
      expect(((await neither.json()) as { message: string }).message).toBe(
        "this kiosk has 2 RFID readers: choose one (device): rfid-pad (RFID pad), handheld (Handheld reader).",
      );
      const printer = await staff("POST", "/api/staff/inventory/start", { device: "printer" });
      expect(printer.status).toBe(404);
      expect(((await printer.json()) as { message: string }).message).toContain(
        '"printer": it is a printer, not an RFID reader',
      );
      const nothing = await staff("POST", "/api/staff/inventory/start", { device: "wand" });
      expect(((await nothing.json()) as { message: string }).message).toBe(
        'cannot run an inventory on "wand": there is no such device. RFID readers: rfid-pad (RFID pad), handheld (Handheld reader).',
      );

      const started = (await (
        await staff("POST", "/api/staff/inventory/start", { device: "handheld" })
      ).json()) as InventoryReport;
      expect(started).toMatchObject({
        running: true,
        device: "handheld",
        readers: [
          { id: "rfid-pad", name: "RFID pad" },
          { id: "handheld", name: "Handheld reader" },
        ],
      });
      // A book on the kiosk's pad is not on the handheld: only the handheld's books are listed.
      await control(stack, "/sims/rfid-pad/placeTags", { tags: [{ itemId: "34711000000036" }] });
      await control(stack, "/sims/handheld/placeTags", { tags: [{ itemId: "34711000000010" }] });
      await expect.poll(statuses, { timeout: 10_000 }).toEqual({ "34711000000010": "on-shelf" });
      // Later books too: the handheld is polled while the inventory runs.
      await control(stack, "/sims/handheld/placeTags", { tags: [{ itemId: "34711000000226" }] });
      await expect
        .poll(statuses, { timeout: 10_000 })
        .toEqual({ "34711000000010": "on-shelf", "34711000000226": "misplaced" });
      expect(Object.keys(await statuses())).not.toContain("34711000000036");
      const stopped = (await (await staff("POST", "/api/staff/inventory/stop")).json()) as InventoryReport;
      expect(stopped).toMatchObject({ running: false, device: "handheld" });
      expect(stopped.readerError).toBeUndefined();
    } finally {
      await staff("POST", "/api/staff/inventory/stop");
      await control(stack, "/sims/rfid-pad/removeTags", { all: true });
      await control(stack, "/sims/handheld/removeTags", { all: true });
      await outOfService(false);
    }
  });
});
