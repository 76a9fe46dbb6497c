/**
 * Seeded randomness. Everything random in the engine flows from here so that the same seed gives
 * identical bytes on every platform (no Math.random).
 */

import { mulberry32 } from '../../core/mulberry32.js';

export { mulberry32 };

/** Mix a seed with a salt so that each effect gets its own independent stream. */
export function deriveSeed(seed: number, salt: number): number {
  let h = (seed ^ Math.imul(salt + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Per-pixel white noise in [-1, 1). */
export function whiteNoise(width: number, height: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = rand() * 2 - 1;
  return out;
}

/**
 * Smooth value noise summed over octaves, normalised to roughly [-1, 1]. Used for paper texture and
 * watercolour pigment blooms; `cell` is the coarsest lattice spacing in pixels. Writes into `out`
 * (any previous contents are cleared) when given.
 */
export function fractalNoise(
  width: number,
  height: number,
  seed: number,
  cell: number,
  octaves: number,
  out: Float32Array = new Float32Array(width * height),
): Float32Array {
  out.fill(0);
  let amp = 1;
  let total = 0;
  let size = Math.max(2, cell);
  for (let o = 0; o < octaves; o++) {
    const gw = Math.ceil(width / size) + 2;
    const gh = Math.ceil(height / size) + 2;
    const rand = mulberry32(deriveSeed(seed, o + 1));
    const grid = new Float32Array(gw * gh);
    for (let i = 0; i < grid.length; i++) grid[i] = rand() * 2 - 1;
    const inv = 1 / size;
    // Lattice column and smoothed fraction per x, computed once per octave, not once per pixel.
    const cols = new Int32Array(width);
    const fx = new Float32Array(width);
    for (let x = 0; x < width; x++) {
      const gx = x * inv;
      const x0 = gx | 0;
      const tx = gx - x0;
      cols[x] = x0;
      fx[x] = tx * tx * (3 - 2 * tx);
    }
    for (let y = 0; y < height; y++) {
      const gy = y * inv;
      const y0 = gy | 0;
      let ty = gy - y0;
      ty = ty * ty * (3 - 2 * ty);
      const row = y * width;
      const g0 = y0 * gw;
      for (let x = 0; x < width; x++) {
        const tx = fx[x];
        const i00 = g0 + cols[x];
        const a = grid[i00];
        const c = grid[i00 + gw];
        const top = a + (grid[i00 + 1] - a) * tx;
        const bot = c + (grid[i00 + gw + 1] - c) * tx;
        out[row + x] += amp * (top + (bot - top) * ty);
      }
    }
    total += amp;
    amp *= 0.5;
    size = Math.max(1, size / 2);
  }
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}
