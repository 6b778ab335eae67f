/**
 * Replays a `selfcheck sip2 --record` transcript as the ACS: each request that arrives must be the next
 * one recorded (same message and fields, dates and the sequence number/checksum aside, secrets compared
 * masked), and is answered with the bytes the real ACS sent then. The first request that differs is
 * reported and the connection closed, so a test sees exactly where a client stopped behaving as recorded.
 *
 * Answers are replayed byte for byte, checksums included; transcripts mask CO/AD/AC, which no answer
 * carries, so a recorded answer is never altered.
 */
import { readFileSync } from "node:fs";
import net from "node:net";
import { maskMessage } from "../../../bridge/sip2/describe.ts";
import { tryDecodeMessage } from "../../../protocols/sip2/index.ts";

interface Exchange {
  direction: "sent" | "received";
  wire: string;
  message: Record<string, unknown>;
}

/** Fields that differ on every run by design. */
const VOLATILE = /date|sequence|checksum/i;

const comparable = (message: Record<string, unknown>) =>
  JSON.stringify(Object.entries(message).filter(([key]) => !VOLATILE.test(key)));

export async function replayAcs(transcriptFile: string) {
  const exchanges = readFileSync(transcriptFile, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Exchange);
  let next = 0;
  const divergences: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (let end = pending.indexOf(13); end >= 0; end = pending.indexOf(13)) {
        const frame = pending.subarray(0, end + 1);
        pending = pending.subarray(end + 1);
        const expected = exchanges[next];
        const decoded = tryDecodeMessage(frame);
        const got = decoded.ok ? comparable(maskMessage(decoded.message)) : `unreadable: ${decoded.error.code}`;
        if (expected?.direction !== "sent" || got !== comparable(expected.message)) {
          divergences.push(
            `exchange ${next + 1}: expected ${expected ? JSON.stringify(expected.message) : "nothing more"}, got ${got}`,
          );
          socket.destroy();
          return;
        }
        next++;
        while (exchanges[next]?.direction === "received") {
          socket.write(Buffer.from(`${exchanges[next]!.wire}\r`, "latin1"));
          next++;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    divergences,
    /** Whether every recorded exchange was replayed. */
    finished: () => next === exchanges.length,
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
