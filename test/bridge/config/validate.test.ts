import { Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { oneOf } from "../../../bridge/config/schema.ts";
import {
  type ConfigProblem,
  checkValue,
  closest,
  editDistance,
  expectValid,
  joinPath,
} from "../../../bridge/config/validate.ts";

const Line = Type.Object(
  {
    type: Type.Literal("line"),
    baudRate: Type.Integer({ minimum: 50, maximum: 4_000_000 }),
    parity: oneOf(["none", "even", "odd"], { default: "none" }),
    vendorId: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff, acceptHex: true })),
  },
  { additionalProperties: false },
);
const Net = Type.Object(
  { type: Type.Literal("net"), host: Type.String({ minLength: 1 }), port: Type.Integer({ default: 9100 }) },
  { additionalProperties: false },
);
const Schema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    enabled: Type.Boolean({ default: true }),
    links: Type.Array(Type.Union([Line, Net], { discriminator: "type" }), { default: [] }),
    extra: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  },
  { additionalProperties: false },
);

const problems = (value: unknown): ConfigProblem[] => checkValue(Schema, value).problems;

describe("edit distance and suggestions", () => {
  it("counts insertions, deletions, substitutions and adjacent swaps", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("baudRate", "baudRate")).toBe(0);
    expect(editDistance("transprot", "transport")).toBe(1);
    expect(editDistance("ab", "ba")).toBe(1);
  });

  it("is a metric-like distance: symmetric, zero only for equal strings, bounded by the longer length", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        expect(d).toBe(editDistance(b, a));
        expect(d === 0).toBe(a === b);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
      }),
    );
  });

  it("suggests close words ignoring case, and nothing for unrelated ones", () => {
    expect(closest("baudrate", ["baudRate", "parity"])).toBe("baudRate");
    expect(closest("transprot", ["type", "transport", "options"])).toBe("transport");
    expect(closest("3m81", ["3m810", "cpr-m02"])).toBe("3m810");
    expect(closest("colour", ["baudRate", "parity"])).toBeUndefined();
    expect(closest("x", [])).toBeUndefined();
  });

  it("writes key paths the way people read them", () => {
    expect(joinPath("", "devices")).toBe("devices");
    expect(joinPath("devices", 2)).toBe("devices[2]");
    expect(joinPath("devices[2]", "transport")).toBe("devices[2].transport");
    expect(joinPath("options", "paper width")).toBe('options["paper width"]');
  });
});

describe("checkValue", () => {
  it("fills defaults and returns a copy", () => {
    const input = { name: "kiosk", links: [{ type: "net", host: "printer.local" }] };
    const { value, problems: found } = checkValue(Schema, input);
    expect(found).toEqual([]);
    expect(value).toEqual({
      name: "kiosk",
      enabled: true,
      links: [{ type: "net", host: "printer.local", port: 9100 }],
      extra: {},
    });
    expect(input.links[0]).not.toHaveProperty("port");
    expect(Value.Check(Schema, value)).toBe(true);
  });

  it("names the key path and what was found", () => {
    expect(
      problems({
        name: "k",
        links: [
          { type: "net", host: "h" },
          { type: "line", baudRate: "fast" },
        ],
      }),
    ).toEqual([{ path: "links[1].baudRate", message: 'expected a whole number from 50 to 4000000, got "fast"' }]);
    expect(problems({ name: "", enabled: "yes" })).toEqual([
      { path: "name", message: 'expected a non-empty string, got ""' },
      { path: "enabled", message: 'expected true or false, got "yes"' },
    ]);
    expect(problems([])).toEqual([{ path: "", message: "expected an object, got a list" }]);
    expect(problems({})).toEqual([{ path: "name", message: "missing; expected a non-empty string" }]);
  });

  it("rejects unknown keys with a suggestion when one is close", () => {
    expect(problems({ name: "k", enabeld: false })).toEqual([
      { path: "enabeld", message: 'unknown key; did you mean "enabled"?' },
    ]);
    expect(problems({ name: "k", links: [{ type: "line", baudrate: 9600 }] })).toEqual([
      { path: "links[0].baudRate", message: "missing; expected a whole number from 50 to 4000000" },
      { path: "links[0].baudrate", message: 'unknown key; did you mean "baudRate"?' },
    ]);
    expect(problems({ name: "k", colour: "red" })).toEqual([
      { path: "colour", message: "unknown key; allowed here: name, enabled, links, extra" },
    ]);
  });

  it("allows $comment notes anywhere and drops them", () => {
    const { value, problems: found } = checkValue(Schema, {
      $comment: "top",
      name: "k",
      links: [{ $comment: "the printer", type: "net", host: "h" }],
    });
    expect(found).toEqual([]);
    expect(value).not.toHaveProperty("$comment");
    expect(value.links[0]).not.toHaveProperty("$comment");
  });

  it("picks a discriminated member by its tag and reports a wrong tag with a suggestion", () => {
    expect(problems({ name: "k", links: [{ type: "nett", host: "h" }] })).toEqual([
      { path: "links[0].type", message: 'expected one of line, net, got "nett"; did you mean "net"?' },
    ]);
    expect(problems({ name: "k", links: [{ host: "h" }] })).toEqual([
      { path: "links[0].type", message: "missing; expected one of line, net" },
    ]);
    expect(problems({ name: "k", links: ["net"] })).toEqual([
      { path: "links[0]", message: 'expected an object with "type" one of line, net, got "net"' },
    ]);
  });

  it("reports enum values with a suggestion", () => {
    expect(problems({ name: "k", links: [{ type: "line", baudRate: 9600, parity: "evn" }] })).toEqual([
      { path: "links[0].parity", message: 'expected one of none, even, odd, got "evn"; did you mean "even"?' },
    ]);
  });

  it("reads USB ids as lsusb prints them", () => {
    const read = (vendorId: unknown) =>
      checkValue(Schema, { name: "k", links: [{ type: "line", baudRate: 9600, vendorId }] });
    expect(read("0403").value.links[0]).toMatchObject({ vendorId: 0x0403 });
    expect(read("0x16C0").value.links[0]).toMatchObject({ vendorId: 0x16c0 });
    expect(read(1027).value.links[0]).toMatchObject({ vendorId: 1027 });
    expect(read("10000").problems).toHaveLength(1);
    expect(read("usb").problems[0]?.path).toBe("links[0].vendorId");
  });

  it("checks the date and date-time formats: a real calendar day, and a time with its zone", () => {
    const dates = Type.Object({ day: Type.String({ format: "date" }), at: Type.String({ format: "date-time" }) });
    const check = (day: string, at: string) => checkValue(dates, { day, at }).problems;
    expect(check("2024-02-29", "2025-03-10T10:00:00Z")).toEqual([]);
    expect(check("2024-02-29", "2025-03-10T10:00+01:00")).toEqual([]);
    expect(check("2025-02-29", "2025-03-10T10:00:00")).toEqual([
      { path: "day", message: 'expected a date YYYY-MM-DD, got "2025-02-29"' },
      {
        path: "at",
        message: 'expected an ISO 8601 date-time with a zone, e.g. 2025-03-10T10:00:00Z, got "2025-03-10T10:00:00"',
      },
    ]);
    expect(check("2025-1-1", "2025-02-30T10:00:00Z").map((p) => p.path)).toEqual(["day", "at"]);
  });

  it("expectValid throws CONFIG_INVALID listing every problem", () => {
    expect(() => expectValid(Schema, { enabled: 1, colour: 2 }, "kiosk.json")).toThrow(
      expect.objectContaining({
        code: "CONFIG_INVALID",
        message: expect.stringContaining("kiosk.json: 3 problems"),
        problems: [
          { path: "name", message: "missing; expected a non-empty string" },
          { path: "enabled", message: "expected true or false, got 1" },
          { path: "colour", message: "unknown key; allowed here: name, enabled, links, extra" },
        ],
      }),
    );
  });

  it("never throws on any JSON value, and whatever it accepts TypeBox accepts too", () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              name: fc.oneof(fc.string(), fc.integer()),
              enabled: fc.oneof(fc.boolean(), fc.string()),
              links: fc.array(
                fc.record(
                  {
                    type: fc.constantFrom("line", "net", "other"),
                    baudRate: fc.oneof(fc.integer({ min: -10, max: 5_000_000 }), fc.string()),
                    parity: fc.constantFrom("none", "even", "odd", "evn"),
                    vendorId: fc.oneof(
                      fc.integer({ min: -1, max: 70_000 }),
                      fc.string({ unit: fc.constantFrom(..."0123456789abcdefABx"), maxLength: 6 }),
                    ),
                    host: fc.string(),
                    port: fc.integer(),
                  },
                  { requiredKeys: [] },
                ),
              ),
            },
            { requiredKeys: [] },
          ),
        ),
        (value) => {
          const result = checkValue(Schema, value);
          for (const p of result.problems) {
            expect(typeof p.path).toBe("string");
            expect(p.message.length).toBeGreaterThan(0);
          }
          if (result.problems.length === 0) {
            accepted++;
            expect(Value.Check(Schema, result.value)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
    expect(accepted).toBeGreaterThan(0);
  });
});
