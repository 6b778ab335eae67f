/**
 * Driver options read against the model's config schema (the `options` of its row in factories.ts):
 * a driver takes each whole-number option's default and limits from the schema, so the config file,
 * the config loader and the driver built by hand all accept exactly the same values. Rules that tie
 * options together (a pulse no longer than the longest pulse) stay in the driver; the loader runs them
 * too, by building the driver once without opening it (checkDriverOptions).
 */
import type { TObject, TSchema } from "@sinclair/typebox";
import { CodedError } from "../../protocols/errors.ts";
import type { ConfigProblem } from "../config/validate.ts";

/** A bad option: the key (a path inside `options`, e.g. "alarmInput.mask") and what is wrong with it. */
export type OptionFailure = (key: string, problem: string) => CodedError;

interface IntegerSchema {
  type?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  default?: unknown;
  properties?: Record<string, TSchema>;
}

/** The schema of `key` ("channels.desensitize" walks into nested objects). */
function propertySchema(schema: TObject, key: string): IntegerSchema | undefined {
  let at: IntegerSchema | undefined = schema as IntegerSchema;
  for (const part of key.split(".")) at = at?.properties?.[part] as IntegerSchema | undefined;
  return at;
}

export interface IntegerRange {
  minimum: number;
  maximum: number;
  default: number | undefined;
}

/** The limits and default of a whole-number option, as the schema states them. */
export function integerRange(schema: TObject, key: string): IntegerRange {
  const p = propertySchema(schema, key);
  if (p?.type !== "integer" || typeof p.minimum !== "number" || typeof p.maximum !== "number") {
    throw new OptionSchemaError(
      "OPTION_SCHEMA_UNBOUNDED",
      `The options schema has no bounded whole number "${key}": give it a minimum and a maximum.`,
      { key },
    );
  }
  return { minimum: p.minimum, maximum: p.maximum, default: typeof p.default === "number" ? p.default : undefined };
}

/** `value`, or the schema's default when it is missing; outside the schema's limits it is `fail`ed. */
export function integerOption(schema: TObject, key: string, value: number | undefined, fail: OptionFailure): number {
  const range = integerRange(schema, key);
  const v = value ?? range.default;
  if (v === undefined) throw fail(key, "is required");
  if (!Number.isInteger(v) || v < range.minimum || v > range.maximum) {
    throw fail(key, `must be a whole number from ${range.minimum} to ${range.maximum}, got ${v}`);
  }
  return v;
}

/**
 * Builds the driver once with `build` (it is never started, so nothing is opened) and reports what it
 * refuses as config problems at the option's key. Driver errors name the option in `details.option`.
 */
export function checkDriverOptions(build: () => unknown, badOptionsCode: RegExp): ConfigProblem[] {
  try {
    build();
    return [];
  } catch (err) {
    if (!(err instanceof CodedError) || !badOptionsCode.test(err.code)) throw err;
    const option = err.details.option;
    return [{ path: typeof option === "string" ? option : "", message: err.message }];
  }
}

class OptionSchemaError extends CodedError<"OPTION_SCHEMA_UNBOUNDED"> {}
