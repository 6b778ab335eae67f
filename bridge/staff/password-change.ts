/**
 * "Change my password" at the staff console (POST /api/staff/password): a signed-in member gives their
 * current password and the new one twice. The current one is checked as a login checks it (scrypt, a
 * constant-time compare; the route has the login's rate limit), the new one is stored only as its hash:
 * saved in the config file through the configuration editor (so FILE.bak holds the old hash, never a
 * password) and applied to the logins at once. The member stays signed in on this session; their other
 * sessions end, so a session opened with the old password does not outlive it (OWASP Session Management
 * Cheat Sheet, "Renew the session ID after any privilege level change" / re-authentication on password
 * change). Neither password is ever logged.
 */
import type { PasswordChanged, PasswordChangeRequest } from "../../protocols/staff-api/schema.ts";
import { isPlainObject } from "../config/validate.ts";
import type { Logger } from "../log/logger.ts";
import type { StaffAuth } from "./auth.ts";
import type { ConfigEditor } from "./config-editor.ts";
import { DEFAULT_COST, hashPassword, type ScryptCost, tooShort } from "./password.ts";
import { StaffError } from "./staff-error.ts";

export interface StaffPasswordChangeParts {
  auth: StaffAuth;
  /** Saves the config file; without one (or without a file behind it) the new hash holds until the bridge stops. */
  editor?: ConfigEditor | undefined;
  logger: Logger;
  /** The new hash's cost; tests pass a cheap one. */
  cost?: ScryptCost;
}

export class StaffPasswordChange {
  readonly #parts: StaffPasswordChangeParts;
  readonly #logger: Logger;

  constructor(parts: StaffPasswordChangeParts) {
    this.#parts = parts;
    this.#logger = parts.logger.child({ component: "staff-password" });
  }

  /**
   * Changes `user`'s password, keeping the session `token`. Throws STAFF_PASSWORD_INVALID (each problem at its
   * field) or STAFF_PASSWORD_WRONG, changing nothing.
   */
  async change(user: string, token: string, request: PasswordChangeRequest): Promise<PasswordChanged> {
    const problems = newPasswordProblems(request);
    if (problems.length > 0) {
      throw new StaffError(
        "STAFF_PASSWORD_INVALID",
        `the new password cannot be used: ${problems.map((p) => p.message).join("; ")}. Nothing was changed.`,
        { problems },
      );
    }
    if (!(await this.#parts.auth.verify(user, request.current))) {
      this.#logger.warn({ user }, "staff password change refused: wrong current password");
      throw new StaffError(
        "STAFF_PASSWORD_WRONG",
        "the current password is not right; nothing was changed. Type the password you logged in with.",
        { problems: [{ path: "current", message: "not your current password; type the one you logged in with" }] },
      );
    }
    const passwordHash = await hashPassword(request.newPassword, this.#parts.cost ?? DEFAULT_COST);
    const file = await this.#save(user, passwordHash);
    const otherSessionsEnded = this.#parts.auth.setPasswordHash(user, passwordHash, token);
    this.#logger.info({ user, otherSessionsEnded, saved: file !== null }, "staff member changed their password");
    return { user, otherSessionsEnded, file };
  }

  /** Writes the hash into the config file (the editor keeps the other secrets as they are); the file, or null. */
  async #save(user: string, passwordHash: string): Promise<string | null> {
    const editor = this.#parts.editor;
    const view = editor?.view();
    if (!editor || !view || view.file === null) return null;
    const staff = isPlainObject(view.config.staff) ? view.config.staff : {};
    const users = Array.isArray(staff.users) ? staff.users : [];
    if (!users.some((u) => isPlainObject(u) && u.name === user)) {
      throw new StaffError(
        "STAFF_CONFIG_INVALID",
        `the staff user "${user}" is no longer in the config file's staff.users; ask whoever edits the configuration to add you again.`,
      );
    }
    // The view leaves secrets out; a user given a passwordHash keeps it, the others keep theirs (the editor's merge).
    const changed = users.map((u) => (isPlainObject(u) && u.name === user ? { ...u, passwordHash } : u));
    const saved = await editor.save({ config: { ...view.config, staff: { ...staff, users: changed } } });
    if ("problems" in saved) {
      throw new StaffError(
        "STAFF_CONFIG_INVALID",
        "the config file has problems of its own, so the new password could not be saved; fix them on the configuration page and try again.",
        { problems: saved.problems },
      );
    }
    return saved.file;
  }
}

/** What is wrong with the new password as typed, at its field; none when it can be used. */
export function newPasswordProblems(request: PasswordChangeRequest): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const short = tooShort(request.newPassword);
  if (short) problems.push({ path: "newPassword", message: short });
  else if (request.newPassword === request.current) {
    problems.push({ path: "newPassword", message: "the new password is the current one; choose another" });
  }
  if (request.repeated !== request.newPassword) {
    problems.push({ path: "repeated", message: "differs from the new password; type the same password twice" });
  }
  return problems;
}
