/**
 * `selfcheck acs`: the SIP2 ACS simulator on its own. A development command: the simulator modules are
 * loaded with import() when it runs, so the kiosk binary never loads them otherwise.
 */
import { createSecureContext } from "node:tls";
import type { Command } from "commander";
import { CodedError } from "../../protocols/errors.ts";
import type { Sip2Charset } from "../../protocols/sip2/index.ts";
import { SIP2_CHARSETS } from "../../protocols/sip2/index.ts";
import type { FaultPlan } from "../../simulators/acs/faults.ts";
import type { Fixture } from "../../simulators/acs/fixture.ts";
import { createLogger } from "../log/logger.ts";
import {
  checkedOption,
  collect,
  explainListenError,
  LOG_LEVELS,
  optionError,
  parse,
  readOptionFile,
} from "./options.ts";
import { stopOnSignal } from "./signals.ts";

/** Longest a log line of `selfcheck acs` waits in the buffer before it is written. */
const LOG_FLUSH_MS = 200;

export interface AcsFlags {
  host: string;
  port: number;
  fixture?: string;
  tlsCert?: string;
  tlsKey?: string;
  fault: string[];
  charset: Sip2Charset;
  login: boolean;
  debugUnredacted?: boolean;
  logLevel: string;
  /** Seconds; only `selfcheck acs` has the option. */
  idleTimeout?: number;
}

/** The ACS options, shared by `acs` and `start`. */
export function acsOptions(command: Command, defaults: { port: number; logLevel: string }): Command {
  return command
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .addOption(checkedOption("--port <port>", "TCP port (0 picks a free one)", parse.port, defaults.port))
    .option("--fixture <file>", "ILS fixture (JSON) (default: simulators/acs/fixtures/default.json)")
    .option("--tls-cert <file>", "PEM certificate: serve SIP2 over TLS")
    .option("--tls-key <file>", "PEM private key for --tls-cert")
    .option(
      "--fault <fault>",
      "inject a fault (repeatable): latency=MS jitter=MS drop-after=N stall corrupt-checksum garble split refuse-login offline seed=N",
      collect,
      [],
    )
    .addOption(
      checkedOption("--charset <charset>", `SIP2 character set (${SIP2_CHARSETS.join(", ")})`, parse.charset, "utf-8"),
    )
    .option("--no-login", "answer SCs that have not logged in")
    .option("--debug-unredacted", "log patron identifiers as they are (test systems only)")
    .addOption(
      checkedOption("--log-level <level>", `log level (${LOG_LEVELS.join(", ")})`, parse.logLevel, defaults.logLevel),
    );
}

/** What the simulator needs from the flags, every file read and checked, every mistake named by its option. */
export async function acsSettings(flags: AcsFlags) {
  const tls = await readTls(flags);
  const [{ parseFaults, FaultSpecError }, { loadFixture }, { DEFAULT_FIXTURE_PATH }] = await Promise.all([
    import("../../simulators/acs/faults.ts"),
    import("../../simulators/acs/fixture.ts"),
    import("../../simulators/acs/fixtures/generate.ts"),
  ]);
  let faults: FaultPlan;
  try {
    faults = parseFaults(flags.fault);
  } catch (err) {
    if (err instanceof FaultSpecError) throw optionError("--fault", err.message);
    throw err;
  }
  let fixture: Fixture;
  try {
    fixture = loadFixture(flags.fixture ?? DEFAULT_FIXTURE_PATH);
  } catch (err) {
    if (err instanceof CodedError) throw optionError("--fixture", err.message);
    throw err;
  }
  return {
    host: flags.host,
    port: flags.port,
    fixture,
    charset: flags.charset,
    requireLogin: flags.login,
    faults,
    ...(tls ? { tls } : {}),
  };
}

/**
 * Reads --tls-cert and --tls-key and checks that each is what it says and that they belong together, so
 * a mistake names the file instead of an OpenSSL code ("PEM routines::no start line").
 */
async function readTls(flags: AcsFlags): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (flags.tlsCert === undefined && flags.tlsKey === undefined) return undefined;
  if (flags.tlsCert === undefined || flags.tlsKey === undefined) {
    throw optionError(
      flags.tlsCert === undefined ? "--tls-key" : "--tls-cert",
      "--tls-cert and --tls-key go together; give both (the certificate and its private key, in PEM form)",
    );
  }
  // One after the other: with both missing, the certificate is reported, every time (Promise.all would name
  // whichever read failed first).
  const cert = await readOptionFile("--tls-cert", flags.tlsCert);
  const key = await readOptionFile("--tls-key", flags.tlsKey);
  const check = (option: string, file: string, what: string, context: Parameters<typeof createSecureContext>[0]) => {
    try {
      createSecureContext(context);
    } catch (err) {
      throw optionError(option, `${file} is not ${what}; OpenSSL says: ${(err as Error).message}`);
    }
  };
  check("--tls-cert", flags.tlsCert, "a PEM certificate (a file starting -----BEGIN CERTIFICATE-----)", { cert });
  check("--tls-key", flags.tlsKey, "a PEM private key (a file starting -----BEGIN PRIVATE KEY-----)", { key });
  check("--tls-key", flags.tlsKey, `the private key of the certificate in ${flags.tlsCert}`, { cert, key });
  return { cert, key };
}

export function registerAcsCommand(program: Command): void {
  acsOptions(program.command("acs").description("run the SIP2 ACS simulator with an in-memory ILS"), {
    port: 6001,
    logLevel: "info",
  })
    .addOption(
      checkedOption(
        "--idle-timeout <seconds>",
        "close an SC connection after this long without a byte from it; 0 never (SCs send 99 every few minutes)",
        parse.seconds,
        600, // the server's DEFAULT_IDLE_TIMEOUT_MS, written out: simulators are loaded only when a command runs
      ),
    )
    .action(async (flags: AcsFlags) => {
      const settings = await acsSettings(flags);
      const [{ InMemoryIls }, { AcsServer }] = await Promise.all([
        import("../../simulators/acs/ils.ts"),
        import("../../simulators/acs/server.ts"),
      ]);
      // Every answered request is a line at the default level: written in blocks, a person watching still
      // sees each within LOG_FLUSH_MS.
      const logger = createLogger({
        name: "acs",
        level: flags.logLevel,
        unredacted: flags.debugUnredacted === true,
        bufferedStdout: { flushMs: LOG_FLUSH_MS },
      });
      const { fixture, ...serverOptions } = settings;
      const server = new AcsServer({
        ...serverOptions,
        ils: new InMemoryIls(fixture),
        logger,
        logPatronData: flags.debugUnredacted === true,
        ...(flags.idleTimeout === undefined ? {} : { idleTimeoutMs: flags.idleTimeout * 1000 }),
      });
      const address = await server.start().catch((err: unknown) => {
        throw explainListenError(err, flags.host, { "--port": flags.port });
      });
      logger.info(address, "ACS simulator listening");
      console.log(`SIP2 ACS simulator on ${address.tls ? "tls" : "tcp"}://${address.host}:${address.port}`);
      // Exiting (rather than dying of the signal) writes the log lines still buffered.
      stopOnSignal(() => server.stop());
    });
}
