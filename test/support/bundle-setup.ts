/**
 * vitest globalSetup: builds the CLI's bundle (bin/bundle.js) once before the test files start, so the tests
 * that run `selfcheck` in child processes do not each build it at the same moment.
 */
import { ensureBundle } from "../../bin/bundle.js";

export async function setup(): Promise<void> {
  await ensureBundle();
}
