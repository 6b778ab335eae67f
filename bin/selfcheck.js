#!/usr/bin/env node
// `npx selfcheck …` and `npm start`: the CLI from its bundle (bin/bundle.js builds it when its sources
// changed). Errors are reported by runCli, the same way as `tsx bridge/cli.ts`.
import { ensureBundle } from "./bundle.js";

const { runCli } = await import(await ensureBundle());
await runCli();
