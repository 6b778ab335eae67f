/**
 * The configuration page: the bridge's config as a form built from its schema (config-form.ts), each
 * field with its description and, next to it, what the bridge's validator says is wrong with it; save; and
 * "Test SIP2 connection", which shows the login and status exchange with the ILS.
 *
 * Fields are checked by the bridge as they change (its validator is the only one), so a message appears
 * next to a field as soon as the staff member leaves it. Secrets are never shown: a password field is empty
 * and says whether a password is set; typing one replaces it.
 */
import { msg, str } from "@lit/localize";
import { html, nothing, type TemplateResult } from "lit";
import {
  type ConfigProblem,
  type ConfigSaved,
  type ConfigView,
  type Sip2TestReply,
  STAFF_PASSWORD_MIN_LENGTH,
} from "../../../../protocols/staff-api/config.ts";
import {
  allFields,
  buildForm,
  type FormField,
  type FormGroup,
  fieldOfProblem,
  inputText,
  parseInput,
  valueAt,
  withValue,
} from "../config-form.ts";
import { CONFIG_CHOICE_WORDS, CONFIG_KEY_WORDS, choiceWord, type KeyWords, wordsOf } from "../config-words.ts";
import { formatDuration, formatNumber } from "../i18n/format.ts";
import { StaffApiError, staffApi } from "../staff-client.ts";
import { ConsolePage } from "./console-page.ts";

type Json = Record<string, unknown>;

const VERDICT_WORDS = (): Readonly<Record<Sip2TestReply["verdict"], string>> => ({
  ok: msg("Connected and logged in; the ILS is online.", { id: "staff.config.verdict-ok" }),
  "acs-offline": msg("Logged in, but the ILS says it is offline.", { id: "staff.config.verdict-acs-offline" }),
  unreachable: msg("No connection: the ILS's SIP2 server cannot be reached.", {
    id: "staff.config.verdict-unreachable",
  }),
  tls: msg("The secure connection (TLS) failed.", { id: "staff.config.verdict-tls" }),
  "login-refused": msg("The ILS refused the login.", { id: "staff.config.verdict-login-refused" }),
  timeout: msg("The ILS did not answer in time.", { id: "staff.config.verdict-timeout" }),
  "bad-response": msg("The ILS's answers were unreadable (bad checksum).", { id: "staff.config.verdict-bad-response" }),
  disconnected: msg("The ILS closed the connection.", { id: "staff.config.verdict-disconnected" }),
  "invalid-config": msg("The SIP2 settings are not valid.", { id: "staff.config.verdict-invalid-config" }),
  failed: msg("The test failed.", { id: "staff.config.verdict-failed" }),
});

/** An id usable in the DOM for a field path. */
const domId = (field: FormField, part: string) => `cfg-${field.name.replace(/[^A-Za-z0-9]+/g, "-")}-${part}`;

/** The form's words for one render, in the language chosen now (config-words.ts). */
interface FormWords {
  keys: Readonly<Record<string, KeyWords>>;
  choices: ReturnType<typeof CONFIG_CHOICE_WORDS>;
}

export class ConfigPage extends ConsolePage {
  static override properties = {
    view: { state: true },
    draft: { state: true },
    secrets: { state: true },
    problems: { state: true },
    localProblems: { state: true },
    texts: { state: true },
    saved: { state: true },
    sip2Test: { state: true },
    busy: { state: true },
    password: { state: true },
  };

  declare view: ConfigView | undefined;
  declare draft: Json;
  /** Secrets typed in this form, by path. */
  declare secrets: Readonly<Record<string, string>>;
  /** The bridge's validator's findings for the draft. */
  declare problems: readonly ConfigProblem[];
  /** Text the form itself cannot read (JSON that does not parse), by field name. */
  declare localProblems: Readonly<Record<string, string>>;
  /** What JSON fields show while being edited (so a half-typed value is not reformatted). */
  declare texts: Readonly<Record<string, string>>;
  declare saved: ConfigSaved | undefined;
  declare sip2Test: Sip2TestReply | undefined;
  declare busy: "" | "save" | "test";
  /** The staff password being set: for which user (by place in staff.users), typed twice. */
  declare password: { user: number; typed: string; again: string };

  #groups: FormGroup[] = [];
  #fields: FormField[] = [];
  #checking = 0;

  constructor() {
    super();
    this.view = undefined;
    this.draft = {};
    this.secrets = {};
    this.problems = [];
    this.localProblems = {};
    this.texts = {};
    this.saved = undefined;
    this.sip2Test = undefined;
    this.busy = "";
    this.password = { user: 0, typed: "", again: "" };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.view) void this.#load();
  }

  async #load(): Promise<void> {
    const view = await this.act(() => staffApi.config());
    if (!view) return;
    this.#groups = buildForm(view.schema, new Set(view.secrets.map((s) => s.path)));
    this.#fields = allFields(this.#groups);
    this.view = view;
    this.draft = view.config;
  }

  #request() {
    return { config: this.draft, secrets: { ...this.secrets } };
  }

  #onInput(field: FormField, target: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): void {
    const text = target instanceof HTMLInputElement && target.type === "checkbox" ? "" : target.value;
    if (field.kind === "secret") {
      const { [field.name]: _old, ...rest } = this.secrets;
      this.secrets = text === "" ? rest : { ...rest, [field.name]: text };
      return;
    }
    if (field.kind === "boolean") {
      this.draft = withValue(this.draft, field.path, (target as HTMLInputElement).checked);
      return;
    }
    if (field.kind === "json") this.texts = { ...this.texts, [field.name]: text };
    const parsed = parseInput(field, text);
    const { [field.name]: _gone, ...others } = this.localProblems;
    if ("problem" in parsed) {
      this.localProblems = { ...others, [field.name]: parsed.problem };
      return;
    }
    this.localProblems = others;
    this.draft = withValue(this.draft, field.path, parsed.value);
  }

  /** Asks the bridge's validator about the draft; a later check's answer wins over an earlier one's. */
  async #check(): Promise<void> {
    const turn = ++this.#checking;
    const result = await this.act(() => staffApi.validateConfig(this.#request()));
    if (result && turn === this.#checking) this.problems = result.problems;
  }

  async #save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (Object.keys(this.localProblems).length > 0) return;
    this.busy = "save";
    this.saved = undefined;
    const saved = await this.act(async () => {
      try {
        return await staffApi.saveConfig(this.#request());
      } catch (err) {
        // Problems are shown at their fields, not as one error line.
        if (err instanceof StaffApiError && err.problems) {
          this.problems = err.problems;
          return undefined;
        }
        throw err;
      }
    });
    this.busy = "";
    if (saved) {
      this.saved = saved;
      this.problems = [];
      this.secrets = {};
      this.password = { user: this.password.user, typed: "", again: "" };
      const view = await this.act(() => staffApi.config());
      if (view) this.view = view;
    } else if (this.problems.length > 0) {
      await this.updateComplete;
      this.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
    }
  }

  async #testSip2(): Promise<void> {
    this.busy = "test";
    this.sip2Test = undefined;
    const secrets = Object.fromEntries(Object.entries(this.secrets).filter(([path]) => path.startsWith("sip2.")));
    this.sip2Test = await this.act(() => staffApi.testSip2({ sip2: (this.draft.sip2 ?? {}) as Json, secrets }));
    this.busy = "";
    await this.updateComplete;
    this.querySelector<HTMLElement>("#cfg-sip2-result")?.focus();
  }

  /** Problems of each field, and those that belong to none (shown above the form). */
  #problemsByField(): { byField: Map<string, string[]>; loose: ConfigProblem[] } {
    const byField = new Map<string, string[]>();
    const loose: ConfigProblem[] = [];
    for (const problem of this.problems) {
      const field = fieldOfProblem(this.#fields, problem.path);
      if (!field) {
        loose.push(problem);
        continue;
      }
      const shown = problem.path === field.name ? problem.message : `${problem.path}: ${problem.message}`;
      byField.set(field.name, [...(byField.get(field.name) ?? []), shown]);
    }
    for (const [name, problem] of Object.entries(this.localProblems)) {
      byField.set(name, [...(byField.get(name) ?? []), problem]);
    }
    return { byField, loose };
  }

  override render(): TemplateResult {
    const view = this.view;
    if (!view) {
      return html`<section class="staff-card" aria-labelledby="config-heading">
        <h2 id="config-heading">${msg("Configuration", { id: "staff.config.heading" })}</h2>
        <p>${msg("Loading the configuration…", { id: "staff.config.loading" })}</p>
      </section>`;
    }
    const { byField, loose } = this.#problemsByField();
    const words: FormWords = { keys: CONFIG_KEY_WORDS(), choices: CONFIG_CHOICE_WORDS() };
    const count = this.problems.length + Object.keys(this.localProblems).length;
    return html`
      <form class="config-form" novalidate @submit=${(e: SubmitEvent) => this.#save(e)}
        @change=${() => void this.#check()}>
        <section class="staff-card" aria-labelledby="config-heading">
          <h2 id="config-heading">${msg("Configuration", { id: "staff.config.heading" })}</h2>
          <p>
            ${
              view.file
                ? msg(str`Saved to ${view.file}; the previous version is kept as ${view.file}.bak.`, {
                    id: "staff.config.file",
                  })
                : msg(
                    "This bridge runs a generated config (the simulated kiosk of npm start). You can check and test changes here, but not save them: start the bridge with selfcheck bridge --config FILE to edit a file.",
                    { id: "staff.config.no-file" },
                  )
            }
          </p>
          ${this.#restartNote(view)}
          <nav aria-label=${msg("Configuration sections", { id: "staff.config.sections" })}>
            <ul class="config-toc">
              ${this.#groups.map((g) => html`<li><a href=${`#cfg-section-${g.name}`} @click=${(e: Event) => this.#jump(e, g)}>${wordsOf(words.keys, g).label}</a></li>`)}
            </ul>
          </nav>
          <div class="visually-hidden" aria-live="polite">
            ${count > 0 ? msg(str`${formatNumber(count)} problems in the form`, { id: "staff.config.problem-count" }) : ""}
          </div>
          ${
            loose.length > 0
              ? html`<ul class="staff-error config-loose">
                ${loose.map((p) => html`<li>${p.path || msg("The config", { id: "staff.config.whole" })}: <bdi>${p.message}</bdi></li>`)}
              </ul>`
              : nothing
          }
        </section>
        ${this.#groups.map((group) => this.#section(group, byField, words))}
        <div class="staff-card config-actions">
          <button type="submit" ?disabled=${!view.file || this.busy !== ""}>
            ${this.busy === "save" ? msg("Saving…", { id: "staff.config.saving" }) : msg("Save", { id: "staff.config.save" })}
          </button>
          ${
            count > 0
              ? html`<p class="state-bad">${msg(str`${formatNumber(count)} problems: see the marked fields.`, { id: "staff.config.fix-first" })}</p>`
              : nothing
          }
        </div>
      </form>
    `;
  }

  #jump(event: Event, group: FormGroup): void {
    // The console's own navigation uses the URL hash; this jump must not change the page shown.
    event.preventDefault();
    const target = this.querySelector<HTMLElement>(`#cfg-section-${group.name} h3`);
    target?.scrollIntoView({ block: "start" });
    if (target) {
      target.tabIndex = -1;
      target.focus();
    }
  }

  #restartNote(view: ConfigView): TemplateResult | typeof nothing {
    const saved = this.saved;
    const quiet = view.restartNeeded.length === 0 && view.pending.length === 0 && view.applyProblems.length === 0;
    if (!saved && quiet) return nothing;
    return html`<div class="staff-result" role="status" tabindex="-1">
      ${saved ? html`<p class="state-ok">${msg(str`Saved to ${saved.file}.`, { id: "staff.config.saved" })}</p>` : nothing}
      ${
        saved && saved.appliedLive.length > 0
          ? html`<p>${msg("In effect now:", { id: "staff.config.applied-live" })} ${saved.appliedLive.join(", ")}</p>`
          : nothing
      }
      ${
        saved?.sip2Test
          ? html`<p class=${saved.sip2Test.ok ? "state-ok" : "staff-warning"}>
            ${msg("New SIP2 settings tested:", { id: "staff.config.sip2-tested" })} ${saved.sip2Test.summary}</p>`
          : nothing
      }
      ${
        view.pending.length > 0
          ? html`<p><strong>${msg("Will apply when the current patron finishes:", { id: "staff.config.pending" })}</strong>
            ${view.pending.join(", ")}</p>`
          : nothing
      }
      ${view.applyProblems.map((p) => html`<p class="staff-warning" role="alert">${p.message}</p>`)}
      ${
        view.restartNeeded.length > 0
          ? html`<p><strong>${msg("Restart needed:", { id: "staff.config.restart-needed" })}</strong>
            ${msg("these changes take effect when the bridge service restarts:", { id: "staff.config.restart-keys" })}
            ${view.restartNeeded.join(", ")}</p>`
          : nothing
      }
    </div>`;
  }

  #section(group: FormGroup, byField: Map<string, string[]>, words: FormWords): TemplateResult {
    const { label, description } = wordsOf(words.keys, group);
    return html`
      <section class="staff-card config-section" id=${`cfg-section-${group.name}`} aria-labelledby=${`cfg-section-${group.name}-h`}>
        <h3 id=${`cfg-section-${group.name}-h`}>${label}</h3>
        ${this.#hint(group, description)}
        ${this.#groupBody(group, byField, words)}
        ${group.name === "sip2" ? this.#sip2Test() : nothing}
        ${group.name === "staff" ? this.#staffPassword() : nothing}
      </section>
    `;
  }

  /**
   * A staff user's new password, typed twice: once both agree and are long enough it goes with the next save
   * as that user's secret, which the bridge hashes (scrypt) and stores only as the hash. There are no roles:
   * any staff member can set any user's password, their own included.
   */
  #staffPassword(): TemplateResult {
    const users = (((this.draft.staff as Json | undefined)?.users ?? []) as Array<{ name?: unknown }>).map((u) =>
      String(u?.name ?? ""),
    );
    const { user, typed, again } = this.password;
    const problem =
      typed === "" && again === ""
        ? undefined
        : [...typed].length < STAFF_PASSWORD_MIN_LENGTH
          ? msg(str`At least ${STAFF_PASSWORD_MIN_LENGTH} characters.`, { id: "staff.config.password-short" })
          : typed !== again
            ? msg("The two passwords differ.", { id: "staff.config.password-differ" })
            : undefined;
    const change = (next: Partial<ConfigPage["password"]>) => {
      const { [`staff.users[${this.password.user}].passwordHash`]: _old, ...rest } = this.secrets;
      this.password = { ...this.password, ...next };
      const p = this.password;
      const ok = p.typed !== "" && p.typed === p.again && [...p.typed].length >= STAFF_PASSWORD_MIN_LENGTH;
      this.secrets = ok ? { ...rest, [`staff.users[${p.user}].passwordHash`]: p.typed } : rest;
    };
    const value = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;
    return html`<fieldset class="config-group" id="cfg-staff-password">
      <legend>${msg("Set a staff password", { id: "staff.config.password-heading" })}</legend>
      <p class="staff-hint" id="cfg-staff-password-help">
        ${msg(
          str`For a new user, or to change one (your own too). At least ${STAFF_PASSWORD_MIN_LENGTH} characters, typed twice; sent once when you save, and only its hash is kept.`,
          { id: "staff.config.password-hint" },
        )}
      </p>
      <div class="config-fields">
        <div class="config-field">
          <label for="cfg-staff-password-user">${msg("User", { id: "staff.config.password-user" })}</label>
          <select id="cfg-staff-password-user" @change=${(e: Event) => change({ user: Number(value(e)) })}>
            ${users.map((name, i) => html`<option value=${i} ?selected=${i === user}>${name}</option>`)}
          </select>
        </div>
        <div class="config-field">
          <label for="cfg-staff-password-new">${msg("New password", { id: "staff.config.password-new" })}</label>
          <input id="cfg-staff-password-new" type="password" autocomplete="new-password" .value=${typed}
            aria-describedby="cfg-staff-password-help" @input=${(e: Event) => change({ typed: value(e) })} />
        </div>
        <div class="config-field">
          <label for="cfg-staff-password-again">${msg("The same again", { id: "staff.config.password-again" })}</label>
          <input id="cfg-staff-password-again" type="password" autocomplete="new-password" .value=${again}
            aria-invalid=${problem ? "true" : "false"}
            aria-describedby=${problem ? "cfg-staff-password-problem" : nothing}
            @input=${(e: Event) => change({ again: value(e) })} />
        </div>
      </div>
      ${problem ? html`<p class="staff-warning" id="cfg-staff-password-problem" role="alert">${problem}</p>` : nothing}
    </fieldset>`;
  }

  /**
   * A part's description under its heading; not for a section that is one field (`devices`), whose field
   * shows it. Wrapped in <bdi>: a path the table does not know shows the schema's English, also in Arabic.
   */
  #hint(group: FormGroup, description: string): TemplateResult | typeof nothing {
    const oneField = group.fields.length === 1 && group.fields[0]?.name === group.name;
    return description && !oneField ? html`<p class="staff-hint"><bdi>${description}</bdi></p>` : nothing;
  }

  #groupBody(group: FormGroup, byField: Map<string, string[]>, words: FormWords): TemplateResult {
    return html`
      <div class="config-fields">${group.fields.map((f) => this.#field(f, byField.get(f.name) ?? [], words))}</div>
      ${group.groups.map((sub) => {
        const { label, description } = wordsOf(words.keys, sub);
        return html`<fieldset class="config-group">
          <legend>${label}</legend>
          ${this.#hint(sub, description)}
          ${this.#groupBody(sub, byField, words)}
        </fieldset>`;
      })}
    `;
  }

  #field(field: FormField, problems: readonly string[], words: FormWords): TemplateResult {
    const { label, description } = wordsOf(words.keys, field);
    const id = domId(field, "input");
    const helpId = domId(field, "help");
    const errorId = domId(field, "error");
    const describedBy = [description ? helpId : "", problems.length > 0 ? errorId : ""].filter(Boolean).join(" ");
    const invalid = problems.length > 0 ? "true" : "false";
    const value = valueAt(this.draft, field.path);
    const onInput = (e: Event) =>
      this.#onInput(field, e.target as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement);
    let control: TemplateResult;
    switch (field.kind) {
      case "boolean":
        control = html`<input id=${id} type="checkbox" .checked=${value === true}
          aria-describedby=${describedBy || nothing} aria-invalid=${invalid} @change=${onInput} />`;
        break;
      case "choice":
        control = html`<select id=${id} aria-describedby=${describedBy || nothing} aria-invalid=${invalid} @change=${onInput}>
          ${field.required ? nothing : html`<option value="" ?selected=${value === undefined}>${msg("(default)", { id: "staff.config.default" })}</option>`}
          ${(field.choices ?? []).map((c) => html`<option value=${c} ?selected=${String(value) === c}>${choiceWord(words.choices, field, c)}</option>`)}
        </select>`;
        break;
      case "json":
        // JSON reads left to right in every language (in Arabic too).
        control = html`<textarea id=${id} rows="4" spellcheck="false" dir="ltr" aria-describedby=${describedBy || nothing}
          aria-invalid=${invalid} .value=${this.texts[field.name] ?? inputText(field, value)} @input=${onInput}></textarea>`;
        break;
      case "secret": {
        const set = this.view?.secrets.find((s) => s.path === field.name)?.set === true;
        control = html`<input id=${id} type="password" autocomplete="new-password"
          placeholder=${set ? msg("set; type a new one to change it", { id: "staff.config.secret-set" }) : msg("not set", { id: "staff.config.secret-unset" })}
          .value=${this.secrets[field.name] ?? ""} aria-describedby=${describedBy || nothing} aria-invalid=${invalid} @input=${onInput} />`;
        break;
      }
      default:
        // A value takes the direction of its first letter: a path or host left to right, an Arabic name right to left.
        control = html`<input id=${id} type="text" dir="auto" inputmode=${field.kind === "number" ? "numeric" : nothing}
          placeholder=${field.placeholder ?? nothing} .value=${inputText(field, value)}
          aria-describedby=${describedBy || nothing} aria-invalid=${invalid} @input=${onInput} />`;
    }
    return html`
      <div class=${`config-field${problems.length > 0 ? " config-invalid" : ""}${field.kind === "boolean" ? " config-check" : ""}`}>
        <label for=${id}>${label}${field.required ? html`<span aria-hidden="true"> *</span>` : nothing}</label>
        ${control}
        ${description ? html`<p class="staff-hint" id=${helpId}><bdi>${description}</bdi></p>` : nothing}
        ${problems.length > 0 ? html`<p class="config-problem" id=${errorId}><bdi>${problems.join(" ")}</bdi></p>` : nothing}
      </div>
    `;
  }

  #sip2Test(): TemplateResult {
    const result = this.sip2Test;
    const words = VERDICT_WORDS();
    return html`
      <div class="staff-inline">
        <button type="button" class="secondary" ?disabled=${this.busy !== ""} @click=${() => void this.#testSip2()}>
          ${this.busy === "test" ? msg("Testing…", { id: "staff.config.testing" }) : msg("Test SIP2 connection", { id: "staff.config.test-sip2" })}
        </button>
        <p class="staff-hint">${msg("Uses the values in this form, saved or not, on a connection of its own.", { id: "staff.config.test-hint" })}</p>
      </div>
      ${
        result
          ? html`<div class="staff-result" id="cfg-sip2-result" tabindex="-1" role="status">
            <h4 class=${result.ok ? "state-ok" : "state-bad"}>${words[result.verdict]}</h4>
            <p><bdi>${result.summary}</bdi></p>
            ${
              result.exchange.length > 0
                ? html`<table class="staff-table config-exchange">
                  <caption>${msg("The exchange (passwords and patron data masked)", { id: "staff.config.exchange" })}</caption>
                  <thead><tr>
                    <th scope="col">${msg("Direction", { id: "staff.config.direction" })}</th>
                    <th scope="col">${msg("Time", { id: "staff.config.time" })}</th>
                    <th scope="col">${msg("Message", { id: "staff.config.message" })}</th>
                  </tr></thead>
                  <tbody>
                    ${result.exchange.map(
                      (line) => html`<tr>
                        <td>${line.direction === "sent" ? msg("kiosk → ILS", { id: "staff.config.sent" }) : msg("ILS → kiosk", { id: "staff.config.received" })}</td>
                        <td>${formatDuration(line.ms)}</td>
                        <td><span class="config-type">${line.type ?? line.error}</span> <code>${line.wire}</code></td>
                      </tr>`,
                    )}
                  </tbody>
                </table>`
                : nothing
            }
            ${
              result.acs
                ? html`<dl class="staff-facts">
                  <dt>${msg("Institution", { id: "staff.config.institution" })}</dt>
                  <dd>${result.acs.institution}${result.acs.libraryName ? ` (${result.acs.libraryName})` : ""}</dd>
                  <dt>${msg("Supports", { id: "staff.config.supports" })}</dt>
                  <dd>${result.acs.supported.join(", ") || "—"}</dd>
                  <dt>${msg("Does not support", { id: "staff.config.unsupported" })}</dt>
                  <dd>${result.acs.unsupported.join(", ") || "—"}</dd>
                </dl>`
                : nothing
            }
          </div>`
          : nothing
      }
    `;
  }
}

customElements.define("config-page", ConfigPage);
