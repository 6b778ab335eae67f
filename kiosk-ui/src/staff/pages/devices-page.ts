/** The devices page: every device's health, live, and its test (scan, list tags, print, click the relay). */
import { html, nothing, type TemplateResult } from "lit";
import type { DeviceTestReply, PadTagReading, StaffDevice } from "../../../../protocols/staff-api/schema.ts";
import { staffApi } from "../staff-client.ts";
import { ConsolePage, columnHeads } from "./console-page.ts";

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

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, "0");

export class DevicesPage extends ConsolePage {
  static override properties = { tests: { state: true }, running: { state: true } };

  /** The last test result per device id, kept while the console is open. */
  declare tests: ReadonlyMap<string, DeviceTestReply>;
  declare running: ReadonlySet<string>;

  constructor() {
    super();
    this.tests = new Map();
    this.running = new Set();
  }

  async #test(device: StaffDevice): Promise<void> {
    this.running = new Set([...this.running, device.id]);
    const result = await this.act(() => staffApi.testDevice(device.id));
    this.running = new Set([...this.running].filter((id) => id !== device.id));
    if (result) this.tests = new Map([...this.tests, [device.id, result]]);
  }

  override render(): TemplateResult {
    const devices = this.status?.devices ?? [];
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
            ${devices.map(
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
          ${[...this.tests.values()].map((result) => this.#testResult(result, devices))}
        </div>
      </section>
    `;
  }

  #testResult(result: DeviceTestReply, devices: readonly StaffDevice[]): TemplateResult {
    const name = devices.find((d) => d.id === result.device)?.name ?? result.device;
    return html`
      <article class="staff-result" data-result=${result.device}>
        <h3>${name}: ${result.ok ? "test passed" : "test failed"}</h3>
        <p class=${result.ok ? "state-ok" : "state-bad"}>${result.summary}</p>
        ${result.error && result.error.message !== result.summary ? html`<p><code>${result.error.code}</code> ${result.error.message}</p>` : nothing}
        ${result.scan ? html`<p>Scanned <code>${result.scan.code}</code> (${result.scan.kind})</p>` : nothing}
        ${result.tags && result.tags.length > 0 ? tagsTable(result.tags) : nothing}
        ${result.receipt ? html`<pre class="staff-receipt" aria-label="The printed test page">${result.receipt.join("\n")}</pre>` : nothing}
      </article>
    `;
  }
}

function tagsTable(tags: readonly PadTagReading[]): TemplateResult {
  return html`
    <table class="staff-table">
      <caption>Tags on the pad</caption>
      ${columnHeads(["UID", "Data", "Security", "AFI", "EAS"])}
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

customElements.define("devices-page", DevicesPage);
