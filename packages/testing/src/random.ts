// Reproducible randomness for fuzz tests and benchmarks: the same seed gives the same sequence.

/**
 * A seeded PRNG (mulberry32: 32-bit state, good enough for test data, not for secrets) giving numbers in [0, 1).
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * const pick = Math.floor(random() * rooms.length);
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
