/**
 * The real bridge as its own process, as a kiosk PC runs it: `selfcheck bridge --config FILE`. The soak
 * starts it, kills it with SIGKILL and starts it again on the same config (and so the same database).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/selfcheck.js", import.meta.url));
/** Starting a child with tsx on a busy machine is slow; this bound only ends a bridge that hangs. */
const START_LIMIT_MS = 90_000;

export class BridgeProcess {
  /** The kiosk WebSocket API (ws://…/api/kiosk) and the HTTP base, from the bridge's start-up lines. */
  readonly apiUrl: string;
  readonly httpUrl: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #output: string[];

  private constructor(child: ChildProcess, apiUrl: string, output: string[], exited: Promise<void>) {
    this.#child = child;
    this.apiUrl = apiUrl;
    this.httpUrl = apiUrl.replace(/^ws/, "http").replace(/\/api\/kiosk$/, "");
    this.#output = output;
    this.#exited = exited;
  }

  /** Starts the bridge and resolves once it prints its kiosk API address. */
  static start(configFile: string, uiDir: string): Promise<BridgeProcess> {
    const child = spawn(
      process.execPath,
      [BIN, "bridge", "--config", configFile, "--ui-dir", uiDir, "--log-level", "info"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const output: string[] = [];
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return new Promise((resolve, reject) => {
      let started = false;
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the bridge did not start within ${START_LIMIT_MS / 1000} s:\n${tail(output)}`));
      }, START_LIMIT_MS);
      const collect = (chunk: Buffer) => {
        output.push(chunk.toString("utf8"));
        const api = /Kiosk API\s+(ws:\/\/\S+)/.exec(output.join(""));
        if (api?.[1] && !started) {
          started = true;
          clearTimeout(timer);
          resolve(new BridgeProcess(child, api[1], output, exited));
        }
      };
      child.stdout?.on("data", collect);
      child.stderr?.on("data", collect);
      child.once("exit", (code, signal) => {
        if (started) return;
        clearTimeout(timer);
        reject(new Error(`the bridge exited (${signal ?? code}) before it started:\n${tail(output)}`));
      });
    });
  }

  /** Everything the bridge printed (its log lines included). */
  get output(): string {
    return this.#output.join("");
  }

  /** kill -9: no chance to finish anything. */
  async kill(): Promise<void> {
    this.#child.kill("SIGKILL");
    await this.#exited;
  }

  /** A normal stop (SIGTERM); SIGKILL if it has not ended within the bound. */
  async stop(): Promise<void> {
    this.#child.kill("SIGTERM");
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 30_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

function tail(output: readonly string[]): string {
  return output.join("").split("\n").slice(-30).join("\n");
}
