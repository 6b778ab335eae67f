/**
 * A TCP proxy for SIP2 that notes when each message passes, for measuring what the bridge adds between its
 * WebSocket and its SIP2 connections. It accepts connections at once and holds their bytes until it is told
 * where the ACS is (the ACS starts in the same process as the bridge).
 */
import net from "node:net";

export interface PassedMessage {
  /** "up": bridge → ACS; "down": ACS → bridge. */
  direction: "up" | "down";
  /** The SIP2 command code (first two characters). */
  code: string;
  at: number;
}

export interface Sip2Proxy {
  port: number;
  readonly passed: PassedMessage[];
  setUpstream(host: string, port: number): void;
  close(): Promise<void>;
}

export async function startSip2Proxy(now: () => number): Promise<Sip2Proxy> {
  const passed: PassedMessage[] = [];
  let upstream: { host: string; port: number } | undefined;
  const waiting: Array<() => void> = [];
  const sockets = new Set<net.Socket>();
  /** Notes every CR-terminated message in a chunk (a message split across chunks is noted when it ends). */
  const noter = (direction: PassedMessage["direction"]) => {
    let head = "";
    return (chunk: Buffer) => {
      const at = now();
      const text = head + chunk.toString("latin1");
      const messages = text.split("\r");
      head = messages.pop() ?? "";
      for (const m of messages) passed.push({ direction, code: m.slice(0, 2), at });
    };
  };
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    sockets.add(client);
    client.pause();
    const connect = () => {
      if (!upstream || client.destroyed) return;
      const ils = net.connect(upstream.port, upstream.host);
      ils.setNoDelay(true);
      sockets.add(ils);
      const up = noter("up");
      const down = noter("down");
      client.on("data", (chunk: Buffer) => {
        up(chunk);
        ils.write(chunk);
      });
      ils.on("data", (chunk: Buffer) => {
        down(chunk);
        client.write(chunk);
      });
      const end = () => {
        client.destroy();
        ils.destroy();
      };
      for (const s of [client, ils]) s.on("close", end).on("error", end);
      client.resume();
    };
    if (upstream) connect();
    else waiting.push(connect);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    passed,
    setUpstream(host, port) {
      upstream = { host, port };
      for (const connect of waiting.splice(0)) connect();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
