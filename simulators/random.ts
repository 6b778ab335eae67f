/** Randomness for simulators and fault injection (RFID, ACS, fixtures): a function returning [0, 1), injectable so tests are repeatable. */
export type Random = () => number;

/** mulberry32: a tiny seeded generator; the same seed gives the same fault sequence on every run. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** True with probability `rate` (0 never draws, so a fault-free run consumes no randomness). */
export function chance(random: Random, rate: number): boolean {
  return rate > 0 && random() < rate;
}
