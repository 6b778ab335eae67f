/**
 * The offline queue (issue 9): what the kiosk did while the ILS was down and has not yet sent, sending it now,
 * and the transactions that need staff: a conflict (the ILS refused what the kiosk already did) is repaired by
 * hand and marked resolved with a note; an entry whose outcome nobody knows is sent again or marked resolved.
 * Patrons appear only as the last four characters of their card, on the entries staff must repair.
 */
import { msg, str } from "@lit/localize";
import { html, nothing, type PropertyValues, type TemplateResult } from "lit";
import type { QueueEntry, QueueReply } from "../../../../protocols/staff-api/schema.ts";
import { formatDateTime, formatNumber } from "../i18n/format.ts";
import { staffApi } from "../staff-client.ts";
import { TRANSACTION_WORDS, wordFor } from "../words.ts";
import { ConsolePage, columnHeads } from "./console-page.ts";

const STATE_WORDS: Readonly<Record<QueueEntry["state"], () => string>> = {
  pending: () => msg("Waiting to be sent", { id: "staff.offline-queue.pending" }),
  sending: () => msg("Being sent", { id: "staff.offline-queue.sending" }),
  done: () => msg("Done", { id: "staff.offline-queue.done" }),
  refused: () => msg("Refused", { id: "staff.offline-queue.refused" }),
  conflict: () => msg("Refused by the ILS", { id: "staff.offline-queue.conflict" }),
  unknown: () => msg("Outcome unknown", { id: "staff.offline-queue.unknown" }),
  resolved: () => msg("Resolved by staff", { id: "staff.offline-queue.resolved" }),
};

const NEEDS_STAFF: ReadonlySet<QueueEntry["state"]> = new Set(["conflict", "unknown"]);

/** A kind or state the console has no words for (a newer bridge) shows as the bridge names it. */
const kindOf = (entry: QueueEntry) => wordFor(TRANSACTION_WORDS, entry.kind);
const stateOf = (entry: QueueEntry) => STATE_WORDS[entry.state]?.() ?? entry.state;

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
      input.setCustomValidity(
        msg("Say what you did, e.g. “Lent at the desk”.", { id: "staff.offline-queue.note-needed" }),
      );
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
        <h2 id="queue-heading">${msg("Offline queue", { id: "staff.offline-queue.heading" })}</h2>
        ${queue ? this.#summary(queue, waiting.length) : html`<p>${msg("Loading the queue…", { id: "staff.offline-queue.loading" })}</p>`}
      </section>
      ${
        queue
          ? html`
            <section class="staff-card" aria-labelledby="queue-staff-heading">
              <h2 id="queue-staff-heading">${msg(str`Needs staff (${formatNumber(forStaff.length)})`, { id: "staff.offline-queue.for-staff" })}</h2>
              ${
                forStaff.length === 0
                  ? html`<p>${msg("Nothing needs staff.", { id: "staff.offline-queue.none-for-staff" })}</p>`
                  : forStaff.map((entry) => this.#staffEntry(entry))
              }
            </section>
            <section class="staff-card" aria-labelledby="queue-waiting-heading">
              <h2 id="queue-waiting-heading">${msg(str`Waiting to be sent (${formatNumber(waiting.length)})`, { id: "staff.offline-queue.waiting" })}</h2>
              ${
                waiting.length === 0
                  ? html`<p>${msg("Nothing waits: the ILS has everything.", { id: "staff.offline-queue.none-waiting" })}</p>`
                  : this.#waitingTable(waiting)
              }
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
        <dt>${msg("Lending", { id: "staff.offline-queue.lending" })}</dt>
        <dd class=${queue.offlineMode ? "state-bad" : "state-ok"}>
          ${
            queue.offlineMode
              ? msg("Offline: the kiosk lends from its journal", { id: "staff.offline-queue.lending-offline" })
              : msg("Online", { id: "staff.offline-queue.lending-online" })
          }
        </dd>
        <dt>${msg("Last sent", { id: "staff.offline-queue.last-sent" })}</dt>
        <dd>
          ${
            last
              ? html`${msg(str`${formatDateTime(last.at)}: ${formatNumber(last.handled)} handled`, { id: "staff.offline-queue.handled" })}${
                  last.stoppedAt
                    ? html`<span class="state-bad">${msg(str`, stopped: ${last.stoppedAt.message}`, { id: "staff.offline-queue.stopped" })}</span>`
                    : nothing
                }`
              : msg("Never", { id: "staff.offline-queue.never" })
          }
        </dd>
        ${
          queue.blocklistProblem
            ? html`<dt>${msg("Blocked cards list", { id: "staff.offline-queue.blocklist" })}</dt><dd class="state-bad"><bdi>${queue.blocklistProblem}</bdi></dd>`
            : nothing
        }
      </dl>
      <div class="staff-inline">
        <button type="button" ?disabled=${this.busy || queue.replaying || waiting === 0} @click=${() => this.#run(() => staffApi.replayQueue())}>
          ${
            queue.replaying
              ? msg("Sending…", { id: "staff.offline-queue.sending-now" })
              : msg("Send to the ILS now", { id: "staff.offline-queue.send" })
          }
        </button>
      </div>
    `;
  }

  #staffEntry(entry: QueueEntry): TemplateResult {
    const noteId = `note-${entry.id}`;
    return html`
      <article class="staff-result" data-entry=${entry.id}>
        <h3>${msg(str`${kindOf(entry)} of ${entry.itemId ?? "—"}: ${stateOf(entry)}`, { id: "staff.offline-queue.entry" })}</h3>
        <dl class="staff-facts">
          <dt>${msg("When", { id: "staff.offline-queue.when" })}</dt>
          <dd>
            ${formatDateTime(entry.transactedAt)}${entry.offline ? msg(" (offline)", { id: "staff.offline-queue.was-offline" }) : ""}
          </dd>
          ${entry.patron ? html`<dt>${msg("Card", { id: "staff.offline-queue.card" })}</dt><dd><code>${entry.patron}</code></dd>` : nothing}
          <dt>${msg("The ILS said", { id: "staff.offline-queue.ils-said" })}</dt>
          <dd>
            ${
              entry.resultCode
                ? html`<code>${entry.resultCode}</code> <bdi>${entry.resultMessage ?? ""}</bdi>`
                : msg("nothing (the answer was lost)", { id: "staff.offline-queue.answer-lost" })
            }
          </dd>
          ${entry.note ? html`<dt>${msg("Note", { id: "staff.offline-queue.note" })}</dt><dd><bdi>${entry.note}</bdi></dd>` : nothing}
        </dl>
        <form class="staff-inline" @submit=${(e: SubmitEvent) => this.#resolve(e, entry)}>
          <label for=${noteId}>${msg("Staff note", { id: "staff.offline-queue.staff-note" })}</label>
          <input id=${noteId} name="note" maxlength="500" size="32"
            placeholder=${msg("What you did, e.g. Lent at the desk", { id: "staff.offline-queue.note-example" })} />
          ${
            entry.state === "unknown"
              ? html`<button type="submit" class="secondary" name="action" value="retry" ?disabled=${this.busy}>
                ${msg("Send again", { id: "staff.offline-queue.retry" })}
              </button>`
              : nothing
          }
          <button type="submit" name="action" value="resolve" ?disabled=${this.busy}>
            ${msg("Mark resolved", { id: "staff.offline-queue.resolve" })}
          </button>
        </form>
      </article>
    `;
  }

  #waitingTable(entries: readonly QueueEntry[]): TemplateResult {
    return html`
      <table class="staff-table">
        ${columnHeads([
          msg("When", { id: "staff.offline-queue.when" }),
          msg("Kind", { id: "staff.offline-queue.kind" }),
          msg("Item", { id: "staff.offline-queue.item" }),
          msg("State", { id: "staff.offline-queue.state" }),
          msg("Attempts", { id: "staff.offline-queue.attempts" }),
        ])}
        <tbody>
          ${entries.map(
            (e) => html`<tr data-entry=${e.id}>
              <td>${formatDateTime(e.transactedAt)}</td>
              <td>${kindOf(e)}</td>
              <td><code>${e.itemId ?? "—"}</code></td>
              <td>${stateOf(e)}</td>
              <td>${formatNumber(e.attempts)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    `;
  }
}

customElements.define("offline-queue-page", OfflineQueuePage);
