/**
 * Logo images for receipts: a PNG decoder (the format libraries have their logo in) and 1-bit
 * bitmaps, both turned into the RGBA form receipt-printer-encoder takes and dithers.
 *
 * PNG per the W3C PNG specification (2nd edition): chunk layout and CRC-32 (§5), IHDR colour
 * type/bit depth combinations (§11.2.2), filters 0-4 with the Paeth predictor (§9), Adam7 passes
 * (§8.2: start rows 0 0 4 0 2 0 1, start columns 0 4 0 2 0 1 0, row steps 8 8 8 4 4 2 2, column
 * steps 8 8 4 4 2 2 1), tRNS transparency (§11.3.2.1). Ancillary chunks are skipped; gamma and
 * colour profiles do not matter for a black-and-white thermal print.
 */
import { crc32, inflateSync } from "node:zlib";
import { describeError } from "../../../protocols/errors.ts";
import { ImageError } from "./errors.ts";

/** 8-bit RGBA pixels, row by row: the shape receipt-printer-encoder's image() accepts. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** A 1-bit bitmap: rows of ceil(width / 8) bytes, most significant bit first, 1 = black dot. */
export interface MonoBitmap {
  width: number;
  height: number;
  bits: Uint8Array;
}

/** Largest side we accept; a receipt is at most 576 dots wide, so this is generous for a logo. */
export const MAX_IMAGE_SIDE = 4096;
const MAX_PIXELS = 4096 * 1024;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Allowed bit depths per colour type, and samples per pixel. */
const COLOUR_TYPES: Record<number, { name: string; depths: readonly number[]; samples: number }> = {
  0: { name: "greyscale", depths: [1, 2, 4, 8, 16], samples: 1 },
  2: { name: "truecolour", depths: [8, 16], samples: 3 },
  3: { name: "indexed", depths: [1, 2, 4, 8], samples: 1 },
  4: { name: "greyscale with alpha", depths: [8, 16], samples: 2 },
  6: { name: "truecolour with alpha", depths: [8, 16], samples: 4 },
};

const ADAM7 = [
  { x0: 0, y0: 0, dx: 8, dy: 8 },
  { x0: 4, y0: 0, dx: 8, dy: 8 },
  { x0: 0, y0: 4, dx: 4, dy: 8 },
  { x0: 2, y0: 0, dx: 4, dy: 4 },
  { x0: 0, y0: 2, dx: 2, dy: 4 },
  { x0: 1, y0: 0, dx: 2, dy: 2 },
  { x0: 0, y0: 1, dx: 1, dy: 2 },
] as const;

interface Header {
  width: number;
  height: number;
  depth: number;
  colourType: number;
  interlaced: boolean;
}

function fail(code: ConstructorParameters<typeof ImageError>[0], message: string, details = {}): never {
  throw new ImageError(code, `Logo PNG: ${message}`, details);
}

const u32 = (b: Uint8Array, i: number) =>
  (((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;

/** Decodes a PNG file. Throws ImageError (never anything else) for anything it cannot read. */
export function decodePng(png: Uint8Array): RgbaImage {
  if (!(png instanceof Uint8Array) || png.length < 8 || SIGNATURE.some((b, i) => png[i] !== b)) {
    fail("IMAGE_BAD_SIGNATURE", "this is not a PNG file (the 8-byte signature is missing); export the logo as PNG");
  }
  let header: Header | undefined;
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let offset = 8;
  let ended = false;
  while (!ended) {
    if (offset + 12 > png.length) fail("IMAGE_BAD_CHUNK", "the file ends before the IEND chunk; it is truncated");
    const length = u32(png, offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    if (length > png.length - offset - 12) {
      fail("IMAGE_BAD_CHUNK", `chunk "${type}" claims ${length} bytes, more than the file holds; it is truncated`);
    }
    const body = png.subarray(offset + 8, offset + 8 + length);
    const stored = u32(png, offset + 8 + length);
    if (crc32(png.subarray(offset + 4, offset + 8 + length)) !== stored) {
      fail("IMAGE_BAD_CRC", `chunk "${type}" at byte ${offset} fails its CRC check; the file is damaged`, { type });
    }
    offset += 12 + length;
    if (header === undefined && type !== "IHDR") fail("IMAGE_BAD_CHUNK", "the first chunk must be IHDR");
    switch (type) {
      case "IHDR":
        if (header) fail("IMAGE_BAD_CHUNK", "more than one IHDR chunk");
        header = readHeader(body);
        break;
      case "PLTE":
        if (length % 3 !== 0 || length === 0 || length > 768) fail("IMAGE_BAD_CHUNK", "the palette size is invalid");
        palette = body;
        break;
      case "tRNS":
        transparency = body;
        break;
      case "IDAT":
        idat.push(body);
        break;
      case "IEND":
        ended = true;
        break;
      default:
        // An unknown critical chunk (upper-case first letter) changes how to read the image.
        if (/^[A-Z]/.test(type)) fail("IMAGE_UNSUPPORTED", `unknown critical chunk "${type.replace(/[^ -~]/g, "?")}"`);
    }
  }
  if (!header) return fail("IMAGE_BAD_CHUNK", "no IHDR chunk");
  if (header.colourType === 3 && !palette) fail("IMAGE_BAD_CHUNK", "an indexed-colour image needs a PLTE chunk");
  if (idat.length === 0) fail("IMAGE_BAD_CHUNK", "no image data (IDAT)");
  const raw = inflate(Buffer.concat(idat), header);
  return toRgba(header, unfilter(raw, header), palette, transparency);
}

function readHeader(body: Uint8Array): Header {
  if (body.length !== 13) fail("IMAGE_BAD_CHUNK", "IHDR must be 13 bytes");
  const width = u32(body, 0);
  const height = u32(body, 4);
  const [depth = 0, colourType = 0, compression, filter, interlace] = body.subarray(8);
  const kind = COLOUR_TYPES[colourType];
  if (!kind) fail("IMAGE_BAD_DATA", `colour type ${colourType} does not exist`);
  if (!kind?.depths.includes(depth)) fail("IMAGE_BAD_DATA", `bit depth ${depth} is not allowed for ${kind?.name}`);
  if (compression !== 0 || filter !== 0 || (interlace !== 0 && interlace !== 1)) {
    fail("IMAGE_UNSUPPORTED", "unknown compression, filter or interlace method");
  }
  if (width === 0 || height === 0) fail("IMAGE_BAD_DATA", "the image has no pixels");
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_PIXELS) {
    fail("IMAGE_TOO_LARGE", `${width}x${height} is too large for a receipt logo; scale it to at most 576 dots wide`, {
      width,
      height,
    });
  }
  return { width, height, depth, colourType, interlaced: interlace === 1 };
}

const samplesOf = (h: Header) => COLOUR_TYPES[h.colourType]?.samples ?? 1;
const rowBytes = (h: Header, width: number) => Math.ceil((width * samplesOf(h) * h.depth) / 8);

/** The sub-images the decompressed data holds: the whole image, or the 7 Adam7 passes (empty ones left out). */
function passes(h: Header): { width: number; height: number; x0: number; y0: number; dx: number; dy: number }[] {
  if (!h.interlaced) return [{ width: h.width, height: h.height, x0: 0, y0: 0, dx: 1, dy: 1 }];
  return ADAM7.map((p) => ({
    ...p,
    width: Math.max(0, Math.ceil((h.width - p.x0) / p.dx)),
    height: Math.max(0, Math.ceil((h.height - p.y0) / p.dy)),
  })).filter((p) => p.width > 0 && p.height > 0);
}

function inflate(data: Buffer, h: Header): Uint8Array {
  const expected = passes(h).reduce((n, p) => n + p.height * (1 + rowBytes(h, p.width)), 0);
  let raw: Buffer;
  try {
    // The limit stops a small file from inflating into gigabytes.
    raw = inflateSync(data, { maxOutputLength: expected + 1 });
  } catch (err) {
    return fail("IMAGE_BAD_DATA", `the compressed image data is damaged (${describeError(err)})`);
  }
  if (raw.length < expected) {
    fail("IMAGE_BAD_DATA", `the image data is ${raw.length} bytes, ${expected} expected; the file is damaged`);
  }
  return raw;
}

/** Undoes the per-row filters and places interlaced passes; returns one sample buffer of full rows. */
function unfilter(raw: Uint8Array, h: Header): Uint8Array {
  const fullRow = rowBytes(h, h.width);
  const out = new Uint8Array(fullRow * h.height);
  const bytesPerPixel = Math.max(1, (samplesOf(h) * h.depth) / 8);
  const bitsPerPixel = samplesOf(h) * h.depth;
  let at = 0;
  for (const pass of passes(h)) {
    const length = rowBytes(h, pass.width);
    let previous = new Uint8Array(length);
    for (let y = 0; y < pass.height; y++) {
      const filter = raw[at] ?? 0;
      const row = raw.slice(at + 1, at + 1 + length);
      at += 1 + length;
      applyFilter(filter, row, previous, bytesPerPixel, y);
      previous = row;
      if (!h.interlaced) {
        out.set(row, y * fullRow);
        continue;
      }
      for (let x = 0; x < pass.width; x++) {
        copyPixel(row, x, out, (pass.y0 + y * pass.dy) * fullRow, pass.x0 + x * pass.dx, bitsPerPixel);
      }
    }
  }
  return out;
}

function applyFilter(filter: number, row: Uint8Array, prior: Uint8Array, bpp: number, y: number): void {
  const left = (i: number) => (i >= bpp ? (row[i - bpp] ?? 0) : 0);
  const up = (i: number) => prior[i] ?? 0;
  const upLeft = (i: number) => (i >= bpp ? (prior[i - bpp] ?? 0) : 0);
  const predictors: Record<number, (i: number) => number> = {
    0: () => 0,
    1: left,
    2: up,
    3: (i) => (left(i) + up(i)) >> 1,
    4: (i) => paeth(left(i), up(i), upLeft(i)),
  };
  const predict = predictors[filter];
  if (!predict) fail("IMAGE_BAD_DATA", `row ${y} uses filter type ${filter}, which does not exist`);
  if (filter === 0) return;
  for (let i = 0; i < row.length; i++) row[i] = ((row[i] ?? 0) + predict(i)) & 0xff;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Copies pixel `x` of a pass row to column `tx` of a full-image row starting at `rowStart`. */
function copyPixel(row: Uint8Array, x: number, out: Uint8Array, rowStart: number, tx: number, bits: number): void {
  if (bits >= 8) {
    const n = bits / 8;
    out.set(row.subarray(x * n, x * n + n), rowStart + tx * n);
    return;
  }
  const value = readBits(row, x * bits, bits);
  const bit = tx * bits;
  const shift = 8 - bits - (bit % 8);
  const index = rowStart + (bit >> 3);
  out[index] = ((out[index] ?? 0) & ~(((1 << bits) - 1) << shift)) | (value << shift);
}

function readBits(row: Uint8Array, bit: number, bits: number): number {
  return ((row[bit >> 3] ?? 0) >> (8 - bits - (bit % 8))) & ((1 << bits) - 1);
}

function toRgba(h: Header, samples: Uint8Array, palette?: Uint8Array, trns?: Uint8Array): RgbaImage {
  const { width, height, depth, colourType } = h;
  const data = new Uint8ClampedArray(width * height * 4);
  const fullRow = rowBytes(h, width);
  const perPixel = samplesOf(h);
  const max = (1 << depth) - 1;
  // Sample s of pixel x in row y, as read (0..max) and scaled to 8 bits.
  const raw = (y: number, x: number, s: number): number => {
    const start = y * fullRow;
    if (depth === 16)
      return ((samples[start + (x * perPixel + s) * 2] ?? 0) << 8) | (samples[start + (x * perPixel + s) * 2 + 1] ?? 0);
    if (depth === 8) return samples[start + x * perPixel + s] ?? 0;
    return readBits(samples.subarray(start, start + fullRow), x * depth, depth);
  };
  const scale = (v: number) => (depth === 16 ? v >> 8 : Math.round((v * 255) / max));
  const key = (i: number) =>
    trns && trns.length >= 2 * (i + 1) ? ((trns[2 * i] ?? 0) << 8) | (trns[2 * i + 1] ?? 0) : -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      let rgba: [number, number, number, number];
      switch (colourType) {
        case 0: {
          const g = raw(y, x, 0);
          rgba = [scale(g), scale(g), scale(g), g === key(0) ? 0 : 255];
          break;
        }
        case 2: {
          const [r, g, b] = [raw(y, x, 0), raw(y, x, 1), raw(y, x, 2)];
          const transparent = r === key(0) && g === key(1) && b === key(2);
          rgba = [scale(r), scale(g), scale(b), transparent ? 0 : 255];
          break;
        }
        case 3: {
          const i = raw(y, x, 0);
          if (palette && i * 3 + 2 >= palette.length) {
            return fail("IMAGE_BAD_DATA", `pixel (${x}, ${y}) uses palette entry ${i}, which is not in the palette`);
          }
          rgba = [palette?.[i * 3] ?? 0, palette?.[i * 3 + 1] ?? 0, palette?.[i * 3 + 2] ?? 0, trns?.[i] ?? 255];
          break;
        }
        case 4:
          rgba = [scale(raw(y, x, 0)), scale(raw(y, x, 0)), scale(raw(y, x, 0)), scale(raw(y, x, 1))];
          break;
        default:
          rgba = [scale(raw(y, x, 0)), scale(raw(y, x, 1)), scale(raw(y, x, 2)), scale(raw(y, x, 3))];
      }
      data.set(rgba, o);
    }
  }
  return { width, height, data };
}

/** A 1-bit bitmap as RGBA (black dots opaque black, the rest white). Throws ImageError on a bad size. */
export function monoToRgba(bitmap: MonoBitmap): RgbaImage {
  const { width, height, bits } = bitmap;
  const stride = Math.ceil(width / 8);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    fail("IMAGE_BAD_DATA", `a bitmap needs a whole width and height ≥ 1 (got ${width}x${height})`);
  }
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) fail("IMAGE_TOO_LARGE", `${width}x${height} is too large`);
  if (!(bits instanceof Uint8Array) || bits.length !== stride * height) {
    fail("IMAGE_BAD_DATA", `a ${width}x${height} bitmap is ${stride * height} bytes (got ${bits?.length})`);
  }
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = readBits(bits.subarray(y * stride, (y + 1) * stride), x, 1) === 1 ? 0 : 255;
      data.set([v, v, v, 255], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}
