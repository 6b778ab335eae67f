/**
 * `selfcheck bridge --config FILE` as a kiosk runs it: a child process, a config file, the ACS simulator
 * (another child process) over real TCP as the ILS.
 */

import { spawn } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { cliStarter, runCli } from "./run.ts";

const start = cliStarter();

/** A temp dir with `config.json` (from `content`) and a stand-in built UI, so no vite build runs. */
async function kioskDir(content: (dir: string) => unknown): Promise<{ dir: string; file: string; ui: string }> {
  const dir = await mkdtemp(join(tmpdir(), "selfcheck-bridge-"));
  const file = join(dir, "config.json");
  await writeFile(file, JSON.stringify(content(dir), null, 2));
  const ui = join(dir, "ui");
  await mkdir(join(ui, "staff"), { recursive: true });
  await writeFile(join(ui, "index.html"), "<!doctype html><title>kiosk</title>");
  await writeFile(join(ui, "staff", "index.html"), "<!doctype html><title>staff</title>");
  return { dir, file, ui };
}

/** The first message of the kiosk socket (the hello), or a failure after 10 s. */
function hello(url: string): Promise<{ type: string; kiosk: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no hello from ${url} in 10 s`));
    }, 10_000);
    socket.once("message", (data: Buffer) => {
      clearTimeout(timer);
      socket.close();
      resolve(JSON.parse(data.toString()) as { type: string; kiosk: string });
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Child processes start slowly on a busy machine; these bounds only end a hung one. */
const CLI_TEST_MS = 120_000;

const BIN = fileURLToPath(new URL("../../bin/selfcheck.js", import.meta.url));

/** `selfcheck staff-password` with `input` piped to its stdin. */
function staffPassword(input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, "staff-password"], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`staff-password did not finish in 60 s: ${stdout} ${stderr}`));
    }, 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("selfcheck staff-password", () => {
  it(
    "prints a scrypt hash of the password read from stdin, and refuses a short one",
    async () => {
      const made = await staffPassword("long enough pass\n");
      expect(made.code).toBe(0);
      expect(made.stdout).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*\n$/);
      expect(made.stdout + made.stderr).not.toContain("long enough pass");

      const short = await staffPassword("short\n");
      expect(short.code).toBe(1);
      expect(short.stderr).toBe(
        "selfcheck: the password is 5 characters; a staff password needs at least 8. Choose a longer one.\n",
      );
    },
    CLI_TEST_MS,
  );
});

describe("selfcheck bridge --config", () => {
  it(
    "runs the kiosk against the ILS of the config: prints the kiosk and staff URLs, serves both and the API",
    async () => {
      const acs = start(["acs", "--port", "0", "--log-level", "silent"]);
      const [, acsPort] = await acs.waitFor(/SIP2 ACS simulator on tcp:\/\/127\.0\.0\.1:(\d+)/);
      const hash = (await staffPassword("front-desk-42\n")).stdout.trim();
      const { file, ui } = await kioskDir((dir) => ({
        sip2: {
          host: "127.0.0.1",
          port: Number(acsPort),
          login: { user: "kiosk-main", password: "main-secret" },
          institution: "OSC",
        },
        kiosk: { name: "Hall kiosk" },
        staff: { users: [{ name: "desk", passwordHash: hash }] },
        server: { port: 0 },
        offline: { journalPath: join(dir, "selfcheck.db") },
      }));
      const bridge = start(["bridge", "--config", file, "--ui-dir", ui, "--log-level", "warn"]);
      const [, kioskUrl] = await bridge.waitFor(/Kiosk +(http:\/\/\S+)\/\n/);
      const [, staffUrl] = await bridge.waitFor(/Staff console +(http:\/\/\S+)\n/);
      expect(staffUrl).toBe(`${kioskUrl}/staff/`);
      expect(bridge.output()).toContain('bridge "Hall kiosk" is running');

      expect(await (await fetch(`${kioskUrl}/`)).text()).toContain("<title>kiosk</title>");
      expect(await (await fetch(staffUrl as string)).text()).toContain("<title>staff</title>");
      const greeting = await hello(`${kioskUrl?.replace(/^http/, "ws")}/api/kiosk`);
      expect(greeting).toMatchObject({ type: "hello", kiosk: "Hall kiosk" });
      // The bridge logs in to the ACS by itself: the ILS turns online.
      await expect
        .poll(async () => ((await (await fetch(`${kioskUrl}/healthz`)).json()) as { ils: string }).ils, {
          timeout: 10_000,
        })
        .toBe("online");

      // The staff user of the config logs in; a wrong password does not.
      const login = (password: string) =>
        fetch(`${kioskUrl}/api/staff/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ user: "desk", password }),
        });
      expect((await login("front-desk-41")).status).toBe(401);
      expect((await login("front-desk-42")).status).toBe(200);

      const stopped = await bridge.stop();
      expect(stopped.code).toBe(0);
    },
    CLI_TEST_MS,
  );

  it("a missing config file: one line naming the file, exit 1", async () => {
    const result = await runCli(["bridge", "--config", "/no/such/kiosk.json"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^selfcheck: \/no\/such\/kiosk\.json: .*no such file.*Check the path\.\n$/i);
  });

  it("an invalid config names the key; a config without sip2 says the kiosk needs one", async () => {
    const bad = await kioskDir(() => ({ sip2: { host: "ils", port: "sip" } }));
    const invalid = await runCli(["bridge", "--config", bad.file, "--ui-dir", bad.ui]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("sip2.port: expected");

    const noIls = await kioskDir(() => ({ devices: [] }));
    const missing = await runCli(["bridge", "--config", noIls.file, "--ui-dir", noIls.ui]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${noIls.file}: sip2: missing: the kiosk needs its ILS's SIP2 server`);
  });

  it("--config is required", async () => {
    const result = await runCli(["bridge"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("required option '--config <file>' not specified");
  });
});
