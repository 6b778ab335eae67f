/**
 * Staff login and sessions. Users and their scrypt hashes come from the config's `staff` section; a
 * session is a random token that ends after `sessionMinutes` without use, timed on the bridge's Clock.
 * Sessions live in memory: a restart of the bridge logs staff out, which is what a kiosk wants.
 */
import { randomBytes } from "node:crypto";
import type { StaffConfig } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import type { Clock } from "../transports/clock.ts";
import { parseHash, verifyPassword } from "./password.ts";

export interface StaffSessionInfo {
  user: string;
  expiresAt: number;
}

/** A password hash nobody knows, checked for unknown user names so they take as long as known ones. */
const DECOY = parseHash(
  `scrypt$15$8$1$${randomBytes(16).toString("base64")}$${randomBytes(32).toString("base64")}`,
  "decoy",
);

/** The part of the config's `staff` section that logins use. */
type StaffLogins = Pick<StaffConfig, "users" | "sessionMinutes" | "loginAttemptsPerMinute">;

export class StaffAuth {
  #users: ReadonlyMap<string, ReturnType<typeof parseHash>> = new Map();
  readonly #sessions = new Map<string, StaffSessionInfo>();
  #idleMs = 0;
  readonly #clock: Clock;
  readonly #logger: Logger;

  /** Throws STAFF_PASSWORD_HASH_INVALID naming the config key of a hash that cannot be used. */
  constructor(config: StaffLogins, options: { clock: Clock; logger: Logger }) {
    this.#clock = options.clock;
    this.#logger = options.logger.child({ component: "staff-auth" });
    this.reconfigure(config);
  }

  /**
   * Takes new users and session length (a saved config). Sessions of users no longer listed end at
   * once; the others get the new length from their next use. Throws like the constructor, changing nothing.
   */
  reconfigure(config: StaffLogins): void {
    const users = new Map(
      config.users.map((u, i) => [u.name, parseHash(u.passwordHash, `staff.users[${i}].passwordHash`)]),
    );
    this.#users = users;
    this.#idleMs = config.sessionMinutes * 60_000;
    for (const [token, session] of this.#sessions) if (!users.has(session.user)) this.#sessions.delete(token);
  }

  get hasUsers(): boolean {
    return this.#users.size > 0;
  }

  /** Whether `password` is `user`'s; an unknown user takes as long as a known one. Never logged. */
  async verify(user: string, password: string): Promise<boolean> {
    const hash = this.#users.get(user);
    const ok = await verifyPassword(password, hash ?? DECOY);
    return hash !== undefined && ok;
  }

  /**
   * Gives `user` a new password hash (a password change): it holds for the next login, and the user's
   * other sessions end (whoever knew the old password is signed out), the session `keep` stays.
   * Returns how many sessions ended. Throws STAFF_PASSWORD_HASH_INVALID for a hash that cannot be used.
   */
  setPasswordHash(user: string, passwordHash: string, keep: string): number {
    if (!this.#users.has(user)) return 0;
    const users = new Map(this.#users);
    users.set(user, parseHash(passwordHash, `staff.users["${user}"].passwordHash`));
    this.#users = users;
    let ended = 0;
    for (const [token, session] of this.#sessions) {
      if (session.user === user && token !== keep) {
        this.#sessions.delete(token);
        ended += 1;
      }
    }
    return ended;
  }

  /** A new session for a right name and password, else undefined. The password is never logged. */
  async login(user: string, password: string): Promise<({ token: string } & StaffSessionInfo) | undefined> {
    const hash = this.#users.get(user);
    if (!(await this.verify(user, password))) {
      // The name typed may be a patron's card number typed in the wrong box: log only whether it exists.
      this.#logger.warn({ knownUser: hash !== undefined }, "staff login failed");
      return undefined;
    }
    const now = this.#clock.now();
    for (const [old, s] of this.#sessions) if (now >= s.expiresAt) this.#sessions.delete(old);
    const token = randomBytes(32).toString("base64url");
    const session = { user, expiresAt: now + this.#idleMs };
    this.#sessions.set(token, session);
    this.#logger.info({ user }, "staff logged in");
    return { token, ...session };
  }

  /** The session of a token, moved on by this use; "expired" or undefined (unknown) otherwise. */
  use(token: string): StaffSessionInfo | "expired" | undefined {
    const session = this.#sessions.get(token);
    if (!session) return undefined;
    const now = this.#clock.now();
    if (now >= session.expiresAt) {
      this.#sessions.delete(token);
      return "expired";
    }
    session.expiresAt = now + this.#idleMs;
    return { ...session };
  }

  /** Whether a token's session is still open, without moving its end on (a watching page is not a use). */
  isOpen(token: string): boolean {
    const session = this.#sessions.get(token);
    return session !== undefined && this.#clock.now() < session.expiresAt;
  }

  logout(token: string): void {
    const session = this.#sessions.get(token);
    if (session) this.#logger.info({ user: session.user }, "staff logged out");
    this.#sessions.delete(token);
  }
}
