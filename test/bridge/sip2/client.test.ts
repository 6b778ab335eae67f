import { afterEach, describe, expect, it } from "vitest";
import { Sip2Ils } from "../../../bridge/kiosk/sip2-ils.ts";
import type { Sip2Client } from "../../../bridge/sip2/client.ts";
import type { AcsServer } from "../../../simulators/acs/server.ts";
import { settle, until } from "../../support/settle.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { item, patron, startAcs, startClient } from "./helpers.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(options: Parameters<typeof startClient>[1] & { acs?: Parameters<typeof startAcs>[0] } = {}) {
  const acs = await startAcs(options.acs);
  cleanups.push(() => acs.server.stop());
  const clock = new VirtualClock();
  const started = await startClient(acs.port, { clock, ...options });
  cleanups.push(() => started.client.close());
  return { ...acs, ...started, clock };
}

/** The id of the ACS connection that carries `connection`'s traffic: the one opened for it, in order. */
function acsIdOf(server: AcsServer, index: number): number {
  return server.connectionIds()[index]!;
}

describe("Sip2Client transactions against the ACS simulator", () => {
  it("checks out, renews and checks in, with typed results and the ILS agreeing", async () => {
    const { client, ils } = await rig();
    const anna = patron("valid").barcode;
    const book = item("available").barcode;
    const out = await client.checkout({ patronId: anna, itemId: ` ${book} ` }, { tx: "tx-out" });
    expect(out).toMatchObject({ tx: "tx-out", ok: true, itemId: book, title: item("available").title });
    expect(out.dueDate?.date).toBeInstanceOf(Date);
    expect(out.dueDate?.raw).toMatch(/^\d{8}/);
    expect(out.raw.type).toBe("checkoutResponse");
    expect(ils.loanOf(book)?.patron).toBe(anna);

    const renewed = await client.renew({ patronId: anna, itemId: book });
    expect(renewed.ok).toBe(true);
    expect(ils.loanOf(book)?.due.getTime()).toBe(renewed.dueDate?.date?.getTime());

    const back = await client.checkin({ itemId: book });
    expect(back).toMatchObject({ ok: true, itemId: book, alerts: [{ kind: "sort-bin", bin: "RESHELVE" }] });
    expect(ils.loanOf(book)).toBeUndefined();
  });

  it("asks the ILS not to renew at checkout when told to (SC renewal policy N); the kiosk reads the refusal", async () => {
    const { client, ils, clock } = await rig();
    const anna = patron("valid").barcode;
    const book = item("available").barcode;
    expect((await client.checkout({ patronId: anna, itemId: book })).ok).toBe(true);
    const again = await client.checkout({ patronId: anna, itemId: book, renewal: false });
    expect(again).toMatchObject({ ok: false, renewalOk: false });
    expect(again.raw).toMatchObject({ type: "checkoutResponse" });
    expect(ils.loanOf(book)).toMatchObject({ patron: anna, renewals: 0 });
    const kiosk = new Sip2Ils(client, { clock });
    expect(await kiosk.checkout({ patron: anna, itemId: book, renewal: false })).toMatchObject({
      ok: false,
      reason: "ITEM_ALREADY_YOURS",
    });
    // The connection's own policy (Y) holds when the checkout does not narrow it: a renewal.
    expect(await client.checkout({ patronId: anna, itemId: book })).toMatchObject({ ok: true, renewalOk: true });
    expect(ils.loanOf(book)?.renewals).toBe(1);
  });

  it("reports a refusal as ok = false with the ILS's screen message, not as an error", async () => {
    const { client, ils } = await rig();
    const blocked = patron("blocked").barcode;
    const out = await client.checkout({ patronId: blocked, itemId: item("available").barcode });
    expect(out.ok).toBe(false);
    expect(out.screenMessages.length).toBeGreaterThan(0);
    expect(ils.loanOf(item("available").barcode)).toBeUndefined();
  });

  it("answers patron, item, fee, hold, renew all and end session requests", async () => {
    const { client, ils } = await rig();
    const greta = patron("fines-under-limit");
    const info = await client.patronInformation({
      patronId: greta.barcode,
      patronPassword: greta.password!,
      summary: "fineItems",
    });
    expect(info).toMatchObject({ valid: true, passwordValid: true, name: greta.name });
    expect(info.fee?.amount).toMatch(/^\d+\.\d\d$/);
    expect(info.items.length).toBe(info.counts.fines);

    const status = await client.patronStatus({ patronId: greta.barcode, patronPassword: "0000" });
    expect(status.passwordValid).toBe(false);

    const balance = ils.balanceOf(greta.barcode);
    const paid = await client.feePaid({
      patronId: greta.barcode,
      amount: "1.00",
      currency: info.fee?.currency ?? "EUR",
    });
    expect(paid.accepted).toBe(true);
    expect(ils.balanceOf(greta.barcode)).toBe(balance - 100);

    const lost = await client.itemInformation({ itemId: item("lost").barcode });
    expect(lost).toMatchObject({ found: true, circulationStatus: "lost", title: item("lost").title });
    const unknown = await client.itemInformation({ itemId: "NO-SUCH-ITEM" });
    expect(unknown.found).toBe(false);

    const quentin = patron("has-loans");
    const all = await client.renewAll({ patronId: quentin.barcode, patronPassword: quentin.password! });
    expect(all.renewed.length + all.unrenewed.length).toBe(ils.loansOf(quentin.barcode).length);

    const hold = await client.hold({
      mode: "add",
      patronId: patron("valid").barcode,
      itemId: item("checked-out-to-another").barcode,
      pickupLocation: "MAIN",
    });
    expect(hold.ok).toBe(true);
    expect(ils.holdsOf(patron("valid").barcode).length).toBe(1);

    const ended = await client.endSession({ patronId: greta.barcode });
    expect(ended.ended).toBe(true);
  });

  it("reports the alerts of a checkin: a hold to trap and a transit", async () => {
    const { client, ils } = await rig();
    const withHolds = item("checked-out-with-holds").barcode;
    const result = await client.checkin({ itemId: withHolds });
    expect(result.ok).toBe(true);
    const hold = ils.holdQueue(item("checked-out-with-holds").titleId)[0];
    expect(result.alerts[0]?.kind).toBe(hold?.pickupBranch === "MAIN" ? "hold-here" : "hold-elsewhere");
    const east = await client.checkin({ itemId: item("owned-by-east").barcode });
    expect(east.alerts).toContainEqual({ kind: "transit", destination: "EAST" });
  });

  it("a checkout whose answer is lost after the ILS did it is confirmed, not sent again", async () => {
    const { client, ils, server, connections } = await rig({ connections: 2 });
    const anna = patron("valid").barcode;
    const book = item("available").barcode;
    // Both connections answer late; the one that gets the checkout is dropped once the ILS has acted.
    server.faults.set({ latencyMs: 200 });
    const pending = client.checkout({ patronId: anna, itemId: book }, { tx: "tx-lost" });
    await until(null, () => ils.loanOf(book) !== undefined, { what: "the ILS to lend the book" });
    const busy = connections.findIndex((c) => c.busy);
    server.disconnect(acsIdOf(server, busy));
    server.faults.set({});
    const result = await pending;
    expect(result).toMatchObject({ tx: "tx-lost", ok: true, recovered: "confirmed", itemId: book });
    expect(ils.loansOf(anna).filter((l) => l.item === book)).toHaveLength(1);
  });

  it("a checkout the ILS never saw (stalled link, timeout) is sent again once it is sure", async () => {
    const clock = new VirtualClock();
    const { client, ils, server } = await rig({ connections: 1, clock, link: { timeoutMs: 2_000 } });
    const anna = patron("valid").barcode;
    const book = item("available").barcode;
    // The connection reads the checkout and neither acts on it nor answers; its successor is healthy.
    server.faults.setFor(acsIdOf(server, 0), { stall: true });
    const result = await settle(clock, client.checkout({ patronId: anna, itemId: book }, { tx: "tx-stall" }), {
      what: "the stalled checkout",
      stepMs: 100,
    });
    expect(result).toMatchObject({ ok: true, recovered: "retried", tx: "tx-stall" });
    expect(ils.loanOf(book)?.patron).toBe(anna);
  });

  it("when nothing can tell what happened, it says SIP2_OUTCOME_UNKNOWN with the transaction id", async () => {
    const clock = new VirtualClock();
    const { client, ils, server } = await rig({ connections: 1, clock, link: { timeoutMs: 2_000 }, waitMs: 3_000 });
    const book = item("available").barcode;
    server.faults.set({ latencyMs: 200 });
    const pending = client.checkout({ patronId: patron("valid").barcode, itemId: book }, { tx: "tx-x" });
    await until(null, () => ils.loanOf(book) !== undefined, { what: "the ILS to lend the book" });
    // The ILS did it; the answer is lost, and from now on the ILS answers nothing at all.
    server.faults.set({ stall: true });
    server.disconnect();
    const error = await settle(clock, pending, { what: "the lost checkout", stepMs: 100 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "SIP2_OUTCOME_UNKNOWN", details: { tx: "tx-x", outcome: "unknown" } });
    expect((error as Error).message).toMatch(/checkout tx-x: the answer was lost/);
  });
});

describe("Sip2Client.inquire: asking the ILS about a transaction without sending it (crash recovery)", () => {
  // Each kind whose verification reads the patron (63). An offline ACS answers a 63 for nobody: no loans, no
  // holds, no balance. Taken as true, a loan the ILS made was recorded as never done (a soak found it, twice:
  // the second time the ACS came back between that 63 and the status asked after it), and a payment would
  // have been taken as applied.
  const anna = patron("valid").barcode;
  const quentin = patron("has-loans");
  const greta = patron("fines-under-limit");
  const checkout = { patronId: anna, itemId: item("available").barcode };
  const renewAll = { patronId: quentin.barcode, patronPassword: quentin.password! };
  const feePaid = { patronId: greta.barcode, patronPassword: greta.password!, amount: "1.00", currency: "EUR" };
  const hold = {
    mode: "add",
    patronId: anna,
    itemId: item("checked-out-to-another").barcode,
    pickupLocation: "MAIN",
  } as const;
  /** Each kind's request, and its sending: true when the ILS did it. */
  const READS_THE_PATRON = {
    checkout: { request: checkout, send: async (c: Sip2Client) => (await c.checkout(checkout)).ok },
    renewAll: { request: renewAll, send: async (c: Sip2Client) => (await c.renewAll(renewAll)).ok },
    feePaid: { request: feePaid, send: async (c: Sip2Client) => (await c.feePaid(feePaid)).accepted },
    hold: { request: hold, send: async (c: Sip2Client) => (await c.hold(hold)).ok },
  };
  for (const [kind, { request, send }] of Object.entries(READS_THE_PATRON)) {
    it(`${kind}: asked while the ACS is offline, no verdict (asked again); back just after its 63, the next 63 tells`, async () => {
      const { client, ils, server } = await rig();
      const k = kind as keyof typeof READS_THE_PATRON;
      const before = await client.snapshot(k, request as never);
      expect(await send(client)).toBe(true);

      server.faults.set({ offline: true });
      await expect(client.inquire(k, request as never, before)).rejects.toMatchObject({ code: "SIP2_ACS_OFFLINE" });

      // Back right after answering a 63 for nobody, before the client asks its status.
      const answer = ils.patronInformation.bind(ils);
      ils.patronInformation = (patronId, ...rest) => {
        if (patronId === "") server.faults.clear();
        return answer(patronId, ...rest);
      };
      expect(await client.inquire(k, request as never, before)).toMatchObject({ outcome: "done" });
    });
  }

  it("an 18 for an unknown item (its ILS down a moment, the ACS online) is asked again, and never read as not lent or returned", async () => {
    const { client, ils } = await rig();
    const request = checkout;
    await client.checkout(request);
    // As Koha and Evergreen answer for an item they cannot find: no title, circulation status 01.
    const answer = ils.itemInformation.bind(ils);
    let blanks = 1;
    ils.itemInformation = (itemId) => answer(blanks-- > 0 ? `NO-SUCH-${itemId}` : itemId);
    expect(await client.inquire("checkout", request, undefined)).toMatchObject({ outcome: "done" });
    // Unknown at every asking: it tells nothing, so the loan is not sent again and no return is taken as done.
    blanks = Number.POSITIVE_INFINITY;
    expect(await client.inquire("checkout", request, undefined)).toMatchObject({ outcome: "unknown" });
    expect(await client.inquire("checkin", { itemId: request.itemId }, undefined)).toMatchObject({
      outcome: "unknown",
    });
  });

  it("says done, not-done or unknown from reads alone, with what was noted before", async () => {
    const { client, ils } = await rig();
    const anna = patron("valid").barcode;
    const book = item("available").barcode;
    const request = { patronId: anna, itemId: book };
    expect(await client.inquire("checkout", request, undefined)).toEqual({ outcome: "not-done" });
    await client.checkout(request);
    const found = await client.inquire("checkout", request, undefined, { tx: "tx-crash" });
    expect(found).toMatchObject({ outcome: "done", result: { tx: "tx-crash", ok: true, recovered: "confirmed" } });
    expect(ils.loansOf(anna).filter((l) => l.item === book)).toHaveLength(1);

    // A renewal is told by its due date: noted before, compared after.
    const quentin = patron("has-loans");
    const loan = {
      patronId: quentin.barcode,
      patronPassword: quentin.password!,
      itemId: ils.loansOf(quentin.barcode)[0]!.item,
    };
    const before = await client.snapshot("renew", loan);
    expect(before.dueDate).not.toBe("");
    // Unchanged: not renewed, or renewed to the same date; asking cannot tell, so it does not guess.
    expect(await client.inquire("renew", loan, before)).toMatchObject({ outcome: "unknown" });
    const renewed = await client.renew(loan);
    expect(renewed.ok).toBe(true);
    expect(await client.inquire("renew", loan, before)).toMatchObject({ outcome: "done", result: { ok: true } });
    // Nothing noted: nothing to compare with, and it says so rather than guess.
    expect(await client.inquire("renew", loan, undefined)).toMatchObject({ outcome: "unknown" });
  });
});
