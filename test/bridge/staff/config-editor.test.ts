/**
 * The configuration editor's parts that need no server: the refusal to save a generated config, the
 * atomic write when it cannot finish, and the masking of SIP2 wire text in the test exchange.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../bridge/config/load.ts";
import { DEVICE_MODELS } from "../../../bridge/devices/factories.ts";
import { redactWire } from "../../../bridge/sip2/probe.ts";
import { ConfigEditor, changedPaths, writeAtomically } from "../../../bridge/staff/config-editor.ts";
import { encodeMessage, redactSip2Fields, type Sip2Message, sip2 } from "../../../protocols/sip2/index.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const running = parseConfig(
  { sip2: { host: "ils.example.org", login: { user: "kiosk", password: "pw" }, institution: "main" } },
  "generated stack config",
  { models: DEVICE_MODELS },
);

describe("ConfigEditor", () => {
  it("a generated config (no file) can be checked but not saved, and says why", async () => {
    const editor = new ConfigEditor({ running, models: DEVICE_MODELS, testSip2: async () => ({}) as never });
    const { config } = editor.view();
    expect(await editor.validate({ config })).toEqual({ ok: true, problems: [] });
    expect(() => editor.save({ config })).toThrow(
      expect.objectContaining({
        code: "STAFF_CONFIG_NOT_SAVABLE",
        message: expect.stringMatching(/no file to save to/),
      }),
    );
  });

  it("a removed sip2 section is a problem at `sip2` for a bridge that runs a kiosk", async () => {
    const editor = new ConfigEditor({ running, models: DEVICE_MODELS, testSip2: async () => ({}) as never });
    const { sip2: _sip2, ...rest } = editor.view().config;
    const result = await editor.validate({ config: rest });
    expect(result.problems.map((p) => p.path)).toEqual(["sip2"]);
  });

  it("changedPaths goes as deep as both sides have the same shape", () => {
    expect(changedPaths({ a: { b: 1, c: [1, 2] } }, { a: { b: 2, c: [1, 3] } })).toEqual(["a.b", "a.c[1]"]);
    expect(changedPaths({ a: [1] }, { a: [1, 2] })).toEqual(["a"]);
    expect(changedPaths({ a: 1 }, { a: 1, b: { c: 1 } })).toEqual(["b"]);
  });
});

describe("writeAtomically", () => {
  it("leaves the old file whole and no temporary file when the new one cannot be put in place", async () => {
    const dir = await mkdtemp(join(tmpdir(), "selfcheck-atomic-"));
    dirs.push(dir);
    // A folder where the file should be: the rename fails after the temporary file was written.
    const target = join(dir, "config.json");
    await mkdir(target);
    await writeFile(join(target, "inside"), "x");
    await expect(writeAtomically(target, "{}")).rejects.toMatchObject({ code: "STAFF_CONFIG_WRITE_FAILED" });
    expect((await readdir(dir)).sort()).toEqual(["config.json"]);

    const file = join(dir, "kiosk.json");
    expect(await writeAtomically(file, "one")).toBeNull();
    expect(await writeAtomically(file, "two")).toBe(`${file}.bak`);
    expect(await readFile(file, "utf8")).toBe("two");
    expect(await readFile(`${file}.bak`, "utf8")).toBe("one");
    expect((await readdir(dir)).sort()).toEqual(["config.json", "kiosk.json", "kiosk.json.bak"]);
  });
});

describe("redactWire", () => {
  const text = fc.string({ unit: fc.constantFrom(..."abcXYZ019 -_.@éAYZ"), maxLength: 12 });
  const strip = (wire: string) => wire.replace(/\|?(AY\d)?AZ[0-9A-F]{4}$/, "");
  const wire = (m: Sip2Message) => encodeMessage(m, { errorDetection: true }).toString("latin1").replace(/\r$/, "");

  it("masks exactly the fields redact.ts masks, at any place in the message (property)", () => {
    fc.assert(
      fc.property(text, text, text, text, (user, password, patron, pin) => {
        const messages: Sip2Message[] = [
          sip2("login", { uidAlgorithm: "0", pwdAlgorithm: "0", loginUserId: user, loginPassword: password }),
          sip2("patronStatusRequest", {
            language: "000",
            transactionDate: "20260101    120000",
            institutionId: "main",
            patronIdentifier: patron,
            terminalPassword: "",
            patronPassword: pin,
          }),
        ];
        for (const message of messages) {
          expect(strip(redactWire(wire(message)))).toBe(strip(wire(redactSip2Fields(message))));
        }
      }),
      // A message without a sequence number ends in AZ alone.
      { examples: [["", "", "", "a"]] },
    );
  });

  it("shows nothing of a message it does not know", () => {
    expect(redactWire("XXsecret|AAcard")).toBe("XX [not a known message; not shown]");
  });
});
