/**
 * Edge-preserving smoothing by the domain transform's recursive filter (Gastal & Oliveira 2011).
 * It flattens texture into smooth patches while keeping colour edges, at a cost that does not grow
 * with the smoothing radius: a few 1-D passes per iteration, which is what makes cel regions cheap.
 */
import type { LabImage } from './color.js';

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
  // Domain-transform derivatives from the source (not the progressively smoothed image), as in the paper.
  const dx = new Float32Array(n);
  const dy = new Float32Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const r = scale ? ratio / Math.max(0.05, scale[i]) : ratio;
      if (x > 0) {
        const j = i - 1;
        dx[i] = 1 + r * (Math.abs(src.l[i] - src.l[j]) + Math.abs(src.a[i] - src.a[j]) + Math.abs(src.b[i] - src.b[j]));
      }
      if (y > 0) {
        const j = i - width;
        dy[i] = 1 + r * (Math.abs(src.l[i] - src.l[j]) + Math.abs(src.a[i] - src.a[j]) + Math.abs(src.b[i] - src.b[j]));
      }
    }
  }
  const iters = Math.max(1, Math.round(options.iterations));
  const w = new Float32Array(n);
  for (let it = 0; it < iters; it++) {
    const sigmaH = (options.sigmaSpace * Math.sqrt(3) * Math.pow(2, iters - it - 1)) / Math.sqrt(Math.pow(4, iters) - 1);
    const lnA = -Math.SQRT2 / sigmaH;
    for (let i = 0; i < n; i++) w[i] = Math.exp(lnA * dx[i]);
    horizontalPass(l, w, width, height);
    horizontalPass(a, w, width, height);
    horizontalPass(b, w, width, height);
    for (let i = 0; i < n; i++) w[i] = Math.exp(lnA * dy[i]);
    verticalPass(l, w, width, height);
    verticalPass(a, w, width, height);
    verticalPass(b, w, width, height);
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
