/**
 * Every transaction kind, with its connection cut at the worst two moments (a proxy between client and
 * ACS cuts at one message code): after the ILS acted and before its answer arrives, and before the request
 * reaches the ILS. Never doubled: the ILS's own count moves by exactly one transaction or not at all, and
 * the client says which (confirmed, retried, or SIP2_OUTCOME_UNKNOWN), always with the transaction id.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Sip2Client } from "../../../bridge/sip2/client.ts";
import type { InMemoryIls } from "../../../simulators/acs/ils.ts";
import { settle } from "../../support/settle.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { item, patron, startAcs, startClient, startCutter } from "./helpers.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Outcome = "confirmed" | "retried" | "unknown";

interface Case {
  /** Request and answer codes, where the link is cut. */
  codes: [request: string, answer: string];
  run(
    client: Sip2Client,
    ils: InMemoryIls,
    tx: string,
  ): Promise<{ tx: string; recovered?: string; renewed?: string[] }>;
  /** What the transaction changes in the ILS, and by how much when done once. */
  effect(ils: InMemoryIls): number;
  step: number;
  /** What the client can tell when the answer is lost, and when the request is. */
  answerLost: Outcome;
  requestLost: Outcome;
}

const anna = patron("valid");
const quentin = patron("has-loans");
const greta = patron("fines-under-limit");
const queued = patron("hold-queued-first");
const pin = (p: typeof anna) => (p.password ? { patronPassword: p.password } : {});
const renewals = (ils: InMemoryIls) => ils.loansOf(quentin.barcode).reduce((n, l) => n + l.renewals, 0);

const CASES: Record<string, Case> = {
  checkout: {
    codes: ["11", "12"],
    run: (c, _ils, tx) => c.checkout({ patronId: anna.barcode, itemId: item("available").barcode }, { tx }),
    effect: (ils) => ils.loansOf(anna.barcode).length,
    step: 1,
    answerLost: "confirmed",
    requestLost: "retried",
  },
  checkin: {
    codes: ["09", "10"],
    run: (c, _ils, tx) => c.checkin({ itemId: item("checked-out-to-another").barcode }, { tx }),
    effect: (ils) => (ils.loanOf(item("checked-out-to-another").barcode) ? 1 : 0),
    step: -1,
    answerLost: "confirmed",
    requestLost: "retried",
  },
  // A renewal that left the due date as it was cannot be told from none: it is never sent twice.
  renew: {
    codes: ["29", "30"],
    run: (c, ils, tx) =>
      c.renew({ patronId: quentin.barcode, ...pin(quentin), itemId: ils.loansOf(quentin.barcode)[0]!.item }, { tx }),
    effect: renewals,
    step: 1,
    answerLost: "confirmed",
    requestLost: "unknown",
  },
  renewAll: {
    codes: ["65", "66"],
    run: (c, _ils, tx) => c.renewAll({ patronId: quentin.barcode, ...pin(quentin) }, { tx }),
    effect: renewals,
    step: 0, // checked against the renewed list instead: each renewed once
    answerLost: "confirmed",
    requestLost: "unknown",
  },
  feePaid: {
    codes: ["37", "38"],
    run: (c, _ils, tx) => c.feePaid({ patronId: greta.barcode, amount: "1.00", currency: "EUR" }, { tx }),
    effect: (ils) => ils.balanceOf(greta.barcode),
    step: -100,
    answerLost: "confirmed",
    requestLost: "retried",
  },
  "hold placed": {
    codes: ["15", "16"],
    run: (c, _ils, tx) =>
      c.hold(
        { mode: "add", patronId: anna.barcode, itemId: item("checked-out-to-another").barcode, pickupLocation: "MAIN" },
        { tx },
      ),
    effect: (ils) => ils.holdsOf(anna.barcode).length,
    step: 1,
    answerLost: "confirmed",
    requestLost: "retried",
  },
  "hold cancelled": {
    codes: ["15", "16"],
    run: (c, ils, tx) =>
      c.hold(
        { mode: "delete", patronId: queued.barcode, ...pin(queued), titleId: ils.holdsOf(queued.barcode)[0]!.titleId },
        { tx },
      ),
    effect: (ils) => ils.holdsOf(queued.barcode).length,
    step: -1,
    answerLost: "confirmed",
    requestLost: "retried",
  },
  // Ending a session twice ends it once: it is simply sent again.
  endSession: {
    codes: ["35", "36"],
    run: (c, _ils, tx) => c.endSession({ patronId: anna.barcode }, { tx }),
    effect: () => 0,
    step: 0,
    answerLost: "retried",
    requestLost: "retried",
  },
};

async function rig() {
  const acs = await startAcs();
  cleanups.push(() => acs.server.stop());
  const cutter = await startCutter(acs.port);
  cleanups.push(() => cutter.close());
  const clock = new VirtualClock();
  const started = await startClient(cutter.port, { clock, connections: 1, link: { timeoutMs: 2_000 } });
  cleanups.push(() => started.client.close());
  return { ...acs, ...started, cutter, clock };
}

describe("a lost answer or a lost request, for every transaction kind", () => {
  for (const [name, c] of Object.entries(CASES)) {
    for (const where of ["answer", "request"] as const) {
      const expected = where === "answer" ? c.answerLost : c.requestLost;
      it(`${name}: the ${where} lost → ${expected}, never doubled`, async () => {
        const { client, ils, cutter, clock } = await rig();
        const before = c.effect(ils);
        const cut = cutter.cut(where, where === "answer" ? c.codes[1] : c.codes[0]);
        const tx = `tx-${name.replace(" ", "-")}-${where}`;
        const outcome = await settle(
          clock,
          c.run(client, ils, tx).then(
            (result) => ({ result }),
            (error: unknown) => ({ error }),
          ),
          { what: `${name} with the ${where} lost`, stepMs: 100 },
        );
        await cut; // the cut did happen, at that message
        const change = c.effect(ils) - before;
        if (expected === "unknown") {
          expect("error" in outcome && outcome.error).toMatchObject({
            code: "SIP2_OUTCOME_UNKNOWN",
            details: { tx, outcome: "unknown" },
          });
          expect(change).toBe(where === "answer" ? c.step : 0);
          return;
        }
        expect(outcome).toMatchObject({ result: { tx, recovered: expected } });
        if (name === "renewAll") {
          const renewed = ("result" in outcome && outcome.result.renewed) || [];
          expect(renewed.length).toBeGreaterThan(0);
          expect(change).toBe(renewed.length);
        } else expect(change).toBe(c.step);
      });
    }
  }
});
