/**
 * Builds the SIP2 client from the config's `sip2` section: the profile's values under the site's own,
 * k connections, a pool and the transaction layer. The kiosk depends on `Sip2Service` only.
 */
import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import type { Sip2Config } from "../config/schema.ts";
import { invalidConfig } from "../config/validate.ts";
import type { Clock } from "../transports/clock.ts";
import { Sip2Client, type Sip2TransactionSettings } from "./client.ts";
import { Sip2Connection, type Sip2LinkSettings, type Sip2TlsOptions } from "./connection.ts";
import { Sip2Pool } from "./pool.ts";
import { resolveProfile, TERMINATOR_BYTES } from "./profiles.ts";

export type * from "./client.ts";
export { Sip2Client } from "./client.ts";
export type { Sip2ConnectionState, Sip2Exchange } from "./connection.ts";
export { Sip2Connection } from "./connection.ts";
export { Sip2ClientError } from "./errors.ts";
export { Sip2Pool } from "./pool.ts";

export interface Sip2ClientFactoryDeps {
  clock: Clock;
  logger?: Logger | undefined;
  /** Reads PEM files named in the config; tests pass their own. */
  readFile?: (path: string) => Buffer;
  /** Where a tool differs from a kiosk (`selfcheck sip2`: no heartbeat, nothing asked twice). */
  overrides?: { link?: Partial<Sip2LinkSettings>; transaction?: Partial<Sip2TransactionSettings> };
}

/** The link settings for the config: profile values, then the site's overrides. Throws CONFIG_INVALID. */
export function linkSettings(config: Sip2Config, readFile: (path: string) => Buffer = readFileSync): Sip2LinkSettings {
  const profile = profileOf(config);
  return {
    host: config.host,
    port: config.port,
    tls: tlsOptions(config, readFile),
    login: { user: config.login.user, password: config.login.password, location: config.login.location },
    charset: profile.charset,
    errorDetection: profile.errorDetection,
    terminator: TERMINATOR_BYTES[profile.terminator],
    timeoutMs: config.timeoutMs,
    connectTimeoutMs: config.connectTimeoutMs,
    heartbeatMs: config.heartbeatMs,
    maxScResends: profile.maxScResends,
    maxAcsResends: profile.maxAcsResends,
    maxPrintWidth: 40,
    protocolVersion: "2.00",
  };
}

export function createSip2Client(config: Sip2Config, deps: Sip2ClientFactoryDeps): Sip2Client {
  const settings = { ...linkSettings(config, deps.readFile), ...deps.overrides?.link };
  const profile = profileOf(config);
  const connections = Array.from(
    { length: config.connections },
    (_, i) =>
      new Sip2Connection(settings, {
        name: `sip2#${i + 1}`,
        clock: deps.clock,
        logger: deps.logger,
      }),
  );
  const pool = new Sip2Pool(connections, { clock: deps.clock, logger: deps.logger, waitMs: config.timeoutMs });
  return new Sip2Client(
    {
      institution: config.institution,
      terminalPassword: config.terminalPassword ?? "",
      location: config.terminal ?? config.login.location ?? "",
      sendEmptyPatronPassword: profile.sendEmptyPatronPassword,
      scRenewalPolicy: profile.scRenewalPolicy,
      dateZone: profile.dateZone,
      readRetries: 2,
      transactionRetries: 1,
      ...deps.overrides?.transaction,
    },
    { pool, clock: deps.clock, logger: deps.logger },
  );
}

/** The profile's values under the site's own: `overrides`, and `charset`/`errorDetection` when set. */
function profileOf(config: Sip2Config) {
  return resolveProfile(config.profile, {
    ...config.overrides,
    charset: config.charset,
    errorDetection: config.errorDetection,
  });
}

function tlsOptions(config: Sip2Config, readFile: (path: string) => Buffer): Sip2TlsOptions | undefined {
  const tls = config.tls;
  if (tls === false) return undefined;
  if (tls === true) return {};
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw invalidConfig("config", [
      {
        path: tls.certFile === undefined ? "sip2.tls.certFile" : "sip2.tls.keyFile",
        message: "a client certificate needs both certFile and keyFile",
      },
    ]);
  }
  const read = (key: "caFile" | "certFile" | "keyFile", path: string | undefined) => {
    if (path === undefined) return undefined;
    try {
      return readFile(path);
    } catch (error) {
      throw invalidConfig("config", [
        { path: `sip2.tls.${key}`, message: `cannot read "${path}" (${(error as Error).message})` },
      ]);
    }
  };
  const ca = read("caFile", tls.caFile);
  const cert = read("certFile", tls.certFile);
  const key = read("keyFile", tls.keyFile);
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(tls.serverName ? { serverName: tls.serverName } : {}),
  };
}
