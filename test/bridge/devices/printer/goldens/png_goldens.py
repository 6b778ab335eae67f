#!/usr/bin/env python3
"""Independent PNG writer for the logo decoder's goldens (stdlib only: zlib, struct).

Each case defines its pixels directly as RGBA, writes them as a PNG of the given colour type,
bit depth, filter choice and interlacing (W3C PNG spec: chunks, filters 0-4, Adam7), and prints
JSON: the PNG as hex and the RGBA the decoder must return. Run: python3 png_goldens.py > png-goldens.json
"""
import json, struct, zlib

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

def pack_row(samples, depth):
    if depth == 8:
        return bytes(samples)
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    bits = "".join(format(s, "0%db" % depth) for s in samples)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))

def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)

def filter_row(kind, row, prev, bpp):
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i] if prev else 0
        c = prev[i - bpp] if prev and i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out.append((x - pred) & 0xFF)
    return bytes([kind]) + bytes(out)

def encode(width, height, samples_at, per_pixel, depth, colour, filters, interlace, extra=b""):
    bpp = max(1, per_pixel * depth // 8)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    raw = b""
    n = 0
    for (x0, y0, dx, dy) in passes:
        xs = list(range(x0, width, dx))
        ys = list(range(y0, height, dy))
        if not xs or not ys:
            continue
        prev = None
        for y in ys:
            row = pack_row([s for x in xs for s in samples_at(x, y)], depth)
            raw += filter_row(filters[n % len(filters)], row, prev, bpp)
            prev = row
            n += 1
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 1 if interlace else 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"tEXt", b"Comment\x00golden") + \
        chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")

cases = []

def case(name, width, height, pixel, per_pixel, depth, colour, filters, interlace=False, extra=b"", rgba=None):
    png = encode(width, height, pixel, per_pixel, depth, colour, filters, interlace, extra)
    cases.append({"name": name, "width": width, "height": height, "png": png.hex(),
                  "rgba": [v for y in range(height) for x in range(width) for v in rgba(x, y)]})

# 8-bit greyscale, every filter type in turn
g8 = lambda x, y: (x * 37 + y * 91) % 256
case("grey8 filters 0-4", 7, 5, lambda x, y: [g8(x, y)], 1, 8, 0, [0, 1, 2, 3, 4],
     rgba=lambda x, y: [g8(x, y)] * 3 + [255])
# 1-bit greyscale, width not a multiple of 8, sub and paeth
g1 = lambda x, y: (x + y) % 3 == 0
case("grey1 odd width", 11, 3, lambda x, y: [1 if g1(x, y) else 0], 1, 1, 0, [1, 4],
     rgba=lambda x, y: [255 if g1(x, y) else 0] * 3 + [255])
# 2-bit greyscale, Adam7 interlaced, with a transparent grey level (tRNS)
g2 = lambda x, y: (x * 3 + y) % 4
case("grey2 interlaced tRNS", 9, 10, lambda x, y: [g2(x, y)], 1, 2, 0, [0, 2, 3, 4], interlace=True,
     extra=chunk(b"tRNS", struct.pack(">H", 2)),
     rgba=lambda x, y: [g2(x, y) * 85] * 3 + [0 if g2(x, y) == 2 else 255])
# 8-bit RGB with the Paeth filter
rgb = lambda x, y: [(x * 50) % 256, (y * 70) % 256, (x * y * 13) % 256]
case("rgb8 paeth", 6, 4, rgb, 3, 8, 2, [4], rgba=lambda x, y: rgb(x, y) + [255])
# 4-bit palette with transparency for two entries, average filter
pal = [(0, 0, 0), (255, 255, 255), (200, 10, 10), (10, 200, 10), (10, 10, 200)]
pi = lambda x, y: (x + 2 * y) % 5
case("palette4 tRNS", 5, 5, lambda x, y: [pi(x, y)], 1, 4, 3, [3, 0],
     extra=chunk(b"PLTE", b"".join(bytes(c) for c in pal)) + chunk(b"tRNS", bytes([255, 0, 128])),
     rgba=lambda x, y: list(pal[pi(x, y)]) + [[255, 0, 128, 255, 255][pi(x, y)]])
# 16-bit grey + alpha, up filter (decoder keeps the high byte)
ga = lambda x, y: [(x * 4000 + y * 300) % 65536, (65535 - x * 9000) % 65536]
case("grey-alpha16 up", 4, 3, ga, 2, 16, 4, [2],
     rgba=lambda x, y: [ga(x, y)[0] >> 8] * 3 + [ga(x, y)[1] >> 8])
# 8-bit RGBA, interlaced, all filters
rgba8 = lambda x, y: [(x * 31) % 256, (y * 17) % 256, 128, (x * y * 7) % 256]
case("rgba8 interlaced", 10, 9, rgba8, 4, 8, 6, [1, 2, 3, 4, 0], interlace=True, rgba=rgba8)

print(json.dumps(cases, indent=1))
