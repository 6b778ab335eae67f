/**
 * One SIP2 connection opened the way a person testing an ILS wants it: the bridge's own client, one
 * connection, no heartbeat, nothing asked or sent twice, so each exchange is seen once. `selfcheck sip2`
 * and the staff console's "test SIP2 connection" both open it here; neither touches the kiosk's pool.
 */

import { describeError } from "../../protocols/errors.ts";
import { FIXED_WIDTH, MESSAGES, REDACTED, SIP2_IDENTITY_FIELDS, tryDecodeMessage } from "../../protocols/sip2/index.ts";
import type { Sip2TestLine, Sip2TestReply, Sip2TestVerdict } from "../../protocols/staff-api/config.ts";
import type { Sip2Config } from "../config/schema.ts";
import type { Clock } from "../transports/clock.ts";
import type { Sip2Client } from "./client.ts";
import type { AcsStatus, Sip2Connection, Sip2Exchange } from "./connection.ts";
import { supportedMessages, words } from "./describe.ts";
import { Sip2ClientError, type Sip2ClientErrorCode } from "./errors.ts";
import { createSip2Client } from "./index.ts";

export interface ProbeDeps {
  clock: Clock;
  /** Reads PEM files named in the config; tests pass their own. */
  readFile?: (path: string) => Buffer;
}

/** A single-connection client; subscribe to `connection`'s "exchange" events before `connection.open()`. */
export function createProbeClient(
  config: Sip2Config,
  deps: ProbeDeps,
): { client: Sip2Client; connection: Sip2Connection } {
  const client = createSip2Client(
    { ...config, connections: 1 },
    {
      clock: deps.clock,
      ...(deps.readFile ? { readFile: deps.readFile } : {}),
      overrides: { link: { heartbeatMs: 0 }, transaction: { readRetries: 0, transactionRetries: 0 } },
    },
  );
  const connection = client.pool.connections[0];
  if (!connection) throw new Sip2ClientError("SIP2_CLOSED", "the SIP2 test client has no connection.");
  return { client, connection };
}

/** Which verdict each client error is, and what a person checks first. */
const VERDICTS: Readonly<Partial<Record<Sip2ClientErrorCode, Sip2TestVerdict>>> = {
  SIP2_CONNECT_FAILED: "unreachable",
  SIP2_TLS: "tls",
  SIP2_LOGIN_REFUSED: "login-refused",
  ILS_TIMEOUT: "timeout",
  SIP2_BAD_RESPONSE: "bad-response",
  SIP2_RESEND_LIMIT: "bad-response",
  SIP2_DISCONNECTED: "disconnected",
};

/**
 * Connects, logs in (93/94) and asks SC Status (99/98) on a fresh connection; returns every exchange with
 * passwords and patron fields masked, a verdict and the ACS's answer in words. Never throws.
 */
export async function testSip2Connection(config: Sip2Config, deps: ProbeDeps): Promise<Sip2TestReply> {
  const started = deps.clock.now();
  const exchange: Sip2TestLine[] = [];
  let client: Sip2Client | undefined;
  try {
    const probe = createProbeClient(config, deps);
    client = probe.client;
    probe.connection.on("exchange", (e) => exchange.push(testLine(e, started)));
    const status = await probe.connection.open();
    return statusReply(status, probe.connection.description, exchange);
  } catch (error) {
    const code = error instanceof Sip2ClientError ? error.code : undefined;
    const verdict = (code && VERDICTS[code]) ?? (errorCode(error) === "CONFIG_INVALID" ? "invalid-config" : "failed");
    return {
      ok: false,
      verdict,
      summary: describeError(error),
      error: { code: errorCode(error) ?? "SIP2_FAILED", message: describeError(error) },
      exchange,
    };
  } finally {
    await client?.close().catch(() => undefined);
  }
}

function statusReply(status: AcsStatus, where: string, exchange: Sip2TestLine[]): Sip2TestReply {
  const bx = supportedMessages(status.supportedMessages);
  const [supported, unsupported] = [bx.supported.map(words), bx.unsupported.map(words)];
  const acs = {
    online: status.onlineStatus,
    institution: status.institutionId,
    protocolVersion: status.protocolVersion,
    checkinOk: status.checkinOk,
    checkoutOk: status.checkoutOk,
    supported,
    unsupported,
    ...(status.libraryName ? { libraryName: status.libraryName } : {}),
  };
  return status.onlineStatus
    ? { ok: true, verdict: "ok", summary: `${where}: logged in; the ACS is online`, exchange, acs }
    : {
        ok: false,
        verdict: "acs-offline",
        summary: `${where}: logged in, but the ACS reports itself offline (online status N in its 98): it will refuse transactions until the ILS is back`,
        exchange,
        acs,
      };
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

function testLine(e: Sip2Exchange, started: number): Sip2TestLine {
  const decoded = tryDecodeMessage(e.bytes);
  return {
    direction: e.direction,
    at: new Date(e.at).toISOString(),
    ms: e.at - started,
    wire: redactWire(e.bytes.toString("latin1").replace(/[\r\n]+$/, "")),
    ...(decoded.ok ? { type: decoded.message.type } : { error: decoded.error.code }),
  };
}

/** Fixed-part width (with the two-character code) of each message, by code. */
const FIXED_LENGTH: ReadonlyMap<string, number> = new Map(
  Object.values(MESSAGES).map((spec) => [
    spec.code,
    2 +
      spec.fixed.reduce(
        (sum, [, kind, width]) => sum + (width ?? FIXED_WIDTH[kind as keyof typeof FIXED_WIDTH] ?? 0),
        0,
      ),
  ]),
);

const IDENTITY_IDS: ReadonlySet<string> = new Set(Object.keys(SIP2_IDENTITY_FIELDS));

/**
 * The wire text with every field protocols/sip2/redact.ts calls identity (patron id and name, PINs,
 * passwords, the login user) masked. The variable part starts after the message's fixed part and its
 * fields are "|"-separated (SIP2 2.00, "Variable-length fields"), so each field is found exactly; a message
 * this catalog does not know is not shown at all.
 */
export function redactWire(text: string): string {
  const fixed = FIXED_LENGTH.get(text.slice(0, 2));
  if (fixed === undefined) return `${text.slice(0, 2)} [not a known message; not shown]`;
  const fields = text
    .slice(fixed)
    .split("|")
    .map((field) =>
      IDENTITY_IDS.has(field.slice(0, 2)) && field.length > 2 ? `${field.slice(0, 2)}${REDACTED}` : field,
    );
  return text.slice(0, fixed) + fields.join("|");
}
