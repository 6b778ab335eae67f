/**
 * The staff console's shell: login, a header with the kiosk's service and ILS state, and navigation between
 * pages. Each page is a component of its own in ./pages/ (extending ConsolePage) and one row of PAGES; the
 * URL hash names the page shown (#devices), so a reload or a bookmark keeps it. The shell owns the session,
 * the live status stream (handed to the page as `.status`) and the one error line every page reports to.
 *
 * Adding a page: write pages/<id>-page.ts with `class XPage extends ConsolePage` (render() starting with
 * `<section class="staff-card"><h2>…`, bridge calls through `this.act(() => staffApi.…)`, a
 * `customElements.define("<id>-page", XPage)` at the end), import it here and add its row to PAGES. Its words
 * follow kiosk-ui/src/staff/i18n/README.md.
 */
import { msg, str, updateWhenLocaleChanges } from "@lit/localize";
import { html, LitElement, nothing, type TemplateResult } from "lit";
import type { StaffSession, StaffStatus } from "../../../protocols/staff-api/schema.ts";
import { formatNumber } from "./i18n/format.ts";
import { applyLanguage, getLocale, initialLanguage, LANGUAGES } from "./i18n/localization.ts";
import { AccountPage } from "./pages/account-page.ts";
import { ConfigPage } from "./pages/config-page.ts";
import { type ConsolePage, messageOf, OUTCOME_EVENT, STATUS_EVENT } from "./pages/console-page.ts";
import { DevicesPage } from "./pages/devices-page.ts";
import { InventoryPage } from "./pages/inventory-page.ts";
import { MonitorPage } from "./pages/monitor-page.ts";
import { OfflineQueuePage } from "./pages/offline-queue-page.ts";
import { ServicePage } from "./pages/service-page.ts";
import { StatisticsPage } from "./pages/statistics-page.ts";
import { TagsPage } from "./pages/tags-page.ts";
import { StaffApiError, staffApi } from "./staff-client.ts";
import { ILS_WORDS, inService, outOfService } from "./words.ts";

interface PageRow {
  /** The URL hash that shows the page: lower-case words joined by hyphens. */
  id: string;
  /** The navigation link's text (a function, so it follows the console's language). */
  label: () => string;
  /** The page's component; its first <h2> is its heading, which gets the focus when the page is chosen. */
  element: new () => ConsolePage;
}

/** The console's pages, in navigation order; the first is shown when the hash names none. */
const PAGES: readonly PageRow[] = [
  { id: "devices", label: () => msg("Devices", { id: "staff.devices.nav" }), element: DevicesPage },
  { id: "service", label: outOfService, element: ServicePage },
  { id: "statistics", label: () => msg("Statistics", { id: "staff.statistics.nav" }), element: StatisticsPage },
  {
    id: "offline-queue",
    label: () => msg("Offline queue", { id: "staff.offline-queue.nav" }),
    element: OfflineQueuePage,
  },
  { id: "config", label: () => msg("Configuration", { id: "staff.config.nav" }), element: ConfigPage },
  { id: "monitor", label: () => msg("Live session", { id: "staff.monitor.nav" }), element: MonitorPage },
  { id: "tags", label: () => msg("Tag programming", { id: "staff.tags.nav" }), element: TagsPage },
  { id: "inventory", label: () => msg("Inventory", { id: "staff.inventory.nav" }), element: InventoryPage },
  { id: "account", label: () => msg("My password", { id: "staff.account.nav" }), element: AccountPage },
];

const pageFromHash = (): PageRow => PAGES.find((p) => `#${p.id}` === location.hash) ?? PAGES[0]!;

export class StaffApp extends LitElement {
  static override properties = {
    session: { state: true },
    status: { state: true },
    page: { state: true },
    error: { state: true },
    checking: { state: true },
    live: { state: true },
  };

  declare session: StaffSession | undefined;
  declare status: StaffStatus | undefined;
  declare page: PageRow;
  declare error: string | undefined;
  declare checking: boolean;
  declare live: boolean;

  #unwatch: (() => void) | undefined;
  /** One instance per page, made when first shown and kept, so a page keeps its state (test results) across visits. */
  #instances = new Map<string, ConsolePage>();
  #focusHeading = false;

  constructor() {
    super();
    this.session = undefined;
    this.status = undefined;
    this.page = pageFromHash();
    this.error = undefined;
    this.checking = true;
    this.live = false;
    updateWhenLocaleChanges(this);
    void applyLanguage(initialLanguage().code);
    this.addEventListener(OUTCOME_EVENT, (event) => this.#outcome((event as CustomEvent<unknown>).detail));
    this.addEventListener(STATUS_EVENT, (event) => {
      this.status = (event as CustomEvent<StaffStatus>).detail;
    });
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  readonly #onHashChange = () => {
    this.page = pageFromHash();
    this.#focusHeading = true;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("hashchange", this.#onHashChange);
    void this.#restore();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener("hashchange", this.#onHashChange);
    this.#unwatch?.();
  }

  async #restore(): Promise<void> {
    try {
      const session = await staffApi.session();
      if (session) this.#loggedIn(session);
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.checking = false;
    }
  }

  #loggedIn(session: StaffSession): void {
    this.session = session;
    this.error = undefined;
    this.#unwatch?.();
    this.#unwatch = staffApi.watch(
      (status) => {
        this.status = status;
        this.live = true;
      },
      () => {
        this.live = false;
        // The stream also breaks when the session ends: find out, and show the login again if so.
        void staffApi.session().then((s) => {
          if (!s)
            this.#loggedOut(
              msg("Your staff session has ended. Please log in again.", { id: "staff.shell.session-ended" }),
            );
        });
      },
    );
  }

  #loggedOut(message?: string): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.session = undefined;
    this.status = undefined;
    // The next staff member starts with fresh pages: nothing of the last one's tests or forms stays.
    this.#instances.clear();
    this.error = message;
  }

  /** A page's call to the bridge ended: clear the error line, show the error, or show the login again. */
  #outcome(err: unknown): void {
    if (err === null) {
      this.error = undefined;
    } else if (
      err instanceof StaffApiError &&
      (err.code === "STAFF_SESSION_EXPIRED" || err.code === "STAFF_AUTH_REQUIRED")
    ) {
      this.#loggedOut(err.message);
    } else {
      this.error = messageOf(err);
    }
  }

  async #login(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    try {
      const session = await staffApi.login(String(data.get("user") ?? ""), String(data.get("password") ?? ""));
      form.reset();
      this.#focusHeading = true;
      this.#loggedIn(session);
    } catch (err) {
      this.error = messageOf(err);
      (form.elements.namedItem("password") as HTMLInputElement | null)?.select();
    }
  }

  async #logout(): Promise<void> {
    await staffApi.logout().catch(() => undefined);
    this.#loggedOut();
  }

  #instance(row: PageRow): ConsolePage {
    let page = this.#instances.get(row.id);
    if (!page) {
      page = new row.element();
      page.id = `page-${row.id}`;
      this.#instances.set(row.id, page);
    }
    page.status = this.status;
    return page;
  }

  protected override async updated(): Promise<void> {
    // The page is on screen once the first status has come (after login, that is a moment later).
    const page = this.#instances.get(this.page.id);
    if (!this.#focusHeading || !this.session || !this.status || !page) return;
    this.#focusHeading = false;
    await page.updateComplete;
    const heading = page.querySelector("h2");
    if (heading) {
      // Focus moves to the new page's heading, so a screen reader reads where the staff member is now.
      heading.tabIndex = -1;
      heading.focus();
    }
  }

  override render(): TemplateResult {
    return html`
      <header class="staff-bar">
        <h1>${msg("Staff console", { id: "staff.shell.title" })}</h1>
        ${this.session && this.status ? this.#kioskState(this.status) : nothing}
        ${this.#languageChoice()}
        ${
          this.session
            ? html`<div class="staff-account">
              <p>${msg(str`Logged in as ${this.session.user}`, { id: "staff.shell.logged-in-as" })}</p>
              <button type="button" class="secondary" @click=${() => this.#logout()}>${msg("Log out", { id: "staff.shell.log-out" })}</button>
            </div>`
            : nothing
        }
      </header>
      ${this.session ? this.#navigation() : nothing}
      <main>
        ${this.error ? html`<p class="staff-error" role="alert">${this.error}</p>` : nothing}
        ${this.checking ? html`<p>${msg("Checking your session…", { id: "staff.shell.checking" })}</p>` : this.session ? this.#pageView() : this.#loginForm()}
      </main>
    `;
  }

  #kioskState(status: StaffStatus): TemplateResult {
    const out = status.outOfService !== null;
    return html`
      <p class="staff-kiosk">${status.kiosk}</p>
      <p class=${`staff-chip ${out ? "chip-bad" : "chip-ok"}`}>${out ? outOfService() : inService()}</p>
      <p class=${`staff-chip ${status.ils === "online" ? "chip-ok" : "chip-bad"}`}>${msg(str`ILS: ${ILS_WORDS[status.ils]()}`, { id: "staff.shell.ils" })}</p>
      ${this.#queueChip(status.offlineQueue)}
    `;
  }

  /** The offline queue in the header while something waits or needs staff, linking to its page. */
  #queueChip(queue: StaffStatus["offlineQueue"]): TemplateResult | typeof nothing {
    if (!queue || (queue.waiting === 0 && queue.needsStaff === 0)) return nothing;
    const parts = [
      ...(queue.waiting > 0
        ? [msg(str`${formatNumber(queue.waiting)} waiting`, { id: "staff.shell.queue-waiting" })]
        : []),
      ...(queue.needsStaff > 0
        ? [msg(str`${formatNumber(queue.needsStaff)} for staff`, { id: "staff.shell.queue-for-staff" })]
        : []),
    ];
    return html`<p class=${`staff-chip ${queue.needsStaff > 0 ? "chip-bad" : "chip-ok"}`}>
      <a href="#offline-queue">${msg(str`Offline queue: ${parts.join(", ")}`, { id: "staff.shell.queue" })}</a>
    </p>`;
  }

  #languageChoice(): TemplateResult {
    return html`
      <label class="staff-language">
        <span class="visually-hidden">${msg("Language", { id: "staff.shell.language" })}</span>
        <select @change=${(e: Event) => applyLanguage((e.target as HTMLSelectElement).value)}>
          ${LANGUAGES.map(
            (l) => html`<option value=${l.code} lang=${l.code} ?selected=${l.code === getLocale()}>${l.name}</option>`,
          )}
        </select>
      </label>
    `;
  }

  #navigation(): TemplateResult {
    return html`
      <nav class="staff-nav" aria-label=${msg("Console sections", { id: "staff.shell.nav" })}>
        <ul>
          ${PAGES.map(
            (p) =>
              html`<li><a href=${`#${p.id}`} aria-current=${p === this.page ? "page" : "false"}>${p.label()}</a></li>`,
          )}
        </ul>
      </nav>
    `;
  }

  #pageView(): TemplateResult {
    if (!this.status) return html`<p>${msg("Loading the kiosk's status…", { id: "staff.shell.loading" })}</p>`;
    return html`
      ${this.#instance(this.page)}
      <div class="visually-hidden" aria-live="polite">${this.live ? "" : msg("Live updates paused; reconnecting.", { id: "staff.shell.paused" })}</div>
    `;
  }

  #loginForm(): TemplateResult {
    return html`
      <form class="staff-card staff-login" @submit=${(e: SubmitEvent) => this.#login(e)}>
        <h2>${msg("Log in", { id: "staff.shell.log-in" })}</h2>
        <label for="staff-user">${msg("User name", { id: "staff.shell.user" })}</label>
        <input id="staff-user" name="user" autocomplete="username" required maxlength="64" />
        <label for="staff-password">${msg("Password", { id: "staff.shell.password" })}</label>
        <input id="staff-password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">${msg("Log in", { id: "staff.shell.log-in" })}</button>
      </form>
    `;
  }
}

customElements.define("staff-app", StaffApp);

declare global {
  interface HTMLElementTagNameMap {
    "staff-app": StaffApp;
  }
}
