/**
 * What an item found on the shelf means, from the ILS's record (the whole inventory runs on the real stack in
 * test/integration/staff-tags.test.ts).
 */
import { describe, expect, it } from "vitest";
import { statusOf } from "../../../bridge/staff/inventory.ts";

describe("statusOf", () => {
  it.each([
    [{ found: false }, "unknown"],
    [{ found: true, circulationStatus: "available", homeBranch: "MAIN" }, "on-shelf"],
    [{ found: true, circulationStatus: "charged", homeBranch: "MAIN" }, "checked-out"],
    [{ found: true, circulationStatus: "recalled", homeBranch: "EAST" }, "checked-out"],
    [{ found: true, circulationStatus: "lost", homeBranch: "EAST" }, "missing"],
    [{ found: true, circulationStatus: "missing" }, "missing"],
    [{ found: true, circulationStatus: "claimedReturned" }, "missing"],
    [{ found: true, circulationStatus: "available", homeBranch: "EAST" }, "misplaced"],
    [{ found: true, circulationStatus: "available" }, "on-shelf"],
  ] as const)("%o on MAIN's shelf is %s", (record, status) => {
    expect(statusOf(record, "MAIN")).toBe(status);
  });

  it("without a branch to compare, nothing is misplaced", () => {
    expect(statusOf({ found: true, circulationStatus: "available", homeBranch: "EAST" }, "")).toBe("on-shelf");
  });
});
