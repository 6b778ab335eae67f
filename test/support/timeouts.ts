/**
 * Timeouts for tests whose work is pure computation: a fixed number of property runs or fuzz frames.
 *
 * Such a test cannot wait on anything, so its timeout only has to catch an endless loop. Its run time, on the
 * other hand, follows the machine: a few seconds on a quiet machine, ten times that on two cores shared with
 * other work. The default 30 s timeout made them fail on a busy machine (the receipt property test took 31 s
 * beside two CPU hogs and five other processes), so they take this bound instead.
 */
export const CPU_BOUND_TIMEOUT_MS = 300_000;
