import { EventEmitter } from "node:events";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Transport, TransportEvents } from "../../../../bridge/transports/transport.ts";
import { bytesToHex, hexToBytes } from "../../../../protocols/rfid/bytes.ts";
import {
  createM810FrameParser,
  decodeM810Response,
  encodeM810Command,
  encodeM810Frame,
  type M810Command,
  type M810Response,
} from "../../../../protocols/rfid/readers/3m810.ts";
import {
  type CprCommand,
  type CprResponse,
  createCprFrameParser,
  decodeCprResponse,
  encodeCprCommand,
  encodeCprFrame,
} from "../../../../protocols/rfid/readers/cpr-m02.ts";
import { createRfidReaderSimulator, type RfidReaderSimulator } from "../../../../simulators/devices/rfid/simulator.ts";
import type { TagView } from "../../../../simulators/devices/rfid/tags.ts";
import { VirtualClock } from "../../../support/virtual-clock.ts";

/** A transport whose far end is the test: `data` is delivered synchronously, writes are recorded. */
class WireTap extends EventEmitter<TransportEvents> implements Transport {
  readonly description = "wire tap";
  isOpen = true;
  readonly status = { state: "open" as const, attempt: 1 };
  onStatus = () => () => false;
  readonly written: Uint8Array[] = [];
  async open() {}
  async close() {}
  async write(bytes: Uint8Array) {
    this.written.push(Uint8Array.from(bytes));
  }
  /** The host sends bytes to the simulator; resolves once the simulator's replies are written. */
  async send(bytes: Uint8Array): Promise<Uint8Array> {
    const before = this.written.length;
    this.emit("data", bytes);
    await new Promise((resolve) => setImmediate(resolve));
    return concat(this.written.slice(before));
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `maxInventoryTags`: a CPR-M02 whose firmware lists more tags than the standard firmware's 4 (3M: ignored). */
function rig(
  model: "3m810" | "cpr-m02",
  seed = 5,
  maxInventoryTags?: number,
): { sim: RfidReaderSimulator; wire: WireTap } {
  const limit = model === "cpr-m02" && maxInventoryTags !== undefined ? { maxInventoryTags } : {};
  const sim = createRfidReaderSimulator({ model, seed, ...limit });
  const wire = new WireTap();
  sim.attach(wire);
  return { sim, wire };
}

async function ask3m(wire: WireTap, command: M810Command): Promise<M810Response[]> {
  const { frames } = createM810FrameParser().feed(await wire.send(encodeM810Command(command)));
  return frames.map(decodeM810Response);
}

async function askCpr(wire: WireTap, command: CprCommand, bytes = encodeCprCommand(command)): Promise<CprResponse[]> {
  const { frames } = createCprFrameParser().feed(await wire.send(bytes));
  return frames.map((f) => decodeCprResponse(f, command));
}

function tags(sim: RfidReaderSimulator): TagView[] {
  return sim.state().tags as TagView[];
}

describe("RFID simulator: 3M 810 device side", () => {
  // A real session (dpavlin/koha-rfid-3m810-js tests/fixtures/live-capture.txt); the capture omits reply CRCs,
  // computed here with an independent CRC-16/GENIBUS (python3, test/protocols/rfid/goldens style).
  const LIVE: Array<[request: string, reply: string]> = [
    ["d500050400118c66", "d500090400110a050002 7250"],
    ["d60005fe0005fa40", "d60017fe00000502e004010031269117e00401001f77fb98 7c5b"],
    ["d6000b0ae004010031269117ec84", "d6000d0a00e004010031269117da 39ee"],
    [
      "d6000d02e00401003126911700084e9b",
      "d6003d0200e004010031269117080000041100010100313330320200303939390300393900000400000000000500000000000600000000000700000000 00 c015",
    ],
  ];

  it("answers a live-captured session byte for byte", async () => {
    const { sim, wire } = rig("3m810");
    sim.placeTags([
      { uid: "E004010031269117", memory: "0411000131333032303939393939", afi: 0xda },
      { uid: "E00401001F77FB98", memory: "0411000032303030303030303034", afi: 0xda },
    ]);
    for (const [request, reply] of LIVE) {
      expect(bytesToHex(await wire.send(hexToBytes(request)))).toBe(bytesToHex(hexToBytes(reply)));
    }
  });

  it("answers status 0x06 with the UID when the tag misses, is gone or refuses a write", async () => {
    const { sim, wire } = rig("3m810");
    const [uid] = sim.placeTags([{ itemId: "1", afiLocked: true }]) as [string];
    const fail = { kind: "failed", status: 0x06, uid };
    expect(await ask3m(wire, { kind: "writeAfi", uid, afi: 0x07 })).toMatchObject([{ ...fail, request: "writeAfi" }]);
    await sim.control("setFaults", { readMissRate: 1 });
    expect(await ask3m(wire, { kind: "readAfi", uid })).toMatchObject([{ ...fail, request: "readAfi" }]);
    expect(await ask3m(wire, { kind: "inventory" })).toEqual([{ kind: "inventory", uids: [] }]);
    await sim.control("setFaults", { reset: true });
    await sim.control("removeTags", { all: true });
    expect(await ask3m(wire, { kind: "readBlocks", uid, firstBlock: 0, count: 1 })).toMatchObject([
      { ...fail, request: "readBlocks" },
    ]);
  });

  it("lists every tag in one answer (its count is one byte) and holds at most 255 tags", async () => {
    const { sim, wire } = rig("3m810");
    const uids = sim.placeTags(Array.from({ length: 255 }, () => ({})));
    expect(await ask3m(wire, { kind: "inventory" })).toMatchObject([{ kind: "inventory", uids }]);
    // What a 3M reader does with more is not documented, so the simulator does not pretend to know.
    expect(() => sim.placeTags([{}])).toThrow(
      expect.objectContaining({ code: "SIM_BAD_PARAMS", message: expect.stringMatching(/256 tags on a 3M 810 pad/) }),
    );
    expect(sim.state()).not.toHaveProperty("maxInventoryTags");
  });

  it("cannot read a tag with 8-byte blocks (the protocol carries 4-byte blocks)", async () => {
    const { sim, wire } = rig("3m810");
    const [uid] = sim.placeTags([{ itemId: "1", blockSize: 8, blockCount: 8 }]) as [string];
    expect(await ask3m(wire, { kind: "readBlocks", uid, firstBlock: 0, count: 2 })).toMatchObject([
      { kind: "failed", status: 0x06 },
    ]);
  });

  it("stays silent for frames it does not understand and answers the next good one", async () => {
    const { sim, wire } = rig("3m810");
    sim.placeTags([{ itemId: "1" }]);
    // A well-formed frame (valid CRC) with command 0x77, a frame with a bad CRC, then plain noise.
    const unknown = encodeM810Frame({ start: 0xd6, command: 0x77, body: new Uint8Array(0) });
    expect(await wire.send(unknown)).toHaveLength(0);
    expect(sim.state().commandsSeen).toBe(0);
    expect(await wire.send(hexToBytes("d6 00 03 77 00 00"))).toHaveLength(0);
    expect(await wire.send(Uint8Array.of(0x00, 0x13, 0xd6, 0xff))).toHaveLength(0);
    const replies = await ask3m(wire, { kind: "inventory" });
    expect(replies).toHaveLength(1);
    expect(sim.state().framesRejected).toBeGreaterThan(0);
  });
});

describe("RFID simulator: CPR-M02 device side", () => {
  it("firmware listing 40 tags: splits an inventory of 30 over frames with status 0x94 and the MORE bit", async () => {
    const { sim, wire } = rig("cpr-m02", 5, 40);
    const uids = sim.placeTags(Array.from({ length: 30 }, (_, i) => ({ itemId: String(i + 1) })));
    const [first] = await askCpr(wire, { kind: "inventory" });
    expect(first).toMatchObject({ status: 0x94, moreData: true });
    const more = encodeCprFrame({ address: 0xff, command: 0xb0, body: Uint8Array.of(0x01, 0x80) });
    const [rest] = await askCpr(wire, { kind: "inventory" }, more);
    expect(rest).toMatchObject({ status: 0x00, moreData: false });
    const all = [first, rest].flatMap((r) => (r?.kind === "inventory" ? r.tags : []));
    expect(all.map((t) => t.uid)).toEqual(uids);
    expect(all.every((t) => t.dsfid === 0x06 && t.transponderType === 0x03)).toBe(true);
    // Nothing pending any more: MORE now answers "no transponder".
    expect(await askCpr(wire, { kind: "inventory" }, more)).toMatchObject([{ status: 0x01, tags: [] }]);
  });

  it("standard firmware lists at most 4 tags; with a 5th it answers 0x93 and no tags (FEIG ANNEX D2, ANNEX C)", async () => {
    const { sim, wire } = rig("cpr-m02");
    expect(sim.state()).toMatchObject({ maxInventoryTags: 4 });
    const four = sim.placeTags(Array.from({ length: 4 }, () => ({})));
    expect(await askCpr(wire, { kind: "inventory" })).toMatchObject([
      { status: 0x00, moreData: false, tags: four.map((uid) => ({ uid })) },
    ]);
    sim.placeTags([{}]);
    const more = encodeCprFrame({ address: 0xff, command: 0xb0, body: Uint8Array.of(0x01, 0x80) });
    const overflow = await wire.send(encodeCprCommand({ kind: "inventory" }));
    // LEN 6, COM-ADR 0, [0xB0], STATUS 0x93, CRC: no data sets with this status.
    expect(bytesToHex(overflow).slice(0, 8)).toBe("0600B093");
    expect(await askCpr(wire, { kind: "inventory" })).toMatchObject([
      { status: 0x93, kind: "failed", request: "inventory", data: new Uint8Array(0) },
    ]);
    // Nothing is pending after an overflow: MORE answers "no transponder".
    expect(await askCpr(wire, { kind: "inventory" }, more)).toMatchObject([{ status: 0x01, tags: [] }]);
    // A read miss that leaves 4 answering tags gives a normal answer again.
    await sim.control("removeTags", { uids: [four[0]] });
    expect(await askCpr(wire, { kind: "inventory" })).toMatchObject([{ status: 0x00 }]);
  });

  it("maxInventoryTags is a whole number from 1 to 255, and only for the CPR-M02", () => {
    for (const bad of [0, 256, 2.5, "4"]) {
      expect(() => createRfidReaderSimulator({ model: "cpr-m02", maxInventoryTags: bad as number })).toThrow(
        expect.objectContaining({ code: "SIM_BAD_PARAMS", message: expect.stringMatching(/maxInventoryTags/) }),
      );
    }
    expect(() => createRfidReaderSimulator({ model: "3m810", maxInventoryTags: 8 })).toThrow(
      expect.objectContaining({
        code: "SIM_BAD_PARAMS",
        message: expect.stringMatching(/documents no inventory limit/),
      }),
    );
    expect(createRfidReaderSimulator({ model: "cpr-m02", maxInventoryTags: 5 }).state()).toMatchObject({
      maxInventoryTags: 5,
    });
  });

  it("keeps the blocks written before a failure, as block-by-block programming does", async () => {
    const { sim, wire } = rig("cpr-m02");
    const [uid] = sim.placeTags([{ memory: "00".repeat(16) }]) as [string];
    await sim.control("setFaults", { writeFailureRate: 1 });
    const data = hexToBytes("11111111 22222222 33333333 44444444");
    const write = { kind: "writeBlocks", uid, firstBlock: 0, blockSize: 4, data } as const;
    expect(await askCpr(wire, write)).toMatchObject([{ kind: "failed", status: 0x95, isoError: 0x13 }]);
    await sim.control("setFaults", { writeFailureRate: 0, tags: { [uid]: { removeAfterBlocks: 2 } } });
    expect(await askCpr(wire, write)).toMatchObject([{ kind: "failed", status: 0x01 }]);
    expect(tags(sim)).toEqual([]);
    expect(sim.faults.tags).toEqual({});
  });

  it("removeAfterBlocks lets exactly N blocks through", async () => {
    const { sim, wire } = rig("cpr-m02");
    const [uid] = sim.placeTags([{ memory: "00".repeat(16) }]) as [string];
    await sim.control("setFaults", { tags: { [uid]: { removeAfterBlocks: 3 } } });
    const data = hexToBytes("11111111 22222222 33333333");
    expect(await askCpr(wire, { kind: "writeBlocks", uid, firstBlock: 0, blockSize: 4, data })).toMatchObject([
      { kind: "writeBlocks", status: 0 },
    ]);
    expect(tags(sim)[0]?.memory.slice(0, 24)).toBe("111111112222222233333333");
    expect(
      await askCpr(wire, { kind: "writeBlocks", uid, firstBlock: 3, blockSize: 4, data: data.subarray(0, 4) }),
    ).toMatchObject([{ kind: "failed", status: 0x01 }]);
  });

  it("EAS alarm: 0x00 for a tag with EAS set, 0x01 (silence) otherwise", async () => {
    const { sim, wire } = rig("cpr-m02");
    const [on, off] = sim.placeTags([{ eas: true }, { eas: false }]) as [string, string];
    expect(await askCpr(wire, { kind: "easAlarm", uid: on })).toMatchObject([{ status: 0, alarm: true }]);
    expect(await askCpr(wire, { kind: "easAlarm", uid: off })).toMatchObject([{ status: 1, alarm: false }]);
    await askCpr(wire, { kind: "setEas", uid: off });
    await askCpr(wire, { kind: "lockEas", uid: off });
    expect(await askCpr(wire, { kind: "resetEas", uid: off })).toMatchObject([{ status: 0x95, isoError: 0x12 }]);
    expect(tags(sim).map((t) => t.eas)).toEqual([true, true]);
  });

  it("reports geometry, DSFID and AFI in Get System Information and writes the DSFID", async () => {
    const { sim, wire } = rig("cpr-m02");
    const [uid] = sim.placeTags([{ itemId: "1", blockCount: 12, afi: 0xc2 }]) as [string];
    expect(await askCpr(wire, { kind: "getSystemInfo", uid })).toMatchObject([
      { status: 0, dsfid: 0x06, afi: 0xc2, blockSize: 4, blockCount: 12, uid },
    ]);
    await askCpr(wire, { kind: "writeDsfid", uid, dsfid: 0x3e });
    expect(tags(sim)[0]?.dsfid).toBe(0x3e);
  });

  it("answers 0x81 to a read whose answer cannot fit one frame", async () => {
    const { sim, wire } = rig("cpr-m02");
    const [uid] = sim.placeTags([{ blockCount: 64 }]) as [string];
    expect(await askCpr(wire, { kind: "readBlocks", uid, firstBlock: 0, count: 60 })).toMatchObject([
      { kind: "failed", status: 0x81 },
    ]);
  });

  it("answers 0x80 to an unknown command and ignores frames for another bus address", async () => {
    const { wire } = rig("cpr-m02");
    const unknown = encodeCprFrame({ address: 0xff, command: 0x99, body: new Uint8Array(0) });
    const reply = await wire.send(unknown);
    expect(bytesToHex(reply)).toBe(
      bytesToHex(encodeCprFrame({ address: 0, command: 0x99, body: Uint8Array.of(0x80) })),
    );
    expect(await wire.send(encodeCprCommand({ kind: "rfReset", address: 0x05 }))).toHaveLength(0);
    expect(await askCpr(wire, { kind: "rfReset", address: 0x00 })).toMatchObject([{ status: 0 }]);
  });

  it("reports its firmware in the software version answer", async () => {
    const sim = createRfidReaderSimulator({ model: "cpr-m02", firmware: "3.7" });
    const wire = new WireTap();
    sim.attach(wire);
    expect(await askCpr(wire, { kind: "softwareVersion" })).toMatchObject([{ firmware: "3.7" }]);
  });
});

describe.each(["3m810", "cpr-m02"] as const)("RFID simulator %s: faults", (model) => {
  const inventory = async (wire: WireTap): Promise<string[]> => {
    if (model === "3m810") {
      const [r] = await ask3m(wire, { kind: "inventory" });
      return r?.kind === "inventory" ? r.uids : [];
    }
    const [r] = await askCpr(wire, { kind: "inventory" });
    return r?.kind === "inventory" ? r.tags.map((t) => t.uid) : [];
  };

  it("an unresolved collision takes two tags out of one round", async () => {
    const { sim, wire } = rig(model);
    const uids = sim.placeTags([{}, {}, {}]);
    await sim.control("setFaults", { collisionRate: 1 });
    for (let i = 0; i < 10; i++) {
      const seen = await inventory(wire);
      expect(seen).toHaveLength(1);
      expect(uids).toContain(seen[0]);
    }
  });

  it("read misses drop tags from rounds at about the configured rate", async () => {
    const { sim, wire } = rig(model, 5, 20);
    sim.placeTags(Array.from({ length: 20 }, () => ({})));
    await sim.control("setFaults", { readMissRate: 0.25 });
    let seen = 0;
    for (let i = 0; i < 20; i++) seen += (await inventory(wire)).length;
    expect(seen / 400).toBeGreaterThan(0.65);
    expect(seen / 400).toBeLessThan(0.85);
  });

  it("unresponsive: reads commands, answers none; responseDelayMs delays answers", async () => {
    const { sim, wire } = rig(model);
    await sim.control("setFaults", { unresponsive: true });
    expect(await inventory(wire)).toEqual([]);
    expect(wire.written).toHaveLength(0);
  });

  it("responseDelayMs holds each answer back that long on the simulator's clock", async () => {
    const clock = new VirtualClock();
    const sim = createRfidReaderSimulator({ model, clock });
    const wire = new WireTap();
    sim.attach(wire);
    await sim.control("setFaults", { responseDelayMs: 20 });
    const replies: number[] = [];
    sim.on("reply", () => replies.push(clock.now()));
    const start = clock.now();
    const command =
      model === "3m810" ? encodeM810Command({ kind: "inventory" }) : encodeCprCommand({ kind: "inventory" });
    wire.emit("data", command);
    wire.emit("data", command);
    await clock.advance(19);
    expect(replies).toEqual([]);
    await clock.advance(1);
    expect(replies).toEqual([start + 20]);
    // Answers go out one at a time, in order: the second waits its own 20 ms after the first.
    await clock.advance(20);
    expect(replies).toEqual([start + 20, start + 40]);
    expect(wire.written).toHaveLength(2);
  });

  it("commandDelayMs gives one kind of command its own delay; the others keep responseDelayMs", async () => {
    const clock = new VirtualClock();
    const sim = createRfidReaderSimulator({ model, clock });
    const wire = new WireTap();
    sim.attach(wire);
    await sim.control("setFaults", { responseDelayMs: 20, commandDelayMs: { inventory: 100 } });
    expect(sim.faults.commandDelayMs).toEqual({ inventory: 100 });
    const replies: number[] = [];
    sim.on("reply", () => replies.push(clock.now()));
    const start = clock.now();
    const [inventory, other] =
      model === "3m810"
        ? [encodeM810Command({ kind: "inventory" }), encodeM810Command({ kind: "version" })]
        : [encodeCprCommand({ kind: "inventory" }), encodeCprCommand({ kind: "softwareVersion" })];
    wire.emit("data", inventory);
    wire.emit("data", other);
    await clock.advance(119);
    expect(replies).toEqual([start + 100]);
    await clock.advance(1);
    expect(replies).toEqual([start + 100, start + 120]);
    await expect(sim.control("setFaults", { commandDelayMs: { inventory: -1 } })).rejects.toThrow(/commandDelayMs/);
  });

  it("line noise goes out before each reply, and the reply is still whole", async () => {
    const { sim, wire } = rig(model);
    const [uid] = sim.placeTags([{}]);
    await sim.control("setFaults", { noiseBytes: 5 });
    const replies: Uint8Array[] = [];
    sim.on("reply", (r) => replies.push(r));
    const bytes = await wire.send(
      model === "3m810" ? encodeM810Command({ kind: "inventory" }) : encodeCprCommand({ kind: "inventory" }),
    );
    expect(bytes.length).toBe(5 + (replies[0]?.length ?? 0));
    expect(bytesToHex(bytes.subarray(5))).toBe(bytesToHex(replies[0] as Uint8Array));
    expect(bytesToHex(bytes)).toContain(uid);
  });

  it("random bytes never make it throw, and it answers a good command afterwards", async () => {
    const { sim, wire } = rig(model);
    sim.placeTags([{ itemId: "1" }]);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (noise) => {
        await wire.send(noise);
      }),
      { numRuns: 200 },
    );
    // A frame behind unknown garbage is still found (the parser looks ahead for whole valid frames).
    expect(await inventory(wire)).toHaveLength(1);
  });

  it("the same seed gives the same UIDs and the same faults", async () => {
    const runs = await Promise.all(
      [1, 2].map(async () => {
        const { sim, wire } = rig(model, 77, 10);
        const uids = sim.placeTags(Array.from({ length: 10 }, () => ({})));
        await sim.control("setFaults", { readMissRate: 0.5 });
        return { uids, seen: await inventory(wire) };
      }),
    );
    expect(runs[0]).toEqual(runs[1]);
    expect(rig(model, 78).sim.placeTags([{}])[0]).not.toBe(runs[0]?.uids[0]);
  });
});

describe("RFID simulator control()", () => {
  it("lists its actions with descriptions", () => {
    const { sim } = rig("3m810");
    expect(sim.actions().map((a) => a.name)).toEqual(["placeTags", "removeTags", "setFaults", "listTags"]);
    for (const a of sim.actions()) expect(a.description.length).toBeGreaterThan(20);
    expect(sim).toMatchObject({ kind: "rfid", model: "3m810" });
  });

  it("places tags from item data in each model and shows them decoded", async () => {
    const { sim } = rig("cpr-m02");
    const uids = (await sim.control("placeTags", {
      tags: [
        { uid: "e0:04:01:00:31:26:91:17", itemId: "30001000000010", owner: "DE-1", secured: true },
        { itemId: "1302099999", model: "rfid501", partsInSet: 2, partNumber: 1 },
        { itemId: "33191000105865", model: "iso28560-3", secured: false },
      ],
    })) as string[];
    expect(uids[0]).toBe("E004010031269117");
    const listed = (await sim.control("listTags")) as TagView[];
    expect(listed.map((t) => t.data)).toEqual([
      { model: "iso28560-2", itemId: "30001000000010", owner: "DE-1" },
      { model: "rfid501", itemId: "1302099999", partNumber: 1, partsInSet: 2 },
      { model: "iso28560-3", itemId: "33191000105865", partNumber: 1, partsInSet: 1, typeOfUsage: 1 },
    ]);
    expect(listed.map((t) => [t.afi, t.eas, t.afiState])).toEqual([
      [0x07, true, "secured"],
      [0, false, "unknown"],
      [0xc2, false, "unsecured"],
    ]);
    expect(listed.map((t) => t.dsfid)).toEqual([0x06, 0, 0x3e]);
  });

  it("replaces a tag placed again under the same UID and removes tags by UID or all", async () => {
    const { sim } = rig("3m810");
    const [a, b] = sim.placeTags([{ itemId: "1" }, { itemId: "2" }]) as [string, string];
    sim.placeTags([{ uid: a, itemId: "3" }]);
    expect(tags(sim).map((t) => [t.uid, t.data])).toEqual([
      [b, expect.objectContaining({ itemId: "2" })],
      [a, expect.objectContaining({ itemId: "3" })],
    ]);
    expect(await sim.control("removeTags", { uids: [a.toLowerCase(), "E004FFFFFFFFFFFF"] })).toEqual([a]);
    expect(await sim.control("removeTags", { all: true })).toEqual([b]);
    expect(tags(sim)).toEqual([]);
  });

  it.each([
    ["nope", {}, "SIM_BAD_ACTION", /unknown action "nope"/],
    ["placeTags", {}, "SIM_BAD_PARAMS", /tags must be an array/],
    ["placeTags", { tags: [] }, "SIM_BAD_PARAMS", /tags is empty/],
    ["placeTags", { tags: [{ uid: "12" }] }, "SIM_BAD_PARAMS", /tags\[0\]\.uid "12"/],
    ["placeTags", { tags: [{ model: "mifare" }] }, "SIM_BAD_PARAMS", /tags\[0\]\.model must be one of/],
    ["placeTags", { tags: [{ itemId: "1", memory: "00" }] }, "SIM_BAD_PARAMS", /both itemId and memory/],
    [
      "placeTags",
      { tags: [{ itemId: "12345678901234567", model: "rfid501" }] },
      "SIM_BAD_PARAMS",
      /tags\[0\]: RFID501/,
    ],
    ["placeTags", { tags: [{ afi: 256 }] }, "SIM_BAD_PARAMS", /tags\[0\]\.afi must be a whole number from 0 to 255/],
    ["placeTags", { tags: [{ lockedBlocks: [40] }] }, "SIM_BAD_PARAMS", /block 40 is beyond/],
    ["placeTags", { tags: [{ uid: "E004000000000001" }, { uid: "e004000000000001" }] }, "SIM_BAD_PARAMS", /repeats/],
    ["removeTags", {}, "SIM_BAD_PARAMS", /uids:\[…\]\} or \{all:true\}/],
    ["removeTags", { uids: ["x"] }, "SIM_BAD_PARAMS", /uids\[0\] "x"/],
    ["setFaults", { readMissRate: 2 }, "SIM_BAD_PARAMS", /faults\.readMissRate must be a number from 0 to 1/],
    ["setFaults", { jitter: 1 }, "SIM_BAD_PARAMS", /unknown fault\(s\) jitter/],
    ["setFaults", { tags: { bad: {} } }, "SIM_BAD_PARAMS", /faults\.tags key "bad"/],
    ["setFaults", { tags: { E004000000000001: { removeAfterBlocks: -1 } } }, "SIM_BAD_PARAMS", /removeAfterBlocks/],
  ])("%s(%j) → %s", async (action, params, code, message) => {
    const { sim } = rig("3m810");
    const err = await sim.control(action, params).catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toMatch(message);
  });

  it("setFaults merges, clears a tag's faults with {} and resets", async () => {
    const { sim } = rig("cpr-m02");
    await sim.control("setFaults", { readMissRate: 0.1, tags: { E004000000000001: { writeFailureRate: 1 } } });
    await sim.control("setFaults", { collisionRate: 0.2 });
    expect(sim.faults).toMatchObject({
      readMissRate: 0.1,
      collisionRate: 0.2,
      tags: { E004000000000001: { writeFailureRate: 1 } },
    });
    await sim.control("setFaults", { tags: { e004000000000001: {} } });
    expect(sim.faults.tags).toEqual({});
    await sim.control("setFaults", { reset: true, noiseBytes: 2 });
    expect(sim.faults).toMatchObject({ readMissRate: 0, collisionRate: 0, noiseBytes: 2 });
  });

  it("placed item data always reads back as the same item id (any id, any model)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("iso28560-2", "iso28560-3", "rfid501"),
        fc.stringMatching(/^[0-9A-Z]{1,16}$/),
        (model, itemId) => {
          const { sim } = rig("3m810");
          sim.placeTags([{ itemId, model }]);
          const [view] = tags(sim);
          expect(view?.data).toMatchObject({ model, itemId });
        },
      ),
      { numRuns: 200 },
    );
  });
});
