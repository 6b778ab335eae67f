/**
 * A small HTTP/JSON API to drive running simulators from a browser, curl or a test in another process:
 *
 *   GET  /sims                    → [{ id, kind, model, where, exposure, actions }]
 *   GET  /sims/:id                → { id, kind, model, where, exposure, actions (with descriptions), state }
 *   POST /sims/:id/:action        → { result }   body: the action's JSON params (optional)
 *   POST /hosting/:id/unplug      → { result: { plugged: false, where } }: the driver sees its device go away
 *   POST /hosting/:id/replug      → { result: { plugged: true, where } }: plugged back in
 *
 * An action needs no body (and then no content type); params are a JSON object.
 * Errors are JSON `{ code, message, valid? }`: an unknown simulator or action (also one this simulator's
 * configuration lacks, such as raiseAlarm on a relay board without an alarm input) is 404 and lists the
 * valid ones; bad params (SIM_BAD_PARAMS) are 400; a body over the limit is 413 naming the limit; anything
 * else the simulator refuses is 409.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import type { Logger } from "pino";
import { CodedError, describeError } from "../../protocols/errors.ts";
import { describeExposure, HostError, type Hosting } from "./host.ts";

export interface ControlApiOptions {
  /** The hosted simulators by id. The map is read on each request, so entries may come and go. */
  simulators: ReadonlyMap<string, Hosting>;
  /** Default 127.0.0.1: the API can change what the simulated hardware does; keep it local. */
  host?: string;
  /** 0 picks a free port. Default 0. */
  port?: number;
  logger?: Logger;
}

export interface ControlApi {
  /** Base URL, e.g. http://127.0.0.1:7300 */
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

interface ErrorBody {
  code: string;
  message: string;
  valid?: string[];
}

/** Action params are a small JSON object; anything bigger is a mistake. */
const BODY_LIMIT_BYTES = 1 << 20;

const STATUS_BY_CODE: Record<string, number> = {
  SIM_UNKNOWN: 404,
  SIM_BAD_ACTION: 404,
  SIM_BAD_PARAMS: 400,
};

/** Builds the API without listening (tests call app.inject()). */
export function buildControlApi(options: Pick<ControlApiOptions, "simulators" | "logger">): FastifyInstance {
  const { simulators, logger } = options;
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES });
  // `curl -X POST …/unplug` sends no body and no content type; Fastify would answer 415. Such a request has
  // no params, so any body without a content type is read as none.
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => {
    if (String(body).trim() === "") done(null, undefined);
    else {
      const error = Object.assign(new Error("params must be JSON: send them with content-type: application/json."), {
        statusCode: 415,
        code: "SIM_BAD_PARAMS",
      });
      done(error, undefined);
    }
  });

  const send = (reply: FastifyReply, status: number, body: ErrorBody) => reply.code(status).send(body);
  const lookup = (id: string, reply: FastifyReply): Hosting | undefined => {
    const hosting = simulators.get(id);
    if (!hosting) {
      void send(reply, 404, {
        code: "SIM_UNKNOWN",
        message: `no simulator "${id}"; running: ${[...simulators.keys()].join(", ") || "none"}.`,
        valid: [...simulators.keys()],
      });
    }
    return hosting;
  };
  const summary = (id: string, hosting: Hosting) => ({
    id,
    kind: hosting.simulator.kind,
    model: hosting.simulator.model,
    where: describeExposure(hosting.exposure),
    exposure: hosting.exposure,
    plugged: hosting.plugged,
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    // Fastify's own errors: malformed JSON, wrong content type, body too large.
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    if (status === 413) {
      return send(reply, 413, {
        code: "SIM_BODY_TOO_LARGE",
        message: `the request body is over the limit of ${BODY_LIMIT_BYTES} bytes (1 MiB); an action's params are a small JSON object.`,
      });
    }
    const code = status === 400 ? "SIM_BAD_PARAMS" : status >= 500 ? "SIM_ERROR" : (error.code ?? "SIM_ERROR");
    if (status >= 500) logger?.error({ err: error }, "control API error");
    return send(reply, status, { code, message: describeError(error) });
  });
  app.setNotFoundHandler((request, reply) => {
    void send(reply, 404, {
      code: "NOT_FOUND",
      message: `no route ${request.method} ${request.url}; try GET /sims.`,
      valid: ["GET /sims", "GET /sims/:id", "POST /sims/:id/:action", "POST /hosting/:id/unplug|replug"],
    });
  });

  app.get("/", async () => ({
    simulators: [...simulators.keys()].map((id) => `/sims/${id}`),
    usage: "GET /sims, GET /sims/:id, POST /sims/:id/:action with JSON params, POST /hosting/:id/unplug|replug",
  }));

  app.get("/sims", async () => [...simulators].map(([id, h]) => ({ ...summary(id, h), actions: actionNames(h) })));

  app.get<{ Params: { id: string } }>("/sims/:id", async (request, reply) => {
    const hosting = lookup(request.params.id, reply);
    if (!hosting) return reply;
    return {
      ...summary(request.params.id, hosting),
      actions: hosting.simulator.actions(),
      state: hosting.simulator.state(),
    };
  });

  app.post<{ Params: { id: string; action: string }; Body: unknown }>("/sims/:id/:action", async (request, reply) => {
    const { id, action } = request.params;
    const hosting = lookup(id, reply);
    if (!hosting) return reply;
    const valid = actionNames(hosting);
    if (!valid.includes(action)) {
      return send(reply, 404, {
        code: "SIM_BAD_ACTION",
        message: `${id} (${hosting.simulator.model}) has no action "${action}"; actions: ${valid.join(", ")}.`,
        valid,
      });
    }
    const body = request.body;
    if (body !== undefined && body !== null && (typeof body !== "object" || Array.isArray(body))) {
      return send(reply, 400, { code: "SIM_BAD_PARAMS", message: `${id}.${action}: params must be a JSON object.` });
    }
    try {
      const result = await hosting.simulator.control(action, (body ?? {}) as Record<string, unknown>);
      return { result: result ?? null };
    } catch (err) {
      const code = err instanceof CodedError ? err.code : "SIM_ERROR";
      const status = STATUS_BY_CODE[code] ?? (err instanceof CodedError ? 409 : 500);
      if (status >= 500) logger?.error({ err, sim: id, action }, "simulator action failed");
      return send(reply, status, {
        code,
        message: describeError(err),
        ...(code === "SIM_BAD_ACTION" ? { valid } : {}),
      });
    }
  });

  app.post<{ Params: { id: string; what: string } }>("/hosting/:id/:what", async (request, reply) => {
    const { id, what } = request.params;
    const hosting = lookup(id, reply);
    if (!hosting) return reply;
    if (what !== "unplug" && what !== "replug") {
      return send(reply, 404, {
        code: "SIM_BAD_ACTION",
        message: `hosting actions are unplug and replug, not "${what}".`,
        valid: ["unplug", "replug"],
      });
    }
    await (what === "unplug" ? hosting.unplug() : hosting.replug());
    return { result: { plugged: hosting.plugged, where: describeExposure(hosting.exposure) } };
  });

  return app;
}

/** Starts the API on host:port and resolves to its URL. */
export async function startControlApi(options: ControlApiOptions): Promise<ControlApi> {
  const app = buildControlApi(options);
  const host = options.host ?? "127.0.0.1";
  try {
    await app.listen({ host, port: options.port ?? 0 });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw new HostError(
      "SIM_HOST_FAILED",
      `control API: cannot listen on ${host}:${options.port ?? 0} (${describeError(err)}); pick another port.`,
      { host, port: options.port ?? 0 },
      { cause: err },
    );
  }
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : (options.port ?? 0);
  const shown = host.includes(":") ? `[${host}]` : host;
  return { url: `http://${shown}:${port}`, app, close: () => app.close() };
}

function actionNames(hosting: Hosting): string[] {
  return hosting.simulator.actions().map((a) => a.name);
}
