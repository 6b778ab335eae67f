/**
 * Base for every typed error in the project. `code` is stable (UI and tests switch on it);
 * `message` is for people: what is wrong, where, and what to do.
 */
export class CodedError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: Code, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: Code; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Narrow an unknown thrown value to a readable message without assuming it is an Error. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    // An object without a prototype (or with a throwing toString) cannot be turned into a string.
    return Object.prototype.toString.call(err);
  }
}
