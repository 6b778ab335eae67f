import { type CodepageName, codepageTable, EPSON_CODEPAGE_SLOTS } from "./codepages.ts";
import { type AsbEnable, decodeAutoStatusBackEnable } from "./status.ts";

/**
 * Device-side ESC/POS command stream parser (for the printer simulator). Feed bytes in any
 * chunking; get typed commands. Command lengths follow the Epson ESC/POS command reference; a
 * command we do not know is skipped (prefix + one byte) with an "unknown" event carrying a
 * warning, so one odd byte never derails the rest of the receipt.
 */

export type Alignment = "left" | "center" | "right";

export type EscPosCommand =
  | { type: "text"; text: string }
  | { type: "lineFeed" }
  /**
   * CR (0x0D). ESC/POS prints on LF; CR "functions the same as LF when automatic line feed is enabled, and is
   * ignored when it is disabled" (Bematech MP-4000 programmer's manual 4.2, as Epson's reference), so a host
   * that ends lines with LF CR double-spaces on a printer set to auto line feed.
   */
  | { type: "carriageReturn" }
  | { type: "tab" }
  | { type: "formFeed" }
  | { type: "init" }
  | {
      type: "printMode";
      font: "A" | "B";
      bold: boolean;
      doubleHeight: boolean;
      doubleWidth: boolean;
      underline: boolean;
    }
  | { type: "bold"; on: boolean }
  | { type: "underline"; thickness: 0 | 1 | 2 }
  | { type: "italic"; on: boolean }
  | { type: "invert"; on: boolean }
  | { type: "size"; width: number; height: number }
  | { type: "font"; font: string }
  | { type: "align"; align: Alignment }
  | { type: "codepage"; slot: number; codepage?: CodepageName }
  | { type: "lineSpacing"; dots?: number }
  | { type: "feed"; lines: number }
  | { type: "feedDots"; dots: number }
  | { type: "cut"; partial: boolean; feedDots?: number }
  | { type: "barcodeSetting"; setting: "height" | "width" | "hriPosition" | "hriFont"; value: number }
  | { type: "barcode"; symbology: string; data: string }
  | { type: "qrcode"; data: string; model: number; moduleSize: number; errorLevel: "L" | "M" | "Q" | "H" }
  | { type: "pdf417"; data: string }
  | { type: "image"; mode: "raster" | "column"; width: number; height: number; bits: Uint8Array }
  | { type: "statusRequest"; n: number }
  | { type: "autoStatusBack"; enable: AsbEnable }
  | { type: "drawerKick"; pin: 2 | 5; onMs: number; offMs: number }
  /** A known command that does not change what a receipt looks like (motion units, Kanji off…). */
  | { type: "setting"; name: string }
  /** Skipped bytes; `message` is the warning. */
  | { type: "unknown"; bytes: Uint8Array; message: string };

export interface EscPosParserOptions {
  /** ESC t slot → code page. Default: Epson's numbering. */
  codepageSlots?: Readonly<Record<number, CodepageName>>;
  /** Larger commands (images) are skipped with a warning instead of buffered. Default 4 MiB. */
  maxCommandBytes?: number;
  /** Text is emitted in pieces of at most this many characters. Default 4096. */
  maxTextRun?: number;
}

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;

/** Length of a command from its first byte: a number, NEED_MORE (wait for bytes) or BAD (not parseable). */
type Length = number | typeof NEED_MORE | typeof BAD;
const NEED_MORE = -1;
const BAD = -2;

interface Spec {
  name: string;
  length: number | ((b: Uint8Array) => Length);
  /**
   * Where the command's data begins (image dots, barcode or 2D-code data), for commands that carry data.
   * A printer acts on a real-time status request (DLE EOT 1-4) found in data as it arrives, and the bytes
   * still count as data (Epson and Citizen command references, DLE EOT notes): a host whose cable came out
   * mid-command gets its status answered although the printer is still waiting for the rest. In a fixed
   * parameter (ESC t n) the bytes are only the parameter.
   */
  dataFrom?: number | ((b: Uint8Array) => number);
  build?: (b: Uint8Array, state: ParserState) => EscPosCommand | undefined;
}

interface ParserState {
  slots: Readonly<Record<number, CodepageName>>;
  codepage: readonly string[] | undefined;
  qr: { model: number; moduleSize: number; errorLevel: "L" | "M" | "Q" | "H"; data: string | undefined };
  pdf417: string | undefined;
}

const byteAt = (b: Uint8Array, i: number) => b[i] ?? 0;
const u16 = (b: Uint8Array, i: number) => byteAt(b, i) | (byteAt(b, i + 1) << 8);
const latin1 = (b: Uint8Array) => String.fromCharCode(...b);

/** Length known once the header is in: header bytes + payload computed from it. */
function headed(header: number, payload: (b: Uint8Array) => number): (b: Uint8Array) => Length {
  return (b) => (b.length < header ? NEED_MORE : header + payload(b));
}

/** "…data NUL" commands; a missing NUL within `max` bytes makes the command unparseable. */
function nulTerminated(start: number, max: number): (b: Uint8Array) => Length {
  return (b) => {
    const end = b.indexOf(0, start);
    if (end >= 0) return end + 1;
    return b.length - start > max ? BAD : NEED_MORE;
  };
}

const setting = (name: string, length: number | ((b: Uint8Array) => Length), dataFrom?: number): Spec => ({
  name,
  length,
  ...(dataFrom === undefined ? {} : { dataFrom }),
  build: () => ({ type: "setting", name }),
});

const on = (b: Uint8Array, i: number) => (byteAt(b, i) & 1) === 1;

const ESC_COMMANDS: Record<number, Spec> = {
  12: setting("ESC FF print page", 2),
  32: setting("ESC SP character spacing", 3),
  33: {
    name: "ESC ! print mode",
    length: 3,
    build: (b) => {
      const n = byteAt(b, 2);
      return {
        type: "printMode",
        font: n & 0x01 ? "B" : "A",
        bold: (n & 0x08) !== 0,
        doubleHeight: (n & 0x10) !== 0,
        doubleWidth: (n & 0x20) !== 0,
        underline: (n & 0x80) !== 0,
      };
    },
  },
  36: setting("ESC $ absolute position", 4),
  37: setting("ESC % user-defined characters", 3),
  // ESC & y c1 c2 [x d1…d(y×x)] for each character c1..c2
  38: {
    name: "ESC & define user characters",
    length: (b) => {
      if (b.length < 5) return NEED_MORE;
      const y = byteAt(b, 2);
      const count = byteAt(b, 4) - byteAt(b, 3) + 1;
      if (count < 1) return BAD;
      let at = 5;
      for (let i = 0; i < count; i++) {
        if (b.length <= at) return NEED_MORE;
        at += 1 + y * byteAt(b, at);
      }
      return at;
    },
    build: () => ({ type: "setting", name: "ESC & define user characters" }),
  },
  // ESC ( fn pL pH …: beeper and other extended commands
  40: setting(
    "ESC ( extended",
    headed(5, (b) => u16(b, 3)),
    5,
  ),
  42: {
    name: "ESC * bit image",
    length: headed(5, (b) => (byteAt(b, 2) >= 32 ? 3 : 1) * u16(b, 3)),
    dataFrom: 5,
    build: (b) => columnImage(b),
  },
  45: { name: "ESC - underline", length: 3, build: (b) => ({ type: "underline", thickness: underline(b) }) },
  50: { name: "ESC 2 default line spacing", length: 2, build: () => ({ type: "lineSpacing" }) },
  51: { name: "ESC 3 line spacing", length: 3, build: (b) => ({ type: "lineSpacing", dots: byteAt(b, 2) }) },
  // ESC 4 n italic: not Epson, but Star-compatible and sent by receipt-printer-encoder
  52: { name: "ESC 4 italic", length: 3, build: (b) => ({ type: "italic", on: on(b, 2) }) },
  61: setting("ESC = select peripheral", 3),
  63: setting("ESC ? cancel user character", 3),
  64: { name: "ESC @ initialize", length: 2, build: (_, s) => initialize(s) },
  68: setting("ESC D tab positions", nulTerminated(2, 33)),
  69: { name: "ESC E bold", length: 3, build: (b) => ({ type: "bold", on: on(b, 2) }) },
  71: { name: "ESC G double strike", length: 3, build: (b) => ({ type: "bold", on: on(b, 2) }) },
  74: { name: "ESC J feed dots", length: 3, build: (b) => ({ type: "feedDots", dots: byteAt(b, 2) }) },
  75: setting("ESC K reverse feed dots", 3),
  76: setting("ESC L page mode", 2),
  77: { name: "ESC M font", length: 3, build: (b) => ({ type: "font", font: fontName(byteAt(b, 2)) }) },
  82: setting("ESC R international character set", 3),
  83: setting("ESC S standard mode", 2),
  84: setting("ESC T page direction", 3),
  85: setting("ESC U unidirectional printing", 3),
  86: setting("ESC V rotation", 3),
  87: setting("ESC W page area", 10),
  92: setting("ESC \\ relative position", 4),
  97: { name: "ESC a justification", length: 3, build: (b) => ({ type: "align", align: alignment(byteAt(b, 2)) }) },
  99: setting("ESC c paper sensors and panel keys", 4),
  100: { name: "ESC d feed lines", length: 3, build: (b) => ({ type: "feed", lines: byteAt(b, 2) }) },
  101: setting("ESC e reverse feed lines", 3),
  105: { name: "ESC i partial cut", length: 2, build: () => ({ type: "cut", partial: true }) },
  109: { name: "ESC m partial cut", length: 2, build: () => ({ type: "cut", partial: true }) },
  112: {
    name: "ESC p drawer kick",
    length: 5,
    build: (b) => ({
      type: "drawerKick",
      pin: (byteAt(b, 2) & 1) === 0 ? 2 : 5,
      onMs: byteAt(b, 3) * 2,
      offMs: byteAt(b, 4) * 2,
    }),
  },
  114: setting("ESC r colour", 3),
  116: { name: "ESC t code page", length: 3, build: (b, s) => selectCodepage(byteAt(b, 2), s) },
  117: setting("ESC u peripheral status", 3),
  118: setting("ESC v paper sensor status", 2),
  123: setting("ESC { upside down", 3),
};

const GS_BARCODE_A = ["upca", "upce", "ean13", "ean8", "code39", "itf", "codabar"];
const GS_BARCODE_B = [
  "upca",
  "upce",
  "ean13",
  "ean8",
  "code39",
  "itf",
  "codabar",
  "code93",
  "code128",
  "gs1-128",
  "gs1-databar-omni",
  "gs1-databar-truncated",
  "gs1-databar-limited",
  "gs1-databar-expanded",
  "code128-auto",
];

const GS_COMMANDS: Record<number, Spec> = {
  33: {
    name: "GS ! character size",
    length: 3,
    build: (b) => ({ type: "size", width: ((byteAt(b, 2) >> 4) & 7) + 1, height: (byteAt(b, 2) & 7) + 1 }),
  },
  36: setting("GS $ absolute vertical position", 4),
  40: {
    name: "GS ( extended",
    length: headed(5, (b) => u16(b, 3)),
    dataFrom: 5,
    build: (b, s) => extended(b, s),
  },
  42: setting(
    "GS * define downloaded image",
    headed(4, (b) => byteAt(b, 2) * byteAt(b, 3) * 8),
    4,
  ),
  47: setting("GS / print downloaded image", 3),
  58: setting("GS : macro definition", 2),
  56: {
    // GS 8 L p1 p2 p3 p4 …: graphics with a 32-bit length
    name: "GS 8 L graphics",
    length: headed(7, (b) => byteAt(b, 3) + byteAt(b, 4) * 0x100 + byteAt(b, 5) * 0x10000 + byteAt(b, 6) * 0x1000000),
    dataFrom: 7,
    build: (b) => ({ type: "unknown", bytes: b.slice(0, 7), message: "GS 8 L graphics are not rendered; skipped" }),
  },
  66: { name: "GS B reverse", length: 3, build: (b) => ({ type: "invert", on: on(b, 2) }) },
  69: setting("GS E print density", 3),
  72: {
    name: "GS H HRI position",
    length: 3,
    build: (b) => ({ type: "barcodeSetting", setting: "hriPosition", value: byteAt(b, 2) & 3 }),
  },
  73: setting("GS I printer ID", 3),
  76: setting("GS L left margin", 4),
  80: setting("GS P motion units", 4),
  84: setting("GS T print position", 3),
  86: {
    name: "GS V cut",
    length: (b) => (b.length < 3 ? NEED_MORE : [0, 1, 48, 49].includes(byteAt(b, 2)) ? 3 : 4),
    build: (b) => {
      const m = byteAt(b, 2);
      const partial = m === 1 || m === 49 || m === 66 || m === 98 || m === 104;
      return b.length === 4 ? { type: "cut", partial, feedDots: byteAt(b, 3) } : { type: "cut", partial };
    },
  },
  87: setting("GS W print area width", 4),
  92: setting("GS \\ relative vertical position", 4),
  94: setting("GS ^ execute macro", 5),
  97: {
    name: "GS a automatic status back",
    length: 3,
    build: (b) => ({ type: "autoStatusBack", enable: decodeAutoStatusBackEnable(byteAt(b, 2)) }),
  },
  98: setting("GS b smoothing", 3),
  99: setting("GS c print counter", 2),
  102: {
    name: "GS f HRI font",
    length: 3,
    build: (b) => ({ type: "barcodeSetting", setting: "hriFont", value: byteAt(b, 2) }),
  },
  103: setting("GS g maintenance counter", 6),
  104: {
    name: "GS h barcode height",
    length: 3,
    build: (b) => ({ type: "barcodeSetting", setting: "height", value: byteAt(b, 2) }),
  },
  106: setting("GS j automatic status back (ink)", 3),
  107: {
    name: "GS k barcode",
    // m 0..6: data ends with NUL; m 65..79: n then n bytes
    length: (b) => {
      if (b.length < 3) return NEED_MORE;
      const m = byteAt(b, 2);
      if (m <= 6) return nulTerminated(3, 255)(b);
      if (m >= 65 && m <= 79) return b.length < 4 ? NEED_MORE : 4 + byteAt(b, 3);
      return BAD;
    },
    dataFrom: (b) => (byteAt(b, 2) <= 6 ? 3 : 4),
    build: (b) => {
      const m = byteAt(b, 2);
      if (m <= 6) return { type: "barcode", symbology: GS_BARCODE_A[m] ?? "unknown", data: latin1(b.subarray(3, -1)) };
      const symbology = GS_BARCODE_B[m - 65] ?? "unknown";
      return { type: "barcode", symbology, data: barcodeText(symbology, b.subarray(4)) };
    },
  },
  114: setting("GS r transmit status", 3),
  118: {
    // GS v 0 m xL xH yL yH d…: raster image, x bytes per row, y rows
    name: "GS v 0 raster image",
    length: (b) => {
      if (b.length < 3) return NEED_MORE;
      if (byteAt(b, 2) !== 0x30) return BAD;
      return b.length < 8 ? NEED_MORE : 8 + u16(b, 4) * u16(b, 6);
    },
    dataFrom: 8,
    build: (b) => {
      const bytesPerRow = u16(b, 4);
      return { type: "image", mode: "raster", width: bytesPerRow * 8, height: u16(b, 6), bits: b.slice(8) };
    },
  },
  119: {
    name: "GS w barcode width",
    length: 3,
    build: (b) => ({ type: "barcodeSetting", setting: "width", value: byteAt(b, 2) }),
  },
};

const FS_COMMANDS: Record<number, Spec> = {
  33: setting("FS ! Kanji print mode", 3),
  38: setting("FS & Kanji mode on", 2),
  40: setting(
    "FS ( extended",
    headed(5, (b) => u16(b, 3)),
    5,
  ),
  45: setting("FS - Kanji underline", 3),
  46: setting("FS . Kanji mode off", 2),
  67: setting("FS C Kanji code system", 3),
  83: setting("FS S Kanji spacing", 4),
  87: setting("FS W Kanji quadruple size", 3),
  112: {
    name: "FS p print NV image",
    length: 4,
    build: (b) => ({ type: "unknown", bytes: b.slice(), message: "FS p: stored NV images are not rendered; skipped" }),
  },
};

const DLE_COMMANDS: Record<number, Spec> = {
  4: {
    name: "DLE EOT real-time status",
    // n = 7 and 8 carry one more byte
    length: (b) => (b.length < 3 ? NEED_MORE : byteAt(b, 2) === 7 || byteAt(b, 2) === 8 ? 4 : 3),
    build: (b) => ({ type: "statusRequest", n: byteAt(b, 2) }),
  },
  5: setting("DLE ENQ real-time request", 3),
  20: {
    name: "DLE DC4 real-time command",
    length: (b) => {
      if (b.length < 3) return NEED_MORE;
      const fn = byteAt(b, 2);
      return fn === 8 ? 10 : fn === 7 ? 4 : fn === 1 || fn === 2 ? 5 : BAD;
    },
    build: (b) =>
      byteAt(b, 2) === 1
        ? {
            type: "drawerKick",
            pin: (byteAt(b, 3) & 1) === 0 ? 2 : 5,
            onMs: byteAt(b, 4) * 100,
            offMs: byteAt(b, 4) * 100,
          }
        : { type: "setting", name: `DLE DC4 ${byteAt(b, 2)}` },
  },
};

const PREFIXES: Record<number, { name: string; table: Record<number, Spec> }> = {
  [ESC]: { name: "ESC", table: ESC_COMMANDS },
  [GS]: { name: "GS", table: GS_COMMANDS },
  [FS]: { name: "FS", table: FS_COMMANDS },
  [DLE]: { name: "DLE", table: DLE_COMMANDS },
};

function underline(b: Uint8Array): 0 | 1 | 2 {
  const n = byteAt(b, 2);
  return n === 1 || n === 49 ? 1 : n === 2 || n === 50 ? 2 : 0;
}

function alignment(n: number): Alignment {
  return n === 1 || n === 49 ? "center" : n === 2 || n === 50 ? "right" : "left";
}

function fontName(n: number): string {
  return "ABCDE".charAt(n >= 48 ? n - 48 : n) || `font ${n}`;
}

function initialize(state: ParserState): EscPosCommand {
  state.codepage = codepageOf(0, state.slots);
  state.qr = { model: 2, moduleSize: 3, errorLevel: "L", data: undefined };
  state.pdf417 = undefined;
  return { type: "init" };
}

function codepageOf(slot: number, slots: Readonly<Record<number, CodepageName>>): readonly string[] | undefined {
  const name = slots[slot];
  return name === undefined ? undefined : codepageTable(name);
}

function selectCodepage(slot: number, state: ParserState): EscPosCommand {
  const name = state.slots[slot];
  state.codepage = codepageOf(slot, state.slots);
  return name === undefined ? { type: "codepage", slot } : { type: "codepage", slot, codepage: name };
}

/** Code 128 data starts with a code set ("{A", "{B", "{C"); in set C each byte is two digits. */
function barcodeText(symbology: string, data: Uint8Array): string {
  if (symbology !== "code128" || data[0] !== 0x7b) return latin1(data);
  let out = "";
  let set = "B";
  for (let i = 0; i < data.length; i++) {
    const c = byteAt(data, i);
    if (c === 0x7b && i + 1 < data.length) {
      const next = String.fromCharCode(byteAt(data, ++i));
      if ("ABC".includes(next)) set = next;
      else if (next === "{") out += "{";
      continue; // shift and FNC codes carry no text
    }
    out += set === "C" ? String(c).padStart(2, "0") : String.fromCharCode(c);
  }
  return out;
}

/** ESC * m nL nH: column-format image, 8 or 24 dots high; turned into row-major bits. */
function columnImage(b: Uint8Array): EscPosCommand {
  const width = u16(b, 3);
  const bytesPerColumn = byteAt(b, 2) >= 32 ? 3 : 1;
  const height = bytesPerColumn * 8;
  const rowBytes = Math.ceil(width / 8);
  const bits = new Uint8Array(rowBytes * height);
  for (let x = 0; x < width; x++) {
    for (let k = 0; k < bytesPerColumn; k++) {
      const column = byteAt(b, 5 + x * bytesPerColumn + k);
      for (let bit = 0; bit < 8; bit++) {
        if (column & (0x80 >> bit)) {
          const y = k * 8 + bit;
          bits[y * rowBytes + (x >> 3)] = byteAt(bits, y * rowBytes + (x >> 3)) | (0x80 >> (x & 7));
        }
      }
    }
  }
  return { type: "image", mode: "column", width, height, bits };
}

const QR_LEVELS = { 48: "L", 49: "M", 50: "Q", 51: "H" } as const;

/** GS ( k: 2D codes. cn 49 = QR Code, cn 48 = PDF417; fn 80 stores data, fn 81 prints it. */
function extended(b: Uint8Array, state: ParserState): EscPosCommand {
  const fnChar = byteAt(b, 2);
  if (fnChar !== 0x6b) return { type: "setting", name: `GS ( ${String.fromCharCode(fnChar)}` };
  const cn = byteAt(b, 5);
  const fn = byteAt(b, 6);
  const payload = b.subarray(8);
  if (cn === 49) {
    const qr = state.qr;
    if (fn === 65) qr.model = byteAt(b, 7) - 48;
    else if (fn === 67) qr.moduleSize = byteAt(b, 7);
    else if (fn === 69) qr.errorLevel = QR_LEVELS[byteAt(b, 7) as keyof typeof QR_LEVELS] ?? qr.errorLevel;
    else if (fn === 80) qr.data = latin1(payload);
    else if (fn === 81) {
      if (qr.data === undefined) return { type: "unknown", bytes: b.slice(), message: "QR print without stored data" };
      return { type: "qrcode", data: qr.data, model: qr.model, moduleSize: qr.moduleSize, errorLevel: qr.errorLevel };
    }
    return { type: "setting", name: `GS ( k QR fn ${fn}` };
  }
  if (cn === 48) {
    if (fn === 80) state.pdf417 = latin1(payload);
    else if (fn === 81) {
      if (state.pdf417 === undefined)
        return { type: "unknown", bytes: b.slice(), message: "PDF417 print without data" };
      return { type: "pdf417", data: state.pdf417 };
    }
    return { type: "setting", name: `GS ( k PDF417 fn ${fn}` };
  }
  return { type: "setting", name: `GS ( k cn ${cn}` };
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (x) => x.toString(16).padStart(2, "0")).join(" ");

export class EscPosParser {
  private readonly state: ParserState;
  private readonly maxCommandBytes: number;
  private readonly maxTextRun: number;
  /** An incomplete command, kept as received; `needed` is its full length when known (else 0). */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private needed = 0;
  private text = "";
  private skipRemaining = 0;
  /** Where the pending command's data begins, once its length is known (Infinity: it carries none). */
  private pendingDataFrom = Number.POSITIVE_INFINITY;
  /** How much of "DLE EOT" ends the command data looked through so far: 0, 1 or 2 bytes. */
  private realtimeMatched = 0;

  constructor(options: EscPosParserOptions = {}) {
    const slots = options.codepageSlots ?? EPSON_CODEPAGE_SLOTS;
    this.state = {
      slots,
      codepage: codepageOf(0, slots),
      qr: { model: 2, moduleSize: 3, errorLevel: "L", data: undefined },
      pdf417: undefined,
    };
    this.maxCommandBytes = options.maxCommandBytes ?? 4 * 1024 * 1024;
    this.maxTextRun = options.maxTextRun ?? 4096;
  }

  /** Bytes held back waiting for the rest of a command. */
  get buffered(): number {
    return this.pendingBytes + this.text.length;
  }

  /** Parses what it can; keeps an incomplete command for the next call. Never throws. */
  feed(chunk: Uint8Array): EscPosCommand[] {
    const out: EscPosCommand[] = [];
    let bytes = chunk;
    if (this.skipRemaining > 0) {
      const n = Math.min(this.skipRemaining, bytes.length);
      this.skipRemaining -= n;
      bytes = bytes.subarray(n);
    }
    if (this.pendingBytes > 0 && this.pendingBytes + bytes.length < this.needed) {
      // Still short of a known length (a big image arriving in pieces): keep the piece, answer what it asks.
      this.scanData(bytes, Math.max(0, this.pendingDataFrom - this.pendingBytes), bytes.length, out);
      this.keep(bytes.slice(), this.needed);
      return out;
    }
    // The first command in `buf` may be a pending one whose first bytes were looked through already.
    let seen = this.pendingBytes;
    const buf = this.pendingBytes === 0 ? bytes : concat([...this.pending, bytes]);
    this.pending = [];
    this.pendingBytes = 0;
    this.needed = 0;
    let i = 0;
    while (i < buf.length) {
      const b = byteAt(buf, i);
      if (b >= 0x20) {
        this.addText(b, out);
        i++;
        continue;
      }
      const prefix = PREFIXES[b];
      if (!prefix) {
        this.control(b, out);
        i++;
        continue;
      }
      if (i + 1 >= buf.length) {
        this.keep(buf.slice(i), 0);
        break;
      }
      const spec = prefix.table[byteAt(buf, i + 1)];
      this.flushText(out);
      // A resumed command's first `seen` bytes were looked through before; any later command starts afresh.
      const scanned = seen;
      seen = 0;
      if (scanned === 0) this.realtimeMatched = 0;
      if (!spec) {
        const bytes = buf.slice(i, i + 2);
        out.push({
          type: "unknown",
          bytes,
          message: `Unknown command ${hex(bytes)} (${prefix.name}); skipped 2 bytes`,
        });
        i += 2;
        continue;
      }
      const view = buf.subarray(i);
      const length = typeof spec.length === "number" ? spec.length : spec.length(view);
      if (length === BAD) {
        const bytes = buf.slice(i, i + 2);
        out.push({
          type: "unknown",
          bytes,
          message: `Malformed ${spec.name} (${hex(view.subarray(0, 8))}…); skipped 2 bytes`,
        });
        i += 2;
        continue;
      }
      if (length > this.maxCommandBytes) {
        out.push({
          type: "unknown",
          bytes: view.slice(0, 8),
          message: `${spec.name} of ${length} bytes exceeds the ${this.maxCommandBytes}-byte limit; skipped`,
        });
        const available = buf.length - i;
        this.skipRemaining = Math.max(0, length - available);
        i += Math.min(length, available);
        continue;
      }
      const dataFrom = spec.dataFrom === undefined ? Number.POSITIVE_INFINITY : dataStart(spec.dataFrom, view);
      if (length === NEED_MORE || view.length < length) {
        this.scanData(view, Math.max(dataFrom, scanned), view.length, out);
        this.keep(buf.slice(i), length === NEED_MORE ? 0 : length);
        this.pendingDataFrom = dataFrom;
        break;
      }
      this.scanData(view, Math.max(dataFrom, scanned), length, out);
      const command = spec.build?.(view.subarray(0, length), this.state);
      if (command) out.push(command);
      i += length;
    }
    return out;
  }

  /** Emits text held back at the end of a stream (a line without a final LF). */
  flush(): EscPosCommand[] {
    const out: EscPosCommand[] = [];
    this.flushText(out);
    if (this.pendingBytes > 0) {
      const head = concat(this.pending).subarray(0, 8);
      out.push({ type: "unknown", bytes: head.slice(), message: `Stream ended inside a command (${hex(head)}…)` });
      this.pending = [];
      this.pendingBytes = 0;
      this.needed = 0;
    }
    this.realtimeMatched = 0;
    return out;
  }

  /** Looks through command data, bytes [from, to) of `view`, for real-time status requests (DLE EOT 1-4). */
  private scanData(view: Uint8Array, from: number, to: number, out: EscPosCommand[]): void {
    for (let k = from; k < to; k++) this.matchRealtime(byteAt(view, k), out);
  }

  /** One byte of command data through the DLE EOT n (n 1-4) matcher. */
  private matchRealtime(byte: number, out: EscPosCommand[]): void {
    if (this.realtimeMatched === 2 && byte >= 1 && byte <= 4) {
      out.push({ type: "statusRequest", n: byte });
      this.realtimeMatched = 0;
    } else if (byte === DLE) this.realtimeMatched = 1;
    else this.realtimeMatched = this.realtimeMatched === 1 && byte === 0x04 ? 2 : 0;
  }

  private keep(bytes: Uint8Array, needed: number): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.needed = needed;
  }

  private addText(b: number, out: EscPosCommand[]): void {
    const table = this.state.codepage;
    this.text += b < 0x80 ? String.fromCharCode(b) : (table?.[b] ?? "\uFFFD");
    if (this.text.length >= this.maxTextRun) this.flushText(out);
  }

  private flushText(out: EscPosCommand[]): void {
    if (this.text === "") return;
    out.push({ type: "text", text: this.text });
    this.text = "";
  }

  private control(b: number, out: EscPosCommand[]): void {
    if (b === 0x00) return; // NUL is padding
    this.flushText(out);
    if (b === 0x0a) out.push({ type: "lineFeed" });
    else if (b === 0x0d) out.push({ type: "carriageReturn" });
    else if (b === 0x09) out.push({ type: "tab" });
    else if (b === 0x0c) out.push({ type: "formFeed" });
    else if (b === 0x18) out.push({ type: "setting", name: "CAN cancel page data" });
    else
      out.push({
        type: "unknown",
        bytes: Uint8Array.of(b),
        message: `Unexpected control byte ${hex(Uint8Array.of(b))}; skipped`,
      });
  }
}

function dataStart(from: number | ((b: Uint8Array) => number), command: Uint8Array): number {
  return typeof from === "number" ? from : from(command);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Parses a whole byte stream at once. */
export function parseEscPos(bytes: Uint8Array, options: EscPosParserOptions = {}): EscPosCommand[] {
  const parser = new EscPosParser(options);
  return [...parser.feed(bytes), ...parser.flush()];
}
