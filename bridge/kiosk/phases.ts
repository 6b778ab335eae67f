/**
 * The patron session as data: which phase may follow which, and which command is accepted where. The
 * engine refuses anything else (NOT_ALLOWED_NOW), and the tests walk both tables.
 */
import type { CommandType, Phase } from "../../protocols/kiosk-api/schema.ts";

/** Phases in which a patron is logged in. */
export const PATRON_PHASES: readonly Phase[] = ["pin", "home", "checkout", "renew", "holds", "fees", "receipt"];

/** What a signed-in patron can go to from home and from each other; returns too (the home screen offers them). */
const ACTIVITIES: readonly Phase[] = ["checkout", "checkin", "renew", "holds", "fees"];

/**
 * from → the phases it may go to. Every phase may also go to the three where no one is signed in: idle (end,
 * timeout), out-of-service (staff) and closed (the library's hours).
 */
export const TRANSITIONS: Readonly<Record<Phase, readonly Phase[]>> = {
  "out-of-service": [],
  // Returns out of hours, when the config takes them.
  closed: ["checkin"],
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

/** Where a session ends: no one is signed in. */
export const RESTING_PHASES: readonly Phase[] = ["idle", "out-of-service", "closed"];

export function canMove(from: Phase, to: Phase): boolean {
  return RESTING_PHASES.includes(to) || TRANSITIONS[from].includes(to);
}

const LOGGED_IN: readonly Phase[] = ["home", ...ACTIVITIES];

/** Where each command is accepted. */
export const COMMAND_PHASES: Readonly<Record<CommandType, readonly Phase[]>> = {
  identify: ["idle", "pin"],
  verifyPin: ["pin"],
  show: ["idle", "closed", ...LOGGED_IN],
  addItem: ["checkout", "checkin"],
  renew: ["home", "renew"],
  renewAll: ["home", "renew"],
  placeHold: ["holds"],
  cancelHold: ["holds", "home"],
  payFees: ["fees"],
  finish: LOGGED_IN,
  chooseReceipt: ["receipt"],
  extendTime: [...PATRON_PHASES, "checkin"],
  setLanguage: ["idle", "closed", ...PATRON_PHASES, "checkin"],
  endSession: [...PATRON_PHASES, "checkin", "goodbye"],
};
