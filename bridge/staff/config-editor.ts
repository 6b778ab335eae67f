/**
 * The staff console's configuration editor: the config as it runs (secrets left out), a changed config
 * checked by the one validator (bridge/config/load.ts), a save to the file the bridge was started with
 * (atomically, the previous version kept as FILE.bak), and a SIP2 section tested on a fresh connection.
 *
 * What takes effect when (TAKES_EFFECT): a saved config is applied to the running bridge through `apply`
 * (bridge/main.ts): most sections at once; the ILS connection and the devices when no patron is at the
 * kiosk (idle or out of service), so a session is never cut off; the bridge's own HTTP server and the few
 * things opened once at start only at the next start ("restart needed": there is no supervisor inside
 * the bridge to restart it; under systemd, `systemctl restart` the service). Before new SIP2 settings
 * are used they are tested on a connection of their own, and the result is part of the save's answer.
 * Without `apply` (a bridge that only checks configs), staff users and session length still apply at once.
 * A bridge without a config file (the simulated stack of `npm start`, whose config is generated at each
 * start) can check and test a config but not save one: there is no file that the next start would read.
 */
import { randomBytes } from "node:crypto";
import { copyFile, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { describeError } from "../../protocols/errors.ts";
import type {
  ConfigProblem,
  ConfigRequest,
  ConfigSaved,
  ConfigValidation,
  ConfigView,
  SecretState,
  Sip2TestReply,
  Sip2TestRequest,
} from "../../protocols/staff-api/config.ts";
import { type LoadedConfig, parseConfig } from "../config/load.ts";
import { BridgeConfigSchema, type DeviceModelSpec, type Sip2Config, Sip2ConfigSchema } from "../config/schema.ts";
import { ConfigError, checkValue, isPlainObject, joinPath } from "../config/validate.ts";
import type { KioskEngine } from "../kiosk/engine.ts";
import type { Logger } from "../log/logger.ts";
import type { StaffAuth } from "./auth.ts";
import { StaffError } from "./desk.ts";
import { hashPassword, parseHash, tooShort } from "./password.ts";

type Json = Record<string, unknown>;

/**
 * Where secrets sit. "*" is every entry of a list; such an entry is known across edits by `entryKey`
 * (a staff user by name), so a user moved up the list keeps their password. `hashed`: a new value is a
 * password, stored as its scrypt hash.
 */
const SECRETS: ReadonlyArray<{ path: readonly string[]; entryKey?: string; hashed?: boolean }> = [
  { path: ["sip2", "login", "password"] },
  { path: ["sip2", "terminalPassword"] },
  { path: ["receipts", "email", "password"] },
  { path: ["staff", "users", "*", "passwordHash"], entryKey: "name", hashed: true },
];

/** Keys the staff login applies itself as soon as they are saved, with or without `apply`. */
const LIVE: readonly string[] = ["staff.users", "staff.sessionMinutes"];

type Timing = "now" | "idle" | "restart";

/** When a changed key takes effect with `apply`: the first entry that is the key or one of its parents. */
const TAKES_EFFECT: ReadonlyArray<readonly [key: string, when: Timing]> = [
  // The console is served by this server: it cannot move its own port or certificate under itself.
  ["server", "restart"],
  ["staff.loginAttemptsPerMinute", "restart"],
  // The journal database and statistics are opened once; the replay's undo is chosen at start.
  ["offline.journalPath", "restart"],
  ["offline.unknownOutcome", "restart"],
  ["statistics", "restart"],
  ["sip2", "idle"],
  ["devices", "idle"],
  ["", "now"],
];

/** The sections that are replaced rather than re-read, only while no patron is at the kiosk. */
export interface ApplySections {
  sip2: boolean;
  devices: boolean;
}

/** The phases in which no patron is served, so the ILS connection and devices may be replaced. */
const QUIET_PHASES: readonly string[] = ["idle", "closed", "out-of-service"];

export interface ConfigEditorParts {
  /** The config the bridge runs. */
  running: LoadedConfig;
  /** The file it was loaded from; undefined for a generated config. */
  file?: string | undefined;
  /** Device models, to check `devices` as the loader does (bridge/devices/factories.ts's table). */
  models: readonly DeviceModelSpec[];
  /** Opens a fresh SIP2 connection, logs in and asks SC Status (bridge/sip2/probe.ts). */
  testSip2(config: Sip2Config): Promise<Sip2TestReply>;
  /** The staff login, to apply staff users and session length at once. */
  auth?: StaffAuth | undefined;
  /**
   * Applies a saved config to the running bridge (bridge/main.ts): every section that takes effect at
   * once, and the SIP2 connection and devices when asked. Without it, changes wait for a restart.
   */
  apply?: ((config: LoadedConfig, replace: ApplySections) => Promise<void>) | undefined;
  /** The kiosk, whose patron the SIP2 and device changes wait for. */
  kiosk?: Pick<KioskEngine, "phase" | "subscribe"> | undefined;
  logger?: Logger | undefined;
}

interface Spot {
  /** Where, as problems name it: `staff.users[1].passwordHash`. */
  path: string;
  /** The same secret in another version of the config: `staff.users["ines"].passwordHash`. */
  identity: string;
  parent: Json;
  key: string;
  hashed: boolean;
}

export class ConfigEditor {
  readonly #parts: ConfigEditorParts;
  /** The config the bridge started with. */
  readonly #running: Json;
  /** The config as the next start will read it: the running one until a save. */
  #latest: Json;
  /** The `sip2` and `devices` sections in use now. */
  #replaced: Json;
  /** A saved config whose SIP2 and device changes wait for the patron to finish. */
  #waiting: { config: LoadedConfig; stopWatching: () => void } | undefined;
  #applyProblems: ConfigProblem[] = [];
  #saving: Promise<unknown> = Promise.resolve();

  constructor(parts: ConfigEditorParts) {
    this.#parts = parts;
    const { source: _source, ...running } = parts.running;
    this.#running = structuredClone(running) as Json;
    this.#latest = this.#running;
    this.#replaced = replacedSections(this.#running);
  }

  view(): ConfigView {
    const config = structuredClone(this.#latest);
    const secrets: SecretState[] = [];
    for (const spot of secretSpots(config)) {
      const value = spot.parent[spot.key];
      secrets.push({ path: spot.path, set: typeof value === "string" && value !== "" });
      delete spot.parent[spot.key];
    }
    const changed = changedPaths(this.#running, this.#latest);
    const pending = this.#pending();
    return {
      file: this.#parts.file ?? null,
      config,
      secrets,
      schema: BridgeConfigSchema,
      restartNeeded: changed.filter((p) => this.#timing(p) === "restart"),
      appliedLive: changed.filter((p) => this.#timing(p) !== "restart" && !pending.includes(p)),
      pending,
      applyProblems: this.#applyProblems,
    };
  }

  /** Only with `apply` does anything but the staff login take effect before a restart. */
  #timing(path: string): Timing {
    if (!this.#parts.apply) return isLive(path) ? "now" : "restart";
    return TAKES_EFFECT.find(([key]) => key === "" || isUnder(path, key))?.[1] ?? "now";
  }

  /** SIP2 and device keys saved but not yet in use. */
  #pending(): string[] {
    return this.#parts.apply ? changedPaths(this.#replaced, replacedSections(this.#latest)) : [];
  }

  /** Applies what takes effect now, and the SIP2 and device changes now or when the patron finishes. */
  async #apply(config: LoadedConfig, json: Json): Promise<void> {
    const apply = this.#parts.apply;
    if (!apply) return;
    this.#waiting?.stopWatching();
    this.#waiting = undefined;
    await this.#run(() => apply(config, { sip2: false, devices: false }));
    if (this.#pending().length === 0) return;
    const kiosk = this.#parts.kiosk;
    if (!kiosk || QUIET_PHASES.includes(kiosk.phase)) return this.#replace(config, json);
    const stopWatching = kiosk.subscribe(() => {
      if (this.#waiting?.config !== config || !QUIET_PHASES.includes(kiosk.phase)) return;
      this.#waiting.stopWatching();
      this.#waiting = undefined;
      // After any save still running, so two applies never overlap.
      this.#saving = this.#saving.then(() => this.#replace(config, json)).catch(() => undefined);
    });
    this.#waiting = { config, stopWatching };
    this.#parts.logger?.info(
      { pending: this.#pending() },
      "config: SIP2 and device changes wait for the patron to finish",
    );
  }

  async #replace(config: LoadedConfig, json: Json): Promise<void> {
    const apply = this.#parts.apply;
    if (!apply) return;
    const next = replacedSections(json);
    const replace = {
      sip2: changedPaths(this.#replaced.sip2, next.sip2).length > 0,
      devices: changedPaths(this.#replaced.devices, next.devices).length > 0,
    };
    if (await this.#run(() => apply(config, replace))) this.#replaced = next;
  }

  /** Runs one apply; a failure is kept for the console (and logged), not thrown. */
  async #run(step: () => Promise<void>): Promise<boolean> {
    try {
      await step();
      this.#applyProblems = [];
      return true;
    } catch (error) {
      this.#applyProblems = [
        {
          path: "",
          message: `the saved config could not be applied: ${describeError(error)}. The file is saved; fix the problem and save again, or restart the bridge.`,
        },
      ];
      this.#parts.logger?.error(
        { code: (error as { code?: unknown }).code },
        "config: a saved change could not be applied",
      );
      return false;
    }
  }

  async validate(request: ConfigRequest): Promise<ConfigValidation> {
    const { problems } = await this.#check(request);
    return { ok: problems.length === 0, problems };
  }

  /** Checks and writes the config; problems come back instead (nothing written). */
  save(request: ConfigRequest): Promise<ConfigSaved | ConfigValidation> {
    const file = this.#parts.file;
    if (file === undefined) {
      throw new StaffError(
        "STAFF_CONFIG_NOT_SAVABLE",
        "this bridge runs a generated config (the simulated stack of `npm start`): there is no file to save to. Check and test changes here; to keep them, put them in a file and start `selfcheck bridge --config FILE`.",
      );
    }
    // One save at a time: a second waits, so FILE.bak is always the version just before.
    const run = this.#saving.then(async () => {
      const { json, loaded, problems } = await this.#check(request);
      if (problems.length > 0 || !loaded) return { ok: false, problems };
      const backup = await writeAtomically(file, `${JSON.stringify(json, null, 2)}\n`);
      const before = this.#latest;
      this.#latest = json;
      const changed = changedPaths(before, json);
      if (changed.some(isLive)) this.#parts.auth?.reconfigure(loaded.staff);
      // New SIP2 settings are tried first, so the answer says whether the ILS takes them.
      const sip2Test =
        loaded.sip2 && changed.some((p) => isUnder(p, "sip2")) && this.#parts.apply
          ? await this.#parts.testSip2(loaded.sip2)
          : undefined;
      await this.#apply(loaded, json);
      const pending = this.#pending();
      return {
        file,
        backup,
        appliedLive: changed.filter((p) => this.#timing(p) !== "restart" && !pending.includes(p)),
        restartNeeded: changedPaths(this.#running, json).filter((p) => this.#timing(p) === "restart"),
        pending,
        applyProblems: this.#applyProblems,
        ...(sip2Test ? { sip2Test: { ok: sip2Test.ok, verdict: sip2Test.verdict, summary: sip2Test.summary } } : {}),
      } satisfies ConfigSaved;
    });
    this.#saving = run.catch(() => undefined);
    return run;
  }

  /** Tests the form's SIP2 section (its secrets kept as in `latest` unless given). */
  async testSip2(request: Sip2TestRequest): Promise<Sip2TestReply> {
    const merged = await this.#merge({ config: { sip2: request.sip2 }, secrets: request.secrets ?? {} }, [], {
      sip2: this.#latest.sip2,
    });
    const { value, problems } = checkValue(Sip2ConfigSchema, merged.sip2, "sip2");
    if (problems.length > 0) {
      return {
        ok: false,
        verdict: "invalid-config",
        summary: `the SIP2 settings are not valid: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
        problems,
        exchange: [],
      };
    }
    return this.#parts.testSip2(value);
  }

  async #check(request: ConfigRequest): Promise<{ json: Json; loaded?: LoadedConfig; problems: ConfigProblem[] }> {
    const problems: ConfigProblem[] = [];
    const json = await this.#merge(request, problems, this.#latest);
    const secretProblems = new Set(problems.map((p) => p.path));
    if (this.#running.sip2 !== undefined && json.sip2 === undefined) {
      problems.push({
        path: "sip2",
        message: "missing: the kiosk needs its ILS's SIP2 server (host, login, institution)",
      });
    }
    let loaded: LoadedConfig | undefined;
    try {
      loaded = parseConfig(json, this.#parts.file ?? "config", { models: this.#parts.models });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // A secret the merge already explained ("type a password") needs no second, vaguer message.
      problems.push(...error.problems.filter((p) => !secretProblems.has(p.path)));
    }
    loaded?.staff.users.forEach((user, i) => {
      const path = `staff.users[${i}].passwordHash`;
      try {
        parseHash(user.passwordHash, path);
      } catch (error) {
        problems.push({ path, message: describeError(error) });
      }
    });
    return loaded && problems.length === 0 ? { json, loaded, problems } : { json, problems };
  }

  /** The request's config with its secrets: those given set (or removed), the rest kept from `current`. */
  async #merge(request: ConfigRequest, problems: ConfigProblem[], current: Json): Promise<Json> {
    const json = structuredClone(request.config);
    const secrets = request.secrets ?? {};
    const kept = new Map(secretSpots(current).map((s) => [s.identity, s.parent[s.key]]));
    const named = new Set(Object.keys(secrets));
    for (const spot of secretSpots(json)) {
      named.delete(spot.path);
      if (Object.hasOwn(secrets, spot.path)) {
        const value = secrets[spot.path];
        if (value === null || value === undefined) delete spot.parent[spot.key];
        else if (!spot.hashed) spot.parent[spot.key] = value;
        else {
          const short = tooShort(value);
          if (short) problems.push({ path: spot.path, message: short });
          else spot.parent[spot.key] = await hashPassword(value);
        }
      } else if (!Object.hasOwn(spot.parent, spot.key) && kept.get(spot.identity) !== undefined) {
        spot.parent[spot.key] = kept.get(spot.identity);
      } else if (spot.hashed && !Object.hasOwn(spot.parent, spot.key)) {
        problems.push({ path: spot.path, message: "a new staff user needs a password: type one" });
      }
    }
    for (const path of named) {
      problems.push({ path, message: `not a secret of this config (secrets: ${secretNames()})` });
    }
    return json;
  }
}

function secretNames(): string {
  return SECRETS.map((s) => s.path.join(".").replace(".*", "[…]")).join(", ");
}

function isLive(path: string): boolean {
  return LIVE.some((live) => isUnder(path, live));
}

/** `path` is `key` or inside it: `sip2.port` is under `sip2`, `devices[1]` under `devices`. */
function isUnder(path: string, key: string): boolean {
  return path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`);
}

/** The sections that are replaced (not re-read) when they change. */
function replacedSections(config: Json): Json {
  return { sip2: config.sip2, devices: config.devices ?? [] };
}

/** Every place in `config` where a secret is or could be (its parent object exists). */
function secretSpots(config: Json): Spot[] {
  const spots: Spot[] = [];
  for (const spec of SECRETS) {
    const visit = (node: unknown, depth: number, path: string, identity: string) => {
      if (!isPlainObject(node)) return;
      const segment = spec.path[depth] ?? "";
      if (depth === spec.path.length - 1) {
        spots.push({
          path: joinPath(path, segment),
          identity: joinPath(identity, segment),
          parent: node,
          key: segment,
          hashed: spec.hashed === true,
        });
        return;
      }
      const child = node[segment];
      if (spec.path[depth + 1] === "*") {
        if (!Array.isArray(child)) return;
        child.forEach((entry, i) => {
          const key = isPlainObject(entry) ? String(entry[spec.entryKey ?? ""] ?? `#${i}`) : `#${i}`;
          visit(entry, depth + 2, joinPath(joinPath(path, segment), i), joinPath(joinPath(identity, segment), key));
        });
      } else visit(child, depth + 1, joinPath(path, segment), joinPath(identity, segment));
    };
    visit(config, 0, "", "");
  }
  return spots;
}

/** Keys whose values differ, as deep as both sides have the same shape: `sip2.port`, `devices[1]`. */
export function changedPaths(a: unknown, b: unknown, path = ""): string[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) => changedPaths(a[key], b[key], joinPath(path, key)));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((item, i) => changedPaths(item, b[i], joinPath(path, i)));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

/**
 * Writes `text` to `file` so that a crash leaves either the old or the new file, never half of one: a
 * temporary file in the same folder, flushed, then renamed over the old one (rename(2) is atomic within a
 * file system), then the folder flushed so the rename itself survives a power cut. The old file is first
 * copied to FILE.bak; the new file keeps the old one's permissions (it holds passwords). Returns the
 * backup's path, or null when there was no file before.
 */
export async function writeAtomically(file: string, text: string): Promise<string | null> {
  const folder = dirname(file);
  const temporary = join(folder, `.${basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    let mode = 0o600;
    let backup: string | null = null;
    const old = await stat(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (old) {
      mode = old.mode & 0o777;
      backup = `${file}.bak`;
      await copyFile(file, backup);
    }
    const handle = await open(temporary, "wx", mode);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    const dir = await open(folder, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return backup;
  } catch (error) {
    await rm(temporary, { force: true });
    throw new StaffError(
      "STAFF_CONFIG_WRITE_FAILED",
      `${file}: the config could not be saved (${describeError(error)}). The file is unchanged; check that the bridge may write to ${folder}.`,
    );
  }
}
