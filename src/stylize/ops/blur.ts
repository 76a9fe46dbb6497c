/**
 * Separable blurs on single-channel float planes. Edges clamp (replicate) so borders do not darken.
 */
import type { Roi } from './roi.js';
import { scratchFloat } from './scratch.js';

/** Above this sigma, `gaussianBlur` uses three box passes. */
const BOX_SIGMA = 2.5;

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
 * Gaussian blur; returns a new plane (or writes into `out`, which may be `src` itself). Sigma <= 0
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
  const whole = !roi || (roi.x0 <= 0 && roi.y0 <= 0 && roi.x1 >= width - 1 && roi.y1 >= height - 1);
  // Larger sigmas use three box passes (close to Gaussian, constant cost per pixel); the engine's
  // large blurs shape soft masks and shading, where the box approximation is indistinguishable.
  if (sigma > BOX_SIGMA) return whole ? boxBlurGaussian(src, width, height, sigma, out) : boxBlurGaussianRoi(src, width, height, sigma, out, roi as Roi);
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) >> 1;
  const { x0, y0, x1, y1 } = roi ?? { x0: 0, y0: 0, x1: width - 1, y1: height - 1 };
  if (roi && out !== src) out.set(src);
  const ty0 = Math.max(0, y0 - r);
  const ty1 = Math.min(height - 1, y1 + r);
  const rw = x1 - x0 + 1;
  // Horizontal pass into a ROI-sized buffer, through a padded row so the inner loop has no clamps.
  const tmp = scratchFloat('gaussian.tmp', (ty1 - ty0 + 1) * rw);
  const pad = new Float32Array(rw + 2 * r);
  // Symmetric kernel: each tap pair shares one multiply.
  const k0 = k[r];
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
      const c = x + r;
      let acc = k0 * pad[c];
      for (let j = 1; j <= r; j++) acc += k[r + j] * (pad[c - j] + pad[c + j]);
      tmp[t + x] = acc;
    }
  }
  // Vertical pass row by row (sequential memory access), rows clamped to the buffered band.
  const acc = scratchFloat('gaussian.acc', rw);
  for (let y = y0; y <= y1; y++) {
    const tc = (y - ty0) * rw;
    for (let x = 0; x < rw; x++) acc[x] = k0 * tmp[tc + x];
    for (let j = 1; j <= r; j++) {
      const up = Math.max(ty0, y - j);
      const dn = Math.min(ty1, y + j);
      const w = k[r + j];
      const tu = (up - ty0) * rw;
      const td = (dn - ty0) * rw;
      for (let x = 0; x < rw; x++) acc[x] += w * (tmp[tu + x] + tmp[td + x]);
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
  const tmp = scratchFloat('box.tmp', src.length);
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
  // Vertical pass row by row with a running sum per column: sequential memory access.
  const acc = scratchFloat('box.acc', width, true);
  for (let i = -r; i <= r; i++) {
    const row = Math.min(height - 1, Math.max(0, i)) * width;
    for (let x = 0; x < width; x++) acc[x] += tmp[row + x];
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const add = Math.min(height - 1, y + r + 1) * width;
    const sub = Math.max(0, y - r) * width;
    for (let x = 0; x < width; x++) {
      out[row + x] = acc[x] * inv;
      acc[x] += tmp[add + x] - tmp[sub + x];
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

/**
 * `boxBlurGaussian` inside `roi` only (the rest of `out` is a copy of `src`): blurs a crop grown by
 * the filter's reach, so a large soft mask around one face costs that face's area, not the image's.
 */
function boxBlurGaussianRoi(src: Float32Array, width: number, height: number, sigma: number, out: Float32Array, roi: Roi): Float32Array {
  const reach = Math.ceil(sigma * 3);
  const cx0 = Math.max(0, roi.x0 - reach);
  const cy0 = Math.max(0, roi.y0 - reach);
  const cx1 = Math.min(width - 1, roi.x1 + reach);
  const cy1 = Math.min(height - 1, roi.y1 + reach);
  const cw = cx1 - cx0 + 1;
  const ch = cy1 - cy0 + 1;
  const crop = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) crop.set(src.subarray((cy0 + y) * width + cx0, (cy0 + y) * width + cx1 + 1), y * cw);
  boxBlurGaussian(crop, cw, ch, sigma, crop);
  if (out !== src) out.set(src);
  for (let y = roi.y0; y <= roi.y1; y++) {
    const row = (y - cy0) * cw - cx0;
    for (let x = roi.x0; x <= roi.x1; x++) out[y * width + x] = crop[row + x];
  }
  return out;
}

/** Blur a 0..255 mask into a 0..1 float plane (soft edges for blending). */
export function featherMask(mask: Uint8Array, width: number, height: number, sigma: number): Float32Array {
  const f = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) f[i] = mask[i] / 255;
  return sigma > 0 ? gaussianBlur(f, width, height, sigma) : f;
}
