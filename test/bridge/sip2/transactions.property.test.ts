/**
 * Random circulation under random faults, against the ACS simulator over real TCP. After every operation
 * the simulated ILS must agree with what the client reported: done means the ILS did it, refused or any
 * error but SIP2_OUTCOME_UNKNOWN means it did not, and nothing is ever charged twice.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { Sip2Client } from "../../../bridge/sip2/client.ts";
import { Sip2ClientError } from "../../../bridge/sip2/errors.ts";
import type { InMemoryIls } from "../../../simulators/acs/ils.ts";
import type { AcsServer } from "../../../simulators/acs/server.ts";
import { settle, until } from "../../support/settle.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { fixture, item, patron, startAcs, startClient } from "./helpers.ts";

const SEED = 2026_12_01;
const PATRONS = [patron("valid").barcode, patron("no-password").barcode, patron("blocked").barcode];
const ITEMS = [
  ...fixture.items
    .filter((i) => i.note === "regular")
    .slice(0, 3)
    .map((i) => i.barcode),
  item("rental-fee").barcode,
  item("checked-out-to-another").barcode,
];

type Fault = "none" | "stall-one" | "lose-answer" | "corrupt" | "garble" | "latency";
type Op =
  | { kind: "checkout" | "renew"; patron: number; item: number; fault: Fault }
  | { kind: "checkin"; item: number; fault: Fault };
const FAULTS: Fault[] = ["none", "stall-one", "lose-answer", "corrupt", "garble", "latency"];
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("checkout" as const, "renew" as const),
    patron: fc.nat(PATRONS.length - 1),
    item: fc.nat(ITEMS.length - 1),
    fault: fc.constantFrom(...FAULTS),
  }),
  fc.record({
    kind: fc.constant("checkin" as const),
    item: fc.nat(ITEMS.length - 1),
    fault: fc.constantFrom(...FAULTS),
  }),
);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const loanOf = (ils: InMemoryIls, id: string) => {
  const loan = ils.loanOf(id);
  return loan ? `${loan.patron}@${loan.due.getTime()}` : "none";
};
const chargesOf = (ils: InMemoryIls, id: string) =>
  PATRONS.flatMap((p) => ils.feesOf(p)).filter((f) => f.item === id && f.type === "rental").length;

async function apply(
  o: Op,
  env: { client: Sip2Client; ils: InMemoryIls; server: AcsServer; clock: VirtualClock },
): Promise<"done" | "refused" | "not-done" | "unknown"> {
  const { client, ils, server, clock } = env;
  const itemId = ITEMS[o.item]!;
  const run = (): Promise<{ ok: boolean }> => {
    if (o.kind === "checkin") return client.checkin({ itemId });
    const request = { patronId: PATRONS[o.patron]!, itemId };
    return o.kind === "checkout" ? client.checkout(request) : client.renew(request);
  };
  const before = loanOf(ils, itemId);
  if (o.fault === "stall-one") server.faults.setFor(server.connectionIds()[0]!, { stall: true });
  if (o.fault === "corrupt") server.faults.set({ corruptChecksum: true });
  if (o.fault === "garble") server.faults.set({ garble: true });
  if (o.fault === "latency" || o.fault === "lose-answer") server.faults.set({ latencyMs: 30 });
  const pending = run();
  pending.catch(() => {});
  if (o.fault === "lose-answer") {
    // Once the ILS has acted, drop every connection: the answer is lost on its way.
    let settled = false;
    const done = () => {
      settled = true;
    };
    pending.then(done, done);
    await until(clock, () => settled || loanOf(ils, itemId) !== before, {
      what: "the ILS to act on the request or answer it",
    });
    if (!settled) server.disconnect();
  }
  try {
    const result = await settle(clock, pending, { what: JSON.stringify(o), stepMs: 100 });
    return result.ok ? "done" : "refused";
  } catch (error) {
    expect(error).toBeInstanceOf(Sip2ClientError);
    return (error as Sip2ClientError).code === "SIP2_OUTCOME_UNKNOWN" ? "unknown" : "not-done";
  } finally {
    server.faults.clear();
    await settle(clock, client.pool.ready(10_000), { what: "the pool to be ready again", stepMs: 100 });
  }
}

describe("SIP2 transactions under random faults", () => {
  it(`the ILS always agrees with what the client reported (fast-check seed ${SEED})`, {
    timeout: 600_000,
  }, async () => {
    await fc.assert(
      // The ACS's own randomness (which bytes a garble hits) is part of the case, so the seed repeats it.
      fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 8 }), fc.nat(), async (ops, acsSeed) => {
        // The ACS's latency runs on the client's virtual clock: a late answer is late in the order of
        // events, not by how fast this machine is.
        const clock = new VirtualClock();
        const acs = await startAcs({ clock, faults: { seed: acsSeed } });
        const { client } = await startClient(acs.port, { clock, link: { timeoutMs: 2_000 }, waitMs: 30_000 });
        const env = { client, clock, ...acs };
        const doneCheckouts = new Map<string, number>();
        try {
          for (const o of ops) {
            const itemId = ITEMS[o.item]!;
            const before = loanOf(acs.ils, itemId);
            const outcome = await apply(o, env);
            const after = loanOf(acs.ils, itemId);
            const what = `${JSON.stringify(o)} → ${outcome}, loan ${before} → ${after}`;
            if (outcome === "refused" || outcome === "not-done") expect(after, what).toBe(before);
            if (outcome === "done" && o.kind === "checkin") expect(after, what).toBe("none");
            if (outcome === "done" && o.kind !== "checkin") {
              expect(acs.ils.loanOf(itemId)?.patron, what).toBe(PATRONS[o.patron]);
              if (o.kind === "renew") expect(after, what).not.toBe(before);
              doneCheckouts.set(itemId, (doneCheckouts.get(itemId) ?? 0) + 1);
            }
            // Nothing charged twice: a rental fee only for a checkout or renewal the client reported done
            // (or could not tell about).
            if (outcome !== "unknown") {
              expect(chargesOf(acs.ils, itemId), what).toBeLessThanOrEqual(doneCheckouts.get(itemId) ?? 0);
            } else {
              doneCheckouts.set(itemId, (doneCheckouts.get(itemId) ?? 0) + 1);
            }
          }
        } finally {
          await client.close();
          await acs.server.stop();
        }
      }),
      { seed: SEED, numRuns: 5, endOnFailure: true },
    );
  });
});
