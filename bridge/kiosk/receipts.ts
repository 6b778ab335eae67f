/**
 * Receipts after a session: printed on the receipt printer or emailed, in the patron's language. Offered
 * only when they can work now: print when the printer reports it can print (paper in, cover shut), email
 * when SMTP is configured and the ILS has an address for the patron.
 */
import type { Transporter } from "nodemailer";
import type { ItemRow } from "../../protocols/kiosk-api/schema.ts";
import type { ReceiptsConfig } from "../config/schema.ts";
import { DEFAULT_LABELS, type Receipt, type ReceiptItem, type ReceiptLabels } from "../devices/printer/receipt.ts";
import type { ReceiptPrinter } from "../devices/printer/receipt-printer.ts";
import type { ReceiptPort, SessionReceipt } from "./engine.ts";

/** The words of a receipt in each language the kiosk offers. English is the fallback. */
interface Wording {
  /** After the "not done" label (`printed.failed`). */
  askStaff: string;
  provisional: string;
  /** A card payment: its line, the terminal's reference, and what became of it when not simply recorded. */
  payment: string;
  authorization: string;
  paymentProvisional: string;
  paymentNotRecorded: string;
  thanks: string;
  /** The receipt's labels (the printer's own are the library's words, in one language). */
  labels: Omit<ReceiptLabels, "testPage">;
  /** Routing slips, for staff; `{to}` is the destination branch. */
  slip: { "hold-here": string; "hold-elsewhere": string; transit: string; somewhere: string };
}

/** English is the printer's own default wording (its test page line aside). */
const { testPage: _, ...ENGLISH_LABELS } = DEFAULT_LABELS;

export const RECEIPT_WORDING: Readonly<Record<string, Wording>> = {
  en: {
    askStaff: "Please ask staff",
    provisional: "The library system was offline: these loans are recorded and will be confirmed later.",
    payment: "Card payment",
    authorization: "Authorization",
    paymentProvisional: "Provisional: will be recorded when the library system is back.",
    paymentNotRecorded: "Not recorded by the library system: please show this receipt to staff.",
    thanks: "Thank you for using the library.",
    labels: ENGLISH_LABELS,
    slip: {
      "hold-here": "HOLD: put it on the hold shelf here",
      "hold-elsewhere": "HOLD: send it to {to}",
      transit: "TRANSIT: send it to {to}",
      somewhere: "its home library",
    },
  },
  es: {
    askStaff: "Consulte al personal",
    provisional: "El sistema de la biblioteca no estaba disponible: estos préstamos se confirmarán más tarde.",
    payment: "Pago con tarjeta",
    authorization: "Autorización",
    paymentProvisional: "Provisional: se registrará cuando el sistema de la biblioteca vuelva a funcionar.",
    paymentNotRecorded: "No registrado por el sistema de la biblioteca: muestre este recibo al personal.",
    thanks: "Gracias por usar la biblioteca.",
    labels: {
      title: {
        checkout: "Recibo de préstamo",
        checkin: "Recibo de devolución",
        renew: "Recibo de renovación",
        fees: "Recibo de pago",
      },
      due: "Vence",
      patron: "Usuario",
      newDue: "Nueva fecha de vencimiento",
      returned: "Devuelto",
      item: "Ejemplar",
      failed: "No realizado",
      items: "Documentos",
      transaction: "Transacción",
    },
    slip: {
      "hold-here": "RESERVA: colóquelo en el estante de reservas de aquí",
      "hold-elsewhere": "RESERVA: envíelo a {to}",
      transit: "TRÁNSITO: envíelo a {to}",
      somewhere: "su biblioteca de origen",
    },
  },
  fr: {
    askStaff: "Adressez-vous au personnel",
    provisional: "Le système de la bibliothèque était hors ligne : ces prêts seront confirmés plus tard.",
    payment: "Paiement par carte",
    authorization: "Autorisation",
    paymentProvisional: "Provisoire : sera enregistré au retour du système de la bibliothèque.",
    paymentNotRecorded: "Non enregistré par le système de la bibliothèque : montrez ce reçu au personnel.",
    thanks: "Merci d'utiliser la bibliothèque.",
    labels: {
      title: {
        checkout: "Reçu de prêt",
        checkin: "Reçu de retour",
        renew: "Reçu de prolongation",
        fees: "Reçu de paiement",
      },
      due: "À rendre le",
      patron: "Usager",
      newDue: "Nouvelle date de retour",
      returned: "Rendu",
      item: "Exemplaire",
      failed: "Non effectué",
      items: "Documents",
      transaction: "Transaction",
    },
    slip: {
      "hold-here": "RÉSERVATION : à mettre sur l’étagère des réservations ici",
      "hold-elsewhere": "RÉSERVATION : à envoyer à {to}",
      transit: "TRANSIT : à envoyer à {to}",
      somewhere: "sa bibliothèque d’origine",
    },
  },
  ar: {
    askStaff: "يرجى مراجعة الموظفين",
    provisional: "كان نظام المكتبة غير متصل: سيتم تأكيد هذه الإعارات لاحقًا.",
    payment: "دفع بالبطاقة",
    authorization: "رقم التفويض",
    paymentProvisional: "مؤقت: سيُسجَّل عند عودة نظام المكتبة.",
    paymentNotRecorded: "لم يسجله نظام المكتبة: يرجى عرض هذا الإيصال على الموظفين.",
    thanks: "شكرًا لاستخدامك المكتبة.",
    labels: {
      title: { checkout: "إيصال الإعارة", checkin: "إيصال الإرجاع", renew: "إيصال التجديد", fees: "إيصال الدفع" },
      due: "تاريخ الإرجاع",
      patron: "المستفيد",
      newDue: "تاريخ الإرجاع الجديد",
      returned: "أُرجعت",
      item: "النسخة",
      failed: "لم تتم",
      items: "المواد",
      transaction: "المعاملة",
    },
    slip: {
      "hold-here": "حجز: ضعه على رف الحجوزات هنا",
      "hold-elsewhere": "حجز: أرسله إلى {to}",
      transit: "نقل: أرسله إلى {to}",
      somewhere: "مكتبته الأصلية",
    },
  },
};

export function wordingFor(language: string): Wording {
  return RECEIPT_WORDING[language] ?? RECEIPT_WORDING[language.split("-")[0] ?? ""] ?? (RECEIPT_WORDING.en as Wording);
}

/**
 * The lines a receipt lists: what went through, what did not with a note, and each card payment with its
 * amount and the terminal's authorization reference.
 */
function receiptItems(receipt: SessionReceipt, words: Wording): ReceiptItem[] {
  const payments = receipt.payments.map((payment): ReceiptItem => {
    const lines = [`${words.authorization}: ${payment.authorization}`];
    if (payment.status === "provisional") lines.push(words.paymentProvisional);
    if (payment.status === "not-recorded") lines.push(words.paymentNotRecorded);
    const amount = { amount: Number(payment.amount.value), currency: payment.amount.currency };
    return { title: words.payment, amount, lines };
  });
  return [...receipt.items.map((row) => rowItem(row, words)), ...payments];
}

/**
 * A due date as the printer formats it in the library's zone: an instant as it is, a bare day at noon UTC so
 * no zone within ±12 h moves it to another day.
 */
function dueDay(iso: string): Date | string {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T12:00:00Z` : iso);
  return Number.isFinite(date.getTime()) ? date : iso;
}

function rowItem(row: ItemRow, words: Wording): ReceiptItem {
  const item: ReceiptItem = { title: row.title ?? row.itemId, itemId: row.itemId };
  if (row.dueDate) item.dueDate = dueDay(row.dueDate);
  if (row.status === "refused") {
    item.ok = false;
    item.note = words.askStaff;
  }
  return item;
}

function formatDate(when: Date | string, language: string): string {
  const date = when instanceof Date ? when : new Date(when);
  return Number.isNaN(date.getTime())
    ? String(when)
    : new Intl.DateTimeFormat(language, { dateStyle: "long" }).format(date);
}

function formatMoney(money: { amount: number; currency: string }, language: string): string {
  return new Intl.NumberFormat(language, { style: "currency", currency: money.currency }).format(money.amount);
}

/** The email body: plain text, one line per item, no patron identifier. */
export function emailText(receipt: SessionReceipt, library: string): { subject: string; text: string } {
  const words = wordingFor(receipt.language);
  const lines = [library, words.labels.title[receipt.kind], formatDate(receipt.date, receipt.language), ""];
  for (const item of receiptItems(receipt, words)) {
    lines.push(item.title);
    if (item.dueDate) lines.push(`  ${words.labels.due}: ${formatDate(item.dueDate, receipt.language)}`);
    if (item.amount) lines.push(`  ${formatMoney(item.amount, receipt.language)}`);
    if (item.ok === false) lines.push(`  ${words.labels.failed}: ${item.note}`);
    else if (item.note) lines.push(`  ${item.note}`);
    for (const line of item.lines ?? []) lines.push(`  ${line}`);
  }
  if (receipt.provisional) lines.push("", words.provisional);
  lines.push("", words.thanks);
  return { subject: `${library}: ${words.labels.title[receipt.kind]}`, text: `${lines.join("\n")}\n` };
}

export class Receipts implements ReceiptPort {
  #config: ReceiptsConfig;
  #printer: ReceiptPrinter | undefined;
  /** The SMTP client, made at the first email: most patrons never ask for one, and the bridge starts faster without it. */
  #mailer: Promise<Transporter> | undefined;

  constructor(config: ReceiptsConfig, printer: ReceiptPrinter | undefined) {
    this.#config = config;
    this.#printer = config.print ? printer : undefined;
  }

  /** A saved config's receipts section, or a replaced printer: the next receipt uses them (a new SMTP client too). */
  reconfigure(config: ReceiptsConfig, printer: ReceiptPrinter | undefined): void {
    if (JSON.stringify(config.email) !== JSON.stringify(this.#config.email)) {
      void this.#mailer?.then((mailer) => mailer.close()).catch(() => undefined);
      this.#mailer = undefined;
    }
    this.#config = config;
    this.#printer = config.print ? printer : undefined;
  }

  #smtp(email: NonNullable<ReceiptsConfig["email"]>): Promise<Transporter> {
    this.#mailer ??= import("nodemailer").then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        host: email.host,
        port: email.port,
        secure: email.secure,
        ...(email.user ? { auth: { user: email.user, pass: email.password ?? "" } } : {}),
      }),
    );
    return this.#mailer;
  }

  methods(hasEmail: boolean): Array<"print" | "email" | "none"> {
    const methods: Array<"print" | "email" | "none"> = [];
    if (this.#canPrint()) methods.push("print");
    if (this.#config.email && hasEmail) methods.push("email");
    methods.push("none");
    return methods;
  }

  /** The printer says it can print: connected, and its last status had paper in and the cover shut. */
  #canPrint(): boolean {
    return this.#printer?.canPrint ?? false;
  }

  async deliver(method: "print" | "email", receipt: SessionReceipt): Promise<void> {
    if (method === "print") {
      if (!this.#printer) throw new Error("no receipt printer is configured");
      const words = wordingFor(receipt.language);
      const printed: Receipt = {
        kind: receipt.kind,
        library: { name: this.#config.library },
        date: receipt.date,
        items: receiptItems(receipt, words),
        language: { locale: receipt.language, labels: words.labels },
        footerLines: receipt.provisional ? [words.provisional, words.thanks] : [words.thanks],
      };
      await this.#printer.printReceipt(printed);
      return;
    }
    const email = this.#config.email;
    if (!email || !receipt.email) throw new Error("email receipts are not available");
    const { subject, text } = emailText(receipt, this.#config.library);
    const mailer = await this.#smtp(email);
    await mailer.sendMail({ from: email.from, to: receipt.email, subject, text });
  }

  async slip(item: ItemRow, language: string): Promise<boolean> {
    const routing = item.routing;
    if (!this.#config.routingSlips || !routing || routing.kind === "reshelve" || routing.kind === "sort-bin")
      return false;
    if (!this.#printer || !this.#canPrint()) return false;
    const words = wordingFor(language);
    const where = routing.destination ?? words.slip.somewhere;
    const heading = words.slip[routing.kind].replace("{to}", where);
    await this.#printer.printReceipt({
      kind: "checkin",
      library: { name: this.#config.library, headerLines: [heading] },
      date: new Date(),
      items: [{ title: item.title ?? item.itemId, itemId: item.itemId, note: heading }],
    });
    return true;
  }

  close(): void {
    void this.#mailer?.then((mailer) => mailer.close()).catch(() => undefined);
  }
}
