import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../bridge/log/logger.ts";

function capture(unredacted: boolean) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ destination, unredacted }), lines };
}

describe("logger: the patron key", () => {
  it("prints whatever is under `patron` as [redacted], in a line and in a child's bindings", () => {
    const { logger, lines } = capture(false);
    logger.info({ patron: { id: "24711000000012", name: "Anna Schmidt" }, items: 2 }, "checkout");
    logger.child({ patron: "24711000000012" }).info("session started");
    expect(lines.join("")).not.toMatch(/24711000000012|Anna/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ patron: "[redacted]", items: 2 });
    expect(JSON.parse(lines[1]!)).toMatchObject({ patron: "[redacted]" });
  });

  it("prints it as it is when unredacted (test systems only)", () => {
    const { logger, lines } = capture(true);
    logger.info({ patron: "24711000000012" }, "checkout");
    expect(JSON.parse(lines[0]!)).toMatchObject({ patron: "24711000000012" });
  });
});
