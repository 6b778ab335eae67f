/**
 * "My password": the signed-in staff member changes their own password (POST /api/staff/password), giving the
 * current one and the new one twice. The bridge checks them and names each problem's field; on success this
 * session stays signed in and the member's other sessions end. The passwords live only in the inputs, which
 * are emptied after a save.
 */
import { msg, str } from "@lit/localize";
import { html, nothing, type TemplateResult } from "lit";
import { STAFF_PASSWORD_MIN_LENGTH } from "../../../../protocols/staff-api/config.ts";
import type { PasswordChanged } from "../../../../protocols/staff-api/schema.ts";
import { formatNumber } from "../i18n/format.ts";
import { StaffApiError, staffApi } from "../staff-client.ts";
import { ConsolePage } from "./console-page.ts";

/** The form's fields: the request's key (the bridge names problems by it), the input's id and its label. */
const FIELDS = [
  {
    key: "current",
    id: "password-current",
    autocomplete: "current-password",
    label: () => msg("Current password", { id: "staff.account.current" }),
  },
  {
    key: "newPassword",
    id: "password-new",
    autocomplete: "new-password",
    label: () => msg("New password", { id: "staff.account.new" }),
  },
  {
    key: "repeated",
    id: "password-repeated",
    autocomplete: "new-password",
    label: () => msg("New password again", { id: "staff.account.repeated" }),
  },
] as const;

export class AccountPage extends ConsolePage {
  static override properties = { ...ConsolePage.properties, problems: { state: true }, changed: { state: true } };
  declare problems: ReadonlyArray<{ path: string; message: string }>;
  declare changed: PasswordChanged | undefined;

  constructor() {
    super();
    this.problems = [];
    this.changed = undefined;
  }

  async #change(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const [current, newPassword, repeated] = FIELDS.map((f) => String(data.get(f.key) ?? ""));
    this.changed = undefined;
    const changed = await this.act(() =>
      staffApi
        .changePassword({ current: current ?? "", newPassword: newPassword ?? "", repeated: repeated ?? "" })
        .catch((err: unknown) => {
          this.problems = err instanceof StaffApiError ? (err.problems ?? []) : [];
          throw err;
        }),
    );
    if (!changed) {
      const first = FIELDS.find((f) => this.problems.some((p) => p.path === f.key));
      if (first) form.querySelector<HTMLInputElement>(`#${first.id}`)?.select();
      return;
    }
    form.reset();
    this.problems = [];
    this.changed = changed;
  }

  #done(changed: PasswordChanged): TemplateResult {
    return html`<p class="state-ok" role="status">
      ${msg("Your password has been changed. You stay logged in here.", { id: "staff.account.changed" })}
      ${
        changed.otherSessionsEnded > 0
          ? msg(str`Your other sessions (${formatNumber(changed.otherSessionsEnded)}) have ended.`, {
              id: "staff.account.others-ended",
            })
          : nothing
      }
      ${
        changed.file === null
          ? msg("This bridge has no config file: the new password holds until it stops.", {
              id: "staff.account.not-kept",
            })
          : nothing
      }
    </p>`;
  }

  override render(): TemplateResult {
    return html`
      <section class="staff-card" aria-labelledby="account-heading">
        <h2 id="account-heading">${msg("Change my password", { id: "staff.account.heading" })}</h2>
        <p class="staff-hint" id="password-help">
          ${msg(
            str`At least ${formatNumber(STAFF_PASSWORD_MIN_LENGTH)} characters, typed twice. You stay logged in here; your sessions in other browsers end.`,
            { id: "staff.account.help" },
          )}
        </p>
        <form class="staff-form" @submit=${(e: SubmitEvent) => this.#change(e)}>
          ${FIELDS.map((field) => {
            const problem = this.problems.find((p) => p.path === field.key);
            const problemId = `${field.id}-problem`;
            return html`<label for=${field.id}>${field.label()}</label>
              <input id=${field.id} name=${field.key} type="password" required autocomplete=${field.autocomplete}
                maxlength="1024" aria-invalid=${problem ? "true" : "false"}
                aria-describedby=${problem ? `password-help ${problemId}` : "password-help"} />
              ${problem ? html`<p class="staff-problem" id=${problemId} role="alert"><bdi>${problem.message}</bdi></p>` : nothing}`;
          })}
          <button type="submit">${msg("Change my password", { id: "staff.account.heading" })}</button>
        </form>
        ${this.changed ? this.#done(this.changed) : nothing}
      </section>
    `;
  }
}

customElements.define("account-page", AccountPage);
