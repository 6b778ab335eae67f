/**
 * Which item row the patron screen scrolls into view (kiosk-ui/src/screens/reveal.ts): a row that has just
 * become a problem first, then the row just added on the same screen, else none.
 */
import { describe, expect, it } from "vitest";
import { rowToReveal, shownRows } from "../../kiosk-ui/src/screens/reveal.ts";
import type { ItemRow } from "../../protocols/kiosk-api/schema.ts";

const row = (key: string, status: ItemRow["status"]): ItemRow => ({ key, itemId: key, action: "checkout", status });
const before = shownRows([row("a", "done"), row("b", "working"), row("c", "refused")]);

describe("rowToReveal", () => {
  it.each([
    {
      case: "a row just added on the same screen",
      rows: [row("a", "done"), row("b", "working"), row("c", "refused"), row("d", "pending")],
      sameScreen: true,
      reveals: "d",
    },
    {
      case: "the last of several rows added at once",
      rows: [row("a", "done"), row("b", "done"), row("c", "refused"), row("d", "pending"), row("e", "pending")],
      sameScreen: true,
      reveals: "e",
    },
    {
      case: "a row turned refused before a row just added",
      rows: [row("a", "done"), row("b", "refused"), row("c", "refused"), row("d", "pending")],
      sameScreen: true,
      reveals: "b",
    },
    {
      case: "a row added already needing attention",
      rows: [row("a", "done"), row("b", "done"), row("c", "refused"), row("d", "attention"), row("e", "pending")],
      sameScreen: true,
      reveals: "d",
    },
    {
      case: "nothing when only statuses moved on and none became a problem",
      rows: [row("a", "done"), row("b", "done"), row("c", "refused")],
      sameScreen: true,
      reveals: undefined,
    },
    {
      case: "nothing for a problem already shown (refused to attention is no news)",
      rows: [row("a", "done"), row("b", "done"), row("c", "attention")],
      sameScreen: true,
      reveals: undefined,
    },
    {
      case: "a new screen starts at its top",
      rows: [row("a", "done"), row("b", "done"), row("c", "refused"), row("d", "done")],
      sameScreen: false,
      reveals: undefined,
    },
    {
      case: "a new screen still shows a problem not seen before",
      rows: [row("a", "done"), row("b", "done"), row("c", "refused"), row("d", "attention")],
      sameScreen: false,
      reveals: "d",
    },
  ])("$case", ({ rows, sameScreen, reveals }) => {
    expect(rowToReveal(before, rows, sameScreen)).toBe(reveals);
  });

  it("keeps the row revealed last in view as its status moves on, and only then", () => {
    const rows = [row("a", "done"), row("b", "done"), row("c", "refused")];
    expect(rowToReveal(before, rows, true, "b")).toBe("b");
    expect(rowToReveal(before, rows, true, "a")).toBeUndefined();
    expect(rowToReveal(before, rows, false, "b")).toBeUndefined();
    expect(rowToReveal(before, [row("a", "done")], true, "b")).toBeUndefined();
  });

  it("on a page opened with rows already there, reveals the first problem", () => {
    const rows = [row("a", "done"), row("b", "attention"), row("c", "refused")];
    expect(rowToReveal(new Map(), rows, false)).toBe("b");
    expect(rowToReveal(new Map(), [row("a", "done")], false)).toBeUndefined();
  });
});
