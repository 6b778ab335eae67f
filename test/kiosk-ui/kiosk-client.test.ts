import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type WebSocket as ServerSocket, WebSocket, WebSocketServer } from "ws";
import { CommandError, KioskClient, type SocketLike } from "../../kiosk-ui/src/data/kiosk-client.ts";
import type { KioskState } from "../../protocols/kiosk-api/schema.ts";
import { VirtualClock } from "../support/virtual-clock.ts";

const baseState = (rev: number, extra: Partial<KioskState> = {}): KioskState => ({
  rev,
  serverTime: 1_700_000_005_000,
  phase: "idle",
  language: "en",
  ils: { status: "online", offlineMode: false },
  devices: [],
  can: { checkout: true, checkin: true, print: true, email: true, pay: true, rfid: true },
  items: [],
  ...extra,
});

/** A bare WebSocket server on a real port standing in for the bridge's end of the conversation. */
async function bridgeEnd() {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const sockets: ServerSocket[] = [];
  const received: Record<string, unknown>[] = [];
  server.on("connection", (socket) => {
    sockets.push(socket);
    socket.on("message", (data) => received.push(JSON.parse(String(data))));
    socket.send(JSON.stringify({ type: "hello", version: 1, kiosk: "k1", languages: ["en"], defaultLanguage: "en" }));
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/kiosk`;
  const last = () => sockets.at(-1)!;
  return {
    server,
    url,
    sockets,
    received,
    send: (message: unknown) => last().send(JSON.stringify(message)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const opened: { close(): Promise<void> }[] = [];
const clients: KioskClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  for (const s of opened.splice(0)) await s.close();
});

async function connected(clock = new VirtualClock()) {
  const bridge = await bridgeEnd();
  opened.push(bridge);
  let attempts = 0;
  const client = new KioskClient({
    url: bridge.url,
    timers: clock,
    createSocket: (url) => {
      attempts++;
      return new WebSocket(url) as unknown as SocketLike;
    },
  });
  clients.push(client);
  client.start();
  await vi.waitFor(() => expect(client.status).toBe("open"));
  return { bridge, client, clock, attempts: () => attempts };
}

describe("KioskClient", () => {
  it("keeps the newest state and ignores an older rev; corrects for the bridge's clock", async () => {
    const { bridge, client, clock } = await connected();
    bridge.send({ type: "state", state: baseState(5) });
    await vi.waitFor(() => expect(client.state?.rev).toBe(5));
    bridge.send({ type: "state", state: baseState(3, { phase: "home" }) });
    bridge.send({ type: "state", state: baseState(6, { phase: "checkout" }) });
    await vi.waitFor(() => expect(client.state?.rev).toBe(6));
    expect(client.state?.phase).toBe("checkout");
    expect(client.bridgeNow() - clock.now()).toBe(5_000);
  });

  it("sends commands with ids and settles each with its reply", async () => {
    const { bridge, client } = await connected();
    const ok = client.send("addItem", { itemId: "3471100001" });
    const refused = client.send("verifyPin", { pin: "0000" });
    await vi.waitFor(() => expect(bridge.received).toHaveLength(2));
    const [first, second] = bridge.received as { id: string; type: string }[];
    expect(first).toMatchObject({ type: "addItem", itemId: "3471100001" });
    expect(first?.id).not.toBe(second?.id);
    bridge.send({ type: "reply", id: second?.id, ok: false, error: { code: "PIN_WRONG", message: "wrong" } });
    bridge.send({ type: "reply", id: first?.id, ok: true });
    await expect(ok).resolves.toBeUndefined();
    await expect(refused).rejects.toMatchObject({ code: "PIN_WRONG" });
  });

  it("passes notices on", async () => {
    const { bridge, client } = await connected();
    const notices: string[] = [];
    client.onNotice((n) => notices.push(n.code));
    bridge.send({ type: "notice", code: "ITEM_DONE", tone: "success", itemKey: "a" });
    await vi.waitFor(() => expect(notices).toEqual(["ITEM_DONE"]));
  });

  it("fails a command with no reply after the reply timeout, on the clock", async () => {
    const { client, clock } = await connected();
    const pending = client.send("finish", {});
    const settled = pending.catch((e: unknown) => e);
    await clock.advance(15_000);
    expect(await settled).toMatchObject({ code: "NO_REPLY" });
  });

  it("refuses to send while disconnected instead of queueing", async () => {
    const client = new KioskClient({ url: "ws://127.0.0.1:9/api/kiosk", timers: new VirtualClock() });
    await expect(client.send("endSession", {})).rejects.toBeInstanceOf(CommandError);
  });

  it("after a drop: fails what was pending, reconnects with backoff, and takes the restarted bridge's rev 0", async () => {
    const { bridge, client, clock, attempts } = await connected();
    bridge.send({ type: "state", state: baseState(40, { phase: "checkout" }) });
    await vi.waitFor(() => expect(client.state?.rev).toBe(40));
    const pending = client.send("finish", {}).catch((e: unknown) => e);
    await vi.waitFor(() => expect(bridge.received).toHaveLength(1));

    bridge.sockets[0]?.terminate();
    expect(await pending).toMatchObject({ code: "CONNECTION_LOST" });
    expect(client.status).toBe("connecting");
    expect(client.state?.phase).toBe("checkout"); // the last screen stays until the bridge says otherwise
    expect(attempts()).toBe(1);

    await clock.advance(499);
    expect(attempts()).toBe(1);
    await clock.advance(1);
    await vi.waitFor(() => expect(client.status).toBe("open"));
    expect(attempts()).toBe(2);
    bridge.send({ type: "state", state: baseState(0, { phase: "idle" }) });
    await vi.waitFor(() => expect(client.state?.rev).toBe(0));
  });

  it("doubles the delay between failed attempts up to the limit", async () => {
    const clock = new VirtualClock();
    const delays: number[] = [];
    let last = clock.now();
    const client = new KioskClient({
      url: "ws://unused",
      timers: clock,
      maxBackoffMs: 4_000,
      createSocket: () => {
        delays.push(clock.now() - last);
        last = clock.now();
        throw new Error("refused");
      },
    });
    clients.push(client);
    client.start();
    await clock.advance(20_000);
    expect(delays.slice(0, 7)).toEqual([0, 500, 1000, 2000, 4000, 4000, 4000]);
  });
});
