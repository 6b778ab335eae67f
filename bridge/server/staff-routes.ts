/**
 * The staff API on HTTP (protocols/staff-api): login with rate limiting, a session cookie (or bearer
 * token), and the StaffDesk's operations behind it; `/metrics` for Prometheus. Every refusal is
 * `{ code, message }` with a status that says what kind of refusal it is.
 */
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { CodedError, describeError } from "../../protocols/errors.ts";
import {
  InventoryQuery,
  InventoryStartRequest,
  LoginRequest,
  OutOfServiceRequest,
  PasswordChangeRequest,
  ResolveRequest,
  RetryRequest,
  type StaffApiErrorCode,
  type StaffApiErrorReply,
  type StaffSession,
  StatisticsQuery,
  TagProgramRequest,
} from "../../protocols/staff-api/schema.ts";
import type { Logger } from "../log/logger.ts";
import type { StaffAuth, StaffSessionInfo } from "../staff/auth.ts";
import type { ConfigEditor } from "../staff/config-editor.ts";
import { type StaffDesk, StaffError } from "../staff/desk.ts";
import type { StaffHours } from "../staff/opening-hours.ts";
import type { StaffPasswordChange } from "../staff/password-change.ts";
import type { Clock } from "../transports/clock.ts";
import type { KioskMetrics } from "./metrics.ts";
import { registerConfigRoutes } from "./staff-config-routes.ts";

export const STAFF_COOKIE = "selfcheck_staff";

export interface StaffRoutesOptions {
  desk: StaffDesk;
  auth: StaffAuth;
  metrics: KioskMetrics;
  loginAttemptsPerMinute: number;
  clock: Clock;
  logger: Logger;
  /** The configuration editor (/api/staff/config); without it those routes do not exist. */
  config?: ConfigEditor | undefined;
  /** The library's opening hours (/api/staff/hours); without them those routes do not exist. */
  hours?: StaffHours | undefined;
  /** "Change my password" (/api/staff/password); without it that route does not exist. */
  password?: StaffPasswordChange | undefined;
  /** Whether a browser page from this origin may change things (the server's origin check). */
  originAllowed(origin: string | undefined, host: string | undefined): boolean;
}

const STATUS: Readonly<Record<StaffApiErrorCode, number>> = {
  STAFF_LOGIN_FAILED: 401,
  STAFF_LOGIN_RATE_LIMITED: 429,
  STAFF_AUTH_REQUIRED: 401,
  STAFF_SESSION_EXPIRED: 401,
  STAFF_ORIGIN_REFUSED: 403,
  STAFF_INVALID_REQUEST: 400,
  STAFF_DEVICE_UNKNOWN: 404,
  STAFF_NEEDS_OUT_OF_SERVICE: 409,
  STAFF_STATISTICS_UNAVAILABLE: 503,
  STAFF_CONFIG_INVALID: 422,
  STAFF_CONFIG_NOT_SAVABLE: 409,
  STAFF_CONFIG_WRITE_FAILED: 500,
  STAFF_JOURNAL_UNAVAILABLE: 503,
  STAFF_JOURNAL_ENTRY_UNKNOWN: 404,
  STAFF_JOURNAL_NOT_ALLOWED: 409,
  STAFF_NO_PAD: 404,
  STAFF_TAG_COUNT: 409,
  STAFF_TAG_REFUSED: 422,
  STAFF_TAG_LOCK_UNSUPPORTED: 409,
  STAFF_INVENTORY_UNAVAILABLE: 503,
  // 403, not 401: the session is fine (a 401 would make the console show the login).
  STAFF_PASSWORD_WRONG: 403,
  STAFF_PASSWORD_INVALID: 422,
  STAFF_INTERNAL: 500,
};

declare module "fastify" {
  interface FastifyRequest {
    staff?: StaffSessionInfo;
  }
}

/** The session token of a request: the cookie, or `Authorization: Bearer`. */
function tokenOf(request: FastifyRequest): string | undefined {
  const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? "");
  if (bearer?.[1]) return bearer[1];
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === STAFF_COOKIE) return value.join("=");
  }
  return undefined;
}

function sessionCookie(token: string, maxAgeSeconds: number): string {
  // SameSite=Strict: another site's page cannot send staff requests with the cookie (with the origin check below).
  return `${STAFF_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}`;
}

/** @fastify/rate-limit's store, on the bridge's Clock so tests step time instead of waiting for it. */
function clockStore(clock: Clock) {
  return class ClockRateLimitStore {
    readonly #windows = new Map<string, { count: number; start: number }>();
    incr(key: string, done: (err: Error | null, result: { current: number; ttl: number }) => void, windowMs: number) {
      const now = clock.now();
      for (const [k, w] of this.#windows) if (now - w.start >= windowMs) this.#windows.delete(k);
      const window = this.#windows.get(key) ?? { count: 0, start: now };
      window.count += 1;
      this.#windows.set(key, window);
      done(null, { current: window.count, ttl: window.start + windowMs - now });
    }
    child() {
      return new ClockRateLimitStore();
    }
  };
}

function refuse(
  reply: FastifyReply,
  code: StaffApiErrorCode,
  message: string,
  problems?: StaffApiErrorReply["problems"],
): FastifyReply {
  const body: StaffApiErrorReply = problems ? { code, message, problems } : { code, message };
  return reply.code(STATUS[code]).send(body);
}

const isLoopback = (ip: string) => ip === "127.0.0.1" || ip === "::1" || ip === "::ffff:127.0.0.1";

export async function registerStaffRoutes(app: FastifyInstance, options: StaffRoutesOptions): Promise<void> {
  const { desk, auth, logger } = options;
  const log = logger.child({ component: "staff-api" });

  /** Resolves the request's staff session, or sends the refusal and returns undefined. */
  const requireStaff = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = tokenOf(request);
    const session = token === undefined ? undefined : auth.use(token);
    if (session === undefined || session === "expired") {
      return refuse(
        reply,
        session === "expired" ? "STAFF_SESSION_EXPIRED" : "STAFF_AUTH_REQUIRED",
        session === "expired"
          ? "your staff session ended after a time without use; log in again"
          : "this needs a staff login: POST /api/staff/login (the staff console at /staff/ does it)",
      );
    }
    if (request.method !== "GET" && !options.originAllowed(request.headers.origin, request.headers.host)) {
      log.warn({ origin: request.headers.origin }, "staff request refused: origin not allowed");
      return refuse(reply, "STAFF_ORIGIN_REFUSED", "staff changes are accepted only from the staff console's own page");
    }
    request.staff = session;
  };

  await app.register(async (staff) => {
    staff.setErrorHandler((err: unknown, request, reply) => {
      if (err instanceof StaffError) {
        const { problems } = err.details as { problems?: StaffApiErrorReply["problems"] };
        return refuse(reply, err.code, err.message, problems);
      }
      const status = (err as { statusCode?: number }).statusCode;
      // @fastify/rate-limit throws what errorResponseBuilder (below) returned.
      if (status === 429) return refuse(reply, "STAFF_LOGIN_RATE_LIMITED", (err as { message: string }).message);
      if ((err as { validation?: unknown }).validation || status === 400 || status === 415) {
        return refuse(reply, "STAFF_INVALID_REQUEST", `${request.method} ${request.url}: ${describeError(err)}`);
      }
      if (err instanceof CodedError) log.error({ err: describeError(err), code: err.code }, "staff request failed");
      else log.error({ err: describeError(err) }, "staff request failed unexpectedly");
      return refuse(reply, "STAFF_INTERNAL", "the bridge could not do that; its log says why");
    });

    await staff.register(rateLimit, {
      global: false,
      store: clockStore(options.clock),
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        code: "STAFF_LOGIN_RATE_LIMITED",
        message: `too many login attempts from this address; try again in ${Math.ceil(context.ttl / 1000)} s`,
      }),
    });

    staff.post<{ Body: LoginRequest }>(
      "/api/staff/login",
      {
        schema: { body: LoginRequest },
        config: { rateLimit: { max: options.loginAttemptsPerMinute, timeWindow: 60_000 } },
      },
      async (request, reply) => {
        if (!options.originAllowed(request.headers.origin, request.headers.host)) {
          return refuse(
            reply,
            "STAFF_ORIGIN_REFUSED",
            "staff login is accepted only from the staff console's own page",
          );
        }
        if (!auth.hasUsers) {
          return refuse(
            reply,
            "STAFF_LOGIN_FAILED",
            "no staff users are configured: add one to the config's staff.users (make its hash with `selfcheck staff-password`)",
          );
        }
        const session = await auth.login(request.body.user, request.body.password);
        if (!session) return refuse(reply, "STAFF_LOGIN_FAILED", "wrong user name or password");
        const maxAge = Math.max(1, Math.round((session.expiresAt - options.clock.now()) / 1000));
        const body: StaffSession = { user: session.user, expiresAt: session.expiresAt, token: session.token };
        return reply.header("set-cookie", sessionCookie(session.token, maxAge)).send(body);
      },
    );

    staff.post("/api/staff/logout", async (request, reply) => {
      const token = tokenOf(request);
      if (token !== undefined) auth.logout(token);
      return reply.header("set-cookie", sessionCookie("", 0)).code(204).send();
    });

    staff.register(async (authed) => {
      authed.addHook("preHandler", requireStaff);

      authed.get("/api/staff/session", async (request) => request.staff as StaffSession);

      const { password } = options;
      if (password) {
        // Limited as logins are: a session left open must not let anyone try passwords at full speed.
        authed.post<{ Body: PasswordChangeRequest }>(
          "/api/staff/password",
          {
            schema: { body: PasswordChangeRequest },
            config: { rateLimit: { max: options.loginAttemptsPerMinute, timeWindow: 60_000 } },
          },
          async (request) => password.change(request.staff?.user ?? "", tokenOf(request) ?? "", request.body),
        );
      }
      if (options.config) registerConfigRoutes(authed, options.config, log);
      authed.get("/api/staff/status", async () => desk.status());

      /**
       * Server-sent events from `subscribe` until the page goes away. The stream ends with the session (logout
       * or expiry): an open page does not keep a session alive.
       */
      const eventStream =
        (subscribe: (send: (event: string, data: unknown) => void) => () => void) =>
        (request: FastifyRequest, reply: FastifyReply) => {
          reply.hijack();
          reply.raw.writeHead(200, {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-store",
            connection: "keep-alive",
          });
          const token = tokenOf(request) ?? "";
          const off = subscribe((event, data) => {
            if (auth.isOpen(token)) reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
            else reply.raw.end();
          });
          request.raw.on("close", off);
        };

      // The status now and after every change.
      authed.get(
        "/api/staff/events",
        eventStream((send) => desk.onStatus((status) => send("status", status))),
      );
      // The live patron session without the patron: `view` after every change, `notice` for what the patron is told.
      authed.get(
        "/api/staff/monitor",
        eventStream((send) =>
          desk.watchSession((event) => send(event.type, event.type === "view" ? event.view : event.notice)),
        ),
      );

      authed.put<{ Body: OutOfServiceRequest }>(
        "/api/staff/out-of-service",
        { schema: { body: OutOfServiceRequest } },
        async (request) => {
          const { outOfService, message } = request.body;
          log.info({ user: request.staff?.user, outOfService }, "staff set out of service");
          return desk.setOutOfService(outOfService, message);
        },
      );

      const { hours } = options;
      if (hours) {
        authed.get("/api/staff/hours", async () => hours.view());
        // Any object: the hours are checked key by key (STAFF_CONFIG_INVALID with each problem), as in the config.
        authed.put<{ Body: unknown }>("/api/staff/hours", { schema: { body: { type: "object" } } }, async (request) => {
          const view = await hours.change(request.body);
          log.info(
            { user: request.staff?.user, followed: view.followed, file: view.file },
            "staff changed the opening hours",
          );
          return view;
        });
      }

      authed.post<{ Params: { id: string } }>("/api/staff/devices/:id/test", async (request) => {
        log.info({ user: request.staff?.user, device: request.params.id }, "staff device test");
        return desk.testDevice(request.params.id);
      });

      authed.get("/api/staff/offline-queue", async () => desk.offlineQueue());

      authed.post("/api/staff/offline-queue/replay", async (request) => {
        log.info({ user: request.staff?.user }, "staff replay of the offline queue");
        return desk.replayNow();
      });

      authed.post<{ Params: { id: string }; Body: RetryRequest }>(
        "/api/staff/offline-queue/:id/retry",
        { schema: { body: RetryRequest } },
        async (request) => {
          log.info({ user: request.staff?.user, entry: request.params.id }, "staff retry of a journal entry");
          return desk.retryEntry(request.params.id, request.body.note);
        },
      );

      authed.post<{ Params: { id: string }; Body: ResolveRequest }>(
        "/api/staff/offline-queue/:id/resolve",
        { schema: { body: ResolveRequest } },
        async (request) => {
          log.info({ user: request.staff?.user, entry: request.params.id }, "staff resolved a journal entry");
          return desk.resolveEntry(request.params.id, request.body.note);
        },
      );

      authed.get("/api/staff/tags", async () => desk.tags.info());

      authed.post<{ Body: TagProgramRequest }>(
        "/api/staff/tags/program",
        { schema: { body: TagProgramRequest } },
        async (request) => {
          const { model, lock, secured } = request.body;
          log.info({ user: request.staff?.user, model, lock, secured }, "staff programmes a tag");
          return desk.tags.program(request.body);
        },
      );

      authed.get<{ Querystring: { format?: "json" | "csv" } }>(
        "/api/staff/inventory",
        { schema: { querystring: InventoryQuery } },
        async (request, reply) => {
          if (request.query.format !== "csv") return desk.inventory.report();
          return reply
            .type("text/csv; charset=utf-8")
            .header("content-disposition", 'attachment; filename="selfcheck-inventory.csv"')
            .send(desk.inventory.csv());
        },
      );

      authed.post<{ Body: InventoryStartRequest }>(
        "/api/staff/inventory/start",
        { schema: { body: InventoryStartRequest } },
        async (request) => {
          log.info({ user: request.staff?.user }, "staff started a shelf inventory");
          return desk.inventory.start(request.body);
        },
      );

      authed.post("/api/staff/inventory/stop", async () => desk.inventory.stop());

      authed.get<{ Querystring: StatisticsQuery }>(
        "/api/staff/statistics",
        { schema: { querystring: StatisticsQuery } },
        async (request, reply) => {
          const result = desk.statistics(request.query);
          if (typeof result !== "string") return result;
          const name = `selfcheck-statistics-${request.query.view ?? "day"}.csv`;
          return reply
            .type("text/csv; charset=utf-8")
            .header("content-disposition", `attachment; filename="${name}"`)
            .send(result);
        },
      );
    });
  });

  // Metrics: no patron data, but they show the kiosk's activity. Open to this machine (a local agent or an
  // SSH tunnel); from elsewhere only with a staff session (e.g. a bearer token).
  app.get("/metrics", async (request, reply) => {
    if (!isLoopback(request.ip)) {
      const token = tokenOf(request);
      const session = token === undefined ? undefined : auth.use(token);
      if (session === undefined || session === "expired") {
        return refuse(
          reply,
          "STAFF_AUTH_REQUIRED",
          "/metrics is open to this machine only; from elsewhere send a staff session token (Authorization: Bearer)",
        );
      }
    }
    return reply.type("text/plain; version=0.0.4; charset=utf-8").send(await options.metrics.scrape());
  });
}
