/** The devices page: every device's health, live, and its test (scan, list tags, print, click the relay). */
import { msg, str } from "@lit/localize";
import { html, nothing, type TemplateResult } from "lit";
import type { DeviceTestReply, PadTagReading, StaffDevice } from "../../../../protocols/staff-api/schema.ts";
import { staffApi } from "../staff-client.ts";
import { DEVICE_KIND_WORDS, HEALTH_WORDS, SCAN_WORDS, SECURITY_WORDS, wordFor } from "../words.ts";
import { ConsolePage, columnHeads } from "./console-page.ts";

/** The test button of each kind of device says what it will do. */
const TEST_LABELS: Readonly<Record<StaffDevice["kind"], () => string>> = {
  scanner: () => msg("Wait for a scan", { id: "staff.devices.test-scanner" }),
  rfid: () => msg("List tags on the pad", { id: "staff.devices.test-rfid" }),
  printer: () => msg("Print a test page", { id: "staff.devices.test-printer" }),
  relay: () => msg("Click the relay", { id: "staff.devices.test-relay" }),
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
        <h2 id="devices-heading">${msg("Devices", { id: "staff.devices.nav" })}</h2>
        <p class="staff-hint">${msg("The scan, print and relay tests need the kiosk out of service; listing tags only reads.", { id: "staff.devices.hint" })}</p>
        <table class="staff-table">
          <thead>
            <tr>
              <th scope="col">${msg("Device", { id: "staff.devices.device" })}</th>
              <th scope="col">${msg("Model", { id: "staff.devices.model" })}</th>
              <th scope="col">${msg("Health", { id: "staff.devices.health" })}</th>
              <th scope="col">${msg("Last problem", { id: "staff.devices.last-problem" })}</th>
              <th scope="col"><span class="visually-hidden">${msg("Test", { id: "staff.devices.test" })}</span></th>
            </tr>
          </thead>
          <tbody>
            ${devices.map(
              (d) => html`
                <tr data-device=${d.id}>
                  <th scope="row"><bdi>${d.name}</bdi><br /><bdi class="staff-muted">${d.description}</bdi></th>
                  <td>${wordFor(DEVICE_KIND_WORDS, d.kind)}<br /><bdi class="staff-muted">${d.model}</bdi></td>
                  <td class=${d.health === "ok" ? "state-ok" : "state-bad"}>${wordFor(HEALTH_WORDS, d.health)}</td>
                  <td>${d.lastError ? html`<code>${d.lastError.code}</code> <bdi>${d.lastError.message}</bdi>` : "—"}</td>
                  <td>
                    <button
                      type="button"
                      class="secondary"
                      ?disabled=${this.running.has(d.id) || d.health === "disabled"}
                      aria-label=${`${TEST_LABELS[d.kind]()}: ${d.name}`}
                      @click=${() => this.#test(d)}
                    >
                      ${this.running.has(d.id) ? msg("Testing…", { id: "staff.devices.testing" }) : TEST_LABELS[d.kind]()}
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
        <h3>${result.ok ? msg(str`${name}: test passed`, { id: "staff.devices.passed" }) : msg(str`${name}: test failed`, { id: "staff.devices.failed" })}</h3>
        <p class=${result.ok ? "state-ok" : "state-bad"}><bdi>${result.summary}</bdi></p>
        ${result.error && result.error.message !== result.summary ? html`<p><code>${result.error.code}</code> <bdi>${result.error.message}</bdi></p>` : nothing}
        ${result.scan ? html`<p>${msg("Scanned", { id: "staff.devices.scanned" })} <code>${result.scan.code}</code> (${wordFor(SCAN_WORDS, result.scan.kind)})</p>` : nothing}
        ${result.tags && result.tags.length > 0 ? tagsTable(result.tags) : nothing}
        ${result.receipt ? html`<pre class="staff-receipt" aria-label=${msg("The printed test page", { id: "staff.devices.printed-page" })}>${result.receipt.join("\n")}</pre>` : nothing}
      </article>
    `;
  }
}

function tagsTable(tags: readonly PadTagReading[]): TemplateResult {
  return html`
    <table class="staff-table">
      <caption>${msg("Tags on the pad", { id: "staff.devices.tags" })}</caption>
      ${columnHeads(["UID", msg("Data", { id: "staff.devices.data" }), msg("Security", { id: "staff.devices.security" }), "AFI", "EAS"])}
      <tbody>
        ${tags.map(
          (t) => html`
            <tr>
              <th scope="row"><code>${t.uid}</code></th>
              <td>
                ${
                  t.patronCard
                    ? msg("Patron card", { id: "staff.devices.patron-card" })
                    : t.fields
                      ? html`${t.model}
                        <dl class="staff-fields">
                          ${Object.entries(t.fields).map(([k, v]) => html`<dt>${k}</dt><dd>${String(v)}</dd>`)}
                        </dl>`
                      : (t.error?.message ?? t.model ?? msg("unreadable", { id: "staff.devices.unreadable" }))
                }
              </td>
              <td>${wordFor(SECURITY_WORDS, t.security)}</td>
              <td>${t.afi === undefined ? "—" : `0x${hex2(t.afi)}`}</td>
              <td>${t.eas === undefined ? "—" : t.eas ? msg("on", { id: "staff.devices.on" }) : msg("off", { id: "staff.devices.off" })}</td>
            </tr>
          `,
        )}
      </tbody>
    </table>
  `;
}

customElements.define("devices-page", DevicesPage);
