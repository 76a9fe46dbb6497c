/**
 * Local smooth magnification ("bigger anime eyes"). Inside an ellipse each pixel samples from closer
 * to the centre; the scale returns to 1 smoothly at the rim, so nothing tears or folds.
 */
import type { RgbImage } from '../../core/raster.js';
import type { Point } from '../../core/types.js';

export interface MagnifyRegion {
  cx: number;
  cy: number;
  /** Influence radii (px). */
  rx: number;
  ry: number;
  /** Centre enlargement, e.g. 0.15 = 15 % larger; kept below 0.3 so the mapping stays monotonic. */
  amount: number;
}

/** Source scale for normalised squared radius u (0 at centre, 1 at rim). */
function scaleAt(u: number, amount: number): number {
  if (u >= 1) return 1;
  const m = amount / (1 + amount);
  const f = 1 - u;
  return 1 - m * f * f;
}

/** Backward-mapped bilinear warp of every region (regions should not overlap much). */
export function magnify(image: RgbImage, regions: readonly MagnifyRegion[]): RgbImage {
  const { width, height, data } = image;
  const out = data.slice();
  for (const r of regions) {
    if (r.amount <= 0 || r.rx < 1 || r.ry < 1) continue;
    const x0 = Math.max(0, Math.floor(r.cx - r.rx));
    const x1 = Math.min(width - 1, Math.ceil(r.cx + r.rx));
    const y0 = Math.max(0, Math.floor(r.cy - r.ry));
    const y1 = Math.min(height - 1, Math.ceil(r.cy + r.ry));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = x - r.cx;
        const dy = y - r.cy;
        const u = (dx * dx) / (r.rx * r.rx) + (dy * dy) / (r.ry * r.ry);
        if (u >= 1) continue;
        const s = scaleAt(u, r.amount);
        sampleBilinear(data, width, height, r.cx + dx * s, r.cy + dy * s, out, (y * width + x) * 3);
      }
    }
  }
  return { width, height, data: out };
}

function sampleBilinear(data: Uint8Array, width: number, height: number, sx: number, sy: number, out: Uint8Array, o: number): void {
  const x = Math.min(width - 1.001, Math.max(0, sx));
  const y = Math.min(height - 1.001, Math.max(0, sy));
  const xi = x | 0;
  const yi = y | 0;
  const fx = x - xi;
  const fy = y - yi;
  const i00 = (yi * width + xi) * 3;
  const i10 = i00 + 3;
  const i01 = i00 + width * 3;
  const i11 = i01 + 3;
  for (let c = 0; c < 3; c++) {
    const top = data[i00 + c] + (data[i10 + c] - data[i00 + c]) * fx;
    const bot = data[i01 + c] + (data[i11 + c] - data[i01 + c]) * fx;
    out[o + c] = Math.round(top + (bot - top) * fy);
  }
}

/** Where a source point ends up after `magnify` (inverse of the backward map, by bisection). */
export function magnifyPoint(p: Point, r: MagnifyRegion): Point {
  const dx = p.x - r.cx;
  const dy = p.y - r.cy;
  const uq = (dx * dx) / (r.rx * r.rx) + (dy * dy) / (r.ry * r.ry);
  if (uq >= 1 || r.amount <= 0) return { x: p.x, y: p.y };
  // Find t >= 1 with t * scale(t^2 * uq) = 1: the output point c + t*(p-c) samples p.
  let lo = 1;
  let hi = 1 + r.amount * 1.5 + 0.01;
  for (let k = 0; k < 40; k++) {
    const t = (lo + hi) / 2;
    if (t * scaleAt(t * t * uq, r.amount) < 1) lo = t;
    else hi = t;
  }
  const t = (lo + hi) / 2;
  return { x: r.cx + dx * t, y: r.cy + dy * t };
}
