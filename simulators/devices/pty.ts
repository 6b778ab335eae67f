/**
 * A virtual null-modem cable made of two pseudo-terminals (see ptypair.py), so the real `serialport`
 * package can be driven without hardware: open `a` with the driver and `b` with the simulator. Used by
 * `selfcheck sim`, the stack and the tests. Needs python3 (the pty module), like socat would.
 *
 * Each end has a stable path, a symlink in a private directory that exists only while that end is
 * plugged in, as /dev/serial/by-id/… does for a USB adapter. The pseudo-terminal behind it is not
 * stable: when one closes, the kernel hands its number (/dev/pts/N) to the next pseudo-terminal opened
 * anywhere on the machine, so a driver that kept retrying /dev/pts/N after an unplug would open some
 * other program's terminal (seen in the full test suite: a printer driver talking to another test's pty).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CodedError } from "../../protocols/errors.ts";

export type PtyErrorCode = "PTY_UNAVAILABLE" | "PTY_COMMAND_FAILED";

/** PTY_UNAVAILABLE: the helper could not start (python3 missing?); PTY_COMMAND_FAILED: hangup/replug failed. */
export class PtyError extends CodedError<PtyErrorCode> {}

export type PtySide = "a" | "b";

export interface PtyPair {
  /** Stable path of end a (`…/osc-pty-XXXX/a`), a symlink to its pseudo-terminal while plugged. */
  readonly a: string;
  /** Stable path of end b. */
  readonly b: string;
  /** The pseudo-terminal behind a side now (e.g. /dev/pts/3): a new one after each replug. */
  device(side: PtySide): string;
  /**
   * Unplugs one end: its stable path disappears, then its master closes, so whoever has that slave open
   * sees hangup (EOF on read, EIO on write).
   */
  hangup(side: PtySide): Promise<void>;
  /** Plugs a fresh pseudo-terminal in for that end; resolves to the (same) stable path once it leads there. */
  replug(side: PtySide): Promise<string>;
  /** Stops the relay; both ends hang up. */
  close(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("./ptypair.py", import.meta.url));

interface Reply {
  ok?: boolean;
  path?: string;
  error?: string;
  a?: string;
  b?: string;
}

export async function openPtyPair(): Promise<PtyPair> {
  const child = spawn("python3", [SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
  const replies = lineReader(child);
  const first = await replies.next().catch((err: unknown) => {
    throw err instanceof PtyError ? err : new PtyError("PTY_UNAVAILABLE", String(err));
  });
  if (typeof first.a !== "string" || typeof first.b !== "string") {
    child.kill("SIGTERM");
    throw new PtyError("PTY_UNAVAILABLE", `ptypair.py did not report its paths: ${JSON.stringify(first)}.`);
  }
  const devices: Record<PtySide, string> = { a: first.a, b: first.b };
  const dir = mkdtempSync(join(tmpdir(), "osc-pty-"));
  const stable: Record<PtySide, string> = { a: join(dir, "a"), b: join(dir, "b") };
  const plug = (side: PtySide) => symlinkSync(devices[side], stable[side]);
  const unplug = (side: PtySide) => {
    try {
      unlinkSync(stable[side]);
    } catch {
      // already unplugged
    }
  };
  plug("a");
  plug("b");
  let chain: Promise<unknown> = Promise.resolve();

  // Commands are answered in order; chain them so replies match requests.
  const command = (cmd: "hangup" | "replug", side: PtySide): Promise<string> => {
    const run = chain.then(async () => {
      child.stdin.write(`${JSON.stringify({ cmd, side })}\n`);
      const reply = await replies.next();
      if (!reply.ok || typeof reply.path !== "string") {
        throw new PtyError("PTY_COMMAND_FAILED", `ptypair ${cmd} ${side}: ${reply.error}.`, { cmd, side });
      }
      return reply.path;
    });
    chain = run.catch(() => undefined);
    return run;
  };

  return {
    a: stable.a,
    b: stable.b,
    device: (side) => devices[side],
    async hangup(side) {
      // The path goes first: nothing can open the pseudo-terminal's number once the kernel reuses it.
      unplug(side);
      await command("hangup", side);
    },
    async replug(side) {
      unplug(side);
      devices[side] = await command("replug", side);
      plug(side);
      return stable[side];
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.stdin.end();
      });
    },
  };
}

/** Reads the helper's stdout as JSON lines; next() waits for the next one. */
function lineReader(child: ChildProcessWithoutNullStreams): { next(): Promise<Reply> } {
  const lines: Reply[] = [];
  const waiting: Array<{ resolve: (r: Reply) => void; reject: (e: PtyError) => void }> = [];
  let buffer = "";
  let stderr = "";
  let ended: PtyError | undefined;
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        reply = { ok: false, error: `unreadable reply from ptypair.py: ${line}` };
      }
      const waiter = waiting.shift();
      if (waiter) waiter.resolve(reply);
      else lines.push(reply);
    }
  });
  const fail = (err: PtyError) => {
    ended = err;
    for (const waiter of waiting.splice(0)) waiter.reject(err);
  };
  child.on("error", (err) =>
    fail(
      new PtyError(
        "PTY_UNAVAILABLE",
        `could not start python3 for the virtual serial cable (${err.message}); install python3 or expose the simulator over tcp.`,
      ),
    ),
  );
  child.on("exit", (code) =>
    fail(
      new PtyError("PTY_UNAVAILABLE", `the virtual serial cable helper ptypair.py exited (${code}) ${stderr.trim()}`),
    ),
  );
  return {
    next() {
      const line = lines.shift();
      if (line) return Promise.resolve(line);
      if (ended) return Promise.reject(ended);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  };
}
