/**
 * Layout faults a patron would see: anything on the patron screen that lies outside the window, text
 * cut off by its box (a box that hides or scrolls its overflow but has more content across than it shows,
 * or more down than it shows without scrolling), or a button label broken inside its "(…)" ("Return items
 * (no / card needed)"). One readable line per fault; empty = none.
 */
import type { Page } from "playwright-core";

export function layoutFaults(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const name = (el: Element) =>
      `<${el.tagName.toLowerCase()}${el.className && typeof el.className === "string" ? ` class="${el.className}"` : ""}> "${(el.textContent ?? "").trim().slice(0, 40)}"`;
    const faults: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>("kiosk-app *")) {
      if (el.closest(".sr-only") || el.closest("[aria-hidden='true']")) continue;
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (style.visibility === "hidden" || box.width === 0 || box.height === 0) continue;
      if (box.left < -1 || box.right > window.innerWidth + 1) faults.push(`${name(el)} runs off the screen`);
      const hides = (v: string) => v === "hidden" || v === "clip";
      const scrolls = (v: string) => v === "auto" || v === "scroll";
      if ((hides(style.overflowX) || scrolls(style.overflowX)) && el.scrollWidth > el.clientWidth + 1)
        faults.push(`${name(el)} is cut off at the side (${el.scrollWidth} > ${el.clientWidth} px)`);
      if (hides(style.overflowY) && el.scrollHeight > el.clientHeight + 1)
        faults.push(`${name(el)} is cut off at the bottom (${el.scrollHeight} > ${el.clientHeight} px)`);
    }
    for (const button of document.querySelectorAll("kiosk-app button")) {
      const texts = document.createTreeWalker(button, NodeFilter.SHOW_TEXT);
      for (let text = texts.nextNode(); text; text = texts.nextNode()) {
        const content = text.textContent ?? "";
        const open = content.indexOf("(");
        const close = content.indexOf(")", open);
        if (open < 0 || close < 0) continue;
        const range = document.createRange();
        range.setStart(text, open);
        range.setEnd(text, close + 1);
        if (new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1)
          faults.push(`${name(button)} breaks inside its parenthesis`);
      }
    }
    return faults;
  });
}
