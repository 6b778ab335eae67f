/**
 * FAKE BRIDGE for the UI's browser tests: serves kiosk-ui/dist and speaks the kiosk API at /api/kiosk from
 * states the test scripts. It runs no kiosk logic: it records the commands the UI sends, answers each
 * (ok, or a refusal the test asked for) and sends whatever state or notice the test sets. The real
 * bridge (bridge/server) replaces it once the engine lands.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { type WebSocket, WebSocketServer } from "ws";
import type {
  ApiErrorCode,
  ClientMessage,
  CommandType,
  KioskState,
  ServerMessage,
  ServerMessageOf,
} from "../../../protocols/kiosk-api/schema.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

export interface FakeBridge {
  url: string;
  /** Every command the UI sent, in order. */
  readonly commands: ClientMessage[];
  /** Sends `state` to every open page with the next rev and `serverTime` = the bridge's `now`. */
  setState(state: Omit<KioskState, "rev" | "serverTime">): void;
  notice(notice: Omit<ServerMessageOf<"notice">, "type">): void;
  /** The next command of `type` is answered with this error instead of ok. */
  refuseNext(type: CommandType, code: ApiErrorCode): void;
  /** Resolves with the first command of `type` sent after this call (or already sent, when `since` is 0). */
  nextCommand<T extends CommandType>(type: T, since?: number): Promise<Extract<ClientMessage, { type: T }>>;
  /** Drops every open WebSocket (a network blip); the UI should reconnect by itself. */
  dropConnections(): void;
  /** How many WebSocket connections have been accepted. */
  readonly connections: number;
  /** The bridge clock the states carry (epoch ms); tests fix the page clock to the same value. */
  now: number;
  close(): Promise<void>;
}

export async function startFakeBridge(dist: string, languages = ["en", "es", "fr", "ar"]): Promise<FakeBridge> {
  const sockets = new Set<WebSocket>();
  const commands: ClientMessage[] = [];
  const waiters: { type: CommandType; from: number; resolve(c: ClientMessage): void }[] = [];
  const refusals = new Map<CommandType, ApiErrorCode>();
  let last: KioskState | undefined;
  let rev = 0;
  let connections = 0;

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const file = normalize(join(dist, path === "/" ? "index.html" : path));
    if (!file.startsWith(dist)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  };
  const http = createServer((req, res) => void serve(req, res));
  const wss = new WebSocketServer({ noServer: true });
  http.on("upgrade", (req, socket, head) => {
    if (new URL(req.url ?? "/", "http://x").pathname !== "/api/kiosk") return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws));
  });

  const send = (ws: WebSocket, message: ServerMessage) => ws.send(JSON.stringify(message));
  const broadcast = (message: ServerMessage) => {
    for (const ws of sockets) send(ws, message);
  };

  wss.on("connection", (ws) => {
    connections++;
    sockets.add(ws);
    ws.on("close", () => sockets.delete(ws));
    send(ws, { type: "hello", version: 1, kiosk: "fake-bridge", languages, defaultLanguage: "en" });
    if (last) send(ws, { type: "state", state: last });
    ws.on("message", (data) => {
      const command = JSON.parse(String(data)) as ClientMessage;
      commands.push(command);
      const refusal = refusals.get(command.type);
      refusals.delete(command.type);
      send(
        ws,
        refusal
          ? {
              type: "reply",
              id: command.id,
              ok: false,
              error: { code: refusal, message: `fake bridge refused ${command.type}` },
            }
          : { type: "reply", id: command.id, ok: true },
      );
      for (const w of [...waiters]) {
        if (w.type === command.type && commands.length > w.from) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(command);
        }
      }
    });
  });

  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const bridge: FakeBridge = {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    commands,
    now: Date.UTC(2026, 11, 1, 14, 0, 0),
    get connections() {
      return connections;
    },
    setState(state) {
      last = { ...state, rev: ++rev, serverTime: bridge.now };
      broadcast({ type: "state", state: last });
    },
    notice(notice) {
      broadcast({ type: "notice", ...notice });
    },
    refuseNext(type, code) {
      refusals.set(type, code);
    },
    nextCommand(type, since = commands.length) {
      const found = commands.slice(since).find((c) => c.type === type);
      if (found) return Promise.resolve(found as never);
      return new Promise((resolve) => waiters.push({ type, from: since, resolve: resolve as never }));
    },
    dropConnections() {
      for (const ws of sockets) ws.terminate();
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  return bridge;
}
