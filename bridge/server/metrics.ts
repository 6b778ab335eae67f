/**
 * Prometheus metrics at /metrics (prom-client, on a registry of its own). Counts and states only, never a
 * patron: transactions by kind and result, sessions, the ILS state and its answer times per SIP2 command,
 * the offline journal's length, each device's health and disconnects, out of service.
 *
 * Transactions and sessions are counted from what the kiosk engine tells its screens (the item notices) and
 * its moves between phases, so they count exactly what patrons saw.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { ILS_STATUSES, type ServerMessage } from "../../protocols/kiosk-api/schema.ts";
import { HEALTH_STATES } from "../../protocols/staff-api/schema.ts";
import type { KioskEngine } from "../kiosk/engine.ts";
import type { StaffDesk } from "../staff/desk.ts";

export interface KioskMetrics {
  readonly registry: Registry;
  /** The exposition text for a scrape. */
  scrape(): Promise<string>;
  close(): void;
}

/** Where the round-trip times of SIP2 requests come from (bridge/sip2/timings.ts, wired by main.ts). */
export type RequestTimes = (listener: (command: string, seconds: number) => void) => () => void;

/** SIP2 answers take from a few milliseconds (a local ILS) to seconds (a hosted one under load). */
const ILS_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createKioskMetrics(kiosk: KioskEngine, desk: StaffDesk, ilsTimes?: RequestTimes): KioskMetrics {
  const registry = new Registry();
  const transactions = new Counter({
    name: "selfcheck_transactions_total",
    help: "Items handled, by kind (checkout, checkin, renew) and result (done, refused, attention, offline)",
    labelNames: ["kind", "result"] as const,
    registers: [registry],
  });
  const sessions = new Counter({
    name: "selfcheck_sessions_total",
    help: "Sessions started: patron (a card was identified) or checkin (returns without login)",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "selfcheck_ils_state",
    help: "1 for the SIP2 link's current state (connecting, online, acs-offline, down), 0 for the others",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const ils = desk.status().ils;
      for (const state of ILS_STATUSES) this.set({ state }, state === ils ? 1 : 0);
    },
  });
  new Gauge({
    name: "selfcheck_device_health",
    help: "1 for each device's current health state (ok, unverified, degraded, disconnected, disabled), 0 for the others",
    labelNames: ["device", "kind", "state"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const device of desk.status().devices) {
        for (const state of HEALTH_STATES) {
          this.set({ device: device.id, kind: device.kind, state }, state === device.health ? 1 : 0);
        }
      }
    },
  });
  new Gauge({
    name: "selfcheck_out_of_service",
    help: "1 while staff have taken the kiosk out of service",
    registers: [registry],
    collect() {
      this.set(desk.status().outOfService ? 1 : 0);
    },
  });
  // Zero series for every combination, so a rate() over a quiet kiosk is 0, not missing.
  for (const kind of ["checkout", "checkin", "renew"]) {
    for (const result of ["done", "refused", "attention", "offline"]) transactions.inc({ kind, result }, 0);
  }
  for (const kind of ["patron", "checkin"]) sessions.inc({ kind }, 0);

  const disconnects = new Counter({
    name: "selfcheck_device_disconnects_total",
    help: "Times each device went from connected to disconnected (unplugged, powered off, cable)",
    labelNames: ["device"] as const,
    registers: [registry],
  });
  const lastHealth = new Map<string, string>();
  // Device health only: the full staff status is worked out again on every kiosk state, several times per item.
  const offStatus = desk.onDeviceHealth((devices) => {
    for (const device of devices) {
      disconnects.inc({ device: device.id }, 0);
      const before = lastHealth.get(device.id);
      if (device.health === "disconnected" && before !== undefined && before !== "disconnected") {
        disconnects.inc({ device: device.id });
      }
      lastHealth.set(device.id, device.health);
    }
  });

  const latency = new Histogram({
    name: "selfcheck_sip2_request_seconds",
    help: "Time from a SIP2 request sent to its answer, by command (checkout, checkin, patronInformation …)",
    labelNames: ["command"] as const,
    buckets: ILS_SECONDS_BUCKETS,
    registers: [registry],
  });
  const offTimes = ilsTimes?.((command, seconds) => latency.observe({ command }, seconds));
  new Gauge({
    name: "selfcheck_offline_journal_entries",
    help: "Offline journal entries: waiting (not yet sent to the ILS) and needs_staff (conflicts and unknown outcomes)",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const queue = desk.status().offlineQueue;
      this.set({ state: "waiting" }, queue?.waiting ?? 0);
      this.set({ state: "needs_staff" }, queue?.needsStaff ?? 0);
    },
  });

  const off = kiosk.subscribe((message: ServerMessage) => {
    if (message.type === "notice" && (message.code === "ITEM_DONE" || message.code === "ITEM_PROBLEM")) {
      const row = message.itemKey === undefined ? undefined : kiosk.item(message.itemKey);
      if (row) transactions.inc({ kind: row.action, result: row.offline ? "offline" : row.status });
    }
  });
  const offPhase = kiosk.onPhase((from, to) => {
    if (from === "idle" && (to === "pin" || to === "home")) sessions.inc({ kind: "patron" });
    if (from === "idle" && to === "checkin") sessions.inc({ kind: "checkin" });
  });
  return {
    registry,
    scrape: () => registry.metrics(),
    close: () => {
      off();
      offPhase();
      offStatus();
      offTimes?.();
    },
  };
}
