/**
 * The offline queue (issue 9): what the kiosk did while the ILS was down and has not yet sent, sending it now,
 * and the transactions that need staff: a conflict (the ILS refused what the kiosk already did) is repaired by
 * hand and marked resolved with a note; an entry whose outcome nobody knows is sent again or marked resolved.
 * Patrons appear only as the last four characters of their card, on the entries staff must repair.
 */
import { html, nothing, type PropertyValues, type TemplateResult } from "lit";
import type { QueueEntry, QueueReply } from "../../../../protocols/staff-api/schema.ts";
import { staffApi } from "../staff-client.ts";
import { ConsolePage, columnHeads } from "./console-page.ts";

const KIND_WORDS: Readonly<Record<QueueEntry["kind"], string>> = {
  checkout: "Loan",
  checkin: "Return",
  renew: "Renewal",
  "fee-payment": "Fee payment",
};

const STATE_WORDS: Readonly<Record<QueueEntry["state"], string>> = {
  pending: "Waiting to be sent",
  sending: "Being sent",
  done: "Done",
  refused: "Refused",
  conflict: "Refused by the ILS",
  unknown: "Outcome unknown",
  resolved: "Resolved by staff",
};

const NEEDS_STAFF: ReadonlySet<QueueEntry["state"]> = new Set(["conflict", "unknown"]);

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

export class OfflineQueuePage extends ConsolePage {
  static override properties = { queue: { state: true }, busy: { state: true } };

  declare queue: QueueReply | undefined;
  /** A call is under way (replay, retry, resolve): its buttons wait. */
  declare busy: boolean;

  /** The queue's numbers the list was last loaded for; the live status changing them reloads it. */
  #loadedFor = "";

  constructor() {
    super();
    this.queue = undefined;
    this.busy = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#load();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("status") && this.queue && JSON.stringify(this.status?.offlineQueue) !== this.#loadedFor) {
      void this.#load();
    }
  }

  async #load(): Promise<void> {
    this.#loadedFor = JSON.stringify(this.status?.offlineQueue);
    const queue = await this.act(() => staffApi.offlineQueue());
    if (queue) this.queue = queue;
  }

  async #run(action: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    await this.act(action);
    this.busy = false;
    await this.#load();
  }

  #resolve(event: SubmitEvent, entry: QueueEntry): void {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const note = String(new FormData(form).get("note") ?? "").trim();
    const action = (event.submitter as HTMLButtonElement | null)?.value;
    if (action === "retry") {
      void this.#run(() => staffApi.retryEntry(entry.id, note));
    } else if (note) {
      void this.#run(() => staffApi.resolveEntry(entry.id, note));
    } else {
      const input = form.elements.namedItem("note") as HTMLInputElement;
      input.setCustomValidity("Say what you did, e.g. “Lent at the desk”.");
      input.reportValidity();
      input.addEventListener("input", () => input.setCustomValidity(""), { once: true });
    }
  }

  override render(): TemplateResult {
    const queue = this.queue;
    const waiting = queue?.entries.filter((e) => !NEEDS_STAFF.has(e.state)) ?? [];
    const forStaff = queue?.entries.filter((e) => NEEDS_STAFF.has(e.state)) ?? [];
    return html`
      <section class="staff-card" aria-labelledby="queue-heading">
        <h2 id="queue-heading">Offline queue</h2>
        ${queue ? this.#summary(queue, waiting.length) : html`<p>Loading the queue…</p>`}
      </section>
      ${
        queue
          ? html`
            <section class="staff-card" aria-labelledby="queue-staff-heading">
              <h2 id="queue-staff-heading">Needs staff (${forStaff.length})</h2>
              ${
                forStaff.length === 0
                  ? html`<p>Nothing needs staff.</p>`
                  : forStaff.map((entry) => this.#staffEntry(entry))
              }
            </section>
            <section class="staff-card" aria-labelledby="queue-waiting-heading">
              <h2 id="queue-waiting-heading">Waiting to be sent (${waiting.length})</h2>
              ${waiting.length === 0 ? html`<p>Nothing waits: the ILS has everything.</p>` : this.#waitingTable(waiting)}
            </section>
          `
          : nothing
      }
    `;
  }

  #summary(queue: QueueReply, waiting: number): TemplateResult {
    const last = queue.lastReplay;
    return html`
      <dl class="staff-facts">
        <dt>Lending</dt>
        <dd class=${queue.offlineMode ? "state-bad" : "state-ok"}>
          ${queue.offlineMode ? "Offline: the kiosk lends from its journal" : "Online"}
        </dd>
        <dt>Last sent</dt>
        <dd>
          ${
            last
              ? html`${when(last.at)}: ${last.handled} handled${
                  last.stoppedAt ? html`, <span class="state-bad">stopped: ${last.stoppedAt.message}</span>` : nothing
                }`
              : "Never"
          }
        </dd>
        ${queue.blocklistProblem ? html`<dt>Blocked cards list</dt><dd class="state-bad">${queue.blocklistProblem}</dd>` : nothing}
      </dl>
      <div class="staff-inline">
        <button type="button" ?disabled=${this.busy || queue.replaying || waiting === 0} @click=${() => this.#run(() => staffApi.replayQueue())}>
          ${queue.replaying ? "Sending…" : "Send to the ILS now"}
        </button>
      </div>
    `;
  }

  #staffEntry(entry: QueueEntry): TemplateResult {
    const noteId = `note-${entry.id}`;
    return html`
      <article class="staff-result" data-entry=${entry.id}>
        <h3>${KIND_WORDS[entry.kind]} of <code>${entry.itemId ?? "—"}</code>: ${STATE_WORDS[entry.state]}</h3>
        <dl class="staff-facts">
          <dt>When</dt>
          <dd>${when(entry.transactedAt)}${entry.offline ? " (offline)" : ""}</dd>
          ${entry.patron ? html`<dt>Card</dt><dd><code>${entry.patron}</code></dd>` : nothing}
          <dt>The ILS said</dt>
          <dd>${entry.resultCode ? html`<code>${entry.resultCode}</code> ${entry.resultMessage ?? ""}` : "nothing (the answer was lost)"}</dd>
          ${entry.note ? html`<dt>Note</dt><dd>${entry.note}</dd>` : nothing}
        </dl>
        <form class="staff-inline" @submit=${(e: SubmitEvent) => this.#resolve(e, entry)}>
          <label for=${noteId}>Staff note</label>
          <input id=${noteId} name="note" maxlength="500" size="32" placeholder="What you did, e.g. Lent at the desk" />
          ${
            entry.state === "unknown"
              ? html`<button type="submit" class="secondary" name="action" value="retry" ?disabled=${this.busy}>Send again</button>`
              : nothing
          }
          <button type="submit" name="action" value="resolve" ?disabled=${this.busy}>Mark resolved</button>
        </form>
      </article>
    `;
  }

  #waitingTable(entries: readonly QueueEntry[]): TemplateResult {
    return html`
      <table class="staff-table">
        ${columnHeads(["When", "Kind", "Item", "State", "Attempts"])}
        <tbody>
          ${entries.map(
            (e) => html`<tr data-entry=${e.id}>
              <td>${when(e.transactedAt)}</td>
              <td>${KIND_WORDS[e.kind]}</td>
              <td><code>${e.itemId ?? "—"}</code></td>
              <td>${STATE_WORDS[e.state]}</td>
              <td>${e.attempts}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    `;
  }
}

customElements.define("offline-queue-page", OfflineQueuePage);
