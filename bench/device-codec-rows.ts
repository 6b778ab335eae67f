import ReceiptPrinterEncoder from "@point-of-sale/receipt-printer-encoder";
import { computeCheckDigit } from "../protocols/barcode/check-digits.ts";
import { createClassifier } from "../protocols/barcode/classify.ts";
import { KeyboardReportDecoder, textToKeyReports } from "../protocols/barcode/hid-keyboard.ts";
import { encodeHidPosReports, HidPosReassembler } from "../protocols/barcode/hid-pos.ts";
import { GERMAN_LAYOUT } from "../protocols/barcode/keyboard-layouts.ts";
import { EscPosParser } from "../protocols/escpos/parser.ts";
import { renderReceipt } from "../protocols/escpos/render.ts";
import { type BenchRow, opsPerSecond } from "./harness.ts";

/** A scan mix as a kiosk sees it: patron and item cards (some with AIM prefix or Codabar frame), ISBNs, typos. */
function scanMix(): string[] {
  const codes: string[] = [];
  for (let i = 0; i < 64; i++) {
    const body = `${i % 2 === 0 ? "2" : "3"}3191${String(10000000 + i * 7919).slice(-8)}`;
    const code = body + computeCheckDigit("codabar-mod10", body);
    codes.push(i % 4 === 0 ? `]F0${code}` : i % 4 === 1 ? `A${code}B\r\n` : code);
  }
  codes.push("9780306406157", "4006381333931", "33191000105865", "HELLO-WORLD");
  return codes;
}

/** A loan receipt of about 1 KiB, with umlauts, euro sign, table, barcode and QR code. */
function receiptBytes(): Uint8Array {
  const encoder = new ReceiptPrinterEncoder({ printerModel: "epson-tm-t20iii" });
  encoder.initialize().codepage("auto").align("center").bold(true).line("Stadtbibliothek Müllheim").bold(false);
  encoder.align("left").line("Ausleihe 12.05.2025 14:30").rule();
  const rows = Array.from({ length: 12 }, (_, i) => [`Der Zauberberg, Band ${i + 1}`, "26.05.2025"]);
  encoder.table([{ width: 34 }, { width: 14, align: "right" }], rows);
  encoder.line("Gebühren offen: 2,50 €").barcode("23191000105866", "codabar", 60);
  return encoder.qrcode("https://example.org/konto/23191000105866").cut().encode();
}

/** Scanner and printer codec rows of the "devices" suite. */
export function deviceCodecRows(): BenchRow[] {
  const classifier = createClassifier();
  const mix = scanMix();
  let k = 0;
  const classifyRate = opsPerSecond(() => classifier.classify(mix[k++ % mix.length] ?? ""));

  const text = "33191000105864";
  const keyReports = textToKeyReports(`${text}ÄÖÜ@€`, GERMAN_LAYOUT);
  const charsPerScan = text.length + 6;
  const keyboard = new KeyboardReportDecoder(GERMAN_LAYOUT);
  const keyboardScans = opsPerSecond(() => {
    for (const r of keyReports) keyboard.feed(r);
  });

  const posReports = encodeHidPosReports("x".repeat(150), { aim: "]Q0" });
  const reassembler = new HidPosReassembler();
  const posScans = opsPerSecond(() => {
    for (const r of posReports) reassembler.feed(r);
  });

  const receipt = receiptBytes();
  const parseRate = opsPerSecond(() => {
    const parser = new EscPosParser();
    parser.feed(receipt);
    parser.flush();
  });
  const chunked = opsPerSecond(() => {
    const parser = new EscPosParser();
    for (let i = 0; i < receipt.length; i += 64) parser.feed(receipt.subarray(i, i + 64));
    parser.flush();
  });
  const commands = (() => {
    const parser = new EscPosParser();
    return [...parser.feed(receipt), ...parser.flush()];
  })();
  const renderRate = opsPerSecond(() => renderReceipt(commands, { columns: 48 }));

  const mb = receipt.length / (1024 * 1024);
  return [
    { name: "barcode classify", value: classifyRate, unit: "codes/s", note: `${mix.length}-code mix` },
    {
      name: "HID keyboard decode",
      value: keyboardScans * charsPerScan,
      unit: "chars/s",
      note: "German layout, press+release per char",
    },
    { name: "HID POS reassemble", value: posScans, unit: "codes/s", note: "150-byte code in 3 reports" },
    { name: "ESC/POS parse", value: parseRate * mb, unit: "MB/s", note: `${receipt.length}-byte receipt, one chunk` },
    { name: "ESC/POS parse, 64-byte chunks", value: chunked * mb, unit: "MB/s" },
    { name: "receipt render", value: renderRate, unit: "receipts/s", note: "text + HTML, 48 columns" },
  ];
}
