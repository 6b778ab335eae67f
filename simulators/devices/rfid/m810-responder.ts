/**
 * The 3M 810's side of its host protocol: one answer per command, from the virtual pad.
 *
 * Failures: the 3M answers an addressed command with status 0x06 and the UID whether the tag missed the
 * command, left the field or refused the write (Biblio-RFID's 3M810.pm only ever sees 0x06), so every
 * failed tag outcome becomes 0x06 here too. Hardware version 10.5.0.2 and the setup reply are those of a
 * real reader (koha-rfid-3m810-js live capture; Biblio-RFID's init()).
 */

import { readTagBlocks, writeTagAfi } from "../../../protocols/rfid/iso15693.ts";
import {
  M810_BLOCK_SIZE,
  M810_STATUS,
  type M810Command,
  type M810CommandKind,
  type M810Response,
} from "../../../protocols/rfid/readers/3m810.ts";
import type { TagOutcome, VirtualPad } from "./virtual-pad.ts";

export const M810_DEFAULT_FIRMWARE = "10.5.0.2";
/** What a 3M 810 answers to the setup command (Biblio-RFID asserts exactly these bytes). */
const SETUP_REPLY = Uint8Array.of(0x02, 0x01, 0x01, 0x03, 0x02, 0x02, 0x03, 0x00);

type CommandOf<K extends M810CommandKind> = Extract<M810Command, { kind: K }>;
type Handler<K extends M810CommandKind> = (pad: VirtualPad, cmd: CommandOf<K>, firmware: string) => M810Response;

function failed(request: M810CommandKind, uid: string): M810Response {
  return { kind: "failed", request, status: M810_STATUS.failed, uid, data: new Uint8Array(0) };
}

function answer<T>(
  outcome: TagOutcome<T>,
  request: M810CommandKind,
  uid: string,
  ok: (value: T) => M810Response,
): M810Response {
  return outcome.ok ? ok(outcome.value) : failed(request, uid);
}

const HANDLERS: { [K in M810CommandKind]: Handler<K> } = {
  version: (_pad, _cmd, firmware) => ({ kind: "version", hardwareVersion: firmware }),
  setup: () => ({ kind: "setup", data: SETUP_REPLY }),
  inventory: (pad) => ({ kind: "inventory", uids: pad.inventoryRound().map((t) => t.uid) }),
  readBlocks: (pad, cmd) =>
    answer(
      // The protocol carries 4-byte blocks only; a tag with other blocks cannot be read by this reader.
      pad.read(cmd.uid, (tag) =>
        tag.blockSize === M810_BLOCK_SIZE ? readTagBlocks(tag, cmd.firstBlock, cmd.count) : { ok: false, error: 0x03 },
      ),
      "readBlocks",
      cmd.uid,
      (blocks) => ({
        kind: "readBlocks",
        uid: cmd.uid,
        blocks: blocks.map((data, i) => ({ index: cmd.firstBlock + i, data })),
      }),
    ),
  writeBlocks: (pad, cmd) => {
    const tag = pad.get(cmd.uid);
    if (tag && tag.blockSize !== M810_BLOCK_SIZE) return failed("writeBlocks", cmd.uid);
    return answer(pad.writeBlocks(cmd.uid, cmd.firstBlock, cmd.data), "writeBlocks", cmd.uid, (count) => ({
      kind: "writeBlocks",
      uid: cmd.uid,
      count,
    }));
  },
  readAfi: (pad, cmd) =>
    answer(
      pad.read(cmd.uid, (tag) => ({ ok: true, value: tag.afi })),
      "readAfi",
      cmd.uid,
      (afi) => ({ kind: "readAfi", uid: cmd.uid, afi }),
    ),
  writeAfi: (pad, cmd) =>
    answer(
      pad.update(cmd.uid, (tag) => writeTagAfi(tag, cmd.afi)),
      "writeAfi",
      cmd.uid,
      () => ({ kind: "writeAfi", uid: cmd.uid }),
    ),
};

export function respondM810(pad: VirtualPad, command: M810Command, firmware: string): M810Response {
  return (HANDLERS[command.kind] as Handler<M810CommandKind>)(pad, command, firmware);
}
