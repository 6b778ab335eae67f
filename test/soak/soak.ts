/**
 * The soak: many patron sessions against the real bridge process, with random faults and kill -9 of the
 * bridge, and at the end a reconciliation of the ILS, the journal and the statistics.
 *
 * In this process: the ACS simulator (its ILS logs every change it makes, ils-log.ts), the RFID pad on a
 * pseudo-terminal and the printer on TCP. The bridge is its own process (`selfcheck bridge --config`) on a
 * temp config and SQLite database; it is killed at random moments (while the ILS carries out a
 * transaction, or after some screen updates) and started again on the same database.
 *
 * Patrons act only on what they were told: a book the kiosk said was lent goes home with the patron and
 * may come back in a later return, or be renewed; a book whose outcome the patron never learnt (the kiosk
 * died, or said "ask staff") is put aside and used no more, and may be in the ILS at most once.
 * Everything is drawn from one seeded generator, so a seed repeats a run's choices (not its timing).
 * Every wait is for a state, with a bound that ends in a message saying what was awaited.
 */
import { writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { pino } from "pino";
import { openKioskDatabase } from "../../bridge/kiosk/database.ts";
import { type JournalState, LOAN_NOT_TAKEN_CHECKED_IN, OfflineJournal } from "../../bridge/kiosk/journal.ts";
import { type StatisticRow, Statistics } from "../../bridge/kiosk/statistics.ts";
import { systemClock } from "../../bridge/transports/clock.ts";
import type { ItemRow, KioskState } from "../../protocols/kiosk-api/schema.ts";
import type { FaultPlan } from "../../simulators/acs/faults.ts";
import { loadFixture } from "../../simulators/acs/fixture.ts";
import { DEFAULT_FIXTURE_PATH } from "../../simulators/acs/fixtures/generate.ts";
import { AcsServer } from "../../simulators/acs/server.ts";
import type { Hosting } from "../../simulators/devices/host.ts";
import { type Random, seededRandom } from "../../simulators/random.ts";
import { DEV_STAFF, startSimulators } from "../../simulators/stack.ts";
import { KioskClient } from "../support/kiosk-client.ts";
import { BridgeProcess } from "./bridge-process.ts";
import { LoggingIls } from "./ils-log.ts";

export interface SoakOptions {
  seed: number;
  /** Patron sessions to run. */
  sessions: number;
  /** kill -9 of the bridge, at random moments spread over the sessions. */
  kills: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

type Kind = "checkout" | "checkin" | "renew";
type Outcome = "acked" | "refused" | "unknown";

/** One transaction a patron asked for, and what the kiosk told them. */
interface Request {
  kind: Kind;
  itemId: string;
  patronId: string;
  outcome: Outcome;
  offline: boolean;
}

export interface SoakReport {
  seed: number;
  sessions: number;
  kills: number;
  requests: Record<Outcome, number>;
  /** Acknowledged done while the ILS was unreachable (replayed later). */
  offline: number;
  ilsChanges: number;
  lost: number;
  doubled: number;
  /** Changes in the ILS that no patron asked for. */
  unasked: number;
  journal: Record<JournalState, number>;
  /** Loans the ILS made while the kiosk kept the book (answer lost), checked back in: conflicts for staff. */
  takenBack: number;
  /**
   * Renewals whose answer was lost and that the ILS cannot tell apart (renewed on the loan's own day, the due
   * date stays: sip2/client.ts renew.verify): `unknown` for staff, and the patron was told it was unclear.
   * The reconciliation still holds each to at most one renewal in the ILS.
   */
  unknownRenewals: number;
  statistics: Record<string, number>;
  faults: Record<string, number>;
  /** Every disagreement found, one line each (empty when the run is clean). */
  violations: string[];
}

const PIN = "4321";
/** Bounds on waits for the kiosk: generous, since they only end a run that is stuck. */
const STEP_MS = 60_000;
const REPLAY_MS = 180_000;
const FINAL: ReadonlySet<string> = new Set(["done", "refused", "attention"]);
/** `attention` rows that went through with the ILS (the others were not lent: SET_AT_DESK). */
const WENT_THROUGH = new Set(["SECURITY_NOT_RELEASED", "SECURITY_NOT_SET", "ITEM_LIFTED_EARLY"]);
/** Refusals that do not say whether the ILS did it. */
const UNCLEAR = new Set(["OUTCOME_UNKNOWN", "SEE_STAFF"]);

class Killed extends Error {}

/**
 * One session's view of the kiosk: the client it started with, and whether the bridge died under it. A session
 * abandoned by a kill may still be between two steps; every step checks this first, so it cannot touch the
 * pad or the restarted kiosk afterwards.
 */
interface Visit {
  ui: KioskClient;
  dead: boolean;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const random = seededRandom(options.seed);
  const dir = await mkdtemp(join(tmpdir(), "selfcheck-soak-"));
  const world = await World.start(dir, random, log);
  try {
    const killAt = new Set(pick(random, range(options.sessions), options.kills));
    for (let n = 0; n < options.sessions; n++) {
      await world.session(n, killAt.has(n));
    }
    return await world.reconcile(options);
  } finally {
    await world.close();
    await rm(dir, { recursive: true, force: true });
  }
}

class World {
  readonly requests: Request[] = [];
  /** Loans the kiosk took back (found in the journal at the end). */
  readonly #takenBack: Array<{ itemId: string; patronId: string }> = [];
  readonly faults: Record<string, number> = {};
  /** Books on the shelf, free to borrow. */
  readonly shelf: string[];
  /** Books at home with each patron (lent, as the kiosk told them). */
  readonly bags = new Map<string, string[]>();
  readonly patrons: string[];
  readonly names: string[];
  kills = 0;
  #bridge!: BridgeProcess;
  #ui!: KioskClient;
  #visit: Visit | undefined;
  #states = 0;
  #killed: Promise<never> = new Promise<never>(() => undefined);
  #kill: (() => void) | undefined;

  private constructor(
    readonly dir: string,
    readonly random: Random,
    readonly log: (line: string) => void,
    readonly ils: LoggingIls,
    readonly acs: AcsServer,
    readonly pad: Hosting,
    readonly printer: Hosting,
    readonly configFile: string,
    readonly dbFile: string,
    readonly uiDir: string,
  ) {
    const patrons = ils.patronIds().map((id) => ils.patron(id));
    this.patrons = patrons.filter((p) => p?.note === "regular").map((p) => p?.barcode as string);
    this.names = patrons.filter((p) => p?.note === "regular").map((p) => p?.name as string);
    for (const patron of this.patrons) this.bags.set(patron, []);
    this.shelf = ils
      .itemIds()
      .map((id) => ils.item(id))
      .filter((i) => i?.note === "regular" && i.homeBranch === "MAIN" && i.currentBranch === "MAIN" && i.parts <= 1)
      .filter((i) => i && !ils.loanOf(i.barcode) && ils.holdQueue(i.titleId).length === 0)
      .map((i) => i?.barcode as string);
  }

  static async start(dir: string, random: Random, log: (line: string) => void): Promise<World> {
    const fixture = loadFixture(DEFAULT_FIXTURE_PATH);
    // The bulk patrons get a PIN, so each session checks one.
    for (const patron of fixture.patrons) if (patron.note === "regular") patron.password = PIN;
    const ils = new LoggingIls(fixture, { checkInvariants: true });
    const acs = new AcsServer({ ils, host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
    const address = await acs.start();
    const link = join(dir, "rfid-pad");
    const sims = await startSimulators(
      [
        { id: "rfid-pad", kind: "rfid", model: "3m810", expose: { type: "pty", link }, options: {} },
        {
          id: "printer",
          kind: "printer",
          model: "escpos",
          expose: { type: "tcp", host: "127.0.0.1", port: 0 },
          options: {},
        },
      ],
      "soak simulators",
    );
    const pad = sims.get("rfid-pad") as Hosting;
    const printer = sims.get("printer") as Hosting;
    const printerAt = printer.exposure as { host: string; port: number };
    const account = fixture.accounts[0];
    const dbFile = join(dir, "kiosk.db");
    const configFile = join(dir, "bridge.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        sip2: {
          host: address.host,
          port: address.port,
          login: { user: account?.userId, password: account?.password },
          institution: account?.institution,
          // Short enough that a stalled link is noticed within a session, long enough for a busy machine.
          timeoutMs: 3_000,
        },
        devices: [
          { id: "rfid-pad", name: "RFID pad", kind: "rfid", model: "3m810", transport: { type: "serial", path: link } },
          {
            id: "printer",
            name: "Receipt printer",
            kind: "printer",
            model: "escpos",
            transport: { type: "tcp", host: printerAt.host, port: printerAt.port },
          },
        ],
        server: { host: "127.0.0.1", port: 0 },
        kiosk: { liftedWindowSeconds: 1, goodbyeSeconds: 1 },
        offline: { enabled: true, journalPath: dbFile, maxItemsPerPatron: 10, unknownOutcomeWaitMs: 3_000 },
        statistics: { timeZone: "UTC" },
        staff: { users: [{ name: DEV_STAFF.user, passwordHash: DEV_STAFF.passwordHash }] },
      }),
    );
    // A stand-in for the built kiosk UI: the soak talks to the API only.
    const uiDir = join(dir, "ui");
    await mkdir(join(uiDir, "staff"), { recursive: true });
    writeFileSync(join(uiDir, "index.html"), "<!doctype html><title>kiosk</title>");
    writeFileSync(join(uiDir, "staff", "index.html"), "<!doctype html><title>staff</title>");
    const world = new World(dir, random, log, ils, acs, pad, printer, configFile, dbFile, uiDir);
    await world.#startBridge();
    return world;
  }

  async close(): Promise<void> {
    this.#ui?.close();
    await this.#bridge?.stop().catch(() => undefined);
    await this.pad.close();
    await this.printer.close();
    await this.acs.stop();
  }

  // ---- the bridge process ----

  async #startBridge(): Promise<void> {
    const began = Date.now();
    this.#bridge = await BridgeProcess.start(this.configFile, this.uiDir);
    const printed = Date.now() - began;
    this.#ui = await KioskClient.open(this.#bridge.apiUrl);
    this.#ui.socket.on("message", () => {
      this.#states++;
    });
    await this.#wait(this.#newVisit(), "the kiosk idle with its RFID pad ok", (s) => s.phase === "idle" && s.can.rfid);
    this.#killed = new Promise<never>((_, reject) => {
      this.#kill = () => reject(new Killed());
    });
    this.#killed.catch(() => undefined);
    this.log(`bridge started (${printed} ms to its address, ${Date.now() - began} ms to idle with the pad ok)`);
  }

  /** kill -9 now (from inside an ILS request or a state update: a random moment of the bridge's work). */
  #killNow(): void {
    const kill = this.#kill;
    if (!kill) return;
    this.#kill = undefined;
    if (this.#visit) this.#visit.dead = true;
    this.kills++;
    this.#bridge.kill().catch(() => undefined);
    kill();
  }

  /** Arms a kill at a random point of the coming session: during the n-th ILS transaction, or the n-th screen update. */
  #armKill(): void {
    if (this.random() < 0.6) {
      let left = 1 + Math.floor(this.random() * 3);
      this.ils.onRequest = () => {
        if (--left === 0) this.#killNow();
      };
    } else {
      const at = this.#states + 2 + Math.floor(this.random() * 25);
      const check = () => {
        if (this.#states >= at) {
          this.#ui.socket.off("message", check);
          this.#killNow();
        }
      };
      this.#ui.socket.on("message", check);
    }
  }

  // ---- sessions ----

  async session(n: number, kill: boolean): Promise<void> {
    const began = Date.now();
    const fault = this.#injectFaults();
    if (kill) this.#armKill();
    const kind = this.#chooseSession();
    const mine: Request[] = [];
    try {
      await Promise.race([this.#run(this.#newVisit(), kind, mine), this.#killed]);
      if (kill && this.#kill) this.#killNow(); // the armed moment never came: kill at the session's end
    } catch (err) {
      if (!(err instanceof Killed)) throw err;
    } finally {
      this.ils.onRequest = undefined;
      this.acs.faults.clear();
      await this.printer.simulator.control("setPaper", { state: "ok" });
    }
    const failed = this.#sideFailure;
    this.#sideFailure = undefined;
    if (failed !== undefined) throw failed;
    if (!this.#kill) {
      // The kiosk died: whatever was not final, the patron never learnt.
      for (const request of mine) if (request.outcome === "unknown") this.#retire(request);
      await this.pad.simulator.control("removeTags", { all: true });
      await this.#startBridge();
    } else {
      await this.pad.simulator.control("removeTags", { all: true });
      await this.#padForgot();
    }
    this.log(
      `session ${n + 1} (${Date.now() - began} ms): ${kind}${fault ? ` (${fault})` : ""}${kill ? " killed" : ""}: ` +
        mine.map((r) => `${r.itemId.slice(-3)} ${r.outcome}${r.offline ? " offline" : ""}`).join(", "),
    );
  }

  #chooseSession(): Kind {
    const borrowed = [...this.bags.values()].some((bag) => bag.length > 0);
    const r = this.random();
    if (borrowed && r < 0.35) return "checkin";
    if (borrowed && r < 0.5) return "renew";
    return "checkout";
  }

  #injectFaults(): string | undefined {
    const r = this.random();
    const plans: Array<[string, FaultPlan]> = [
      ["latency", { latencyMs: 20 + Math.floor(this.random() * 200), jitterMs: 50 }],
      ["drop", { dropAfter: 1 + Math.floor(this.random() * 5) }],
      ["offline", { offline: true }],
      ["corrupt", { corruptChecksum: true }],
    ];
    const chosen = r < 0.6 ? plans[Math.floor(r / 0.15)] : undefined;
    if (this.random() < 0.15) {
      this.faults.paperOut = (this.faults.paperOut ?? 0) + 1;
      this.#meanwhile(this.printer.simulator.control("setPaper", { state: "out" }));
    }
    if (!chosen) return undefined;
    this.faults[chosen[0]] = (this.faults[chosen[0]] ?? 0) + 1;
    this.acs.faults.set({ ...chosen[1], seed: Math.floor(this.random() * 2 ** 31) });
    return chosen[0];
  }

  async #run(v: Visit, kind: Kind, mine: Request[]): Promise<void> {
    if (kind === "checkin") {
      const owners = [...this.bags.entries()].filter(([, bag]) => bag.length > 0);
      const books = owners.flatMap(([patron, bag]) => bag.map((itemId) => ({ patron, itemId })));
      const chosen = pick(this.random, books, 1 + Math.floor(this.random() * 3));
      await this.#command(v, { type: "show", screen: "checkin" });
      await this.#wait(v, "the checkin screen", (s) => s.phase === "checkin");
      await this.#onPad(
        v,
        chosen.map(({ patron, itemId }) => this.#ask(mine, "checkin", itemId, patron)),
      );
      await this.#leave(v);
      return;
    }
    const patron = this.#choosePatron(kind);
    if (!patron) return;
    const identified = await this.#command(v, { type: "identify", credential: patron });
    if (!identified) return;
    await this.#wait(v, "the PIN screen", (s) => s.phase === "pin");
    if (!(await this.#command(v, { type: "verifyPin", pin: PIN }))) return this.#leave(v);
    const home = await this.#wait(v, "the patron's home screen", (s) => s.phase === "home");
    if (!home.patron?.canBorrow) return this.#leave(v);
    const bag = this.bags.get(patron) ?? [];
    if (kind === "renew") {
      const loans = new Set(home.patron.loans.map((loan) => loan.itemId));
      const chosen = pick(
        this.random,
        bag.filter((itemId) => loans.has(itemId)),
        1 + Math.floor(this.random() * 3),
      );
      if (chosen.length === 0) return this.#leave(v);
      const asked = chosen.map((itemId) => this.#ask(mine, "renew", itemId, patron));
      if (await this.#command(v, { type: "renew", itemIds: chosen })) await this.#results(v, asked);
      else for (const request of asked) request.outcome = "refused";
    } else {
      const books = this.shelf.splice(0, 1 + Math.floor(this.random() * 3));
      await this.#onPad(
        v,
        books.map((itemId) => this.#ask(mine, "checkout", itemId, patron)),
      );
    }
    await this.#leave(v);
  }

  /** A patron with room for more loans (a checkout), or with loans (a renewal). */
  #choosePatron(kind: Kind): string | undefined {
    const fits = this.patrons.filter((p) => {
      const n = this.bags.get(p)?.length ?? 0;
      return kind === "renew" ? n > 0 : n < 6;
    });
    return pick(this.random, fits, 1)[0];
  }

  #ask(mine: Request[], kind: Kind, itemId: string, patronId: string): Request {
    const request: Request = { kind, itemId, patronId, outcome: "unknown", offline: false };
    this.requests.push(request);
    mine.push(request);
    return request;
  }

  /** Lays the books on the pad (one may be lifted while the kiosk works on it) and waits for their results. */
  async #onPad(v: Visit, requests: Request[]): Promise<void> {
    if (requests.length === 0) return;
    const uids = (await this.#pad(v, "placeTags", {
      tags: requests.map((r) => ({ itemId: r.itemId, secured: r.kind === "checkout" })),
    })) as string[];
    const lifted = this.random() < 0.2 ? Math.floor(this.random() * requests.length) : -1;
    const liftedUid = uids[lifted];
    const liftedRequest = requests[lifted];
    if (liftedUid && liftedRequest) {
      this.faults.lifted = (this.faults.lifted ?? 0) + 1;
      const putBack = this.random() < 0.5;
      const previous = this.ils.onRequest;
      // Lifted while the ILS carries it out: the security write that follows finds no tag.
      this.ils.onRequest = (itemId) => {
        previous?.(itemId);
        if (itemId !== liftedRequest.itemId) return;
        this.ils.onRequest = previous;
        this.#meanwhile(
          this.#pad(v, "removeTags", { uids: [liftedUid] }).then(() => {
            if (putBack)
              return this.#pad(v, "placeTags", {
                tags: [{ uid: liftedUid, itemId: liftedRequest.itemId, secured: liftedRequest.kind === "checkout" }],
              });
          }),
        );
      };
    }
    await this.#results(v, requests);
  }

  /** Waits until each request's row is final and takes its outcome. */
  async #results(v: Visit, requests: Request[]): Promise<void> {
    const rowOf = (s: KioskState, r: Request) =>
      s.items.find((row) => row.itemId === r.itemId && row.action === r.kind);
    const state = await this.#wait(v, `results for ${requests.map((r) => `${r.kind} ${r.itemId}`).join(", ")}`, (s) =>
      requests.every((r) => FINAL.has(rowOf(s, r)?.status ?? "")),
    );
    for (const request of requests) this.#settle(request, rowOf(state, request) as ItemRow);
  }

  #settle(request: Request, row: ItemRow): void {
    const through = row.status === "done" || (row.status === "attention" && WENT_THROUGH.has(row.reason ?? ""));
    const unclear = row.status === "refused" && UNCLEAR.has(row.reason ?? "");
    request.outcome = through ? "acked" : unclear ? "unknown" : "refused";
    request.offline = row.offline === true;
    const bag = this.bags.get(request.patronId) ?? [];
    if (request.outcome === "unknown") {
      this.#retire(request);
      return;
    }
    if (request.kind === "checkout" && through) bag.push(request.itemId);
    if (request.kind === "checkout" && !through) this.shelf.push(request.itemId);
    if (request.kind === "checkin" && through) {
      bag.splice(bag.indexOf(request.itemId), 1);
      this.shelf.push(request.itemId);
    }
  }

  /** An item whose fate the patron never learnt is put aside: the ILS may or may not have the transaction. */
  #retire(request: Request): void {
    const bag = this.bags.get(request.patronId) ?? [];
    if (bag.includes(request.itemId)) bag.splice(bag.indexOf(request.itemId), 1);
  }

  /** Finish, take a receipt (printed if the kiosk offers it), end the session, and wait for idle. */
  async #leave(v: Visit): Promise<void> {
    const state = v.ui.state;
    if (
      state &&
      ["home", "checkout", "checkin", "renew"].includes(state.phase) &&
      (await this.#command(v, { type: "finish" }))
    ) {
      const next = await this.#wait(
        v,
        "the receipt choice or goodbye",
        (s) => s.phase === "goodbye" || (s.phase === "receipt" && s.receipt !== undefined),
      );
      if (next.phase === "receipt") {
        const methods = next.receipt?.methods ?? [];
        await this.#command(v, { type: "chooseReceipt", method: methods.includes("print") ? "print" : "none" });
      }
    }
    if (v.ui.state?.phase !== "idle") await this.#command(v, { type: "endSession" });
    await this.#wait(v, "the kiosk idle again", (s) => s.phase === "idle");
  }

  #newVisit(): Visit {
    this.#visit = { ui: this.#ui, dead: false };
    return this.#visit;
  }

  /**
   * Work that runs beside the session (a hand lifting a book while the ILS works). The kill may overtake it,
   * which is no failure; anything else fails the session that started it, at its end.
   */
  #meanwhile(work: Promise<unknown>): void {
    work.catch((err: unknown) => {
      if (!(err instanceof Killed)) this.#sideFailure ??= err;
    });
  }
  #sideFailure: unknown;

  /** A patron's hand on the pad. */
  async #pad(v: Visit, action: string, params: Record<string, unknown>): Promise<unknown> {
    if (v.dead) throw new Killed();
    return this.pad.simulator.control(action, params);
  }

  /** Sends a command; true when the kiosk accepted it. */
  async #command(v: Visit, command: Parameters<KioskClient["send"]>[0]): Promise<boolean> {
    if (v.dead) throw new Killed();
    const reply = await bounded(`a reply to ${command.type}`, STEP_MS, v.ui.send(command));
    return reply.type === "reply" && reply.ok;
  }

  async #wait(v: Visit, what: string, predicate: (s: KioskState) => boolean): Promise<KioskState> {
    if (v.dead) throw new Killed();
    const state = await bounded(what, STEP_MS, v.ui.until(predicate), () => {
      const s = v.ui.state;
      const rows = s?.items.map((r) => `${r.action} ${r.itemId} ${r.status}${r.reason ? ` ${r.reason}` : ""}`);
      return `the kiosk shows ${s?.phase} (ILS ${s?.ils.status}${s?.ils.offlineMode ? ", offline mode" : ""}); rows: ${rows?.join(", ") || "none"}`;
    });
    if (v.dead) throw new Killed();
    return state;
  }

  /** Waits until the pad has been polled enough times since the books were lifted for the bridge to forget them. */
  async #padForgot(): Promise<void> {
    const seen = () => (this.pad.simulator.state() as { commandsSeen: number }).commandsSeen;
    const from = seen();
    await boundedPoll("the RFID pad polled empty", STEP_MS, () => seen() >= from + 6);
  }

  // ---- the end ----

  async reconcile(options: SoakOptions): Promise<SoakReport> {
    this.acs.faults.clear();
    // The journal replays by itself once the ILS answers; wait for it to empty (read beside the bridge).
    const reader = new Database(this.dbFile, { readonly: true, fileMustExist: true });
    try {
      const open = () =>
        (
          reader.prepare("SELECT count(*) AS n FROM journal WHERE state IN ('pending', 'sending')").get() as {
            n: number;
          }
        ).n;
      await boundedPoll("the journal to replay everything", REPLAY_MS, () => open() === 0);
    } finally {
      reader.close();
    }
    this.log("journal replayed");
    this.#ui.close();
    await this.#bridge.stop();
    const output = this.#bridge.output;

    const db = openKioskDatabase(this.dbFile);
    let journalCounts: Record<JournalState, number>;
    let statistics: StatisticRow[];
    const violations: string[] = [];
    let unknownRenewals = 0;
    try {
      const journal = new OfflineJournal(db, { clock: systemClock });
      journalCounts = journal.counts();
      for (const entry of journal.list({ states: ["pending", "sending", "conflict", "unknown"] })) {
        // A loan the ILS made while the kiosk kept the book (its answer lost): checked back in, shown to staff.
        if (entry.state === "conflict" && entry.resultCode === LOAN_NOT_TAKEN_CHECKED_IN && entry.patronId) {
          this.#takenBack.push({ itemId: entry.itemId as string, patronId: entry.patronId });
          continue;
        }
        const untold = (r: Request) => r.kind === "renew" && r.itemId === entry.itemId && r.outcome === "unknown";
        if (entry.state === "unknown" && entry.kind === "renew" && this.requests.some(untold)) {
          unknownRenewals++;
          continue;
        }
        const answer = entry.resultCode || entry.resultMessage ? `: ${entry.resultCode} ${entry.resultMessage}` : "";
        const tries = `${entry.offline ? "offline" : "online"}, ${entry.attempts} attempt(s)`;
        violations.push(
          `journal entry ${entry.id} (${entry.kind} ${entry.itemId}, ${tries}) left ${entry.state}${answer}`,
        );
      }
      statistics = new Statistics(db, { clock: systemClock, retentionDays: 30 }).records();
    } finally {
      db.close();
    }

    const { lost, doubled, unasked } = this.#compare(violations);
    const stats = countStatistics(statistics);
    this.#compareStatistics(stats, unknownRenewals, violations);
    // Privacy: no patron identity in the statistics or in anything the bridge printed.
    const statsText = JSON.stringify(statistics);
    for (const secret of [...this.patrons, ...this.names]) {
      if (statsText.includes(secret))
        violations.push(`the statistics contain a patron's identity (${secret.slice(0, 3)}…)`);
      if (output.includes(secret))
        violations.push(`the bridge's output contains a patron's identity (${secret.slice(0, 3)}…)`);
    }
    const requests = { acked: 0, refused: 0, unknown: 0 };
    for (const r of this.requests) requests[r.outcome]++;
    return {
      seed: options.seed,
      sessions: options.sessions,
      kills: this.kills,
      requests,
      offline: this.requests.filter((r) => r.offline && r.outcome === "acked").length,
      ilsChanges: this.ils.changes.length,
      lost,
      doubled,
      unasked,
      journal: journalCounts,
      takenBack: this.#takenBack.length,
      unknownRenewals,
      statistics: stats,
      faults: this.faults,
      violations,
    };
  }

  /**
   * Per item and (kind, patron): what the kiosk acknowledged must be in the ILS exactly once; what it left
   * unclear at most once; nothing else.
   */
  #compare(violations: string[]): { lost: number; doubled: number; unasked: number } {
    const key = (kind: string, itemId: string, patronId: string | undefined) => `${kind} ${itemId} ${patronId ?? "-"}`;
    const asked = new Map<string, { acked: number; unknown: number }>();
    const takenBack: Request[] = this.#takenBack.map((t) => ({
      kind: "checkin",
      ...t,
      outcome: "acked",
      offline: false,
    }));
    for (const r of [...this.requests, ...takenBack]) {
      if (r.outcome === "refused") continue;
      const k = key(r.kind, r.itemId, r.patronId);
      const count = asked.get(k) ?? { acked: 0, unknown: 0 };
      count[r.outcome]++;
      asked.set(k, count);
    }
    const found = new Map<string, number>();
    for (const c of this.ils.changes) {
      const k = key(c.kind, c.itemId, c.patronId);
      found.set(k, (found.get(k) ?? 0) + 1);
    }
    let lost = 0;
    let doubled = 0;
    let unasked = 0;
    for (const k of new Set([...asked.keys(), ...found.keys()])) {
      const a = asked.get(k) ?? { acked: 0, unknown: 0 };
      const f = found.get(k) ?? 0;
      if (a.acked + a.unknown === 0) {
        unasked += f;
        violations.push(`in the ILS but asked by no one: ${k} (${f}×)`);
      } else if (f < a.acked) {
        lost += a.acked - f;
        violations.push(`lost: ${k} acknowledged ${a.acked}×, in the ILS ${f}×`);
      } else if (f > a.acked + a.unknown) {
        doubled += f - a.acked - a.unknown;
        violations.push(`doubled: ${k} asked ${a.acked + a.unknown}×, in the ILS ${f}×`);
      }
    }
    return { lost, doubled, unasked };
  }

  /**
   * The statistics count each transaction once, without the patron: `ok` (the ILS did it) and `offline`
   * (done at the kiosk, replayed since) together are what the ILS carried out, per kind.
   */
  #compareStatistics(stats: Record<string, number>, unknownRenewals: number, violations: string[]): void {
    for (const kind of ["checkout", "checkin", "renew"] as const) {
      // A loan taken back (checkout and checkin in the ILS) counts as one checkout error, not as two changes.
      const ils =
        this.ils.changes.filter((c) => c.kind === kind).length - (kind === "renew" ? 0 : this.#takenBack.length);
      const counted = (stats[`${kind} ok`] ?? 0) + (stats[`${kind} offline`] ?? 0);
      // A renewal nobody can tell (counted as an error) may or may not be in the ILS.
      const untold = kind === "renew" ? unknownRenewals : 0;
      if (ils < counted || ils > counted + untold) {
        violations.push(`statistics: ${kind} ok+offline = ${counted}, the ILS carried out ${ils}`);
      }
    }
  }
}

function countStatistics(rows: readonly StatisticRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[`${row.kind} ${row.result}`] = (counts[`${row.kind} ${row.result}`] ?? 0) + 1;
  return counts;
}

/** Resolves as `promise` does, or fails after `ms` saying what it waited for. */
function bounded<T>(what: string, ms: number, promise: Promise<T>, seen?: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`soak: gave up waiting ${ms / 1000} s for ${what}${seen ? `; ${seen()}` : ""}`)),
      ms,
    );
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

async function boundedPoll(what: string, ms: number, check: () => boolean): Promise<void> {
  const give = Date.now() + ms;
  while (!check()) {
    if (Date.now() > give) throw new Error(`soak: gave up waiting ${ms / 1000} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Up to `n` distinct elements, drawn with `random`. */
function pick<T>(random: Random, from: readonly T[], n: number): T[] {
  const pool = [...from];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(random() * pool.length), 1)[0] as T);
  return out;
}
