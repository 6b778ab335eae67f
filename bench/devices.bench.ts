/**
 * The "devices" suite: scanner and printer codecs, RFID reader frame codecs and tag data models, and the
 * latency the RFID pad driver adds between a reader's inventory answer and the tagsChanged event.
 */
import { createRfidPad } from "../bridge/devices/rfid/pad.ts";
import type { RfidModel } from "../bridge/devices/rfid/reader.ts";
import { createMemoryPair } from "../bridge/transports/memory.ts";
import { createRfidReaderSimulator } from "../simulators/devices/rfid/simulator.ts";
import { deviceCodecRows } from "./device-codec-rows.ts";
import { type BenchRow, type BenchSuite, quantile } from "./harness.ts";
import { rfidCodecRows } from "./rfid-codec-rows.ts";

const SAMPLES = 2000;
const WARMUP = 200;

/**
 * Milliseconds from the simulator handing its (last) inventory answer to the wire to the driver emitting
 * tagsChanged, with 30 tags on the pad and a 31st put on or lifted off before each round. The simulator
 * answers at once over a memory pair, so the figure is our code plus one macrotask hop of the pair.
 * The CPR-M02 is one whose firmware lists 40 tags per inventory (the standard firmware lists 4), so its
 * figure includes a "more data" continuation.
 */
async function inventoryToEvent(model: RfidModel): Promise<number[]> {
  const [host, device] = createMemoryPair({ names: ["rfid host", "rfid reader"] });
  await device.open();
  const limit = model === "cpr-m02" ? { maxInventoryTags: 40 } : {};
  const sim = createRfidReaderSimulator({ model, seed: 1, ...limit });
  sim.attach(device);
  const pad = createRfidPad({ id: "bench", model, transport: host, missThreshold: 1, ...limit });
  await pad.start();
  sim.placeTags(Array.from({ length: 30 }, (_, i) => ({ itemId: `3000100000${String(i).padStart(4, "0")}` })));
  await pad.refresh();

  let lastReplyAt = 0;
  sim.on("reply", () => {
    lastReplyAt = performance.now();
  });
  let eventAt = 0;
  pad.on("tagsChanged", () => {
    eventAt = performance.now();
  });
  const samples: number[] = [];
  const extra = "E004FFFF00000031";
  for (let i = 0; i < SAMPLES + WARMUP; i++) {
    if (i % 2 === 0) sim.placeTags([{ uid: extra, itemId: "30001999999999" }]);
    else await sim.control("removeTags", { uids: [extra] });
    eventAt = 0;
    await pad.refresh();
    if (eventAt === 0) throw new Error(`${model}: round ${i} did not emit tagsChanged`);
    if (i >= WARMUP) samples.push(eventAt - lastReplyAt);
  }
  await pad.stop();
  sim.detach();
  await device.close();
  return samples;
}

async function latencyRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [model, label] of [
    ["3m810", "3M 810"],
    ["cpr-m02", "CPR-M02"],
  ] as const) {
    const samples = await inventoryToEvent(model);
    const note = `30-tag pad, memory pair, ${samples.length} rounds`;
    rows.push(
      { name: `${label} inventory reply → tagsChanged p50`, value: quantile(samples, 0.5), unit: "ms", note },
      {
        name: `${label} inventory reply → tagsChanged p99`,
        value: quantile(samples, 0.99),
        unit: "ms",
        target: { value: 1, better: "lower" },
        note,
      },
    );
  }
  return rows;
}

const suite: BenchSuite = {
  name: "devices",
  async run(): Promise<BenchRow[]> {
    return [...deviceCodecRows(), ...rfidCodecRows(), ...(await latencyRows())];
  },
};

export default suite;
