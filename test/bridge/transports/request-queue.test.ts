import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type MatchResult, RequestQueue, RequestQueueError } from "../../../bridge/transports/request-queue.ts";
import { flushMicrotasks, VirtualClock } from "../../support/virtual-clock.ts";

/** A response names the request it answers; a negative id asks that request to be sent again. */
interface Reply {
  id: number;
}

function rig() {
  const clock = new VirtualClock(0);
  const queue = new RequestQueue<Reply>({ clock, label: "test link" });
  const sent: Array<{ id: number; at: number }> = [];
  const outcomes = new Map<number, string>();
  const ask = (id: number, timeoutMs: number, signal?: AbortSignal) => {
    const match = (r: Reply): MatchResult<string> =>
      r.id === id ? { value: `answer ${id}` } : r.id === -id ? { again: () => send() } : undefined;
    const send = () => {
      sent.push({ id, at: clock.now() });
    };
    const p = queue.request({ what: `request ${id}`, send, match, timeoutMs, ...(signal ? { signal } : {}) });
    p.then(
      (v) => outcomes.set(id, v),
      (e: RequestQueueError) => outcomes.set(id, e.code),
    );
    return p;
  };
  return { clock, queue, sent, outcomes, ask };
}

describe("RequestQueue", () => {
  it("sends one request at a time, in order, and resolves each with its answer", async () => {
    const { queue, sent, outcomes, ask } = rig();
    ask(1, 100);
    ask(2, 100);
    expect(sent.map((s) => s.id)).toEqual([1]);
    expect(queue.size).toBe(2);
    expect(queue.receive({ id: 2 })).toBe(false); // not the one in flight
    expect(queue.receive({ id: 1 })).toBe(true);
    await flushMicrotasks();
    expect(sent.map((s) => s.id)).toEqual([1, 2]);
    queue.receive({ id: 2 });
    await flushMicrotasks();
    expect([...outcomes]).toEqual([
      [1, "answer 1"],
      [2, "answer 2"],
    ]);
    expect(queue.size).toBe(0);
  });

  it("times out on the clock, names the request, and moves on", async () => {
    const { clock, sent, outcomes, ask } = rig();
    const first = ask(1, 100);
    ask(2, 50);
    await clock.advance(99);
    expect(outcomes.size).toBe(0);
    await clock.advance(1);
    await expect(first).rejects.toThrow(/test link: no answer to request 1 within 100 ms/);
    expect(outcomes.get(1)).toBe("REQUEST_TIMEOUT");
    expect(sent).toEqual([
      { id: 1, at: 0 },
      { id: 2, at: 100 },
    ]);
    await clock.advance(50);
    expect(outcomes.get(2)).toBe("REQUEST_TIMEOUT");
    expect(clock.pendingTimers).toBe(0);
  });

  it("'again' writes once more and restarts the timeout", async () => {
    const { clock, queue, sent, outcomes, ask } = rig();
    ask(1, 100);
    await clock.advance(80);
    queue.receive({ id: -1 });
    await clock.advance(80);
    expect(outcomes.size).toBe(0);
    expect(sent).toEqual([
      { id: 1, at: 0 },
      { id: 1, at: 80 },
    ]);
    await clock.advance(20);
    expect(outcomes.get(1)).toBe("REQUEST_TIMEOUT");
  });

  it("a match that fails or throws fails only its request", async () => {
    const clock = new VirtualClock(0);
    const queue = new RequestQueue<Reply>({ clock, label: "link" });
    const failing = queue.request({
      what: "a",
      send: () => {},
      match: () => ({ fail: new Error("refused") }),
      timeoutMs: 10,
    });
    const throwing = queue.request({
      what: "b",
      send: () => {},
      match: () => {
        throw new Error("bad answer");
      },
      timeoutMs: 10,
    });
    queue.receive({ id: 0 });
    await expect(failing).rejects.toThrow("refused");
    queue.receive({ id: 0 });
    await expect(throwing).rejects.toThrow("bad answer");
  });

  it("a send that fails fails its request and the next one goes out", async () => {
    const clock = new VirtualClock(0);
    const queue = new RequestQueue<Reply>({ clock, label: "link" });
    const sent: string[] = [];
    const broken = queue.request({
      what: "a",
      send: () => Promise.reject(new Error("EPIPE")),
      match: () => undefined,
      timeoutMs: 10,
    });
    const fine = queue.request({
      what: "b",
      send: () => {
        sent.push("b");
      },
      match: () => ({ value: 2 }),
      timeoutMs: 10,
    });
    await expect(broken).rejects.toThrow("EPIPE");
    expect(sent).toEqual(["b"]);
    queue.receive({ id: 0 });
    await expect(fine).resolves.toBe(2);
  });

  it("cancels a queued request without sending it, and an in-flight one", async () => {
    const { queue, sent, outcomes, ask } = rig();
    const inFlight = new AbortController();
    const queued = new AbortController();
    ask(1, 100, inFlight.signal);
    ask(2, 100, queued.signal);
    ask(3, 100);
    queued.abort();
    inFlight.abort(new Error("patron walked away"));
    await flushMicrotasks();
    expect(outcomes.get(1)).toBe("REQUEST_CANCELLED");
    expect(outcomes.get(2)).toBe("REQUEST_CANCELLED");
    expect(sent.map((s) => s.id)).toEqual([1, 3]);
    const already = new AbortController();
    already.abort();
    await expect(
      queue.request({ what: "late", send: () => {}, match: () => undefined, timeoutMs: 1, signal: already.signal }),
    ).rejects.toMatchObject({ code: "REQUEST_CANCELLED" });
  });

  it("close fails everything pending and every later request, and leaves no timer", async () => {
    const { clock, queue, outcomes, ask } = rig();
    ask(1, 100);
    ask(2, 100);
    queue.close(new RequestQueueError("QUEUE_CLOSED", "link closed"));
    await flushMicrotasks();
    expect([...outcomes.values()]).toEqual(["QUEUE_CLOSED", "QUEUE_CLOSED"]);
    await expect(ask(3, 100)).rejects.toThrow("link closed");
    expect(queue.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    expect(queue.receive({ id: 1 })).toBe(false);
  });

  // Model test: random operations against a queue and a plain model of what it must do.
  type Op =
    | { kind: "add"; timeoutMs: number }
    | { kind: "answer" }
    | { kind: "again" }
    | { kind: "stray" }
    | { kind: "advance"; ms: number }
    | { kind: "abort"; nth: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("add" as const), timeoutMs: fc.integer({ min: 1, max: 100 }) }),
    fc.constant({ kind: "answer" as const }),
    fc.constant({ kind: "again" as const }),
    fc.constant({ kind: "stray" as const }),
    fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 150 }) }),
    fc.record({ kind: fc.constant("abort" as const), nth: fc.nat(5) }),
  );
  const SEED = 8_2026;

  it(`behaves like its model under random operations (fast-check seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const { clock, queue, sent, outcomes, ask } = rig();
        const controllers = new Map<number, AbortController>();
        // The model: FIFO of [id, timeout]; the head is in flight with a deadline.
        const model = { waiting: [] as Array<{ id: number; timeoutMs: number }>, deadline: 0, time: 0 };
        const expectedSent: Array<{ id: number; at: number }> = [];
        const expected = new Map<number, string>();
        let nextId = 1;
        const startHead = () => {
          const head = model.waiting[0];
          if (head) {
            model.deadline = model.time + head.timeoutMs;
            expectedSent.push({ id: head.id, at: model.time });
          }
        };
        const finishHead = (outcome: string) => {
          const head = model.waiting.shift()!;
          expected.set(head.id, outcome);
          startHead();
        };
        for (const o of ops) {
          const head = model.waiting[0];
          switch (o.kind) {
            case "add": {
              const id = nextId++;
              const controller = new AbortController();
              controllers.set(id, controller);
              ask(id, o.timeoutMs, controller.signal);
              model.waiting.push({ id, timeoutMs: o.timeoutMs });
              if (model.waiting.length === 1) startHead();
              break;
            }
            case "answer":
              expect(queue.receive({ id: head?.id ?? 999 })).toBe(head !== undefined);
              if (head) finishHead(`answer ${head.id}`);
              break;
            case "again":
              queue.receive({ id: -(head?.id ?? 999) });
              if (head) {
                model.deadline = model.time + head.timeoutMs;
                expectedSent.push({ id: head.id, at: model.time });
              }
              break;
            case "stray":
              expect(queue.receive({ id: 1000 })).toBe(false);
              break;
            case "advance": {
              const target = model.time + o.ms;
              while (model.waiting.length > 0 && model.deadline <= target) {
                model.time = model.deadline;
                finishHead("REQUEST_TIMEOUT");
              }
              model.time = target;
              await clock.advance(o.ms);
              break;
            }
            case "abort": {
              const victim = model.waiting[o.nth];
              if (!victim) break;
              controllers.get(victim.id)!.abort();
              if (o.nth === 0) finishHead("REQUEST_CANCELLED");
              else {
                model.waiting.splice(o.nth, 1);
                expected.set(victim.id, "REQUEST_CANCELLED");
              }
              break;
            }
          }
          await flushMicrotasks();
          expect(sent).toEqual(expectedSent);
          expect(outcomes).toEqual(expected);
          expect(queue.size).toBe(model.waiting.length);
        }
        queue.close(new RequestQueueError("QUEUE_CLOSED", "closed"));
        await flushMicrotasks();
        for (const { id } of model.waiting) expected.set(id, "QUEUE_CLOSED");
        expect(outcomes).toEqual(expected);
        expect(clock.pendingTimers).toBe(0);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
