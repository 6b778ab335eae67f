import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BenchSuite, formatTable, writeResults } from "./harness.ts";

// `npm run bench` runs every bench/*.bench.ts; `npm run bench -- sip2` runs only the named suites.
const here = dirname(fileURLToPath(import.meta.url));
const wanted = new Set(process.argv.slice(2));
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.size === 0 || wanted.has(f.replace(/\.bench\.ts$/, "")))
  .sort();

for (const file of files) {
  const suite = (await import(pathToFileURL(`${here}/${file}`).href)).default as BenchSuite;
  const rows = await suite.run();
  console.log(formatTable(suite.name, rows));
  console.log(`→ ${writeResults(suite.name, rows)}\n`);
}
