import { describe, expect, it } from "vitest";
import type { DeviceHealth } from "../../../bridge/devices/device.ts";
import { HealthTracker } from "../../../bridge/devices/health.ts";
import { CodedError } from "../../../protocols/errors.ts";

class TestError extends CodedError<"TEST_BROKEN"> {}

function tracker(notNews: string[] = []) {
  const heard: DeviceHealth[] = [];
  const health = new HealthTracker(
    { state: "disconnected", since: "2024-01-01T00:00:00.000Z", detail: { paper: "ok" } },
    (h) => heard.push(h),
    notNews,
  );
  return { health, heard };
}

describe("HealthTracker", () => {
  it("keeps since while the state stays and moves it when the state changes", () => {
    const { health, heard } = tracker();
    health.set("ok", { paper: "ok" }, { at: new Date("2024-01-02T00:00:00Z") });
    health.set("ok", { paper: "near-end" }, { at: new Date("2024-01-03T00:00:00Z") });
    expect(heard.map((h) => [h.state, h.since, h.detail?.paper])).toEqual([
      ["ok", "2024-01-02T00:00:00.000Z", "ok"],
      ["ok", "2024-01-02T00:00:00.000Z", "near-end"],
    ]);
  });

  it("keeps the last error until a new one comes, and reports a new error message as news", () => {
    const { health, heard } = tracker();
    const at = new Date("2024-01-02T00:00:00Z");
    health.set("degraded", { paper: "ok" }, { error: new TestError("TEST_BROKEN", "first"), at });
    health.set("ok", { paper: "ok" });
    health.set("ok", { paper: "ok" }, { error: new TestError("TEST_BROKEN", "second"), at });
    expect(heard.map((h) => h.lastError)).toEqual([
      { code: "TEST_BROKEN", message: "first", at: at.toISOString() },
      { code: "TEST_BROKEN", message: "first", at: at.toISOString() },
      { code: "TEST_BROKEN", message: "second", at: at.toISOString() },
    ]);
    expect(health.lastError?.message).toBe("second");
  });

  it("stays quiet when nothing but a not-news key changed, yet records it", () => {
    const { health, heard } = tracker(["checkedAt"]);
    health.set("disconnected", { paper: "ok", checkedAt: "t1" });
    expect(heard).toEqual([]);
    expect(health.current().detail).toEqual({ paper: "ok", checkedAt: "t1" });
    health.set("disconnected", { paper: "out", checkedAt: "t2" });
    expect(heard).toHaveLength(1);
  });

  it("hands out copies, so a listener cannot change the record", () => {
    const { health, heard } = tracker();
    health.set("ok", { paper: "ok" });
    const first = heard[0];
    if (first?.detail) first.detail.paper = "changed";
    expect(health.current().detail).toEqual({ paper: "ok" });
    expect(health.state).toBe("ok");
  });
});
