/**
 * The staff monitor of the live session: what the patron screen shows, for staff at the desk, without the
 * patron. The view is built field by field from the kiosk state (never copied whole), so a field added to the
 * patron's screen later cannot carry a name, card number or email to the staff side by accident.
 */
import type { KioskState, ServerMessage } from "../../protocols/kiosk-api/schema.ts";
import type { MonitorNotice, MonitorView } from "../../protocols/staff-api/schema.ts";
import type { KioskEngine } from "../kiosk/engine.ts";

export type MonitorEvent = { type: "view"; view: MonitorView } | { type: "notice"; notice: MonitorNotice };

/** The patron screen's state as staff may watch it. */
export function monitorView(state: KioskState): MonitorView {
  const view: MonitorView = {
    phase: state.phase,
    language: state.language,
    ils: { status: state.ils.status, offlineMode: state.ils.offlineMode },
    devices: state.devices.map((d) => ({ ...d })),
    items: state.items.map((row) => ({ ...row })),
  };
  if (state.outOfService) view.outOfService = { ...state.outOfService };
  if (state.patron) {
    view.patron = {
      loans: state.patron.loans.length,
      holdsReady: state.patron.holdsReady.length,
      feesDue: state.patron.fees.length > 0,
      blocks: [...state.patron.blocks],
      canBorrow: state.patron.canBorrow,
    };
  }
  if (state.pin) view.pinAttemptsLeft = state.pin.attemptsLeft;
  if (state.tooManyTags) view.tooManyTags = true;
  if (state.payment) view.payment = { status: state.payment.status };
  if (state.receipt) {
    view.receipt = {
      provisional: state.receipt.provisional,
      ...(state.receipt.result ? { result: state.receipt.result } : {}),
    };
  }
  if (state.idle) view.idleDeadline = state.idle.deadline;
  return view;
}

/** Calls `listener` with the view now and after every change, and with each notice; returns how to stop. */
export function watchSession(
  kiosk: Pick<KioskEngine, "snapshot" | "subscribe">,
  listener: (event: MonitorEvent) => void,
): () => void {
  listener({ type: "view", view: monitorView(kiosk.snapshot()) });
  return kiosk.subscribe((message: ServerMessage) => {
    if (message.type === "state") listener({ type: "view", view: monitorView(message.state) });
    if (message.type === "notice") {
      const { code, tone, reason, itemKey } = message;
      listener({
        type: "notice",
        notice: { code, tone, ...(reason ? { reason } : {}), ...(itemKey ? { itemKey } : {}) },
      });
    }
  });
}
