/**
 * Issue 9: a card payment taken while the ILS is dead is on the patron's receipt, printed and emailed. The
 * real stack (ACS simulator over TCP, the simulated card terminal and ESC/POS printer, the bridge) and a
 * local SMTP server: the ACS dies while the card is at the terminal, the terminal approves, and the receipt
 * the printer renders from its bytes, and the mail the SMTP server receives, list the payment with its amount,
 * the terminal's authorization and the provisional line. When the ACS is back, the journal sends the 37 once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../../simulators/stack.ts";
import { KioskClient } from "../support/kiosk-client.ts";
import { type LocalSmtp, startSmtp } from "../support/smtp.ts";
import { control } from "./stack-http.ts";

// simulators/acs/fixtures/CASES.md: "fines-under-limit" owes F0003 (2.50), "fines-over-limit" F0001 and F0002.
const GRETA = { card: "24711000000087", fee: "F0003", amount: "2.50" };
const FARID = { card: "24711000000079", fee: "F0001", amount: "4.50" };
const PROVISIONAL = "Provisional: will be recorded when the library system is back.";

let stack: Stack;
let smtp: LocalSmtp;
let ui: KioskClient;

beforeAll(async () => {
  smtp = await startSmtp();
  stack = await startStack({
    backoff: { initialMs: 10, maxMs: 200 },
    sip2: { timeoutMs: 1500, connectTimeoutMs: 1500 },
    kiosk: { pinRequired: false },
    receipts: { email: { host: "127.0.0.1", port: smtp.port, secure: false, from: "kiosk@library.example" } },
  });
  await stack.registry.whenAllOk(10_000);
  ui = await KioskClient.open(`${stack.bridge.server?.url.replace(/^http/, "ws")}/api/kiosk`);
  await ui.until((s) => s.ils.status === "online");
  await control(stack, "/sims/payment/setMode", { mode: "manual" });
});

afterAll(async () => {
  ui?.close();
  await stack?.stop();
  await smtp?.close();
});

/** Whitespace made single spaces: receipts wrap long lines to the paper, mail to 76 characters. */
const flat = (text: string) => text.replace(/\s+/g, " ");

/** A quoted-printable mail body as text (RFC 2045 6.7: soft line breaks, =XX bytes in UTF-8). */
function mailText(data: string): string {
  const joined = data.replace(/=\r?\n/g, "");
  return Buffer.from(
    joined.replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    "latin1",
  ).toString("utf8");
}

/** Signs the patron in, starts paying the fee, kills the ACS while the card is at the terminal, approves it. */
async function payWhileIlsDies(patron: typeof GRETA): Promise<string> {
  await ui.send({ type: "identify", credential: patron.card });
  await ui.until((s) => s.phase === "home");
  await ui.send({ type: "show", screen: "fees" });
  await ui.until((s) => s.phase === "fees" && s.can.pay);
  expect(await ui.send({ type: "payFees", feeIds: [patron.fee] })).toMatchObject({ ok: true });
  await ui.until((s) => s.payment?.status === "waiting-card");
  stack.acs.server.faults.set({ dropAfter: 0 }); // no connection gets through any more
  stack.acs.server.disconnect();
  await ui.until((s) => s.ils.status !== "online");
  await control(stack, "/sims/payment/answer", { outcome: "approved" });
  await ui.until((s) => s.payment?.status === "provisional");
  const charges = (await control(stack, "/sims/payment/charges")) as Array<{ outcome: string; authorization?: string }>;
  const authorization = charges.at(-1)?.authorization;
  expect(authorization).toMatch(/^SIM/);
  await ui.send({ type: "finish" });
  await ui.until((s) => s.phase === "receipt" && s.receipt?.provisional === true);
  return authorization as string;
}

/** The ACS comes back and the journal's 37 reaches it: the fee is paid once. */
async function ilsBack(patron: typeof GRETA): Promise<void> {
  stack.acs.server.faults.clear();
  await ui.until((s) => s.ils.status === "online" && s.ils.offlineMode === false);
  await expect.poll(() => stack.acs.ils.feesOf(patron.card).find((f) => f.id === patron.fee)?.balance).toBe(0);
  expect(stack.acs.ils.paymentsOf(patron.card)).toHaveLength(1);
}

/** How each receipt is taken, and its text as the patron gets it. */
const DELIVERIES = [
  {
    method: "print",
    patron: GRETA,
    notice: "RECEIPT_PRINTED",
    text: async () => ((await control(stack, "/sims/printer/receipts")) as Array<{ text: string }>).at(-1)?.text,
  },
  {
    method: "email",
    patron: FARID,
    notice: "RECEIPT_EMAILED",
    text: async () => {
      expect(smtp.messages.map((m) => m.to)).toEqual([["farid.haddad@example.org"]]);
      return mailText(smtp.messages[0]?.data ?? "");
    },
  },
] as const;

describe("a card payment taken while the ILS is dead", () => {
  it.each(DELIVERIES)(
    "is on the $method receipt with its amount, the terminal's authorization and the provisional line",
    async ({ method, patron, notice, text }) => {
      const authorization = await payWhileIlsDies(patron);
      await ui.send({ type: "chooseReceipt", method });
      await ui.untilNotice(notice);
      const receipt = flat((await text()) ?? "");
      expect(receipt).toContain("Card payment");
      expect(receipt).toContain(patron.amount);
      expect(receipt).toContain(`Authorization: ${authorization}`);
      expect(receipt).toContain(PROVISIONAL);
      expect(receipt).not.toContain(patron.card);
      await ui.send({ type: "endSession" });
      await ui.until((s) => s.phase === "idle");
      await ilsBack(patron);
    },
  );
});
