import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { LatencyProbe } from "../../../bridge/server/latency-probe.ts";

/** How many samples the probe took per series ("inward checkout"); times are the machine's, not asserted. */
async function counts(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric("selfcheck_bridge_added_seconds")?.get();
  const out: Record<string, number> = {};
  for (const v of metric?.values ?? []) {
    if ((v as { metricName?: string }).metricName?.endsWith("_count"))
      out[`${v.labels.direction} ${v.labels.command}`] = v.value;
  }
  return out;
}

describe("LatencyProbe", () => {
  it("pairs a command that asks the ILS with the next request, and an answer with the next message", async () => {
    const registry = new Registry();
    const probe = new LatencyProbe(registry);
    probe.commandIn();
    probe.commandIs("addItem");
    probe.messageOut(); // the reply may go out before the request: the pairing holds
    probe.requestOut("checkout");
    probe.requestOut("checkout"); // a second request (the pad's next book) is no command's
    probe.answerIn("checkoutResponse");
    probe.messageOut();
    probe.messageOut(); // the state after the notice: one sample per answer
    expect(await counts(registry)).toEqual({ "inward checkout": 1, "outward checkoutResponse": 1 });
  });

  it("leaves out commands that ask nothing, invalid frames, the bridge's own requests and silent answers", async () => {
    const registry = new Registry();
    const probe = new LatencyProbe(registry);
    probe.commandIn();
    probe.commandIs("show");
    probe.requestOut("checkout"); // a book on the pad, not the screen change
    probe.commandIn();
    probe.commandIs(undefined);
    probe.requestOut("checkin");
    probe.commandIn();
    probe.commandIs("identify");
    probe.requestOut("scStatus"); // the heartbeat went out first: still waiting for the command's request
    probe.requestOut("patronInformation");
    for (const silent of ["acsStatus", "loginResponse", "requestScResend", "endSessionResponse"]) {
      probe.answerIn(silent);
      probe.messageOut();
    }
    expect(await counts(registry)).toEqual({ "inward patronInformation": 1 });
  });
});
