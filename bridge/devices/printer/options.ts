/**
 * The config `options` of the ESC/POS receipt printer, with the defaults and limits the driver
 * (receipt-printer.ts, receipt.ts) uses: one schema, read by the config loader and by the driver alike.
 */
import { Type } from "@sinclair/typebox";
import { closedObject as closed, oneOf } from "../../config/schema.ts";

const text = Type.Optional(Type.String());

export const RECEIPT_PRINTER_OPTIONS = closed({
  /** A receipt-printer-encoder printer model, e.g. "epson-tm-t88vi" or "pos-5890". */
  printerModel: Type.Optional(Type.String({ minLength: 1 })),
  paperWidth: Type.Optional(Type.Union([Type.Literal(58), Type.Literal(80)])),
  columns: Type.Optional(Type.Union([32, 35, 42, 44, 48].map((n) => Type.Literal(n)))),
  codepageMapping: Type.Optional(Type.String({ minLength: 1 })),
  locale: Type.Optional(Type.String({ minLength: 2 })),
  timeZone: Type.Optional(Type.String({ minLength: 1 })),
  labels: Type.Optional(
    closed({
      title: Type.Optional(closed({ checkout: text, checkin: text, renew: text, fees: text })),
      patron: text,
      due: text,
      newDue: text,
      returned: text,
      item: text,
      failed: text,
      items: text,
      transaction: text,
      testPage: text,
    }),
  ),
  /** Default: no patron name, patron id masked to its last 4 characters. */
  privacy: Type.Optional(
    closed({
      showPatronName: Type.Optional(Type.Boolean()),
      patronId: Type.Optional(oneOf(["masked", "full", "hidden"])),
      visibleCharacters: Type.Optional(Type.Integer({ minimum: 0, maximum: 64, default: 4 })),
      maskCharacter: Type.Optional(Type.String({ minLength: 1, maxLength: 2 })),
    }),
  ),
  transactionCode: Type.Optional(oneOf(["barcode", "qr", "both", "none"])),
  qrTemplate: Type.Optional(Type.String({ minLength: 1 })),
  showItemIds: Type.Optional(Type.Boolean()),
  maxTitleLines: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 3 })),
  /** A PNG file printed at the top of each receipt. */
  logo: Type.Optional(closed({ path: Type.String({ minLength: 1 }) })),
  /** Dots; no default: the logo's own width, at most the paper's. */
  logoWidth: Type.Optional(Type.Integer({ minimum: 8, maximum: 2048 })),
  /** How long to wait for the printer to answer a status request. */
  statusTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000, default: 1000 })),
  /** How often to ask for paper and cover state while idle; 0 turns polling off. */
  pollIntervalMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000, default: 10_000 })),
  /** A receipt is written in pieces of this many bytes, so an unplug is noticed mid-receipt. */
  writeChunkSize: Type.Optional(Type.Integer({ minimum: 16, maximum: 1 << 20, default: 1024 })),
});
