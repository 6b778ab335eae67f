/**
 * The order in which the kiosk UI gets the engine's messages, over the real server and a real WebSocket
 * (no browser). The UI reads a notice against the last state it has (an item's title, the PIN tries left)
 * and a command's reply as "the state now shows what I asked for". State goes out once per turn (engine.ts
 * #changed), so the engine must flush a waiting state before a notice and hold a reply until the state the
 * command changed has gone out (#notice, #stateSent; commit 4d3dfdf, after CI saw "Done." for "Done: Title"
 * and a wrong-PIN screen that did not update). Each case checks every notice and reply it gets against the
 * last state before it on the wire.
 */
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { KioskEngine } from "../../../bridge/kiosk/engine.ts";
import { type RunningServer, startServer } from "../../../bridge/server/server.ts";
import type { KioskState, ServerMessage } from "../../../protocols/kiosk-api/schema.ts";
import { until as settleUntil } from "../../support/settle.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { capturedLogger } from "../devices/scanner/helpers.ts";
import { PATRON, PIN, ScriptedIls } from "../kiosk/engine-helpers.ts";

const BOOK = "31000000000001";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The server with an engine whose ILS answers when the test says, and a socket that keeps every message. */
async function start() {
  const log = capturedLogger("info");
  const ils = new ScriptedIls();
  const engine = new KioskEngine({
    settings: { pinRequired: true, pinAttempts: 3 },
    ports: { ils },
    clock: new VirtualClock(),
    logger: log.logger,
  });
  server = await startServer({ host: "127.0.0.1", port: 0, endpoint: engine, logger: log.logger });
  const socket = new WebSocket(`${server.url.replace("http", "ws")}/api/kiosk`);
  const wire: ServerMessage[] = [];
  socket.on("message", (data) => {
    wire.push(JSON.parse(data.toString()) as ServerMessage);
  });
  /** Waits (10 s at most, a hang guard) until a message matches; a failure lists what came. */
  const until = (what: string, match: (m: ServerMessage) => boolean): Promise<void> =>
    settleUntil(null, () => wire.some(match), {
      what,
      limitMs: 10_000,
      diagnostics: () => `the wire had ${JSON.stringify(wire.map(summary))}`,
    });
  let n = 0;
  /** Sends a command and waits for its reply. */
  const send = async (command: Record<string, unknown>): Promise<string> => {
    const id = `c${++n}`;
    socket.send(JSON.stringify({ ...command, id }));
    await until(`reply ${id}`, (m) => m.type === "reply" && m.id === id);
    return id;
  };
  await until("the first state", (m) => m.type === "state");
  return { ils, socket, wire, send, until };
}

/** A message in a line, for failure output. */
function summary(m: ServerMessage): string {
  if (m.type === "state") return `state(${m.state.phase}, items ${m.state.items.map((r) => r.status).join("/")})`;
  if (m.type === "notice") return `notice(${m.code})`;
  if (m.type === "reply") return `reply(${m.id}, ${m.ok})`;
  return m.type;
}

/** The state the UI has when message `index` arrives: the last one before it on the wire. */
function stateBefore(wire: readonly ServerMessage[], index: number): KioskState | undefined {
  for (let i = index - 1; i >= 0; i--) {
    const m = wire[i];
    if (m?.type === "state") return m.state;
  }
  return undefined;
}

/** The wire's messages of one kind, each with the state the UI had when it came. */
function withState<T extends ServerMessage["type"]>(wire: readonly ServerMessage[], type: T) {
  return wire.flatMap((m, i) =>
    m.type === type ? [{ message: m as Extract<ServerMessage, { type: T }>, state: stateBefore(wire, i) }] : [],
  );
}

describe("the engine's message order on the wire", () => {
  it("replies to identify after the state that shows the PIN screen", async () => {
    const k = await start();
    const id = await k.send({ type: "identify", credential: PATRON });
    const [reply] = withState(k.wire, "reply").filter((r) => r.message.id === id);
    expect(reply?.state?.phase).toBe("pin");
  });

  it("a wrong PIN: the notice says the tries left that the state before it shows, and the reply comes after both", async () => {
    const k = await start();
    await k.send({ type: "identify", credential: PATRON });
    const id = await k.send({ type: "verifyPin", pin: "0000" });
    const notices = withState(k.wire, "notice").filter((n) => n.message.code === "PIN_WRONG");
    expect(notices.map((n) => [n.message.count, n.state?.phase, n.state?.pin?.attemptsLeft])).toEqual([[2, "pin", 2]]);
    const at = (m: ServerMessage) => k.wire.indexOf(m);
    const [reply] = withState(k.wire, "reply").filter((r) => r.message.id === id);
    expect(reply?.state?.pin?.attemptsLeft).toBe(2);
    expect(at(reply?.message as ServerMessage)).toBeGreaterThan(at(notices[0]?.message as ServerMessage));
    // The right PIN then: the welcome and the reply come after the state that shows the account.
    const ok = await k.send({ type: "verifyPin", pin: PIN });
    const [answer] = withState(k.wire, "reply").filter((r) => r.message.id === ok);
    expect(answer?.state?.phase).toBe("home");
    const [welcome] = withState(k.wire, "notice").filter((n) => n.message.code === "PATRON_WELCOME");
    expect(welcome?.state?.phase).toBe("home");
  });

  it("a checkout: the reply after the state that has the item, and 'done' after the state with its title", async () => {
    const k = await start();
    await k.send({ type: "identify", credential: PATRON });
    await k.send({ type: "verifyPin", pin: PIN });
    await k.send({ type: "show", screen: "checkout" });
    const id = await k.send({ type: "addItem", itemId: BOOK });
    const [reply] = withState(k.wire, "reply").filter((r) => r.message.id === id);
    expect(reply?.state?.items.map((r) => r.itemId)).toEqual([BOOK]);
    // The ILS answers in a turn of its own, as over SIP2: the title and the notice come together.
    expect(k.ils.calls.map((c) => c.itemId)).toEqual([BOOK]);
    k.ils.calls[0]?.resolve({ ok: true, title: `Title of ${BOOK}`, dueDate: "2026-12-29T00:00:00.000Z" });
    await k.until("the item's notice", (m) => m.type === "notice" && m.code === "ITEM_DONE");
    const [done] = withState(k.wire, "notice").filter((n) => n.message.code === "ITEM_DONE");
    const row = done?.state?.items.find((r) => r.key === done.message.itemKey);
    expect(row).toMatchObject({ itemId: BOOK, status: "done", title: `Title of ${BOOK}` });
  });
});
