/**
 * A config that loads starts: for every whole-number option of every device model, the schema's
 * minimum, maximum and default load and build and start the driver, and one past either limit is a
 * ConfigError naming the key. Rules that tie options together are refused at load too, by the driver's
 * own check (factories.ts checkOptions), at the key they concern.
 */
import type { TObject, TSchema } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../bridge/config/load.ts";
import type { TransportType } from "../../../bridge/config/schema.ts";
import { ConfigError } from "../../../bridge/config/validate.ts";
import { DEVICE_FACTORIES, DEVICE_MODELS, type DeviceFactory } from "../../../bridge/devices/factories.ts";
import { integerRange } from "../../../bridge/devices/options.ts";
import { createMemoryHidPair } from "../../../bridge/transports/memory.ts";
import { settle } from "../../support/settle.ts";
import { VirtualClock } from "../../support/virtual-clock.ts";
import { capturingLogger } from "./printer/helpers.ts";

const TRANSPORTS: Record<TransportType, Record<string, unknown>> = {
  serial: { type: "serial", path: "/dev/ttyUSB0" },
  tcp: { type: "tcp", host: "127.0.0.1" },
  hid: { type: "hid", path: "/dev/hidraw0" },
  "usb-printer": { type: "usb-printer" },
};

/**
 * Options an extreme value needs beside it, because another option limits it: the rules that tie
 * options together, written out. Keyed by "model key value-name".
 */
const CONTEXT: Record<string, Record<string, unknown>> = {
  "serial-relay alarmInput.statusChannel minimum": { relayCount: 1 },
  "pulseMs maximum": { maxPulseMs: 60_000 },
  "maxPulseMs minimum": { pulseMs: 1 },
  "channels.desensitize maximum": { relayCount: 8 },
  "channels.resensitize maximum": { relayCount: 8 },
  "testRelay maximum": { relayCount: 8 },
};

/** What a nested object needs to be valid at all (its required keys). */
const NESTED_BASE: Record<string, Record<string, unknown>> = {
  "usb-hid-relay alarmInput": { reportByte: 0, mask: 1 },
  "serial-relay alarmInput": { statusChannel: 3 },
};

interface IntegerOption {
  key: string;
  schema: TObject;
}

/** Every bounded whole-number option of a schema, nested ones as "parent.key". */
function integerOptions(schema: TObject, prefix = ""): IntegerOption[] {
  const found: IntegerOption[] = [];
  for (const [name, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
    if (property.type === "integer") found.push({ key: prefix + name, schema });
    else if (property.type === "object" && property.properties) {
      found.push(...integerOptions(property as TObject, `${prefix}${name}.`));
    }
  }
  return found;
}

/** `options` with `key` (maybe nested) set to `value`, and what its parent object needs to be valid. */
function optionsWith(row: DeviceFactory, key: string, value: number, valueName: string): Record<string, unknown> {
  const context = CONTEXT[`${row.model} ${key} ${valueName}`] ?? CONTEXT[`${key} ${valueName}`] ?? {};
  const parts = key.split(".");
  if (parts.length === 1) return { ...context, [key]: value };
  const [parent, child] = parts as [string, string];
  return { ...context, [parent]: { ...NESTED_BASE[`${row.model} ${parent}`], [child]: value } };
}

function load(row: DeviceFactory, options: Record<string, unknown>) {
  const device = { id: "dev", kind: row.kind, model: row.model, transport: TRANSPORTS[row.transports[0] ?? "serial"] };
  return parseConfig({ devices: [{ ...device, options }] }, "test.json", { models: DEVICE_MODELS });
}

/** Builds the driver from the loaded options and starts it on a cable with nothing at the other end. */
async function startDriver(row: DeviceFactory, options: Record<string, unknown>): Promise<void> {
  const clock = new VirtualClock();
  const [host] = createMemoryHidPair({ clock });
  const driver = row.create({
    id: "dev",
    name: "dev",
    transport: host,
    options,
    logger: capturingLogger("silent").logger,
    clock,
  });
  // Nothing answers: a verifying driver waits out its (possibly longest) timeout, on virtual time.
  await settle(clock, driver.start(), { stepMs: 1000, limitMs: 2_000_000 });
  await settle(clock, driver.stop(), { stepMs: 1000 });
}

const CASES = DEVICE_FACTORIES.flatMap((row) =>
  integerOptions(row.options as TObject).map(({ key, schema }) => ({
    name: `${row.kind} ${row.model} ${key}`,
    row,
    key,
    range: integerRange(schema, key.split(".").at(-1) ?? key),
  })),
);

describe("device option limits come from the one config schema", () => {
  it("covers every model", () => {
    expect(new Set(CASES.map((c) => c.row.model))).toEqual(new Set(DEVICE_FACTORIES.map((r) => r.model)));
  });

  it.each(CASES)("$name: minimum, maximum and default load and start the driver", async ({ row, key, range }) => {
    const values: Array<[string, number]> = [
      ["minimum", range.minimum],
      ["maximum", range.maximum],
    ];
    if (range.default !== undefined) values.push(["default", range.default]);
    for (const [valueName, value] of values) {
      const loaded = load(row, optionsWith(row, key, value, valueName));
      const options = loaded.devices[0]?.options ?? {};
      await expect(startDriver(row, options), `${key} = ${value}`).resolves.toBeUndefined();
    }
  });

  it.each(CASES)("$name: one past either limit is a ConfigError naming the key", ({ row, key, range }) => {
    for (const [valueName, value] of [
      ["minimum", range.minimum - 1],
      ["maximum", range.maximum + 1],
    ] as const) {
      const attempt = () => load(row, optionsWith(row, key, value, valueName));
      expect(attempt, `${key} = ${value}`).toThrow(ConfigError);
      try {
        attempt();
      } catch (err) {
        expect((err as ConfigError).problems.map((p) => p.path)).toContain(`devices[0].options.${key}`);
      }
    }
  });

  it.each([
    ["serial-relay", { pulseMs: 300, maxPulseMs: 200 }, "pulseMs", /must be 1-200 \(maxPulseMs\)/],
    ["serial-relay", { alarmInput: { statusChannel: 2 } }, "alarmInput.statusChannel", /above the relays/],
    ["serial-relay", { relayCount: 1, channels: { resensitize: 2 } }, "channels.resensitize", /a relay on the board/],
    ["serial-line", { suffix: "none", interCharTimeoutMs: 0 }, "interCharTimeoutMs", /codes would never end/],
    ["hid-keyboard", { terminator: "none", interKeyTimeoutMs: 0 }, "interKeyTimeoutMs", /codes would never end/],
    ["escpos", { logo: { path: "/nonexistent/logo.png" } }, "logo", /cannot read it/],
  ] as const)("%s %j: the driver's rule refuses it at load, at %s", (model, options, key, message) => {
    const row = DEVICE_FACTORIES.find((r) => r.model === model);
    if (!row) throw new Error(`no row ${model}`);
    try {
      load(row, options);
      expect.unreachable("the config loaded");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        { path: `devices[0].options.${key}`, message: expect.stringMatching(message) },
      ]);
    }
  });
});
