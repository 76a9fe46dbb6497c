/**
 * Skin: sample a person's own skin colour from the face, find pixels of that colour nearby, and
 * restore the mean afterwards. The reference always comes from this photo's face, never from a
 * generic "skin colour", so dark and light skin are treated the same way.
 */
import type { LabImage } from './color.js';

export interface SkinSample {
  /** Robust mean Lab of the sampled pixels. */
  lab: [number, number, number];
  /** Lightness spread (std-dev) of the sample, to set how much shading still counts as skin. */
  spreadL: number;
  count: number;
}

/** Median-then-trimmed mean of the Lab pixels where `where` is set; null for fewer than 8 pixels. */
export function sampleSkin(lab: LabImage, where: Uint8Array): SkinSample | null {
  const idx: number[] = [];
  for (let i = 0; i < where.length; i++) if (where[i]) idx.push(i);
  if (idx.length < 8) return null;
  const values = new Float32Array(idx.length);
  const med = (plane: Float32Array): number => {
    for (let k = 0; k < idx.length; k++) values[k] = plane[idx[k]];
    return select(values, values.length >> 1);
  };
  const m: [number, number, number] = [med(lab.l), med(lab.a), med(lab.b)];
  let c = 0;
  let sl = 0;
  let sa = 0;
  let sb = 0;
  let sll = 0;
  for (const i of idx) {
    // Trim eyes, brows, glasses and specular spots that slipped into the sample.
    if (Math.abs(lab.l[i] - m[0]) > 20 || Math.hypot(lab.a[i] - m[1], lab.b[i] - m[2]) > 12) continue;
    c++;
    sl += lab.l[i];
    sa += lab.a[i];
    sb += lab.b[i];
    sll += lab.l[i] * lab.l[i];
  }
  if (c < 8) return { lab: m, spreadL: 8, count: idx.length };
  const mean: [number, number, number] = [sl / c, sa / c, sb / c];
  return { lab: mean, spreadL: Math.sqrt(Math.max(0, sll / c - mean[0] * mean[0])), count: c };
}

/** The k-th smallest value (0-based) of `v`, reordering `v` in place (quickselect, O(n)). */
export function select(v: Float32Array, k: number): number {
  let lo = 0;
  let hi = v.length - 1;
  while (lo < hi) {
    // Median of three as pivot: deterministic, and no quadratic case on sorted input.
    const mid = (lo + hi) >> 1;
    const a = v[lo];
    const b = v[mid];
    const c = v[hi];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) {
        const t = v[i];
        v[i] = v[j];
        v[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return v[k];
  }
  return v[k];
}

export interface SkinRegion {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Skin likelihood 0..1 in `region`: close in chroma to the sample, and within a shading range in
 * lightness (darker allowed more than lighter: shadows are skin, highlights rarely are). Max-combined
 * into `out`.
 */
export function skinLikelihood(lab: LabImage, sample: SkinSample, region: SkinRegion, out: Float32Array): void {
  const { width } = lab;
  const [l0, a0, b0] = sample.lab;
  const chromaTol = 9 + Math.min(6, Math.hypot(a0, b0) * 0.15);
  const below = 20 + sample.spreadL * 1.5;
  const above = 14 + sample.spreadL;
  for (let y = region.y0; y <= region.y1; y++) {
    for (let x = region.x0; x <= region.x1; x++) {
      const i = y * width + x;
      const dc = Math.hypot(lab.a[i] - a0, lab.b[i] - b0);
      const dl = lab.l[i] - l0;
      const wc = 1 - smoothstep(chromaTol * 0.6, chromaTol, dc);
      const wl = dl < 0 ? 1 - smoothstep(below * 0.7, below, -dl) : 1 - smoothstep(above * 0.7, above, dl);
      const w = wc * wl;
      if (w > out[i]) out[i] = w;
    }
  }
}

/**
 * Mean Lab over pixels where `mask` > 0.5, leaving out the darkest and brightest `trim` share by
 * lightness (ink, nostrils and shine are not skin colour). Null when the mask is empty.
 */
export function trimmedMeanLab(image: LabImage, mask: Float32Array, trim: number): [number, number, number] | null {
  const { l: pl, a: pa, b: pb } = image;
  let count = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < mask.length; i++) {
    if (!(mask[i] > 0.5)) continue;
    count++;
    const v = pl[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!count) return null;
  const drop = Math.floor(count * Math.min(0.45, Math.max(0, trim)));
  // Ranks by lightness without sorting every pixel (this runs a few times per face per call): a
  // histogram of L finds the bins that hold the cut ranks; only those bins' pixels are sorted. The
  // kept set is exactly that of a stable sort by L.
  const bins = 2048;
  const scale = hi > lo ? (bins - 1) / (hi - lo) : 0;
  const counts = new Int32Array(bins);
  const sums = new Float64Array(bins * 3);
  for (let i = 0; i < mask.length; i++) {
    if (!(mask[i] > 0.5)) continue;
    const bin = ((pl[i] - lo) * scale) | 0;
    counts[bin]++;
    sums[bin * 3] += pl[i];
    sums[bin * 3 + 1] += pa[i];
    sums[bin * 3 + 2] += pb[i];
  }
  const keepFrom = drop;
  const keepTo = count - drop;
  let l = 0;
  let a = 0;
  let b = 0;
  let rank = 0;
  for (let bin = 0; bin < bins; bin++) {
    const c = counts[bin];
    if (c === 0) continue;
    const start = rank;
    const end = rank + c;
    rank = end;
    if (end <= keepFrom || start >= keepTo) continue;
    if (start >= keepFrom && end <= keepTo) {
      l += sums[bin * 3];
      a += sums[bin * 3 + 1];
      b += sums[bin * 3 + 2];
      continue;
    }
    // A bin straddling a cut: rank its own pixels exactly.
    const members: number[] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i] > 0.5 && (((pl[i] - lo) * scale) | 0) === bin) members.push(i);
    members.sort((p, q) => pl[p] - pl[q]);
    for (let m = 0; m < members.length; m++) {
      const r = start + m;
      if (r < keepFrom || r >= keepTo) continue;
      const i = members[m];
      l += pl[i];
      a += pa[i];
      b += pb[i];
    }
  }
  const kept = keepTo - keepFrom;
  return kept > 0 ? [l / kept, a / kept, b / kept] : null;
}

/**
 * Shift `image` (with weight `apply`, 0..1) until its trimmed mean over `measure` equals `target`.
 * This is the guarantee that stylising never moves a skin tone. A few rounds, because pixels with
 * partial weight move less than the measured mean needs.
 */
export function restoreMean(image: LabImage, target: readonly number[], measure: Float32Array, apply: Float32Array, trim = 0): void {
  for (let round = 0; round < 3; round++) {
    const now = trimmedMeanLab(image, measure, trim);
    if (!now) return;
    const dl = target[0] - now[0];
    const da = target[1] - now[1];
    const db = target[2] - now[2];
    if (Math.abs(dl) + Math.abs(da) + Math.abs(db) < 0.05) return;
    for (let i = 0; i < apply.length; i++) {
      // Measured pixels always take the full shift so the loop converges.
      const w = measure[i] > 0.5 ? 1 : apply[i];
      if (w <= 0) continue;
      image.l[i] += dl * w;
      image.a[i] += da * w;
      image.b[i] += db * w;
    }
  }
}

export function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}
