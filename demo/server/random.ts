/**
 * A seedable random source for fault injection: with a seed, a failing test run can be
 * replayed exactly; without one, faults use `Math.random`.
 */

/** A function returning a float in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

/**
 * mulberry32: tiny, fast, good enough to decide "drop this request or not". Not for secrets.
 *
 * @example const random = seededRandom(42); random(); // always the same sequence for 42
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
