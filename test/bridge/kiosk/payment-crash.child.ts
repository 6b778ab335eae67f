/**
 * A kiosk taking a card payment, to be killed with SIGKILL by payment-crash.test.ts. Run with
 * `node --import tsx payment-crash.child.ts DB STAGE`: the real engine and journaled ILS on the SQLite file
 * DB, the simulated terminal approving at once. It prints `APPROVED <authorization>` the moment the terminal
 * approves (before anything else runs: STAGE `approval` stops there). With STAGE `provisional` the ILS dies
 * while the card is at the terminal, and `PROVISIONAL` is printed once the patron has been told the payment
 * is provisional. With STAGE `approved` the ILS stays up, and `PREPARING` is printed when the first fee's
 * 37 is about to be prepared (the engine has had the approval; no 37 has gone). Then it waits to be killed.
 */
import { writeSync } from "node:fs";
import { openKioskDatabase } from "../../../bridge/kiosk/database.ts";
import { KioskEngine } from "../../../bridge/kiosk/engine.ts";
import { OfflineJournal } from "../../../bridge/kiosk/journal.ts";
import { JournaledIls } from "../../../bridge/kiosk/journaled-ils.ts";
import { OfflinePolicy } from "../../../bridge/kiosk/offline-policy.ts";
import type { PaymentPort } from "../../../bridge/kiosk/ports.ts";
import { IlsUnavailable } from "../../../bridge/kiosk/sip2-ils.ts";
import { createLogger } from "../../../bridge/log/logger.ts";
import { systemClock } from "../../../bridge/transports/clock.ts";
import { SimulatedPaymentTerminal } from "../../../simulators/payment/terminal.ts";
import { PATRON, PIN, patronRecord, ScriptedIls } from "./engine-helpers.ts";

const [dbPath, stage] = process.argv.slice(2);
if (!dbPath || (stage !== "approval" && stage !== "provisional" && stage !== "approved")) {
  throw new Error("usage: payment-crash.child.ts DB approval|provisional|approved");
}
const clock = systemClock;
const journal = new OfflineJournal(openKioskDatabase(dbPath), { clock });
const inner = new ScriptedIls();
inner.patron = () => ({
  ...patronRecord({
    fees: [
      { id: "F1", amount: { value: "2.50", currency: "EUR" }, kind: "overdue" },
      { id: "F2", amount: { value: "0.75", currency: "EUR" }, kind: "other" },
    ],
    feesTotal: { value: "3.25", currency: "EUR" },
  }),
  pinOk: true,
});
const unreachable = () => Promise.reject(new IlsUnavailable("ILS_OFFLINE", "the ILS is dead"));
const forever = new Promise<never>(() => undefined);
const preparing = () => {
  writeSync(1, "PREPARING\n");
  return forever;
};
const logger = createLogger({ level: "silent" });
const ils = new JournaledIls({
  ils: inner,
  executor: { send: unreachable, inquire: unreachable, prepare: preparing },
  journal,
  policy: new OfflinePolicy({ enabled: true, maxItemsPerPatron: 5 }, { openOfflineCheckouts: () => 0 }),
  clock,
  logger,
  identifyOffline: true,
});
const simulated = new SimulatedPaymentTerminal({ clock, mode: "approve", processingMs: 0 });
const terminal: PaymentPort = {
  async charge(request, abort) {
    if (stage !== "approved") inner.setStatus("down"); // the ILS dies while the patron's card is at the terminal
    const outcome = await simulated.charge(request, abort);
    if (outcome.status === "approved") {
      writeSync(1, `APPROVED ${outcome.authorization}\n`);
      if (stage === "approval") await forever;
    }
    return outcome;
  },
};
const engine = new KioskEngine({ ports: { ils, payment: terminal }, clock, logger });
engine.subscribe((message) => {
  if (message.type === "state" && message.state.payment?.status === "provisional") writeSync(1, "PROVISIONAL\n");
});
await engine.execute({ type: "identify", credential: PATRON, id: "1" });
await engine.execute({ type: "verifyPin", pin: PIN, id: "2" });
await engine.execute({ type: "show", screen: "fees", id: "3" });
await engine.execute({ type: "payFees", feeIds: ["F1", "F2"], id: "4" });
setInterval(() => undefined, 60_000); // waits to be killed
