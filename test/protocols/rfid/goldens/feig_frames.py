# CPR-M02 (FEIG standard protocol) frames for the golden tests, using the CRC C example from FEIG ISC manuals.
# Run: python3 feig_frames.py
def feig_crc(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc
def frame(hexs):
    body = bytes.fromhex(hexs.replace(' ',''))
    f = bytes([len(body)+3]) + body
    c = feig_crc(f)
    return (f + bytes([c & 0xFF, c >> 8])).hex(' ')
for s in ['FF 52 00','FF 65','FF 66 00','FF 69','FF B0 01 00',
          'FF B0 2B 01 E0 04 01 00 31 23 AA 26',
          'FF B0 23 01 E0 04 01 00 31 23 AA 26 00 04',
          'FF B0 27 01 E0 04 01 00 31 23 AA 26 07',
          'FF B0 24 01 E0 04 01 00 31 23 AA 26 00 02 04 00 01 11 04 32 30 33 31',
          'FF B1 04 A2 01 E0 04 01 00 31 23 AA 26',
          'FF B1 04 A3 01 E0 04 01 00 31 23 AA 26',
          # responses
          'FF B0 00 02 03 06 E0 04 01 00 31 23 AA 26 03 00 E0 04 01 00 01 7C 0C 38',
          'FF B0 01',
          'FF B0 00 06 E0 04 01 00 31 23 AA 26 C2 03 1B 01',
          'FF B0 00 02 04 00 01 11 00 04 00 32 30 33 31',
          'FF B0 00','FF B1 00','FF B0 95 0F','FF 65 00 02 05 00 41 00 00 08',
          ]:
    print(s, '=>', frame(s))
print('---')
for s in ['FF B0 24 01 E0 04 01 00 31 23 AA 26 00 02 04 01 00 11 04 32 30 33 31',
          'FF B0 00 02 04 00 01 00 11 04 00 32 30 33 31',
          'FF B0 23 09 E0 04 01 00 31 23 AA 26 03 01',
          'FF B0 00 01 04 01 DD CC BB AA']:
    print(s, '=>', frame(s))
