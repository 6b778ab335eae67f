import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { describeError } from "../protocols/errors.ts";
import { SIP2_CHARSETS, type Sip2Charset } from "../protocols/sip2/index.ts";
import { type FaultPlan, parseFaults } from "../simulators/acs/faults.ts";
import { loadFixture } from "../simulators/acs/fixture.ts";
import { InMemoryIls } from "../simulators/acs/ils.ts";
import { AcsServer } from "../simulators/acs/server.ts";
import { createLogger } from "./log/logger.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_FIXTURE = join(root, "simulators/acs/fixtures/default.json");

const collect = (value: string, previous: string[]) => [...previous, value];
const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("a port is a number 0–65535");
  return n;
};
const charset = (value: string): Sip2Charset => {
  if (!(SIP2_CHARSETS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`use one of ${SIP2_CHARSETS.join(", ")}`);
  }
  return value as Sip2Charset;
};

interface AcsFlags {
  host: string;
  port: number;
  fixture: string;
  tlsCert?: string;
  tlsKey?: string;
  fault: string[];
  charset: Sip2Charset;
  login: boolean;
  debugUnredacted?: boolean;
  logLevel: string;
}

export async function startAcs(flags: AcsFlags) {
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  const faults: FaultPlan = parseFaults(flags.fault);
  const logger = createLogger({ name: "acs", level: flags.logLevel, unredacted: flags.debugUnredacted === true });
  const ils = new InMemoryIls(loadFixture(flags.fixture));
  const server = new AcsServer({
    ils,
    host: flags.host,
    port: flags.port,
    charset: flags.charset,
    requireLogin: flags.login,
    faults,
    logger,
    ...(flags.tlsCert && flags.tlsKey
      ? { tls: { cert: readFileSync(flags.tlsCert), key: readFileSync(flags.tlsKey) } }
      : {}),
  });
  const address = await server.start();
  return { server, address, ils, logger };
}

function acsOptions(command: Command, defaults: { port: number }): Command {
  return command
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "TCP port (0 picks a free one)", port, defaults.port)
    .option("--fixture <file>", "ILS fixture (JSON)", DEFAULT_FIXTURE)
    .option("--tls-cert <file>", "PEM certificate: serve SIP2 over TLS")
    .option("--tls-key <file>", "PEM private key for --tls-cert")
    .option(
      "--fault <fault>",
      "inject a fault (repeatable): latency=MS jitter=MS drop-after=N stall corrupt-checksum garble split refuse-login offline",
      collect,
      [],
    )
    .option("--charset <charset>", `SIP2 character set (${SIP2_CHARSETS.join(", ")})`, charset, "utf-8")
    .option("--no-login", "answer SCs that have not logged in")
    .option("--debug-unredacted", "log patron identifiers as they are (test systems only)")
    .option("--log-level <level>", "pino log level", "info");
}

export function buildCli(): Command {
  const program = new Command("selfcheck")
    .description("open-selfcheck: library self-service kiosk bridge, simulators and tools")
    .showHelpAfterError();

  acsOptions(program.command("acs").description("run the SIP2 ACS simulator with an in-memory ILS"), {
    port: 6001,
  }).action(async (flags: AcsFlags) => {
    const { address, logger } = await startAcs(flags);
    logger.info(address, "ACS simulator listening");
    console.log(`SIP2 ACS simulator on ${address.tls ? "tls" : "tcp"}://${address.host}:${address.port}`);
  });

  acsOptions(program.command("start").description("start the kiosk stack with all simulators"), {
    port: 6001,
  }).action(async (flags: AcsFlags) => {
    const { address } = await startAcs({ ...flags, logLevel: flags.logLevel === "info" ? "warn" : flags.logLevel });
    console.log("open-selfcheck is running with simulated hardware and ILS:");
    console.log(`  SIP2 ACS simulator   ${address.tls ? "tls" : "tcp"}://${address.host}:${address.port}`);
    console.log(
      "  (SIP2 login kiosk-main / main-secret; accounts, patrons and items: simulators/acs/fixtures/default.json)",
    );
    console.log("Press Ctrl+C to stop.");
  });

  return program;
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  buildCli()
    .parseAsync()
    .catch((error: unknown) => {
      console.error(`selfcheck: ${describeError(error)}`);
      process.exit(1);
    });
}
