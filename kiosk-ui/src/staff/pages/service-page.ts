/**
 * The out-of-service page: what the patron screen shows now, taking the kiosk out of service with a message,
 * and the library's opening hours: today's, the next change, and the week to edit (applied at once).
 */
import { msg, str } from "@lit/localize";
import { html, nothing, type TemplateResult } from "lit";
import { type HoursView, type OpenInterval, WEEKDAYS } from "../../../../protocols/staff-api/hours.ts";
import { formatOpening } from "../i18n/format.ts";
import { StaffApiError, staffApi } from "../staff-client.ts";
import { ILS_WORDS, inService, outOfService, PHASE_WORDS, wordFor } from "../words.ts";
import { ConsolePage } from "./console-page.ts";

/** "09:00–12:30, 13:30–19:00" ↔ intervals; what does not read as one is sent as written, for the bridge to name. */
const intervalsText = (intervals: readonly OpenInterval[]) => intervals.map((i) => `${i.opens}–${i.closes}`).join(", ");
function parseIntervals(text: string): OpenInterval[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const [opens = "", closes = ""] = part.split(/\s*[-–]\s*/);
      return { opens, closes };
    });
}

/** Monday 5 January 2026 and the six days after it, to name the weekdays in the console's language. */
const weekdayName = (index: number) =>
  new Intl.DateTimeFormat(document.documentElement.lang || "en", { weekday: "long", timeZone: "UTC" }).format(
    Date.UTC(2026, 0, 5 + index),
  );

export class ServicePage extends ConsolePage {
  static override properties = { ...ConsolePage.properties, hours: { state: true }, problems: { state: true } };
  declare hours: HoursView | undefined;
  declare problems: ReadonlyArray<{ path: string; message: string }>;

  constructor() {
    super();
    this.hours = undefined;
    this.problems = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.act(() => staffApi.hours()).then((hours) => {
      if (hours) this.hours = hours;
    });
  }

  async #saveHours(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (!this.hours) return;
    const form = new FormData(event.target as HTMLFormElement);
    const weekly = Object.fromEntries(WEEKDAYS.map((day) => [day, parseIntervals(String(form.get(day) ?? ""))]));
    const hours = { ...this.hours.hours, weekly, returnsWhenClosed: form.get("returns") === "on" };
    // Through act(), so the shell shows the refusal, and clears it once a save works.
    const saved = await this.act(() =>
      staffApi.setHours(hours).catch((err: unknown) => {
        this.problems = err instanceof StaffApiError ? (err.problems ?? []) : [];
        throw err;
      }),
    );
    if (saved) {
      this.hours = saved;
      this.problems = [];
    }
  }

  #hoursSection(): TemplateResult {
    const view = this.hours;
    if (!view) return html``;
    const { today } = view;
    const next = view.nextChange ? formatOpening(Date.parse(view.nextChange), Date.now(), view.timeZone) : undefined;
    return html`
      <section class="staff-card" aria-labelledby="hours-heading">
        <h2 id="hours-heading">${msg("Opening hours", { id: "staff.hours.heading" })}</h2>
        <dl class="staff-facts">
          <dt>${msg("Today", { id: "staff.hours.today" })}</dt>
          <dd>${today.intervals.length > 0 ? intervalsText(today.intervals) : msg("Closed all day", { id: "staff.hours.closed-all-day" })}${today.note ? html` (<bdi>${today.note}</bdi>)` : nothing}</dd>
          <dt>${msg("Now", { id: "staff.hours.now" })}</dt>
          <dd class=${view.open ? "state-ok" : "state-bad"}>
            ${view.followed ? (view.open ? msg("Open", { id: "staff.hours.open" }) : msg("Closed", { id: "staff.hours.closed" })) : msg("No opening hours: always open", { id: "staff.hours.none" })}
          </dd>
          ${
            next
              ? html`<dt>${view.open ? msg("Closes", { id: "staff.hours.closes" }) : msg("Opens", { id: "staff.hours.opens" })}</dt>
                <dd>${next.date}, ${next.time}</dd>`
              : nothing
          }
          <dt>${msg("Time zone", { id: "staff.hours.time-zone" })}</dt>
          <dd><bdi>${view.timeZone}</bdi></dd>
        </dl>
        <form class="staff-hours" @submit=${(e: SubmitEvent) => this.#saveHours(e)}>
          <p>${msg("Open intervals per day, e.g. 09:00–12:30, 13:30–19:00. Empty: closed all day.", { id: "staff.hours.help" })}</p>
          <div class="staff-week">
          ${WEEKDAYS.map((day, index) => {
            const problem = this.problems.find((p) => p.path.startsWith(`kiosk.hours.weekly.${day}`));
            return html`<label for=${`hours-${day}`}>${weekdayName(index)}</label>
              <input id=${`hours-${day}`} name=${day} dir="ltr" .value=${intervalsText(view.hours.weekly?.[day] ?? [])}
                aria-invalid=${problem ? "true" : "false"} />
              ${problem ? html`<p class="staff-problem" role="alert"><bdi>${problem.message}</bdi></p>` : nothing}`;
          })}
          </div>
          <label class="staff-check"><input type="checkbox" name="returns" ?checked=${view.hours.returnsWhenClosed} />
            ${msg("Take returns while the library is closed", { id: "staff.hours.returns" })}</label>
          <button type="submit">${msg("Save opening hours", { id: "staff.hours.save" })}</button>
        </form>
      </section>
    `;
  }
  async #setOutOfService(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const out = this.status?.outOfService === null;
    const message = String(new FormData(event.target as HTMLFormElement).get("message") ?? "").trim();
    const status = await this.act(() => staffApi.setOutOfService(out, out && message ? message : undefined));
    if (status) this.statusChanged(status);
  }

  override render(): TemplateResult {
    const status = this.status;
    const out = status?.outOfService != null;
    return html`
      <section class="staff-card" aria-labelledby="service-heading">
        <h2 id="service-heading">${outOfService()}</h2>
        ${
          status
            ? html`<dl class="staff-facts">
              <dt>${msg("Service", { id: "staff.service.service" })}</dt>
              <dd class=${out ? "state-bad" : "state-ok"}>
                ${
                  out
                    ? status.outOfService?.message
                      ? msg(str`Out of service: “${status.outOfService.message}”`, {
                          id: "staff.service.out-with-message",
                        })
                      : outOfService()
                    : inService()
                }
              </dd>
              <dt>${msg("Patron screen", { id: "staff.service.patron-screen" })}</dt>
              <dd>${wordFor(PHASE_WORDS, status.phase)}</dd>
              <dt>${msg("Library system (SIP2)", { id: "staff.service.ils" })}</dt>
              <dd class=${status.ils === "online" ? "state-ok" : "state-bad"}>${ILS_WORDS[status.ils]()}</dd>
            </dl>`
            : nothing
        }
        <form class="staff-inline" @submit=${(e: SubmitEvent) => this.#setOutOfService(e)}>
          ${
            out
              ? nothing
              : html`<label for="service-message">${msg("Message for patrons (optional)", { id: "staff.service.message" })}</label>
                <input id="service-message" name="message" maxlength="200" placeholder=${msg("e.g. Back at 2 pm", { id: "staff.service.message-example" })} />`
          }
          <button type="submit" class=${out ? "" : "danger"}>${out ? msg("Put back in service", { id: "staff.service.put-back" }) : msg("Take out of service", { id: "staff.service.take-out" })}</button>
        </form>
      </section>
      ${this.#hoursSection()}
    `;
  }
}

customElements.define("service-page", ServicePage);
