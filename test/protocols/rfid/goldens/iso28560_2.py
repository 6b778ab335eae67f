# Independent reference for goldens: ISO/IEC 15962 compaction + ISO 28560-2 data sets, as documented in the TS module.
def bits_to_bytes(bitstr, pad='0'):
    while len(bitstr) % 8: bitstr += pad
    return bytes(int(bitstr[i:i+8], 2) for i in range(0, len(bitstr), 8))
def integer(t): n = int(t); return n.to_bytes(max(1, (n.bit_length()+7)//8), 'big')
def numeric(t): return integer('1' + t)
def five(t): return bits_to_bytes(''.join(format(ord(c) - 0x40, '05b') for c in t))
SIX = {chr(0x40+v): v for v in range(32)}
SIX.update({' ': 32, '\x04': 33, '\x1c': 35, '\x1f': 36})
SIX.update({chr(v): v for v in range(40, 64)})
def six(t): return bits_to_bytes(''.join(format(SIX[c], '06b') for c in t))
def seven(t): return bits_to_bytes(''.join(format(ord(c), '07b') for c in t))
def octet(t): return t.encode('latin-1')
def utf8(t): return t.encode('utf-8')
UP = {'-':0, ':':27, **{chr(65+i): i+1 for i in range(26)}}
LO = {'-':0, '/':27, **{chr(97+i): i+1 for i in range(26)}}
NU = {**{str(i): i for i in range(10)}, '-':10, ':':11}
def isil_symbols_manual(syms):
    # syms: list of (value, width)
    return bits_to_bytes(''.join(format(v, '0%db' % w) for v, w in syms), pad='1')
CODES = dict(application=0, integer=1, numeric=2, bits5=3, bits6=4, bits7=5, octet=6, utf8=7)
def dataset(oid, scheme, data, offset=None, pad_byte=0):
    ext = oid > 14
    pre = (0x80 if offset is not None else 0) | (CODES[scheme] << 4) | (15 if ext else oid)
    out = bytes([pre])
    if offset is not None: out += bytes([offset])
    if ext: out += bytes([oid - 15])
    n = len(data)
    assert n < 128
    return out + bytes([n]) + data + bytes([pad_byte]) * (offset or 0)
def show(name, b): print(f'{name}: {b.hex().upper()}')
show('int 30001000000010', integer('30001000000010'))
show('numeric 0012345', numeric('0012345'))
show('bits5 ABC', five('ABC'))
show('bits5 HELLO_WORLD', five('HELLO_WORLD'))
show('bits6 AB-12/X', six('AB-12/X'))
show('bits6 TITLE WITH SPACE', six('TITLE WITH SPACE'))
show('bits7 Der Zauberberg', seven('Der Zauberberg'))
show('octet Müller', octet('Müller'))
show('utf8 Žižek', utf8('Žižek'))
# ISIL DK-710100: D K - (upper) latch numeric 7 1 0 1 0 0
show('isil DK-710100', isil_symbols_manual([(UP['D'],5),(UP['K'],5),(UP['-'],5),(30,5)] + [(NU[c],4) for c in '710100']))
# FI-He: F I - ; 'H' upper ; 'e' next is end -> shift lower (29), e
show('isil FI-He', isil_symbols_manual([(UP['F'],5),(UP['I'],5),(UP['-'],5),(UP['H'],5),(29,5),(LO['e'],5)]))
# Tag A: integer id, owner ISIL, set info 2 parts part 1 => "21" integer, usage 0x10, title 7-bit, terminator, pad to 4
tagA = dataset(1,'integer',integer('30001000000010')) + dataset(3,'application',isil_symbols_manual([(UP['D'],5),(UP['K'],5),(UP['-'],5),(30,5)] + [(NU[c],4) for c in '710100'])) \
     + dataset(4,'integer',integer('21')) + dataset(5,'application',bytes([0x10])) + dataset(17,'bits7',seven('Der Zauberberg')) + b'\x00'
tagA += b'\x00' * (-len(tagA) % 4)
show('tagA', tagA)
# Tag B: numeric id with leading zeros, offset byte padding 2 after it, unknown OID 40 octet raw, shelf location 6-bit, garbage after terminator
tagB = dataset(1,'numeric',numeric('0012345'), offset=2) + dataset(40,'octet',b'\x01\x02\x03') + dataset(6,'bits6',six('A-12')) + b'\x00' + b'\xAA\xBB'
show('tagB', tagB)
# Tag C: content parameter for OIDs 3 and 17 after id (6-bit id)
tagC = dataset(1,'bits6',six('LIB-0001X')) + dataset(2,'application',bytes([0x80, 0x02])) + dataset(17,'utf8',utf8('Žižek'))+ b'\x00'
show('tagC', tagC)
