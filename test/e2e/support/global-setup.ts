/** Builds the UI if stale and starts the one browser the e2e tests share (vitest globalSetup). */
import type { BrowserServer } from "playwright-core";
import type { TestProject } from "vitest/node";
import { ensureUiBuilt } from "../../../kiosk-ui/build.ts";
import { launchBrowserServer } from "./browser.ts";

let server: BrowserServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  const dist = await ensureUiBuilt();
  server = await launchBrowserServer();
  project.provide("browserWsEndpoint", server.wsEndpoint());
  project.provide("uiDist", dist);
}

export async function teardown(): Promise<void> {
  await server?.close();
}
