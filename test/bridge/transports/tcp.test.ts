import { spawn } from "node:child_process";
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createReconnectingTransport } from "../../../bridge/transports/reconnecting.ts";
import { createTcpTransport } from "../../../bridge/transports/tcp.ts";
import type { Transport } from "../../../bridge/transports/transport.ts";
import { flushIo, until } from "../../support/settle.ts";
import { allBytes, collect, nextClose, randomBytes, statusLog, waitForStatus } from "./helpers.ts";

/** A local TCP device stand-in that hands each accepted socket to the test. */
async function listen(
  port = 0,
): Promise<{ server: Server; port: number; accepted: Socket[]; next(): Promise<Socket> }> {
  const accepted: Socket[] = [];
  const waiting: Array<(s: Socket) => void> = [];
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on("error", () => undefined);
    const waiter = waiting.shift();
    if (waiter) waiter(socket);
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  let seen = 0;
  return {
    server,
    port: address.port,
    accepted,
    next() {
      const ready = accepted[seen];
      seen++;
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function stop(server: Server, sockets: Socket[]): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

function track<T extends Transport>(t: T): T {
  cleanups.push(() => t.close());
  return t;
}

/**
 * A port whose listener never accepts (python3, listen backlog 0) and whose accept queue is already
 * full, so a new connection attempt gets no answer at all.
 */
async function unansweredPort(): Promise<{ port: number }> {
  const script =
    "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()";
  const py = spawn("python3", ["-c", script], { stdio: ["pipe", "pipe", "inherit"] });
  cleanups.push(() => py.stdin.end());
  const [line] = (await once(py.stdout, "data")) as [Buffer];
  const port = Number(line.toString().trim());
  const fillers: Socket[] = [];
  // Connect until one attempt hangs: from then on the queue is full.
  for (let i = 0; i < 8; i++) {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    fillers.push(socket);
    const connected = await Promise.race([
      once(socket, "connect").then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 100)),
    ]);
    // A loopback handshake completes in the kernel at once; when this process was starved the timer can
    // win the race with the connect already waiting in the event loop, so let pending I/O run and look again.
    if (!connected) await flushIo();
    if (!connected && socket.connecting) break;
  }
  cleanups.push(() => {
    for (const f of fillers) f.destroy();
  });
  return { port };
}

/** A port nothing listens on: bind one, then let it go. */
async function freePort(): Promise<number> {
  const { server, port } = await listen();
  await stop(server, []);
  return port;
}

describe("tcp transport", () => {
  it("exchanges binary data both ways with a real server", async () => {
    const dev = await listen();
    cleanups.push(() => stop(dev.server, dev.accepted));
    const t = track(createTcpTransport({ host: "127.0.0.1", port: dev.port }));
    expect(t.description).toBe(`tcp 127.0.0.1:${dev.port}`);
    await t.open();
    expect(t.isOpen).toBe(true);
    const remote = await dev.next();
    const atClient = collect(t);
    const big = randomBytes(200_000, 7);
    const atServer: Buffer[] = [];
    remote.on("data", (c: Buffer) => atServer.push(c));
    await t.write(allBytes());
    await t.write(big);
    remote.write(allBytes());
    expect(await atClient.waitFor(256)).toEqual(allBytes());
    await until(null, () => Buffer.concat(atServer).length >= 256 + big.length, { what: "every byte at the server" });
    expect(new Uint8Array(Buffer.concat(atServer))).toEqual(Uint8Array.from([...allBytes(), ...big]));
  });

  it("refused connection → TCP_CONNECT_FAILED saying nothing is listening", async () => {
    const port = await freePort();
    const t = createTcpTransport({ host: "127.0.0.1", port });
    const err = await t.open().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "TCP_CONNECT_FAILED", details: { errno: "ECONNREFUSED", port } });
    expect((err as Error).message).toMatch(/nothing is listening/);
    expect(t.isOpen).toBe(false);
  });

  it("gives up after the connect timeout", async () => {
    // A listener that never accepts, with its accept queue filled: further SYNs go unanswered.
    const { port } = await unansweredPort();
    const t = createTcpTransport({ host: "127.0.0.1", port, connectTimeoutMs: 150 });
    const err = await t.open().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "TCP_CONNECT_FAILED", details: { errno: "ETIMEDOUT", timeoutMs: 150 } });
    expect((err as Error).message).toMatch(/no connection within 150 ms.*check the address/);
  });

  it("server closing mid-stream → close with DEVICE_DISCONNECTED, writes then rejected", async () => {
    const dev = await listen();
    cleanups.push(() => stop(dev.server, dev.accepted));
    const t = track(createTcpTransport({ host: "127.0.0.1", port: dev.port }));
    const errors: string[] = [];
    t.on("error", (e) => errors.push(e.code));
    await t.open();
    const remote = await dev.next();
    const atClient = collect(t);
    const closed = nextClose(t);
    remote.end(Uint8Array.of(0x10, 0x04, 0x01)); // last bytes, then FIN
    const info = await closed;
    expect(await atClient.waitFor(3)).toEqual(Uint8Array.of(0x10, 0x04, 0x01));
    expect(info.reason).toBe("disconnected");
    expect(info.error?.code).toBe("DEVICE_DISCONNECTED");
    expect(info.error?.message).toContain(`tcp 127.0.0.1:${dev.port}`);
    expect(errors).toEqual(["DEVICE_DISCONNECTED"]);
    await expect(t.write(Uint8Array.of(1))).rejects.toMatchObject({ code: "DEVICE_NOT_OPEN" });
  });

  it("close() ends the connection and emits close with reason requested", async () => {
    const dev = await listen();
    cleanups.push(() => stop(dev.server, dev.accepted));
    const t = createTcpTransport({ host: "127.0.0.1", port: dev.port, keepAliveMs: 0, noDelay: false });
    await t.open();
    const remote = await dev.next();
    const ended = once(remote, "end");
    const closed = nextClose(t);
    await t.close();
    expect(await closed).toEqual({ reason: "requested" });
    await ended;
  });

  it("rejects bad settings with TRANSPORT_OPTIONS_INVALID", () => {
    for (const bad of [
      { host: "", port: 9100 },
      { host: "printer", port: 0 },
      { host: "printer", port: 70000 },
      { host: "printer", port: 9100, connectTimeoutMs: 0 },
    ]) {
      expect(() => createTcpTransport(bad)).toThrow(expect.objectContaining({ code: "TRANSPORT_OPTIONS_INVALID" }));
    }
  });
});

describe("reconnecting tcp", () => {
  const backoff = { initialMs: 20, maxMs: 80, factor: 2, jitter: 0 };

  it("drop mid-stream → disconnected with the error → back open, data flows again", async () => {
    const dev = await listen();
    cleanups.push(() => stop(dev.server, dev.accepted));
    const rt = track(
      createReconnectingTransport({
        label: "receipt printer",
        factory: () => createTcpTransport({ host: "127.0.0.1", port: dev.port }),
        backoff,
      }),
    );
    const log = statusLog(rt);
    await rt.open();
    const first = await dev.next();
    const received = collect(rt);
    first.write(Uint8Array.of(1));
    await received.waitFor(1);

    const down = waitForStatus(rt, (s) => s.state === "disconnected");
    const dropped = Date.now();
    first.destroy();
    const status = await down;
    expect(status.lastError?.code).toBe("DEVICE_DISCONNECTED");
    expect(status.nextRetryAt).toBeGreaterThanOrEqual(dropped); // a retry planned after the drop
    await expect(rt.write(Uint8Array.of(9))).rejects.toMatchObject({ code: "DEVICE_DISCONNECTED" });

    await waitForStatus(rt, (s) => s.state === "open");
    const second = await dev.next();
    second.write(Uint8Array.of(2, 3));
    expect(await received.waitFor(3)).toEqual(Uint8Array.of(1, 2, 3));
    const atServer = once(second, "data");
    await rt.write(Uint8Array.of(0x1b, 0x40));
    expect([...((await atServer)[0] as Buffer)]).toEqual([0x1b, 0x40]);
    expect(log.map((s) => s.state)).toEqual([
      "connecting", // before the factory ran
      "connecting", // now naming the device
      "open",
      "disconnected",
      "connecting",
      "open",
    ]);
  });

  it("device away for a while: refused attempts back off, then it reconnects when the port listens again", async () => {
    const port = await freePort();
    const rt = track(
      createReconnectingTransport({
        label: "rfid reader",
        factory: () => createTcpTransport({ host: "127.0.0.1", port }),
        backoff,
      }),
    );
    const failures: number[] = [];
    rt.onStatus((s) => {
      if (s.state === "disconnected") {
        failures.push(s.attempt);
        expect(s.lastError?.code).toBe("TCP_CONNECT_FAILED");
      }
    });
    const opened = rt.open();
    await waitForStatus(rt, (s) => s.state === "disconnected" && s.attempt >= 3);
    const dev = await listen(port);
    cleanups.push(() => stop(dev.server, dev.accepted));
    await opened;
    expect(rt.isOpen).toBe(true);
    expect(failures.slice(0, 3)).toEqual([1, 2, 3]);
    expect(rt.description).toBe(`rfid reader (tcp 127.0.0.1:${port})`);
  });
});
