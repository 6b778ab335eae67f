/**
 * The import rules (.dependency-cruiser.cjs, run by `npm run deps` in `npm test`) must catch what they
 * forbid: a checker that silently passes everything would look the same as a clean tree. This runs the
 * project's own rules on a small tree written for the test, with one forbidden import per rule.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cruise, type ICruiseResult, type IForbiddenRuleType } from "dependency-cruiser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const rules = createRequire(import.meta.url)("../../.dependency-cruiser.cjs") as {
  forbidden: IForbiddenRuleType[];
};

/** Each file of the tree and what it imports. */
const TREE: Record<string, string> = {
  "protocols/codec.ts": "export const codec = 1;\n",
  "protocols/reads-files.ts": 'import { readFileSync } from "node:fs";\nexport const x = readFileSync;\n',
  "protocols/reaches-up.ts": 'import { registry } from "../bridge/devices/registry.ts";\nexport const y = registry;\n',
  "bridge/transports/serial.ts": 'import { codec } from "../../protocols/codec.ts";\nexport const serial = codec;\n',
  "bridge/transports/clock.ts": "export const clock = 1;\n",
  "bridge/kiosk/journal.ts": 'import { clock } from "../transports/clock.ts";\nexport const journal = clock;\n',
  "bridge/config/schema.ts": 'import { registry } from "../devices/registry.ts";\nexport const schema = registry;\n',
  "bridge/devices/registry.ts": 'import { serial } from "../transports/serial.ts";\nexport const registry = serial;\n',
  "bridge/devices/ring-a.ts": 'import { b } from "./ring-b.ts";\nexport const a = () => b;\n',
  "bridge/devices/ring-b.ts": 'import { a } from "./ring-a.ts";\nexport const b = () => a;\n',
  "bridge/devices/loads-sim.ts": 'export const load = () => import("../../simulators/devices/scanner.ts");\n',
  "bridge/sip2/client.ts": 'import { registry } from "../devices/registry.ts";\nexport const client = registry;\n',
  "bridge/kiosk/engine.ts": 'import { serial } from "../transports/serial.ts";\nexport const engine = serial;\n',
  "protocols/kiosk-api/messages.ts": "export const messages = 1;\n",
  "bridge/server/app.ts":
    'import { messages } from "../../protocols/kiosk-api/messages.ts";\nimport { codec } from "../../protocols/codec.ts";\nexport const app = [messages, codec];\n',
  "bridge/staff/desk.ts":
    'import { sip2 } from "../sip2/client.ts";\nimport { engine } from "../kiosk/engine.ts";\nexport const desk = [sip2, engine];\n',
  "protocols/staff-api/schema.ts": "export const staffApi = 1;\n",
  "bridge/server/staff.ts":
    'import { desk } from "../staff/desk.ts";\nimport { staffApi } from "../../protocols/staff-api/schema.ts";\nexport const staff = [desk, staffApi];\n',
  "bridge/devices/starts-itself.ts": 'import { startBridge } from "../main.ts";\nexport const again = startBridge;\n',
  "bridge/main.ts": 'import { registry } from "./devices/registry.ts";\nexport const startBridge = () => registry;\n',
  "bridge/cli.ts": 'import { dev } from "./commands/dev.ts";\nexport const cli = dev;\n',
  "bridge/commands/dev.ts":
    'import { scanner } from "../../simulators/devices/scanner.ts";\nexport const dev = () => [scanner, import("../../simulators/stack.ts")];\n',
  "bridge/commands/lazy.ts":
    'import type { Sim } from "../../simulators/devices/scanner.ts";\nexport const lazy = async (): Promise<Sim> => (await import("../../simulators/devices/scanner.ts")).scanner;\n',
  "simulators/devices/scanner.ts":
    'import { registry } from "../../bridge/devices/registry.ts";\nimport { serial } from "../../bridge/transports/serial.ts";\nexport type Sim = number;\nexport const scanner = 1;\nexport const s = [registry, serial];\n',
  "simulators/stack.ts": 'import { startBridge } from "../bridge/main.ts";\nexport const stack = startBridge;\n',
  "kiosk-ui/src/app.ts":
    'import { codec } from "../../protocols/codec.ts";\nimport { EventEmitter } from "node:events";\nexport const ui = [codec, EventEmitter];\n',
  "bench/cli.bench.ts":
    'import { cli } from "../bridge/cli.ts";\nimport { stack } from "../simulators/stack.ts";\nexport const b = [cli, stack];\n',
};

let dir: string;
let violations: Array<{ rule: string; from: string; to: string }>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "import-rules-"));
  for (const [path, text] of Object.entries(TREE)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  const { output } = await cruise(["."], {
    baseDir: dir,
    ruleSet: { forbidden: rules.forbidden },
    validate: true,
    tsPreCompilationDeps: true,
  });
  violations = (output as ICruiseResult).summary.violations.map((v) => ({
    rule: v.rule.name,
    from: v.from,
    to: v.to,
  }));
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the import rules", () => {
  it.each([
    ["protocols-are-pure", "protocols/reaches-up.ts", "bridge/devices/registry.ts"],
    ["protocols-do-no-io", "protocols/reads-files.ts", "fs"],
    ["config-only-protocols", "bridge/config/schema.ts", "bridge/devices/registry.ts"],
    ["sip2-client-beside-devices", "bridge/sip2/client.ts", "bridge/devices/registry.ts"],
    ["kiosk-above-sip2-and-devices", "bridge/kiosk/engine.ts", "bridge/transports/serial.ts"],
    ["simulators-only-wire-and-config", "simulators/devices/scanner.ts", "bridge/devices/registry.ts"],
    ["bridge-never-loads-simulators", "bridge/devices/loads-sim.ts", "simulators/devices/scanner.ts"],
    ["dev-commands-import-simulators-lazily", "bridge/commands/dev.ts", "simulators/devices/scanner.ts"],
    ["only-roots-import-roots", "bridge/devices/starts-itself.ts", "bridge/main.ts"],
    ["server-above-kiosk", "bridge/server/app.ts", "protocols/codec.ts"],
    ["staff-above-kiosk", "bridge/staff/desk.ts", "bridge/sip2/client.ts"],
    ["kiosk-ui-only-kiosk-api", "kiosk-ui/src/app.ts", "protocols/codec.ts"],
    ["bench-not-cli", "bench/cli.bench.ts", "bridge/cli.ts"],
    ["no-circular", "bridge/devices/ring-a.ts", "bridge/devices/ring-b.ts"],
  ])("%s fires on %s → %s", (rule, from, to) => {
    expect(violations).toContainEqual(expect.objectContaining({ rule, from, to: expect.stringContaining(to) }));
  });

  it("names only those imports: what the table allows passes", () => {
    const allowed = [
      ["bridge/transports/serial.ts", "protocols/codec.ts"],
      ["bridge/devices/registry.ts", "bridge/transports/serial.ts"],
      ["bridge/server/app.ts", "protocols/kiosk-api/messages.ts"],
      ["bridge/server/staff.ts", "bridge/staff/desk.ts"],
      ["bridge/server/staff.ts", "protocols/staff-api/schema.ts"],
      ["bridge/staff/desk.ts", "bridge/kiosk/engine.ts"],
      ["bridge/kiosk/journal.ts", "bridge/transports/clock.ts"],
      ["bridge/commands/lazy.ts", "simulators/devices/scanner.ts"],
      ["bridge/commands/dev.ts", "simulators/stack.ts"],
      ["simulators/devices/scanner.ts", "bridge/transports/serial.ts"],
      ["simulators/stack.ts", "bridge/main.ts"],
      ["bench/cli.bench.ts", "simulators/stack.ts"],
      ["bridge/cli.ts", "bridge/commands/dev.ts"],
    ];
    for (const [from, to] of allowed) {
      expect(
        violations.filter((v) => v.from === from && v.to === to),
        `${from} → ${to}`,
      ).toEqual([]);
    }
  });
});
