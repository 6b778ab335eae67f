/**
 * Vitest setup for every test file: `FC_SEED=<n>` runs every fast-check property with that seed, to
 * repeat a failure. A failing property prints its seed (and the path to its shrunk counterexample) in
 * the error; run that test again with the seed, e.g. `FC_SEED=-1318375512 npx vitest run test/x.test.ts -t "name"`.
 * A property given a seed of its own keeps it.
 */
import fc from "fast-check";

const raw = process.env.FC_SEED;
if (raw !== undefined && raw.trim() !== "") {
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`FC_SEED must be a whole number, the seed a failing property printed; got "${raw}".`);
  }
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
  console.log(`fast-check: properties run with seed ${seed} (FC_SEED)`);
}
