/**
 * An ACS that goes away in the middle of a session is noticed at the first sign, not at the 60 s heartbeat
 * (issue 9): the real SIP2 client (two connections) against the ACS simulator over TCP, the journaled ILS,
 * and the kiosk engine, on virtual time. Each case measures the virtual time from the fault to the engine's
 * ILS_OFFLINE notice: bounded by the request timeout, never by the heartbeat. Then the next item is lent
 * offline.
 */
import { afterEach, describe, expect, it } from "vitest";
import { KioskEngine } from "../../../bridge/kiosk/engine.ts";
import { OfflineJournal } from "../../../bridge/kiosk/journal.ts";
import { Sip2Ils, Sip2Replay } from "../../../bridge/kiosk/sip2-ils.ts";
import { settle, until } from "../../support/settle.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { capturedLogger } from "../devices/scanner/helpers.ts";
import { fixture, patron, startAcs, startClient } from "../sip2/helpers.ts";
import { journaledIls, tempDatabases } from "./helpers.ts";

const TIMEOUT_MS = 2_000;
const HEARTBEAT_MS = 60_000;
const databases = tempDatabases();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp() {
  const clock = new VirtualClock();
  const acs = await startAcs({ clock });
  cleanups.push(() => acs.server.stop());
  const { client, pool } = await startClient(acs.port, {
    clock,
    connections: 2,
    link: { timeoutMs: TIMEOUT_MS, heartbeatMs: HEARTBEAT_MS, backoff: { initialMs: 5_000, maxMs: 5_000, jitter: 0 } },
  });
  cleanups.push(() => client.close());
  const journal = new OfflineJournal(databases.open(), { clock });
  const logger = capturedLogger("silent").logger;
  const ils = journaledIls({
    ils: new Sip2Ils(client, { clock }),
    executor: new Sip2Replay(client),
    journal,
    clock,
    logger,
  });
  cleanups.push(() => ils.close());
  const engine = new KioskEngine({ ports: { ils }, clock, logger });
  cleanups.push(() => engine.close());
  let offlineAt: number | undefined;
  engine.subscribe((message) => {
    if (message.type === "notice" && message.code === "ILS_OFFLINE") offlineAt ??= clock.now();
  });
  const items = fixture.items
    .filter((i) => i.note === "regular" && !acs.ils.loanOf(i.barcode))
    .slice(0, 2)
    .map((i) => i.barcode);
  const anna = patron("valid").barcode;
  /** Virtual time from `faultAt` until the kiosk announced the ILS offline. */
  const detection = async (faultAt: number) => {
    await until(clock, () => offlineAt !== undefined, { what: "the kiosk's ILS_OFFLINE notice", stepMs: 10 });
    return (offlineAt as number) - faultAt;
  };
  /** The next item after the fault: lent offline, from the journal. */
  const nextItemOffline = async () => {
    expect(ils.offlineMode()).toBe(true);
    const next = await settle(clock, ils.checkout({ patron: anna, itemId: items[1] as string, renewal: true }));
    expect(next).toMatchObject({ ok: true, offline: true });
  };
  return { clock, acs, pool, ils, engine, items, anna, detection, nextItemOffline };
}

describe("an ACS that goes offline mid-session is noticed at the first sign, not at the heartbeat", () => {
  it("the link drops (the ILS's SIP2 server dies): offline at once", async () => {
    const t = await setUp();
    const faultAt = t.clock.now();
    await t.acs.server.stop();
    expect(await t.detection(faultAt)).toBeLessThan(TIMEOUT_MS);
    await t.nextItemOffline();
  });

  it("the ACS stops answering: offline when the first request times out, while the other link still looks fine", async () => {
    const t = await setUp();
    t.acs.server.faults.set({ stall: true });
    const faultAt = t.clock.now();
    const first = t.ils.checkout({ patron: t.anna, itemId: t.items[0] as string, renewal: true });
    first.catch(() => undefined);
    const took = await t.detection(faultAt);
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(took).toBeLessThan(TIMEOUT_MS + 500);
    await t.nextItemOffline();
    // The ACS answers again: the pool hears it (a reconnect's login and status) and is online.
    t.acs.server.faults.clear();
    await until(t.clock, () => t.pool.state === "online", { what: "the pool back online", stepMs: 100 });
  });

  it("the ACS refuses a checkout as offline: its status is asked at once, and the item itself is lent offline", async () => {
    const t = await setUp();
    t.acs.server.faults.set({ offline: true });
    const faultAt = t.clock.now();
    const first = await settle(
      t.clock,
      t.ils.checkout({ patron: t.anna, itemId: t.items[0] as string, renewal: true }),
    );
    expect(first).toMatchObject({ ok: true, offline: true });
    expect(t.pool.state).toBe("acs-offline");
    expect(await t.detection(faultAt)).toBeLessThan(TIMEOUT_MS);
    await t.nextItemOffline();
    expect(t.acs.ils.loanOf(t.items[0] as string)).toBeUndefined();
  });
});

describe("an ACS that refuses as offline and is back by the time its status is asked", () => {
  /**
   * The ACS goes offline as the client sends its first `request` (a code), and is back as the client
   * receives the refusal (`answer`): the 98 the client then asks for says online.
   */
  function offlineForOneRefusal(t: Awaited<ReturnType<typeof setUp>>, request: string, answer: string) {
    let struck = false;
    for (const connection of t.pool.connections) {
      connection.on("exchange", (e: { direction: string; bytes: Buffer }) => {
        const code = e.bytes.toString("latin1", 0, 2);
        if (e.direction === "sent" && code === request && !struck) {
          struck = true;
          t.acs.server.faults.set({ offline: true });
        }
        if (e.direction === "received" && code === answer && struck) t.acs.server.faults.set({});
      });
    }
  }

  it("a checkout: sent once more and lent, not shown as refused", async () => {
    const t = await setUp();
    const item = t.items[0] as string;
    offlineForOneRefusal(t, "11", "12");
    const result = await settle(t.clock, t.ils.checkout({ patron: t.anna, itemId: item, renewal: true }));
    expect(result).toMatchObject({ ok: true });
    expect(result.offline).toBeFalsy();
    expect(t.acs.ils.loanOf(item)?.patron).toBe(t.anna);
    expect(t.pool.state).toBe("online");
  });

  it("an offline checkout in the replay: sent once more and done, not a conflict (a soak under load found it)", async () => {
    const t = await setUp();
    const item = t.items[0] as string;
    t.acs.server.faults.set({ offline: true });
    const lent = await settle(t.clock, t.ils.checkout({ patron: t.anna, itemId: item, renewal: true }));
    expect(lent).toMatchObject({ ok: true, offline: true });
    // Back: the pool hears it at its next status, and the replay's checkout meets one more offline refusal.
    offlineForOneRefusal(t, "11", "12");
    t.acs.server.faults.set({});
    await until(t.clock, () => t.acs.ils.loanOf(item) !== undefined && t.ils.entries().length === 0, {
      what: "the replay to lend it",
      stepMs: 100,
    });
    expect(t.acs.ils.loanOf(item)?.patron).toBe(t.anna);
    expect(t.ils.entries({ states: ["conflict"] })).toEqual([]);
  });
});
