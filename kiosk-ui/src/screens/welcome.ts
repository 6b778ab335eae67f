/** Screens before anyone is signed in: out of service, closed, attract, PIN. */
import { msg, str } from "@lit/localize";
import { html, nothing } from "lit";
import "../components/kiosk-keypad.ts";
import { art } from "../components/art.ts";
import { formatNumber, formatOpening } from "../i18n/format.ts";
import { LANGUAGES, languageFor } from "../i18n/localization.ts";
import { frame, keepAsides } from "./parts.ts";
import type { View } from "./view.ts";

export const outOfService = (view: View) =>
  frame({
    name: "out-of-service",
    title: msg("This kiosk is out of service", { id: "oos.title" }),
    lead: msg("Please use another kiosk, or ask at the desk.", { id: "oos.lead" }),
    body: html`
      ${art("closed")}
      ${view.state.outOfService?.message ? html`<p class="staff-message">${view.state.outOfService.message}</p>` : nothing}
    `,
  });

/** The library is closed by its hours: when it opens again, and returns if the kiosk takes them now. */
export const closed = (view: View) => {
  const { hours, can } = view.state;
  return frame({
    name: "closed",
    title: msg("The library is closed", { id: "closed.title" }),
    lead:
      hours?.nextChange !== undefined
        ? opensAgain(hours.nextChange, view.now, hours.timeZone)
        : msg("Please come back during opening hours.", { id: "closed.no-opening" }),
    error: view.error,
    body: art("clock"),
    actions: html`
      ${hours?.returnsWhenClosed && can.checkin ? returnButton(view) : nothing}
      ${languageChoices(view)}
    `,
  });
};

/** "Opens again today at 13:30." / "tomorrow" / "Tuesday" (within the week) / "on Tuesday, January 5". */
function opensAgain(at: number, now: number, timeZone: string): string {
  const { days, weekday, date, time } = formatOpening(at, now, timeZone);
  if (days <= 0) return msg(str`Opens again today at ${time}.`, { id: "closed.opens-today" });
  if (days === 1) return msg(str`Opens again tomorrow at ${time}.`, { id: "closed.opens-tomorrow" });
  if (days < 7) return msg(str`Opens again ${weekday} at ${time}.`, { id: "closed.opens-weekday" });
  return msg(str`Opens again on ${date} at ${time}.`, { id: "closed.opens-date" });
}

/** Returns need no card, so the way in is on the idle screen and, when the library allows it, the closed one. */
function returnButton(view: View) {
  return html`<button type="button" class="secondary" @click=${() => view.send("show", { screen: "checkin" })}>
    ${keepAsides(msg("Return items (no card needed)", { id: "idle.return" }))}
  </button>`;
}

/** The languages the bridge offers that this UI has words for. */
function languageChoices(view: View) {
  const offered = view.hello?.languages ?? LANGUAGES.map((l) => l.code);
  const current = languageFor(view.state.language).code;
  const choices = LANGUAGES.filter((l) => offered.some((tag) => languageFor(tag).code === l.code));
  return html`
    <div class="languages" role="group" aria-label=${msg("Language", { id: "language.label" })}>
      ${choices.map(
        (l) => html`<button
          type="button"
          class="language"
          lang=${l.code}
          dir=${l.dir}
          aria-pressed=${l.code === current ? "true" : "false"}
          @click=${() => view.send("setLanguage", { language: l.code })}
        >${l.name}</button>`,
      )}
    </div>
  `;
}

export { languageChoices };

export function idle(view: View) {
  if (view.entry === "card") {
    return frame({
      name: "idle",
      title: msg("Type your card number", { id: "idle.type-title" }),
      error: view.error,
      body: html`<kiosk-keypad
        layout="digits"
        .label=${msg("Card number", { id: "idle.card-number" })}
        .submitLabel=${msg("Continue", { id: "action.continue" })}
        maxLength="64"
        @submit-value=${(e: CustomEvent<string>) => view.send("identify", { credential: e.detail })}
      ></kiosk-keypad>`,
      actions: html`<button type="button" class="secondary" @click=${() => view.setEntry(undefined)}>
        ${msg("Cancel", { id: "action.cancel" })}
      </button>`,
    });
  }
  const { can } = view.state;
  return frame({
    name: "idle",
    title: msg("Welcome to the library", { id: "idle.title" }),
    lead: can.rfid
      ? msg("Place your library card on the pad, or scan its barcode.", { id: "idle.lead-rfid" })
      : msg("Scan the barcode on your library card.", { id: "idle.lead-scan" }),
    error: view.error,
    body: art("card"),
    actions: html`
      <button type="button" class="secondary" @click=${() => view.setEntry("card")}>
        ${msg("Type my card number", { id: "idle.type" })}
      </button>
      ${can.checkin ? returnButton(view) : nothing}
      ${languageChoices(view)}
    `,
  });
}

export function pin(view: View) {
  const left = view.state.pin?.attemptsLeft;
  return frame({
    name: "pin",
    title: msg("Enter your PIN", { id: "pin.title" }),
    lead:
      left === undefined
        ? msg("Cover the keypad with your hand.", { id: "pin.lead" })
        : msg(str`Cover the keypad with your hand. Tries left: ${formatNumber(left)}.`, { id: "pin.lead-left" }),
    error: view.error,
    body: html`<kiosk-keypad
      layout="digits"
      masked
      .label=${msg("PIN", { id: "pin.label" })}
      .submitLabel=${msg("Sign in", { id: "pin.submit" })}
      maxLength="32"
      @submit-value=${(e: CustomEvent<string>) => {
        (e.target as HTMLElement & { clear(): void }).clear();
        view.send("verifyPin", { pin: e.detail });
      }}
    ></kiosk-keypad>`,
    actions: html`<button type="button" class="secondary" @click=${() => view.send("endSession", {})}>
      ${msg("Cancel", { id: "action.cancel" })}
    </button>`,
  });
}
