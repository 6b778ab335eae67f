/**
 * The staff console: log in, watch every device's health live, run the device tests, take the kiosk out of
 * service with a message, read the statistics. It renders what the bridge says (staff-client.ts) and keeps
 * only what it must: the form fields, the last test result per device, the statistics shown.
 */
import { html, LitElement, nothing, type TemplateResult } from "lit";
import type {
  DeviceTestReply,
  PadTagReading,
  StaffDevice,
  StaffSession,
  StaffStatus,
  StatisticsReply,
  StatisticsView,
} from "../../../protocols/staff-api/schema.ts";
import { StaffApiError, staffApi } from "./staff-client.ts";

/** The test button of each kind of device says what it will do. */
const TEST_LABELS: Readonly<Record<StaffDevice["kind"], string>> = {
  scanner: "Wait for a scan",
  rfid: "List tags on the pad",
  printer: "Print a test page",
  relay: "Click the relay",
};

const HEALTH_WORDS: Readonly<Record<StaffDevice["health"], string>> = {
  ok: "Working",
  unverified: "Connected, not yet verified",
  degraded: "Needs attention",
  disconnected: "Not connected",
  disabled: "Disabled in the config",
};

const ILS_WORDS: Readonly<Record<StaffStatus["ils"], string>> = {
  connecting: "Connecting",
  online: "Online",
  "acs-offline": "Online, but the ILS says it is offline",
  down: "Unreachable",
};

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, "0");

export class StaffApp extends LitElement {
  static override properties = {
    session: { state: true },
    status: { state: true },
    tests: { state: true },
    running: { state: true },
    statistics: { state: true },
    statisticsError: { state: true },
    error: { state: true },
    checking: { state: true },
    live: { state: true },
  };

  declare session: StaffSession | undefined;
  declare status: StaffStatus | undefined;
  declare tests: ReadonlyMap<string, DeviceTestReply>;
  declare running: ReadonlySet<string>;
  declare statistics: StatisticsReply | undefined;
  declare statisticsError: string | undefined;
  declare error: string | undefined;
  declare checking: boolean;
  declare live: boolean;

  #unwatch: (() => void) | undefined;

  constructor() {
    super();
    this.session = undefined;
    this.status = undefined;
    this.tests = new Map();
    this.running = new Set();
    this.statistics = undefined;
    this.statisticsError = undefined;
    this.error = undefined;
    this.checking = true;
    this.live = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#restore();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
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
          if (!s) this.#loggedOut("Your staff session has ended. Please log in again.");
        });
      },
    );
    void this.#loadStatistics("day");
  }

  #loggedOut(message?: string): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.session = undefined;
    this.status = undefined;
    this.tests = new Map();
    this.statistics = undefined;
    this.error = message;
  }

  async #login(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    try {
      const session = await staffApi.login(String(data.get("user") ?? ""), String(data.get("password") ?? ""));
      form.reset();
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

  async #act<T>(action: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await action();
      this.error = undefined;
      return result;
    } catch (err) {
      if (
        err instanceof StaffApiError &&
        (err.code === "STAFF_SESSION_EXPIRED" || err.code === "STAFF_AUTH_REQUIRED")
      ) {
        this.#loggedOut(err.message);
      } else {
        this.error = messageOf(err);
      }
      return undefined;
    }
  }

  async #setOutOfService(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const out = this.status?.outOfService === null;
    const message = String(new FormData(event.target as HTMLFormElement).get("message") ?? "").trim();
    const status = await this.#act(() => staffApi.setOutOfService(out, out && message ? message : undefined));
    if (status) this.status = status;
  }

  async #test(device: StaffDevice): Promise<void> {
    this.running = new Set([...this.running, device.id]);
    const result = await this.#act(() => staffApi.testDevice(device.id));
    this.running = new Set([...this.running].filter((id) => id !== device.id));
    if (result) this.tests = new Map([...this.tests, [device.id, result]]);
  }

  async #loadStatistics(view: StatisticsView): Promise<void> {
    try {
      this.statistics = await staffApi.statistics(view);
      this.statisticsError = undefined;
    } catch (err) {
      this.statistics = undefined;
      this.statisticsError = messageOf(err);
    }
  }

  override render(): TemplateResult {
    return html`
      <header class="staff-bar">
        <h1>Staff console</h1>
        ${this.status ? html`<p class="staff-kiosk">${this.status.kiosk}</p>` : nothing}
        ${
          this.session
            ? html`<p class="staff-user">Logged in as ${this.session.user}</p>
              <button type="button" class="secondary" @click=${() => this.#logout()}>Log out</button>`
            : nothing
        }
      </header>
      <main>
        ${this.error ? html`<p class="staff-error" role="alert">${this.error}</p>` : nothing}
        ${this.checking ? html`<p>Checking your session…</p>` : this.session ? this.#dashboard() : this.#loginForm()}
      </main>
    `;
  }

  #loginForm(): TemplateResult {
    return html`
      <form class="staff-card staff-login" @submit=${(e: SubmitEvent) => this.#login(e)}>
        <h2>Log in</h2>
        <label for="staff-user">User name</label>
        <input id="staff-user" name="user" autocomplete="username" required maxlength="64" />
        <label for="staff-password">Password</label>
        <input id="staff-password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Log in</button>
      </form>
    `;
  }

  #dashboard(): TemplateResult {
    const status = this.status;
    if (!status) return html`<p>Loading the kiosk's status…</p>`;
    return html`
      ${this.#serviceCard(status)} ${this.#devicesCard(status)} ${this.#statisticsCard()}
      <div class="visually-hidden" aria-live="polite">${this.live ? "" : "Live updates paused; reconnecting."}</div>
    `;
  }

  #serviceCard(status: StaffStatus): TemplateResult {
    const out = status.outOfService !== null;
    return html`
      <section class="staff-card" aria-labelledby="service-heading">
        <h2 id="service-heading">Kiosk</h2>
        <dl class="staff-facts">
          <dt>Service</dt>
          <dd class=${out ? "state-bad" : "state-ok"}>
            ${out ? `Out of service${status.outOfService?.message ? `: “${status.outOfService.message}”` : ""}` : "In service"}
          </dd>
          <dt>Patron screen</dt>
          <dd>${status.phase}</dd>
          <dt>Library system (SIP2)</dt>
          <dd class=${status.ils === "online" ? "state-ok" : "state-bad"}>${ILS_WORDS[status.ils]}</dd>
        </dl>
        <form class="staff-inline" @submit=${(e: SubmitEvent) => this.#setOutOfService(e)}>
          ${
            out
              ? nothing
              : html`<label for="service-message">Message for patrons (optional)</label>
                <input id="service-message" name="message" maxlength="200" placeholder="e.g. Back at 2 pm" />`
          }
          <button type="submit" class=${out ? "" : "danger"}>${out ? "Put back in service" : "Take out of service"}</button>
        </form>
      </section>
    `;
  }

  #devicesCard(status: StaffStatus): TemplateResult {
    return html`
      <section class="staff-card" aria-labelledby="devices-heading">
        <h2 id="devices-heading">Devices</h2>
        <p class="staff-hint">The scan, print and relay tests need the kiosk out of service; listing tags only reads.</p>
        <table class="staff-table">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Model</th>
              <th scope="col">Health</th>
              <th scope="col">Last problem</th>
              <th scope="col"><span class="visually-hidden">Test</span></th>
            </tr>
          </thead>
          <tbody>
            ${status.devices.map(
              (d) => html`
                <tr data-device=${d.id}>
                  <th scope="row">${d.name}<br /><span class="staff-muted">${d.description}</span></th>
                  <td>${d.kind} ${d.model}</td>
                  <td class=${d.health === "ok" ? "state-ok" : "state-bad"}>${HEALTH_WORDS[d.health]}</td>
                  <td>${d.lastError ? html`<code>${d.lastError.code}</code> ${d.lastError.message}` : "—"}</td>
                  <td>
                    <button
                      type="button"
                      class="secondary"
                      ?disabled=${this.running.has(d.id) || d.health === "disabled"}
                      aria-label=${`${TEST_LABELS[d.kind]}: ${d.name}`}
                      @click=${() => this.#test(d)}
                    >
                      ${this.running.has(d.id) ? "Testing…" : TEST_LABELS[d.kind]}
                    </button>
                  </td>
                </tr>
              `,
            )}
          </tbody>
        </table>
        <div aria-live="polite">
          ${[...this.tests.values()].map((result) => this.#testResult(result, status))}
        </div>
      </section>
    `;
  }

  #testResult(result: DeviceTestReply, status: StaffStatus): TemplateResult {
    const name = status.devices.find((d) => d.id === result.device)?.name ?? result.device;
    return html`
      <article class="staff-result" data-result=${result.device}>
        <h3>${name}: ${result.ok ? "test passed" : "test failed"}</h3>
        <p class=${result.ok ? "state-ok" : "state-bad"}>${result.summary}</p>
        ${result.error && result.error.message !== result.summary ? html`<p><code>${result.error.code}</code> ${result.error.message}</p>` : nothing}
        ${result.scan ? html`<p>Scanned <code>${result.scan.code}</code> (${result.scan.kind})</p>` : nothing}
        ${result.tags && result.tags.length > 0 ? this.#tagsTable(result.tags) : nothing}
        ${result.receipt ? html`<pre class="staff-receipt" aria-label="The printed test page">${result.receipt.join("\n")}</pre>` : nothing}
      </article>
    `;
  }

  #tagsTable(tags: readonly PadTagReading[]): TemplateResult {
    return html`
      <table class="staff-table">
        <caption>Tags on the pad</caption>
        <thead>
          <tr>
            <th scope="col">UID</th>
            <th scope="col">Data</th>
            <th scope="col">Security</th>
            <th scope="col">AFI</th>
            <th scope="col">EAS</th>
          </tr>
        </thead>
        <tbody>
          ${tags.map(
            (t) => html`
              <tr>
                <th scope="row"><code>${t.uid}</code></th>
                <td>
                  ${
                    t.patronCard
                      ? "Patron card"
                      : t.fields
                        ? html`${t.model}
                          <dl class="staff-fields">
                            ${Object.entries(t.fields).map(([k, v]) => html`<dt>${k}</dt><dd>${String(v)}</dd>`)}
                          </dl>`
                        : (t.error?.message ?? t.model ?? "unreadable")
                  }
                </td>
                <td>${t.security}</td>
                <td>${t.afi === undefined ? "—" : `0x${hex2(t.afi)}`}</td>
                <td>${t.eas === undefined ? "—" : t.eas ? "on" : "off"}</td>
              </tr>
            `,
          )}
        </tbody>
      </table>
    `;
  }

  #statisticsCard(): TemplateResult {
    const rows = this.statistics?.rows ?? [];
    return html`
      <section class="staff-card" aria-labelledby="statistics-heading">
        <h2 id="statistics-heading">Statistics</h2>
        <div class="staff-inline">
          <button type="button" class="secondary" @click=${() => this.#loadStatistics("day")}>By day</button>
          <button type="button" class="secondary" @click=${() => this.#loadStatistics("hour")}>By hour</button>
          <a class="staff-link" href=${staffApi.csvUrl("records")} download>Download every transaction (CSV)</a>
        </div>
        ${
          this.statisticsError
            ? html`<p class="state-bad">${this.statisticsError}</p>`
            : rows.length === 0
              ? html`<p>No transactions recorded yet.</p>`
              : html`
                <table class="staff-table">
                  <thead>
                    <tr>
                      <th scope="col">${this.statistics?.view === "hour" ? "Hour" : "Day"}</th>
                      <th scope="col">Kind</th>
                      <th scope="col">Result</th>
                      <th scope="col">Count</th>
                      <th scope="col">Mean time</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${rows.map(
                      (r) => html`<tr>
                        <td>${r.period}</td>
                        <td>${r.kind}</td>
                        <td>${r.result}</td>
                        <td>${r.count}</td>
                        <td>${Math.round(r.meanDurationMs)} ms</td>
                      </tr>`,
                    )}
                  </tbody>
                </table>
              `
        }
      </section>
    `;
  }
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // The bridge's messages start lower-case (they are also log lines); on screen they are sentences.
  return text.charAt(0).toUpperCase() + text.slice(1);
}

customElements.define("staff-app", StaffApp);

declare global {
  interface HTMLElementTagNameMap {
    "staff-app": StaffApp;
  }
}
