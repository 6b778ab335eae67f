import { readFileSync } from "node:fs";
import { crc32, deflateSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ImageError } from "../../../../bridge/devices/printer/errors.ts";
import { decodePng, monoToRgba } from "../../../../bridge/devices/printer/image.ts";

interface Golden {
  name: string;
  width: number;
  height: number;
  png: string;
  rgba: number[];
}

/** PNGs written by an independent Python encoder (goldens/png_goldens.py), with the RGBA they hold. */
const GOLDENS = JSON.parse(readFileSync(new URL("./goldens/png-goldens.json", import.meta.url), "utf8")) as Golden[];

const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof ImageError) return err.code;
    throw err;
  }
  return "none";
}

describe("PNG logo decoder", () => {
  it.each(GOLDENS.map((g) => [g.name, g] as const))("decodes the %s golden", (_, golden) => {
    const image = decodePng(fromHex(golden.png));
    expect(image.width).toBe(golden.width);
    expect(image.height).toBe(golden.height);
    expect(Array.from(image.data)).toEqual(golden.rgba);
  });

  it("reports what is wrong with a damaged file, with a stable code", () => {
    const png = fromHex(GOLDENS[0]?.png ?? "");
    expect(codeOf(() => decodePng(Uint8Array.of(1, 2, 3)))).toBe("IMAGE_BAD_SIGNATURE");
    expect(codeOf(() => decodePng(new TextEncoder().encode("GIF89a......")))).toBe("IMAGE_BAD_SIGNATURE");
    expect(codeOf(() => decodePng(png.subarray(0, 40)))).toBe("IMAGE_BAD_CHUNK");
    const flipped = png.slice();
    flipped[20] = (flipped[20] ?? 0) ^ 0x01; // inside IHDR: its CRC no longer matches
    expect(codeOf(() => decodePng(flipped))).toBe("IMAGE_BAD_CRC");
    expect(codeOf(() => decodePng(buildPng({ width: 5000, height: 1, colourType: 0, depth: 8, rows: [] })))).toBe(
      "IMAGE_TOO_LARGE",
    );
    expect(codeOf(() => decodePng(buildPng({ width: 1, height: 1, colourType: 2, depth: 4, rows: [] })))).toBe(
      "IMAGE_BAD_DATA",
    );
    // Filter type 5 does not exist.
    const badFilter = buildPng({ width: 1, height: 1, colourType: 0, depth: 8, rows: [Uint8Array.of(5, 0)] });
    expect(codeOf(() => decodePng(badFilter))).toBe("IMAGE_BAD_DATA");
    // Too little data for the declared size.
    const short = buildPng({ width: 4, height: 4, colourType: 0, depth: 8, rows: [Uint8Array.of(0, 1, 2, 3, 4)] });
    expect(codeOf(() => decodePng(short))).toBe("IMAGE_BAD_DATA");
    const message = (() => {
      try {
        decodePng(flipped);
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toMatch(/Logo PNG: chunk "IHDR" .* CRC/);
  });

  it("a palette index beyond the palette is an error, not a crash", () => {
    const png = buildPng({
      width: 2,
      height: 1,
      colourType: 3,
      depth: 8,
      rows: [Uint8Array.of(0, 0, 7)],
      palette: Uint8Array.of(0, 0, 0, 255, 255, 255),
    });
    expect(codeOf(() => decodePng(png))).toBe("IMAGE_BAD_DATA");
  });

  it("round trip: random images of every colour type, depth, filter and interlacing", () => {
    fc.assert(
      fc.property(imageArbitrary(), (spec) => {
        const png = buildPng(encodeRows(spec));
        const image = decodePng(png);
        expect(image.width).toBe(spec.width);
        expect(image.height).toBe(spec.height);
        expect(Array.from(image.data)).toEqual(expectedRgba(spec));
      }),
      { numRuns: 150 },
    );
  });

  it("random bytes and damaged PNGs only ever give ImageError", () => {
    const valid = GOLDENS.map((g) => fromHex(g.png));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(() => decodePng(bytes)).toThrow(ImageError);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat()),
        (which, edits, cut) => {
          const png = (valid[which] ?? new Uint8Array()).slice();
          // Damage the bytes after the signature, and keep the CRCs right half the time so the decoder
          // gets past the checks into the image data.
          for (const [at, value] of edits) png[8 + (at % (png.length - 8))] = value;
          const damaged = cut === null ? png : png.subarray(0, cut % png.length);
          for (const candidate of [damaged, fixCrcs(damaged)]) {
            try {
              decodePng(candidate);
            } catch (err) {
              expect(err).toBeInstanceOf(ImageError);
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("1-bit bitmaps", () => {
  it("turns set bits into black dots, most significant bit first", () => {
    const image = monoToRgba({ width: 10, height: 1, bits: Uint8Array.of(0b1000_0001, 0b0100_0000) });
    const dots = Array.from({ length: 10 }, (_, x) => image.data[x * 4]);
    expect(dots).toEqual([0, 255, 255, 255, 255, 255, 255, 0, 255, 0]);
    expect(image.data[3]).toBe(255);
  });

  it("rejects a size that does not match the bytes", () => {
    expect(codeOf(() => monoToRgba({ width: 9, height: 2, bits: new Uint8Array(2) }))).toBe("IMAGE_BAD_DATA");
    expect(codeOf(() => monoToRgba({ width: 0, height: 2, bits: new Uint8Array(0) }))).toBe("IMAGE_BAD_DATA");
    expect(codeOf(() => monoToRgba({ width: 5000, height: 1, bits: new Uint8Array(625) }))).toBe("IMAGE_TOO_LARGE");
  });
});

// ---- A small test-side PNG writer, for round trips and hand-made broken files. ----

const COMBOS = [
  { colourType: 0, depth: 1, samples: 1 },
  { colourType: 0, depth: 2, samples: 1 },
  { colourType: 0, depth: 4, samples: 1 },
  { colourType: 0, depth: 8, samples: 1 },
  { colourType: 0, depth: 16, samples: 1 },
  { colourType: 2, depth: 8, samples: 3 },
  { colourType: 2, depth: 16, samples: 3 },
  { colourType: 3, depth: 1, samples: 1 },
  { colourType: 3, depth: 2, samples: 1 },
  { colourType: 3, depth: 4, samples: 1 },
  { colourType: 3, depth: 8, samples: 1 },
  { colourType: 4, depth: 8, samples: 2 },
  { colourType: 4, depth: 16, samples: 2 },
  { colourType: 6, depth: 8, samples: 4 },
  { colourType: 6, depth: 16, samples: 4 },
] as const;

interface ImageSpec {
  width: number;
  height: number;
  combo: (typeof COMBOS)[number];
  interlaced: boolean;
  /** samples[y][x] = the pixel's samples, each 0..2^depth-1 (palette indices for colour type 3). */
  samples: number[][][];
  filters: number[];
  palette: number[];
}

function imageArbitrary(): fc.Arbitrary<ImageSpec> {
  return fc
    .record({
      width: fc.integer({ min: 1, max: 13 }),
      height: fc.integer({ min: 1, max: 11 }),
      combo: fc.constantFrom(...COMBOS),
      interlaced: fc.boolean(),
      filters: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 8 }),
      seed: fc.integer(),
    })
    .map(({ seed, ...rest }) => {
      let x = seed | 0 || 1;
      const next = () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x >>> 0;
      };
      const max = 2 ** rest.combo.depth;
      const paletteSize = rest.combo.colourType === 3 ? Math.min(max, 1 + (next() % 16)) : 0;
      const samples = Array.from({ length: rest.height }, () =>
        Array.from({ length: rest.width }, () =>
          Array.from({ length: rest.combo.samples }, () => next() % (paletteSize || max)),
        ),
      );
      const palette = Array.from({ length: paletteSize * 3 }, () => next() % 256);
      return { ...rest, samples, palette };
    });
}

const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

function packRow(values: number[], depth: number): Uint8Array {
  if (depth === 16) return Uint8Array.from(values.flatMap((v) => [v >> 8, v & 0xff]));
  if (depth === 8) return Uint8Array.from(values);
  const out = new Uint8Array(Math.ceil((values.length * depth) / 8));
  values.forEach((v, i) => {
    const bit = i * depth;
    out[bit >> 3] = (out[bit >> 3] ?? 0) | (v << (8 - depth - (bit % 8)));
  });
  return out;
}

function filterRow(type: number, row: Uint8Array, prev: Uint8Array | undefined, bpp: number): Uint8Array {
  const out = new Uint8Array(row.length + 1);
  out[0] = type;
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? (row[i - bpp] ?? 0) : 0;
    const b = prev?.[i] ?? 0;
    const c = i >= bpp ? (prev?.[i - bpp] ?? 0) : 0;
    const p = a + b - c;
    const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
    const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    const predicted = [0, a, b, (a + b) >> 1, paeth][type] ?? 0;
    out[i + 1] = ((row[i] ?? 0) - predicted) & 0xff;
  }
  return out;
}

interface PngParts {
  width: number;
  height: number;
  colourType: number;
  depth: number;
  interlaced?: boolean;
  /** Filtered scanlines (filter byte first), concatenated and compressed as the IDAT. */
  rows: Uint8Array[];
  palette?: Uint8Array;
}

function encodeRows(spec: ImageSpec): PngParts {
  const { depth, samples: perPixel } = spec.combo;
  const bpp = Math.max(1, (perPixel * depth) / 8);
  const rows: Uint8Array[] = [];
  const passes = spec.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  let n = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const xs = range(x0, spec.width, dx);
    const ys = range(y0, spec.height, dy);
    if (xs.length === 0 || ys.length === 0) continue;
    let prev: Uint8Array | undefined;
    for (const y of ys) {
      const row = packRow(
        xs.flatMap((x) => spec.samples[y]?.[x] ?? []),
        depth,
      );
      rows.push(filterRow(spec.filters[n++ % spec.filters.length] ?? 0, row, prev, bpp));
      prev = row;
    }
  }
  return {
    width: spec.width,
    height: spec.height,
    colourType: spec.combo.colourType,
    depth,
    interlaced: spec.interlaced,
    rows,
    ...(spec.palette.length > 0 ? { palette: Uint8Array.from(spec.palette) } : {}),
  };
}

function expectedRgba(spec: ImageSpec): number[] {
  const { depth, colourType } = spec.combo;
  const scale = (v: number) => (depth === 16 ? v >> 8 : Math.round((v * 255) / (2 ** depth - 1)));
  return spec.samples.flatMap((row) =>
    row.flatMap((s) => {
      const [a = 0, b = 0, c = 0, d = 0] = s;
      switch (colourType) {
        case 0:
          return [scale(a), scale(a), scale(a), 255];
        case 2:
          return [scale(a), scale(b), scale(c), 255];
        case 3:
          return [spec.palette[a * 3] ?? 0, spec.palette[a * 3 + 1] ?? 0, spec.palette[a * 3 + 2] ?? 0, 255];
        case 4:
          return [scale(a), scale(a), scale(a), scale(b)];
        default:
          return [scale(a), scale(b), scale(c), scale(d)];
      }
    }),
  );
}

function range(start: number, end: number, step: number): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i += step) out.push(i);
  return out;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function buildPng(parts: PngParts): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(parts.width, 0);
  ihdr.writeUInt32BE(parts.height, 4);
  ihdr.set([parts.depth, parts.colourType, 0, 0, parts.interlaced ? 1 : 0], 8);
  return Uint8Array.from(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk("IHDR", ihdr),
      ...(parts.palette ? [pngChunk("PLTE", parts.palette)] : []),
      pngChunk("IDAT", deflateSync(Buffer.concat(parts.rows))),
      pngChunk("IEND", new Uint8Array()),
    ]),
  );
}

/** Recomputes every chunk CRC it can find, so damage inside chunk data reaches the decoding steps. */
function fixCrcs(png: Uint8Array): Uint8Array {
  const out = png.slice();
  let at = 8;
  while (at + 12 <= out.length) {
    const length = ((out[at] ?? 0) << 24) | ((out[at + 1] ?? 0) << 16) | ((out[at + 2] ?? 0) << 8) | (out[at + 3] ?? 0);
    if (length < 0 || at + 12 + length > out.length) break;
    const crc = crc32(out.subarray(at + 4, at + 8 + length));
    out.set([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff], at + 8 + length);
    at += 12 + length;
  }
  return out;
}
