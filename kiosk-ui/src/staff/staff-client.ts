/**
 * The staff console's line to the bridge (protocols/staff-api over HTTP on the same origin): typed calls
 * that resolve with the reply or reject with a StaffApiError carrying the bridge's code and message, and the
 * live status as server-sent events. The session is the bridge's httpOnly cookie; nothing is kept here.
 */

import { msg, str } from "@lit/localize";
import type {
  ConfigRequest,
  ConfigSaved,
  ConfigValidation,
  ConfigView,
  Sip2TestReply,
  Sip2TestRequest,
} from "../../../protocols/staff-api/config.ts";
import type { HoursView, OpeningHoursConfig } from "../../../protocols/staff-api/hours.ts";
import type {
  DeviceTestReply,
  InventoryReport,
  MonitorNotice,
  MonitorView,
  PasswordChanged,
  PasswordChangeRequest,
  QueueEntry,
  QueueReply,
  ReplaySummary,
  StaffApiErrorReply,
  StaffSession,
  StaffStatus,
  StatisticsReply,
  StatisticsView,
  TagProgramReply,
  TagProgramRequest,
  TagStationInfo,
} from "../../../protocols/staff-api/schema.ts";

export class StaffApiError extends Error {
  constructor(
    readonly code: StaffApiErrorReply["code"] | "NETWORK",
    message: string,
    readonly status: number,
    /** STAFF_CONFIG_INVALID: what is wrong, each at its key. */
    readonly problems: StaffApiErrorReply["problems"] = undefined,
  ) {
    super(message);
  }
}

const BASE = "/api/staff";

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${BASE}${path}`, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new StaffApiError(
      "NETWORK",
      msg("The bridge cannot be reached. Is it running?", { id: "staff.shell.bridge-unreachable" }),
      0,
    );
  }
  if (response.status === 204) return undefined as T;
  const reply = (await response.json().catch(() => undefined)) as unknown;
  if (!response.ok) {
    const error = reply as Partial<StaffApiErrorReply> | undefined;
    throw new StaffApiError(
      error?.code ?? "STAFF_INTERNAL",
      error?.message ?? msg(str`The bridge answered ${response.status}.`, { id: "staff.shell.bridge-status" }),
      response.status,
      error?.problems,
    );
  }
  return reply as T;
}

export const staffApi = {
  /** The current session, or undefined when not logged in. */
  async session(): Promise<StaffSession | undefined> {
    try {
      return await call<StaffSession>("GET", "/session");
    } catch (err) {
      if (err instanceof StaffApiError && err.status === 401) return undefined;
      throw err;
    }
  },
  login: (user: string, password: string) => call<StaffSession>("POST", "/login", { user, password }),
  logout: () => call<void>("POST", "/logout"),
  changePassword: (request: PasswordChangeRequest) => call<PasswordChanged>("POST", "/password", request),
  status: () => call<StaffStatus>("GET", "/status"),
  setOutOfService: (outOfService: boolean, message?: string) =>
    call<StaffStatus>("PUT", "/out-of-service", message === undefined ? { outOfService } : { outOfService, message }),
  hours: () => call<HoursView>("GET", "/hours"),
  setHours: (hours: OpeningHoursConfig) => call<HoursView>("PUT", "/hours", hours),
  testDevice: (id: string) => call<DeviceTestReply>("POST", `/devices/${encodeURIComponent(id)}/test`),
  /** The statistics from `from` (ms since the epoch) on, or all the bridge keeps. */
  statistics: (view: StatisticsView, from?: number) =>
    call<StatisticsReply>("GET", `/statistics?view=${view}${from === undefined ? "" : `&from=${Math.floor(from)}`}`),
  csvUrl: (view: StatisticsView) => `${BASE}/statistics?view=${view}&format=csv`,
  tagStation: () => call<TagStationInfo>("GET", "/tags"),
  programTag: (request: TagProgramRequest) => call<TagProgramReply>("POST", "/tags/program", request),
  inventory: () => call<InventoryReport>("GET", "/inventory"),
  startInventory: (branch?: string, device?: string) =>
    call<InventoryReport>("POST", "/inventory/start", { ...(branch ? { branch } : {}), ...(device ? { device } : {}) }),
  stopInventory: () => call<InventoryReport>("POST", "/inventory/stop"),
  inventoryCsvUrl: () => `${BASE}/inventory?format=csv`,
  offlineQueue: () => call<QueueReply>("GET", "/offline-queue"),
  replayQueue: () => call<ReplaySummary>("POST", "/offline-queue/replay"),
  retryEntry: (id: string, note: string) =>
    call<QueueEntry>("POST", `/offline-queue/${encodeURIComponent(id)}/retry`, note ? { note } : {}),
  resolveEntry: (id: string, note: string) =>
    call<QueueEntry>("POST", `/offline-queue/${encodeURIComponent(id)}/resolve`, { note }),
  config: () => call<ConfigView>("GET", "/config"),
  validateConfig: (request: ConfigRequest) => call<ConfigValidation>("POST", "/config/validate", request),
  saveConfig: (request: ConfigRequest) => call<ConfigSaved>("PUT", "/config", request),
  testSip2: (request: Sip2TestRequest) => call<Sip2TestReply>("POST", "/config/test-sip2", request),

  /** Calls `onStatus` with the live status; `onLost` when the stream breaks (EventSource retries by itself). */
  /** The live patron session without the patron: `onView` after every change, `onNotice` for what the patron is told. */
  watchSession(onView: (view: MonitorView) => void, onNotice: (notice: MonitorNotice) => void): () => void {
    const events = new EventSource(`${BASE}/monitor`);
    events.addEventListener("view", (event) => onView(JSON.parse((event as MessageEvent<string>).data)));
    events.addEventListener("notice", (event) => onNotice(JSON.parse((event as MessageEvent<string>).data)));
    return () => events.close();
  },
  watch(onStatus: (status: StaffStatus) => void, onLost: () => void): () => void {
    const events = new EventSource(`${BASE}/events`);
    events.addEventListener("status", (event) => onStatus(JSON.parse((event as MessageEvent<string>).data)));
    events.onerror = () => onLost();
    return () => events.close();
  },
};
