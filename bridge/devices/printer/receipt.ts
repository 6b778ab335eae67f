/**
 * The receipt a kiosk prints, as data, and its ESC/POS bytes through receipt-printer-encoder.
 *
 * What a receipt shows is the library's choice (layout options); by default it shows no patron name
 * and only the last 4 characters of the patron identifier ("•••••••0012").
 */
import { readFileSync } from "node:fs";
import ReceiptPrinterEncoder, { type ReceiptPrinterEncoderOptions } from "@point-of-sale/receipt-printer-encoder";
import { describeError } from "../../../protocols/errors.ts";
import { integerOption } from "../options.ts";
import { badPrinterOption, ImageError, PrinterError } from "./errors.ts";
import { decodePng, type MonoBitmap, monoToRgba, type RgbaImage } from "./image.ts";
import { RECEIPT_PRINTER_OPTIONS } from "./options.ts";

export const RECEIPT_KINDS = ["checkout", "checkin", "renew", "fees"] as const;
export type ReceiptKind = (typeof RECEIPT_KINDS)[number];

export interface Money {
  /** In the currency's major unit: 12.5 is twelve euros fifty. */
  amount: number;
  /** ISO 4217 code, e.g. "EUR". */
  currency: string;
}

export interface ReceiptItem {
  title: string;
  /** The item barcode. */
  itemId?: string;
  /** Checkout and renew: when it is due. */
  dueDate?: Date | string;
  /** Fees: what was paid or is owed for this line. */
  amount?: Money;
  /** False when the action failed for this item (the note says why). Default true. */
  ok?: boolean;
  /** A short remark: "Please take it to the desk", "Reserved for another reader". */
  note?: string;
  /** More remarks, each on a line of its own (a payment's authorization, "provisional"). */
  lines?: readonly string[];
}

export interface Receipt {
  kind: ReceiptKind;
  library: { name: string; headerLines?: readonly string[] };
  /** When it happened. Default: now. */
  date?: Date;
  patron?: { id?: string; name?: string };
  items: readonly ReceiptItem[];
  totals?: readonly { label: string; amount: Money }[];
  footerLines?: readonly string[];
  /** Printed as a CODE128 barcode and/or QR code (layout.transactionCode), printable ASCII. */
  transactionId?: string;
  /**
   * The reader's language, for this receipt only: its labels over the printer's (which are the library's
   * own words, in one language) and its locale for dates and money.
   */
  language?: { locale: string; labels: ReceiptLabelWords };
}

/** Some or all of a receipt's labels, e.g. in another language. */
export type ReceiptLabelWords = Partial<Omit<ReceiptLabels, "title">> & {
  title?: Partial<Record<ReceiptKind, string>>;
};

export interface ReceiptLabels {
  title: Record<ReceiptKind, string>;
  patron: string;
  due: string;
  newDue: string;
  returned: string;
  item: string;
  failed: string;
  items: string;
  transaction: string;
  testPage: string;
}

export const DEFAULT_LABELS: ReceiptLabels = {
  title: { checkout: "Loan receipt", checkin: "Return receipt", renew: "Renewal receipt", fees: "Payment receipt" },
  patron: "Patron",
  due: "Due",
  newDue: "New due date",
  returned: "Returned",
  item: "Item",
  failed: "Not done",
  items: "Items",
  transaction: "Transaction",
  testPage: "Printer test page",
};

export interface ReceiptPrivacy {
  /** Print the patron's name. Default false. */
  showPatronName?: boolean;
  /** "masked" (default): only the last `visibleCharacters`; "full"; or "hidden". */
  patronId?: "masked" | "full" | "hidden";
  /** Default 4. */
  visibleCharacters?: number;
  /** Default "•". */
  maskCharacter?: string;
}

/** A logo: PNG file bytes, a PNG file path, or a 1-bit bitmap. */
export type LogoSource = Uint8Array | { path: string } | MonoBitmap;

export interface ReceiptLayoutOptions {
  /** A receipt-printer-encoder ESC/POS printer model, e.g. "epson-tm-t88vi" or "pos-5890". */
  printerModel?: string;
  /** Without a model: 58 mm paper (32 columns) or 80 mm (48 columns). Default 80. */
  paperWidth?: 58 | 80;
  /** Characters per line, overriding the model or paper width: 32, 35, 42, 44 or 48. */
  columns?: number;
  /** The printer's ESC t code page numbering, a receipt-printer-encoder mapping name. Default from the model, else "epson". */
  codepageMapping?: string;
  /** For dates and money. Default "en-GB". */
  locale?: string;
  /** IANA time zone for dates. Default: the system's. */
  timeZone?: string;
  labels?: ReceiptLabelWords;
  privacy?: ReceiptPrivacy;
  /** How the transaction id is printed. Default "both". */
  transactionCode?: "barcode" | "qr" | "both" | "none";
  /** QR content; "{id}" is replaced by the transaction id. Default "{id}". */
  qrTemplate?: string;
  /** Print item barcodes under the titles. Default true. */
  showItemIds?: boolean;
  /** Longer titles are shortened to this many lines. Default 3. */
  maxTitleLines?: number;
  logo?: LogoSource;
  /** Logo width in dots (height follows). Default: its own width, at most the paper's printable width. */
  logoWidth?: number;
}

/** Options resolved once, when the driver is made: a bad option fails at start-up, not at the first print. */
export interface ReceiptLayout {
  encoderOptions: ReceiptPrinterEncoderOptions;
  columns: number;
  printerModel: string;
  locale: string;
  timeZone: string | undefined;
  labels: ReceiptLabels;
  privacy: Required<ReceiptPrivacy>;
  transactionCode: "barcode" | "qr" | "both" | "none";
  qrTemplate: string;
  showItemIds: boolean;
  maxTitleLines: number;
  logo: RgbaImage | undefined;
  logoWidth: number | undefined;
  /** Where "•", "§" and "¶" are printed from (see SAFE_CODEPAGES), if the printer has one. */
  safeCodepage: string | undefined;
}

/**
 * The encoder's CP437 (and the DOS code pages built on it) has glyphs for bytes 0x01-0x1F and 0x7F
 * and uses them ("•" becomes 0x07), but printers take those bytes as control codes. So these
 * characters are never left to the automatic choice: "•", "§" and "¶" are printed from a Windows
 * code page that has them above 0x80, the others become "?".
 */
const CP437_CONTROL_GLYPHS = "☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼⌂";
const SAFE_GLYPHS = /[•§¶]+/gu;
const SAFE_CODEPAGES = ["windows1252", "windows1250", "windows1251", "windows1257", "windows1254", "windows1253"];
/** Without a safe code page: what to print instead. */
const SAFE_FALLBACK: Record<string, string> = { "•": "·", "§": "?", "¶": "?" };
const VALID_COLUMNS = [32, 35, 42, 44, 48];
const LF = 0x0a;

export function resolveLayout(options: ReceiptLayoutOptions = {}): ReceiptLayout {
  // Lines end in LF alone: ESC/POS prints on LF, and the encoder's default LF CR double-spaces on a printer
  // set to treat CR as a line feed (ESC/POS CR: "same as LF when automatic line feed is enabled").
  const encoderOptions: ReceiptPrinterEncoderOptions = { language: "esc-pos", newline: "\n" };
  if (options.printerModel !== undefined) {
    const known = ReceiptPrinterEncoder.printerModels.map((m) => m.id);
    if (!known.includes(options.printerModel)) {
      throw badPrinterOption(
        "printerModel",
        `unknown model "${options.printerModel}"; use one of ${known.join(", ")}, or set paperWidth`,
      );
    }
    encoderOptions.printerModel = options.printerModel as ReceiptPrinterEncoderOptions["printerModel"];
    delete encoderOptions.language;
  } else {
    const paperWidth = options.paperWidth ?? 80;
    if (paperWidth !== 58 && paperWidth !== 80)
      throw badPrinterOption("paperWidth", `must be 58 or 80 (mm), got ${paperWidth}`);
    encoderOptions.columns = paperWidth === 58 ? 32 : 48;
  }
  if (options.columns !== undefined) {
    if (!VALID_COLUMNS.includes(options.columns)) {
      throw badPrinterOption("columns", `must be one of ${VALID_COLUMNS.join(", ")}, got ${options.columns}`);
    }
    encoderOptions.columns = options.columns;
  }
  if (options.codepageMapping !== undefined) {
    encoderOptions.codepageMapping = options.codepageMapping as ReceiptPrinterEncoderOptions["codepageMapping"];
  }
  let probe: ReceiptPrinterEncoder;
  try {
    probe = new ReceiptPrinterEncoder(encoderOptions);
  } catch (err) {
    const option = options.codepageMapping === undefined ? "printerModel" : "codepageMapping";
    throw badPrinterOption(option, describeError(err), { encoderOptions });
  }
  if (probe.language !== "esc-pos") {
    throw badPrinterOption(
      "printerModel",
      `"${options.printerModel}" does not speak ESC/POS; this driver needs an ESC/POS printer`,
    );
  }
  const ordered = printerCodepages(probe);
  if (ordered.length === 0) throw badPrinterOption("codepageMapping", "has none of the usual code pages");
  encoderOptions.codepageCandidates = ordered as NonNullable<ReceiptPrinterEncoderOptions["codepageCandidates"]>;
  const safeCodepage = SAFE_CODEPAGES.find((page) => ordered.includes(page));

  const locale = options.locale ?? "en-GB";
  const timeZone = options.timeZone;
  try {
    new Intl.DateTimeFormat(locale, timeZone === undefined ? {} : { timeZone });
  } catch (err) {
    const option = timeZone === undefined ? "locale" : "timeZone";
    throw badPrinterOption(option, `locale "${locale}" or timeZone "${timeZone}" is not valid (${describeError(err)})`);
  }
  const privacy: Required<ReceiptPrivacy> = {
    showPatronName: options.privacy?.showPatronName ?? false,
    patronId: options.privacy?.patronId ?? "masked",
    visibleCharacters: integerOption(
      RECEIPT_PRINTER_OPTIONS,
      "privacy.visibleCharacters",
      options.privacy?.visibleCharacters,
      badPrinterOption,
    ),
    maskCharacter: options.privacy?.maskCharacter ?? "•",
  };
  if (!["masked", "full", "hidden"].includes(privacy.patronId))
    throw badPrinterOption("privacy.patronId", "must be masked, full or hidden");
  if ([...privacy.maskCharacter].length !== 1) throw badPrinterOption("privacy.maskCharacter", "must be one character");
  const transactionCode = options.transactionCode ?? "both";
  if (!["barcode", "qr", "both", "none"].includes(transactionCode)) {
    throw badPrinterOption("transactionCode", "must be barcode, qr, both or none");
  }
  const maxTitleLines = integerOption(
    RECEIPT_PRINTER_OPTIONS,
    "maxTitleLines",
    options.maxTitleLines,
    badPrinterOption,
  );
  if (options.logoWidth !== undefined) {
    integerOption(RECEIPT_PRINTER_OPTIONS, "logoWidth", options.logoWidth, badPrinterOption);
  }
  return {
    encoderOptions,
    columns: probe.columns,
    printerModel: options.printerModel ?? `generic ${probe.columns === 32 ? 58 : 80} mm`,
    locale,
    timeZone,
    labels: withLabels(DEFAULT_LABELS, options.labels),
    privacy,
    transactionCode,
    qrTemplate: options.qrTemplate ?? "{id}",
    showItemIds: options.showItemIds ?? true,
    maxTitleLines,
    logo: options.logo === undefined ? undefined : loadLogo(options.logo),
    logoWidth: options.logoWidth,
    safeCodepage,
  };
}

/**
 * Code pages offered to the encoder's automatic choice, in order of preference: Windows-1252 first
 * (é, ü, €, • without switching), CP437 next for the box-drawing rules, then the pages that cover the
 * other European scripts. Only those the printer's code page mapping has are used.
 */
const CODEPAGE_PREFERENCE = [
  "windows1252",
  "cp437",
  "cp858",
  "cp850",
  "iso8859-15",
  "cp852",
  "windows1250",
  "cp857",
  "windows1254",
  "cp775",
  "windows1257",
  "cp866",
  "windows1251",
  "cp855",
  "cp737",
  "windows1253",
  "cp869",
  "cp860",
  "cp863",
  "cp865",
  "cp861",
  "cp862",
  "windows1255",
  "cp864",
  "cp720",
  "windows1256",
];

/** The preferred code pages this printer has, asked of the encoder (its mapping is private). */
function printerCodepages(encoder: ReceiptPrinterEncoder): string[] {
  return CODEPAGE_PREFERENCE.filter((name) => {
    try {
      encoder.codepage(name as Parameters<ReceiptPrinterEncoder["codepage"]>[0]);
      return true;
    } catch {
      return false;
    }
  });
}

function loadLogo(source: LogoSource): RgbaImage {
  const where = source instanceof Uint8Array || !("path" in source) ? "the logo" : `the logo file ${source.path}`;
  try {
    if (source instanceof Uint8Array) return decodePng(source);
    if ("path" in source) return decodePng(readFileSync(source.path));
    return monoToRgba(source);
  } catch (err) {
    const code = err instanceof ImageError ? err.code : undefined;
    const reason = err instanceof ImageError ? err.message : `cannot read it (${describeError(err)})`;
    throw badPrinterOption("logo", `${where}: ${reason}`, { code });
  }
}

/**
 * Makes text safe for the printer: one line, no control bytes, "?" for what no code page has.
 * "•", "§" and "¶" are kept when the printer has a safe code page for them (see `writeText`).
 */
export function printableText(text: string, layout: Pick<ReceiptLayout, "safeCodepage">): string {
  let out = "";
  for (const ch of text.normalize("NFC")) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += code === 0x09 || code === 0x0a ? " " : "";
    else if (/\s/u.test(ch))
      out += " "; // no-break, narrow and thin spaces from Intl formatting
    else if (code > 0xffff) out += "?";
    else if (CP437_CONTROL_GLYPHS.includes(ch))
      out += layout.safeCodepage ? (SAFE_FALLBACK[ch] ? ch : "?") : (SAFE_FALLBACK[ch] ?? "?");
    else out += ch;
  }
  return out;
}

/** Writes printable text, sending "•", "§" and "¶" from the safe code page. */
function writeText(e: ReceiptPrinterEncoder, text: string, layout: ReceiptLayout): void {
  const safe = printableText(text, layout);
  let at = 0;
  for (const match of safe.matchAll(SAFE_GLYPHS)) {
    if (match.index > at) e.text(safe.slice(at, match.index));
    e.codepage(layout.safeCodepage as Parameters<ReceiptPrinterEncoder["codepage"]>[0])
      .text(match[0])
      .codepage("auto");
    at = match.index + match[0].length;
  }
  if (at < safe.length) e.text(safe.slice(at));
}

function writeLine(e: ReceiptPrinterEncoder, text: string, layout: ReceiptLayout): void {
  writeText(e, text, layout);
  e.newline();
}

/** "0012" → "•••••••0012" style: all but the last `visible` characters replaced; short ids fully masked. */
export function maskIdentifier(id: string, visible: number, mask = "•"): string {
  const chars = [...id];
  const shown = chars.length > visible ? visible : 0;
  return mask.repeat(chars.length - shown) + chars.slice(chars.length - shown).join("");
}

const TRANSACTION_ID = /^[\x21-\x7e]{1,40}$/;

/** Checks a receipt from anywhere (JSON, another process). Throws PRINTER_BAD_RECEIPT naming the field. */
function knownLocale(locale: unknown): boolean {
  try {
    return typeof locale === "string" && Intl.DateTimeFormat.supportedLocalesOf(locale).length > 0;
  } catch {
    return false; // not a language tag at all
  }
}

export function checkReceipt(receipt: unknown): Receipt {
  const problems: string[] = [];
  const r = receipt as Partial<Receipt> | null;
  const isText = (v: unknown) => typeof v === "string";
  const textList = (v: unknown) => v === undefined || (Array.isArray(v) && v.every(isText));
  const money = (v: unknown) => {
    const m = v as Money | undefined;
    return (
      m === undefined || (Number.isFinite(m.amount) && typeof m.currency === "string" && /^[A-Z]{3}$/.test(m.currency))
    );
  };
  if (typeof r !== "object" || r === null) problems.push("the receipt must be an object");
  else {
    if (!RECEIPT_KINDS.includes(r.kind as ReceiptKind))
      problems.push(`kind must be one of ${RECEIPT_KINDS.join(", ")}`);
    if (!r.library || !isText(r.library.name) || r.library.name.trim() === "")
      problems.push("library.name is required");
    if (r.library && !textList(r.library.headerLines)) problems.push("library.headerLines must be a list of text");
    if (r.date !== undefined && !(r.date instanceof Date && Number.isFinite(r.date.getTime()))) {
      problems.push("date must be a valid Date");
    }
    if (r.language !== undefined) {
      const labels = r.language?.labels as Record<string, unknown> | undefined;
      const texts = labels
        ? Object.entries(labels).flatMap(([k, v]) => (k === "title" ? Object.values(v ?? {}) : [v]))
        : [];
      if (!labels || typeof labels !== "object" || !texts.every(isText)) problems.push("language.labels must be text");
      if (!knownLocale(r.language?.locale))
        problems.push(`language.locale "${String(r.language?.locale)}" is not a locale this system knows`);
    }
    if (r.patron !== undefined && (typeof r.patron !== "object" || r.patron === null))
      problems.push("patron must be an object");
    if (r.patron?.id !== undefined && !isText(r.patron.id)) problems.push("patron.id must be text");
    if (r.patron?.name !== undefined && !isText(r.patron.name)) problems.push("patron.name must be text");
    if (!Array.isArray(r.items)) problems.push("items must be a list");
    else {
      r.items.forEach((item: Partial<ReceiptItem> | null, i) => {
        if (typeof item !== "object" || item === null || !isText(item.title)) {
          problems.push(`items[${i}].title is required`);
          return;
        }
        if (item.itemId !== undefined && !isText(item.itemId)) problems.push(`items[${i}].itemId must be text`);
        if (item.note !== undefined && !isText(item.note)) problems.push(`items[${i}].note must be text`);
        if (!textList(item.lines)) problems.push(`items[${i}].lines must be a list of text`);
        if (item.dueDate !== undefined && dueText(item.dueDate, "en-GB", undefined) === undefined) {
          problems.push(`items[${i}].dueDate must be a valid date`);
        }
        if (!money(item.amount)) problems.push(`items[${i}].amount needs a finite amount and an ISO 4217 currency`);
      });
    }
    if (r.totals !== undefined) {
      if (!Array.isArray(r.totals)) problems.push("totals must be a list");
      else
        r.totals.forEach((t, i) => {
          if (!t || !isText(t.label) || t.amount === undefined || !money(t.amount)) {
            problems.push(`totals[${i}] needs a label and an amount with an ISO 4217 currency`);
          }
        });
    }
    if (!textList(r.footerLines)) problems.push("footerLines must be a list of text");
    if (r.transactionId !== undefined && !(isText(r.transactionId) && TRANSACTION_ID.test(r.transactionId))) {
      problems.push("transactionId must be 1-40 printable ASCII characters (it is printed as CODE128)");
    }
  }
  if (problems.length > 0) {
    throw new PrinterError("PRINTER_BAD_RECEIPT", `The receipt cannot be printed: ${problems.join("; ")}.`, {
      problems,
    });
  }
  return receipt as Receipt;
}

function dueText(due: Date | string, locale: string, timeZone: string | undefined): string | undefined {
  if (typeof due === "string") {
    // SIP2 dates arrive as text already formatted by the ILS; print them as they are.
    return due.trim() === "" ? undefined : due;
  }
  if (!(due instanceof Date) || !Number.isFinite(due.getTime())) return undefined;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", ...(timeZone ? { timeZone } : {}) }).format(due);
}

function moneyText(money: Money, locale: string): string {
  return new Intl.NumberFormat(locale, { style: "currency", currency: money.currency }).format(money.amount);
}

/** A fresh encoder for one document, started with ESC @ and automatic code pages. */
function startDocument(layout: ReceiptLayout): ReceiptPrinterEncoder {
  return new ReceiptPrinterEncoder(layout.encoderOptions).initialize().codepage("auto");
}

/**
 * Cuts and returns the document's bytes. The encoder ends every line it emits with a newline, the cut's
 * too; that line feed would be the first thing the printer prints after the cut (a blank line on top of
 * the next receipt), so it is dropped.
 */
function cutAndEncode(e: ReceiptPrinterEncoder): Uint8Array {
  const bytes = e.cut().encode();
  return withoutRealtimeCommands(bytes.at(-1) === LF ? bytes.subarray(0, -1) : bytes);
}

/** Second bytes of the real-time commands: DLE EOT (status), DLE ENQ (recover, clear), DLE DC4 (pulse, power off). */
const REALTIME_AFTER_DLE = new Set([0x04, 0x05, 0x14]);

/**
 * A printer acts on a real-time command wherever its bytes arrive, inside image data too (Epson's and
 * Citizen's DLE EOT and DLE DC4 notes): a logo could ask for a status the driver then takes for the answer
 * to its own request, kick the drawer, or clear the buffer. A document carries no real-time command of its
 * own and its text never has byte 0x10 (DLE), so such a DLE is a dot of the logo: it goes white.
 */
function withoutRealtimeCommands(bytes: Uint8Array): Uint8Array {
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] === 0x10 && REALTIME_AFTER_DLE.has(bytes[i + 1] ?? 0)) bytes[i] = 0;
  }
  return bytes;
}

type Cell = (encoder: ReceiptPrinterEncoder) => void;

/** Table rows whose cells write through writeText (tables wrap and indent; plain strings would skip the safe code page). */
function table(
  e: ReceiptPrinterEncoder,
  layout: ReceiptLayout,
  widths: readonly [number, number],
  rows: ReadonlyArray<readonly [string, string]>,
  alignRight = false,
): void {
  const cell =
    (text: string): Cell =>
    (c) =>
      writeText(c, text, layout);
  e.table(
    [
      { width: widths[0], marginRight: 0 },
      { width: widths[1], marginRight: 0, align: alignRight ? "right" : "left" },
    ],
    rows.map(([a, b]) => [cell(a), cell(b)]),
  );
}

/** Left label, right value on one line. */
function labelValue(e: ReceiptPrinterEncoder, layout: ReceiptLayout, label: string, value: string): void {
  const valueWidth = Math.min(layout.columns - 8, Math.max(1, [...printableText(value, layout)].length) + 1);
  table(e, layout, [layout.columns - valueWidth, valueWidth], [[label, value]], true);
}

/** Shortens text to about `lines` lines of `columns` characters, ending with "…" when cut. */
function clip(text: string, columns: number, lines: number): string {
  const limit = columns * lines;
  const chars = [...text];
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join("")}…`;
}

function dateTimeText(date: Date, layout: ReceiptLayout, timeStyle: "short" | "medium"): string {
  const zone = layout.timeZone ? { timeZone: layout.timeZone } : {};
  return new Intl.DateTimeFormat(layout.locale, { dateStyle: "medium", timeStyle, ...zone }).format(date);
}

function withLabels(base: ReceiptLabels, words: ReceiptLabelWords | undefined): ReceiptLabels {
  return words ? { ...base, ...words, title: { ...base.title, ...words.title } } : base;
}

/** The ESC/POS bytes of a receipt. The receipt must have passed checkReceipt(). */
export function encodeReceipt(receipt: Receipt, printerLayout: ReceiptLayout, now: Date = new Date()): Uint8Array {
  const language = receipt.language;
  const layout = language
    ? { ...printerLayout, locale: language.locale, labels: withLabels(printerLayout.labels, language.labels) }
    : printerLayout;
  const { columns, labels, locale, timeZone } = layout;
  const line = (text: string) => writeLine(e, text, layout);
  const e = startDocument(layout);
  if (layout.logo) {
    const width = layout.logoWidth === undefined ? {} : { width: Math.min(layout.logoWidth, e.printableWidth) };
    e.align("center").image(layout.logo as never, width);
  }
  e.align("center").bold(true).size(1, 2);
  line(receipt.library.name);
  e.size(1, 1).bold(false);
  for (const header of receipt.library.headerLines ?? []) line(header);
  e.align("left").rule().bold(true);
  line(labels.title[receipt.kind]);
  e.bold(false);
  line(dateTimeText(receipt.date ?? now, layout, "short"));
  const patron = patronText(receipt.patron, layout.privacy);
  if (patron) line(`${labels.patron}: ${patron}`);
  e.rule();
  const number = String(receipt.items.length).length + 2;
  receipt.items.forEach((item, i) => {
    const details: string[] = [];
    if (layout.showItemIds && item.itemId) details.push(`${labels.item}: ${item.itemId}`);
    if (item.ok === false) {
      details.push(`${labels.failed}${item.note ? `: ${item.note}` : ""}`);
    } else {
      const due = item.dueDate === undefined ? undefined : dueText(item.dueDate, locale, timeZone);
      if (due) details.push(`${receipt.kind === "renew" ? labels.newDue : labels.due}: ${due}`);
      if (receipt.kind === "checkin") details.push(labels.returned);
      if (item.amount) details.push(moneyText(item.amount, locale));
      if (item.note) details.push(item.note);
    }
    details.push(...(item.lines ?? []));
    // Two columns keep wrapped lines indented under the title.
    const title = clip(item.title, columns - number, layout.maxTitleLines);
    const rows: Array<readonly [string, string]> = [[`${i + 1}.`, title], ...details.map((d) => ["", d] as const)];
    table(e, layout, [number, columns - number], rows);
  });
  e.rule();
  labelValue(e, layout, labels.items, String(receipt.items.filter((i) => i.ok !== false).length));
  for (const total of receipt.totals ?? []) labelValue(e, layout, total.label, moneyText(total.amount, locale));
  if (receipt.footerLines?.length) {
    e.rule().align("center");
    for (const footer of receipt.footerLines) line(footer);
  }
  if (receipt.transactionId) transactionCodes(e, receipt.transactionId, layout);
  return cutAndEncode(e);
}

function patronText(patron: Receipt["patron"], privacy: Required<ReceiptPrivacy>): string | undefined {
  const parts: string[] = [];
  if (privacy.showPatronName && patron?.name) parts.push(patron.name);
  if (patron?.id && privacy.patronId !== "hidden") {
    parts.push(
      privacy.patronId === "full"
        ? patron.id
        : maskIdentifier(patron.id, privacy.visibleCharacters, privacy.maskCharacter),
    );
  }
  return parts.length > 0 ? parts.join(" ") : undefined;
}

function transactionCodes(e: ReceiptPrinterEncoder, id: string, layout: ReceiptLayout): void {
  e.align("center");
  if (layout.transactionCode === "none") {
    writeLine(e, `${layout.labels.transaction}: ${id}`, layout);
    return;
  }
  if (layout.transactionCode === "barcode" || layout.transactionCode === "both") {
    e.barcode(id, "code128", { height: 60, text: true });
  }
  if (layout.transactionCode === "qr" || layout.transactionCode === "both") {
    e.qrcode(layout.qrTemplate.replaceAll("{id}", id), { model: 2, size: 6, errorlevel: "m" });
  }
}

/**
 * What brings a printer back in step after a receipt of `interruptedBytes` was cut short: NUL padding
 * (ignored outside a command) that completes any command left waiting for the rest of its data, ESC @,
 * then a feed and cut that separate what had printed of the old receipt. The bytes reach a printer in
 * order, so nothing sent after the receipt on the old connection (a status request) can have reached it
 * mid-command; the resync is the first thing sent on the new one.
 */
export function encodeResync(layout: ReceiptLayout, interruptedBytes: number): Uint8Array {
  const finish = cutAndEncode(startDocument(layout));
  const bytes = new Uint8Array(interruptedBytes + finish.length);
  bytes.set(finish, bytes.length - finish.length);
  return bytes;
}

export interface TestPageInfo {
  /** Where the printer is, e.g. "tcp 10.0.0.5:9100". */
  description: string;
  /** A line about the printer's state, e.g. "Paper: ok". */
  status?: string;
}

/** A page that shows the printer works: code pages, the full width, styles, a barcode, a QR code and the logo. */
export function encodeTestPage(layout: ReceiptLayout, info: TestPageInfo, now: Date = new Date()): Uint8Array {
  const line = (text: string) => writeLine(e, text, layout);
  const e = startDocument(layout);
  if (layout.logo) e.align("center").image(layout.logo as never, {});
  e.align("center").bold(true).size(1, 2);
  line(layout.labels.testPage);
  e.size(1, 1).bold(false);
  line(dateTimeText(now, layout, "medium"));
  e.align("left").rule();
  line(`${layout.printerModel}, ${layout.columns} columns`);
  line(info.description);
  if (info.status) line(info.status);
  e.rule();
  line("Latin-1: é è à ç ñ ü ö ä ß ø å æ");
  line("Euro: € 12,50 • Central Europe: ł ś ž č ő § 1");
  line("1234567890".repeat(Math.ceil(layout.columns / 10)).slice(0, layout.columns));
  e.bold(true);
  line("Bold");
  e.bold(false).underline(true);
  line("Underline");
  e.underline(false).align("center").barcode("TEST-128", "code128", { height: 60, text: true });
  e.qrcode("TEST-QR", { errorlevel: "m" });
  return cutAndEncode(e);
}
