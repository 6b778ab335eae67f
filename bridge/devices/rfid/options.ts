/**
 * The config `options` of the RFID pad models, with every default and limit the driver (pad.ts) uses:
 * one schema, read by the config loader and by the driver alike.
 */
import { Type } from "@sinclair/typebox";
import { SECURITY_MODES } from "../../../protocols/rfid/security.ts";
import { closedObject as closed, oneOf } from "../../config/schema.ts";

const milliseconds = (min: number, max: number, value: number) =>
  Type.Optional(Type.Integer({ minimum: min, maximum: max, default: value }));
const afi = Type.Optional(Type.Integer({ minimum: 0, maximum: 255, acceptHex: true }));

const common = {
  /** How items are secured: AFI values (default 0x07 secured / 0xC2 checked out) and/or the EAS bit. */
  security: Type.Optional(closed({ mode: Type.Optional(oneOf(SECURITY_MODES)), securedAfi: afi, unsecuredAfi: afi })),
  /** Extra attempts per tag after a failed read or write. */
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, default: 3 })),
  /** Answer timeout for reads, inventories and set-up (1500 ms as koha-rfid-3m810-js). */
  commandTimeoutMs: milliseconds(1, 600_000, 1500),
  /** Answer timeout for writes (2500 ms as koha-rfid-3m810-js). */
  writeTimeoutMs: milliseconds(1, 600_000, 2500),
  /** Wait before repeating a set-up the reader did not answer. */
  setupRetryMs: milliseconds(1, 600_000, 2000),
  /** Inventory rounds a tag may be missing before tagsChanged reports it removed. */
  missThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 2 })),
  /** Inventory rounds that must all miss a tag before it counts as gone. */
  presenceRounds: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 2 })),
  /** Poll the pad continuously at this interval and emit tagsChanged (no default: off). */
  pollIntervalMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
};

export const M810_OPTIONS = closed({
  ...common,
  /** Blocks holding item data: the 3M protocol cannot ask the tag, and counts blocks in one byte. */
  blockCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 255, default: 8 })),
});

export const CPR_OPTIONS = closed({
  ...common,
  /** Most tags one inventory lists, for firmware other than the standard one (FEIG H20800-16e-ID-B, ANNEX D2). */
  maxInventoryTags: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
});
