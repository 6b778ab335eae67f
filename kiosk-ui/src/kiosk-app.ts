/**
 * The patron screen: renders the bridge's latest state with the screen for its phase, and around it the
 * header, the offline banner, the idle warning and the live region. It holds only what the bridge does
 * not: typed input, ticked loans, the last refusal, and the display modes (kept over a reload, reset at logout).
 */
import { msg, str, updateWhenLocaleChanges } from "@lit/localize";
import { html, LitElement, nothing, type PropertyValues } from "lit";
import type { CommandType, Phase } from "../../protocols/kiosk-api/schema.ts";
import { playTone } from "./components/tones.ts";
import { loadDisplayModes, saveDisplayModes } from "./data/display-modes.ts";
import {
  CommandError,
  type CommandErrorCode,
  type CommandPayload,
  type KioskClient,
  type Notice,
} from "./data/kiosk-client.ts";
import { formatNumber } from "./i18n/format.ts";
import { applyLanguage, LANGUAGES, languageFor } from "./i18n/localization.ts";
import { noticeWords } from "./i18n/words.ts";
import { SCREENS } from "./screens/index.ts";
import { rowToReveal, type ShownRows, shownRows } from "./screens/reveal.ts";
import type { Entry, View } from "./screens/view.ts";

/** Phases with nobody signed in: arriving at one of these from a session is a logout. */
const NO_SESSION: ReadonlySet<Phase> = new Set(["idle", "out-of-service", "closed"]);
/** Phases where the idle warning never shows (no session to lose). */
const NO_WARNING: ReadonlySet<Phase> = new Set(["idle", "out-of-service", "closed", "goodbye"]);
/** Screens that offer the languages as buttons of their own, so the header has no language menu. */
const OWN_LANGUAGES: ReadonlySet<Phase> = new Set(["idle", "closed"]);

export class KioskApp extends LitElement {
  static override properties = {
    client: { attribute: false },
    entry: { state: true },
    error: { state: true },
    announcement: { state: true },
    largeText: { state: true },
    highContrast: { state: true },
    renewSelection: { state: true },
  };

  declare client: KioskClient | undefined;
  declare entry: Entry | undefined;
  declare error: CommandErrorCode | undefined;
  declare announcement: string;
  declare largeText: boolean;
  declare highContrast: boolean;
  declare renewSelection: ReadonlySet<string>;

  #unsubscribe: (() => void)[] = [];
  #shownPhase: Phase | undefined;
  #language = "";
  #tick: ReturnType<typeof setInterval> | undefined;
  #shownRows: ShownRows = new Map();
  /** The row scrolled into view last, kept in view as it changes. */
  #following: string | undefined;

  constructor() {
    super();
    updateWhenLocaleChanges(this);
    this.client = undefined;
    this.entry = undefined;
    this.error = undefined;
    this.announcement = "";
    ({ largeText: this.largeText, highContrast: this.highContrast } = loadDisplayModes());
    this.renewSelection = new Set();
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Scroll events do not bubble: listen in the capture phase for every screen body's.
    this.addEventListener("scroll", this.#showMoreBelow, { capture: true, passive: true });
    window.addEventListener("resize", this.#showMoreBelow);
    // Countdowns move with the clock, not with messages: re-render while a deadline is running.
    this.#tick = setInterval(() => {
      if (this.client?.state?.idle) this.requestUpdate();
    }, 250);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.#tick);
    this.removeEventListener("scroll", this.#showMoreBelow, { capture: true });
    window.removeEventListener("resize", this.#showMoreBelow);
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("client")) {
      for (const off of this.#unsubscribe.splice(0)) off();
      if (this.client) {
        this.#unsubscribe.push(
          this.client.subscribe(() => this.#stateChanged()),
          this.client.onNotice((n) => this.#notice(n)),
        );
      }
    }
  }

  #stateChanged(): void {
    const state = this.client?.state;
    if (state && state.language !== this.#language) {
      this.#language = state.language;
      void applyLanguage(state.language);
    }
    if (state && state.phase !== this.#shownPhase) {
      // A visit that ended (also while the page was reloading) takes its display modes with it.
      if (NO_SESSION.has(state.phase) && !(this.#shownPhase && NO_SESSION.has(this.#shownPhase))) {
        this.largeText = false;
        this.highContrast = false;
      }
      this.entry = undefined;
      this.error = undefined;
      this.renewSelection = new Set();
    }
    this.requestUpdate();
  }

  #notice(notice: Notice): void {
    const title = notice.itemKey ? this.client?.state?.items.find((i) => i.key === notice.itemKey)?.title : undefined;
    this.announcement = noticeWords[notice.code]({ title, reason: notice.reason, count: notice.count });
    playTone(notice.tone);
  }

  #send = <T extends CommandType>(type: T, payload: CommandPayload<T>): void => {
    this.error = undefined;
    if (!this.client) return;
    this.client.send(type, payload).catch((e: unknown) => {
      this.error = e instanceof CommandError ? e.code : "INTERNAL";
      playTone("failure");
    });
  };

  protected override updated(changed: PropertyValues<this>): void {
    const state = this.client?.state;
    const phase = state?.phase;
    const rows = state?.items ?? [];
    const sameScreen = phase === this.#shownPhase;
    // Lit keeps the body element from screen to screen, and with it the scroll of the last one.
    if (!sameScreen) for (const body of this.querySelectorAll(".screen-body")) body.scrollTop = 0;
    const reveal = rowToReveal(this.#shownRows, rows, sameScreen, this.#following);
    this.#following = reveal ?? (sameScreen ? this.#following : undefined);
    if (reveal) {
      this.#showMoreBelow(); // first, as the cue takes its place from the body
      this.querySelector(`main .item[data-key="${CSS.escape(reveal)}"]`)?.scrollIntoView({ block: "nearest" });
    }
    this.#shownRows = shownRows(rows);
    // A keypad just opened is what the patron is looking for.
    if (changed.has("entry") && this.entry)
      this.querySelector("main kiosk-keypad")?.scrollIntoView({ block: "nearest" });
    document.documentElement.classList.toggle("large-text", this.largeText);
    document.documentElement.classList.toggle("high-contrast", this.highContrast);
    saveDisplayModes({ largeText: this.largeText, highContrast: this.highContrast });
    if (phase && !sameScreen) {
      this.#shownPhase = phase;
      this.querySelector<HTMLElement>("main h1")?.focus();
    }
    const warning = this.querySelector<HTMLElement>(".idle-warning button");
    if (warning && !warning.contains(document.activeElement)) warning.focus();
    this.#showMoreBelow();
  }

  /**
   * Under a body that scrolls, the "more below" cue keeps its place (so the body does not jump as it comes
   * and goes) and shows while there is more below what is in view.
   */
  #showMoreBelow = (): void => {
    for (const cue of this.querySelectorAll<HTMLElement>(".more-below")) {
      const body = cue.previousElementSibling as HTMLElement;
      const place = cue.hidden ? 0 : cue.getBoundingClientRect().bottom - body.getBoundingClientRect().bottom;
      cue.hidden = body.scrollHeight <= body.clientHeight + place + 1;
      cue.classList.toggle("at-end", body.scrollHeight - body.scrollTop - body.clientHeight < 2);
    }
  };

  #header(view: View | undefined) {
    const signedIn = view?.state.patron !== undefined && view.state.phase !== "goodbye";
    const toggle = (on: boolean, flip: () => void, label: string, sign: string) =>
      html`<button type="button" class="tool" aria-pressed=${on ? "true" : "false"} @click=${flip}>
        <span class="tool-sign" aria-hidden="true">${sign}</span><span>${label}</span>
      </button>`;
    return html`<header class="bar">
      <span class="brand"><span class="brand-mark" aria-hidden="true"></span>${msg("Library self-service", { id: "app.brand" })}</span>
      <div class="bar-tools">
        ${toggle(this.largeText, () => (this.largeText = !this.largeText), msg("Larger text", { id: "app.large-text" }), "A+")}
        ${toggle(this.highContrast, () => (this.highContrast = !this.highContrast), msg("High contrast", { id: "app.contrast" }), "◐")}
        ${view && !OWN_LANGUAGES.has(view.state.phase) ? this.#languageMenu(view) : nothing}
        ${
          signedIn
            ? html`<button type="button" class="tool tool-logout" @click=${() => this.#send("endSession", {})}>
              ${msg("Sign out", { id: "app.sign-out" })}
            </button>`
            : nothing
        }
      </div>
    </header>`;
  }

  /** A native <select> keeps the language switch one control and fully keyboard operable. */
  #languageMenu(view: View) {
    const current = languageFor(view.state.language).code;
    const offered = view.hello?.languages ?? LANGUAGES.map((l) => l.code);
    return html`<label class="tool tool-language">
      <span class="sr-only">${msg("Language", { id: "language.label" })}</span>
      <span class="select-arrow" aria-hidden="true">▾</span>
      <select
        @change=${(e: Event) => this.#send("setLanguage", { language: (e.target as HTMLSelectElement).value })}
      >
        ${LANGUAGES.filter((l) => offered.some((t) => languageFor(t).code === l.code)).map(
          (l) => html`<option value=${l.code} lang=${l.code} ?selected=${l.code === current}>${l.name}</option>`,
        )}
      </select>
    </label>`;
  }

  #banners(view: View) {
    const { ils } = view.state;
    if (view.state.phase === "out-of-service" || view.state.phase === "closed") return nothing;
    if (ils.offlineMode) {
      return html`<p class="banner banner-offline" role="status">
        ${msg("The library system is offline. You can still borrow and return; the library confirms it later.", {
          id: "app.offline",
        })}
      </p>`;
    }
    // Down with no offline lending: say why borrowing and returns are not offered (not while first connecting).
    if (ils.status !== "down" && ils.status !== "acs-offline") return nothing;
    return html`<p class="banner banner-ils-down" role="status">
      ${msg("The library system is not answering. Borrowing and returns wait until it is back; please ask staff.", {
        id: "app.ils-down",
      })}
    </p>`;
  }

  #idleWarning(view: View) {
    const idle = view.state.idle;
    if (!idle || NO_WARNING.has(view.state.phase) || view.now < idle.warnAt) return nothing;
    const seconds = Math.max(0, Math.ceil((idle.deadline - view.now) / 1000));
    const total = Math.max(1, Math.ceil((idle.deadline - idle.warnAt) / 1000));
    return html`<div class="overlay">
      <div class="idle-warning" role="alertdialog" aria-modal="true" aria-labelledby="idle-title" aria-describedby="idle-text">
        <h2 id="idle-title">${msg("Are you still there?", { id: "idle-warning.title" })}</h2>
        <p id="idle-text">${msg(str`For your privacy, this session ends in ${formatNumber(seconds)} seconds.`, { id: "idle-warning.text" })}</p>
        <div class="countdown" role="progressbar" aria-valuemin="0" aria-valuemax=${total} aria-valuenow=${seconds}
          aria-label=${msg("Seconds left", { id: "idle-warning.left" })} style="--left:${seconds / total}">
          <span class="countdown-number" aria-hidden="true">${formatNumber(seconds)}</span>
        </div>
        <button type="button" class="primary" @click=${() => this.#send("extendTime", {})}>
          ${msg("I need more time", { id: "idle-warning.extend" })}
        </button>
      </div>
    </div>`;
  }

  override render() {
    const client = this.client;
    const state = client?.state;
    const live = html`<div class="sr-only" role="status" aria-live="polite" aria-atomic="true">${this.announcement}</div>`;
    if (!client || !state) {
      return html`${this.#header(undefined)}
        <main class="main"><section class="screen screen-connecting" aria-labelledby="screen-title">
          <div class="screen-head"><h1 id="screen-title" tabindex="-1">${msg("Starting up…", { id: "app.starting" })}</h1>
          <p class="lead">${msg("Connecting to the kiosk service.", { id: "app.connecting" })}</p></div>
          <div class="spinner" aria-hidden="true"></div>
        </section></main>${live}`;
    }
    const view: View = {
      state,
      hello: client.hello,
      now: client.bridgeNow(),
      send: this.#send,
      error: this.error,
      entry: this.entry,
      setEntry: (entry) => {
        this.entry = entry;
        this.error = undefined;
      },
      renewSelection: this.renewSelection,
      toggleRenew: (itemId) => {
        const next = new Set(this.renewSelection);
        if (!next.delete(itemId)) next.add(itemId);
        this.renewSelection = next;
      },
    };
    const warning = this.#idleWarning(view);
    const offline = client.status !== "open";
    return html`
      <div class="app phase-${state.phase}" ?inert=${warning !== nothing || offline}>
        ${this.#header(view)}
        ${this.#banners(view)}
        <main class="main">${SCREENS[state.phase](view)}</main>
      </div>
      ${warning}
      ${
        offline
          ? html`<div class="overlay"><div class="idle-warning" role="alertdialog" aria-modal="true" aria-labelledby="conn-title">
            <h2 id="conn-title">${msg("Reconnecting…", { id: "app.reconnecting" })}</h2>
            <p>${msg("The screen lost its connection for a moment. Your session is safe.", { id: "app.reconnecting-text" })}</p>
            <div class="spinner" aria-hidden="true"></div>
          </div></div>`
          : nothing
      }
      ${live}
    `;
  }
}

customElements.define("kiosk-app", KioskApp);

declare global {
  interface HTMLElementTagNameMap {
    "kiosk-app": KioskApp;
  }
}
