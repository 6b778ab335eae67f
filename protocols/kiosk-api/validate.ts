/**
 * Checks one incoming WebSocket message against the schema. The bridge calls it for every message; a
 * message that fails gets a typed `INVALID_MESSAGE` reply naming the field, and the connection stays up.
 * Browser code does not need this module (it trusts the bridge), so the UI bundle stays small.
 */
import type { TSchema } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";
import { CodedError } from "../errors.ts";
import { type ClientMessage, COMMANDS } from "./schema.ts";

/** Larger than any command needs; a bigger frame is refused before it is parsed. */
export const MAX_MESSAGE_BYTES = 16 * 1024;

export class KioskApiError extends CodedError<"INVALID_MESSAGE"> {
  /** The request id, when the message had a readable one (so the reply can name it). */
  readonly requestId: string | null;

  constructor(message: string, requestId: string | null, details: Record<string, unknown> = {}) {
    super("INVALID_MESSAGE", message, details);
    this.requestId = requestId;
  }
}

const checkers = new Map<string, TypeCheck<TSchema>>(
  Object.entries(COMMANDS).map(([type, schema]) => [type, TypeCompiler.Compile<TSchema>(schema)]),
);

/** Parses and validates one text frame; throws KioskApiError saying which field is wrong. */
export function parseClientMessage(text: string): ClientMessage {
  if (text.length > MAX_MESSAGE_BYTES) {
    throw new KioskApiError(`message is ${text.length} characters; the limit is ${MAX_MESSAGE_BYTES}`, null);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new KioskApiError("message is not JSON", null);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new KioskApiError("message must be a JSON object with `type` and `id`", null);
  }
  const record = value as Record<string, unknown>;
  const requestId = typeof record.id === "string" && record.id.length <= 64 ? record.id : null;
  const checker = typeof record.type === "string" ? checkers.get(record.type) : undefined;
  if (!checker) {
    const known = Object.keys(COMMANDS).join(", ");
    throw new KioskApiError(`unknown command ${JSON.stringify(record.type)}; known: ${known}`, requestId);
  }
  if (!checker.Check(value)) {
    const first = checker.Errors(value).First();
    const where = first?.path ? first.path.slice(1).replaceAll("/", ".") : "message";
    throw new KioskApiError(`${String(record.type)}: ${where}: ${first?.message ?? "invalid"}`, requestId, {
      command: record.type,
      field: where,
    });
  }
  return value as ClientMessage;
}
