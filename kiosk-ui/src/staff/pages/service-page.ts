/**
 * The out-of-service page: what the patron screen shows now, taking the kiosk out of service with a message,
 * and the library's opening hours: today's, the next change, and everything in `kiosk.hours` to edit: the week,
 * dated exceptions (holidays, special hours, ranges of days), the time zone, whether the kiosk follows the hours
 * and takes returns while closed. One save (PUT /api/staff/hours) applies them at once; the bridge checks them
 * as the config loader does and names each problem's key, shown at its field.
 */
import { msg, str } from "@lit/localize";
import { html, nothing, type TemplateResult } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { type HoursView, type OpeningHoursConfig, WEEKDAYS } from "../../../../protocols/staff-api/hours.ts";
import { type Exception, type ExceptionRow, exceptionOf, intervalsText, parseIntervals, rowOf } from "../hours-text.ts";
import { formatOpening, formatWallClock } from "../i18n/format.ts";
import { StaffApiError, staffApi } from "../staff-client.ts";
import { ILS_WORDS, inService, outOfService, PHASE_WORDS, wordFor } from "../words.ts";
import { ConsolePage } from "./console-page.ts";

/** Monday 5 January 2026 and the six days after it, to name the weekdays in the console's language. */
const weekdayName = (index: number) =>
  new Intl.DateTimeFormat(document.documentElement.lang || "en", { weekday: "long", timeZone: "UTC" }).format(
    Date.UTC(2026, 0, 5 + index),
  );

let nextKey = 0;

/** The zones this browser knows (Intl.supportedValuesOf), with `current` among them even where it is an alias. */
function timeZones(current: string): string[] {
  const zones = Intl.supportedValuesOf("timeZone");
  return zones.includes(current) ? zones : [current, ...zones].sort();
}

type Problem = { path: string; message: string };
const HOURS = "kiosk.hours";

export class ServicePage extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    hours: { state: true },
    problems: { state: true },
    exceptions: { state: true },
  };
  declare hours: HoursView | undefined;
  declare problems: readonly Problem[];
  /** The exceptions from today on, as being edited (the bridge's today in the library's zone). */
  declare exceptions: ExceptionRow[];
  /** Exceptions whose last day has gone: not shown, kept as they are when the hours are saved. */
  #past: Exception[] = [];

  constructor() {
    super();
    this.hours = undefined;
    this.problems = [];
    this.exceptions = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.act(() => staffApi.hours()).then((hours) => {
      if (hours) this.#show(hours);
    });
  }

  #show(view: HoursView): void {
    this.hours = view;
    const today = view.today.date;
    const upcoming = (e: Exception) => (e.until ?? e.date) >= today;
    this.exceptions = view.hours.exceptions
      .filter(upcoming)
      .sort((a, b) => a.date.localeCompare(b.date))
      .map((e) => rowOf(e, nextKey++));
    this.#past = view.hours.exceptions.filter((e) => !upcoming(e));
  }

  /** The first problem at `path` or inside it. */
  #problem(path: string): Problem | undefined {
    return this.problems.find((p) => p.path === path || p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`));
  }

  async #saveHours(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (!this.hours) return;
    const form = new FormData(event.target as HTMLFormElement);
    const weekly = Object.fromEntries(WEEKDAYS.map((day) => [day, parseIntervals(String(form.get(day) ?? ""))]));
    const hours: OpeningHoursConfig = {
      ...this.hours.hours,
      weekly,
      timeZone: String(form.get("timeZone") ?? this.hours.timeZone),
      whenClosed: form.get("whenClosed") === "open" ? "open" : "closed",
      returnsWhenClosed: form.get("returns") === "on",
      // The rows first, so a problem's index is the row's.
      exceptions: [...this.exceptions.map(exceptionOf), ...this.#past],
    };
    // Through act(), so the shell shows the refusal, and clears it once a save works.
    const saved = await this.act(() =>
      staffApi.setHours(hours).catch((err: unknown) => {
        this.problems = err instanceof StaffApiError ? (err.problems ?? []) : [];
        throw err;
      }),
    );
    if (saved) {
      this.#show(saved);
      this.problems = [];
    }
  }

  #editException(key: number, change: Partial<ExceptionRow>): void {
    this.exceptions = this.exceptions.map((row) => (row.key === key ? { ...row, ...change } : row));
  }

  #addException(): void {
    const date = this.hours?.today.date ?? "";
    this.exceptions = [...this.exceptions, { key: nextKey++, date, until: "", hours: "", note: "" }];
    void this.updateComplete.then(() =>
      this.querySelector<HTMLInputElement>(`#exception-${nextKey - 1}-date`)?.focus(),
    );
  }

  #removeException(key: number): void {
    this.exceptions = this.exceptions.filter((row) => row.key !== key);
    // The problems name rows by place, which has just moved.
    this.problems = [];
    this.querySelector<HTMLButtonElement>("#exception-add")?.focus();
  }

  /** A label, its control and the problem at `path` under it (announced, and described by it). */
  #field(id: string, label: string, path: string, control: (invalid: boolean, describedBy: string) => TemplateResult) {
    const problem = this.#problem(path);
    return html`<label for=${id}>${label}</label>
      ${control(problem !== undefined, problem ? `${id}-problem` : "")}
      ${problem ? html`<p class="staff-problem" id=${`${id}-problem`} role="alert"><bdi>${problem.message}</bdi></p>` : nothing}`;
  }

  #exceptionRow(row: ExceptionRow, index: number): TemplateResult {
    const at = `${HOURS}.exceptions[${index}]`;
    const id = `exception-${row.key}`;
    const when =
      row.date === ""
        ? msg("New date", { id: "staff.hours.exception-new" })
        : row.until !== "" && row.until !== row.date
          ? msg(str`${formatWallClock(row.date, "date")} to ${formatWallClock(row.until, "date")}`, {
              id: "staff.hours.exception-range",
            })
          : formatWallClock(row.date, "date");
    const text = (key: "hours" | "note") => (e: Event) =>
      this.#editException(row.key, { [key]: (e.target as HTMLInputElement).value });
    const date = (key: "date" | "until") => (e: Event) =>
      this.#editException(row.key, { [key]: (e.target as HTMLInputElement).value });
    return html`<fieldset class="staff-exception" data-exception=${row.date}>
      <legend>${when}${row.hours.trim() === "" ? html` · ${msg("closed", { id: "staff.hours.exception-closed" })}` : nothing}</legend>
      <div class="staff-week">
        ${this.#field(`${id}-date`, msg("Date", { id: "staff.hours.exception-date" }), `${at}.date`, (invalid, d) => html`<input id=${`${id}-date`} type="date" .value=${row.date} aria-invalid=${invalid ? "true" : "false"} aria-describedby=${d || nothing} @change=${date("date")} />`)}
        ${this.#field(`${id}-until`, msg("Last day (for several days)", { id: "staff.hours.exception-until" }), `${at}.until`, (invalid, d) => html`<input id=${`${id}-until`} type="date" .value=${row.until} aria-invalid=${invalid ? "true" : "false"} aria-describedby=${d || nothing} @change=${date("until")} />`)}
        ${this.#field(`${id}-hours`, msg("Open hours (empty: closed)", { id: "staff.hours.exception-hours" }), `${at}.hours`, (invalid, d) => html`<input id=${`${id}-hours`} dir="ltr" .value=${row.hours} placeholder=${msg("e.g. 09:00–14:00", { id: "staff.hours.exception-hours-example" })} aria-invalid=${invalid ? "true" : "false"} aria-describedby=${d || nothing} @input=${text("hours")} />`)}
        ${this.#field(`${id}-note`, msg("Note for staff", { id: "staff.hours.exception-note" }), `${at}.note`, (invalid, d) => html`<input id=${`${id}-note`} maxlength="200" .value=${row.note} placeholder=${msg("e.g. Christmas Eve", { id: "staff.hours.exception-note-example" })} aria-invalid=${invalid ? "true" : "false"} aria-describedby=${d || nothing} @input=${text("note")} />`)}
      </div>
      <button type="button" class="secondary" @click=${() => this.#removeException(row.key)}>
        ${msg(str`Remove ${when}`, { id: "staff.hours.exception-remove" })}
      </button>
    </fieldset>`;
  }

  #hoursSection(): TemplateResult {
    const view = this.hours;
    if (!view) return html``;
    const { today } = view;
    const next = view.nextChange ? formatOpening(Date.parse(view.nextChange), Date.now(), view.timeZone) : undefined;
    const zone = view.hours.timeZone ?? view.timeZone;
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
          <h3>${msg("Every week", { id: "staff.hours.weekly" })}</h3>
          <p>${msg("Open intervals per day, e.g. 09:00–12:30, 13:30–19:00. Empty: closed all day.", { id: "staff.hours.help" })}</p>
          <div class="staff-week">
          ${WEEKDAYS.map((day, index) =>
            this.#field(
              `hours-${day}`,
              weekdayName(index),
              `${HOURS}.weekly.${day}`,
              (invalid, d) =>
                html`<input id=${`hours-${day}`} name=${day} dir="ltr" .value=${intervalsText(view.hours.weekly?.[day] ?? [])}
                  aria-invalid=${invalid ? "true" : "false"} aria-describedby=${d || nothing} />`,
            ),
          )}
          </div>
          <h3>${msg("Dates that differ", { id: "staff.hours.exceptions" })}</h3>
          <p>${msg("Holidays and special hours, for one day or several. Past dates are not shown; they stay as they are.", { id: "staff.hours.exceptions-help" })}</p>
          ${
            this.exceptions.length === 0
              ? html`<p class="staff-muted">${msg("No dates ahead differ from the week.", { id: "staff.hours.exceptions-none" })}</p>`
              : repeat(
                  this.exceptions,
                  (row) => row.key,
                  (row, index) => this.#exceptionRow(row, index),
                )
          }
          <button type="button" class="secondary" id="exception-add" @click=${() => this.#addException()}>
            ${msg("Add a date", { id: "staff.hours.exception-add" })}
          </button>
          <h3>${msg("Following the hours", { id: "staff.hours.following" })}</h3>
          <div class="staff-week">
            ${this.#field(
              "hours-time-zone",
              msg("Time zone of the hours", { id: "staff.hours.time-zone-choice" }),
              `${HOURS}.timeZone`,
              (invalid, d) =>
                html`<select id="hours-time-zone" name="timeZone" aria-invalid=${invalid ? "true" : "false"} aria-describedby=${d || nothing}>
                  ${timeZones(zone).map((z) => html`<option value=${z} ?selected=${z === zone}>${z}</option>`)}
                </select>`,
            )}
            ${this.#field(
              "hours-when-closed",
              msg("While the library is closed, the kiosk", { id: "staff.hours.when-closed" }),
              `${HOURS}.whenClosed`,
              (invalid, d) =>
                html`<select id="hours-when-closed" name="whenClosed" aria-invalid=${invalid ? "true" : "false"} aria-describedby=${d || nothing}>
                  <option value="closed" ?selected=${view.hours.whenClosed === "closed"}>${msg("says it is closed", { id: "staff.hours.when-closed-closed" })}</option>
                  <option value="open" ?selected=${view.hours.whenClosed === "open"}>${msg("stays open (the hours are not followed)", { id: "staff.hours.when-closed-open" })}</option>
                </select>`,
            )}
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
