/**
 * An ACS that does not support every message (Alma supports no hold and no end session over SIP2): the
 * client reads its BX list, and the kiosk's ILS adapter sends neither rather than have them refused.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Sip2Ils } from "../../../bridge/kiosk/sip2-ils.ts";
import { SUPPORTED_MESSAGES } from "../../../protocols/sip2/index.ts";
import { startAcs, startClient } from "./helpers.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("the ACS's supported messages", () => {
  it("are read from SC Status; hold and end session are not sent where the ACS has none", async () => {
    const supported = SUPPORTED_MESSAGES.filter((m) => m !== "hold" && m !== "endPatronSession");
    const acs = await startAcs({ supported });
    cleanups.push(() => acs.server.stop());
    const { client, clock } = await startClient(acs.port, { connections: 1 });
    cleanups.push(() => client.close());
    expect(client.supports("checkout")).toBe(true);
    expect(client.supports("hold")).toBe(false);
    expect(client.supports("endPatronSession")).toBe(false);
    const ils = new Sip2Ils(client, { clock });
    const [connection] = acs.server.connectionIds();
    const received = () => acs.server.connectionStats(connection as number)?.received;
    const before = received();
    await ils.endSession("24711000000012");
    expect(await ils.hold({ patron: "24711000000012", itemId: "34711000000036", mode: "place" })).toEqual({
      ok: false,
      reason: "SEE_STAFF",
    });
    expect(received()).toBe(before);
  });
});
