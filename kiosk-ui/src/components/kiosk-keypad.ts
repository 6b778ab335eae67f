/**
 * On-screen entry for a card number, a PIN or an item barcode. A real <input> underneath, so a hardware
 * keyboard or a keyboard-wedge scanner works too; `inputmode="none"` keeps the OS keyboard away. The
 * typed text is the one thing the UI holds itself, and only until it is sent.
 */
import { msg, updateWhenLocaleChanges } from "@lit/localize";
import { html, LitElement, type PropertyValues } from "lit";

/** The delete key ends the last row. */
const DIGIT_ROWS = ["123", "456", "789", "0"];
const ALNUM_ROWS = ["1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM"];

export class KioskKeypad extends LitElement {
  static override properties = {
    layout: {},
    masked: { type: Boolean },
    label: {},
    submitLabel: {},
    maxLength: { type: Number },
    value: { state: true },
  };

  declare layout: "digits" | "alnum";
  declare masked: boolean;
  declare label: string;
  declare submitLabel: string;
  declare maxLength: number;
  declare value: string;

  constructor() {
    super();
    updateWhenLocaleChanges(this);
    this.layout = "digits";
    this.masked = false;
    this.label = "";
    this.submitLabel = "";
    this.maxLength = 32;
    this.value = "";
  }

  protected override createRenderRoot(): HTMLElement {
    return this; // one page stylesheet themes everything (contrast and text size modes)
  }

  /** Empties the field, e.g. after a wrong PIN. */
  clear(): void {
    this.value = "";
  }

  override focus(): void {
    this.querySelector("input")?.focus();
  }

  protected override firstUpdated(_: PropertyValues): void {
    this.focus();
  }

  #press(key: string): void {
    if (this.value.length < this.maxLength) this.value += key;
    this.focus();
  }

  #backspace(): void {
    this.value = this.value.slice(0, -1);
    this.focus();
  }

  #submit(event?: Event): void {
    event?.preventDefault();
    const value = this.value.trim();
    if (!value) return;
    this.dispatchEvent(new CustomEvent("submit-value", { detail: value, bubbles: true }));
  }

  #typed(event: Event): void {
    const input = event.target as HTMLInputElement;
    const allowed = this.layout === "digits" && this.masked ? /[^0-9]/g : /[^\x21-\x7e]/g;
    this.value = input.value.replace(allowed, "").slice(0, this.maxLength);
    input.value = this.value;
  }

  override render() {
    const rows = this.layout === "digits" ? DIGIT_ROWS : ALNUM_ROWS;
    const key = (k: string) => html`<button type="button" class="key" @click=${() => this.#press(k)}>${k}</button>`;
    const backspace = html`<button type="button" class="key key-wide" @click=${this.#backspace} aria-label=${msg("Delete last character", { id: "keypad.delete" })}>
      <span aria-hidden="true">⌫</span>
    </button>`;
    return html`
      <form class="keypad keypad-${this.layout}" @submit=${this.#submit}>
        <label class="keypad-label">
          <span>${this.label}</span>
          <input
            class="keypad-field"
            type=${this.masked ? "password" : "text"}
            inputmode="none"
            autocomplete="off"
            autocapitalize="characters"
            spellcheck="false"
            maxlength=${this.maxLength}
            .value=${this.value}
            @input=${this.#typed}
          />
        </label>
        <div class="keys" dir="ltr">
          ${rows.map((row, i) => html`<div class="key-row">${[...row].map(key)}${i === rows.length - 1 ? backspace : ""}</div>`)}
        </div>
        <button type="submit" class="primary" ?disabled=${!this.value}>
          ${this.submitLabel || msg("OK", { id: "keypad.ok" })}
        </button>
      </form>
    `;
  }
}

customElements.define("kiosk-keypad", KioskKeypad);

declare global {
  interface HTMLElementTagNameMap {
    "kiosk-keypad": KioskKeypad;
  }
}
