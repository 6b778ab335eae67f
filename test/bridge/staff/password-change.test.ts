/**
 * "Change my password" on the bridge: the current password checked, the new one typed twice and long enough,
 * only its hash stored (config file and FILE.bak hold no password), the member kept signed in on this session
 * while their other sessions end, and neither password in the log.
 */
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../bridge/config/load.ts";
import { StaffAuth } from "../../../bridge/staff/auth.ts";
import { ConfigEditor } from "../../../bridge/staff/config-editor.ts";
import { hashPassword } from "../../../bridge/staff/password.ts";
import { StaffPasswordChange } from "../../../bridge/staff/password-change.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { capturedLogger } from "../devices/scanner/helpers.ts";

const CHEAP = { log2N: 10, r: 8, p: 1 };
const OLD = "old-desk-pass-1";
const NEW = "new-desk-pass-2";

/** A bridge's staff side with users ines and omar, optionally over a config file. */
async function desk(options: { file?: boolean } = {}) {
  const clock = new VirtualClock();
  const log = capturedLogger("debug");
  const users = [
    { name: "ines", passwordHash: await hashPassword(OLD, CHEAP) },
    { name: "omar", passwordHash: await hashPassword("omars-pass-123", CHEAP) },
  ];
  const json = { kiosk: { name: "Front door" }, staff: { users } };
  let file: string | undefined;
  if (options.file) {
    file = join(await mkdtemp(join(tmpdir(), "password-")), "kiosk.json");
    await writeFile(file, JSON.stringify(json, null, 2));
  }
  const running = parseConfig(json, file ?? "generated", { models: [] });
  const auth = new StaffAuth(running.staff, { clock, logger: log.logger });
  const editor = new ConfigEditor({
    running,
    file,
    models: [],
    testSip2: () => Promise.reject(new Error("no SIP2 here")),
    auth,
  });
  const change = new StaffPasswordChange({ auth, editor, logger: log.logger, cost: CHEAP });
  const here = (await auth.login("ines", OLD))?.token ?? "";
  return { auth, change, log, file, here };
}

const request = (current: string, newPassword: string, repeated = newPassword) => ({ current, newPassword, repeated });

describe("changing one's own staff password", () => {
  it("refuses a wrong current password and changes nothing", async () => {
    const { auth, change, here, log } = await desk();
    await expect(change.change("ines", here, request("not-my-pass", NEW))).rejects.toMatchObject({
      code: "STAFF_PASSWORD_WRONG",
      message: expect.stringMatching(/current password is not right; nothing was changed/),
      details: { problems: [{ path: "current" }] },
    });
    expect(await auth.verify("ines", OLD)).toBe(true);
    expect(await auth.verify("ines", NEW)).toBe(false);
    expect(auth.use(here)).toMatchObject({ user: "ines" });
    expect(log.text()).not.toMatch(/not-my-pass|new-desk-pass/);
  });

  it("refuses a new password that is too short, or typed differently the second time, naming the field", async () => {
    const { auth, change, here } = await desk();
    await expect(change.change("ines", here, request(OLD, "short-1"))).rejects.toMatchObject({
      code: "STAFF_PASSWORD_INVALID",
      details: { problems: [{ path: "newPassword", message: expect.stringMatching(/at least 10 characters/) }] },
    });
    await expect(change.change("ines", here, request(OLD, NEW, "new-desk-pass-3"))).rejects.toMatchObject({
      code: "STAFF_PASSWORD_INVALID",
      details: { problems: [{ path: "repeated", message: expect.stringMatching(/type the same password twice/) }] },
    });
    await expect(change.change("ines", here, request(OLD, OLD))).rejects.toMatchObject({
      details: { problems: [{ path: "newPassword", message: expect.stringMatching(/is the current one/) }] },
    });
    // Counted in characters, not bytes or UTF-16 units: ten emoji are ten characters.
    const emoji = "🔑".repeat(10);
    await expect(change.change("ines", here, request(OLD, emoji))).resolves.toMatchObject({ user: "ines" });
    expect(await auth.verify("ines", emoji)).toBe(true);
  });

  it("takes the new password at once: it logs in, the old one no longer does; this session stays, the others end", async () => {
    const { auth, change, here } = await desk();
    const elsewhere = (await auth.login("ines", OLD))?.token ?? "";
    const colleague = (await auth.login("omar", "omars-pass-123"))?.token ?? "";
    const changed = await change.change("ines", here, request(OLD, NEW));
    expect(changed).toEqual({ user: "ines", otherSessionsEnded: 1, file: null });
    expect(auth.use(here)).toMatchObject({ user: "ines" });
    expect(auth.use(elsewhere)).toBeUndefined();
    expect(auth.use(colleague)).toMatchObject({ user: "omar" });
    expect(await auth.login("ines", OLD)).toBeUndefined();
    expect(await auth.login("ines", NEW)).toMatchObject({ user: "ines" });
    expect(await auth.verify("omar", "omars-pass-123")).toBe(true);
  });

  it("saves only the new hash in the config file; neither password is in the file, its .bak or the log", async () => {
    const { auth, change, here, file, log } = await desk({ file: true });
    const path = file ?? "";
    const before = JSON.parse(await readFile(path, "utf8"));
    const changed = await change.change("ines", here, request(OLD, NEW));
    expect(changed.file).toBe(path);
    const after = JSON.parse(await readFile(path, "utf8"));
    const [ines, omar] = after.staff.users;
    expect(ines.passwordHash).toMatch(/^scrypt\$10\$8\$1\$/);
    expect(ines.passwordHash).not.toBe(before.staff.users[0].passwordHash);
    expect(omar.passwordHash).toBe(before.staff.users[1].passwordHash);
    expect(after.kiosk.name).toBe("Front door");
    expect(JSON.parse(await readFile(`${path}.bak`, "utf8"))).toEqual(before);
    const folder = join(path, "..");
    for (const name of await readdir(folder)) {
      expect(await readFile(join(folder, name), "utf8")).not.toMatch(/old-desk-pass|new-desk-pass/);
    }
    expect(log.text()).toContain("staff member changed their password");
    expect(log.text()).not.toMatch(/old-desk-pass|new-desk-pass/);
    // A bridge started from the saved file takes the new password, not the old one.
    const restarted = new StaffAuth(parseConfig(after, path, { models: [] }).staff, {
      clock: new VirtualClock(),
      logger: log.logger,
    });
    expect(await restarted.verify("ines", NEW)).toBe(true);
    expect(await restarted.verify("ines", OLD)).toBe(false);
    expect(await auth.verify("ines", NEW)).toBe(true);
  });
});
