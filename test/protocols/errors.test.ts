import { describe, expect, it } from "vitest";
import { CodedError, describeError } from "../../protocols/errors.ts";

describe("errors", () => {
  it("describes anything thrown, even objects that cannot become strings", () => {
    expect(describeError(new Error("boom"))).toBe("boom");
    expect(describeError("text")).toBe("text");
    expect(describeError(Object.create(null))).toBe("[object Object]");
    expect(
      describeError({
        toString() {
          throw new Error("no");
        },
      }),
    ).toBe("[object Object]");
  });

  it("keeps a stable code and serialises for the API", () => {
    const e = new CodedError("SOME_CODE", "what happened", { device: "pad" });
    expect(e.name).toBe("CodedError");
    expect(e.toJSON()).toEqual({ code: "SOME_CODE", message: "what happened", details: { device: "pad" } });
  });
});
