import { describe, expect, it } from "vitest";
import { StaffAuth } from "../../../bridge/staff/auth.ts";
import { hashPassword, parseHash, verifyPassword } from "../../../bridge/staff/password.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { capturedLogger } from "../devices/scanner/helpers.ts";

/** Cheap hashes for tests (2^10); the format and the check are the same as at the default cost. */
const CHEAP = { log2N: 10, r: 8, p: 1 };

describe("staff password hashes", () => {
  it("verify the password they were made from and nothing else; each hash has its own salt", async () => {
    const hash = await hashPassword("correct horse", CHEAP);
    expect(hash).toMatch(/^scrypt\$10\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    const parsed = parseHash(hash, "x");
    expect(await verifyPassword("correct horse", parsed)).toBe(true);
    expect(await verifyPassword("correct horsf", parsed)).toBe(false);
    expect(await verifyPassword("", parsed)).toBe(false);
    expect(await hashPassword("correct horse", CHEAP)).not.toBe(hash);
  });

  it("a hash that is not one names its config key and says how to make one", () => {
    for (const bad of ["plain-text", "scrypt$99$8$1$abc$def", "scrypt$15$8$1$$def", "bcrypt$10$8$1$a$b"]) {
      expect(() => parseHash(bad, "staff.users[1].passwordHash")).toThrow(
        /^staff\.users\[1\]\.passwordHash: not a password hash from `selfcheck staff-password`/,
      );
    }
  });
});

describe("StaffAuth", () => {
  async function auth(sessionMinutes = 30) {
    const clock = new VirtualClock();
    const log = capturedLogger("info");
    const users = [{ name: "ines", passwordHash: await hashPassword("s3cret-pass", CHEAP) }];
    return {
      clock,
      log,
      auth: new StaffAuth({ users, sessionMinutes, loginAttemptsPerMinute: 5 }, { clock, logger: log.logger }),
    };
  }

  it("logs in with the right password; a wrong password or an unknown user gets nothing, and no password is logged", async () => {
    const { auth: staff, log } = await auth();
    expect(await staff.login("ines", "wrong-pass")).toBeUndefined();
    expect(await staff.login("24711000000012", "s3cret-pass")).toBeUndefined();
    const session = await staff.login("ines", "s3cret-pass");
    expect(session).toMatchObject({ user: "ines" });
    expect(session?.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(log.text()).not.toMatch(/s3cret-pass|wrong-pass|24711000000012/);
    expect(log.text()).toContain("staff login failed");
  });

  it("a session ends after sessionMinutes without use; each use moves the end on", async () => {
    const { auth: staff, clock } = await auth(10);
    const session = await staff.login("ines", "s3cret-pass");
    const token = session?.token ?? "";
    await clock.advance(9 * 60_000);
    expect(staff.use(token)).toMatchObject({ user: "ines", expiresAt: clock.now() + 10 * 60_000 });
    await clock.advance(9 * 60_000);
    expect(staff.use(token)).toMatchObject({ user: "ines" });
    await clock.advance(10 * 60_000);
    expect(staff.use(token)).toBe("expired");
    expect(staff.use(token)).toBeUndefined();
  });

  it("logout ends the session; an unknown token is no session", async () => {
    const { auth: staff } = await auth();
    const session = await staff.login("ines", "s3cret-pass");
    staff.logout(session?.token ?? "");
    expect(staff.use(session?.token ?? "")).toBeUndefined();
    expect(staff.use("made-up")).toBeUndefined();
  });
});
