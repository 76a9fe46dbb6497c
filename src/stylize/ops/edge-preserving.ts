/**
 * Edge-preserving smoothing by the domain transform's recursive filter (Gastal & Oliveira 2011).
 * It flattens texture into smooth patches while keeping colour edges, at a cost that does not grow
 * with the smoothing radius: a few 1-D passes per iteration, which is what makes cel regions cheap.
 */
import type { LabImage } from './color.js';
import { scratchFloat } from './scratch.js';

export interface DomainTransformOptions {
  /** Spatial extent in pixels: how far colours spread inside a region. */
  sigmaSpace: number;
  /** Range in Lab units: colour steps larger than this stop the spread. */
  sigmaRange: number;
  /** Passes; 3 is the paper's recommendation. */
  iterations: number;
  /** Optional per-pixel multiplier of sigmaRange (>1 smooths more, e.g. on skin). */
  rangeScale?: Float32Array;
}

/** Smooth the Lab planes in place-free fashion; returns a new image. */
export function domainTransformFilter(src: LabImage, options: DomainTransformOptions): LabImage {
  const { width, height } = src;
  const n = width * height;
  const l = src.l.slice();
  const a = src.a.slice();
  const b = src.b.slice();
  const ratio = options.sigmaSpace / Math.max(1e-3, options.sigmaRange);
  const scale = options.rangeScale;
  // Domain-transform derivatives from the source (not the progressively smoothed image), as in the
  // paper, turned straight into the first iteration's recursive-filter weights a^d. Each later
  // iteration halves sigma_H, which squares every weight, so one exp per pixel and direction serves
  // all iterations.
  const iters = Math.max(1, Math.round(options.iterations));
  const sigmaH0 = (options.sigmaSpace * Math.sqrt(3) * Math.pow(2, iters - 1)) / Math.sqrt(Math.pow(4, iters) - 1);
  const lnA = -Math.SQRT2 / sigmaH0;
  const wh = scratchFloat('domain.wh', n);
  const wv = scratchFloat('domain.wv', n);
  const sl = src.l;
  const sa = src.a;
  const sb = src.b;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const r = scale ? ratio / Math.max(0.05, scale[i]) : ratio;
      if (x > 0) {
        const j = i - 1;
        wh[i] = Math.exp(lnA * (1 + r * (Math.abs(sl[i] - sl[j]) + Math.abs(sa[i] - sa[j]) + Math.abs(sb[i] - sb[j]))));
      } else wh[i] = 0;
      if (y > 0) {
        const j = i - width;
        wv[i] = Math.exp(lnA * (1 + r * (Math.abs(sl[i] - sl[j]) + Math.abs(sa[i] - sa[j]) + Math.abs(sb[i] - sb[j]))));
      } else wv[i] = 0;
    }
  }
  for (let it = 0; it < iters; it++) {
    if (it > 0) {
      for (let i = 0; i < n; i++) {
        wh[i] *= wh[i];
        wv[i] *= wv[i];
      }
    }
    horizontalPass(l, wh, width, height);
    horizontalPass(a, wh, width, height);
    horizontalPass(b, wh, width, height);
    verticalPass(l, wv, width, height);
    verticalPass(a, wv, width, height);
    verticalPass(b, wv, width, height);
  }
  return { width, height, l, a, b };
}

function horizontalPass(p: Float32Array, w: Float32Array, width: number, height: number): void {
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 1; x < width; x++) {
      const i = row + x;
      p[i] += w[i] * (p[i - 1] - p[i]);
    }
    for (let x = width - 2; x >= 0; x--) {
      const i = row + x;
      p[i] += w[i + 1] * (p[i + 1] - p[i]);
    }
  }
}

function verticalPass(p: Float32Array, w: Float32Array, width: number, height: number): void {
  for (let y = 1; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      p[i] += w[i] * (p[i - width] - p[i]);
    }
  }
  for (let y = height - 2; y >= 0; y--) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      p[i] += w[i + width] * (p[i + width] - p[i]);
    }
  }
}
