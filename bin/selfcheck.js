#!/usr/bin/env node
// `npx selfcheck …`: the CLI is TypeScript, run through tsx's loader (a dependency) without a build step.
import { register } from "tsx/esm/api";

register();
const { buildCli } = await import("../bridge/cli.ts");
try {
  await buildCli().parseAsync();
} catch (error) {
  console.error(`selfcheck: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
