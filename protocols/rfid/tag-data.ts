import { RfidError } from "./errors.ts";
import { DSFID_ISO28560_2, decodeIso28560_2, encodeIso28560_2, type Iso28560_2Data } from "./iso28560-2.ts";
import {
  BASIC_BLOCK,
  computeIso28560_3Crc,
  DSFID_ISO28560_3,
  decodeIso28560_3,
  encodeIso28560_3,
  type Iso28560_3Data,
} from "./iso28560-3.ts";
import {
  decodeRfid501,
  encodeRfid501,
  isBlankMemory,
  isRfid501Blank3M,
  RFID501_MARKER,
  RFID501_MIN_LENGTH,
  type Rfid501Data,
} from "./rfid501.ts";

export type TagDataModel = "iso28560-2" | "iso28560-3" | "rfid501" | "blank" | "unknown";
export type EncodableTagDataModel = "iso28560-2" | "iso28560-3" | "rfid501";

function looksLikeIso28560_3(memory: Uint8Array): boolean {
  if (memory.length < BASIC_BLOCK.truncatedLength) return false;
  const stored = (memory[BASIC_BLOCK.crc] as number) | ((memory[BASIC_BLOCK.crc + 1] as number) << 8);
  return computeIso28560_3Crc(memory) === stored;
}

function looksLikeIso28560_2(memory: Uint8Array): boolean {
  // First precursor must carry relative OID 1 (primary item identifier).
  return memory.length > 2 && ((memory[0] as number) & 0x0f) === 1;
}

function looksLikeRfid501(memory: Uint8Array): boolean {
  return memory.length >= RFID501_MIN_LENGTH && memory[0] === RFID501_MARKER && memory[2] === 0x00;
}

/**
 * Which data model a tag holds. The DSFID decides when it names one (0x06 ISO 28560-2, 0x3E
 * ISO 28560-3); many older tags carry DSFID 0, so then the content decides: blank patterns, a valid
 * ISO 28560-3 CRC, the 3M 0x04 marker, or an ISO 28560-2 first precursor.
 */
export function detectTagData(dsfid: number, memory: Uint8Array): TagDataModel {
  if (dsfid === DSFID_ISO28560_2) return "iso28560-2";
  if (dsfid === DSFID_ISO28560_3) return "iso28560-3";
  if (isBlankMemory(memory) || isRfid501Blank3M(memory)) return "blank";
  if (looksLikeIso28560_3(memory)) return "iso28560-3";
  if (looksLikeRfid501(memory)) return "rfid501";
  if (looksLikeIso28560_2(memory)) return "iso28560-2";
  return "unknown";
}

/** What the kiosk needs from any tag, whatever model it was written in. */
export type LibraryItemData =
  | (ItemFields & { model: "iso28560-2"; raw: Iso28560_2Data })
  | (ItemFields & { model: "iso28560-3"; raw: Iso28560_3Data })
  | (ItemFields & { model: "rfid501"; raw: Rfid501Data })
  | (ItemFields & { model: "blank"; raw: undefined });

interface ItemFields {
  /** Primary item identifier (barcode); empty on a blank tag. */
  itemId: string;
  /** Owner institution ISIL when the model stores one. */
  owner?: string;
  partNumber?: number;
  partsInSet?: number;
  /** Main type-of-usage class (1 circulating, 8 patron card …) when the model stores one. */
  typeOfUsage?: number;
}

function withOptional<T extends object>(base: T, extra: Record<string, number | string | undefined>): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** Decodes tag memory into the common item view; throws RFID_TAG_DATA when no model fits. */
export function decodeTagData(dsfid: number, memory: Uint8Array): LibraryItemData {
  const model = detectTagData(dsfid, memory);
  switch (model) {
    case "iso28560-2": {
      const raw = decodeIso28560_2(memory);
      return withOptional(
        { model, itemId: raw.primaryItemId, raw },
        {
          owner: raw.ownerInstitution,
          partNumber: raw.setInformation?.partNumber,
          partsInSet: raw.setInformation?.partsInSet,
          typeOfUsage: raw.typeOfUsage?.class,
        },
      );
    }
    case "iso28560-3": {
      const raw = decodeIso28560_3(memory);
      return withOptional(
        {
          model,
          itemId: raw.primaryItemId,
          raw,
          partNumber: raw.partNumber,
          partsInSet: raw.partsInSet,
          typeOfUsage: raw.typeOfUsage,
        },
        { owner: raw.ownerInstitution },
      );
    }
    case "rfid501": {
      const raw = decodeRfid501(memory);
      return { model, itemId: raw.barcode, raw, partNumber: raw.setIndex, partsInSet: raw.setTotal };
    }
    case "blank":
      return { model, itemId: "", raw: undefined };
    case "unknown":
      throw new RfidError(
        "RFID_TAG_DATA",
        `tag data (DSFID 0x${dsfid.toString(16).padStart(2, "0")}) matches no known model (ISO 28560-2, ISO 28560-3, 3M RFID501)`,
        { dsfid, length: memory.length },
      );
  }
}

/** The fields a kiosk or staff tool writes; each model stores the subset it can hold. */
export interface LibraryItemInput {
  itemId: string;
  owner?: string;
  partNumber?: number;
  partsInSet?: number;
  typeOfUsage?: number;
  title?: string;
}

export interface EncodedTagData {
  dsfid: number;
  memory: Uint8Array;
}

/** Encodes item data in the given model, with the DSFID to write alongside. */
export function encodeTagData(
  model: EncodableTagDataModel,
  data: LibraryItemInput,
  options: { capacity?: number; blockSize?: number } = {},
): EncodedTagData {
  const set =
    data.partsInSet !== undefined || data.partNumber !== undefined
      ? { partsInSet: data.partsInSet ?? 1, partNumber: data.partNumber ?? 1 }
      : undefined;
  switch (model) {
    case "iso28560-2":
      return {
        dsfid: DSFID_ISO28560_2,
        memory: encodeIso28560_2(
          {
            primaryItemId: data.itemId,
            ...(data.owner !== undefined && { ownerInstitution: data.owner }),
            ...(set && { setInformation: set }),
            ...(data.typeOfUsage !== undefined && { typeOfUsage: { class: data.typeOfUsage, subclass: 0 } }),
            ...(data.title !== undefined && { title: data.title }),
          },
          options,
        ),
      };
    case "iso28560-3":
      return {
        dsfid: DSFID_ISO28560_3,
        memory: encodeIso28560_3(
          {
            primaryItemId: data.itemId,
            ...(data.owner !== undefined && { ownerInstitution: data.owner }),
            ...(set && set),
            ...(data.typeOfUsage !== undefined && { typeOfUsage: data.typeOfUsage }),
          },
          options,
        ),
      };
    case "rfid501":
      // RFID501 has no registered DSFID; 0 leaves the tag to content detection.
      return {
        dsfid: 0,
        memory: encodeRfid501({
          barcode: data.itemId,
          ...(set && { setIndex: set.partNumber, setTotal: set.partsInSet }),
        }),
      };
  }
}
