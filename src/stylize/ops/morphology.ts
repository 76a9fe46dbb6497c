/**
 * Small neighbourhood filters on masks and label maps.
 */

import type { Roi } from './roi.js';
import { scratchFloat } from './scratch.js';

/** Grey dilation (max) with a square window of radius r; works for any numeric plane. */
export function dilate<T extends Float32Array | Uint8Array>(src: T, width: number, height: number, radius: number, roi?: Roi): T {
  return extremum(src, width, height, radius, true, roi);
}

/** Grey erosion (min) with a square window of radius r. */
export function erode<T extends Float32Array | Uint8Array>(src: T, width: number, height: number, radius: number, roi?: Roi): T {
  return extremum(src, width, height, radius, false, roi);
}

function extremum<T extends Float32Array | Uint8Array>(src: T, width: number, height: number, radius: number, max: boolean, roi?: Roi): T {
  const r = Math.max(0, Math.round(radius));
  const out = src.slice() as T;
  if (r === 0) return out;
  const { x0, y0, x1, y1 } = roi ?? { x0: 0, y0: 0, x1: width - 1, y1: height - 1 };
  if (r === 1) return extremum3(src, out, width, height, max, x0, y0, x1, y1);
  const ty0 = Math.max(0, y0 - r);
  const ty1 = Math.min(height - 1, y1 + r);
  const tx0 = Math.max(0, x0 - r);
  const tx1 = Math.min(width - 1, x1 + r);
  const rw = x1 - x0 + 1;
  const rh = ty1 - ty0 + 1;
  // Horizontal pass over the rows the vertical pass will read, into a ROI-wide buffer.
  const tmp = scratchFloat('extremum.tmp', rh * rw);
  const line = new Float32Array(Math.max(tx1 - tx0 + 1, rh) + 2 * r);
  const res = new Float32Array(line.length);
  const scratch = new Float32Array(line.length * 2);
  for (let y = ty0; y <= ty1; y++) {
    const row = y * width;
    const len = tx1 - tx0 + 1;
    for (let x = 0; x < len; x++) line[x] = src[row + tx0 + x];
    slidingExtremum(line, len, r, max, res, scratch);
    const t = (y - ty0) * rw;
    for (let x = x0; x <= x1; x++) tmp[t + x - x0] = res[x - tx0];
  }
  // Vertical pass: the same block-wise prefix/suffix extrema, but over whole rows at once so that
  // memory is read row by row (column-by-column access was most of this function's time).
  const k = 2 * r + 1;
  const np = rh + 2 * r;
  const fill = max ? -Infinity : Infinity;
  const pre = scratchFloat('extremum.pre', np * rw);
  const suf = scratchFloat('extremum.suf', np * rw);
  for (let p = 0; p < np; p++) {
    const t = p - r;
    const src0 = t * rw;
    const o = p * rw;
    const first = p % k === 0;
    for (let x = 0; x < rw; x++) {
      const v = t < 0 || t >= rh ? fill : tmp[src0 + x];
      const prev = pre[o - rw + x];
      pre[o + x] = first ? v : max ? (v > prev ? v : prev) : v < prev ? v : prev;
    }
  }
  for (let p = np - 1; p >= 0; p--) {
    const t = p - r;
    const src0 = t * rw;
    const o = p * rw;
    const last = p === np - 1 || (p + 1) % k === 0;
    for (let x = 0; x < rw; x++) {
      const v = t < 0 || t >= rh ? fill : tmp[src0 + x];
      const next = suf[o + rw + x];
      suf[o + x] = last ? v : max ? (v > next ? v : next) : v < next ? v : next;
    }
  }
  for (let y = y0; y <= y1; y++) {
    const i = y - ty0;
    const a0 = i * rw;
    const b0 = (i + 2 * r) * rw;
    const row = y * width + x0;
    for (let x = 0; x < rw; x++) {
      const a = suf[a0 + x];
      const b = pre[b0 + x];
      out[row + x] = max ? (a > b ? a : b) : a < b ? a : b;
    }
  }
  return out;
}

/** Radius 1 (3x3), the common case (speckle, line thickening): two direct row-major passes. */
function extremum3<T extends Float32Array | Uint8Array>(src: T, out: T, width: number, height: number, max: boolean, x0: number, y0: number, x1: number, y1: number): T {
  const ty0 = Math.max(0, y0 - 1);
  const ty1 = Math.min(height - 1, y1 + 1);
  const rw = x1 - x0 + 1;
  const tmp = scratchFloat('extremum3.tmp', (ty1 - ty0 + 1) * rw);
  for (let y = ty0; y <= ty1; y++) {
    const row = y * width;
    const t = (y - ty0) * rw - x0;
    for (let x = x0; x <= x1; x++) {
      const c = src[row + x];
      const l = x > 0 ? src[row + x - 1] : c;
      const r = x < width - 1 ? src[row + x + 1] : c;
      tmp[t + x] = max ? (c > l ? (c > r ? c : r) : l > r ? l : r) : c < l ? (c < r ? c : r) : l < r ? l : r;
    }
  }
  for (let y = y0; y <= y1; y++) {
    const tc = (y - ty0) * rw;
    const tu = (Math.max(ty0, y - 1) - ty0) * rw;
    const td = (Math.min(ty1, y + 1) - ty0) * rw;
    const row = y * width + x0;
    for (let x = 0; x < rw; x++) {
      const c = tmp[tc + x];
      const u = tmp[tu + x];
      const d = tmp[td + x];
      out[row + x] = max ? (c > u ? (c > d ? c : d) : u > d ? u : d) : c < u ? (c < d ? c : d) : u < d ? u : d;
    }
  }
  return out;
}

/**
 * Max (or min) over the clamped window [i - r, i + r] for every i < len, in O(1) per element
 * (van Herk / Gil-Werman: block-wise prefix and suffix extrema), so large radii cost the same.
 */
function slidingExtremum(f: Float32Array, len: number, r: number, max: boolean, out: Float32Array, scratch: Float32Array): void {
  const k = 2 * r + 1;
  const fill = max ? -Infinity : Infinity;
  const n = len + 2 * r;
  const pre = scratch.subarray(0, n);
  const suf = scratch.subarray(n, 2 * n);
  // Padded index p = i + r; values outside [0, len) are the neutral element.
  for (let p = 0; p < n; p++) {
    const i = p - r;
    const v = i < 0 || i >= len ? fill : f[i];
    pre[p] = p % k === 0 ? v : max ? Math.max(pre[p - 1], v) : Math.min(pre[p - 1], v);
  }
  for (let p = n - 1; p >= 0; p--) {
    const i = p - r;
    const v = i < 0 || i >= len ? fill : f[i];
    suf[p] = p === n - 1 || (p + 1) % k === 0 ? v : max ? Math.max(suf[p + 1], v) : Math.min(suf[p + 1], v);
  }
  for (let i = 0; i < len; i++) {
    // Window in padded coordinates: [i, i + 2r].
    const a = suf[i];
    const b = pre[i + 2 * r];
    out[i] = max ? (a > b ? a : b) : a < b ? a : b;
  }
}

/**
 * Majority filter on a label map (3x3): a pixel whose label is rare around it takes the most common
 * neighbour label. Removes single-pixel speckle that would otherwise become tiny flat regions.
 */
export function majorityFilter(labels: Uint8Array, width: number, height: number, passes = 1): Uint8Array {
  let src = labels;
  const cand = new Uint8Array(9);
  const cnt = new Uint8Array(9);
  for (let p = 0; p < passes; p++) {
    const out = src.slice();
    for (let y = 1; y < height - 1; y++) {
      for (let x = 1; x < width - 1; x++) {
        const i = y * width + x;
        const c = src[i];
        let same = 0;
        let k = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const v = src[i + dy * width + dx];
            if (v === c) same++;
            let found = -1;
            for (let q = 0; q < k; q++) if (cand[q] === v) found = q;
            if (found < 0) {
              cand[k] = v;
              cnt[k] = 1;
              k++;
            } else cnt[found]++;
          }
        }
        if (same >= 4) continue;
        let best = c;
        let bestCount = same;
        for (let q = 0; q < k; q++) {
          if (cnt[q] > bestCount) {
            bestCount = cnt[q];
            best = cand[q];
          }
        }
        out[i] = best;
      }
    }
    src = out;
  }
  return src;
}
