import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { createMemoryPair } from "../bridge/transports/memory.ts";
import { createReconnectingTransport } from "../bridge/transports/reconnecting.ts";
import { createSerialTransport } from "../bridge/transports/serial.ts";
import { createTcpTransport } from "../bridge/transports/tcp.ts";
import type { Transport } from "../bridge/transports/transport.ts";
import { openPtyPair } from "../test/support/pty.ts";
import { type BenchRow, type BenchSuite, quantile } from "./harness.ts";

/** Makes `end` send back whatever it receives. */
function echo(end: Transport): void {
  end.on("data", (bytes) => void end.write(bytes).catch(() => undefined));
}

/** Resolves once `length` more bytes have arrived on `t`. */
function receive(t: Transport, length: number): Promise<void> {
  return new Promise((resolve) => {
    let got = 0;
    const onData = (bytes: Uint8Array) => {
      got += bytes.length;
      if (got >= length) {
        t.off("data", onData);
        resolve();
      }
    };
    t.on("data", onData);
  });
}

/** Round trips of a reader-command-sized message through an echoing far end; milliseconds each. */
async function roundTrips(client: Transport, count: number, size = 16): Promise<number[]> {
  const message = Uint8Array.from({ length: size }, (_, i) => i);
  const samples: number[] = [];
  for (let i = 0; i < count + 20; i++) {
    const back = receive(client, size);
    const start = performance.now();
    await client.write(message);
    await back;
    if (i >= 20) samples.push(performance.now() - start); // the first 20 warm up
  }
  return samples;
}

/** One-way bulk transfer of `total` bytes in 4 KiB writes; MB/s. */
async function throughput(from: Transport, to: Transport, total: number): Promise<number> {
  const chunk = new Uint8Array(4096).fill(0x55);
  const arrived = receive(to, total);
  const start = performance.now();
  for (let sent = 0; sent < total; sent += chunk.length) await from.write(chunk);
  await arrived;
  return total / 1e6 / ((performance.now() - start) / 1000);
}

function latencyRows(label: string, samples: number[], note: string): BenchRow[] {
  return [
    { name: `${label} round trip p50`, value: quantile(samples, 0.5), unit: "ms", note },
    { name: `${label} round trip p99`, value: quantile(samples, 0.99), unit: "ms", note },
  ];
}

async function memoryRows(): Promise<BenchRow[]> {
  const [client, far] = createMemoryPair();
  await client.open();
  await far.open();
  echo(far);
  const samples = await roundTrips(client, 2000);
  far.removeAllListeners("data");
  const mbps = await throughput(client, far, 64 * 1024 * 1024);
  return [
    ...latencyRows("memory pair", samples, "16-byte message, echoed"),
    { name: "memory pair throughput", value: mbps, unit: "MB/s", note: "4 KiB writes" },
  ];
}

async function tcpRows(): Promise<BenchRow[]> {
  const sockets: Socket[] = [];
  let mode: "echo" | "sink" = "echo";
  const server = createServer((s) => {
    sockets.push(s);
    s.on("error", () => undefined);
    s.on("data", (d) => {
      if (mode === "echo") s.write(d);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  const client = createTcpTransport({ host: "127.0.0.1", port });
  await client.open();
  const samples = await roundTrips(client, 2000);

  // Bulk: the server writes to the client.
  mode = "sink";
  const total = 64 * 1024 * 1024;
  const arrived = receive(client, total);
  const start = performance.now();
  const block = Buffer.alloc(64 * 1024, 0x55);
  const serverSide = sockets[0]!;
  for (let sent = 0; sent < total; sent += block.length) {
    if (!serverSide.write(block)) await once(serverSide, "drain");
  }
  await arrived;
  const mbps = total / 1e6 / ((performance.now() - start) / 1000);
  await client.close();

  // Recovery: the device drops the connection; time until the reconnecting transport is open again.
  const recovery: number[] = [];
  const rt = createReconnectingTransport({
    label: "bench",
    factory: () => createTcpTransport({ host: "127.0.0.1", port }),
    backoff: { initialMs: 0, maxMs: 0, factor: 1, jitter: 0 },
  });
  await rt.open();
  for (let i = 0; i < 50; i++) {
    // Not events.once(): it rejects on the `error` event that every drop also reports.
    const reopened = new Promise((resolve) => rt.once("open", () => resolve(undefined)));
    const start = performance.now();
    sockets.at(-1)?.destroy();
    await reopened;
    recovery.push(performance.now() - start);
  }
  await rt.close();
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  return [
    ...latencyRows("tcp loopback", samples, "16-byte message, echoed"),
    { name: "tcp loopback throughput", value: mbps, unit: "MB/s", note: "device → bridge" },
    {
      name: "tcp drop → open again p50",
      value: quantile(recovery, 0.5),
      unit: "ms",
      note: "reconnecting, zero backoff",
    },
  ];
}

async function serialRows(): Promise<BenchRow[]> {
  const pty = await openPtyPair();
  const client = createSerialTransport({ path: pty.a, baudRate: 19200 });
  const far = createSerialTransport({ path: pty.b, baudRate: 19200 });
  await client.open();
  await far.open();
  echo(far);
  const samples = await roundTrips(client, 500);
  await client.close();
  await far.close();
  await pty.close();
  return latencyRows("serialport over pty", samples, "16 bytes, python relay; pty ignores the baud rate");
}

const suite: BenchSuite = {
  name: "transports",
  async run(): Promise<BenchRow[]> {
    return [...(await memoryRows()), ...(await tcpRows()), ...(await serialRows())];
  },
};

export default suite;
