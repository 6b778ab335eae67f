/**
 * The engine and the library's opening hours, on a VirtualClock: it rests in `closed` while the library is
 * closed, opens and closes by itself at the right instants, lets a session under way finish, takes returns
 * out of hours only when told to, and follows new hours at once.
 */
import { describe, expect, it } from "vitest";
import type { OpeningHoursConfig } from "../../../bridge/config/schema.ts";
import { OpeningHours } from "../../../bridge/kiosk/opening-hours.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { item, kiosk, PATRON } from "./engine-helpers.ts";

const at = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;

/** Berlin: weekdays 09:00–12:30 and 13:30–19:00, Saturday 10:00–14:00, Sunday closed; Christmas closed. */
const week = (extra: Partial<OpeningHoursConfig> = {}) =>
  new OpeningHours({
    whenClosed: "closed",
    returnsWhenClosed: false,
    timeZone: "Europe/Berlin",
    weekly: Object.fromEntries(
      ["monday", "tuesday", "wednesday", "thursday", "friday"].map((day) => [
        day,
        [
          { opens: "09:00", closes: "12:30" },
          { opens: "13:30", closes: "19:00" },
        ],
      ]),
    ),
    exceptions: [{ date: "2026-12-25", until: "2026-12-26", hours: [], note: "Christmas" }],
    ...extra,
  });

/** An engine whose virtual clock starts at `iso`. */
const kioskAt = (iso: string, hours = week(), settings = {}) =>
  kiosk({ hours, ...settings }, new VirtualClock(at(iso)));

describe("the kiosk and the library's opening hours", () => {
  it("rests in closed outside the hours, says when it opens, and opens by itself", async () => {
    // Monday 7 December 2026, 07:00 in Berlin (06:00Z).
    const k = kioskAt("2026-12-07T06:00:00Z");
    const closed = await k.state();
    expect(closed.phase).toBe("closed");
    expect(closed.hours).toEqual({
      open: false,
      timeZone: "Europe/Berlin",
      nextChange: at("2026-12-07T08:00:00Z"),
      returnsWhenClosed: false,
    });
    await k.clock.advance(at("2026-12-07T08:00:00Z") - k.clock.now() - 1);
    expect((await k.state()).phase).toBe("closed");
    const before = k.messages.length;
    await k.clock.advance(1);
    const open = await k.state();
    expect(open.phase).toBe("idle");
    expect(open.hours).toMatchObject({ open: true, nextChange: at("2026-12-07T11:30:00Z") });
    // The screen hears of it without anyone touching the kiosk.
    expect(k.messages.slice(before).some((m) => m.type === "state" && m.state.phase === "idle")).toBe(true);
    // Lunch: closed at 12:30, open again at 13:30.
    await k.clock.advance(3.5 * 60 * MINUTE);
    expect((await k.state()).phase).toBe("closed");
    await k.clock.advance(60 * MINUTE);
    expect((await k.state()).phase).toBe("idle");
  });

  it("refuses a card while closed: typed, scanned or laid on the pad", async () => {
    const k = kioskAt("2026-12-07T06:00:00Z");
    const err = await k.send({ type: "identify", credential: PATRON }).catch((e: { code: string }) => e);
    expect(err).toMatchObject({ code: "NOT_ALLOWED_NOW" });
    k.pad.place({ uid: "CARD", itemId: PATRON, patronCard: true });
    expect((await k.state()).phase).toBe("closed");
    expect(k.ils.calls).toEqual([]);
  });

  it("lets a patron signed in before closing time finish, then closes", async () => {
    const k = kioskAt("2026-12-07T17:59:00Z");
    await k.startCheckout();
    await k.clock.advance(1.5 * MINUTE); // 19:00:30 in Berlin: closed for anyone new
    expect((await k.state()).phase).toBe("checkout");
    expect((await k.state()).hours?.open).toBe(false);
    k.ils.autoAnswer = () => ({ ok: true, title: "After hours", dueDate: "2026-12-28" });
    const book = item(1);
    k.pad.place(book);
    await k.engine.whenSettled();
    expect((await k.row(book.uid))?.status).toBe("done");
    await k.send({ type: "endSession" });
    expect((await k.state()).phase).toBe("closed");
  });

  it("still ends a session that goes idle after closing time, into closed", async () => {
    const k = kioskAt("2026-12-07T17:59:00Z", week(), { idleTimeoutMs: 120_000, idleWarningMs: 30_000 });
    await k.login();
    await k.clock.advance(120_000);
    const state = await k.state();
    expect(state.phase).toBe("closed");
    expect(state.patron).toBeUndefined();
  });

  it("takes returns out of hours only when the config says so", async () => {
    const refusing = kioskAt("2026-12-07T06:00:00Z");
    const err = await refusing.send({ type: "show", screen: "checkin" }).catch((e: { code: string }) => e);
    expect(err).toMatchObject({ code: "NOT_ALLOWED_NOW" });

    const k = kioskAt("2026-12-07T06:00:00Z", week({ returnsWhenClosed: true }));
    expect((await k.state()).hours?.returnsWhenClosed).toBe(true);
    await k.send({ type: "show", screen: "checkin" });
    k.ils.autoAnswer = () => ({ ok: true, title: "Returned" });
    const book = item(2);
    k.pad.place(book);
    await k.engine.whenSettled();
    expect((await k.row(book.uid))?.status).toBe("done");
    await k.send({ type: "endSession" });
    expect((await k.state()).phase).toBe("closed");
  });

  it("stays closed over a holiday and a Sunday, waking at each midnight, and opens on the next working day", async () => {
    // Thursday 24 December 2026, 19:30 in Berlin; closed 25–26 (exception), 27 (Sunday); opens Monday 28th 09:00.
    const k = kioskAt("2026-12-24T18:30:00Z");
    expect((await k.state()).hours?.nextChange).toBe(at("2026-12-28T08:00:00Z"));
    const revs: number[] = [];
    k.engine.subscribe((m) => {
      if (m.type === "state") revs.push(k.clock.now());
    });
    // A state at each midnight in Berlin (the screen's "tomorrow" becomes "today"), and at the opening. State
    // goes out once per event-loop turn, so time stops at each moment for the turn to come.
    const moments = [
      "2026-12-24T23:00:00Z",
      "2026-12-25T23:00:00Z",
      "2026-12-26T23:00:00Z",
      "2026-12-27T23:00:00Z",
      "2026-12-28T08:00:00Z",
    ];
    for (const moment of moments) {
      await k.clock.advance(at(moment) - k.clock.now());
      await k.state();
    }
    expect((await k.state()).phase).toBe("idle");
    for (const moment of moments) expect(revs).toContain(at(moment));
  });

  it("follows new hours at once, and none at all means always open", async () => {
    const k = kioskAt("2026-12-07T10:00:00Z", undefined as never);
    k.engine.setHours(undefined);
    expect((await k.state()).phase).toBe("idle");
    k.engine.setHours(week({ weekly: { monday: [{ opens: "14:00", closes: "16:00" }] } }));
    const state = await k.state();
    expect(state.phase).toBe("closed");
    expect(state.hours?.nextChange).toBe(at("2026-12-07T13:00:00Z"));
    k.engine.setHours(week({ whenClosed: "open" }));
    expect((await k.state()).phase).toBe("idle");
    expect((await k.state()).hours).toBeUndefined();
  });

  it("puts out of service above closed: back in service while closed is closed", async () => {
    const k = kioskAt("2026-12-07T06:00:00Z");
    k.engine.setOutOfService("Cleaning");
    expect((await k.state()).phase).toBe("out-of-service");
    await k.clock.advance(2 * 60 * MINUTE); // opens at 08:00Z while out of service: stays out of service
    expect((await k.state()).phase).toBe("out-of-service");
    k.engine.setOutOfService(false);
    expect((await k.state()).phase).toBe("idle");
    k.engine.setOutOfService("Cleaning");
    await k.clock.advance(at("2026-12-07T18:30:00Z") - k.clock.now()); // 19:30 in Berlin: closed
    k.engine.setOutOfService(false);
    expect((await k.state()).phase).toBe("closed");
  });
});
