/** Scripted kiosk states for the browser tests: one realistic state per screen, built from one base. */
import type { ItemRow, KioskState, PatronSummary } from "../../../protocols/kiosk-api/schema.ts";

export type ScriptedState = Omit<KioskState, "rev" | "serverTime">;

const usd = (value: string) => ({ value, currency: "USD" });

export const idleState: ScriptedState = {
  phase: "idle",
  language: "en",
  ils: { status: "online", offlineMode: false },
  devices: [
    { id: "scanner", kind: "scanner", health: "ok" },
    { id: "pad", kind: "rfid", health: "ok" },
    { id: "printer", kind: "printer", health: "ok" },
  ],
  can: { checkout: true, checkin: true, print: true, email: true, pay: true, rfid: true, padCapacity: 4 },
  items: [],
};

export const patron: PatronSummary = {
  firstName: "Ana",
  loans: [
    { itemId: "34711000000101", title: "The Left Hand of Darkness", dueDate: "2026-12-15", overdue: false },
    { itemId: "34711000000102", title: "A Brief History of Time", dueDate: "2026-11-20", overdue: true },
    { itemId: "34711000000103", title: "Cien años de soledad", dueDate: "2026-12-22", overdue: false },
  ],
  holdsReady: [
    { itemId: "34711000000201", title: "The Overstory", pickupLocation: "Central Library", expires: "2026-12-08" },
  ],
  holdsWaiting: 2,
  fees: [
    { id: "f1", amount: usd("2.50"), kind: "overdue", title: "A Brief History of Time" },
    { id: "f2", amount: usd("1.00"), kind: "processing" },
  ],
  feesTotal: usd("3.50"),
  blocks: [],
  canBorrow: true,
  emailMasked: "a•••@e•••.org",
};

const idle = { warnAt: Date.UTC(2026, 11, 1, 14, 1, 40), deadline: Date.UTC(2026, 11, 1, 14, 2, 0) };

const session = (phase: KioskState["phase"], extra: Partial<ScriptedState> = {}): ScriptedState => ({
  ...idleState,
  phase,
  patron,
  idle,
  ...extra,
});

const row = (r: Partial<ItemRow> & Pick<ItemRow, "key" | "status">): ItemRow => ({
  action: "checkout",
  itemId: r.key,
  ...r,
});

export const checkoutRows: ItemRow[] = [
  row({ key: "e004010001", title: "Pachinko", status: "done", dueDate: "2026-12-22" }),
  row({ key: "e004010002", title: "The Fifth Season", status: "done", dueDate: "2026-12-22" }),
  row({
    key: "e004010003",
    title: "Learn Spanish — CD 1",
    status: "done",
    dueDate: "2026-12-22",
    set: { part: 1, of: 3 },
  }),
  row({ key: "e004010004", title: "Learn Spanish — CD 2", status: "working", set: { part: 2, of: 3 } }),
  row({ key: "e004010005", title: "Atlas of Remote Islands", status: "refused", reason: "ITEM_ON_HOLD_FOR_OTHER" }),
];

export const checkinRows: ItemRow[] = [
  row({
    key: "b1",
    action: "checkin",
    title: "The Overstory",
    status: "done",
    routing: { kind: "hold-here", cart: "red" },
  }),
  row({ key: "b2", action: "checkin", title: "Pachinko", status: "done", routing: { kind: "reshelve", cart: "blue" } }),
  row({
    key: "b3",
    action: "checkin",
    title: "Gardening Through the Year",
    status: "done",
    routing: { kind: "transit", destination: "Eastside Branch" },
  }),
  row({
    key: "b4",
    action: "checkin",
    title: "Learn Spanish (3 CDs)",
    status: "attention",
    reason: "SET_INCOMPLETE",
    set: { part: 1, of: 3 },
  }),
];

/** One state per screen, named as its screenshot is. */
export const SCREEN_STATES: Record<string, ScriptedState> = {
  "out-of-service": {
    ...idleState,
    phase: "out-of-service",
    outOfService: { message: "Back at 10:00 after maintenance." },
  },
  // Tuesday 1 December 2026, 15:00 in Berlin (the fake bridge's clock): closed, opens Wednesday at 09:00.
  closed: {
    ...idleState,
    phase: "closed",
    hours: {
      open: false,
      timeZone: "Europe/Berlin",
      nextChange: Date.UTC(2026, 11, 2, 8, 0, 0),
      returnsWhenClosed: true,
    },
  },
  idle: idleState,
  pin: { ...idleState, phase: "pin", pin: { attemptsLeft: 2 }, idle },
  home: session("home"),
  "home-blocked": session("home", {
    patron: { ...patron, blocks: ["excessiveOutstandingFines", "cardExpired"], canBorrow: false },
  }),
  checkout: session("checkout", { items: checkoutRows }),
  "checkout-too-many": session("checkout", { items: checkoutRows.slice(0, 2), tooManyTags: true }),
  "checkout-offline": session("checkout", {
    ils: { status: "down", offlineMode: true },
    items: [row({ key: "o1", title: "Pachinko", status: "done", dueDate: "2026-12-22", offline: true })],
  }),
  checkin: { ...idleState, phase: "checkin", items: checkinRows, idle },
  renew: session("renew", {
    items: [
      row({
        key: "r1",
        action: "renew",
        itemId: "34711000000101",
        title: "The Left Hand of Darkness",
        status: "done",
        dueDate: "2027-01-05",
      }),
      row({
        key: "r2",
        action: "renew",
        itemId: "34711000000102",
        title: "A Brief History of Time",
        status: "refused",
        reason: "RENEWAL_LIMIT",
      }),
    ],
  }),
  holds: session("holds"),
  fees: session("fees", { payment: { status: "waiting-card", amount: usd("3.50") } }),
  receipt: session("receipt", { receipt: { methods: ["print", "email", "none"], provisional: false } }),
  "receipt-printer-down": session("receipt", {
    devices: [
      { id: "scanner", kind: "scanner", health: "ok" },
      { id: "printer", kind: "printer", health: "down", problem: "PRINTER_PAPER_OUT" },
    ],
    can: { ...idleState.can, print: false },
    ils: { status: "down", offlineMode: true },
    receipt: { methods: ["email", "none"], provisional: true },
  }),
  goodbye: session("goodbye", {
    receipt: { methods: ["print", "email", "none"], provisional: false, result: "printed" },
    // The bridge shows goodbye for a few seconds, then the start screen.
    idle: { warnAt: Date.UTC(2026, 11, 1, 14, 0, 5), deadline: Date.UTC(2026, 11, 1, 14, 0, 5) },
  }),
  "idle-warning": session("checkout", {
    items: checkoutRows.slice(0, 2),
    idle: { warnAt: Date.UTC(2026, 11, 1, 13, 59, 50), deadline: Date.UTC(2026, 11, 1, 14, 0, 20) },
  }),
};
