/**
 * What every page of the staff console shares: light DOM (staff.css styles it), the live kiosk status the
 * shell hands down, and `act()`, which runs a bridge call and reports its outcome to the shell as an event,
 * so one place shows errors and one place notices that the staff session has ended.
 */
import { updateWhenLocaleChanges } from "@lit/localize";
import { html, LitElement, type PropertyDeclarations, type TemplateResult } from "lit";
import type { StaffStatus } from "../../../../protocols/staff-api/schema.ts";

/** Bubbles to the shell after each `act()`: `detail` is the error, or null when the call succeeded. */
export const OUTCOME_EVENT = "console-outcome";
/** Bubbles to the shell when a reply carries a fresher kiosk status than the live stream has sent yet. */
export const STATUS_EVENT = "console-status";

export abstract class ConsolePage extends LitElement {
  static override properties: PropertyDeclarations = { status: { attribute: false } };

  /** The kiosk's live status (the shell's server-sent events); undefined until the first one arrives. */
  declare status: StaffStatus | undefined;

  constructor() {
    super();
    // A page re-renders in the language chosen in the header.
    updateWhenLocaleChanges(this);
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** Runs a call to the bridge; resolves with its reply, or undefined when it failed (the shell shows why). */
  protected async act<T>(action: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await action();
      this.dispatchEvent(new CustomEvent(OUTCOME_EVENT, { bubbles: true, detail: null }));
      return result;
    } catch (err) {
      this.dispatchEvent(new CustomEvent(OUTCOME_EVENT, { bubbles: true, detail: err }));
      return undefined;
    }
  }

  /** Hands a status from a reply to the shell, so the whole console shows it before the next live event. */
  protected statusChanged(status: StaffStatus): void {
    this.dispatchEvent(new CustomEvent(STATUS_EVENT, { bubbles: true, detail: status }));
  }
}

/** An error as a sentence for the screen. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // The bridge's messages start lower-case (they are also log lines); on screen they are sentences.
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A table's head row: one column heading per name. */
export function columnHeads(names: readonly string[]): TemplateResult {
  return html`<thead><tr>${names.map((name) => html`<th scope="col">${name}</th>`)}</tr></thead>`;
}
