import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // FC_SEED=<n> repeats a failed fast-check property (the failure prints its seed).
    setupFiles: ["test/support/fast-check-seed.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**"],
          // The CLI tests run `selfcheck` from its bundle: built once, here.
          globalSetup: ["test/support/bundle-setup.ts"],
        },
      },
      {
        // Browser tests: one shared Chromium, started only when an e2e file is run.
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/support/global-setup.ts"],
          hookTimeout: 120_000,
          // A screen waits on a real stack (ILS, pad polling, tag writes) on two busy cores: expect.poll's 1 s
          // default is a race there. A bound still ends every wait in a clear failure.
          expect: { poll: { timeout: 10_000 } },
        },
      },
    ],
  },
});
