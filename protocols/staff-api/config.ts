/**
 * The configuration editor's part of the staff API (docs/staff-api.md, "Configuration"): read the config,
 * check a changed one, save it to the file the bridge was started with, and test a SIP2 section.
 *
 * Secrets (the SIP2 login and terminal passwords, the SMTP password, staff password hashes) never leave
 * the bridge: a read lists each as set or not set, and a write keeps the current value of every secret it
 * does not name in `secrets`.
 */
import { type Static, Type } from "@sinclair/typebox";
import { literals } from "../kiosk-api/schema.ts";

export const SIP2_TEST_VERDICTS = [
  "ok",
  "acs-offline",
  "unreachable",
  "tls",
  "login-refused",
  "timeout",
  "bad-response",
  "disconnected",
  "invalid-config",
  "failed",
] as const;
export type Sip2TestVerdict = (typeof SIP2_TEST_VERDICTS)[number];

/** One thing wrong with a config: where (`sip2.port`, `devices[1].transport.path`) and what to do. */
export const ConfigProblem = Type.Object({ path: Type.String(), message: Type.String() });
export type ConfigProblem = Static<typeof ConfigProblem>;

/** A secret's place in the config and whether it has a value; the value itself is never sent. */
export const SecretState = Type.Object({ path: Type.String(), set: Type.Boolean() });
export type SecretState = Static<typeof SecretState>;

/**
 * The shortest staff password the bridge takes. NIST SP 800-63B (5.1.1.2) asks at least 8 characters of a
 * password a person chooses and lets a verifier ask more; staff logins can change the kiosk, so 10.
 */
export const STAFF_PASSWORD_MIN_LENGTH = 10;

/** New values of secrets by path; null removes one (see ConfigRequest). */
const NewSecrets = Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 1024 }), Type.Null()]));

/** GET /api/staff/config */
export const ConfigView = Type.Object({
  /** The file the bridge was started with; null when it runs a generated config (the simulated stack). */
  file: Type.Union([Type.String(), Type.Null()]),
  /** The config as it will run: the saved file once saved, else the running one. Secrets left out. */
  config: Type.Record(Type.String(), Type.Unknown()),
  secrets: Type.Array(SecretState),
  /** The config's JSON schema (with a `description` per key): the console builds its form from it. */
  schema: Type.Unknown(),
  /** Keys saved but not yet in effect: they take effect when the bridge restarts. */
  restartNeeded: Type.Array(Type.String()),
  /** Keys saved and in effect without a restart. */
  appliedLive: Type.Array(Type.String()),
  /** Keys saved that take effect when the current patron finishes (the ILS connection, devices). */
  pending: Type.Array(Type.String()),
  /** Sections the bridge could not apply, and why (the bridge log has more). */
  applyProblems: Type.Array(ConfigProblem),
});
export type ConfigView = Static<typeof ConfigView>;

/**
 * POST /api/staff/config/validate and PUT /api/staff/config. `secrets` maps a secret's path to its new
 * value (for `staff.users[i].passwordHash`: the new password, which the bridge hashes) or null to remove
 * it; a secret not named keeps its current value (a staff user's by user name).
 */
export const ConfigRequest = Type.Object(
  {
    config: Type.Record(Type.String(), Type.Unknown()),
    secrets: Type.Optional(NewSecrets),
  },
  { additionalProperties: false },
);
export type ConfigRequest = Static<typeof ConfigRequest>;

/** The reply to validate: every problem, each at its key. */
export const ConfigValidation = Type.Object({ ok: Type.Boolean(), problems: Type.Array(ConfigProblem) });
export type ConfigValidation = Static<typeof ConfigValidation>;

/** The reply to a save. */
export const ConfigSaved = Type.Object({
  file: Type.String(),
  /** The previous version, kept next to it. */
  backup: Type.Union([Type.String(), Type.Null()]),
  /** Changed keys in effect now. */
  appliedLive: Type.Array(Type.String()),
  /** Changed keys that take effect when the bridge restarts. */
  restartNeeded: Type.Array(Type.String()),
  /** Changed keys that take effect when the current patron finishes (the ILS connection, devices). */
  pending: Type.Array(Type.String()),
  /** Sections the bridge could not apply, and why. */
  applyProblems: Type.Array(ConfigProblem),
  /**
   * When the SIP2 section changed: the new settings tested on a connection of their own before use. A
   * failed test does not stop the change: the kiosk goes offline (lending from its journal where allowed)
   * until the ILS answers or the settings are corrected.
   */
  sip2Test: Type.Optional(
    Type.Object({ ok: Type.Boolean(), verdict: literals(SIP2_TEST_VERDICTS), summary: Type.String() }),
  ),
});
export type ConfigSaved = Static<typeof ConfigSaved>;

/** POST /api/staff/config/test-sip2: a `sip2` section (the form's, saved or not) and its changed secrets. */
export const Sip2TestRequest = Type.Object(
  {
    sip2: Type.Record(Type.String(), Type.Unknown()),
    secrets: Type.Optional(NewSecrets),
  },
  { additionalProperties: false },
);
export type Sip2TestRequest = Static<typeof Sip2TestRequest>;

/** One message of the test exchange, as sent or received, with passwords and patron fields masked. */
export const Sip2TestLine = Type.Object({
  direction: literals(["sent", "received"] as const),
  /** ISO 8601 time. */
  at: Type.String(),
  /** Milliseconds since the test began. */
  ms: Type.Number(),
  /** The message type ("login", "acsStatus"); absent when it did not decode. */
  type: Type.Optional(Type.String()),
  /** Why it did not decode (SIP2_CHECKSUM …). */
  error: Type.Optional(Type.String()),
  /** The message as on the wire, masked. */
  wire: Type.String(),
});
export type Sip2TestLine = Static<typeof Sip2TestLine>;

export const Sip2TestReply = Type.Object({
  ok: Type.Boolean(),
  verdict: literals(SIP2_TEST_VERDICTS),
  /** What happened, for people. */
  summary: Type.String(),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  /** When the section itself is not valid: what is wrong, at its key. */
  problems: Type.Optional(Type.Array(ConfigProblem)),
  exchange: Type.Array(Sip2TestLine),
  /** The ACS's SC Status answer (98), when it came. */
  acs: Type.Optional(
    Type.Object({
      online: Type.Boolean(),
      institution: Type.String(),
      libraryName: Type.Optional(Type.String()),
      protocolVersion: Type.String(),
      checkinOk: Type.Boolean(),
      checkoutOk: Type.Boolean(),
      /** The BX list in words: messages the ACS supports, and those it does not. */
      supported: Type.Array(Type.String()),
      unsupported: Type.Array(Type.String()),
    }),
  ),
});
export type Sip2TestReply = Static<typeof Sip2TestReply>;
