/** Boxes, matching and polygon rasterisation for the evaluation metrics. */
import { createMask, type Mask } from '../core/raster.js';
import type { Box, Point } from '../core/types.js';

export function boxArea(box: Box): number {
  return Math.max(0, box.width) * Math.max(0, box.height);
}

export function iou(a: Box, b: Box): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

export function scaleBox(box: Box, sx: number, sy: number = sx): Box {
  return { x: box.x * sx, y: box.y * sy, width: box.width * sx, height: box.height * sy };
}

export interface BoxMatch {
  /** Index into the reference list. */
  reference: number;
  /** Index into the candidate list. */
  candidate: number;
  iou: number;
}

/**
 * One-to-one matching, highest IoU first (the COCO evaluation's greedy rule); pairs below
 * `minIou` stay unmatched.
 */
export function matchBoxes(reference: readonly Box[], candidates: readonly Box[], minIou: number): BoxMatch[] {
  const pairs: BoxMatch[] = [];
  for (let r = 0; r < reference.length; r++) {
    for (let c = 0; c < candidates.length; c++) {
      const overlap = iou(reference[r], candidates[c]);
      if (overlap >= minIou && overlap > 0) pairs.push({ reference: r, candidate: c, iou: overlap });
    }
  }
  pairs.sort((p, q) => q.iou - p.iou || p.reference - q.reference || p.candidate - q.candidate);
  const usedR = new Set<number>();
  const usedC = new Set<number>();
  const matches: BoxMatch[] = [];
  for (const pair of pairs) {
    if (usedR.has(pair.reference) || usedC.has(pair.candidate)) continue;
    usedR.add(pair.reference);
    usedC.add(pair.candidate);
    matches.push(pair);
  }
  return matches.sort((p, q) => p.reference - q.reference);
}

/**
 * Sets every pixel whose centre lies inside the closed polygon (even-odd rule) to `value`.
 * Scanline fill: exact for any simple polygon and cheap for face-sized outlines.
 */
export function fillPolygon(mask: Mask, polygon: readonly Point[], value = 255): void {
  if (polygon.length < 3) return;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of polygon) {
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const y0 = Math.max(0, Math.ceil(minY - 0.5));
  const y1 = Math.min(mask.height - 1, Math.floor(maxY - 0.5));
  const xs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
      const a = polygon[i];
      const b = polygon[j];
      if (a.y > cy !== b.y > cy) xs.push(a.x + ((cy - a.y) / (b.y - a.y)) * (b.x - a.x));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k] - 0.5));
      const to = Math.min(mask.width - 1, Math.floor(xs[k + 1] - 0.5));
      mask.data.fill(value, y * mask.width + from, from <= to ? y * mask.width + to + 1 : y * mask.width + from);
    }
  }
}

/** The polygon grown (factor > 1) or shrunk about its centroid. */
export function scalePolygon(polygon: readonly Point[], factor: number): Point[] {
  if (polygon.length === 0) return [];
  let cx = 0;
  let cy = 0;
  for (const p of polygon) {
    cx += p.x;
    cy += p.y;
  }
  cx /= polygon.length;
  cy /= polygon.length;
  return polygon.map((p) => ({ x: cx + (p.x - cx) * factor, y: cy + (p.y - cy) * factor }));
}

/** An ellipse as a polygon, for regions defined by a box rather than landmarks. */
export function ellipsePolygon(cx: number, cy: number, rx: number, ry: number, sides = 48): Point[] {
  const points: Point[] = [];
  for (let i = 0; i < sides; i++) {
    const t = (2 * Math.PI * i) / sides;
    points.push({ x: cx + rx * Math.cos(t), y: cy + ry * Math.sin(t) });
  }
  return points;
}

export function polygonMask(width: number, height: number, polygon: readonly Point[]): Mask {
  const mask = createMask(width, height);
  fillPolygon(mask, polygon);
  return mask;
}
