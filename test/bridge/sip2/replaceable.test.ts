/**
 * The SIP2 service across a config change: a request already sent finishes on the client it started on, the
 * next one goes to the new client, and the old client is closed only once nothing of it is in flight.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { Sip2Client } from "../../../bridge/sip2/index.ts";
import { ReplaceableSip2 } from "../../../bridge/sip2/replaceable.ts";

/** A client whose checkouts wait until the test answers them. */
class HeldClient extends EventEmitter {
  state: "online" | "down" = "online";
  closed = false;
  readonly held: Array<{ itemId: string; answer: () => void }> = [];
  supports() {
    return true;
  }
  checkout(request: { itemId: string }) {
    return new Promise((resolve) => {
      this.held.push({ itemId: request.itemId, answer: () => resolve({ ok: true, itemId: request.itemId }) });
    });
  }
  async close() {
    this.closed = true;
  }
}

const client = () => new HeldClient() as HeldClient & Sip2Client;

describe("ReplaceableSip2", () => {
  it("lets a request in flight finish on the old client, sends the next to the new one, then closes the old", async () => {
    const old = client();
    const next = client();
    const sip2 = new ReplaceableSip2(old);
    const first = sip2.checkout({ patronId: "p", itemId: "A" });
    const retired = sip2.replace(next);
    const second = sip2.checkout({ patronId: "p", itemId: "B" });
    expect(old.held.map((h) => h.itemId)).toEqual(["A"]);
    expect(next.held.map((h) => h.itemId)).toEqual(["B"]);
    await Promise.resolve();
    expect(old.closed).toBe(false); // A is still waiting for its answer

    old.held[0]?.answer();
    await expect(first).resolves.toMatchObject({ itemId: "A" });
    await retired;
    expect(old.closed).toBe(true);
    expect(next.closed).toBe(false);
    next.held[0]?.answer();
    await expect(second).resolves.toMatchObject({ itemId: "B" });
  });

  it("closes an idle old client at once, and reports the new client's state from then on", async () => {
    const old = client();
    const next = client();
    next.state = "down";
    const sip2 = new ReplaceableSip2(old);
    const states: string[] = [];
    sip2.on("state", (s) => states.push(s));
    await sip2.replace(next);
    expect(old.closed).toBe(true);
    expect(sip2.state).toBe("down");
    expect(states).toEqual(["down"]);
    old.emit("state", "online"); // the old client is no longer listened to
    next.emit("state", "online");
    expect(states).toEqual(["down", "online"]);
  });
});
