/**
 * A 10-item checkout stack over three connections while one of them keeps failing: its checkout answer is
 * lost, then its login (93) is cut before reaching the ACS, then its SC Status answer (98) is lost. The
 * stack's work moves to the other connections; every item ends up charged once, to the patron.
 */
import { afterEach, describe, expect, it } from "vitest";
import { settle } from "../../support/settle.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { fixture, patron, startAcs, startClient, startCutter } from "./helpers.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("connection drops in the middle of a checkout stack", () => {
  it("a drop during login and during SC Status moves the work to other connections; nothing doubled", async () => {
    const clock = new VirtualClock();
    const acs = await startAcs({ clock });
    cleanups.push(() => acs.server.stop());
    const cutter = await startCutter(acs.port);
    cleanups.push(() => cutter.close());
    const { client, connections } = await startClient(cutter.port, { clock, connections: 3 });
    cleanups.push(() => client.close());
    const anna = patron("valid").barcode;
    const items = fixture.items
      .filter((i) => i.note === "regular" && !acs.ils.loanOf(i.barcode))
      .slice(0, 10)
      .map((i) => i.barcode);
    expect(items).toHaveLength(10);
    expect(acs.ils.loansOf(anna)).toHaveLength(0);

    const sentBy = new Map<string, number>();
    for (const c of connections) {
      c.on("exchange", (e) => {
        if (e.direction === "sent" && e.bytes.subarray(0, 2).toString() === "11") {
          sentBy.set(e.connection, (sentBy.get(e.connection) ?? 0) + 1);
        }
      });
    }
    // Every answer takes 300 ms of virtual time: ten checkouts over the two healthy connections take at
    // least five rounds (1.5 s), while the failing one's three cuts are over by about 1.2 s.
    acs.server.faults.set({ latencyMs: 300 });
    const cuts = [cutter.cut("answer", "12"), cutter.cut("request", "93"), cutter.cut("answer", "98")];
    let settled = 0;
    const stack = Promise.all(
      items.map((itemId, n) =>
        client.checkout({ patronId: anna, itemId }, { tx: `stack-${n}` }).finally(() => {
          settled++;
        }),
      ),
    );
    stack.catch(() => {});
    await settle(clock, Promise.all(cuts), { what: "every cut", stepMs: 100 });
    expect(settled).toBeLessThan(items.length); // the cuts happened in the middle of the stack

    const results = await settle(clock, stack, { what: "the stacked transactions", stepMs: 100 });
    expect(results.map((r) => [r.tx, r.ok])).toEqual(items.map((_, n) => [`stack-${n}`, true]));
    expect(results.filter((r) => r.recovered === "confirmed")).toHaveLength(1);
    for (const itemId of items) expect(acs.ils.loanOf(itemId)?.patron).toBe(anna);
    expect(acs.ils.loansOf(anna)).toHaveLength(items.length);
    // Ten checkouts reached the ILS once each: eleven were never sent, the lost one was asked about.
    expect([...sentBy.values()].reduce((a, b) => a + b, 0)).toBe(items.length);
    expect(sentBy.size).toBeGreaterThanOrEqual(2);
    await settle(clock, client.pool.ready(), { what: "the pool to be ready", stepMs: 100 });
  });
});
