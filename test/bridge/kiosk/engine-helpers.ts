/**
 * Stand-in ports for engine unit tests: an ILS whose answers the test releases one by one, and a pad
 * whose tags and security writes the test controls. Integration tests use the real SIP2 client and
 * simulators instead.
 */

import {
  KioskEngine,
  type KioskSettings,
  type ReceiptPort,
  type SessionReceipt,
} from "../../../bridge/kiosk/engine.ts";
import type {
  CheckinRequest,
  CirculationResult,
  HoldOutcome,
  IlsPort,
  IlsStatus,
  PadPort,
  PadTag,
  PatronRecord,
  PaymentOutcome,
  PaymentPort,
} from "../../../bridge/kiosk/ports.ts";
import type {
  ClientMessage,
  Fee,
  ItemRow,
  KioskState,
  Money,
  ServerMessage,
} from "../../../protocols/kiosk-api/schema.ts";
import { flushMicrotasks, VirtualClock } from "../../support/virtual-clock.ts";
import { capturedLogger } from "../devices/scanner/helpers.ts";

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

export const PATRON = "23456000000001";
export const PIN = "1234";

export function patronRecord(overrides: Partial<PatronRecord> = {}): PatronRecord {
  return {
    found: true,
    firstName: "Ada",
    email: "ada.lovelace@example.org",
    blocks: [],
    canBorrow: true,
    loans: [{ itemId: "31000000000099", title: "Old loan", dueDate: "2026-12-20", overdue: false }],
    holdsReady: [],
    holdsWaiting: 0,
    fees: [],
    ...overrides,
  };
}

interface Call {
  kind: "checkout" | "checkin" | "renew";
  itemId: string;
  transactionId?: string;
  resolve(result: CirculationResult): void;
  reject(err: unknown): void;
}

/** An ILS that records each call and answers when the test says (or at once with `autoAnswer`). */
export class ScriptedIls implements IlsPort {
  calls: Call[] = [];
  ended = 0;
  #status: IlsStatus = "online";
  #listeners = new Set<(status: IlsStatus) => void>();
  autoAnswer: ((call: Call) => CirculationResult) | undefined;
  patron: (credential: string, pin: string | undefined) => PatronRecord = (credential, pin) =>
    credential === PATRON
      ? { ...patronRecord(), ...(pin !== undefined ? { pinOk: pin === PIN } : {}) }
      : { ...patronRecord(), found: false };

  /** What offlineMode() answers (a journaled ILS lending offline). */
  offline = false;
  status(): IlsStatus {
    return this.#status;
  }
  offlineMode(): boolean {
    return this.offline;
  }
  setStatus(status: IlsStatus): void {
    this.#status = status;
    for (const l of this.#listeners) l(status);
  }
  onStatus(listener: (status: IlsStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  async lookupPatron(credential: string, pin: string | undefined): Promise<PatronRecord> {
    return this.patron(credential, pin);
  }
  checkout(request: CheckinRequest): Promise<CirculationResult> {
    return this.#call("checkout", request);
  }
  checkin(request: CheckinRequest): Promise<CirculationResult> {
    return this.#call("checkin", request);
  }
  renew(request: CheckinRequest): Promise<CirculationResult> {
    return this.#call("renew", request);
  }
  async endSession(): Promise<void> {
    this.ended++;
  }
  /** Fees recorded by payFee (SIP2 37); `refuseFees` makes the ILS refuse them. */
  feesPaid: Array<{ fee: Fee; reference: string }> = [];
  refuseFees = false;
  async payFee(request: { fee: Fee; reference: string }): Promise<{ ok: boolean }> {
    if (this.refuseFees) return { ok: false };
    this.feesPaid.push({ fee: request.fee, reference: request.reference });
    return { ok: true };
  }
  holds: Array<{ itemId: string; mode: "place" | "cancel" }> = [];
  holdAnswer: HoldOutcome = { ok: true };
  async hold(request: { itemId: string; mode: "place" | "cancel" }): Promise<HoldOutcome> {
    this.holds.push({ itemId: request.itemId, mode: request.mode });
    return this.holdAnswer;
  }
  #call(kind: Call["kind"], { itemId, transactionId }: CheckinRequest): Promise<CirculationResult> {
    return new Promise((resolve, reject) => {
      const call: Call = { kind, itemId, ...(transactionId !== undefined ? { transactionId } : {}), resolve, reject };
      this.calls.push(call);
      if (this.autoAnswer) resolve(this.autoAnswer(call));
    });
  }
  /** Answers the oldest unanswered call for `itemId`. */
  answer(itemId: string, result: Partial<CirculationResult> = {}): void {
    const index = this.calls.findIndex((c) => c.itemId === itemId);
    const call = this.calls[index];
    if (!call) throw new Error(`no call for ${itemId}`);
    this.calls.splice(index, 1);
    call.resolve({ ok: true, title: `Title ${itemId}`, dueDate: "2026-12-29", ...result });
  }
}

/** A card terminal that answers when the test says, or gives up when the engine aborts the charge. */
export class ScriptedTerminal implements PaymentPort {
  charges: Array<{ amount: Money; reference: string; answer(outcome: PaymentOutcome): void; aborted: boolean }> = [];
  charge(request: { amount: Money; reference: string }, abort: AbortSignal): Promise<PaymentOutcome> {
    return new Promise((resolve) => {
      const entry = { ...request, answer: resolve, aborted: false };
      abort.addEventListener("abort", () => {
        entry.aborted = true;
        resolve({ status: "timeout" });
      });
      this.charges.push(entry);
    });
  }
}

/** A pad whose tags the test places and lifts; security writes succeed unless told otherwise. */
export class ScriptedPad implements PadPort {
  readonly capacity: number | undefined;
  tags: PadTag[] = [];
  writes: Array<{ uid: string; secured: boolean }> = [];
  failWrites = new Set<string>();
  /** Writes wait for the test to call releaseWrites() when true. */
  holdWrites = false;
  #held: Array<() => void> = [];
  #listeners = new Set<(tags: readonly PadTag[], tooMany: boolean) => void>();

  constructor(capacity?: number) {
    this.capacity = capacity;
  }
  onTags(listener: (tags: readonly PadTag[], tooMany: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  present(): readonly PadTag[] {
    return this.tags;
  }
  place(...tags: PadTag[]): void {
    this.tags = [...this.tags, ...tags];
    this.#emit();
  }
  lift(...uids: string[]): void {
    this.tags = this.tags.filter((t) => !uids.includes(t.uid));
    this.#emit();
  }
  async setSecurity(uid: string, secured: boolean): Promise<boolean> {
    if (this.holdWrites) await new Promise<void>((resolve) => this.#held.push(resolve));
    this.writes.push({ uid, secured });
    return !this.failWrites.has(uid) && this.tags.some((t) => t.uid === uid);
  }
  releaseWrites(): void {
    for (const release of this.#held.splice(0)) release();
  }
  #emit(): void {
    for (const l of this.#listeners) l(this.tags, false);
  }
}

export class RecordingReceipts implements ReceiptPort {
  delivered: Array<{ method: string; receipt: SessionReceipt }> = [];
  printerOk = true;
  methods(hasEmail: boolean): Array<"print" | "email" | "none"> {
    return [...(this.printerOk ? (["print"] as const) : []), ...(hasEmail ? (["email"] as const) : []), "none"];
  }
  async deliver(method: "print" | "email", receipt: SessionReceipt): Promise<void> {
    this.delivered.push({ method, receipt });
  }
  slips: Array<{ itemId: string; kind: string | undefined; language: string }> = [];
  async slip(item: ItemRow, language: string): Promise<boolean> {
    this.slips.push({ itemId: item.itemId, kind: item.routing?.kind, language });
    return true;
  }
}

export function item(n: number, extra: Partial<PadTag> = {}): PadTag {
  const itemId = `3100000000${String(n).padStart(4, "0")}`;
  return { uid: `E00401000000${String(n).padStart(4, "0")}`, itemId, ...extra };
}

/** An engine on stand-in ports; `clock` starts where the test needs it (opening hours). */
export function kiosk(settings: Partial<KioskSettings> = {}, clock = new VirtualClock()) {
  const ils = new ScriptedIls();
  const pad = new ScriptedPad();
  const receipts = new RecordingReceipts();
  const terminal = new ScriptedTerminal();
  const log = capturedLogger("debug");
  const engine = new KioskEngine({
    settings,
    ports: { ils, pad, receipts, payment: terminal },
    clock,
    logger: log.logger,
  });
  const messages: ServerMessage[] = [];
  engine.subscribe((m) => messages.push(m));
  let seq = 0;
  /** Lets the engine's promise steps run, and its state message go out (once per turn: setImmediate). */
  const flush = async () => {
    await flushMicrotasks();
    await new Promise((resolve) => setImmediate(resolve));
  };
  const send = async (command: WithoutId<ClientMessage>) => {
    const promise = engine.execute({ ...command, id: String(++seq) } as ClientMessage);
    // The caller handles a refusal once this returns; meanwhile it is not an unhandled rejection.
    promise.catch(() => undefined);
    await flush();
    return promise;
  };
  const state = async (): Promise<KioskState> => {
    await flush();
    return engine.snapshot();
  };
  const notices = () => messages.flatMap((m) => (m.type === "notice" ? [m.code] : []));
  const row = async (key: string) => (await state()).items.find((r) => r.key === key);
  const login = async () => {
    await send({ type: "identify", credential: PATRON });
    await send({ type: "verifyPin", pin: PIN });
  };
  /** A logged-in patron on the checkout screen. */
  const startCheckout = async () => {
    await login();
    await send({ type: "show", screen: "checkout" });
  };
  return {
    clock,
    ils,
    pad,
    receipts,
    terminal,
    engine,
    messages,
    send,
    state,
    notices,
    row,
    login,
    startCheckout,
    log,
  };
}
