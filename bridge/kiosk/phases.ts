/**
 * The patron session as data: which phase may follow which, and which command is accepted where. The
 * engine refuses anything else (NOT_ALLOWED_NOW), and the tests walk both tables.
 */
import type { CommandType, Phase } from "../../protocols/kiosk-api/schema.ts";

/** Phases in which a patron is logged in. */
export const PATRON_PHASES: readonly Phase[] = ["pin", "home", "checkout", "renew", "holds", "fees", "receipt"];

/** What a signed-in patron can go to from home and from each other; returns too (the home screen offers them). */
const ACTIVITIES: readonly Phase[] = ["checkout", "checkin", "renew", "holds", "fees"];

/** from → the phases it may go to. Every phase may also go to out-of-service (staff) and idle (end, timeout). */
export const TRANSITIONS: Readonly<Record<Phase, readonly Phase[]>> = {
  "out-of-service": ["idle"],
  idle: ["pin", "home", "checkin"],
  pin: ["home"],
  home: [...ACTIVITIES, "receipt"],
  checkout: ["home", ...ACTIVITIES, "receipt"],
  renew: ["home", ...ACTIVITIES, "receipt"],
  holds: ["home", ...ACTIVITIES, "receipt"],
  fees: ["home", ...ACTIVITIES, "receipt"],
  checkin: ["home", ...ACTIVITIES, "receipt"],
  receipt: ["goodbye"],
  goodbye: [],
};

export function canMove(from: Phase, to: Phase): boolean {
  return to === "idle" || to === "out-of-service" || TRANSITIONS[from].includes(to);
}

const LOGGED_IN: readonly Phase[] = ["home", ...ACTIVITIES];

/** Where each command is accepted. */
export const COMMAND_PHASES: Readonly<Record<CommandType, readonly Phase[]>> = {
  identify: ["idle", "pin"],
  verifyPin: ["pin"],
  show: ["idle", ...LOGGED_IN],
  addItem: ["checkout", "checkin"],
  renew: ["home", "renew"],
  renewAll: ["home", "renew"],
  placeHold: ["holds"],
  cancelHold: ["holds", "home"],
  payFees: ["fees"],
  finish: LOGGED_IN,
  chooseReceipt: ["receipt"],
  extendTime: [...PATRON_PHASES, "checkin"],
  setLanguage: ["idle", ...PATRON_PHASES, "checkin"],
  endSession: [...PATRON_PHASES, "checkin", "goodbye"],
};
