/**
 * Antialiased vector primitives rasterised into coverage planes (0..1), for strokes the photo
 * cannot give: eyelashes, a nose tick, a mouth line, catchlights.
 */
import type { Point } from '../../core/types.js';

/**
 * Stroke a polyline with width tapering from `w0` to `w1` (px) along its length; coverage is
 * max-combined into `cov` scaled by `value`.
 */
export function strokePolyline(
  cov: Float32Array,
  width: number,
  height: number,
  pts: readonly Point[],
  w0: number,
  w1: number = w0,
  value = 1,
): void {
  if (pts.length < 2) return;
  const seg: number[] = [0];
  for (let i = 1; i < pts.length; i++) seg.push(seg[i - 1] + Math.hypot(pts[i].x - pts[i - 1].x, pts[i].y - pts[i - 1].y));
  const total = seg[seg.length - 1] || 1;
  const pad = Math.max(w0, w1) / 2 + 2;
  for (let s = 0; s < pts.length - 1; s++) {
    const p = pts[s];
    const q = pts[s + 1];
    const x0 = Math.max(0, Math.floor(Math.min(p.x, q.x) - pad));
    const x1 = Math.min(width - 1, Math.ceil(Math.max(p.x, q.x) + pad));
    const y0 = Math.max(0, Math.floor(Math.min(p.y, q.y) - pad));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(p.y, q.y) + pad));
    const vx = q.x - p.x;
    const vy = q.y - p.y;
    const len2 = vx * vx + vy * vy || 1e-6;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5 - p.x;
        const py = y + 0.5 - p.y;
        const t = Math.max(0, Math.min(1, (px * vx + py * vy) / len2));
        const dx = px - t * vx;
        const dy = py - t * vy;
        const d = Math.sqrt(dx * dx + dy * dy);
        const along = (seg[s] + t * (seg[s + 1] - seg[s])) / total;
        const half = (w0 + (w1 - w0) * along) / 2;
        const c = Math.min(1, Math.max(0, half - d + 0.5)) * value;
        const i = y * width + x;
        if (c > cov[i]) cov[i] = c;
      }
    }
  }
}

/** Filled antialiased disc, max-combined. */
export function fillDisc(cov: Float32Array, width: number, height: number, cx: number, cy: number, r: number, value = 1): void {
  const x0 = Math.max(0, Math.floor(cx - r - 1));
  const x1 = Math.min(width - 1, Math.ceil(cx + r + 1));
  const y0 = Math.max(0, Math.floor(cy - r - 1));
  const y1 = Math.min(height - 1, Math.ceil(cy + r + 1));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
      const c = Math.min(1, Math.max(0, r - d + 0.5)) * value;
      const i = y * width + x;
      if (c > cov[i]) cov[i] = c;
    }
  }
}

/**
 * Polygon coverage (even-odd), max-combined: scanline spans on 4 sub-rows per pixel row, with exact
 * horizontal coverage, so edges are antialiased at a cost proportional to the polygon's area.
 */
export function fillPolygon(cov: Float32Array, width: number, height: number, pts: readonly Point[], value = 1): void {
  if (pts.length < 3) return;
  const b = bounds(pts);
  const x0 = Math.max(0, Math.floor(b.minX));
  const x1 = Math.min(width - 1, Math.ceil(b.maxX));
  const y0 = Math.max(0, Math.floor(b.minY));
  const y1 = Math.min(height - 1, Math.ceil(b.maxY));
  if (x1 < x0 || y1 < y0) return;
  const rowCov = new Float32Array(x1 - x0 + 2);
  const xs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    rowCov.fill(0);
    for (let s = 0; s < 4; s++) {
      const sy = y + 0.125 + s * 0.25;
      xs.length = 0;
      for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
        const p = pts[i];
        const q = pts[j];
        if (p.y > sy !== q.y > sy) xs.push(p.x + ((sy - p.y) * (q.x - p.x)) / (q.y - p.y));
      }
      xs.sort((u, v) => u - v);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const a = Math.max(x0, xs[k]);
        const e = Math.min(x1 + 1, xs[k + 1]);
        if (e <= a) continue;
        const ia = Math.floor(a);
        const ie = Math.floor(e);
        if (ia === ie) {
          rowCov[ia - x0] += (e - a) * 0.25;
          continue;
        }
        rowCov[ia - x0] += (ia + 1 - a) * 0.25;
        for (let x = ia + 1; x < ie; x++) rowCov[x - x0] += 0.25;
        if (ie <= x1) rowCov[ie - x0] += (e - ie) * 0.25;
      }
    }
    const row = y * width;
    for (let x = x0; x <= x1; x++) {
      const c = Math.min(1, rowCov[x - x0]) * value;
      if (c > cov[row + x]) cov[row + x] = c;
    }
  }
}

export function pointInPolygon(x: number, y: number, pts: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const a = pts[i];
    const b = pts[j];
    if (a.y > y !== b.y > y && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

export function centroid(pts: readonly Point[]): Point {
  let x = 0;
  let y = 0;
  for (const p of pts) {
    x += p.x;
    y += p.y;
  }
  return { x: x / Math.max(1, pts.length), y: y / Math.max(1, pts.length) };
}

export function bounds(pts: readonly Point[]): { minX: number; maxX: number; minY: number; maxY: number } {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of pts) {
    minX = Math.min(minX, p.x);
    maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  return { minX, maxX, minY, maxY };
}

/** Sample a quadratic Bézier into `steps` + 1 points. */
export function quadraticCurve(a: Point, control: Point, b: Point, steps = 12): Point[] {
  const out: Point[] = [];
  for (let s = 0; s <= steps; s++) {
    const t = s / steps;
    const u = 1 - t;
    out.push({ x: u * u * a.x + 2 * u * t * control.x + t * t * b.x, y: u * u * a.y + 2 * u * t * control.y + t * t * b.y });
  }
  return out;
}

/** Scale a polygon about its centroid. */
export function scalePolygon(pts: readonly Point[], factor: number): Point[] {
  const c = centroid(pts);
  return pts.map((p) => ({ x: c.x + (p.x - c.x) * factor, y: c.y + (p.y - c.y) * factor }));
}
