import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { Sip2Pool } from "../../../bridge/sip2/pool.ts";
import { onRequestTimes } from "../../../bridge/sip2/timings.ts";

/** A pool of connections that only emit exchanges, as Sip2Connection does for each frame on the wire. */
function fakePool(count: number) {
  const connections = Array.from({ length: count }, () => new EventEmitter());
  const wire = (c: number, direction: "sent" | "received", message: string, at: number) =>
    connections[c]?.emit("exchange", { connection: `c${c}`, direction, bytes: Buffer.from(`${message}\r`), at });
  return { pool: { connections } as unknown as Sip2Pool, wire };
}

describe("onRequestTimes", () => {
  it("times each answer from its request on the same connection, by the catalog's command name", () => {
    const { pool, wire } = fakePool(2);
    const seen: Array<[string, number]> = [];
    const stop = onRequestTimes(pool, (command, seconds) => seen.push([command, seconds]));
    wire(0, "sent", "11YN20261201    120000", 1000);
    wire(1, "sent", "0920261201    120000", 1010);
    wire(1, "received", "101YNN20261201    120001", 1030);
    wire(0, "received", "121NNY20261201    120001", 1250);
    wire(0, "sent", "XXunknown", 2000);
    wire(0, "received", "YYanswer", 2005);
    expect(seen).toEqual([
      ["checkin", 0.02],
      ["checkout", 0.25],
      ["XX", 0.005],
    ]);
    stop();
    wire(0, "sent", "11YN", 3000);
    wire(0, "received", "12", 3001);
    expect(seen).toHaveLength(3);
  });

  it("a resend after 96 restarts the clock; an answer asked for again with 97 is timed once; an unanswered request never", () => {
    const { pool, wire } = fakePool(1);
    const seen: Array<[string, number]> = [];
    onRequestTimes(pool, (command, seconds) => seen.push([command, seconds]));
    wire(0, "sent", "17", 0);
    wire(0, "received", "96", 40); // the ACS could not read it: the client sends it again
    wire(0, "sent", "17", 50);
    wire(0, "received", "18 with a bad checksum", 70);
    wire(0, "sent", "97", 80); // asks for that answer again
    wire(0, "received", "18", 100);
    wire(0, "sent", "23", 200); // the connection drops before an answer: a new request replaces it
    wire(0, "sent", "99", 900);
    wire(0, "received", "98", 905);
    expect(seen).toEqual([
      ["itemInformation", 0.02],
      ["scStatus", 0.005],
    ]);
  });
});
