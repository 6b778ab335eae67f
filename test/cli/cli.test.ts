import { mkdtemp, readFile, readlink, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "selfsigned";
import { describe, expect, it } from "vitest";
import { TestSipClient } from "../support/sip2-client.ts";
import { cliStarter, runCli } from "./run.ts";

const EXAMPLE = fileURLToPath(new URL("../../config/simulated.json", import.meta.url));

interface SimulatedExample {
  devices: Array<{ id: string; model: string; transport: Record<string, unknown> }>;
  simulators: Array<{ id: string; expose: Record<string, unknown> }>;
}

/** The example with its PTY links in `dir` and its TCP simulators on `port`. */
function relocate(example: SimulatedExample, dir: string, port: number): SimulatedExample {
  const moved = (path: unknown) => join(dir, String(path).split("/").at(-1) ?? "link");
  return {
    ...example,
    devices: example.devices.map((d) => ({
      ...d,
      transport:
        d.transport.type === "serial" ? { ...d.transport, path: moved(d.transport.path) } : { ...d.transport, port },
    })),
    simulators: example.simulators.map((s) => ({
      ...s,
      expose: s.expose.type === "pty" ? { ...s.expose, link: moved(s.expose.link) } : { ...s.expose, port },
    })),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const start = cliStarter();

async function tempConfig(content: (dir: string) => unknown): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), "selfcheck-cli-"));
  const file = join(dir, "config.json");
  await writeFile(file, JSON.stringify(content(dir), null, 2));
  return { dir, file };
}

describe("selfcheck devices", () => {
  it("lists serial ports and HID devices and exits 0, saying why HID listing is unavailable", async () => {
    const text = await runCli(["devices"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Serial ports:\n/);
    expect(text.stdout).toMatch(/\nHID devices:\n {2}(HID listing unavailable: .*libusb|none found|[0-9a-f]{4}:)/);

    const json = await runCli(["devices", "--json"]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { serialPorts: unknown[]; hid: { devices: unknown[]; error?: string } };
    expect(Array.isArray(parsed.serialPorts)).toBe(true);
    expect(Array.isArray(parsed.hid.devices)).toBe(true);
    expect(parsed).not.toHaveProperty("configured");
  });

  it("reports a broken config with the key path and exits 1", async () => {
    const { file } = await tempConfig(() => ({
      devices: [
        {
          id: "scanner",
          kind: "scanner",
          model: "serial-line",
          transport: { type: "serial", path: "/dev/x", baudRate: "fast" },
        },
      ],
    }));
    const result = await runCli(["devices", "--config", file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'devices[0].transport.baudRate: expected a whole number from 50 to 4000000, got "fast"',
    );
  });
});

describe("selfcheck sim", () => {
  it("runs config/simulated.json: prints where each simulator is and the control API; devices --config finds them ok", async () => {
    // The example, moved to a temporary directory and a free printer port so tests never collide.
    const example = JSON.parse(await readFile(EXAMPLE, "utf8")) as SimulatedExample;
    const printerPort = await freePort();
    const { dir, file } = await tempConfig((d) => relocate(example, d, printerPort));
    const sim = start(["sim", "--config", file, "--control-port", "0"]);
    const [, url] = await sim.waitFor(/Control API: (http:\/\/127\.0\.0\.1:\d+)/);
    expect(sim.output()).toMatch(
      new RegExp(`scanner +scanner serial-line +pty \\S+/osc-pty-\\w+/a \\(link ${join(dir, "scanner")}\\)`),
    );
    expect(sim.output()).toMatch(new RegExp(`printer +printer escpos +tcp 127\\.0\\.0\\.1:${printerPort}`));

    const sims = (await (await fetch(`${url}/sims`)).json()) as Array<{ id: string; model: string }>;
    expect(sims.map((s) => s.id)).toEqual(example.simulators.map((s) => s.id));
    const scan = await fetch(`${url}/sims/scanner/scan`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: "34711000000010" }),
    });
    expect(scan.status).toBe(200);
    const bad = await fetch(`${url}/sims/scanner/juggle`, { method: "POST" });
    expect(bad.status).toBe(404);

    // A serial-line scanner says nothing until it scans, so this run cannot verify it: not ok, exit 2.
    const devices = await runCli(["devices", "--config", file, "--json", "--wait", "3000"]);
    expect(devices.code).toBe(2);
    const { configured } = JSON.parse(devices.stdout) as {
      configured: Array<{ id: string; health: { state: string; lastError?: { code: string } } }>;
    };
    expect(Object.fromEntries(configured.map((d) => [d.id, d.health.state]))).toEqual(
      Object.fromEntries(example.devices.map((d) => [d.id, d.model === "serial-line" ? "unverified" : "ok"])),
    );

    const stopped = await sim.stop();
    expect(stopped.code).toBe(0);
  });

  it("a second sim on the same config fails on its port and leaves the first one's device links alone", async () => {
    const example = JSON.parse(await readFile(EXAMPLE, "utf8")) as SimulatedExample;
    const printerPort = await freePort();
    const { dir, file } = await tempConfig((d) => relocate(example, d, printerPort));
    const controlPort = await freePort();
    const first = start(["sim", "--config", file, "--control-port", String(controlPort)]);
    await first.waitFor(/Control API: /);
    const links = example.simulators.filter((s) => s.expose.type === "pty").map((s) => join(dir, s.id));
    const targets = await Promise.all(links.map((link) => readlink(link)));

    const samePort = await runCli(["sim", "--config", file, "--control-port", String(controlPort)]);
    expect(samePort.code).toBe(1);
    expect(samePort.stderr).toMatch(new RegExp(`^selfcheck: --control-port ${controlPort}: .* is already in use`));
    expect(await Promise.all(links.map((link) => readlink(link)))).toEqual(targets);

    // On another control port it gets as far as the first link, which leads to a live PTY: refused, kept.
    const otherPort = await runCli(["sim", "--config", file, "--control-port", "0"]);
    expect(otherPort.code).toBe(1);
    expect(otherPort.stderr).toContain(`${links[0]} already leads to ${targets[0]}, a PTY in use`);
    expect(await Promise.all(links.map((link) => readlink(link)))).toEqual(targets);
    for (const target of targets) expect((await stat(target)).isCharacterDevice()).toBe(true);

    expect((await first.stop()).code).toBe(0);
  }, 180_000); // three CLI processes one after the other: generous on a busy machine

  it("devices --help says --wait is the longest it waits", async () => {
    const help = await runCli(["devices", "--help"]);
    expect(help.stdout).toMatch(/--wait <ms> +the longest to wait for configured devices to come up/);
  });

  it("devices --config shows a device that is not there as disconnected with the reason, and exits 2", async () => {
    const { file } = await tempConfig((d) => ({
      devices: [
        {
          id: "absent",
          kind: "scanner",
          model: "serial-line",
          transport: { type: "serial", path: join(d, "nothing") },
        },
      ],
    }));
    const devices = await runCli(["devices", "--config", file, "--wait", "300"]);
    expect(devices.code).toBe(2);
    expect(devices.stderr).toContain("1 of 1 configured devices not ok: absent (disconnected)");
    expect(devices.stdout).toMatch(/absent +scanner serial-line +disconnected .*DEVICE_NOT_FOUND/);
  });
  it("refuses a config without simulators and a HID simulator it cannot expose", async () => {
    const empty = await tempConfig(() => ({ devices: [] }));
    const none = await runCli(["sim", "--config", empty.file]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('has no "simulators" section');

    const hid = await tempConfig(() => ({
      simulators: [{ id: "s", kind: "scanner", model: "hid-pos", expose: { type: "pty" } }],
    }));
    const refused = await runCli(["sim", "--config", hid.file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("simulators[0].expose.type: the hid-pos simulator is a HID device");
  });
});

describe("command-line mistakes are CodedErrors naming the option and what to do", () => {
  function holdPort(): Promise<{ port: number; close: () => Promise<void> }> {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo;
        resolve({ port, close: () => new Promise((done) => server.close(() => done())) });
      });
    });
  }

  it("acs on a taken port: one line naming --port, no stack trace or log line", async () => {
    const held = await holdPort();
    try {
      const result = await runCli(["acs", "--port", String(held.port)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `selfcheck: --port ${held.port}: 127.0.0.1:${held.port} is already in use by another program (another selfcheck?). Stop it, or choose another port (0 picks a free one).\n`,
      );
      expect(result.stdout).toBe("");
    } finally {
      await held.close();
    }
  });

  it("start with a taken control port names --control-port", async () => {
    const held = await holdPort();
    try {
      const result = await runCli(["start", "--port", "0", "--control-port", String(held.port)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`^selfcheck: --control-port ${held.port}: 127\\.0\\.0\\.1:${held.port} is already in use`),
      );
      expect(result.stderr).not.toMatch(/\n {4}at /);
    } finally {
      await held.close();
    }
  });

  it.each([
    [
      ["acs", "--host", "no-such-host.invalid", "--port", "0"],
      /^selfcheck: --host no-such-host\.invalid: no such host name/,
    ],
    [
      ["acs", "--log-level", "verbose"],
      /^selfcheck: --log-level: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"\.\n$/,
    ],
    [
      ["acs", "--port", "http"],
      /^selfcheck: --port: expected a TCP port from 0 to 65535 \(0 picks a free one\), got "http"\.\n$/,
    ],
    [
      ["acs", "--port", "0", "--tls-cert", "/no/such/cert.pem", "--tls-key", "/no/such/key.pem"],
      /^selfcheck: --tls-cert \/no\/such\/cert\.pem: cannot read it \(no such file\)\. Check the path\.\n$/,
    ],
    [
      ["acs", "--port", "0", "--tls-key", "/no/such/key.pem"],
      /^selfcheck: --tls-key: --tls-cert and --tls-key go together/,
    ],
    [["acs", "--port", "0", "--fault", "wobble"], /^selfcheck: --fault: unknown fault "wobble"; use one of: latency/],
    [["devices", "--wait", "soon"], /^selfcheck: --wait: expected milliseconds from 0 to 600000, got "soon"\.\n$/],
  ])("%j", async (args, expected) => {
    const result = await runCli(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr).not.toMatch(/\n {4}at |"level":/);
  });

  it("a TLS key that is not a key names --tls-key and its file, not only OpenSSL's code", async () => {
    const dir = await mkdtemp(join(tmpdir(), "selfcheck-tls-"));
    const pems = await generate([{ name: "commonName", value: "localhost" }], {
      keySize: 2048,
    } as Parameters<typeof generate>[1]);
    await writeFile(join(dir, "cert.pem"), pems.cert);
    await writeFile(join(dir, "key.pem"), "this is not a key\n");
    await writeFile(join(dir, "good-key.pem"), pems.private);
    const bad = await runCli([
      "acs",
      "--port",
      "0",
      "--tls-cert",
      join(dir, "cert.pem"),
      "--tls-key",
      join(dir, "key.pem"),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      new RegExp(
        `^selfcheck: --tls-key: ${join(dir, "key.pem")} is not a PEM private key \\(a file starting -----BEGIN PRIVATE KEY-----\\); OpenSSL says: error:`,
      ),
    );
    const swapped = await runCli([
      "acs",
      "--port",
      "0",
      "--tls-cert",
      join(dir, "good-key.pem"),
      "--tls-key",
      join(dir, "good-key.pem"),
    ]);
    expect(swapped.stderr).toMatch(
      new RegExp(`^selfcheck: --tls-cert: ${join(dir, "good-key.pem")} is not a PEM certificate`),
    );
  });
});

describe("selfcheck acs", () => {
  it("prints its address and answers SIP2 there", async () => {
    const acs = start(["acs", "--port", "0"]);
    const [, port] = await acs.waitFor(/SIP2 ACS simulator on tcp:\/\/127\.0\.0\.1:(\d+)/);
    const client = await TestSipClient.connect(Number(port));
    try {
      expect(await client.login()).toBe(true);
    } finally {
      client.close();
    }
  });

  it("writes its log in blocks, yet shows a lone line without waiting for more, and flushes when stopped", async () => {
    const acs = start(["acs", "--port", "0"]);
    const [, port] = await acs.waitFor(/SIP2 ACS simulator on tcp:\/\/127\.0\.0\.1:(\d+)/);
    const client = await TestSipClient.connect(Number(port));
    try {
      expect(await client.login()).toBe(true);
      // One line is far less than a block: only the periodic flush writes it while the ACS runs.
      await acs.waitFor(/"request":"login","response":"loginResponse","ok":true,"msg":"answered"/, 10_000);
    } finally {
      client.close();
    }
    await acs.waitFor(/"msg":"SC disconnected"/, 10_000);
    const stopped = await acs.stop();
    expect(stopped.code).toBe(0); // SIGTERM ends it cleanly (exit writes what is still buffered)
  });
});

describe("selfcheck start", () => {
  it("starts the whole stack and prints the addresses and device health", async () => {
    const stack = start(["start", "--port", "0", "--control-port", "0"]);
    await stack.waitFor(/Press Ctrl\+C to stop\./);
    const out = stack.output();
    const port = out.match(/SIP2 ACS simulator +tcp:\/\/127\.0\.0\.1:(\d+)/)?.[1];
    const url = out.match(/Simulator control +(http:\/\/127\.0\.0\.1:\d+)/)?.[1];
    expect(port).toBeDefined();
    expect(url).toBeDefined();
    expect(out).toMatch(/\n {2}scanner +scanner hid-pos +ok /);
    const sims = (await (await fetch(`${url}/sims`)).json()) as Array<{ id: string }>;
    expect(sims.map((s) => s.id)).toContain("scanner");

    // What the devices see is shown, patron cards without their number.
    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    await post("/sims/scanner/scan", { code: "24711000000012" });
    await stack.waitFor(/scanner: scanned a patron card/);
    await post("/sims/scanner/scan", { code: "9780140449136" });
    await stack.waitFor(/scanner: scanned an ISBN/);
    await post("/sims/rfid-pad/placeTags", { tags: [{ itemId: "34711000000010" }] });
    await stack.waitFor(/rfid-pad: 1 tag\(s\) placed, 0 lifted, 1 on the pad/);
    // The barcode appears in the "Try it" hint printed before; never in what the scanner events print.
    expect(stack.output().split("scanner: scanned")[1]).not.toContain("24711000000012");
    const stopped = await stack.stop();
    expect(stopped.code).toBe(0);
  });
});
