/**
 * Command-line options and their errors. Every mistake a person can make on the command line becomes a
 * CliError in the config errors' style: the option, what was expected, what was given, what to do.
 */
import { Option } from "commander";
import { CodedError, describeError } from "../../protocols/errors.ts";
import { SIP2_CHARSETS } from "../../protocols/sip2/index.ts";

export type CliErrorCode =
  | "CLI_OPTION_INVALID"
  | "CLI_PORT_IN_USE"
  | "CLI_ADDRESS_UNAVAILABLE"
  | "CLI_HOST_UNKNOWN"
  | "CLI_FILE_UNREADABLE"
  | "CLI_TLS_INVALID"
  | "CLI_INPUT_INVALID";

export class CliError extends CodedError<CliErrorCode> {}

/** A parser says what it expected by throwing; the option wrapper adds the option name and the value given. */
class Expected extends Error {}

/** Pino's levels (https://getpino.io/#/docs/api?id=level-string): a typo is an option error, not a pino one. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const wholeNumber = (min: number, max: number, what: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min || n > max) throw new Expected(what);
  return n;
};

const oneOf =
  <const T extends readonly string[]>(values: T) =>
  (value: string): T[number] => {
    if (!(values as readonly string[]).includes(value)) throw new Expected(`one of ${values.join(", ")}`);
    return value as T[number];
  };

export const parse = {
  port: wholeNumber(0, 65535, "a TCP port from 0 to 65535 (0 picks a free one)"),
  milliseconds: wholeNumber(0, 600_000, "milliseconds from 0 to 600000"),
  seconds: wholeNumber(0, 86_400, "whole seconds from 0 to 86400"),
  charset: oneOf(SIP2_CHARSETS),
  logLevel: oneOf(LOG_LEVELS),
};

/**
 * A commander option whose value is checked by `check`; a bad value is a CLI_OPTION_INVALID naming the
 * option, e.g. `--port: expected a TCP port from 0 to 65535 (0 picks a free one), got "http"`.
 */
export function checkedOption<T>(flags: string, description: string, check: (value: string) => T, fallback?: T) {
  const option = new Option(flags, description);
  const name = option.long ?? flags;
  option.argParser((value: string) => {
    try {
      return check(value);
    } catch (err) {
      throw optionError(name, `expected ${describeError(err)}, got ${JSON.stringify(value)}`);
    }
  });
  return fallback === undefined ? option : option.default(fallback);
}

/** Repeatable options collect their values. */
export const collect = (value: string, previous: string[]) => [...previous, value];

export function optionError(option: string, problem: string): CliError {
  return new CliError("CLI_OPTION_INVALID", `${option}: ${problem.replace(/\.?$/, ".")}`, { option });
}

/**
 * A listen() failure said for people: which option chose the port and what to do. `ports` maps each
 * option that chose a port to its value; the failed one is found by the port in Node's error (which may
 * be the cause of a wrapping error). Other errors pass through unchanged.
 */
export function explainListenError(err: unknown, host: string, ports: Readonly<Record<string, number>>): unknown {
  // Node's system errors carry the syscall; a wrapping error (the control API's) carries one as its cause.
  let errno = err as (NodeJS.ErrnoException & { port?: number }) | undefined;
  while (errno && errno.syscall === undefined) errno = errno.cause as typeof errno;
  const code = errno?.code;
  const options = Object.entries(ports);
  const [option, port] = options.find(([, p]) => p === errno?.port) ?? options[0] ?? ["--port", 0];
  const address = `${host}:${port}`;
  const explain = (cliCode: CliErrorCode, message: string) =>
    new CliError(cliCode, message, { option, host, port }, { cause: err });
  switch (code) {
    case "EADDRINUSE":
      return explain(
        "CLI_PORT_IN_USE",
        `${option} ${port}: ${address} is already in use by another program (another selfcheck?). Stop it, or choose another port (0 picks a free one).`,
      );
    case "EACCES":
      return explain(
        "CLI_PORT_IN_USE",
        `${option} ${port}: not allowed to listen on ${address} (ports below 1024 need root). Choose a port from 1024 up (0 picks a free one).`,
      );
    case "EADDRNOTAVAIL":
      return explain(
        "CLI_ADDRESS_UNAVAILABLE",
        `--host ${host}: this machine has no such address, so nothing can listen on ${address}. Use an address of this machine, e.g. 127.0.0.1, or 0.0.0.0 for all.`,
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return explain(
        "CLI_HOST_UNKNOWN",
        `--host ${host}: no such host name (${code}). Check the spelling, or use an address such as 127.0.0.1, or 0.0.0.0 for all.`,
      );
    default:
      return err;
  }
}

/** Reads a file an option names; a missing or unreadable one is CLI_FILE_UNREADABLE naming the option. */
export async function readOptionFile(option: string, file: string): Promise<Buffer> {
  const { readFile } = await import("node:fs/promises");
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : describeError(err);
    throw new CliError("CLI_FILE_UNREADABLE", `${option} ${file}: cannot read it (${reason}). Check the path.`, {
      option,
      file,
    });
  }
}
