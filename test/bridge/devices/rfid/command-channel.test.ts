import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { CommandChannel } from "../../../../bridge/devices/rfid/command-channel.ts";
import { RfidPadError } from "../../../../bridge/devices/rfid/errors.ts";
import { createLogger } from "../../../../bridge/log/logger.ts";
import { systemClock } from "../../../../bridge/transports/clock.ts";
import { createMemoryPair, type MemoryPairOptions } from "../../../../bridge/transports/memory.ts";
import { createM810FrameParser, encodeM810Frame, type M810Frame } from "../../../../protocols/rfid/readers/3m810.ts";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A channel on one end of a memory pair; the test plays the reader on the other end. */
async function channelRig(pair: MemoryPairOptions = {}) {
  const [host, reader] = createMemoryPair(pair);
  await host.open();
  await reader.open();
  cleanups.push(
    () => host.close(),
    () => reader.close(),
  );
  const channel = new CommandChannel<M810Frame>({
    transport: host,
    parser: createM810FrameParser(),
    clock: systemClock,
    logger: createLogger({ level: "silent" }),
  });
  const received: Uint8Array[] = [];
  reader.on("data", (b) => received.push(b));
  return { channel, host, reader, received };
}

/** A frame whose command byte is the tag `n`; matches answer only their own n. */
const frame = (n: number, body: number[] = []) =>
  encodeM810Frame({ start: 0xd6, command: n, body: Uint8Array.from(body) });
const matching = (n: number) => (f: M810Frame) => (f.command === n ? { value: Array.from(f.body) } : undefined);

function whenReceived(received: Uint8Array[], count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (received.length >= count ? resolve() : setImmediate(check));
    check();
  });
}

describe("CommandChannel", () => {
  it("keeps one command in flight: the next is written only after the answer", async () => {
    const { channel, reader, received } = await channelRig();
    const first = channel.request("one", frame(1), matching(1), 1000);
    const second = channel.request("two", frame(2), matching(2), 1000);
    await whenReceived(received, 1);
    await new Promise((r) => setImmediate(r));
    expect(received).toHaveLength(1);
    await reader.write(frame(1, [0xaa]));
    expect(await first).toEqual([0xaa]);
    await whenReceived(received, 2);
    await reader.write(frame(2, [0xbb]));
    expect(await second).toEqual([0xbb]);
  });

  it("times out with RFID_TIMEOUT, then drops the late reply and serves the next command", async () => {
    const { channel, reader, received } = await channelRig();
    const err = await channel.request("silent", frame(1), matching(1), 30).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "RFID_TIMEOUT", details: { command: "silent", timeoutMs: 30 } });
    expect((err as Error).message).toMatch(/no answer to silent within 30 ms/);
    const next = channel.request("next", frame(2), matching(2), 1000);
    await whenReceived(received, 2);
    await reader.write(Uint8Array.from([...frame(1, [1]), ...frame(2, [2])]));
    expect(await next).toEqual([2]);
  });

  it("skips garbage and frames for nobody, delivered in any chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 40 }).filter((b) => !b.includes(0xd6) && !b.includes(0xd5)),
        fc.integer({ min: 1, max: 7 }),
        async (noise, chunk) => {
          const { channel, reader, received } = await channelRig({ maxChunkSize: chunk });
          const answer = channel.request("ask", frame(9), matching(9), 2000);
          await whenReceived(received, 1);
          await reader.write(Uint8Array.from([...noise, ...frame(3, [3]), ...noise, ...frame(9, [4, 5])]));
          expect(await answer).toEqual([4, 5]);
          for (const c of cleanups.splice(0).reverse()) await c();
        },
      ),
      { numRuns: 30 },
    );
  });

  it("fails the command when match throws, and goes on with the next", async () => {
    const { channel, reader, received } = await channelRig();
    const bad = channel.request(
      "bad",
      frame(1),
      () => {
        throw new RfidPadError("RFID_READER_ERROR", "nonsense");
      },
      1000,
    );
    bad.catch(() => undefined); // asserted below; may reject before the assertion attaches
    await whenReceived(received, 1);
    await reader.write(frame(1));
    await expect(bad).rejects.toMatchObject({ code: "RFID_READER_ERROR" });
    const good = channel.request("good", frame(2), matching(2), 1000);
    await whenReceived(received, 2);
    await reader.write(frame(2, [7]));
    expect(await good).toEqual([7]);
  });

  it("failPending rejects the command in flight; a closed transport gives RFID_DISCONNECTED", async () => {
    const { channel, host, received } = await channelRig();
    const pending = channel.request("pending", frame(1), matching(1), 1000);
    await whenReceived(received, 1);
    channel.failPending(new RfidPadError("RFID_STOPPED", "stopped"));
    await expect(pending).rejects.toMatchObject({ code: "RFID_STOPPED" });
    await host.close();
    await expect(channel.request("late", frame(2), matching(2), 1000)).rejects.toMatchObject({
      code: "RFID_DISCONNECTED",
      message: expect.stringMatching(/cannot send late/),
    });
  });

  it("an unplug during the write is RFID_DISCONNECTED", async () => {
    const { channel, host } = await channelRig();
    host.disconnect();
    await expect(channel.request("x", frame(1), matching(1), 1000)).rejects.toMatchObject({
      code: "RFID_DISCONNECTED",
    });
  });
});
