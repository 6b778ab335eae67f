/**
 * A virtual null-modem cable made of two pseudo-terminals (see ptypair.py), so the real `serialport`
 * package can be driven without hardware: open `a` with the driver and `b` with the simulator. Used by
 * `selfcheck sim`, the stack and the tests. Needs python3 (the pty module), like socat would.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CodedError } from "../../protocols/errors.ts";

export type PtyErrorCode = "PTY_UNAVAILABLE" | "PTY_COMMAND_FAILED";

/** PTY_UNAVAILABLE: the helper could not start (python3 missing?); PTY_COMMAND_FAILED: hangup/replug failed. */
export class PtyError extends CodedError<PtyErrorCode> {}

export type PtySide = "a" | "b";

export interface PtyPair {
  /** Slave path of end a (e.g. /dev/pts/3). Changes after replug("a"). */
  readonly a: string;
  /** Slave path of end b. Changes after replug("b"). */
  readonly b: string;
  /** Unplugs one end: its master closes, so whoever has that slave open sees hangup (EOF on read, EIO on write). */
  hangup(side: PtySide): Promise<void>;
  /** Plugs a fresh pseudo-terminal in for that end and resolves to its path (usually a new one). */
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
  const paths: Record<PtySide, string> = { a: first.a, b: first.b };
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
    get a() {
      return paths.a;
    },
    get b() {
      return paths.b;
    },
    async hangup(side) {
      await command("hangup", side);
    },
    async replug(side) {
      paths[side] = await command("replug", side);
      return paths[side];
    },
    close() {
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
