/** Runs the real `selfcheck` CLI (bin/selfcheck.js) in a child process and reads what it prints. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/selfcheck.js", import.meta.url));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs to completion. */
export function runCli(args: readonly string[], timeoutMs = 30_000): Promise<Finished> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`selfcheck ${args.join(" ")} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A long-running command: wait for lines, then stop it. */
export interface RunningCli {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout (waiting for it), or rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends SIGTERM and resolves with how it ended. */
  stop(): Promise<Finished>;
}

export function startCli(args: readonly string[]): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    for (const listener of [...listeners]) listener();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const ended = new Promise<Finished>((resolve) => {
    child.on("close", (code, signal) => {
      for (const listener of [...listeners]) listener();
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    output: () => stdout,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} from selfcheck ${args.join(" ")} in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        const check = () => {
          const match = stdout.match(pattern);
          if (match) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`selfcheck ${args.join(" ")} exited (${child.exitCode}):\n${stdout}\n${stderr}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return ended;
    },
  };
}

/** A `start` for a test file: every CLI it starts is stopped after each test. */
export function cliStarter(): (args: string[]) => RunningCli {
  const running: RunningCli[] = [];
  afterEach(async () => {
    for (const cli of running.splice(0)) await cli.stop();
  });
  return (args) => {
    const cli = startCli(args);
    running.push(cli);
    return cli;
  };
}
