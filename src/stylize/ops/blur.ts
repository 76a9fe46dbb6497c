/**
 * Separable blurs on single-channel float planes. Edges clamp (replicate) so borders do not darken.
 */
import type { Roi } from './roi.js';

function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(sigma * 3));
  const k = new Float32Array(radius * 2 + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/**
 * Gaussian blur; returns a new plane (or writes into `out`, which may not alias `src`). Sigma <= 0
 * copies. With `roi`, only pixels inside it are blurred; the rest are copied from `src`.
 */
export function gaussianBlur(
  src: Float32Array,
  width: number,
  height: number,
  sigma: number,
  out: Float32Array = new Float32Array(src.length),
  roi?: Roi,
): Float32Array {
  if (sigma <= 0.01) {
    if (out !== src) out.set(src);
    return out;
  }
  // Large sigmas use three box passes (close to Gaussian, constant cost per pixel).
  if (sigma > 4 && !roi) return boxBlurGaussian(src, width, height, sigma, out);
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) >> 1;
  const { x0, y0, x1, y1 } = roi ?? { x0: 0, y0: 0, x1: width - 1, y1: height - 1 };
  if (roi && out !== src) out.set(src);
  const ty0 = Math.max(0, y0 - r);
  const ty1 = Math.min(height - 1, y1 + r);
  const rw = x1 - x0 + 1;
  // Horizontal pass into a ROI-sized buffer, through a padded row so the inner loop has no clamps.
  const tmp = new Float32Array((ty1 - ty0 + 1) * rw);
  const pad = new Float32Array(rw + 2 * r);
  for (let y = ty0; y <= ty1; y++) {
    const row = y * width;
    for (let j = 0; j < pad.length; j++) {
      let xx = x0 - r + j;
      if (xx < 0) xx = 0;
      else if (xx >= width) xx = width - 1;
      pad[j] = src[row + xx];
    }
    const t = (y - ty0) * rw;
    for (let x = 0; x < rw; x++) {
      let acc = 0;
      for (let i = 0; i < k.length; i++) acc += k[i] * pad[x + i];
      tmp[t + x] = acc;
    }
  }
  // Vertical pass row by row (sequential memory access).
  const acc = new Float32Array(rw);
  for (let y = y0; y <= y1; y++) {
    acc.fill(0);
    for (let i = -r; i <= r; i++) {
      let yy = y + i;
      if (yy < ty0) yy = ty0;
      else if (yy > ty1) yy = ty1;
      const w = k[i + r];
      const t = (yy - ty0) * rw;
      for (let x = 0; x < rw; x++) acc[x] += w * tmp[t + x];
    }
    out.set(acc, y * width + x0);
  }
  return out;
}

/** One horizontal + vertical running-sum box pass of radius r (window 2r+1). */
export function boxBlur(
  src: Float32Array,
  width: number,
  height: number,
  radius: number,
  out: Float32Array = new Float32Array(src.length),
): Float32Array {
  const r = Math.max(0, Math.round(radius));
  if (r === 0) {
    if (out !== src) out.set(src);
    return out;
  }
  const tmp = new Float32Array(src.length);
  const inv = 1 / (2 * r + 1);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let acc = 0;
    for (let i = -r; i <= r; i++) acc += src[row + Math.min(width - 1, Math.max(0, i))];
    for (let x = 0; x < width; x++) {
      tmp[row + x] = acc * inv;
      const add = Math.min(width - 1, x + r + 1);
      const sub = Math.max(0, x - r);
      acc += src[row + add] - src[row + sub];
    }
  }
  for (let x = 0; x < width; x++) {
    let acc = 0;
    for (let i = -r; i <= r; i++) acc += tmp[Math.min(height - 1, Math.max(0, i)) * width + x];
    for (let y = 0; y < height; y++) {
      out[y * width + x] = acc * inv;
      const add = Math.min(height - 1, y + r + 1);
      const sub = Math.max(0, y - r);
      acc += tmp[add * width + x] - tmp[sub * width + x];
    }
  }
  return out;
}

/** Gaussian approximated by three box passes (Kovesi's box sizes, rounded to one radius). */
export function boxBlurGaussian(
  src: Float32Array,
  width: number,
  height: number,
  sigma: number,
  out: Float32Array = new Float32Array(src.length),
): Float32Array {
  const wIdeal = Math.sqrt((12 * sigma * sigma) / 3 + 1);
  const r = Math.max(1, Math.round((wIdeal - 1) / 2));
  boxBlur(src, width, height, r, out);
  boxBlur(out, width, height, r, out);
  boxBlur(out, width, height, r, out);
  return out;
}

/** Blur a 0..255 mask into a 0..1 float plane (soft edges for blending). */
export function featherMask(mask: Uint8Array, width: number, height: number, sigma: number): Float32Array {
  const f = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) f[i] = mask[i] / 255;
  return sigma > 0 ? gaussianBlur(f, width, height, sigma) : f;
}
