import { decodeIso28560_2, encodeIso28560_2, type Iso28560_2Input } from "../protocols/rfid/iso28560-2.ts";
import { decodeIso28560_3, encodeIso28560_3 } from "../protocols/rfid/iso28560-3.ts";
import { createM810FrameParser, decodeM810Response, encodeM810Response } from "../protocols/rfid/readers/3m810.ts";
import {
  type CprCommand,
  createCprFrameParser,
  decodeCprResponse,
  encodeCprResponse,
} from "../protocols/rfid/readers/cpr-m02.ts";
import { type BenchRow, opsPerSecond } from "./harness.ts";

const UID = "E004010031269117";
const blocks = Array.from({ length: 8 }, (_, i) => ({ index: i, data: Uint8Array.of(i, 0x31, 0x32, 0x33) }));

/** A typical circulating item: barcode, owner, two-part set, type of usage and a title. */
const ITEM: Iso28560_2Input = {
  primaryItemId: "30001000000010",
  ownerInstitution: "DK-710100",
  setInformation: { partsInSet: 2, partNumber: 1 },
  typeOfUsage: { class: 1, subclass: 0 },
  title: "Der Zauberberg",
};

/** One reader reply per op: encode as the simulator would, split by the stream parser, decode as the driver would. */
function m810RoundTrip(): () => unknown {
  const parser = createM810FrameParser();
  return () => {
    const { frames } = parser.feed(encodeM810Response({ kind: "readBlocks", uid: UID, blocks }));
    return decodeM810Response(frames[0] as never);
  };
}

function cprRoundTrip(): () => unknown {
  const parser = createCprFrameParser();
  const request: CprCommand = { kind: "readBlocks", uid: UID, firstBlock: 0, count: 8 };
  return () => {
    const { frames } = parser.feed(
      encodeCprResponse({
        address: 0xff,
        status: 0,
        kind: "readBlocks",
        blocks: blocks.map((b) => ({ ...b, security: 0 })),
      }),
    );
    return decodeCprResponse(frames[0] as never, request);
  };
}

/** 30 UIDs: a full stack on the pad. */
const STACK = Array.from(
  { length: 30 },
  (_, i) => `E00401${(0x1000000000 + i * 7919).toString(16).toUpperCase().slice(-10)}`,
);

/** A 30-tag inventory answer: 3M 810 in one frame; CPR-M02 in frames of 24 and 6 (status 0x94 "more data"). */
function m810Inventory(): () => unknown {
  const parser = createM810FrameParser();
  const bytes = encodeM810Response({ kind: "inventory", uids: STACK });
  return () => decodeM810Response(parser.feed(bytes).frames[0] as never);
}

function cprInventory(): () => unknown {
  const parser = createCprFrameParser();
  const request: CprCommand = { kind: "inventory" };
  const record = (uid: string) => ({ transponderType: 3, dsfid: 6, uid });
  const frames = [
    encodeCprResponse({
      address: 0,
      status: 0x94,
      kind: "inventory",
      moreData: true,
      tags: STACK.slice(0, 24).map(record),
    }),
    encodeCprResponse({ address: 0, status: 0, kind: "inventory", moreData: false, tags: STACK.slice(24).map(record) }),
  ];
  return () => frames.map((f) => decodeCprResponse(parser.feed(f).frames[0] as never, request));
}

/** RFID codec rows of the "devices" suite: reader frame codecs per family and the tag data models. */
export function rfidCodecRows(): BenchRow[] {
  const iso2 = encodeIso28560_2(ITEM);
  const iso3 = encodeIso28560_3({ primaryItemId: "30001000000010", ownerInstitution: "DK-710100" });
  return [
    {
      name: "3M 810 read-8-blocks reply encode+parse+decode",
      value: opsPerSecond(m810RoundTrip()),
      unit: "frames/s",
    },
    {
      name: "CPR-M02 read-8-blocks reply encode+parse+decode",
      value: opsPerSecond(cprRoundTrip()),
      unit: "frames/s",
    },
    { name: "3M 810 30-tag inventory reply parse+decode", value: opsPerSecond(m810Inventory()), unit: "replies/s" },
    {
      name: "CPR-M02 30-tag inventory reply parse+decode",
      value: opsPerSecond(cprInventory()),
      unit: "replies/s",
      note: "2 frames (24 + 6 tags)",
    },
    {
      name: "ISO 28560-2 decode (id, ISIL, set, usage, title)",
      value: opsPerSecond(() => decodeIso28560_2(iso2)),
      unit: "tags/s",
    },
    {
      name: "ISO 28560-2 encode (most compact scheme per element)",
      value: opsPerSecond(() => encodeIso28560_2(ITEM)),
      unit: "tags/s",
    },
    {
      name: "ISO 28560-3 decode (CRC-checked basic block)",
      value: opsPerSecond(() => decodeIso28560_3(iso3)),
      unit: "tags/s",
    },
  ];
}
