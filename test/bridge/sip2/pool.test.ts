import { afterEach, describe, expect, it } from "vitest";
import { Sip2Connection } from "../../../bridge/sip2/connection.ts";
import { Sip2Pool } from "../../../bridge/sip2/pool.ts";
import { formatSip2Date, type Sip2Message } from "../../../protocols/sip2/index.ts";
import { settle, until } from "../../support/settle.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { item, link, startAcs, startClient } from "./helpers.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const itemInfo = (id: string): Sip2Message => ({
  type: "itemInformation",
  transactionDate: formatSip2Date(new Date()),
  institutionId: "OSC",
  itemIdentifier: id,
  terminalPassword: "",
});

/** `clock`: the ACS's latency and the client's timers on one virtual clock. */
async function rig(connections: number, clock?: VirtualClock) {
  const acs = await startAcs(clock ? { clock } : {});
  cleanups.push(() => acs.server.stop());
  const started = await startClient(acs.port, { connections, ...(clock ? { clock } : {}) });
  cleanups.push(() => started.client.close());
  return { ...acs, ...started };
}

describe("Sip2Pool", () => {
  it("spreads requests over all free connections at once", async () => {
    const { pool, connections, server } = await rig(4);
    server.faults.set({ latencyMs: 100 });
    const all = Promise.all(
      [1, 2, 3, 4].map(() => pool.request(itemInfo(item("available").barcode), "itemInformationResponse")),
    );
    await until(null, () => connections.every((c) => c.busy), { what: "every connection busy" });
    expect((await all).map((r) => r.itemIdentifier)).toEqual(Array(4).fill(item("available").barcode));
  });

  it("runs work for one key strictly in order, other keys alongside", async () => {
    const { pool, server } = await rig(2);
    server.faults.set({ latencyMs: 20 });
    const log: string[] = [];
    const job = (key: string, n: number) =>
      pool.withKey(key, async () => {
        log.push(`start ${key}${n}`);
        await pool.request(itemInfo(item("available").barcode), "itemInformationResponse");
        log.push(`end ${key}${n}`);
      });
    await Promise.all([job("a", 1), job("a", 2), job("b", 1), job("a", 3)]);
    const a = log.filter((l) => l.endsWith("a1") || l.endsWith("a2") || l.endsWith("a3"));
    expect(a).toEqual(["start a1", "end a1", "start a2", "end a2", "start a3", "end a3"]);
    // b did not wait for a's queue.
    expect(log.indexOf("start b1")).toBeLessThan(log.indexOf("end a1"));
  });

  it("gives a waiting request to another connection when one fails", async () => {
    const { pool, connections, server } = await rig(2);
    server.faults.set({ latencyMs: 150 });
    const first = pool.request(itemInfo(item("available").barcode), "itemInformationResponse");
    const second = pool.request(itemInfo(item("available").barcode), "itemInformationResponse");
    const third = pool.request(itemInfo(item("lost").barcode), "itemInformationResponse", { retries: 1 });
    await until(null, () => connections.every((c) => c.busy), { what: "every connection busy" });
    server.disconnect(server.connectionIds()[0]);
    const outcomes = await Promise.allSettled([first, second]);
    expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(1);
    expect((await third).itemIdentifier).toBe(item("lost").barcode);
  });

  it("fails with SIP2_NOT_CONNECTED after waiting on the clock when no connection is usable", async () => {
    const clock = new VirtualClock();
    const conn = new Sip2Connection(link(1), { name: "c1", clock });
    const pool = new Sip2Pool([conn], { clock, waitMs: 3_000 });
    cleanups.push(() => pool.close());
    const pending = pool.request(itemInfo("X"), "itemInformationResponse");
    pending.catch(() => {});
    await clock.advance(2_999);
    await clock.advance(1);
    await expect(pending).rejects.toMatchObject({ code: "SIP2_NOT_CONNECTED" });
    expect(pool.state).toBe("down");
  });
});

describe("Sip2Pool status", () => {
  it("asks the ACS even when every connection is at work: on the next one free, not from the last heartbeat", async () => {
    // A soak under load found it: an offline refusal checked against a stale "online" was sent again into
    // the same refusal, and an offline return became a conflict.
    // The ACS's latency on the client's virtual clock: the connection stays busy until the test moves time.
    const clock = new VirtualClock();
    const { pool, connections, server } = await rig(1, clock);
    expect(pool.state).toBe("online");
    server.faults.set({ latencyMs: 100 });
    const busy = pool.request(itemInfo(item("available").barcode), "itemInformationResponse");
    await until(null, () => connections.every((c) => c.busy), { what: "the connection busy" });
    server.faults.set({ latencyMs: 100, offline: true });
    expect(await settle(clock, pool.checkStatus(), { what: "the status" })).toBe("acs-offline");
    expect((await busy).itemIdentifier).toBe(item("available").barcode);
  });
});

describe("Sip2Pool waiting", () => {
  it("a request queued behind busy connections waits as long as it takes", async () => {
    const { pool, clock, server } = await (async () => {
      const acs = await startAcs();
      cleanups.push(() => acs.server.stop());
      const started = await startClient(acs.port, { connections: 1, waitMs: 1_000 });
      cleanups.push(() => started.client.close());
      return { ...acs, ...started, clock: started.clock as VirtualClock };
    })();
    server.faults.set({ stall: true });
    const first = pool.request(itemInfo(item("available").barcode), "itemInformationResponse", { timeoutMs: 60_000 });
    const second = pool.request(itemInfo(item("lost").barcode), "itemInformationResponse");
    first.catch(() => {});
    let failed = false;
    second.catch(() => {
      failed = true;
    });
    await clock.advance(5_000); // five times waitMs, with the connection usable but busy
    expect(failed).toBe(false);
  });
});
