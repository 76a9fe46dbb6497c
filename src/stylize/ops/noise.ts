/**
 * Seeded randomness. Everything random in the engine flows from here so that the same seed gives
 * identical bytes on every platform (no Math.random).
 */

/** mulberry32: tiny, fast, good enough for textures and sampling. Returns floats in [0, 1). */
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
 * watercolour pigment blooms; `cell` is the coarsest lattice spacing in pixels.
 */
export function fractalNoise(width: number, height: number, seed: number, cell: number, octaves: number): Float32Array {
  const out = new Float32Array(width * height);
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
    for (let y = 0; y < height; y++) {
      const gy = y * inv;
      const y0 = gy | 0;
      let ty = gy - y0;
      ty = ty * ty * (3 - 2 * ty);
      for (let x = 0; x < width; x++) {
        const gx = x * inv;
        const x0 = gx | 0;
        let tx = gx - x0;
        tx = tx * tx * (3 - 2 * tx);
        const i00 = y0 * gw + x0;
        const top = grid[i00] + (grid[i00 + 1] - grid[i00]) * tx;
        const bot = grid[i00 + gw] + (grid[i00 + gw + 1] - grid[i00 + gw]) * tx;
        out[y * width + x] += amp * (top + (bot - top) * ty);
      }
    }
    total += amp;
    amp *= 0.5;
    size = Math.max(1, size / 2);
  }
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}
