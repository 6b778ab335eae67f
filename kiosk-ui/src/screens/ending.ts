/** The end of a visit: the receipt choice and goodbye. */
import { msg, str } from "@lit/localize";
import { html, nothing } from "lit";
import type { ReceiptMethod } from "../../../protocols/kiosk-api/schema.ts";
import { art } from "../components/art.ts";
import { formatNumber } from "../i18n/format.ts";
import { frame, icon } from "./parts.ts";
import type { View } from "./view.ts";

const RESULT_WORDS = {
  printed: () => msg("Your receipt is printing. Take it from the printer slot.", { id: "receipt.printed" }),
  emailed: () => msg("Your receipt is on its way to your email.", { id: "receipt.emailed" }),
  none: () => msg("No receipt.", { id: "receipt.none-chosen" }),
  failed: () => msg("We could not make your receipt. Choose another way, or ask staff.", { id: "receipt.failed" }),
};

/** The picture shows the way the receipt can come: a printer only while printing is offered. */
function receiptArt(methods: readonly ReceiptMethod[]) {
  if (methods.includes("print")) return art("receipt");
  if (methods.includes("email")) return art("email");
  return nothing;
}

function printerDown(view: View): boolean {
  return view.state.devices.some((d) => d.kind === "printer" && (d.health === "down" || d.health === "degraded"));
}

export function receipt(view: View) {
  const r = view.state.receipt;
  const methods: ReceiptMethod[] = r?.methods ?? ["none"];
  const email = view.state.patron?.emailMasked;
  const label: Record<ReceiptMethod, string> = {
    print: msg("Print a receipt", { id: "receipt.print" }),
    email: email
      ? msg(str`Email it to ${email}`, { id: "receipt.email-to" })
      : msg("Email it to me", { id: "receipt.email" }),
    none: msg("No receipt, thanks", { id: "receipt.none" }),
  };
  // The first offered method is the primary action; "none" is never primary if there is another.
  const ordered = [...methods].sort((a, b) => Number(a === "none") - Number(b === "none"));
  return frame({
    name: "receipt",
    title: msg("Would you like a receipt?", { id: "receipt.title" }),
    lead: r?.result ? RESULT_WORDS[r.result]() : undefined,
    error: view.error,
    body: html`
      ${
        r?.provisional
          ? html`<p class="notice notice-attention">${icon("warn")}${msg(
              "The library system is offline: this receipt lists what we recorded, and the library confirms it later.",
              { id: "receipt.provisional" },
            )}</p>`
          : nothing
      }
      ${
        !methods.includes("print") && printerDown(view)
          ? html`<p class="guidance">${msg("The printer is not working right now.", { id: "receipt.printer-down" })}</p>`
          : nothing
      }
      ${receiptArt(methods)}
    `,
    actions: html`${ordered.map(
      (
        m,
        i,
      ) => html`<button type="button" class=${i === 0 ? "primary" : "secondary"} data-method=${m} @click=${() => view.send("chooseReceipt", { method: m })}>
        ${label[m]}
      </button>`,
    )}`,
  });
}

export function goodbye(view: View) {
  const name = view.state.patron?.firstName;
  const result = view.state.receipt?.result;
  const idle = view.state.idle;
  const secondsLeft = idle ? Math.max(0, Math.ceil((idle.deadline - view.now) / 1000)) : undefined;
  return frame({
    name: "goodbye",
    title: name
      ? msg(str`Thank you, ${name}!`, { id: "goodbye.title" })
      : msg("Thank you!", { id: "goodbye.title-anon" }),
    lead: result ? RESULT_WORDS[result]() : msg("See you soon.", { id: "goodbye.lead" }),
    body: html`
      <div class="art art-done" aria-hidden="true">${icon("ok")}</div>
      ${
        secondsLeft !== undefined
          ? html`<p class="muted">${msg(str`This screen returns to the start in ${formatNumber(secondsLeft)} seconds.`, { id: "goodbye.countdown" })}</p>`
          : nothing
      }
    `,
    actions: html`<button type="button" class="primary" @click=${() => view.send("endSession", {})}>
      ${msg("Done", { id: "goodbye.done" })}
    </button>`,
  });
}
