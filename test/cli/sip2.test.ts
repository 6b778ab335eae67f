import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AcsServer } from "../../simulators/acs/server.ts";
import { item, patron, startAcs } from "../bridge/sip2/helpers.ts";
import { replayAcs } from "../bridge/sip2/replay.ts";
import { runCli } from "./run.ts";

const PIN = patron("pin-required").password!; // "2468"
const PASSWORD = "main-secret";
let server: AcsServer;
let port: number;
let dir: string;

beforeAll(async () => {
  ({ server, port } = await startAcs());
  dir = await mkdtemp(join(tmpdir(), "selfcheck-sip2-"));
});
afterAll(() => server.stop());

const connection = (to = port) => [
  "--host",
  "127.0.0.1",
  "--port",
  String(to),
  "--user",
  "kiosk-main",
  "--password",
  PASSWORD,
];
const sip2 = (...args: string[]) => runCli(["sip2", ...args, ...connection()]);
/** Checksums are hex digits that could spell anything; they are not where a secret would leak. */
const withoutChecksums = (text: string) => text.replace(/AZ[0-9A-Fa-f]{4}/g, "AZ....");

// Each test spawns the real CLI once or twice; on a busy machine a spawn alone can take seconds.
describe("selfcheck sip2", { timeout: 120_000 }, () => {
  it("check: connects, logs in and says what the ACS supports (exit 0)", async () => {
    const run = await sip2("check");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/online/);
    expect(run.stdout).toMatch(/institution OSC/);
    expect(run.stdout).toMatch(/supports: .*checkout/);
  });

  it("never prints the PIN or the password, with -v, --json or --record", async () => {
    const record = join(dir, "transcript.jsonl");
    const verbose = await sip2("patron", patron("pin-required").barcode, "--pin", PIN, "-v");
    const json = await sip2("patron", patron("pin-required").barcode, "--pin", PIN, "--json", "--record", record);
    expect(verbose.code).toBe(0);
    expect(verbose.stdout).toMatch(/PIN correct/);
    expect(verbose.stdout).toMatch(/AD patronPassword: "\*\*\*\*"/);
    const transcript = await readFile(record, "utf8");
    for (const text of [verbose.stdout, verbose.stderr, json.stdout, json.stderr, transcript]) {
      expect(withoutChecksums(text)).not.toContain(PIN);
      expect(text).not.toContain(PASSWORD);
    }
    const lines = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => "exchange" in l)).toHaveLength(6);
    expect(lines.at(-1)).toMatchObject({ exit: 0, result: { valid: true, passwordValid: true } });
    expect(transcript.trim().split("\n")).toHaveLength(6);
  });

  it("checkout, item, renew, checkin: one transaction each, with its result (as a script)", async () => {
    const anna = patron("valid").barcode;
    const book = item("available-second-copy").barcode;
    const file = join(dir, "loan.txt");
    await writeFile(
      file,
      [`checkout ${anna} ${book}`, `item ${book}`, `renew ${anna} ${book}`, `checkin ${book}`].join("\n"),
    );
    const run = await sip2("script", file);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`checkout ${book}: ok`));
    expect(run.stdout).toMatch(/due: \d{8}/);
    expect(run.stdout).toMatch(new RegExp(`item ${book}: charged`));
    expect(run.stdout).toMatch(new RegExp(`renew ${book}: ok`));
    expect(run.stdout).toMatch(/alert: sort-bin/);
  });

  it("--record writes a transcript that replays as the ACS: the same requests, the same results", async () => {
    const anna = patron("valid").barcode;
    const book = item("available").barcode;
    const script = join(dir, "replayed.txt");
    const lines = [`patron ${patron("pin-required").barcode} --pin ${PIN}`, `checkout ${anna} ${book}`, `item ${book}`];
    await writeFile(script, [...lines, `checkin ${book}`].join("\n"));
    const record = join(dir, "replayed.jsonl");
    const live = await sip2("script", script, "--json", "--record", record);
    expect(live.code).toBe(0);

    const results = (stdout: string) =>
      stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { result?: Record<string, unknown> })
        .filter((l) => l.result)
        .map((l) => JSON.stringify({ ...l.result, tx: undefined }));
    const acs = await replayAcs(record);
    try {
      const replayed = await runCli(["sip2", "script", script, "--json", ...connection(acs.port)]);
      expect(acs.divergences).toEqual([]);
      expect(acs.finished()).toBe(true);
      expect(replayed.code).toBe(0);
      expect(results(replayed.stdout)).toEqual(results(live.stdout));
    } finally {
      await acs.close();
    }

    // A client that asks for something else is caught at the first request that differs.
    const other = join(dir, "other.txt");
    await writeFile(other, [...lines, `checkin ${item("lost").barcode}`].join("\n"));
    const strict = await replayAcs(record);
    try {
      const diverged = await runCli(["sip2", "script", other, ...connection(strict.port)]);
      expect(diverged.code).toBe(2);
      expect(strict.divergences).toHaveLength(1);
      expect(strict.divergences[0]).toMatch(/^exchange \d+: expected .*"checkin"/);
      expect(strict.finished()).toBe(false);
    } finally {
      await strict.close();
    }
  });

  it("exit 1 when the ILS refuses: a refused checkout, an unknown patron, a wrong login", async () => {
    const file = join(dir, "refused.txt");
    await writeFile(
      file,
      [`checkout ${patron("blocked").barcode} ${item("available").barcode}`, "patron NO-SUCH-PATRON"].join("\n"),
    );
    const refused = await sip2("script", file);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/REFUSED/);
    expect(refused.stdout).toMatch(/NOT VALID/);
    const login = await runCli([
      "sip2",
      "check",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--user",
      "kiosk-main",
      "--password",
      "wrong",
    ]);
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/login refused.*SIP configuration/);
  });

  it("exit 2 when nothing answers at the address", async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const run = await runCli(["sip2", "check", "--host", "127.0.0.1", "--port", String(deadPort), "--user", "u"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot connect/);
  });

  it("exit 64 for bad usage", async () => {
    expect((await runCli(["sip2", "checkout", "only-one-arg"])).code).toBe(64);
    expect((await sip2("check", "--profile", "nope")).code).toBe(64);
  });

  it("raw sends a message as typed, numbered and checksummed", async () => {
    const run = await sip2("raw", `1720261201    120000AOOSC|AB${item("lost").barcode}|AC|`, "-v");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/>> 17.*AY2AZ[0-9A-F]{4}/);
    expect(run.stdout).toMatch(/circulationStatus: "12"/);
  });

  it("script runs one command per line and exits with the worst result", async () => {
    const file = join(dir, "script.txt");
    await writeFile(
      file,
      [
        "# an integrator's smoke test",
        `patron ${patron("pin-required").barcode} --pin ${PIN}`,
        `item ${item("lost").barcode}`,
        `checkout ${patron("blocked").barcode} ${item("available").barcode}`,
      ].join("\n"),
    );
    const run = await sip2("script", file);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/PIN correct/);
    expect(run.stdout).toMatch(/lost/);
    expect(run.stdout).toMatch(/REFUSED/);
    expect(withoutChecksums(run.stdout)).not.toContain(PIN);
  });
});
