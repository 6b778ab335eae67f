/**
 * A tag as staff see it (PadTagReading): UID, security, the data model and its decoded ISO 28560 fields.
 * A patron card is only said to be one: its number never reaches the staff side.
 */
import type { LibraryItemData } from "../../protocols/rfid/tag-data.ts";
import type { PadTagReading } from "../../protocols/staff-api/schema.ts";
import type { TagReading } from "../devices/rfid/pad.ts";

/** ISO 28560 type of usage, main class 8: a patron card, whose number staff never see here. */
export const PATRON_CARD_USAGE = 8;

export function padTagReading(reading: TagReading): PadTagReading {
  const tag: PadTagReading = { uid: reading.uid, security: reading.security };
  if (reading.afi !== undefined) tag.afi = reading.afi;
  if (reading.eas !== undefined) tag.eas = reading.eas;
  if (reading.data) Object.assign(tag, describeTagData(reading.data));
  else if (reading.dataError) tag.error = { ...reading.dataError };
  return tag;
}

/** The decoded fields of an item tag for staff; of a patron card only that it is one. */
function describeTagData(data: LibraryItemData): Pick<PadTagReading, "model" | "patronCard" | "fields"> {
  if (data.typeOfUsage === PATRON_CARD_USAGE) return { model: data.model, patronCard: true };
  // The data model's own fields by their standard names; the common view only for a model without them.
  const source: object = data.raw ?? { itemId: data.itemId };
  const fields: Record<string, string | number | boolean> = {};
  const scalar = (v: unknown): v is string | number | boolean =>
    typeof v === "string" || typeof v === "number" || typeof v === "boolean";
  const entries = Object.entries(source);
  for (const [key, value] of entries) if (scalar(value)) fields[key] = value;
  // One level down: setInformation.partNumber, typeOfUsage.class; ISO 28560-2's `fields` (every named
  // element as text) by the element's own name. Bytes and lists are left to the frame log.
  for (const [key, value] of entries) {
    if (!value || typeof value !== "object" || ArrayBuffer.isView(value) || Array.isArray(value)) continue;
    for (const [sub, inner] of Object.entries(value)) {
      const name = key === "fields" ? sub : `${key}.${sub}`;
      if (scalar(inner) && !(sub in fields) && !(name in fields)) fields[name] = inner;
    }
  }
  return { model: data.model, fields };
}
