#!/usr/bin/env node
// `npx selfcheck …`: the CLI is TypeScript, run through tsx's loader (a dependency) without a build step.
// Errors are reported by runCli, the same way as `tsx bridge/cli.ts`.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../bridge/cli.ts");
await runCli();
