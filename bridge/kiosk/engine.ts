/**
 * The kiosk engine: one patron session at a time, turned into circulation transactions.
 *
 * It takes a patron's card (scanned, on the pad, or typed), the tags on the RFID pad, scanned item
 * barcodes and the commands from the screen, and drives the ILS and the pad's security through the ports
 * in ports.ts. Everything the screen shows is one KioskState, sent whole after every change.
 *
 * Items run through two stages that overlap: the ILS stage (as many at once as the SIP2 pool has
 * connections) and the security stage (one tag write at a time: the pad has one radio). So one tag is
 * written while the next checkout is with the ILS. Input that arrives faster than the ILS answers waits in
 * order; nothing is dropped.
 */
import { CodedError, describeError } from "../../protocols/errors.ts";
import type {
  ClientMessage,
  Fee,
  ItemReason,
  ItemRow,
  KioskState,
  Money,
  NoticeCode,
  Phase,
  ReceiptMethod,
  Routing,
  ServerMessage,
} from "../../protocols/kiosk-api/schema.ts";
import type { Logger } from "../log/logger.ts";
import type { Clock, TimerHandle } from "../transports/clock.ts";
import { sumDecimals } from "./money.ts";
import type { OpeningHours } from "./opening-hours.ts";
import { COMMAND_PHASES, canMove, PATRON_PHASES } from "./phases.ts";
import type {
  CirculationResult,
  DevicesPort,
  IlsPort,
  PadPort,
  PadTag,
  PatronRecord,
  PaymentPort,
  RelayPort,
  ScanPort,
} from "./ports.ts";

export interface KioskSettings {
  name: string;
  languages: readonly string[];
  defaultLanguage: string;
  /** Ask for a PIN after the card. */
  pinRequired: boolean;
  pinAttempts: number;
  /** A session with no activity ends after this long; the patron is warned `idleWarningMs` before. */
  idleTimeoutMs: number;
  idleWarningMs: number;
  goodbyeMs: number;
  /** Checkouts sent to the ILS at once (the SIP2 pool's size). */
  ilsConcurrency: number;
  /** How long a tag lifted before its security write may come back before the patron is told. */
  liftedWindowMs: number;
  securityWriteAttempts: number;
  /** Multi-part sets: wait until every part is on the pad, or send the patron to the desk. */
  sets: "wait" | "desk";
  /** An item already on loan to this patron is renewed by checking it out again. */
  renewOnCheckout: boolean;
  /** Cart colours named to the patron per routing kind ("red"). */
  carts: Partial<Record<Routing["kind"], string>>;
  /** Kiosk-wide lockout after repeated wrong PINs or unknown cards (anti-guessing). */
  guessLimit: { failures: number; windowMs: number; lockoutMs: number };
  /** How long the kiosk waits for a card at the payment terminal before it stops the charge. */
  paymentTimeoutMs: number;
  /** The library's opening hours (config `kiosk.hours`); without them the kiosk is always open. */
  hours?: OpeningHours;
}

export const DEFAULT_KIOSK_SETTINGS: KioskSettings = {
  name: "Self-check",
  languages: ["en", "es", "fr", "ar"],
  defaultLanguage: "en",
  pinRequired: true,
  pinAttempts: 3,
  idleTimeoutMs: 120_000,
  // WCAG 2.2.1 asks for at least 20 s to react to a timeout warning.
  idleWarningMs: 30_000,
  goodbyeMs: 5_000,
  ilsConcurrency: 2,
  liftedWindowMs: 10_000,
  securityWriteAttempts: 3,
  sets: "wait",
  renewOnCheckout: true,
  carts: {},
  guessLimit: { failures: 5, windowMs: 60_000, lockoutMs: 300_000 },
  paymentTimeoutMs: 90_000,
};

export interface KioskPorts {
  ils: IlsPort;
  pad?: PadPort;
  scanner?: ScanPort;
  relay?: RelayPort;
  devices?: DevicesPort;
  /** Sends the receipt for the finished session; resolves with what happened. */
  receipts?: ReceiptPort;
  /** The card payment terminal; without it fees are shown but not payable here. */
  payment?: PaymentPort;
}

export interface ReceiptPort {
  methods(hasEmail: boolean): ReceiptMethod[];
  deliver(method: Exclude<ReceiptMethod, "none">, receipt: SessionReceipt): Promise<void>;
  /**
   * Prints a routing slip for staff to put in a returned item that goes to the hold shelf or elsewhere
   * (in the kiosk's default language, the staff's). Resolves false when slips are off or cannot print now.
   */
  slip?(item: ItemRow, language: string): Promise<boolean>;
}

/** What a receipt needs to say, handed to the receipt port (which knows templates and the printer). */
export interface SessionReceipt {
  kind: "checkout" | "checkin" | "renew" | "fees";
  language: string;
  date: Date;
  items: ItemRow[];
  /** Card payments taken in this session, in order. */
  payments: ReceiptPayment[];
  /** Some loans or returns were recorded offline (the payments say so each for themselves). */
  provisional: boolean;
  /** Only for email: where to. Never printed or logged. */
  email?: string;
  patronFirstName?: string;
}

export class KioskError extends CodedError<
  | "NOT_ALLOWED_NOW"
  | "PATRON_NOT_FOUND"
  | "PIN_WRONG"
  | "PIN_LOCKED"
  | "PATRON_BLOCKED"
  | "ILS_OFFLINE"
  | "DEVICE_UNAVAILABLE"
  | "RATE_LIMITED"
> {}

/**
 * A card payment on a receipt: the amount and the terminal's authorization reference (never the card number,
 * which the kiosk never sees). `provisional`: the card was charged while the ILS was unreachable, the 37 waits
 * in the journal; `not-recorded`: the ILS refused or lost it, staff apply it by hand with the authorization.
 */
export interface ReceiptPayment {
  amount: Money;
  authorization: string;
  status: "recorded" | "provisional" | "not-recorded";
}

/** set: waiting for the other parts; follower: a set part whose first part carries the transaction. */
type Stage = "set" | "follower" | "queued" | "ils" | "security" | "final";

interface Row {
  view: ItemRow;
  stage: Stage;
  tagUid?: string;
}

/** A card payment in this session: what the screen shows, and how to stop the terminal waiting. */
interface Payment {
  state: NonNullable<KioskState["payment"]>;
  abort: AbortController;
}

interface Session {
  credential: string;
  pin?: string;
  record?: PatronRecord;
  /** Books laid on the pad that this patron, who may not borrow, has been told about (once each). */
  refusedTags?: Set<string>;
  /** Card payments taken in this session, for the receipt. */
  payments: ReceiptPayment[];
}

export class KioskEngine {
  #settings: KioskSettings;
  readonly #ports: KioskPorts;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #listeners = new Set<(message: ServerMessage) => void>();
  readonly #phaseListeners = new Set<(from: Phase, to: Phase) => void>();
  readonly #unsubscribe: Array<() => void> = [];

  #phase: Phase = "idle";
  #rev = 0;
  #language: string;
  #session: Session | undefined;
  #pinAttemptsLeft = 0;
  #rows = new Map<string, Row>();
  #queue: Row[] = [];
  #ilsActive = 0;
  #securityChain: Promise<void> = Promise.resolve();
  #settled: Array<() => void> = [];
  #tooManyTags = false;
  #outOfService: { message?: string } | undefined;
  #hours: OpeningHours | undefined;
  #hoursTimer: TimerHandle | undefined;
  /** What the screen is told about the hours: worked out when they change, not for every state sent. */
  #hoursView: KioskState["hours"];
  #receipt: KioskState["receipt"];
  #payment: Payment | undefined;
  #paymentCount = 0;
  #idle: { warnAt: number; deadline: number } | undefined;
  #idleTimers: TimerHandle[] = [];
  #goodbyeTimer: TimerHandle | undefined;
  #failures: number[] = [];
  #lockedUntil = 0;
  /** The turn's state message, waiting for the I/O the turn started (#changed). */
  #stateQueued: NodeJS.Immediate | undefined;
  /** Commands whose reply waits for the state they changed. */
  readonly #stateWaiters: (() => void)[] = [];
  #ilsOnline: boolean;
  /** Fires when the session (or a return visit) ends: the ILS port stops waiting to learn lost outcomes. */
  #visit = new AbortController();

  constructor(options: { settings?: Partial<KioskSettings>; ports: KioskPorts; clock: Clock; logger: Logger }) {
    this.#settings = { ...DEFAULT_KIOSK_SETTINGS, ...options.settings };
    this.#ports = options.ports;
    this.#clock = options.clock;
    this.#logger = options.logger.child({ component: "kiosk" });
    this.#language = this.#settings.defaultLanguage;
    const { ils, pad, scanner, devices } = this.#ports;
    this.#ilsOnline = ils.status() === "online";
    this.#unsubscribe.push(ils.onStatus((status) => this.#onIlsStatus(status)));
    if (pad) this.#unsubscribe.push(pad.onTags((tags, tooMany) => this.#onTags(tags, tooMany)));
    if (scanner) this.#unsubscribe.push(scanner.onScan((code, kind) => this.#onScan(code, kind)));
    if (devices) this.#unsubscribe.push(devices.onChange(() => this.#changed()));
    this.#hours = this.#settings.hours;
    this.#followHours();
  }

  get kioskName(): string {
    return this.#settings.name;
  }
  get languages(): readonly string[] {
    return this.#settings.languages;
  }
  get defaultLanguage(): string {
    return this.#settings.defaultLanguage;
  }
  get phase(): Phase {
    return this.#phase;
  }

  /**
   * New settings from a saved config (bridge/main.ts): in force from the next use of each (a timer already
   * running keeps its length); a language no longer offered falls back to the new default.
   */
  reconfigure(settings: Partial<KioskSettings>): void {
    this.#settings = { ...DEFAULT_KIOSK_SETTINGS, ...settings };
    if (!this.#settings.languages.includes(this.#language)) this.#language = this.#settings.defaultLanguage;
    this.setHours(this.#settings.hours);
  }

  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
    clearImmediate(this.#stateQueued);
    this.#stateQueued = undefined;
    for (const resolve of this.#stateWaiters.splice(0)) resolve();
    this.#clearIdle();
    this.#clock.clearTimeout(this.#goodbyeTimer);
    this.#clock.clearTimeout(this.#hoursTimer);
  }

  subscribe(listener: (message: ServerMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Every move between phases as it happens (for counting sessions): the state messages are sent once per
   * turn, so a phase that lasted less than a turn (idle between two patrons' frames) never shows in them.
   */
  onPhase(listener: (from: Phase, to: Phase) => void): () => void {
    this.#phaseListeners.add(listener);
    return () => this.#phaseListeners.delete(listener);
  }

  /** One item row as the screen shows it; cheaper than a snapshot for a listener that wants one row. */
  item(key: string): ItemRow | undefined {
    const row = this.#rows.get(key);
    return row ? { ...row.view } : undefined;
  }

  snapshot(): KioskState {
    const ilsStatus = this.#ports.ils.status();
    const devices = this.#ports.devices?.summaries() ?? [];
    const healthy = (kind: string) => devices.some((d) => d.kind === kind && d.health === "ok");
    const record = this.#session?.record;
    const methods = this.#ports.receipts?.methods(record?.email !== undefined) ?? ["none"];
    // Offline mode: the ILS port lends from its journal (journaled-ils.ts).
    const offlineMode = this.#ports.ils.offlineMode?.() ?? false;
    const lending = ilsStatus === "online" || offlineMode;
    const state: KioskState = {
      rev: this.#rev,
      serverTime: this.#clock.now(),
      phase: this.#phase,
      language: this.#language,
      ils: { status: ilsStatus, offlineMode },
      devices,
      can: {
        checkout: lending,
        checkin: lending,
        print: methods.includes("print"),
        email: methods.includes("email"),
        pay: this.#ports.payment !== undefined && ilsStatus === "online",
        rfid: this.#ports.pad !== undefined && healthy("rfid"),
        ...(this.#ports.pad?.capacity !== undefined ? { padCapacity: this.#ports.pad.capacity } : {}),
      },
      items: [...this.#rows.values()].map((row) => ({ ...row.view })),
    };
    if (this.#outOfService) state.outOfService = { ...this.#outOfService };
    if (this.#hoursView) state.hours = { ...this.#hoursView };
    if (this.#phase === "pin") state.pin = { attemptsLeft: this.#pinAttemptsLeft };
    if (record && this.#phase !== "pin") state.patron = patronSummary(record);
    if (this.#tooManyTags) state.tooManyTags = true;
    if (this.#receipt) state.receipt = { ...this.#receipt };
    if (this.#payment) state.payment = { ...this.#payment.state };
    if (this.#idle) state.idle = { ...this.#idle };
    return state;
  }

  /** Staff: take the kiosk out of service (the current session ends) or back. */
  setOutOfService(message: string | undefined | false): void {
    if (message === false) {
      this.#outOfService = undefined;
      if (this.#phase === "out-of-service") this.#moveTo(this.#restingPhase());
    } else {
      this.#outOfService = message === undefined ? {} : { message };
      this.#endSession("staff");
      this.#moveTo("out-of-service");
    }
    this.#changed();
  }

  /** Staff or the config: new opening hours, in effect at once (undefined: none, always open). */
  setHours(hours: OpeningHours | undefined): void {
    this.#hours = hours;
    this.#followHours();
    this.#changed();
  }

  get hours(): OpeningHours | undefined {
    return this.#hours;
  }

  /** Carries out one command; resolves (or rejects) once the state it changed has gone out. */
  async execute(command: ClientMessage): Promise<void> {
    try {
      await this.#run(command);
    } finally {
      await this.#stateSent();
    }
  }

  #run(command: ClientMessage): Promise<void> | void {
    if (!COMMAND_PHASES[command.type].includes(this.#phase)) {
      throw new KioskError("NOT_ALLOWED_NOW", `${command.type} is not possible on the ${this.#phase} screen`, {
        command: command.type,
        phase: this.#phase,
      });
    }
    this.#touch();
    switch (command.type) {
      case "identify":
        return this.#identify(command.credential);
      case "verifyPin":
        return this.#verifyPin(command.pin);
      case "show":
        return this.#show(command.screen);
      case "addItem":
        return this.#addItem({ key: command.itemId, itemId: command.itemId });
      case "renew":
        return this.#renew(command.itemIds);
      case "renewAll":
        return this.#renew((this.#session?.record?.loans ?? []).map((loan) => loan.itemId));
      case "finish":
        return this.#finish();
      case "chooseReceipt":
        return this.#chooseReceipt(command.method);
      case "extendTime":
        // #touch() above restarted the idle timer; the screen needs the new deadline to drop its warning.
        this.#changed();
        return;
      case "setLanguage":
        if (!this.#settings.languages.includes(command.language)) {
          throw new KioskError("NOT_ALLOWED_NOW", `language ${command.language} is not offered here`);
        }
        this.#language = command.language;
        this.#changed();
        return;
      case "endSession":
        this.#endSession("patron");
        return;
      case "placeHold":
        return this.#hold("place", command.itemId);
      case "cancelHold":
        return this.#hold("cancel", command.itemId);
      case "payFees":
        return this.#payFees(command.feeIds);
    }
  }

  /** Resolves when no item is waiting for the ILS or its security write. */
  whenSettled(): Promise<void> {
    if (this.#isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.#settled.push(resolve));
  }

  // ---- identification ----

  async #identify(credential: string): Promise<void> {
    this.#checkLockout();
    if (this.#phase === "pin") this.#endSession("new-card");
    const record = await this.#lookup(credential, undefined);
    if (!record.found) {
      this.#failure();
      this.#notice("PATRON_NOT_FOUND", "failure");
      throw new KioskError("PATRON_NOT_FOUND", "no patron has this card number");
    }
    this.#session = { credential, payments: [] };
    if (this.#settings.pinRequired) {
      this.#pinAttemptsLeft = this.#settings.pinAttempts;
      this.#moveTo("pin");
    } else {
      this.#welcome(record);
    }
    this.#changed();
  }

  async #verifyPin(pin: string): Promise<void> {
    const session = this.#session;
    if (!session) throw new KioskError("NOT_ALLOWED_NOW", "no card was presented");
    this.#checkLockout();
    const record = await this.#lookup(session.credential, pin);
    if (record.pinOk === true && record.found) {
      session.pin = pin;
      this.#welcome(record);
      this.#changed();
      return;
    }
    this.#failure();
    this.#pinAttemptsLeft -= 1;
    if (this.#pinAttemptsLeft <= 0) {
      this.#notice("PIN_LOCKED", "failure");
      this.#endSession("pin-locked");
      throw new KioskError("PIN_LOCKED", "too many wrong PINs: the session has ended");
    }
    // Queued first, so the notice goes out after the state with the tries left (#notice flushes it).
    this.#changed();
    this.#notice("PIN_WRONG", "failure", { count: this.#pinAttemptsLeft });
    throw new KioskError("PIN_WRONG", `wrong PIN; ${this.#pinAttemptsLeft} attempts left`);
  }

  #welcome(record: PatronRecord): void {
    if (!this.#session) return;
    this.#session.record = record;
    this.#moveTo("home");
    this.#changed();
    this.#notice("PATRON_WELCOME", "success");
    // Books already on the pad when the patron logs in are what they came to borrow.
    if ((this.#ports.pad?.present() ?? []).some((tag) => !tag.patronCard) && record.canBorrow) this.#show("checkout");
  }

  async #lookup(credential: string, pin: string | undefined): Promise<PatronRecord> {
    try {
      return await this.#ports.ils.lookupPatron(credential, pin);
    } catch (err) {
      this.#logger.warn({ err: describeError(err) }, "patron lookup failed");
      throw new KioskError("ILS_OFFLINE", "the library system did not answer; try again or ask staff");
    }
  }

  #failure(): void {
    const now = this.#clock.now();
    const { failures, windowMs, lockoutMs } = this.#settings.guessLimit;
    this.#failures = [...this.#failures.filter((t) => now - t < windowMs), now];
    if (this.#failures.length >= failures) {
      this.#lockedUntil = now + lockoutMs;
      this.#failures = [];
      this.#logger.warn({ lockoutMs }, "too many failed card or PIN attempts: identification paused");
    }
  }

  #checkLockout(): void {
    if (this.#clock.now() < this.#lockedUntil) {
      throw new KioskError("RATE_LIMITED", "too many failed attempts; please wait or ask staff");
    }
  }

  // ---- screens ----

  #show(screen: "home" | "checkout" | "checkin" | "renew" | "holds" | "fees"): void {
    // Returns need no card: from the welcome screen anyone may start them, and a signed-in patron too.
    if (screen === "checkin" && this.#phase === "closed" && !this.#hours?.returnsWhenClosed) {
      throw new KioskError("NOT_ALLOWED_NOW", "the library is closed and this kiosk takes no returns until it opens");
    }
    if (screen === "checkin" && this.#phase !== "idle" && this.#phase !== "closed" && !this.#session?.record) {
      throw new KioskError("NOT_ALLOWED_NOW", "returns start from the welcome screen");
    }
    if (screen !== "checkin" && !this.#session?.record) {
      throw new KioskError("NOT_ALLOWED_NOW", "please scan your card first");
    }
    if (screen === "checkout" && this.#session?.record?.canBorrow === false) {
      throw new KioskError("PATRON_BLOCKED", "this card may not borrow now");
    }
    if (this.#phase === screen) return;
    if (this.#payment && isPaying(this.#payment.state))
      throw new KioskError("NOT_ALLOWED_NOW", "a card payment is under way");
    this.#payment = undefined;
    this.#moveTo(screen);
    this.#rows.clear();
    if (screen === "checkout" || screen === "checkin") this.#takePadTags(this.#ports.pad?.present() ?? []);
    this.#changed();
  }

  // ---- items ----

  #onTags(tags: readonly PadTag[], tooMany: boolean): void {
    if (tooMany !== this.#tooManyTags) {
      this.#tooManyTags = tooMany;
      if (tooMany) this.#notice("TOO_MANY_TAGS", "info");
    }
    const card = tags.find((tag) => tag.patronCard && tag.itemId);
    if (card?.itemId && this.#phase === "idle") {
      this.#identify(card.itemId).catch((err) =>
        this.#logger.info({ code: codeOf(err) }, "patron card on the pad refused"),
      );
    }
    if (this.#phase === "home" && tags.some((tag) => !tag.patronCard) && this.#session?.record?.canBorrow) {
      this.#show("checkout");
    } else if (this.#phase === "home" && this.#session?.record?.canBorrow === false) {
      this.#refuseBooks(tags);
    } else if (this.#phase === "checkout" || this.#phase === "checkin") {
      this.#touch();
      this.#takePadTags(tags);
      this.#releaseSets();
      this.#dropLiftedPending(tags);
    }
    this.#changed();
  }

  /** A patron who may not borrow lays books on the pad: say why nothing happens, once per book. */
  #refuseBooks(tags: readonly PadTag[]): void {
    const session = this.#session;
    if (!session) return;
    session.refusedTags ??= new Set();
    for (const tag of tags) {
      if (tag.patronCard || !tag.itemId || session.refusedTags.has(tag.uid)) continue;
      session.refusedTags.add(tag.uid);
      this.#notice("ITEM_PROBLEM", "failure", { reason: "PATRON_BLOCKED" });
    }
  }

  #onScan(code: string, kind: "patron" | "item" | "other"): void {
    if (kind === "patron" && (this.#phase === "idle" || this.#phase === "pin")) {
      this.#identify(code).catch((err) => this.#logger.info({ code: codeOf(err) }, "scanned card refused"));
      return;
    }
    if (this.#phase === "checkout" || this.#phase === "checkin") {
      this.#touch();
      this.#addItem({ key: code, itemId: code });
    }
  }

  #takePadTags(tags: readonly PadTag[]): void {
    for (const tag of tags) {
      if (tag.patronCard || !tag.itemId || this.#rows.has(tag.uid)) continue;
      this.#addItem({
        key: tag.uid,
        itemId: tag.itemId,
        tagUid: tag.uid,
        ...(tag.partsInSet && tag.partsInSet > 1 ? { set: { part: tag.partNumber ?? 1, of: tag.partsInSet } } : {}),
      });
    }
  }

  #addItem(input: { key: string; itemId: string; tagUid?: string; set?: { part: number; of: number } }): void {
    if (this.#rows.has(input.key)) return; // the same scan or tag again: one row, one transaction
    const action = this.#phase === "checkin" ? "checkin" : "checkout";
    const row: Row = {
      view: {
        key: input.key,
        action,
        itemId: input.itemId,
        status: "pending",
        ...(input.set ? { set: input.set } : {}),
      },
      stage: "queued",
      ...(input.tagUid ? { tagUid: input.tagUid } : {}),
    };
    this.#rows.set(input.key, row);
    if (input.set && this.#settings.sets === "desk") {
      this.#finishRow(row, "attention", "SET_AT_DESK");
    } else if (input.set) {
      row.stage = "set";
      row.view.reason = "SET_INCOMPLETE";
      this.#releaseSets();
    } else {
      this.#queue.push(row);
      this.#pump();
    }
    this.#changed();
  }

  /** All parts of a set are on the pad: the rows carry the same item id and together number `of`. */
  #setComplete(row: Row): boolean {
    const set = row.view.set;
    if (!set) return true;
    const parts = new Set(
      (this.#ports.pad?.present() ?? []).filter((t) => t.itemId === row.view.itemId).map((t) => t.partNumber ?? 1),
    );
    for (let part = 1; part <= set.of; part++) if (!parts.has(part)) return false;
    return true;
  }

  /**
   * Sets whose parts are all on the pad go ahead as one transaction: the first part's row carries it, the
   * other parts' rows follow its result (#secure).
   */
  #releaseSets(): void {
    for (const row of this.#rows.values()) {
      if (row.stage !== "set" || !this.#setComplete(row)) continue;
      for (const part of this.#rows.values()) {
        if (part.view.itemId !== row.view.itemId || part.stage !== "set") continue;
        delete part.view.reason;
        part.view.status = "working";
        part.stage = part === row ? "queued" : "follower";
      }
      this.#queue.push(row);
    }
    this.#pump();
  }

  /** A tag taken off the pad before its turn came: the patron changed their mind. */
  #dropLiftedPending(tags: readonly PadTag[]): void {
    const present = new Set(tags.map((t) => t.uid));
    for (const [key, row] of this.#rows) {
      if (!row.tagUid || present.has(row.tagUid)) continue;
      if (row.stage === "queued" || row.stage === "set") {
        this.#rows.delete(key);
        this.#queue = this.#queue.filter((r) => r !== row);
      }
    }
  }

  #pump(): void {
    while (this.#ilsActive < this.#settings.ilsConcurrency && this.#queue.length > 0) {
      const row = this.#queue.shift() as Row;
      this.#ilsActive++;
      row.stage = "ils";
      row.view.status = "working";
      this.#circulate(row)
        .finally(() => {
          // The ILS slot is free as soon as the ILS has answered: the next checkout goes out while this
          // item's tag is written.
          this.#ilsActive--;
          this.#pump();
        })
        .then((result) => {
          if (!result) return;
          row.stage = "security";
          const job = this.#securityChain.then(() => this.#secure(row, row.view.action === "checkin", result));
          this.#securityChain = job.catch(() => undefined);
          return job;
        })
        .catch((err: unknown) => this.#logger.error({ err: describeError(err) }, "item processing failed"))
        .finally(() => this.#checkSettled());
    }
    this.#checkSettled();
  }

  /** The ILS stage; resolves with the result when the item goes on to its security write. */
  async #circulate(row: Row): Promise<CirculationResult | undefined> {
    const session = this.#session;
    let result: CirculationResult;
    try {
      const signal = this.#visit.signal;
      if (row.view.action === "checkin") {
        result = await this.#ports.ils.checkin({ itemId: row.view.itemId, signal });
      } else {
        if (!session) throw new KioskError("NOT_ALLOWED_NOW", "the session ended");
        const own = this.#settings.renewOnCheckout
          ? undefined
          : session.record?.loans.find((loan) => loan.itemId === row.view.itemId);
        if (own) {
          // Already theirs, and this kiosk does not renew at checkout: say so with the loan's due date,
          // without asking the ILS (which would renew it or refuse it in words of its own).
          if (own.title) row.view.title = own.title;
          if (own.dueDate) row.view.dueDate = own.dueDate;
          this.#finishRow(row, "refused", "ITEM_ALREADY_YOURS");
          this.#changed();
          return undefined;
        }
        result = await this.#ports.ils.checkout({
          patron: session.credential,
          ...(session.pin !== undefined ? { pin: session.pin } : {}),
          itemId: row.view.itemId,
          renewal: this.#settings.renewOnCheckout,
          signal,
        });
      }
    } catch (err) {
      const code = codeOf(err);
      this.#logger.warn({ itemId: row.view.itemId, action: row.view.action, code }, "circulation failed");
      this.#finishRow(row, "refused", UNANSWERED_REASONS[code] ?? "SEE_STAFF");
      this.#changed();
      return undefined;
    }
    if (result.title) row.view.title = result.title;
    if (result.dueDate) row.view.dueDate = result.dueDate;
    if (result.offline) row.view.offline = true;
    if (result.routing) row.view.routing = this.#withCart(result.routing);
    this.#changed();
    if (!result.ok) {
      this.#finishRow(row, "refused", result.reason ?? "SEE_STAFF");
      return undefined;
    }
    if (row.view.action === "checkin" && row.view.routing && SLIP_ROUTINGS.has(row.view.routing.kind)) {
      this.#printSlip(row.view);
    }
    return result;
  }

  /** A routing slip goes to the printer beside the checkin; printing never holds the patron up. */
  #printSlip(view: ItemRow): void {
    const receipts = this.#ports.receipts;
    if (!receipts?.slip) return;
    receipts.slip({ ...view }, this.#settings.defaultLanguage).then(
      (printed) => {
        if (!printed)
          this.#logger.info({ itemId: view.itemId }, "routing slip not printed: slips off or printer not ready");
      },
      (err: unknown) => this.#logger.warn({ itemId: view.itemId, code: codeOf(err) }, "routing slip failed to print"),
    );
  }

  /** Security for one item; every part of a set that is on the pad gets the same. */
  async #secure(row: Row, secured: boolean, result: CirculationResult): Promise<void> {
    const uids = row.tagUid ? this.#setUids(row) : [];
    let outcome: "ok" | "failed" | "lifted" = "ok";
    for (const uid of uids) {
      const one = await this.#writeSecurity(uid, secured);
      if (one !== "ok") outcome = one;
    }
    if (!row.tagUid) await this.#pulseRelay(secured ? result.resensitize : result.desensitize);
    if (outcome === "ok") {
      this.#finishRow(row, "done");
    } else if (outcome === "lifted") {
      this.#logger.warn(
        { itemId: row.view.itemId, action: row.view.action },
        "item lifted before its security was written",
      );
      this.#finishRow(row, "attention", "ITEM_LIFTED_EARLY");
    } else {
      this.#logger.warn({ itemId: row.view.itemId, action: row.view.action }, "security write failed");
      this.#finishRow(row, "attention", secured ? "SECURITY_NOT_SET" : "SECURITY_NOT_RELEASED");
    }
    for (const other of this.#rows.values()) {
      if (other !== row && other.view.itemId === row.view.itemId && other.stage === "follower") {
        other.view = { ...row.view, key: other.view.key, ...(other.view.set ? { set: other.view.set } : {}) };
        other.stage = "final";
      }
    }
    this.#changed();
  }

  #setUids(row: Row): string[] {
    if (!row.view.set) return [row.tagUid as string];
    const parts = (this.#ports.pad?.present() ?? []).filter((t) => t.itemId === row.view.itemId).map((t) => t.uid);
    return parts.length > 0 ? parts : [row.tagUid as string];
  }

  /** Writes one tag; if it leaves the pad, waits for it to come back within the window. */
  async #writeSecurity(uid: string, secured: boolean): Promise<"ok" | "failed" | "lifted"> {
    const pad = this.#ports.pad;
    if (!pad) return "failed";
    const deadline = this.#clock.now() + this.#settings.liftedWindowMs;
    let attempts = 0;
    while (attempts < this.#settings.securityWriteAttempts) {
      if (!pad.present().some((t) => t.uid === uid)) {
        if (!(await this.#waitForTag(uid, deadline))) return "lifted";
      }
      attempts++;
      const ok = await pad.setSecurity(uid, secured).catch((err: unknown) => {
        this.#logger.info({ uid, code: codeOf(err) }, "security write attempt failed");
        return false;
      });
      if (ok) return "ok";
    }
    return pad.present().some((t) => t.uid === uid) ? "failed" : "lifted";
  }

  #waitForTag(uid: string, deadline: number): Promise<boolean> {
    const pad = this.#ports.pad;
    if (!pad) return Promise.resolve(false);
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const off = pad.onTags((tags) => {
        if (!tags.some((t) => t.uid === uid)) return;
        this.#clock.clearTimeout(timer);
        off();
        resolve(true);
      });
      timer = this.#clock.setTimeout(
        () => {
          off();
          resolve(false);
        },
        Math.max(0, deadline - this.#clock.now()),
      );
    });
  }

  async #pulseRelay(wanted: boolean | undefined): Promise<void> {
    if (!wanted || !this.#ports.relay) return;
    try {
      await this.#ports.relay.desensitize();
    } catch (err) {
      this.#logger.warn({ code: codeOf(err) }, "desensitizer relay pulse failed");
    }
  }

  #withCart(routing: Routing): Routing {
    const cart = this.#settings.carts[routing.kind];
    return cart ? { ...routing, cart } : routing;
  }

  #finishRow(row: Row, status: "done" | "refused" | "attention", reason?: ItemReason): void {
    row.stage = "final";
    row.view.status = status;
    if (reason) row.view.reason = reason;
    else delete row.view.reason;
    const tone = status === "done" ? "success" : "failure";
    this.#notice(status === "done" ? "ITEM_DONE" : "ITEM_PROBLEM", tone, {
      itemKey: row.view.key,
      ...(reason ? { reason } : {}),
    });
  }

  async #renew(itemIds: readonly string[]): Promise<void> {
    const session = this.#session;
    if (!session?.record) throw new KioskError("NOT_ALLOWED_NOW", "please scan your card first");
    if (this.#phase !== "renew") this.#moveTo("renew");
    this.#rows.clear();
    const titles = new Map(session.record.loans.map((loan) => [loan.itemId, loan.title]));
    const rows = itemIds.map((itemId) => {
      const title = titles.get(itemId);
      const row: Row = {
        view: { key: itemId, action: "renew", itemId, status: "working", ...(title ? { title } : {}) },
        stage: "ils",
      };
      this.#rows.set(itemId, row);
      return row;
    });
    this.#changed();
    await Promise.all(
      rows.map(async (row) => {
        try {
          const result = await this.#ports.ils.renew({
            patron: session.credential,
            ...(session.pin !== undefined ? { pin: session.pin } : {}),
            itemId: row.view.itemId,
          });
          if (result.dueDate) row.view.dueDate = result.dueDate;
          if (result.title) row.view.title = result.title;
          this.#finishRow(
            row,
            result.ok ? "done" : "refused",
            result.ok ? undefined : (result.reason ?? "RENEWAL_NOT_ALLOWED"),
          );
        } catch (err) {
          this.#finishRow(row, "refused", codeOf(err) === "ILS_OFFLINE" ? "ILS_OFFLINE" : "SEE_STAFF");
        }
        this.#changed();
      }),
    );
    await this.#refreshPatron();
  }

  async #refreshPatron(): Promise<void> {
    const session = this.#session;
    if (!session?.record) return;
    try {
      const record = await this.#ports.ils.lookupPatron(session.credential, session.pin);
      if (record.found && this.#session === session) session.record = record;
    } catch (err) {
      this.#logger.info({ code: codeOf(err) }, "could not refresh the patron's summary");
    }
    this.#changed();
  }

  // ---- finishing ----

  async #finish(): Promise<void> {
    if (this.#payment && isPaying(this.#payment.state))
      throw new KioskError("NOT_ALLOWED_NOW", "a card payment is under way");
    const payments = this.#session?.payments ?? [];
    const kind = RECEIPT_KIND_OF[this.#phase] ?? (this.#rows.size === 0 && payments.length > 0 ? "fees" : "checkout");
    this.#moveTo("receipt");
    this.#changed();
    await this.whenSettled();
    // A set still missing parts was not lent: the patron and the receipt say so, rather than "waiting".
    for (const row of this.#rows.values()) if (row.stage === "set") this.#finishRow(row, "refused", "SET_INCOMPLETE");
    const done =
      payments.length > 0 ||
      [...this.#rows.values()].some((row) => row.view.status === "done" || row.view.status === "attention");
    const methods = done
      ? (this.#ports.receipts?.methods(this.#session?.record?.email !== undefined) ?? ["none"])
      : ["none" as const];
    const provisional =
      payments.some((payment) => payment.status === "provisional") ||
      [...this.#rows.values()].some((row) => row.view.offline === true);
    this.#receipt = { methods, provisional };
    this.#receiptKind = kind;
    if (methods.length === 1) {
      await this.#chooseReceipt("none");
      return;
    }
    this.#changed();
  }

  #receiptKind: SessionReceipt["kind"] = "checkout";

  async #chooseReceipt(method: ReceiptMethod): Promise<void> {
    const receipt = this.#receipt;
    if (!receipt?.methods.includes(method)) {
      throw new KioskError("DEVICE_UNAVAILABLE", `a ${method} receipt is not available now`);
    }
    if (method !== "none" && this.#ports.receipts) {
      const record = this.#session?.record;
      const content: SessionReceipt = {
        kind: this.#receiptKind,
        language: this.#language,
        date: new Date(this.#clock.now()),
        items: [...this.#rows.values()].map((row) => ({ ...row.view })),
        payments: (this.#session?.payments ?? []).map((payment) => ({ ...payment })),
        provisional: [...this.#rows.values()].some((row) => row.view.offline === true),
        ...(method === "email" && record?.email ? { email: record.email } : {}),
        ...(record?.firstName ? { patronFirstName: record.firstName } : {}),
      };
      // The patron is told at once; printing or mailing goes on without holding the screen.
      this.#ports.receipts.deliver(method, content).then(
        () => this.#notice(method === "print" ? "RECEIPT_PRINTED" : "RECEIPT_EMAILED", "success"),
        (err: unknown) => {
          this.#logger.warn({ method, code: codeOf(err) }, "receipt could not be delivered");
          this.#notice("RECEIPT_FAILED", "failure");
        },
      );
    }
    receipt.result = method === "none" ? "none" : method === "print" ? "printed" : "emailed";
    this.#moveTo("goodbye");
    this.#changed();
    this.#goodbyeTimer = this.#clock.setTimeout(() => this.#endSession("goodbye"), this.#settings.goodbyeMs);
  }

  #endSession(why: string): void {
    const session = this.#session;
    const hadSession =
      session !== undefined ||
      PATRON_PHASES.includes(this.#phase) ||
      this.#phase === "checkin" ||
      this.#phase === "goodbye";
    if (session?.record) {
      this.#ports.ils.endSession(session.credential).catch((err: unknown) => {
        this.#logger.info({ code: codeOf(err) }, "end-session message not answered");
      });
    }
    this.#session = undefined;
    this.#visit.abort();
    this.#visit = new AbortController();
    this.#rows = new Map();
    this.#queue = [];
    this.#receipt = undefined;
    // A charge still waiting for a card is stopped: the patron has gone.
    this.#payment?.abort.abort();
    this.#payment = undefined;
    this.#language = this.#settings.defaultLanguage;
    this.#clock.clearTimeout(this.#goodbyeTimer);
    this.#goodbyeTimer = undefined;
    this.#moveTo(this.#restingPhase());
    if (hadSession) {
      this.#logger.info({ why }, "session ended");
      this.#notice("SESSION_ENDED", "info");
    }
    this.#changed();
  }

  // ---- holds and fees ----

  async #hold(mode: "place" | "cancel", itemId: string): Promise<void> {
    const session = this.#signedIn();
    const outcome = await this.#ports.ils
      .hold({ patron: session.credential, ...(session.pin ? { pin: session.pin } : {}), itemId, mode })
      .catch((err: unknown) => {
        this.#logger.warn({ err: describeError(err), mode }, "hold request not answered");
        throw new KioskError("ILS_OFFLINE", "the library system did not answer; try again or ask staff");
      });
    if (!outcome.ok) {
      this.#notice("ITEM_PROBLEM", "failure", { reason: outcome.reason ?? "SEE_STAFF" });
      this.#changed();
      return;
    }
    this.#notice("ITEM_DONE", "success");
    await this.#refreshPatron();
  }

  /**
   * Takes the chosen fees' total on the card terminal, then records each fee with the ILS. Once the card is
   * charged the money is the patron's: if the ILS then refuses or does not answer, the kiosk says so and logs
   * the reference for staff, never charges again.
   */
  async #payFees(feeIds: readonly string[]): Promise<void> {
    const session = this.#signedIn();
    const terminal = this.#ports.payment;
    if (!terminal || this.#ports.ils.status() !== "online") {
      throw new KioskError("DEVICE_UNAVAILABLE", "card payment is not available at this kiosk now");
    }
    if (this.#payment && isPaying(this.#payment.state)) {
      throw new KioskError("NOT_ALLOWED_NOW", "a card payment is already under way");
    }
    const fees = (session.record?.fees ?? []).filter((fee) => feeIds.includes(fee.id));
    const currencies = new Set(fees.map((fee) => fee.amount.currency));
    if (fees.length !== new Set(feeIds).size || currencies.size !== 1) {
      throw new KioskError("NOT_ALLOWED_NOW", "those fees are not this patron's open fees in one currency");
    }
    const amount = { value: sumDecimals(fees.map((fee) => fee.amount.value)), currency: [...currencies][0] as string };
    const reference = `pay-${this.#clock.now().toString(36)}-${++this.#paymentCount}`;
    // Written down before the card is asked: money taken is never without a record, whatever dies next.
    let noted: readonly string[] = [];
    try {
      noted = this.#ports.ils.notePayment?.({ patron: session.credential, fees, reference }) ?? [];
    } catch (err) {
      this.#logger.error({ err: describeError(err), reference }, "card payment not started: it could not be journaled");
      throw new KioskError("DEVICE_UNAVAILABLE", "card payment is not available at this kiosk now");
    }
    const payment: Payment = {
      state: { status: "waiting-card", amount },
      abort: new AbortController(),
    };
    this.#payment = payment;
    this.#changed();
    // The reply goes now; the terminal's progress shows in the state (the patron may take a minute).
    void this.#charge(terminal, session, fees, payment, { reference, noted }).catch((err: unknown) => {
      this.#logger.error({ err: describeError(err) }, "card payment failed unexpectedly");
    });
  }

  async #charge(
    terminal: PaymentPort,
    session: Session,
    fees: readonly Fee[],
    payment: Payment,
    { reference, noted }: { reference: string; noted: readonly string[] },
  ): Promise<void> {
    const amount = payment.state.amount;
    const limit = this.#clock.setTimeout(() => payment.abort.abort(), this.#settings.paymentTimeoutMs);
    const outcome = await terminal.charge({ amount, reference }, payment.abort.signal).catch((err: unknown) => {
      this.#logger.warn({ err: describeError(err), reference }, "payment terminal unreachable");
      return { status: "declined" as const };
    });
    this.#clock.clearTimeout(limit);
    const current = () => this.#payment === payment;
    if (outcome.status !== "approved") {
      this.#ports.ils.dropPayment?.(noted, outcome.status);
      if (!current()) return;
      payment.state = { status: outcome.status, amount };
      this.#notice("PAYMENT_DECLINED", "failure");
      this.#changed();
      return;
    }
    try {
      this.#ports.ils.approvePayment?.(noted, outcome.authorization);
    } catch (err) {
      // payFee writes it again with each fee; only a kill before then leaves one for staff.
      this.#logger.error({ err: describeError(err), reference }, "the card's approval could not be journaled");
    }
    if (current()) {
      payment.state = { status: "processing", amount };
      this.#changed();
    }
    // Money taken is recorded even if the patron has gone meanwhile.
    let recorded = true;
    let provisional = false;
    for (const [i, fee] of fees.entries()) {
      const id = noted[i];
      const request = {
        patron: session.credential,
        ...(session.pin ? { pin: session.pin } : {}),
        fee,
        reference: outcome.authorization,
        ...(id !== undefined ? { transactionId: id } : {}),
      };
      const answer = await this.#ports.ils
        .payFee(request)
        .catch((): { ok: boolean; offline?: boolean } => ({ ok: false }));
      if (!answer.ok) recorded = false;
      if (answer.offline) provisional = true;
    }
    if (!recorded) {
      this.#logger.error(
        { reference, authorization: outcome.authorization, amount },
        "card charged but the library system did not record every fee: staff must apply it by hand",
      );
    } else if (provisional) {
      this.#logger.warn(
        { reference, authorization: outcome.authorization, amount },
        "card charged while the library system is unreachable: the payment is journaled and sent when it answers",
      );
    }
    // The receipt lists it while this patron is still here (their session, not a later one).
    const status = !recorded ? "not-recorded" : provisional ? "provisional" : "recorded";
    if (this.#session === session) session.payments.push({ amount, authorization: outcome.authorization, status });
    if (!current()) return;
    payment.state = { status: status === "recorded" ? "approved" : status, amount };
    this.#notice("PAYMENT_APPROVED", "success");
    await this.#refreshPatron();
  }

  #signedIn(): Session {
    const session = this.#session;
    if (!session?.record) throw new KioskError("NOT_ALLOWED_NOW", "please scan your card first");
    return session;
  }

  // ---- idle timer ----

  /** Any sign of the patron restarts the idle timer (WCAG 2.2.1: one simple action extends it). */
  #touch(): void {
    this.#clearIdle();
    if (!PATRON_PHASES.includes(this.#phase) && this.#phase !== "checkin") return;
    const now = this.#clock.now();
    const deadline = now + this.#settings.idleTimeoutMs;
    const warnAt = deadline - this.#settings.idleWarningMs;
    this.#idle = { warnAt, deadline };
    this.#idleTimers = [
      this.#clock.setTimeout(
        () => this.#notice("TIMEOUT_WARNING", "info", { count: Math.round(this.#settings.idleWarningMs / 1000) }),
        warnAt - now,
      ),
      this.#clock.setTimeout(() => this.#onIdleTimeout(), deadline - now),
    ];
  }

  #onIdleTimeout(): void {
    this.#idle = undefined;
    if (this.#phase === "receipt" && this.#receipt) {
      this.#chooseReceipt("none").catch(() => this.#endSession("timeout"));
      return;
    }
    this.#endSession("timeout");
  }

  #clearIdle(): void {
    for (const timer of this.#idleTimers) this.#clock.clearTimeout(timer);
    this.#idleTimers = [];
    this.#idle = undefined;
  }

  // ---- opening hours ----

  /** Where the kiosk rests between sessions: out of service (staff) over closed (hours) over idle. */
  #restingPhase(): Phase {
    if (this.#outOfService) return "out-of-service";
    return this.#hours?.isOpen(this.#clock.now()) === false ? "closed" : "idle";
  }

  /**
   * Moves between idle and closed when the hours say so (a session under way is left to finish: it ends in
   * #restingPhase), then sleeps until the next change. While closed it also wakes at midnight, so
   * "opens tomorrow" becomes "opens today" on screen; and at least every few hours, so a clock set forward
   * or back while it sleeps costs at most that long.
   */
  #followHours(): void {
    this.#clock.clearTimeout(this.#hoursTimer);
    this.#hoursTimer = undefined;
    if ((this.#phase === "idle" || this.#phase === "closed") && this.#restingPhase() !== this.#phase) {
      this.#moveTo(this.#restingPhase());
      this.#logger.info({ phase: this.#phase }, this.#phase === "closed" ? "library closed" : "library open");
    }
    const hours = this.#hours;
    this.#hoursView = undefined;
    if (!hours?.followed) return;
    const now = this.#clock.now();
    const open = hours.isOpen(now);
    const nextChange = hours.nextChange(now);
    this.#hoursView = {
      open,
      timeZone: hours.timeZone,
      ...(nextChange !== undefined ? { nextChange } : {}),
      returnsWhenClosed: hours.returnsWhenClosed,
    };
    let wake = Math.min(nextChange ?? Number.POSITIVE_INFINITY, now + HOURS_RECHECK_MS);
    if (!open) wake = Math.min(wake, hours.nextMidnight(now));
    this.#hoursTimer = this.#clock.setTimeout(() => {
      this.#followHours();
      this.#changed();
    }, wake - now);
  }

  // ---- plumbing ----

  #moveTo(phase: Phase): void {
    if (!canMove(this.#phase, phase)) {
      throw new KioskError("NOT_ALLOWED_NOW", `cannot go from ${this.#phase} to ${phase}`);
    }
    const from = this.#phase;
    this.#phase = phase;
    this.#touch();
    if (from !== phase) for (const listener of this.#phaseListeners) listener(from, phase);
  }

  /** Announced once per change between online and not (a reconnect attempt is no news). */
  #onIlsStatus(status: string): void {
    const online = status === "online";
    if (online !== this.#ilsOnline) {
      this.#ilsOnline = online;
      this.#notice(online ? "ILS_ONLINE" : "ILS_OFFLINE", online ? "success" : "failure");
    }
    this.#changed();
  }

  #notice(
    code: NoticeCode,
    tone: "success" | "failure" | "info",
    extra: { itemKey?: string; reason?: ItemReason; count?: number } = {},
  ): void {
    // A screen reads a notice against the state (an item's title): a state still waiting goes out first.
    if (this.#stateQueued) {
      clearImmediate(this.#stateQueued);
      this.#sendState();
    }
    this.#emit({ type: "notice", code, tone, ...extra });
  }

  /**
   * State goes out once per turn of the event loop, however many things changed in it, and after the I/O
   * that turn started: a checkout's SIP2 request is written a few promise steps after the command, and a
   * snapshot of the whole state serialised before it would be time the ILS waits for (bench/bridge.bench.ts).
   */
  #changed(): void {
    if (this.#stateQueued) return;
    this.#stateQueued = setImmediate(() => this.#sendState());
  }

  #sendState(): void {
    this.#stateQueued = undefined;
    this.#rev++;
    this.#emit({ type: "state", state: this.snapshot() });
    // A command's reply goes after the state it changed: the order the UI was written for.
    for (const resolve of this.#stateWaiters.splice(0)) resolve();
  }

  /** Resolves once the state queued so far has gone out (at once when none is queued). */
  #stateSent(): Promise<void> {
    if (!this.#stateQueued) return Promise.resolve();
    return new Promise((resolve) => this.#stateWaiters.push(resolve));
  }

  #emit(message: ServerMessage): void {
    for (const listener of this.#listeners) {
      try {
        listener(message);
      } catch (err) {
        this.#logger.error({ err: describeError(err) }, "a kiosk listener threw");
      }
    }
  }

  #isSettled(): boolean {
    for (const row of this.#rows.values())
      if (row.stage === "queued" || row.stage === "ils" || row.stage === "security") return false;
    return true;
  }

  #checkSettled(): void {
    if (!this.#isSettled()) return;
    for (const resolve of this.#settled.splice(0)) resolve();
  }
}

/** The longest the hours timer sleeps (also below Node's 24.8-day timer limit). */
const HOURS_RECHECK_MS = 3 * 3_600_000;

/** What the patron is told when the ILS gave no answer, by the error's code. */
const UNANSWERED_REASONS: Readonly<Record<string, ItemReason>> = {
  ILS_OFFLINE: "ILS_OFFLINE",
  OUTCOME_UNKNOWN: "OUTCOME_UNKNOWN",
};

function codeOf(err: unknown): string {
  return err instanceof CodedError ? err.code : "INTERNAL";
}

function patronSummary(record: PatronRecord): NonNullable<KioskState["patron"]> {
  return {
    ...(record.firstName ? { firstName: record.firstName } : {}),
    loans: record.loans,
    holdsReady: record.holdsReady,
    holdsWaiting: record.holdsWaiting,
    fees: record.fees,
    ...(record.feesTotal ? { feesTotal: record.feesTotal } : {}),
    blocks: record.blocks,
    canBorrow: record.canBorrow,
    ...(record.email ? { emailMasked: maskEmail(record.email) } : {}),
  };
}

/** "jane.doe@example.org" → "j•••@e•••.org": enough to recognise, not enough to read off a screen. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 1) return "•••";
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf(".");
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : "";
  return `${email[0]}•••@${host[0] ?? ""}•••${tld}`;
}

/** Returns that staff must route by hand get a slip: the hold shelf here, or another branch. */
const SLIP_ROUTINGS: ReadonlySet<Routing["kind"]> = new Set(["hold-here", "hold-elsewhere", "transit"]);

/** The receipt a finished activity gives; from home, loans unless only fees were paid. */
const RECEIPT_KIND_OF: Partial<Record<Phase, SessionReceipt["kind"]>> = {
  checkin: "checkin",
  renew: "renew",
  fees: "fees",
};

function isPaying(payment: NonNullable<KioskState["payment"]>): boolean {
  return payment.status === "waiting-card" || payment.status === "processing";
}
