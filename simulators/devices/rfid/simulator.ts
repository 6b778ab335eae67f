/**
 * A virtual library RFID pad: the device side of the 3M 810 or FEIG CPR-M02 host protocol over any
 * transport (memory pair, PTY with the real serialport, TCP), holding a stack of virtual ISO 15693 tags.
 * It shares nothing with the RfidPad driver above protocols/: both meet on the wire.
 *
 * Events: `command` (the decoded command each time one arrives) and `reply` (the bytes of each answer,
 * emitted just before they are written), for tests and the latency benchmark.
 */
import { EventEmitter } from "node:events";
import { type Clock, systemClock, type TimerHandle } from "../../../bridge/transports/clock.ts";
import type { Transport } from "../../../bridge/transports/transport.ts";
import { isRfidError } from "../../../protocols/rfid/errors.ts";
import { normalizeUid, type Uid } from "../../../protocols/rfid/iso15693.ts";
import {
  createM810FrameParser,
  decodeM810Command,
  encodeM810Response,
  type M810Command,
} from "../../../protocols/rfid/readers/3m810.ts";
import {
  CPR_M02_MAX_INVENTORY_TAGS,
  type CprCommand,
  createCprFrameParser,
  decodeCprCommand,
  encodeCprFrame,
  encodeCprResponse,
} from "../../../protocols/rfid/readers/cpr-m02.ts";
import { AFI_PRESETS, type SecurityPolicy } from "../../../protocols/rfid/security.ts";
import { type Random, seededRandom } from "../../random.ts";
import type { ControlAction, DeviceSimulator } from "../simulator.ts";
import { CPR_DEFAULT_FIRMWARE, CprResponder } from "./cpr-responder.ts";
import { badParams, RfidSimulatorError } from "./errors.ts";
import { applyFaultParams, type PadFaults } from "./faults.ts";
import { M810_DEFAULT_FIRMWARE, respondM810 } from "./m810-responder.ts";
import { array, optionalBoolean, optionalNumber, type Params } from "./params.ts";
import { buildTag, parseTagSpecs, type TagView, tagUid, viewTag } from "./tags.ts";
import { VirtualPad } from "./virtual-pad.ts";

export type RfidReaderModel = "3m810" | "cpr-m02";
export const RFID_READER_MODELS: readonly RfidReaderModel[] = ["3m810", "cpr-m02"];

export interface RfidSimulatorOptions {
  model: RfidReaderModel;
  /** Random source for UIDs and faults; default a generator seeded with `seed`. */
  random?: Random;
  /** Seed for the default random source. Default 1. */
  seed?: number;
  /** Time for responseDelayMs; tests pass a VirtualClock. Default systemClock. */
  clock?: Clock;
  /** Firmware the reader reports: "10.5.0.2" style for the 3M 810, "major.minor" for the CPR-M02. */
  firmware?: string;
  /** CPR-M02 bus address (COM-ADR). Default 0. */
  address?: number;
  /**
   * CPR-M02: most tags one inventory reports; with more answering it replies 0x93 "data buffer overflow".
   * Default 4, the standard firmware's limit (FEIG H20800-16e-ID-B, ANNEX D2); set it for other firmware.
   * Not for the 3M 810: its protocol documents neither a limit nor an answer for too many tags.
   */
  maxInventoryTags?: number;
  /** AFI values "secured: true/false" in placeTags stand for. Default ISO 28560 practice (0x07 / 0xC2). */
  securedAfi?: number;
  unsecuredAfi?: number;
}

export type RfidSimulatorEvents = {
  command: [command: M810Command | CprCommand];
  reply: [bytes: Uint8Array];
};

interface Action extends ControlAction {
  run(params: Params): unknown;
}

export class RfidReaderSimulator extends EventEmitter<RfidSimulatorEvents> implements DeviceSimulator {
  readonly kind = "rfid" as const;
  readonly model: RfidReaderModel;
  readonly firmware: string;
  readonly #random: Random;
  readonly #pad: VirtualPad;
  readonly #policy: SecurityPolicy;
  readonly #cpr: CprResponder | undefined;
  readonly #actions: readonly Action[];
  #transport: Transport | undefined;
  #onData: ((bytes: Uint8Array) => void) | undefined;
  /** Replies go out one at a time, in command order, like a reader that handles one command at a time. */
  #replyChain: Promise<void> = Promise.resolve();
  readonly #clock: Clock;
  readonly #timers = new Set<TimerHandle>();
  #commandsSeen = 0;
  #framesRejected = 0;

  constructor(options: RfidSimulatorOptions) {
    super();
    if (!RFID_READER_MODELS.includes(options.model)) {
      throw badParams(`model "${options.model}" is not one of ${RFID_READER_MODELS.join(", ")}`, { field: "model" });
    }
    this.model = options.model;
    this.#random = options.random ?? seededRandom(options.seed ?? 1);
    this.#clock = options.clock ?? systemClock;
    this.#pad = new VirtualPad(this.#random);
    this.#policy = {
      mode: "both",
      securedAfi: options.securedAfi ?? AFI_PRESETS.iso28560.securedAfi,
      unsecuredAfi: options.unsecuredAfi ?? AFI_PRESETS.iso28560.unsecuredAfi,
    };
    this.firmware = options.firmware ?? (this.model === "3m810" ? M810_DEFAULT_FIRMWARE : CPR_DEFAULT_FIRMWARE);
    const maxInventoryTags = inventoryLimit(options);
    this.#cpr =
      this.model === "cpr-m02"
        ? new CprResponder(this.#pad, { address: options.address ?? 0, firmware: this.firmware, maxInventoryTags })
        : undefined;
    this.#actions = [
      {
        name: "placeTags",
        description:
          "placeTags({tags:[{uid?, itemId?, model?: iso28560-2|iso28560-3|rfid501, owner?, partNumber?, partsInSet?, " +
          "typeOfUsage?, title?, memory?: hex, secured?, dsfid?, afi?, eas?, blockSize?, blockCount?, lockedBlocks?}]}): " +
          "put tags on the pad; returns their UIDs",
        run: (p) => this.placeTags(p.tags),
      },
      {
        name: "removeTags",
        description: "removeTags({uids:[…]} | {all:true}): lift tags off the pad; returns the UIDs removed",
        run: (p) => this.#removeTags(p),
      },
      {
        name: "setFaults",
        description:
          "setFaults({readMissRate?, writeFailureRate?, lostWriteRate?, collisionRate?, responseDelayMs?, commandDelayMs?: {kind: ms}, " +
          "unresponsive?, " +
          "noiseBytes?, tags?: {UID: {readMissRate?, writeFailureRate?, lostWriteRate?, removeAfterBlocks?}}, reset?}): " +
          "change fault injection (fields left out keep their value)",
        run: (p) => {
          this.#pad.faults = applyFaultParams(this.#pad.faults, p);
          return this.faults;
        },
      },
      {
        name: "listTags",
        description: "the tags on the pad with their decoded data",
        run: () => this.listTags(),
      },
    ];
  }

  attach(transport: Transport): void {
    this.detach();
    const feed = this.#cpr ? this.#cprFeeder(this.#cpr) : this.#m810Feeder();
    const onData = (bytes: Uint8Array) => {
      for (const reply of feed(bytes)) this.#send(reply);
    };
    this.#transport = transport;
    this.#onData = onData;
    transport.on("data", onData);
  }

  detach(): void {
    if (this.#transport && this.#onData) this.#transport.off("data", this.#onData);
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#timers.clear();
    this.#transport = undefined;
    this.#onData = undefined;
    this.#replyChain = Promise.resolve();
  }

  actions(): readonly ControlAction[] {
    return this.#actions.map(({ name, description }) => ({ name, description }));
  }

  async control(action: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const found = this.#actions.find((a) => a.name === action);
    if (!found) {
      throw new RfidSimulatorError(
        "SIM_BAD_ACTION",
        `RFID simulator: unknown action "${action}"; use one of ${this.#actions.map((a) => a.name).join(", ")}`,
        { action },
      );
    }
    return found.run(params);
  }

  state(): Record<string, unknown> {
    return {
      kind: this.kind,
      model: this.model,
      firmware: this.firmware,
      ...(this.#cpr && { maxInventoryTags: this.#cpr.maxInventoryTags }),
      attached: this.#transport !== undefined,
      commandsSeen: this.#commandsSeen,
      framesRejected: this.#framesRejected,
      faults: this.faults,
      tags: this.listTags(),
    };
  }

  get faults(): PadFaults {
    return structuredClone(this.#pad.faults);
  }

  /** Puts tags on the pad (see the placeTags action); returns their UIDs in order. */
  placeTags(tags: unknown): Uid[] {
    const specs = parseTagSpecs(tags);
    const built = specs.map((spec, i) => {
      const where = `tags[${i}]`;
      return buildTag(spec, tagUid(spec, this.#random, where), this.#policy, where);
    });
    const uids = built.map((t) => t.uid);
    if (new Set(uids).size !== uids.length) throw badParams("tags repeats a UID", { field: "tags" });
    const total = new Set([...this.#pad.tags().map((t) => t.uid), ...uids]).size;
    if (this.model === "3m810" && total > M810_MAX_TAGS_ON_PAD) {
      throw badParams(
        `${total} tags on a 3M 810 pad: its inventory answer counts at most ${M810_MAX_TAGS_ON_PAD} and what it does with more is not documented`,
        { field: "tags" },
      );
    }
    for (const tag of built) this.#pad.place(tag);
    return uids;
  }

  listTags(): TagView[] {
    return this.#pad.tags().map((tag) => viewTag(tag, this.#policy));
  }

  #removeTags(params: Params): Uid[] {
    if (optionalBoolean(params, "all", "removeTags") === true) return this.#pad.removeAll();
    if (params.uids === undefined) throw badParams("removeTags needs {uids:[…]} or {all:true}", { field: "uids" });
    const uids = array(params.uids, "uids").map((u, i) => {
      try {
        return normalizeUid(String(u));
      } catch {
        throw badParams(`uids[${i}] "${String(u)}" is not a UID (16 hex digits)`, { field: "uids" });
      }
    });
    return this.#pad.remove(uids);
  }

  /** Bytes in → the replies they call for. Bad frames are counted and skipped, as a reader ignores line noise. */
  #m810Feeder(): (bytes: Uint8Array) => Reply[] {
    const parser = createM810FrameParser();
    return (bytes) => {
      const { frames, errors } = parser.feed(bytes);
      this.#framesRejected += errors.length;
      const replies: Reply[] = [];
      for (const frame of frames) {
        const command = this.#decode(() => decodeM810Command(frame));
        if (command) {
          replies.push({
            kind: command.kind,
            bytes: encodeM810Response(respondM810(this.#pad, command, this.firmware)),
          });
        }
      }
      return replies;
    };
  }

  #cprFeeder(cpr: CprResponder): (bytes: Uint8Array) => Reply[] {
    const parser = createCprFrameParser();
    return (bytes) => {
      const { frames, errors } = parser.feed(bytes);
      this.#framesRejected += errors.length;
      const replies: Reply[] = [];
      for (const frame of frames) {
        if (!cpr.addressedToMe(frame.address)) continue;
        const command = this.#decode(() => decodeCprCommand(frame));
        if (command) replies.push({ kind: command.kind, bytes: encodeCprResponse(cpr.respond(command)) });
        // A FEIG reader answers a command it does not know with status 0x80 "unknown command".
        else {
          const bytes = encodeCprFrame({ address: cpr.address, command: frame.command, body: Uint8Array.of(0x80) });
          replies.push({ kind: "unknown", bytes });
        }
      }
      return replies;
    };
  }

  #decode<C extends M810Command | CprCommand>(decode: () => C): C | undefined {
    try {
      const command = decode();
      this.#commandsSeen++;
      this.emit("command", command);
      return command;
    } catch (err) {
      if (!isRfidError(err)) throw err;
      this.#framesRejected++;
      return undefined;
    }
  }

  #send({ kind, bytes: reply }: Reply): void {
    const faults = this.#pad.faults;
    const delayMs = faults.commandDelayMs[kind] ?? faults.responseDelayMs;
    if (faults.unresponsive) return;
    const transport = this.#transport;
    const noise = Uint8Array.from({ length: faults.noiseBytes }, () => Math.floor(this.#random() * 256));
    this.#replyChain = this.#replyChain.then(async () => {
      if (delayMs > 0) await this.#delay(delayMs);
      if (!transport?.isOpen || transport !== this.#transport) return;
      if (noise.length > 0) await transport.write(noise).catch(() => undefined);
      this.emit("reply", reply);
      await transport.write(reply).catch(() => undefined);
    });
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }
}

/** Highest configurable limit: more than a pad ever holds, and still few "more data" frames. */
const MAX_INVENTORY_TAGS = 255;
/**
 * The 3M 810 inventory answer counts its UIDs in one byte (3M RFID Reader Protocol Specification 1.0.0,
 * 7.1 Read Block UID, in Biblio-RFID's docs/), so it carries at most 255; what a reader does with more
 * tags than that is not documented, so the simulator refuses to hold them.
 */
const M810_MAX_TAGS_ON_PAD = 255;

/** One reply to send, with the kind of command it answers (for per-command delays). */
interface Reply {
  kind: string;
  bytes: Uint8Array;
}

function inventoryLimit(options: RfidSimulatorOptions): number {
  if (options.model === "3m810" && options.maxInventoryTags !== undefined) {
    throw badParams(
      "maxInventoryTags is for the CPR-M02; the 3M 810 protocol documents no inventory limit or answer for too many tags",
      { field: "maxInventoryTags" },
    );
  }
  const limit = optionalNumber(options as unknown as Params, "maxInventoryTags", "options", {
    min: 1,
    max: MAX_INVENTORY_TAGS,
    integer: true,
  });
  return limit ?? CPR_M02_MAX_INVENTORY_TAGS;
}

export function createRfidReaderSimulator(options: RfidSimulatorOptions): RfidReaderSimulator {
  return new RfidReaderSimulator(options);
}
