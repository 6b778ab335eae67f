# Verifies the CRCs of public 3M 810 captures (Biblio-RFID 3m-810.pl, koha-rfid-3m810-js live-capture.txt)
# and the ISO 28560-3 vectors of libdanrfid and a Rust decoder. Run: python3 check_captures.py
def crc16(data, poly=0x1021, init=0xFFFF, xorout=0, refin=False):
    if refin:
        rpoly = int('{:016b}'.format(poly)[::-1], 2)
        c = init
        for b in data:
            c ^= b
            for _ in range(8):
                c = (c >> 1) ^ rpoly if c & 1 else c >> 1
        return c ^ xorout
    c = init
    for b in data:
        c ^= b << 8
        for _ in range(8):
            c = ((c << 1) ^ poly) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
    return c ^ xorout
chk = b"123456789"
print("ccitt-false", hex(crc16(chk)))
print("genibus", hex(crc16(chk, xorout=0xFFFF)))
print("mcrf4xx", hex(crc16(chk, refin=True)))
print("x25", hex(crc16(chk, refin=True, xorout=0xFFFF)))
h = bytes.fromhex
def m3(frame_hex):
    f = h(frame_hex.replace(' ', ''))
    c = crc16(f[1:-2], xorout=0xFFFF)
    return f"{frame_hex}: crc {c:04x} stored {f[-2:].hex()} {'OK' if c.to_bytes(2,'big')==f[-2:] else 'BAD'} lenfield {int.from_bytes(f[1:3],'big')} actual {len(f)-3}"
for fr in [
 'D5 00 05 04 00 11 8C 66',
 'D5 00 09 04 00 11 0A 05 00 02 72 50',
 'D6 00 0C 13 04 01 00 02 00 03 00 04 00 AA F2',
 'D6 00 0C 13 00 02 01 01 03 02 02 03 00 E7 78',
 'D6 00 05 FE 00 05 FA 40',
 'd6 00 07 fe 00 00 05 00 c9 7b',
 'd6 00 0f fe 00 00 05 01 e0 04 01 00 31 23 aa 26 94 1a',
 'd6 00 0f fe 00 00 05 01 e0 04 01 00 01 7c 0c 38 8e 2b',
 'd6 00 17 fe 00 00 05 02 e0 04 01 00 31 23 aa 26 e0 04 01 00 01 7c 0c 38 ca db',
 'd6 00 17 fe 00 00 05 02 e0 04 01 00 31 23 aa 26 e0 04 01 00 31 23 aa 28 31 24',
 'D6 00 0C 09 E0 04 01 00 31 23 AA 26 D7 3A F0',
 'D6 00 0C 09 E0 04 01 00 31 23 AA 26 DA EB 5D',
 'D6 00 0C 09 00 E0 04 01 00 31 23 AA 26 6A 44',
 'D6 00 2A 04 E0 04 01 00 31 23 AA 26 00 07 00 04 11 00 01 30 30 30 30 30 30 30 30 30 30 00 00 00 00 00 00 00 00 00 00 00 00 00 00 88 43',
 'D6 00 0D 04 00 E0 04 01 00 31 23 AA 26 07 CF F1',
 'D6 00 26 04 E0 04 01 00 31 23 AA 26 00 06 00' + ' 55'*24 + ' A9 8B',
 'D6 00 0D 04 00 E0 04 01 00 31 23 AA 26 06 DF D0',
 'd6 00 0b 0a e0 04 01 00 31 26 91 17 ec 84',
 'd6 00 0d 02 e0 04 01 00 31 26 91 17 00 08 4e 9b',
 'd6 00 0b 0a e0 04 01 00 1f 77 fb 98 94 e8',
 'd6 00 0d 02 e0 04 01 00 1f 77 fb 98 00 08 62 41',
]: print(m3(fr))
# responses from live capture (CRC stripped in fixture): compute
for p in ['d6 00 17 fe00000502e004010031269117e00401001f77fb98','d6 00 0d 0a00e004010031269117da',
          'd6 00 3d 0200e00401003126911708000004110001010031333032020030393939030039390000040000000000050000000000060000000000070000000000']:
    f = h(p.replace(' ',''))
    print(p, '-> crc', f"{crc16(f[1:], xorout=0xFFFF):04x}", 'lenfield', int.from_bytes(f[1:3],'big'), 'payload+2', len(f)-3+2)
# DDM
d = bytearray(h("11010131313232333334340000000000000000513e4445373035000000000000"))
body = bytes(d[:19]+d[21:]) + b'\0\0'
print("ddm1", hex(crc16(body)), len(body))
r = h("81 01 01 32 39 33 35 30 30 30 30 30 33 36 34 39 00 00 00 52 55 32 39 33 00 00 00 00 00 00 00 00".replace(' ',''))
print("ddm2", hex(crc16(r)), len(r))
print("ref", hex(crc16(b"RFID tag data model")))
