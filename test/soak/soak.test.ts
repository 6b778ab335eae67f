/**
 * The soak's short version (`npm run soak` is the long one): the real bridge process under a few patron
 * sessions with random faults and two kill -9s; at the end the ILS, the journal and the statistics agree.
 * SOAK_SEED=<n> repeats a run's choices. No wall-time assertion: every wait is for a state, bounded.
 */
import { describe, expect, it } from "vitest";
import { runSoak } from "./soak.ts";

const SEED = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe(`soak, short (seed ${SEED}; SOAK_SEED=${SEED} repeats it)`, () => {
  it("loses nothing, doubles nothing and counts everything once through faults and two kill -9s", async () => {
    console.log(`soak test: seed ${SEED}`);
    const report = await runSoak({ seed: SEED, sessions: 10, kills: 2 });
    console.log(
      `soak test: seed ${SEED}: lost=${report.lost} doubled=${report.doubled}; ${report.requests.acked} acknowledged ` +
        `(${report.offline} offline), ${report.requests.unknown} unclear, ${report.ilsChanges} ILS changes, ${report.kills} kills`,
    );
    expect(report.violations).toEqual([]);
    expect(report).toMatchObject({ lost: 0, doubled: 0, unasked: 0, kills: 2 });
    // The only conflicts: loans the ILS made of books the kiosk kept, checked back in (issue 9); the only
    // unknowns: renewals whose lost answer the ILS cannot tell (soak.ts unknownRenewals).
    expect(report.journal).toMatchObject({
      pending: 0,
      sending: 0,
      conflict: report.takenBack,
      unknown: report.unknownRenewals,
    });
    // The run did something: transactions were acknowledged and reached the ILS.
    expect(report.requests.acked).toBeGreaterThan(0);
    expect(report.ilsChanges).toBeGreaterThanOrEqual(report.requests.acked);
  }, 300_000);
});
