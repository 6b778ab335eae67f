/**
 * `npm run soak`: the soak (soak.ts) at full size. Flags or environment: `--sessions N` (SOAK_SESSIONS,
 * default 200), `--kills N` (SOAK_KILLS, default 10), `--seed N` (SOAK_SEED, default random). Prints the seed
 * first, so `npm run soak -- --seed N` repeats the run's choices; exits 1 on any disagreement.
 */
import { parseArgs } from "node:util";
import { runSoak } from "./soak.ts";

const { values } = parseArgs({
  options: { sessions: { type: "string" }, kills: { type: "string" }, seed: { type: "string" } },
});
const number = (flag: string | undefined, env: string | undefined, fallback: number) => {
  const n = Number(flag ?? env ?? fallback);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`soak: ${flag ?? env} is not a whole number (--sessions, --kills and --seed take one)`);
    process.exit(64);
  }
  return n;
};
const seed = number(values.seed, process.env.SOAK_SEED, Math.floor(Math.random() * 2 ** 31));
const sessions = number(values.sessions, process.env.SOAK_SESSIONS, 200);
const kills = number(values.kills, process.env.SOAK_KILLS, 10);
console.log(`soak: seed ${seed}, ${sessions} sessions, ${kills} kills (npm run soak -- --seed ${seed} repeats it)`);
const report = await runSoak({ seed, sessions, kills, log: (line) => console.log(line) });
console.log(JSON.stringify({ ...report, violations: undefined }, null, 2));
for (const violation of report.violations) console.log(`VIOLATION ${violation}`);
console.log(
  `soak: seed ${seed}: lost=${report.lost} doubled=${report.doubled} unasked=${report.unasked}; ` +
    `${report.requests.acked} acknowledged (${report.offline} offline), ${report.ilsChanges} ILS changes, ${report.kills} kills`,
);
process.exit(report.violations.length === 0 ? 0 : 1);
