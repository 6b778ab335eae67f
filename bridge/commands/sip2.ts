/**
 * `selfcheck sip2`: for integrators, to test a library's SIP2 server before a kiosk goes live. One
 * connection, the bridge's own client; every exchange can be shown (-v), printed as JSON (--json) or
 * recorded (--record). Passwords and PINs are masked everywhere, even with -v.
 *
 * Exit codes: 0 done; 1 the ILS refused (login, patron, transaction); 2 connection, TLS, timeout or protocol
 * error; 64 bad usage (as sysexits.h EX_USAGE).
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import type { Command, CommanderError } from "commander";
import { CodedError, describeError } from "../../protocols/errors.ts";
import { type Sip2Message, tryDecodeMessage } from "../../protocols/sip2/index.ts";
import { SIP2_PROFILES, type Sip2Config, Sip2ConfigSchema } from "../config/schema.ts";
import { expectValid } from "../config/validate.ts";
import { loadBridgeConfig } from "../main.ts";
import type { Sip2Client } from "../sip2/client.ts";
import type { AcsStatus, Sip2Connection, Sip2Exchange } from "../sip2/connection.ts";
import {
  blocksInWords,
  circulationInWords,
  fieldLines,
  maskMessage,
  maskWire,
  RESPONSE_TYPE,
  supportedMessages,
} from "../sip2/describe.ts";
import { Sip2ClientError } from "../sip2/errors.ts";
import { createProbeClient } from "../sip2/probe.ts";
import { PROFILES } from "../sip2/profiles.ts";
import { systemClock } from "../transports/clock.ts";
import { CliError, checkedOption, parse } from "./options.ts";

export const EXIT = { done: 0, refused: 1, failed: 2, usage: 64 } as const;

interface Flags {
  config?: string;
  host?: string;
  port?: number;
  tls?: boolean;
  caFile?: string;
  serverName?: string;
  user?: string;
  password?: string;
  location?: string;
  institution?: string;
  charset?: string;
  profile?: string;
  errorDetection: boolean;
  timeout?: number;
  verbose?: boolean;
  json?: boolean;
  record?: string;
  pin?: string;
}

/** What one command found: its exit code, lines for people and an object for --json. */
interface Outcome {
  code: number;
  lines: string[];
  result: Record<string, unknown>;
}

interface Session {
  connection: Sip2Connection;
  client: Sip2Client;
  status: AcsStatus;
  timings: { connectAndLoginMs: number };
  config: Sip2Config;
}

type Run = (session: Session, args: string[], flags: Flags) => Promise<Outcome>;

const yes = (b: boolean | undefined) => (b ? "yes" : "no");

/** The commands, as data: `script` runs the same table line by line. */
const COMMANDS: Record<string, { args: string[]; summary: string; run: Run }> = {
  check: {
    args: [],
    summary: "connect, log in, SC Status: what the ACS supports, its institution, online or not, timings",
    run: async (s, _args, flags) => {
      const { supported, unsupported } = supportedMessages(s.status.supportedMessages);
      const notes = PROFILES[s.config.profile].notes;
      return {
        code: EXIT.done,
        lines: [
          `ACS ${s.connection.description}: ${s.status.onlineStatus ? "online" : "OFFLINE"}`,
          `  institution ${s.status.institutionId}${s.status.libraryName ? ` (${s.status.libraryName})` : ""}, protocol ${s.status.protocolVersion}`,
          `  connect and log in: ${s.timings.connectAndLoginMs} ms`,
          `  checkin ok: ${yes(s.status.checkinOk)}, checkout ok: ${yes(s.status.checkoutOk)}, renewal policy: ${yes(s.status.acsRenewalPolicy)}, offline ok: ${yes(s.status.offlineOk)}, status update ok: ${yes(s.status.statusUpdateOk)}`,
          `  timeout period: ${s.status.timeoutPeriod.trim()}, retries allowed: ${s.status.retriesAllowed.trim()}`,
          `  supports: ${supported.join(", ") || "nothing"}`,
          ...(unsupported.length > 0 ? [`  does not support: ${unsupported.join(", ")}`] : []),
          ...(flags.verbose ? notes.map((n) => `  profile ${s.config.profile}: ${n.says} [${n.source}]`) : []),
        ],
        result: {
          online: s.status.onlineStatus,
          institution: s.status.institutionId,
          supported,
          unsupported,
          connectAndLoginMs: s.timings.connectAndLoginMs,
        },
      };
    },
  },
  patron: {
    args: ["BARCODE"],
    summary: "Patron Information: validity, PIN, blocks, counts, loans, holds, fines",
    run: async (s, [barcode = ""], flags) => {
      const info = await s.client.patronInformation({
        patronId: barcode,
        ...(flags.pin !== undefined ? { patronPassword: flags.pin } : {}),
        summary: "chargedItems",
      });
      const blocks = blocksInWords(info.status);
      const refused = !info.valid || info.passwordValid === false;
      return {
        code: refused ? EXIT.refused : EXIT.done,
        lines: [
          `patron ${barcode}: ${info.valid ? "valid" : "NOT VALID"}${info.passwordValid === undefined ? "" : info.passwordValid ? ", PIN correct" : ", PIN WRONG"}`,
          `  name: ${info.name}`,
          `  blocks: ${blocks.join(", ") || "none"}`,
          `  charged ${info.counts.charged}, overdue ${info.counts.overdue}, holds ${info.counts.holds}, fines ${info.counts.fines}, recalls ${info.counts.recalls}`,
          ...(info.fee ? [`  fees: ${info.fee.amount} ${info.fee.currency ?? ""}`] : []),
          ...(info.items.length > 0 ? [`  loans: ${info.items.join(", ")}`] : []),
          ...info.screenMessages.map((m) => `  message: ${m}`),
        ],
        result: { ...info, raw: undefined, patronId: barcode },
      };
    },
  },
  item: {
    args: ["BARCODE"],
    summary: "Item Information: circulation status, title, due date, location, hold queue",
    run: async (s, [barcode = ""]) => {
      const item = await s.client.itemInformation({ itemId: barcode });
      return {
        code: item.found ? EXIT.done : EXIT.refused,
        lines: [
          `item ${barcode}: ${item.found ? circulationInWords(item.raw.circulationStatus) : "NOT FOUND"}`,
          ...(item.title ? [`  title: ${item.title}`] : []),
          ...(item.dueDate ? [`  due: ${item.dueDate.raw.trim()}`] : []),
          ...(item.permanentLocation ? [`  location: ${item.permanentLocation}`] : []),
          ...(item.holdQueueLength !== undefined ? [`  holds waiting: ${item.holdQueueLength}`] : []),
          ...item.screenMessages.map((m) => `  message: ${m}`),
        ],
        result: { ...item, raw: undefined },
      };
    },
  },
  checkout: {
    args: ["PATRON", "ITEM"],
    summary: "check an item out to a patron",
    run: async (s, [patron = "", item = ""], flags) =>
      circulation(
        "checkout",
        await s.client.checkout({
          patronId: patron,
          itemId: item,
          ...(flags.pin !== undefined ? { patronPassword: flags.pin } : {}),
        }),
      ),
  },
  checkin: {
    args: ["ITEM"],
    summary: "check an item in",
    run: async (s, [item = ""]) => {
      const r = await s.client.checkin({ itemId: item });
      const out = circulation("checkin", r);
      out.lines.push(
        ...r.alerts.map(
          (a) =>
            `  alert: ${a.kind}${"destination" in a && a.destination ? ` → ${a.destination}` : ""}${"bin" in a ? ` ${a.bin}` : ""}`,
        ),
      );
      return out;
    },
  },
  renew: {
    args: ["PATRON", "ITEM"],
    summary: "renew an item",
    run: async (s, [patron = "", item = ""], flags) =>
      circulation(
        "renew",
        await s.client.renew({
          patronId: patron,
          itemId: item,
          ...(flags.pin !== undefined ? { patronPassword: flags.pin } : {}),
        }),
      ),
  },
  raw: {
    args: ["MESSAGE"],
    summary: "send one message as typed (sequence number and checksum added when error detection is on)",
    run: async (s, [text = ""]) => {
      const decoded = tryDecodeMessage(Buffer.from(text.replace(/\r?\n?$/, ""), "utf8"));
      if (!decoded.ok) throw usage(`raw: the message does not parse (${decoded.error.message}).`);
      const expect = RESPONSE_TYPE[decoded.message.type];
      if (!expect) throw usage(`raw: ${decoded.message.type} has no answer to wait for.`);
      // The connection numbers and checksums it as it numbers everything else.
      const message = { ...decoded.message };
      delete message.sequence;
      const answer = (await s.connection.request(message, expect)) as unknown as Sip2Message;
      return { code: EXIT.done, lines: [`${answer.type}:`, ...fieldLines(answer)], result: maskMessage(answer) };
    },
  },
};

function circulation(
  what: string,
  r: {
    tx: string;
    ok: boolean;
    itemId: string;
    title?: string;
    dueDate?: { raw: string };
    screenMessages: string[];
    printLines: string[];
  },
): Outcome {
  return {
    code: r.ok ? EXIT.done : EXIT.refused,
    lines: [
      `${what} ${r.itemId}: ${r.ok ? "ok" : "REFUSED"} (transaction ${r.tx})`,
      ...(r.title ? [`  title: ${r.title}`] : []),
      ...(r.dueDate ? [`  due: ${r.dueDate.raw.trim()}`] : []),
      ...r.screenMessages.map((m) => `  message: ${m}`),
      ...r.printLines.map((m) => `  print: ${m}`),
    ],
    result: { ...r, raw: undefined },
  };
}

function usage(message: string): CliError {
  return new CliError("CLI_OPTION_INVALID", message);
}

export function registerSip2Command(program: Command): void {
  const sip2 = program
    .command("sip2")
    .description("test an ILS's SIP2 server: check, patron, item, checkout, checkin, renew, raw, script")
    .showHelpAfterError();
  const exitOnUsage = (err: CommanderError) => {
    // Help and version are not errors; every other commander error is a usage error.
    process.exit(err.exitCode === 0 ? 0 : EXIT.usage);
  };
  sip2.exitOverride(exitOnUsage);
  for (const [name, spec] of [
    ...Object.entries(COMMANDS),
    ["script", { args: ["FILE"], summary: "run commands from a file, one per line (# starts a comment)" }] as const,
  ]) {
    const command = sip2
      .command(`${name} ${spec.args.map((a) => `<${a.toLowerCase()}>`).join(" ")}`.trim())
      .description(spec.summary)
      .exitOverride(exitOnUsage);
    connectionOptions(command).action(async (...all: unknown[]) => {
      const flags = (all[all.length - 2] as Flags) ?? {};
      const args = all.slice(0, spec.args.length) as string[];
      process.exitCode = await runCommand(name, args, flags);
    });
  }
}

function connectionOptions(command: Command): Command {
  return command
    .option("--config <file>", "bridge config: its sip2 section gives the connection (flags override it)")
    .option("--host <host>", "the ILS's SIP2 server")
    .addOption(checkedOption("--port <port>", "its port", parse.port))
    .option("--tls", "speak TLS")
    .option("--ca-file <file>", "PEM of the CA that signed the ACS certificate")
    .option("--server-name <name>", "name in the ACS certificate, when it differs from --host")
    .option("--user <user>", "SIP2 login user (CN)")
    .option("--password <password>", "SIP2 login password (CO); or set SIP2_PASSWORD")
    .option("--location <code>", "SIP2 login location (CP)")
    .option("--institution <id>", "institution id (AO)")
    .addOption(checkedOption("--charset <charset>", "character set", parse.charset))
    .option("--profile <profile>", `ILS profile: ${SIP2_PROFILES.join(", ")}`)
    .option("--no-error-detection", "no sequence numbers and checksums (AY/AZ)")
    .addOption(checkedOption("--timeout <ms>", "per request", parse.milliseconds))
    .option("--pin <pin>", "patron PIN (AD); never printed")
    .option("-v, --verbose", "print every exchange as sent and received, then field by field")
    .option("--json", "one JSON object per exchange, then the result")
    .option("--record <file>", "write a transcript (JSON lines, secrets masked)");
}

/** Runs one command (or a script) and returns the exit code; never throws. */
async function runCommand(name: string, args: string[], flags: Flags): Promise<number> {
  let session: Session | undefined;
  try {
    const config = await configFrom(flags);
    session = await openSession(config, flags);
    if (name !== "script") return report(await COMMANDS[name]!.run(session, args, flags), flags);
    return await runScript(session, args[0] ?? "", flags);
  } catch (error) {
    return failure(error, flags);
  } finally {
    await session?.client.close();
  }
}

async function runScript(session: Session, file: string, flags: Flags): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw usage(`script ${file}: cannot read it (${describeError(error)}).`);
  }
  let worst: number = EXIT.done;
  for (const [n, line] of text.split(/\r?\n/).entries()) {
    const words = tokens(line);
    if (words.length === 0 || words[0]!.startsWith("#")) continue;
    const [name = "", ...rest] = words;
    const spec = COMMANDS[name];
    const pinAt = rest.indexOf("--pin");
    const pin = pinAt >= 0 ? rest.splice(pinAt, 2)[1] : undefined;
    if (!spec || rest.length !== spec.args.length) {
      throw usage(
        `${file}:${n + 1}: expected one of ${Object.entries(COMMANDS)
          .map(([c, s]) => [c, ...s.args].join(" "))
          .join("; ")}.`,
      );
    }
    if (!flags.json) console.log(`> ${name} ${rest.join(" ")}`);
    try {
      worst = Math.max(
        worst,
        report(await spec.run(session, rest, { ...flags, ...(pin !== undefined ? { pin } : {}) }), flags),
      );
    } catch (error) {
      worst = Math.max(worst, failure(error, flags));
    }
  }
  return worst;
}

/** Words of a script line; "double quotes" keep spaces (for raw messages). */
function tokens(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? "");
}

async function configFrom(flags: Flags): Promise<Sip2Config> {
  const fromFile = flags.config ? (await loadBridgeConfig(flags.config)).sip2 : undefined;
  if (flags.config && !fromFile) throw usage(`--config ${flags.config}: the file has no sip2 section.`);
  const password = flags.password ?? process.env.SIP2_PASSWORD;
  const section = {
    ...fromFile,
    ...(flags.host ? { host: flags.host } : {}),
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.tls || flags.caFile || flags.serverName
      ? {
          tls: {
            ...(flags.caFile ? { caFile: flags.caFile } : {}),
            ...(flags.serverName ? { serverName: flags.serverName } : {}),
          },
        }
      : {}),
    login: {
      ...fromFile?.login,
      ...(flags.user ? { user: flags.user } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(flags.location ? { location: flags.location } : {}),
    },
    ...(flags.institution !== undefined ? { institution: flags.institution } : {}),
    ...(flags.charset ? { charset: flags.charset } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
    ...(flags.errorDetection === false ? { errorDetection: false } : {}),
    ...(flags.timeout !== undefined ? { timeoutMs: flags.timeout } : {}),
  };
  if (!section.host) throw usage("say where the ILS is: --host (and --port), or --config with a sip2 section.");
  if (section.login.user === undefined) throw usage("say who logs in: --user and --password (or SIP2_PASSWORD).");
  return expectValid(
    Sip2ConfigSchema,
    { institution: "", ...section, login: { password: "", ...section.login } },
    "command line",
    "sip2",
  );
}

async function openSession(config: Sip2Config, flags: Flags): Promise<Session> {
  const { client, connection } = createProbeClient(config, { clock: systemClock });
  if (flags.record) writeFileSync(flags.record, "");
  connection.on("exchange", (exchange) => showExchange(exchange, flags));
  const started = performance.now();
  const status = await connection.open();
  const connectAndLoginMs = Math.round(performance.now() - started);
  return { connection, client, status, timings: { connectAndLoginMs }, config };
}

function showExchange(exchange: Sip2Exchange, flags: Flags): void {
  const wire = maskWire(exchange.bytes.toString("latin1").replace(/[\r\n]+$/, ""));
  const decoded = tryDecodeMessage(exchange.bytes);
  const message = decoded.ok ? maskMessage(decoded.message) : { error: decoded.error.code };
  const record = { direction: exchange.direction, at: new Date(exchange.at).toISOString(), wire, message };
  if (flags.record) appendFileSync(flags.record, `${JSON.stringify(record)}\n`);
  if (flags.json) console.log(JSON.stringify({ exchange: record }));
  else if (flags.verbose) {
    console.log(`${exchange.direction === "sent" ? ">>" : "<<"} ${wire}`);
    if (decoded.ok) console.log([`   ${decoded.message.type}`, ...fieldLines(decoded.message)].join("\n"));
  }
}

function report(outcome: Outcome, flags: Flags): number {
  if (flags.json) console.log(JSON.stringify({ result: outcome.result, exit: outcome.code }));
  else console.log(outcome.lines.join("\n"));
  return outcome.code;
}

function failure(error: unknown, flags: Flags): number {
  const code =
    error instanceof Sip2ClientError
      ? error.code === "SIP2_LOGIN_REFUSED"
        ? EXIT.refused
        : EXIT.failed
      : error instanceof CodedError && /^(CLI_|CONFIG_)/.test(error.code)
        ? EXIT.usage
        : EXIT.failed;
  const message = error instanceof Error ? error.message : describeError(error);
  if (flags.json) {
    console.log(
      JSON.stringify({ error: { code: error instanceof CodedError ? error.code : "UNEXPECTED", message }, exit: code }),
    );
  } else console.error(`selfcheck sip2: ${message}`);
  return code;
}
