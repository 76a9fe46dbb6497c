/**
 * mulberry32: a tiny, fast, seeded generator of floats in [0, 1). Everything seeded in the project
 * (textures, tiny-pack weights, the fuzzer's mutations) draws from it, so one seed gives the same
 * numbers on every platform (never Math.random).
 */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
