import { describe, expect, it } from "vitest";
import { COMMAND_PHASES, canMove, TRANSITIONS } from "../../../bridge/kiosk/phases.ts";
import { type CommandType, PHASES, type Phase } from "../../../protocols/kiosk-api/schema.ts";
import { flushMicrotasks } from "../../support/virtual-clock.ts";
import { item, kiosk, PATRON, PIN, patronRecord } from "./engine-helpers.ts";

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: unknown) => err as { code: string; message: string },
  );

describe("kiosk phases", () => {
  it("allow exactly the listed moves, plus idle, out-of-service and closed from anywhere", () => {
    for (const from of PHASES) {
      for (const to of PHASES) {
        const listed = TRANSITIONS[from].includes(to);
        expect(canMove(from, to), `${from} → ${to}`).toBe(
          listed || to === "idle" || to === "out-of-service" || to === "closed",
        );
      }
    }
  });

  it("refuse every command outside the phases listed for it", async () => {
    const k = kiosk();
    // The engine is in idle: every command not listed for idle is refused with NOT_ALLOWED_NOW and nothing changes.
    for (const [type, phases] of Object.entries(COMMAND_PHASES) as Array<[CommandType, readonly Phase[]]>) {
      if (phases.includes("idle")) continue;
      const err = await rejection(k.engine.execute({ type, id: "x" } as never));
      expect(err?.code, type).toBe("NOT_ALLOWED_NOW");
      expect(k.engine.phase).toBe("idle");
    }
  });
});

describe("identifying the patron", () => {
  it("card → PIN → home, with the patron's first name and a masked email, and no identifier in the state", async () => {
    const k = kiosk();
    await k.send({ type: "identify", credential: PATRON });
    expect((await k.state()).phase).toBe("pin");
    expect((await k.state()).pin).toEqual({ attemptsLeft: 3 });
    await k.send({ type: "verifyPin", pin: PIN });
    const state = await k.state();
    expect(state.phase).toBe("home");
    expect(state.patron?.firstName).toBe("Ada");
    expect(state.patron?.emailMasked).toBe("a•••@e•••.org");
    expect(JSON.stringify(state)).not.toContain(PATRON);
    expect(k.notices()).toContain("PATRON_WELCOME");
  });

  it("three wrong PINs end the session; the PIN never reaches the logs", async () => {
    const k = kiosk();
    await k.send({ type: "identify", credential: PATRON });
    expect((await rejection(k.send({ type: "verifyPin", pin: "0000" })))?.code).toBe("PIN_WRONG");
    expect((await k.state()).pin?.attemptsLeft).toBe(2);
    expect((await rejection(k.send({ type: "verifyPin", pin: "0001" })))?.code).toBe("PIN_WRONG");
    expect((await rejection(k.send({ type: "verifyPin", pin: "0002" })))?.code).toBe("PIN_LOCKED");
    const state = await k.state();
    expect(state.phase).toBe("idle");
    expect(state.patron).toBeUndefined();
    expect(k.notices()).toEqual(expect.arrayContaining(["PIN_WRONG", "PIN_LOCKED", "SESSION_ENDED"]));
    expect(k.log.text()).not.toMatch(/000[0-2]|23456000000001/);
  });

  it("an unknown card is refused, and repeated failures pause identification for everyone", async () => {
    const k = kiosk({ guessLimit: { failures: 3, windowMs: 60_000, lockoutMs: 300_000 } });
    for (let i = 0; i < 3; i++) {
      expect((await rejection(k.send({ type: "identify", credential: `2999999999999${i}` })))?.code).toBe(
        "PATRON_NOT_FOUND",
      );
    }
    expect((await rejection(k.send({ type: "identify", credential: PATRON })))?.code).toBe("RATE_LIMITED");
    await k.clock.advance(300_000);
    await k.send({ type: "identify", credential: PATRON });
    expect((await k.state()).phase).toBe("pin");
  });

  it("a scanned patron card and an RFID patron card on the pad both start a session", async () => {
    const k = kiosk({ pinRequired: false });
    k.pad.place({ uid: "E0CARD", itemId: PATRON, patronCard: true });
    expect((await k.state()).phase).toBe("home");
  });
});

describe("checking out a stack on the pad", () => {
  it("runs the ILS stage two at a time and writes one tag while the next checkout is with the ILS", async () => {
    const k = kiosk({ ilsConcurrency: 2 });
    await k.startCheckout();
    k.pad.place(item(1), item(2), item(3));
    await flushMicrotasks();
    expect(k.ils.calls.map((c) => c.itemId)).toEqual([item(1).itemId, item(2).itemId]);
    expect((await k.row(item(3).uid))?.status).toBe("pending");
    k.pad.holdWrites = true;
    k.ils.answer(item(1).itemId as string);
    await flushMicrotasks();
    // Item 1 is being secured while item 3's checkout is already with the ILS.
    expect(k.ils.calls.map((c) => c.itemId)).toEqual([item(2).itemId, item(3).itemId]);
    k.pad.holdWrites = false;
    k.pad.releaseWrites();
    k.ils.answer(item(2).itemId as string);
    k.ils.answer(item(3).itemId as string);
    await k.engine.whenSettled();
    const state = await k.state();
    expect(state.items.map((r) => [r.status, r.dueDate])).toEqual([
      ["done", "2026-12-29"],
      ["done", "2026-12-29"],
      ["done", "2026-12-29"],
    ]);
    expect(k.pad.writes).toEqual([1, 2, 3].map((n) => ({ uid: item(n).uid, secured: false })));
  });

  it("queues scans and tags that come faster than the ILS answers, in order, without dropping or doubling any", async () => {
    const k = kiosk({ ilsConcurrency: 1 });
    await k.startCheckout();
    for (let n = 1; n <= 8; n++) await k.send({ type: "addItem", itemId: item(n).itemId as string });
    await k.send({ type: "addItem", itemId: item(1).itemId as string }); // the same scan again
    const order: string[] = [];
    while (k.ils.calls.length > 0) {
      const next = k.ils.calls[0]?.itemId as string;
      order.push(next);
      k.ils.answer(next);
      await flushMicrotasks();
    }
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => item(n).itemId));
    expect((await k.state()).items.every((r) => r.status === "done")).toBe(true);
  });

  it("books already on the pad at login are taken straight to checkout", async () => {
    const k = kiosk();
    k.pad.place(item(1));
    await k.login();
    expect((await k.state()).phase).toBe("checkout");
    expect(k.ils.calls.map((c) => c.itemId)).toEqual([item(1).itemId]);
  });

  it("shows a refusal with its reason and does not touch the tag's security", async () => {
    const k = kiosk();
    await k.startCheckout();
    k.pad.place(item(1));
    await flushMicrotasks();
    k.ils.answer(item(1).itemId as string, { ok: false, reason: "ITEM_ON_HOLD_FOR_OTHER" });
    await k.engine.whenSettled();
    expect(await k.row(item(1).uid)).toMatchObject({ status: "refused", reason: "ITEM_ON_HOLD_FOR_OTHER" });
    expect(k.pad.writes).toEqual([]);
    expect(k.notices()).toContain("ITEM_PROBLEM");
  });

  it("a failed security write leaves the loan, flagged for the desk", async () => {
    const k = kiosk();
    await k.startCheckout();
    k.pad.failWrites.add(item(1).uid);
    k.pad.place(item(1));
    await flushMicrotasks();
    k.ils.answer(item(1).itemId as string);
    await k.engine.whenSettled();
    expect(await k.row(item(1).uid)).toMatchObject({
      status: "attention",
      reason: "SECURITY_NOT_RELEASED",
      dueDate: "2026-12-29",
    });
    expect(k.pad.writes).toHaveLength(3);
  });

  it("a book lifted before its write is written when it comes back within the window", async () => {
    const k = kiosk({ liftedWindowMs: 10_000 });
    await k.startCheckout();
    k.pad.place(item(1));
    await flushMicrotasks();
    k.pad.lift(item(1).uid);
    k.ils.answer(item(1).itemId as string);
    await k.clock.advance(4_000);
    expect((await k.row(item(1).uid))?.status).toBe("working");
    k.pad.place(item(1));
    await k.engine.whenSettled();
    expect((await k.row(item(1).uid))?.status).toBe("done");
  });

  it("a book lifted and not brought back is reported plainly and logged for staff", async () => {
    const k = kiosk({ liftedWindowMs: 10_000 });
    await k.startCheckout();
    k.pad.place(item(1));
    await flushMicrotasks();
    k.pad.lift(item(1).uid);
    k.ils.answer(item(1).itemId as string);
    await k.clock.advance(10_000);
    await k.engine.whenSettled();
    expect(await k.row(item(1).uid)).toMatchObject({ status: "attention", reason: "ITEM_LIFTED_EARLY" });
    expect(k.log.text()).toContain("item lifted before its security was written");
  });

  it("a patron who may not borrow is told once per book laid on the pad, and nothing is lent", async () => {
    const k = kiosk();
    k.ils.patron = () => ({ ...patronRecord({ canBorrow: false, blocks: ["chargePrivilegesDenied"] }), pinOk: true });
    await k.login();
    k.pad.place(item(1));
    await flushMicrotasks();
    k.pad.place(item(2));
    await flushMicrotasks();
    const refusals = k.messages.filter((m) => m.type === "notice" && m.code === "ITEM_PROBLEM");
    expect(refusals).toEqual([
      expect.objectContaining({ reason: "PATRON_BLOCKED", tone: "failure" }),
      expect.objectContaining({ reason: "PATRON_BLOCKED", tone: "failure" }),
    ]);
    expect((await k.state()).phase).toBe("home");
    expect(k.ils.calls).toEqual([]);
  });

  it("a three-part set waits for all its parts, then makes one checkout and secures every part", async () => {
    const k = kiosk();
    await k.startCheckout();
    const part = (p: number) => ({ uid: `E0SET${p}`, itemId: "31000000000777", partNumber: p, partsInSet: 3 });
    k.pad.place(part(1), part(2));
    await flushMicrotasks();
    expect(k.ils.calls).toEqual([]);
    expect((await k.state()).items.map((r) => r.reason)).toEqual(["SET_INCOMPLETE", "SET_INCOMPLETE"]);
    k.pad.place(part(3));
    await flushMicrotasks();
    expect(k.ils.calls.map((c) => c.itemId)).toEqual(["31000000000777"]);
    k.ils.answer("31000000000777");
    await k.engine.whenSettled();
    const rows = (await k.state()).items;
    expect(rows.map((r) => [r.status, r.set?.part])).toEqual([
      ["done", 1],
      ["done", 2],
      ["done", 3],
    ]);
    expect(k.pad.writes.map((w) => w.uid).sort()).toEqual(["E0SET1", "E0SET2", "E0SET3"]);
  });

  it("a set still missing a part at Finish is refused, and the receipt lists it as not done", async () => {
    const k = kiosk();
    await k.startCheckout();
    k.pad.place(item(1), { uid: "E0SET1", itemId: "31000000000777", partNumber: 1, partsInSet: 2 });
    await flushMicrotasks();
    expect(k.ils.calls.map((c) => c.itemId)).toEqual([item(1).itemId]);
    k.ils.answer(item(1).itemId as string);
    await k.engine.whenSettled();
    await k.send({ type: "finish" });
    expect(await k.row("E0SET1")).toMatchObject({ status: "refused", reason: "SET_INCOMPLETE" });
    await k.send({ type: "chooseReceipt", method: "print" });
    expect(k.receipts.delivered[0]?.receipt.items.map((r) => [r.itemId, r.status])).toEqual([
      [item(1).itemId, "done"],
      ["31000000000777", "refused"],
    ]);
  });

  it("with sets sent to the desk, a set is not lent here", async () => {
    const k = kiosk({ sets: "desk" });
    await k.startCheckout();
    k.pad.place({ uid: "E0SET1", itemId: "31000000000777", partNumber: 1, partsInSet: 2 });
    expect((await k.state()).items[0]).toMatchObject({ status: "attention", reason: "SET_AT_DESK" });
    expect(k.ils.calls).toEqual([]);
  });

  it("an unreachable ILS is shown per item, not as a crash", async () => {
    const k = kiosk();
    await k.startCheckout();
    await k.send({ type: "addItem", itemId: item(1).itemId as string });
    const call = k.ils.calls[0];
    call?.reject(Object.assign(new Error("down"), { code: "ILS_OFFLINE" }));
    await k.engine.whenSettled();
    expect((await k.state()).items[0]?.status).toBe("refused");
  });
});

describe("while the ILS is down", () => {
  it("without offline lending, borrowing and returns are not offered and no offline banner shows", async () => {
    const k = kiosk();
    k.ils.setStatus("down");
    const state = await k.state();
    expect(state.ils).toEqual({ status: "down", offlineMode: false });
    expect([state.can.checkout, state.can.checkin]).toEqual([false, false]);
  });

  it("with offline lending, both stay offered, items are marked offline and the receipt is provisional", async () => {
    const k = kiosk();
    k.ils.offline = true;
    k.ils.setStatus("down");
    const state = await k.state();
    expect(state.ils).toEqual({ status: "down", offlineMode: true });
    expect([state.can.checkout, state.can.checkin]).toEqual([true, true]);
    await k.startCheckout();
    k.ils.autoAnswer = () => ({ ok: true, offline: true, desensitize: true });
    k.pad.place(item(1));
    await k.engine.whenSettled();
    expect(await k.row(item(1).uid)).toMatchObject({ status: "done", offline: true });
    expect(k.pad.writes).toEqual([{ uid: item(1).uid, secured: false }]);
    await k.send({ type: "finish" });
    expect((await k.state()).receipt?.provisional).toBe(true);
  });

  it("announces each change between online and not once, however often the link retries", async () => {
    const k = kiosk();
    for (const status of ["down", "connecting", "down", "connecting", "online", "online"] as const) {
      k.ils.setStatus(status);
    }
    expect(k.notices().filter((n) => n.startsWith("ILS_"))).toEqual(["ILS_OFFLINE", "ILS_ONLINE"]);
  });
});

describe("returning items", () => {
  it("checks in without a card, turns security back on and names the cart", async () => {
    const k = kiosk({ carts: { "hold-here": "red" } });
    await k.send({ type: "show", screen: "checkin" });
    k.pad.place(item(1), item(2));
    await flushMicrotasks();
    k.ils.answer(item(1).itemId as string, { routing: { kind: "hold-here" } });
    k.ils.answer(item(2).itemId as string, { routing: { kind: "reshelve" } });
    await k.engine.whenSettled();
    const rows = (await k.state()).items;
    expect(rows.map((r) => [r.action, r.status, r.routing])).toEqual([
      ["checkin", "done", { kind: "hold-here", cart: "red" }],
      ["checkin", "done", { kind: "reshelve" }],
    ]);
    expect(k.pad.writes.every((w) => w.secured)).toBe(true);
    // Staff get a routing slip for the hold, in the kiosk's own language; none for an item to reshelve.
    expect(k.receipts.slips).toEqual([{ itemId: item(1).itemId, kind: "hold-here", language: "en" }]);
  });

  it("a signed-in patron returns from home, goes back to the account, and the receipt can be emailed", async () => {
    const k = kiosk();
    await k.login();
    await k.send({ type: "show", screen: "checkin" });
    await k.send({ type: "show", screen: "home" });
    expect((await k.state()).phase).toBe("home");
    await k.send({ type: "show", screen: "checkin" });
    k.pad.place(item(1));
    await flushMicrotasks();
    k.ils.answer(item(1).itemId as string, { routing: { kind: "reshelve" } });
    await k.engine.whenSettled();
    expect(await k.row(item(1).uid)).toMatchObject({ action: "checkin", status: "done" });
    await k.send({ type: "finish" });
    expect((await k.state()).receipt?.methods).toEqual(["print", "email", "none"]);
  });

  it("a card presented but not yet confirmed by its PIN cannot start returns from the PIN screen", async () => {
    const k = kiosk();
    await k.send({ type: "identify", credential: PATRON });
    const err = await rejection(k.send({ type: "show", screen: "checkin" }));
    expect(err?.code).toBe("NOT_ALLOWED_NOW");
    expect((await k.state()).phase).toBe("pin");
  });
});

describe("renewing", () => {
  it("renew all renews every loan and shows the new due dates", async () => {
    const k = kiosk();
    k.ils.autoAnswer = (call) => ({ ok: true, dueDate: "2027-01-10", title: `T ${call.itemId}` });
    await k.login();
    await k.send({ type: "renewAll" });
    const state = await k.state();
    expect(state.phase).toBe("renew");
    expect(state.items).toEqual([
      {
        key: "31000000000099",
        action: "renew",
        itemId: "31000000000099",
        title: "T 31000000000099",
        status: "done",
        dueDate: "2027-01-10",
      },
    ]);
  });
});

describe("an item the patron already has, laid on the pad", () => {
  // patronRecord()'s one loan is item 99, "Old loan", due 2026-12-20.
  it("goes to the ILS, which renews it, when the kiosk renews at checkout", async () => {
    const k = kiosk();
    k.ils.autoAnswer = () => ({ ok: true, renewed: true, dueDate: "2027-01-10", title: "Old loan" });
    await k.startCheckout();
    k.pad.place(item(99));
    await k.engine.whenSettled();
    expect(k.ils.calls.map((c) => [c.kind, c.itemId])).toEqual([["checkout", item(99).itemId]]);
    expect(await k.row(item(99).uid)).toMatchObject({ status: "done", dueDate: "2027-01-10" });
  });

  it("is not sent to the ILS when the kiosk does not renew at checkout: the patron is told it is theirs", async () => {
    const k = kiosk({ renewOnCheckout: false });
    k.ils.autoAnswer = () => ({ ok: true, dueDate: "2027-01-10", title: "Dune" });
    await k.startCheckout();
    k.pad.place(item(99), item(1));
    await k.engine.whenSettled();
    expect(k.ils.calls.map((c) => [c.kind, c.itemId])).toEqual([["checkout", item(1).itemId]]);
    expect(await k.row(item(99).uid)).toMatchObject({
      status: "refused",
      reason: "ITEM_ALREADY_YOURS",
      title: "Old loan",
      dueDate: "2026-12-20",
    });
    expect(k.pad.writes.map((w) => w.uid)).toEqual([item(1).uid]);
  });
});

describe("finishing", () => {
  it("offers print and email after a checkout, delivers the chosen receipt and says goodbye", async () => {
    const k = kiosk({ goodbyeMs: 5_000 });
    k.ils.autoAnswer = () => ({ ok: true, dueDate: "2026-12-29", title: "Dune" });
    await k.startCheckout();
    k.pad.place(item(1));
    await k.engine.whenSettled();
    await k.send({ type: "finish" });
    expect((await k.state()).receipt?.methods).toEqual(["print", "email", "none"]);
    await k.send({ type: "chooseReceipt", method: "email" });
    expect((await k.state()).phase).toBe("goodbye");
    expect(k.receipts.delivered[0]?.receipt).toMatchObject({ kind: "checkout", email: "ada.lovelace@example.org" });
    await k.clock.advance(5_000);
    const state = await k.state();
    expect(state.phase).toBe("idle");
    expect(state.items).toEqual([]);
    expect(k.ils.ended).toBe(1);
  });

  it("offers no print option when the printer cannot print", async () => {
    const k = kiosk();
    k.receipts.printerOk = false;
    k.ils.autoAnswer = () => ({ ok: true });
    await k.startCheckout();
    k.pad.place(item(1));
    await k.engine.whenSettled();
    await k.send({ type: "finish" });
    expect((await k.state()).receipt?.methods).toEqual(["email", "none"]);
  });
});

describe("the idle timer", () => {
  it("warns, then ends the session; one tap gives more time", async () => {
    const k = kiosk({ idleTimeoutMs: 120_000, idleWarningMs: 30_000 });
    await k.login();
    const start = k.clock.now();
    expect((await k.state()).idle).toEqual({ warnAt: start + 90_000, deadline: start + 120_000 });
    await k.clock.advance(90_000);
    expect(k.notices()).toContain("TIMEOUT_WARNING");
    await k.send({ type: "extendTime" });
    // The screen hears of the new deadline at once, so its warning goes away.
    const sent = k.messages.flatMap((m) => (m.type === "state" ? [m.state.idle] : []));
    expect(sent.at(-1)).toEqual({ warnAt: start + 180_000, deadline: start + 210_000 });
    await k.clock.advance(100_000);
    expect((await k.state()).phase).toBe("home");
    await k.clock.advance(20_000);
    const state = await k.state();
    expect(state.phase).toBe("idle");
    expect(state.patron).toBeUndefined();
    expect(state.idle).toBeUndefined();
  });

  it("resets the language at logout", async () => {
    const k = kiosk();
    await k.send({ type: "setLanguage", language: "ar" });
    await k.login();
    expect((await k.state()).language).toBe("ar");
    await k.send({ type: "endSession" });
    expect((await k.state()).language).toBe("en");
  });
});
