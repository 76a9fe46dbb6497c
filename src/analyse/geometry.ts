/** Small portable geometry helpers for the analyser: boxes, polygons, scanline fill. */
import type { Box, Point } from '../core/types.js';

export function boxOfPoints(points: readonly Point[]): Box {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    if (p.x < minX) minX = p.x;
    if (p.y < minY) minY = p.y;
    if (p.x > maxX) maxX = p.x;
    if (p.y > maxY) maxY = p.y;
  }
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

export function centroid(points: readonly Point[]): Point {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p.x;
    y += p.y;
  }
  return { x: x / points.length, y: y / points.length };
}

export function boxCentre(box: Box): Point {
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

export function boxContains(box: Box, p: Point): boolean {
  return p.x >= box.x && p.x <= box.x + box.width && p.y >= box.y && p.y <= box.y + box.height;
}

export function boxArea(box: Box): number {
  return Math.max(0, box.width) * Math.max(0, box.height);
}

export function intersectionArea(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Share (0..1) of a box's area that lies inside a width × height image; 0 for an empty box. */
export function visibleShare(box: Box, width: number, height: number): number {
  const area = boxArea(box);
  return area > 0 ? intersectionArea(box, { x: 0, y: 0, width, height }) / area : 0;
}

export function clipBox(box: Box, width: number, height: number): Box {
  const x0 = Math.max(0, Math.min(width, box.x));
  const y0 = Math.max(0, Math.min(height, box.y));
  const x1 = Math.max(0, Math.min(width, box.x + box.width));
  const y1 = Math.max(0, Math.min(height, box.y + box.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

export function scaleBox(box: Box, s: number): Box {
  return { x: box.x * s, y: box.y * s, width: box.width * s, height: box.height * s };
}

/** Grow (or shrink) a polygon about its centroid, e.g. to leave a margin round eyes when sampling skin. */
export function scalePolygon(points: readonly Point[], factor: number): Point[] {
  const c = centroid(points);
  return points.map((p) => ({ x: c.x + (p.x - c.x) * factor, y: c.y + (p.y - c.y) * factor }));
}

/**
 * Fill a polygon into a single-channel buffer (row-major, `width` wide) with `value`, even-odd rule,
 * sampling pixel centres. Rows and columns outside the buffer are skipped.
 */
export function fillPolygon(
  buffer: Uint8Array,
  width: number,
  height: number,
  polygon: readonly Point[],
  value: number,
): void {
  if (polygon.length < 3) return;
  const box = boxOfPoints(polygon);
  const yStart = Math.max(0, Math.ceil(box.y - 0.5));
  const yEnd = Math.min(height - 1, Math.floor(box.y + box.height - 0.5));
  const xs: number[] = [];
  for (let y = yStart; y <= yEnd; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
      const a = polygon[i];
      const b = polygon[j];
      if ((a.y > cy) !== (b.y > cy)) xs.push(a.x + ((cy - a.y) / (b.y - a.y)) * (b.x - a.x));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const x0 = Math.max(0, Math.ceil(xs[k] - 0.5));
      const x1 = Math.min(width - 1, Math.floor(xs[k + 1] - 0.5));
      if (x1 >= x0) buffer.fill(value, y * width + x0, y * width + x1 + 1);
    }
  }
}

/** Fill an axis-aligned ellipse (centre, radii) with the maximum of its current value and `value`. */
export function fillEllipse(
  buffer: Uint8Array,
  width: number,
  height: number,
  centre: Point,
  rx: number,
  ry: number,
  value: number,
): void {
  const y0 = Math.max(0, Math.floor(centre.y - ry));
  const y1 = Math.min(height - 1, Math.ceil(centre.y + ry));
  for (let y = y0; y <= y1; y++) {
    const dy = (y + 0.5 - centre.y) / ry;
    if (dy * dy > 1) continue;
    const half = rx * Math.sqrt(1 - dy * dy);
    const x0 = Math.max(0, Math.ceil(centre.x - half - 0.5));
    const x1 = Math.min(width - 1, Math.floor(centre.x + half - 0.5));
    for (let x = x0; x <= x1; x++) {
      const i = y * width + x;
      if (buffer[i] < value) buffer[i] = value;
    }
  }
}
