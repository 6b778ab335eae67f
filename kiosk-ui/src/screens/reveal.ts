/**
 * Which item row to scroll into view after the rows change. A row the patron must act on comes first: on a
 * short screen a refused item could otherwise sit below the fold with only the tally to hint at it.
 */
import type { ItemRow } from "../../../protocols/kiosk-api/schema.ts";

/** Each row's status as last shown, by key. */
export type ShownRows = ReadonlyMap<string, ItemRow["status"]>;

/** Refused or in need of attention: the patron has something to do about it. */
export const needsPatron = (status: ItemRow["status"] | undefined): boolean =>
  status === "refused" || status === "attention";

export const shownRows = (rows: readonly ItemRow[]): ShownRows => new Map(rows.map((r) => [r.key, r.status]));

/**
 * The key of the row to reveal: the first row that has just become refused or in need of attention (also on
 * a screen just entered, a reload included); else, on the same screen, the last row just added (the item
 * just placed); else the row revealed last time (`following`) when its status moved on, as its new words
 * may make it taller; else none, so a new screen starts at its top.
 */
export function rowToReveal(
  before: ShownRows,
  rows: readonly ItemRow[],
  sameScreen: boolean,
  following?: string,
): string | undefined {
  const newProblem = rows.find((r) => needsPatron(r.status) && !needsPatron(before.get(r.key)));
  if (newProblem) return newProblem.key;
  if (!sameScreen) return undefined;
  const added = rows.findLast((r) => !before.has(r.key));
  if (added) return added.key;
  const followed = rows.find((r) => r.key === following);
  return followed && before.get(followed.key) !== followed.status ? followed.key : undefined;
}
