/** axe-core on the page as it is now: every violation as one readable line (empty = none). */
import { AxeBuilder } from "@axe-core/playwright";
import type { Page } from "playwright-core";

export async function axeViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
