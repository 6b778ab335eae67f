/**
 * The bridge's HTTP and WebSocket server: the kiosk UI's files at `/`, the kiosk API at `/api/kiosk`
 * (protocols/kiosk-api), and `/healthz`. It knows nothing of SIP2 or devices: it relays between browsers
 * and a KioskEndpoint (the kiosk engine), validating every incoming message on the way.
 */
import { existsSync } from "node:fs";
import helmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import websocket from "@fastify/websocket";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { WebSocket } from "ws";
import { CodedError, describeError } from "../../protocols/errors.ts";
import {
  API_ERRORS,
  type ApiErrorCode,
  type ClientMessage,
  KIOSK_API_VERSION,
  type KioskState,
  type ServerMessage,
} from "../../protocols/kiosk-api/schema.ts";
import { KioskApiError, MAX_MESSAGE_BYTES, parseClientMessage } from "../../protocols/kiosk-api/validate.ts";
import type { Logger } from "../log/logger.ts";
import type { LatencyProbe } from "./latency-probe.ts";
import { registerStaffRoutes, type StaffRoutesOptions } from "./staff-routes.ts";

/** What the server needs from the kiosk engine. */
export interface KioskEndpoint {
  readonly kioskName: string;
  readonly languages: readonly string[];
  readonly defaultLanguage: string;
  snapshot(): KioskState;
  /** State and notices as they happen; returns the unsubscribe function. */
  subscribe(listener: (message: ServerMessage) => void): () => void;
  /** Carries out one command; rejects with a CodedError whose code is one of API_ERRORS to refuse it. */
  execute(command: ClientMessage): Promise<void>;
}

export interface ServerOptions {
  host: string;
  port: number;
  endpoint: KioskEndpoint;
  logger: Logger;
  /** The built kiosk UI (kiosk-ui/dist); when missing, `/` says how to build it. */
  uiDir?: string;
  /** Origins allowed to open the kiosk socket besides the server's own (e.g. a dev server). */
  allowedOrigins?: readonly string[];
  /** Facts for /healthz (device and ILS state); the server adds its own. */
  health?: () => Record<string, unknown>;
  /** The staff API at /api/staff and /metrics (the staff console itself is part of the UI, at /staff/). */
  staff?: Omit<StaffRoutesOptions, "originAllowed" | "logger">;
  /** Stamps kiosk frames for the time the bridge adds (SELFCHECK_LATENCY_PROBE). */
  probe?: LatencyProbe | undefined;
}

export interface RunningServer {
  /** http://host:port */
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

const apiErrorCodes = new Set<string>(API_ERRORS);

/** The reply for a command that failed: its own stable code when it has one the UI knows, else INTERNAL. */
function errorReply(id: string | null, err: unknown, logger: Logger): ServerMessage {
  if (err instanceof CodedError && apiErrorCodes.has(err.code)) {
    return { type: "reply", id, ok: false, error: { code: err.code as ApiErrorCode, message: err.message } };
  }
  logger.error({ err: describeError(err), requestId: id }, "kiosk command failed unexpectedly");
  return { type: "reply", id, ok: false, error: { code: "INTERNAL", message: "the kiosk could not do that" } };
}

/**
 * The socket may be opened by the kiosk page itself (same host) or by an origin the config allows. A page
 * on any other site must not drive a patron session through the kiosk PC's browser.
 */
function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true; // not a browser (tests, tools): the socket is bound to loopback by default
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { endpoint, logger, probe } = options;
  const app: FastifyInstance = Fastify({
    loggerInstance: logger.child({ component: "server" }) as FastifyBaseLogger,
    // Requests are not logged one by one: the kiosk's own log says what patrons did, without URLs.
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], connectSrc: ["'self'"], imgSrc: ["'self'", "data:"] },
    },
  });
  await app.register(websocket, { options: { maxPayload: MAX_MESSAGE_BYTES } });

  const sockets = new Set<WebSocket>();
  const send = (socket: WebSocket, message: ServerMessage) => {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify(message));
    probe?.messageOut();
  };

  app.get("/api/kiosk", { websocket: true }, (socket, request) => {
    if (!originAllowed(request.headers.origin, request.headers.host, options.allowedOrigins ?? [])) {
      logger.warn({ origin: request.headers.origin }, "kiosk socket refused: origin not allowed");
      socket.close(1008, "origin not allowed");
      return;
    }
    sockets.add(socket);
    send(socket, {
      type: "hello",
      version: KIOSK_API_VERSION,
      kiosk: endpoint.kioskName,
      languages: [...endpoint.languages],
      defaultLanguage: endpoint.defaultLanguage,
    });
    send(socket, { type: "state", state: endpoint.snapshot() });
    const unsubscribe = endpoint.subscribe((message) => send(socket, message));
    socket.on("message", (data, isBinary) => {
      probe?.commandIn();
      if (isBinary) {
        probe?.commandIs(undefined);
        send(socket, errorReply(null, new KioskApiError("binary frames are not part of the kiosk API", null), logger));
        return;
      }
      let command: ClientMessage;
      try {
        command = parseClientMessage(data.toString());
      } catch (err) {
        const id = err instanceof KioskApiError ? err.requestId : null;
        logger.info({ err: describeError(err) }, "kiosk socket: invalid message");
        probe?.commandIs(undefined);
        send(socket, errorReply(id, err, logger));
        return;
      }
      probe?.commandIs(command.type);
      endpoint.execute(command).then(
        () => send(socket, { type: "reply", id: command.id, ok: true }),
        (err: unknown) => send(socket, errorReply(command.id, err, logger)),
      );
    });
    socket.on("close", () => {
      sockets.delete(socket);
      unsubscribe();
    });
  });

  if (options.staff) {
    await registerStaffRoutes(app, {
      ...options.staff,
      logger,
      originAllowed: (origin, host) => originAllowed(origin, host, options.allowedOrigins ?? []),
    });
  }

  app.get("/healthz", async () => ({ ok: true, ...(options.health?.() ?? {}) }));

  if (options.uiDir && existsSync(options.uiDir)) {
    await app.register(fastifyStatic, { root: options.uiDir, index: "index.html" });
  } else {
    app.get("/", async (_request, reply) =>
      reply
        .type("text/plain; charset=utf-8")
        .send("The kiosk UI is not built. Run `npm run build:ui` (npm start builds it by itself)."),
    );
  }

  const address = await app.listen({ host: options.host, port: options.port });
  return {
    url: address.replace("[::1]", "localhost"),
    app,
    async close() {
      for (const socket of sockets) socket.close(1001, "bridge stopping");
      await app.close();
    },
  };
}
