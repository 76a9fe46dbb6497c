/**
 * Palette quantisation in Lab and per-region cel banding.
 *
 * Clustering decides which pixels belong to the same painted area (lightness weighted down, so one
 * material under light and shade stays one area); each connected area is then split into 2-3 tone
 * bands by its own lightness and every band is filled with the mean of its pixels. Filling with
 * means (not palette centres) keeps each area's average colour, which is what keeps skin tone.
 */
import type { LabImage } from './color.js';
import { mulberry32 } from './noise.js';
import type { Regions } from './regions.js';

export interface KMeansOptions {
  clusters: number;
  /** Multiplier on L in the distance (below 1: group by hue/chroma more than by shading). */
  lightnessWeight: number;
  seed: number;
  samples?: number;
  iterations?: number;
}

/** k-means++ on a seeded pixel sample; returns centres as [L*w, a, b] triples in weighted space. */
export function kmeansLab(lab: LabImage, options: KMeansOptions): Float32Array {
  const n = lab.l.length;
  const k = Math.max(1, Math.min(254, Math.round(options.clusters)));
  const lw = options.lightnessWeight;
  const rand = mulberry32(options.seed);
  const m = Math.min(n, options.samples ?? 4096);
  const pts = new Float32Array(m * 3);
  for (let s = 0; s < m; s++) {
    // Stratified sampling: one random pixel per stride keeps the sample spread over the image.
    const i = Math.min(n - 1, Math.floor(((s + rand()) * n) / m));
    pts[s * 3] = lab.l[i] * lw;
    pts[s * 3 + 1] = lab.a[i];
    pts[s * 3 + 2] = lab.b[i];
  }
  const centres = new Float32Array(k * 3);
  const d2 = new Float32Array(m).fill(Infinity);
  let pick = Math.floor(rand() * m);
  for (let c = 0; c < k; c++) {
    centres[c * 3] = pts[pick * 3];
    centres[c * 3 + 1] = pts[pick * 3 + 1];
    centres[c * 3 + 2] = pts[pick * 3 + 2];
    let total = 0;
    for (let s = 0; s < m; s++) {
      const dl = pts[s * 3] - centres[c * 3];
      const da = pts[s * 3 + 1] - centres[c * 3 + 1];
      const db = pts[s * 3 + 2] - centres[c * 3 + 2];
      const d = dl * dl + da * da + db * db;
      if (d < d2[s]) d2[s] = d;
      total += d2[s];
    }
    if (total <= 0) break;
    let r = rand() * total;
    pick = m - 1;
    for (let s = 0; s < m; s++) {
      r -= d2[s];
      if (r <= 0) {
        pick = s;
        break;
      }
    }
  }
  const assign = new Uint8Array(m);
  const sums = new Float64Array(k * 4);
  for (let it = 0; it < (options.iterations ?? 10); it++) {
    sums.fill(0);
    for (let s = 0; s < m; s++) {
      const c = nearest(centres, k, pts[s * 3], pts[s * 3 + 1], pts[s * 3 + 2]);
      assign[s] = c;
      sums[c * 4] += pts[s * 3];
      sums[c * 4 + 1] += pts[s * 3 + 1];
      sums[c * 4 + 2] += pts[s * 3 + 2];
      sums[c * 4 + 3]++;
    }
    for (let c = 0; c < k; c++) {
      const cnt = sums[c * 4 + 3];
      if (cnt === 0) continue;
      centres[c * 3] = sums[c * 4] / cnt;
      centres[c * 3 + 1] = sums[c * 4 + 1] / cnt;
      centres[c * 3 + 2] = sums[c * 4 + 2] / cnt;
    }
  }
  return centres;
}

function nearest(centres: Float32Array, k: number, l: number, a: number, b: number): number {
  let best = 0;
  let bestD = Infinity;
  for (let c = 0; c < k; c++) {
    const dl = l - centres[c * 3];
    const da = a - centres[c * 3 + 1];
    const db = b - centres[c * 3 + 2];
    const d = dl * dl + da * da + db * db;
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/**
 * Nearest-centre label for every pixel. Smoothed images repeat colours a lot, so answers are cached
 * per small Lab cell (1 L unit x 2 a/b units); a pixel takes its cell's answer, computed once for
 * the cell's first pixel in scan order, which keeps the result deterministic.
 */
export function assignClusters(lab: LabImage, centres: Float32Array, lightnessWeight: number): Uint8Array {
  const k = centres.length / 3;
  const out = new Uint8Array(lab.l.length);
  const cache = new Uint8Array(101 * 101 * 101).fill(255);
  for (let i = 0; i < out.length; i++) {
    const l = lab.l[i];
    const a = lab.a[i];
    const b = lab.b[i];
    const cl = l < 0 ? 0 : l > 100 ? 100 : (l + 0.5) | 0;
    const ca = a < -100 ? 0 : a > 100 ? 100 : ((a + 101) * 0.5) | 0;
    const cb = b < -100 ? 0 : b > 100 ? 100 : ((b + 101) * 0.5) | 0;
    const key = (cl * 101 + ca) * 101 + cb;
    let c = cache[key];
    if (c === 255) {
      c = nearest(centres, k, l * lightnessWeight, a, b);
      cache[key] = c;
    }
    out[i] = c;
  }
  return out;
}

export interface CelBandOptions {
  /** Shadow band starts this many region std-devs below the region mean. */
  shadowThreshold: number;
  /** Highlight band starts this many std-devs above the mean (large = no highlight band). */
  highlightThreshold: number;
  /** Minimum L distance from the mean for a band split, so flat areas stay one tone. */
  minBandStep: number;
  /** Scales each band's L distance from the region mean (1 = as measured; >1 = punchier shading). */
  bandContrast: number;
  /**
   * Optional 0..1 skin weight. Regions that are mostly skin never take a highlight band (on a cheek
   * it reads as a blotch) and need `skinMinBandStep` of lightness before they split into shadow.
   */
  skin?: Float32Array;
  skinMinBandStep?: number;
}

/**
 * Fill every region with 2-3 flat tones. `colour` supplies the colours averaged (smoothed image);
 * `shading` decides band membership (a blurred lightness, so band borders are smooth curves).
 * Returns the flat image and the band index per pixel (0 shadow, 1 base, 2 highlight).
 */
export function celBands(
  colour: LabImage,
  shading: Float32Array,
  regions: Regions,
  options: CelBandOptions,
): { image: LabImage; bands: Uint8Array } {
  const n = colour.l.length;
  const r = regions.count;
  const ids = regions.ids;
  const stat = new Float64Array(r * 3);
  const skinSum = new Float32Array(r);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    const s = shading[i];
    stat[id * 3] += 1;
    stat[id * 3 + 1] += s;
    stat[id * 3 + 2] += s * s;
    if (options.skin) skinSum[id] += options.skin[i];
  }
  const lo = new Float32Array(r);
  const hi = new Float32Array(r);
  for (let id = 0; id < r; id++) {
    const cnt = stat[id * 3];
    const mean = stat[id * 3 + 1] / cnt;
    const sd = Math.sqrt(Math.max(0, stat[id * 3 + 2] / cnt - mean * mean));
    // Tiny regions have no room for shading; keep them one tone.
    const allow = cnt >= 40;
    const isSkin = skinSum[id] > cnt * 0.5;
    const step = isSkin ? Math.max(options.minBandStep, options.skinMinBandStep ?? 0) : options.minBandStep;
    lo[id] = allow ? mean - Math.max(step, options.shadowThreshold * sd) : -Infinity;
    hi[id] = allow && !isSkin ? mean + Math.max(step, options.highlightThreshold * sd) : Infinity;
  }
  const bands = new Uint8Array(n);
  const acc = new Float64Array(r * 3 * 4);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    const s = shading[i];
    const band = s < lo[id] ? 0 : s > hi[id] ? 2 : 1;
    bands[i] = band;
    const o = (id * 3 + band) * 4;
    acc[o] += 1;
    acc[o + 1] += colour.l[i];
    acc[o + 2] += colour.a[i];
    acc[o + 3] += colour.b[i];
  }
  const regionL = new Float32Array(r);
  for (let id = 0; id < r; id++) {
    let c = 0;
    let sl = 0;
    for (let band = 0; band < 3; band++) {
      c += acc[(id * 3 + band) * 4];
      sl += acc[(id * 3 + band) * 4 + 1];
    }
    regionL[id] = sl / c;
  }
  const out = { width: colour.width, height: colour.height, l: new Float32Array(n), a: new Float32Array(n), b: new Float32Array(n) };
  const k = options.bandContrast;
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    const o = (id * 3 + bands[i]) * 4;
    const c = acc[o];
    const bl = acc[o + 1] / c;
    out.l[i] = regionL[id] + (bl - regionL[id]) * k;
    out.a[i] = acc[o + 2] / c;
    out.b[i] = acc[o + 3] / c;
  }
  return { image: out, bands };
}
