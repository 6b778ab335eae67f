/**
 * Readers for control() parameters. They arrive as plain JSON (from tests, the CLI or the HTTP control
 * API), so every field is checked and a wrong one is named in a SIM_BAD_PARAMS error.
 */
import { badParams } from "./errors.ts";

export type Params = Record<string, unknown>;

export function isRecord(value: unknown): value is Params {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function record(value: unknown, where: string): Params {
  if (!isRecord(value)) throw badParams(`${where} must be an object`, { field: where });
  return value;
}

export function optionalNumber(
  params: Params,
  key: string,
  where: string,
  range: { min: number; max: number; integer?: boolean },
): number | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  const ok =
    typeof value === "number" &&
    Number.isFinite(value) &&
    value >= range.min &&
    value <= range.max &&
    (!range.integer || Number.isInteger(value));
  if (!ok) {
    const kind = range.integer ? "a whole number" : "a number";
    throw badParams(`${where}.${key} must be ${kind} from ${range.min} to ${range.max}, got ${JSON.stringify(value)}`, {
      field: `${where}.${key}`,
    });
  }
  return value as number;
}

export function optionalRate(params: Params, key: string, where: string): number | undefined {
  return optionalNumber(params, key, where, { min: 0, max: 1 });
}

export function optionalBoolean(params: Params, key: string, where: string): boolean | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") {
    throw badParams(`${where}.${key} must be true or false, got ${JSON.stringify(value)}`, {
      field: `${where}.${key}`,
    });
  }
  return value;
}

export function optionalString(params: Params, key: string, where: string): string | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    throw badParams(`${where}.${key} must be a string, got ${JSON.stringify(value)}`, { field: `${where}.${key}` });
  }
  return value;
}

export function optionalChoice<T extends string>(
  params: Params,
  key: string,
  where: string,
  choices: readonly T[],
): T | undefined {
  const value = optionalString(params, key, where);
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) {
    throw badParams(`${where}.${key} must be one of ${choices.join(", ")}, got "${value}"`, {
      field: `${where}.${key}`,
    });
  }
  return value as T;
}

export function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw badParams(`${where} must be an array`, { field: where });
  return value;
}
