import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstJsonError, loadConfig, parseConfig, parseConfigText } from "../../../bridge/config/load.ts";
import { BridgeConfigSchema, type DeviceModelSpec } from "../../../bridge/config/schema.ts";
import { ConfigError } from "../../../bridge/config/validate.ts";

/** Model rows made for these tests, so they do not depend on which drivers exist. */
const MODELS: DeviceModelSpec[] = [
  {
    kind: "rfid",
    model: "3m810",
    summary: "3M 810 pad",
    transports: ["serial"],
    serial: { baudRate: 19200 },
    options: Type.Object(
      { pollMs: Type.Integer({ minimum: 50, default: 500 }), afi: Type.Optional(Type.Integer()) },
      { additionalProperties: false },
    ),
  },
  {
    kind: "rfid",
    model: "cpr-m02",
    summary: "FEIG CPR-M02",
    transports: ["serial", "tcp"],
    serial: { baudRate: 38400, parity: "even" },
    options: Type.Object({}, { additionalProperties: false }),
  },
  {
    kind: "printer",
    model: "escpos",
    summary: "ESC/POS printer",
    transports: ["serial", "tcp", "usb-printer"],
    tcpPort: 9100,
    options: Type.Object(
      { paperWidth: Type.Union([Type.Literal(58), Type.Literal(80)], { default: 80 }) },
      { additionalProperties: false },
    ),
  },
  {
    kind: "scanner",
    model: "hid-pos",
    summary: "HID POS scanner",
    transports: ["hid"],
    options: Type.Object({}, { additionalProperties: false }),
  },
];

const parse = (json: unknown) => parseConfig(json, "kiosk.json", { models: MODELS });
const problemsOf = (json: unknown) => {
  try {
    parse(json);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
};

const rfid = { id: "rfid-pad", kind: "rfid", model: "3m810", transport: { type: "serial", path: "/dev/ttyUSB0" } };

describe("parseConfig", () => {
  it("fills the model's line settings and option defaults", () => {
    const config = parse({
      devices: [
        rfid,
        {
          id: "cpr",
          kind: "rfid",
          model: "cpr-m02",
          transport: { type: "serial", match: { vendorId: "0403", productId: "6001" } },
        },
        { id: "printer", kind: "printer", model: "escpos", transport: { type: "tcp", host: "10.0.0.7" } },
      ],
    });
    expect(config.devices).toEqual([
      {
        ...rfid,
        name: "rfid-pad",
        enabled: true,
        trace: false,
        options: { pollMs: 500 },
        transport: {
          type: "serial",
          path: "/dev/ttyUSB0",
          baudRate: 19200,
          dataBits: 8,
          parity: "none",
          stopBits: 1,
          flowControl: "none",
        },
      },
      expect.objectContaining({
        transport: {
          type: "serial",
          match: { vendorId: 0x0403, productId: 0x6001 },
          baudRate: 38400,
          dataBits: 8,
          parity: "even",
          stopBits: 1,
          flowControl: "none",
        },
      }),
      expect.objectContaining({
        options: { paperWidth: 80 },
        transport: { type: "tcp", host: "10.0.0.7", port: 9100, connectTimeoutMs: 5000 },
      }),
    ]);
    expect(config.simulators).toEqual([]);
    expect(config.sip2).toBeUndefined();
  });

  it("keeps what the file says over the defaults", () => {
    const config = parse({
      devices: [
        {
          ...rfid,
          name: "Pad",
          enabled: false,
          options: { pollMs: 100 },
          transport: { ...rfid.transport, baudRate: 9600 },
        },
      ],
    });
    expect(config.devices[0]).toMatchObject({
      name: "Pad",
      enabled: false,
      options: { pollMs: 100 },
      transport: { baudRate: 9600 },
    });
  });

  it("fills the sip2 section's defaults", () => {
    const config = parse({
      sip2: { host: "ils.example.org", login: { user: "sc1", password: "secret" }, institution: "MAIN" },
    });
    expect(config.sip2).toEqual({
      host: "ils.example.org",
      port: 6001,
      tls: false,
      login: { user: "sc1", password: "secret" },
      institution: "MAIN",
      profile: "generic",
      errorDetection: true,
      connections: 2,
      timeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      heartbeatMs: 60_000,
    });
    expect(
      problemsOf({ sip2: { host: "h", login: { user: "u", password: "p" }, institution: "I", charset: "latin1" } }),
    ).toEqual([{ path: "sip2.charset", message: 'expected one of utf-8, iso-8859-1, cp850, got "latin1"' }]);
  });

  it("names the key path of a wrong value", () => {
    expect(
      problemsOf({
        devices: [rfid, rfid, { ...rfid, id: "x", transport: { type: "serial", path: "/dev/x", baudRate: "fast" } }],
      }),
    ).toEqual([
      { path: "devices[2].transport.baudRate", message: 'expected a whole number from 50 to 4000000, got "fast"' },
    ]);
  });

  it('takes a device trace setting: off by default, true or "unredacted"', () => {
    expect(parse({ devices: [rfid] }).devices[0]?.trace).toBe(false);
    expect(parse({ devices: [{ ...rfid, trace: "unredacted" }] }).devices[0]?.trace).toBe("unredacted");
    const [problem] = problemsOf({ devices: [{ ...rfid, trace: "yes" }] });
    expect(problem?.path).toBe("devices[0].trace");
  });

  it("suggests the key or value meant", () => {
    expect(
      problemsOf({ devices: [{ ...rfid, transport: { type: "serial", path: "/dev/x", baudrate: 9600 } }] }),
    ).toEqual([{ path: "devices[0].transport.baudrate", message: 'unknown key; did you mean "baudRate"?' }]);
    expect(problemsOf({ devcies: [] })).toEqual([{ path: "devcies", message: 'unknown key; did you mean "devices"?' }]);
    expect(problemsOf({ devices: [{ ...rfid, transport: { type: "serail", path: "/dev/x" } }] })).toEqual([
      {
        path: "devices[0].transport.type",
        message: 'expected one of serial, tcp, hid, usb-printer, got "serail"; did you mean "serial"?',
      },
    ]);
  });

  it("checks the model, its transports and its options", () => {
    expect(problemsOf({ devices: [{ ...rfid, model: "3m81" }] })).toEqual([
      {
        path: "devices[0].model",
        message: 'unknown rfid model "3m81"; did you mean "3m810"?; rfid models: 3m810, cpr-m02',
      },
    ]);
    expect(problemsOf({ devices: [{ ...rfid, model: "escpos" }] })).toEqual([
      {
        path: "devices[0].model",
        message: 'unknown rfid model "escpos" ("escpos" is a printer model); rfid models: 3m810, cpr-m02',
      },
    ]);
    expect(problemsOf({ devices: [{ ...rfid, kind: "relay" }] })).toEqual([
      {
        path: "devices[0].model",
        message: 'unknown relay model "3m810" ("3m810" is a rfid model); no relay models are available',
      },
    ]);
    expect(problemsOf({ devices: [{ ...rfid, transport: { type: "tcp", host: "h", port: 1 } }] })).toEqual([
      { path: "devices[0].transport.type", message: 'rfid model "3m810" cannot use a tcp transport; use serial' },
    ]);
    expect(problemsOf({ devices: [{ ...rfid, options: { pollMs: 10, colour: 1 } }] })).toEqual([
      { path: "devices[0].options.pollMs", message: "expected a whole number of at least 50, got 10" },
      { path: "devices[0].options.colour", message: "unknown key; allowed here: pollMs, afi" },
    ]);
  });

  it("needs a way to find serial and HID devices, and a port where the model has none", () => {
    expect(problemsOf({ devices: [{ ...rfid, transport: { type: "serial" } }] })).toEqual([
      {
        path: "devices[0].transport",
        message: 'give "match" (USB vendorId/productId, optionally serialNumber) or "path" to find the device',
      },
    ]);
    expect(
      problemsOf({ devices: [{ id: "s", kind: "scanner", model: "hid-pos", transport: { type: "hid" } }] }),
    ).toHaveLength(1);
    expect(
      problemsOf({
        devices: [{ id: "c", kind: "rfid", model: "cpr-m02", transport: { type: "tcp", host: "reader" } }],
      }),
    ).toEqual([{ path: "devices[0].transport.port", message: "missing; expected a whole number from 1 to 65535" }]);
  });

  it("rejects duplicate ids", () => {
    expect(problemsOf({ devices: [rfid, { ...rfid }] })).toEqual([
      { path: "devices[1].id", message: '"rfid-pad" is already the id of devices[0]; ids must be unique' },
    ]);
  });

  it("checks the simulators section against simulator models when given", () => {
    const sims = { simulators: [{ id: "pad", kind: "rfid", model: "3m8100", expose: { type: "pty" } }] };
    expect(parse(sims).simulators[0]).toMatchObject({ model: "3m8100", options: {} });
    expect(() =>
      parseConfig(sims, "sim.json", {
        models: MODELS,
        simulatorModels: [{ kind: "rfid", model: "3m810", options: Type.Object({}) }],
      }),
    ).toThrow(expect.objectContaining({ problems: [expect.objectContaining({ path: "simulators[0].model" })] }));
    expect(
      problemsOf({ simulators: [{ id: "pad", kind: "rfid", model: "m", expose: { type: "tcp", port: 70000 } }] }),
    ).toEqual([{ path: "simulators[0].expose.port", message: "expected a whole number from 0 to 65535, got 70000" }]);
  });

  it("whatever it accepts is a complete config by the schema", () => {
    const device = fc.record({
      id: fc.constantFrom("a", "b", "rfid-pad", "Bad Id"),
      kind: fc.constantFrom("rfid", "printer", "scanner", "relay"),
      model: fc.constantFrom("3m810", "cpr-m02", "escpos", "hid-pos"),
      transport: fc.oneof(
        fc.record({ type: fc.constant("serial"), path: fc.constant("/dev/ttyS0") }),
        fc.record(
          { type: fc.constant("tcp"), host: fc.constant("h"), port: fc.integer({ min: 0, max: 70000 }) },
          { requiredKeys: ["type", "host"] },
        ),
        fc.record({
          type: fc.constant("hid"),
          match: fc.record({ vendorId: fc.constantFrom("16c0", 5824, "zz"), productId: fc.constant("05df") }),
        }),
        fc.record({ type: fc.constant("usb-printer") }),
      ),
      enabled: fc.boolean(),
    });
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(device, { maxLength: 4 }), (devices) => {
        let config: ReturnType<typeof parse> | undefined;
        try {
          config = parse({ devices });
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as ConfigError).code).toBe("CONFIG_INVALID");
          return;
        }
        accepted++;
        const { source: _source, ...rest } = config;
        expect(Value.Check(BridgeConfigSchema, rest)).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it("gives only ConfigError for any JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        try {
          parse(json);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("loadConfig", () => {
  it("reads a file, and says where JSON syntax is broken", async () => {
    const dir = await mkdtemp(join(tmpdir(), "selfcheck-config-"));
    const good = join(dir, "good.json");
    await writeFile(good, JSON.stringify({ $comment: "test kiosk", devices: [rfid] }));
    const config = await loadConfig(good, { models: MODELS });
    expect(config.source).toBe(good);
    expect(config.devices).toHaveLength(1);

    const broken = join(dir, "broken.json");
    await writeFile(broken, '{\n  "devices": [\n    { "id": "x" }\n  ,]\n}\n');
    await expect(loadConfig(broken, { models: MODELS })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringMatching(/broken\.json: not valid JSON \(line 4, column \d+/),
    });
  });

  it("reports a missing file as CONFIG_UNREADABLE", async () => {
    await expect(loadConfig("/nonexistent/kiosk.json", { models: MODELS })).rejects.toMatchObject({
      code: "CONFIG_UNREADABLE",
      message: expect.stringContaining("/nonexistent/kiosk.json: cannot read the file"),
    });
  });

  it("finds the first JSON syntax error exactly when JSON.parse fails", () => {
    const valid = (text: string) => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    };
    // Valid JSON, and JSON with one character dropped, swapped or inserted.
    const mutated = fc
      .tuple(
        fc.json(),
        fc.nat(),
        fc.constantFrom("drop", "insert", "none"),
        fc.constantFrom(",", "]", "}", '"', ":", "x", " "),
      )
      .map(([text, at, how, c]) => {
        const i = text.length === 0 ? 0 : at % text.length;
        if (how === "drop") return text.slice(0, i) + text.slice(i + 1);
        if (how === "insert") return text.slice(0, i) + c + text.slice(i);
        return text;
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string({ maxLength: 20 })), (text) => {
        const at = firstJsonError(text);
        expect(at === undefined).toBe(valid(text));
        if (at !== undefined) {
          expect(at).toBeGreaterThanOrEqual(0);
          expect(at).toBeLessThanOrEqual(text.length);
        }
      }),
      { numRuns: 2000 },
    );
    expect(firstJsonError('{"a": [1, 2,]}')).toBe(12);
    expect(firstJsonError("[1, 2]")).toBeUndefined();
  });

  it("ignores a byte order mark", () => {
    expect(parseConfigText(`\uFEFF${JSON.stringify({ devices: [] })}`, "bom.json", { models: MODELS }).devices).toEqual(
      [],
    );
  });
});
