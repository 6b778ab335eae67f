/**
 * The configuration editor on HTTP (protocols/staff-api/config.ts): read, check, save, test SIP2. Behind
 * the staff login and origin check of staff-routes.ts, which registers these in its authenticated scope.
 */
import type { FastifyInstance } from "fastify";
import { ConfigRequest, Sip2TestRequest } from "../../protocols/staff-api/config.ts";
import type { StaffApiErrorReply } from "../../protocols/staff-api/schema.ts";
import type { Logger } from "../log/logger.ts";
import type { ConfigEditor } from "../staff/config-editor.ts";

export function registerConfigRoutes(authed: FastifyInstance, editor: ConfigEditor, log: Logger): void {
  authed.get("/api/staff/config", async () => editor.view());

  authed.post<{ Body: ConfigRequest }>(
    "/api/staff/config/validate",
    { schema: { body: ConfigRequest } },
    async (request) => editor.validate(request.body),
  );

  authed.put<{ Body: ConfigRequest }>(
    "/api/staff/config",
    { schema: { body: ConfigRequest } },
    async (request, reply) => {
      const result = await editor.save(request.body);
      if ("problems" in result) {
        const count = result.problems.length;
        const body: StaffApiErrorReply = {
          code: "STAFF_CONFIG_INVALID",
          message: `the config has ${count} problem${count === 1 ? "" : "s"}; nothing was saved. Fix ${count === 1 ? "it" : "them"} and save again.`,
          problems: result.problems,
        };
        return reply.code(422).send(body);
      }
      // Key paths only: no values, so no password or patron data reaches the log.
      log.info(
        {
          user: request.staff?.user,
          file: result.file,
          restartNeeded: result.restartNeeded,
          appliedLive: result.appliedLive,
        },
        "staff saved the config",
      );
      return result;
    },
  );

  authed.post<{ Body: Sip2TestRequest }>(
    "/api/staff/config/test-sip2",
    { schema: { body: Sip2TestRequest } },
    async (request) => {
      const result = await editor.testSip2(request.body);
      log.info({ user: request.staff?.user, verdict: result.verdict }, "staff tested a SIP2 connection");
      return result;
    },
  );
}
