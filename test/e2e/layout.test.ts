/** The layout check the journeys use finds what a patron would see as broken, and passes a sound page. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browser } from "./support/browser.ts";
import { layoutFaults } from "./support/layout.ts";

let page: Awaited<ReturnType<Awaited<ReturnType<typeof browser>>["newPage"]>>;

beforeAll(async () => {
  page = await (await browser()).newPage({ viewport: { width: 400, height: 300 } });
});
afterAll(async () => {
  await page?.close();
});

const show = (body: string) =>
  page.setContent(`<kiosk-app><main style="font: 16px sans-serif">${body}</main></kiosk-app>`);

describe("layoutFaults", () => {
  it("passes text that fits, hidden screen-reader text included", async () => {
    await show(`<p>Fits</p><span class="sr-only" style="position:absolute;left:-9999px">Off screen on purpose</span>`);
    expect(await layoutFaults(page)).toEqual([]);
  });

  it("names a button that runs off the screen, text cut off at the side and at the bottom", async () => {
    await show(`
      <button style="position:absolute;left:350px;width:120px">Borrow items</button>
      <p style="width:60px;overflow:hidden;white-space:nowrap">A title far too long for its box</p>
      <p style="width:200px;height:20px;overflow:hidden">One line<br>and a second line that is hidden</p>`);
    expect(await layoutFaults(page)).toEqual([
      expect.stringMatching(/^<button> "Borrow items" runs off the screen$/),
      expect.stringMatching(/^<p> "A title far too long.*" is cut off at the side/),
      expect.stringMatching(/^<p> "One line.*" is cut off at the bottom/),
    ]);
  });

  it("names a button label broken inside its parenthesis, and passes one broken before it", async () => {
    const label = "Return items (no card needed)";
    await show(`<button style="width:190px">${label}</button>
      <button style="width:190px">Return items <span style="white-space:nowrap">(no card needed)</span></button>`);
    expect(await layoutFaults(page)).toEqual([`<button> "${label}" breaks inside its parenthesis`]);
  });
});
