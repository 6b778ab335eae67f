import { describe, expect, it } from "vitest";
import { formatTable, meets, quantile } from "../bench/harness.ts";

describe("bench harness", () => {
  it("takes nearest-rank quantiles", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("judges a row against its target", () => {
    expect(meets({ name: "a", value: 5, unit: "x", target: { value: 4, better: "higher" } })).toBe(true);
    expect(meets({ name: "a", value: 5, unit: "x", target: { value: 4, better: "lower" } })).toBe(false);
    expect(formatTable("s", [{ name: "a", value: 5, unit: "x", target: { value: 4, better: "lower" } }])).toContain(
      "MISSED",
    );
  });
});
