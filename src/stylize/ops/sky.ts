/**
 * Sky: find it (bright, blue or neutral, low texture, connected to the top edge) and repaint it as a
 * clean anime gradient, keeping the original clouds' shapes as soft two-tone clouds.
 */
import { boxBlur, gaussianBlur } from './blur.js';
import type { LabImage } from './color.js';
import { maskComponents } from './regions.js';

export interface SkyDetectOptions {
  /** Max local lightness std-dev (7x7) for a sky pixel. */
  maxTexture: number;
  /** Minimum lightness of sky. */
  minLightness: number;
  /** Fraction of the image the sky must cover to count as sky at all. */
  minFraction: number;
}

export const DEFAULT_SKY_DETECT: SkyDetectOptions = { maxTexture: 4.5, minLightness: 40, minFraction: 0.03 };

/**
 * Returns a 0/255 sky mask (empty when there is no plausible sky). `exclude` (0..1) marks pixels
 * that can never be sky, e.g. people.
 */
export function detectSky(lab: LabImage, exclude?: Float32Array, options: SkyDetectOptions = DEFAULT_SKY_DETECT): Uint8Array {
  const { width, height } = lab;
  const n = width * height;
  const mean = boxBlur(lab.l, width, height, 3);
  const sq = new Float32Array(n);
  for (let i = 0; i < n; i++) sq[i] = lab.l[i] * lab.l[i];
  const meanSq = boxBlur(sq, width, height, 3);
  const cand = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const tex = Math.sqrt(Math.max(0, meanSq[i] - mean[i] * mean[i]));
    const l = lab.l[i];
    const a = lab.a[i];
    const b = lab.b[i];
    const chroma = Math.sqrt(a * a + b * b);
    const blueish = b < -4 && a < 20;
    const neutral = chroma < 14 && l > 58;
    if (l >= options.minLightness && tex <= options.maxTexture && (blueish || neutral) && !(exclude && exclude[i] > 0.5)) cand[i] = 1;
  }
  // Flood from the top row through candidates.
  const sky = new Uint8Array(n);
  const stack = new Int32Array(n);
  let top = 0;
  for (let x = 0; x < width; x++) {
    if (cand[x]) {
      sky[x] = 255;
      stack[top++] = x;
    }
  }
  while (top > 0) {
    const i = stack[--top];
    const x = i % width;
    const nb = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width];
    for (const j of nb) {
      if (j < 0 || j >= n || sky[j] || !cand[j]) continue;
      sky[j] = 255;
      stack[top++] = j;
    }
  }
  let count = 0;
  let sumL = 0;
  let sumB = 0;
  for (let i = 0; i < n; i++) {
    if (!sky[i]) continue;
    count++;
    sumL += lab.l[i];
    sumB += lab.b[i];
  }
  if (count < options.minFraction * n) return new Uint8Array(n);
  // Blue skies are accepted outright; a neutral one must be bright, not warm, and span the top
  // (a grey studio backdrop or a white wall is none of these together).
  let topRow = 0;
  for (let x = 0; x < width; x++) if (sky[x]) topRow++;
  const meanL = sumL / count;
  const meanB = sumB / count;
  const blueSky = meanB < -8;
  // An overcast sky ends at a horizon; a studio backdrop or a pale wall behind a person runs down
  // beside them to the bottom of the frame, and a large person means a portrait, not a sky scene.
  let low = 0;
  for (let i = Math.floor(height * 0.7) * width; i < n; i++) if (sky[i]) low++;
  let personShare = 0;
  if (exclude) {
    for (let i = 0; i < n; i++) if (exclude[i] > 0.5) personShare++;
    personShare /= n;
  }
  const backdrop = low > width * height * 0.3 * 0.04 || personShare > 0.2;
  const overcast = meanL > 80 && meanB < 2 && topRow > width * 0.4 && !backdrop;
  if (!blueSky && !overcast) return new Uint8Array(n);
  // Fill enclosed holes (textured clouds, birds) that are small relative to the sky.
  const holes = new Uint8Array(n);
  for (let i = 0; i < n; i++) holes[i] = sky[i] ? 0 : 1;
  const comp = maskComponents(holes, width, height, 0);
  for (let i = 0; i < n; i++) {
    const id = comp.ids[i];
    if (id >= 0 && !comp.touchesBorder[id] && comp.sizes[id] < count * 0.25 && !(exclude && exclude[i] > 0.5)) sky[i] = 255;
  }
  return sky;
}

export interface SkyPalette {
  /** Lab colour stops from the top of the sky to the horizon (2 or more). */
  stops: Array<[number, number, number]>;
  cloudLight: [number, number, number];
  cloudShadow: [number, number, number];
}

export const ANIME_BLUE_SKY: SkyPalette = {
  stops: [
    [52, 8, -56],
    [68, -2, -38],
    [88, -7, -14],
  ],
  cloudLight: [98, -1, -3],
  cloudShadow: [84, 3, -13],
};

export const DREAMY_SKY: SkyPalette = {
  stops: [
    [58, 22, -42],
    [76, 24, -14],
    [88, 12, 14],
  ],
  cloudLight: [98, 2, 1],
  cloudShadow: [85, 14, -8],
};

export interface SkyRenderOptions {
  palette: SkyPalette;
  /** 0..1: how much the palette replaces the photo's own sky hues (0 keeps the mood of the photo). */
  paletteMix: number;
  /** Chroma multiplier for the photo's own sky gradient. */
  chroma: number;
  /** 0..1: how much the gradient replaces the original sky colour. */
  strength: number;
  /** 0..1: how strongly the original clouds are drawn. */
  clouds: number;
}

/**
 * Repaint `out` where `skyMask` (0..1 soft) is set. `orig` is the unsmoothed photo (cloud structure).
 */
export function renderSky(out: LabImage, orig: LabImage, skyMask: Float32Array, options: SkyRenderOptions): void {
  const { width, height } = out;
  const n = width * height;
  // Vertical extent of the sky: from the top to the row where most sky has ended.
  const rowSky = new Float32Array(height);
  let total = 0;
  for (let y = 0; y < height; y++) {
    let s = 0;
    for (let x = 0; x < width; x++) s += skyMask[y * width + x];
    rowSky[y] = s;
    total += s;
  }
  if (total < 1) return;
  let acc = 0;
  let yEnd = height - 1;
  for (let y = 0; y < height; y++) {
    acc += rowSky[y];
    if (acc >= total * 0.97) {
      yEnd = y;
      break;
    }
  }
  yEnd = Math.max(8, yEnd);
  // Smooth model of the clear sky: a 2-D quadratic per Lab channel (captures vertical gradients
  // and sun glow), fitted twice so clouds do not pull it. What deviates from it is cloud.
  const chroma = new Float32Array(n);
  for (let i = 0; i < n; i++) chroma[i] = Math.hypot(orig.a[i], orig.b[i]);
  const use = new Uint8Array(n);
  for (let i = 0; i < n; i++) use[i] = skyMask[i] > 0.9 ? 1 : 0;
  let fit = fitSky(orig, use);
  if (!fit) return;
  const cloud = new Float32Array(n);
  const cloudScore = (): void => {
    const f = fit as SkyFit;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (skyMask[i] <= 0) continue;
        const [fl, fa, fb] = f.at(x, y);
        cloud[i] = (orig.l[i] - fl) * 0.6 + (Math.hypot(fa, fb) - chroma[i]) * 0.8;
      }
    }
  };
  cloudScore();
  for (let i = 0; i < n; i++) if (cloud[i] > 3) use[i] = 0;
  fit = fitSky(orig, use) ?? fit;
  cloudScore();
  const cloudSoft = gaussianBlur(cloud, width, height, 1.5);
  const smallL = gaussianBlur(orig.l, width, height, 2);
  const palette = options.palette.stops;
  const last = palette.length - 1;
  // Colourless (overcast) skies take the palette fully: a grey sky is not an anime sky.
  let cs = 0;
  let cn = 0;
  for (let i = 0; i < n; i += 3) {
    if (!use[i]) continue;
    cs += chroma[i];
    cn++;
  }
  const mix = Math.max(options.paletteMix, 1 - smoothstep(8, 20, cn ? cs / cn : 0));
  const { cloudLight, cloudShadow } = options.palette;
  for (let y = 0; y < height; y++) {
    let t = Math.min(1, y / yEnd);
    t = t * t * (3 - 2 * t) * 0.6 + t * 0.4;
    const f = t * last;
    const s0 = Math.min(last - 1, Math.floor(f));
    const u = f - s0;
    const pl = palette[s0][0] + (palette[s0 + 1][0] - palette[s0][0]) * u;
    const pa = palette[s0][1] + (palette[s0 + 1][1] - palette[s0][1]) * u;
    const pb = palette[s0][2] + (palette[s0 + 1][2] - palette[s0][2]) * u;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const m = skyMask[i];
      if (m <= 0) continue;
      const own = fit.at(x, y);
      const ol = Math.min(96, Math.max(30, own[0]));
      const gl = ol + (pl - ol) * mix;
      const ga = own[1] * options.chroma + (pa - own[1] * options.chroma) * mix;
      const gb = own[2] * options.chroma + (pb - own[2] * options.chroma) * mix;
      const st = options.strength;
      let l = out.l[i] + (gl - out.l[i]) * st;
      let a = out.a[i] + (ga - out.a[i]) * st;
      let b = out.b[i] + (gb - out.b[i]) * st;
      const c = cloudSoft[i];
      const alpha = smoothstep(3, 7, c) * options.clouds;
      if (alpha > 0) {
        // Two tones: the lit top of the cloud white, the denser lower part shaded.
        const lit = smoothstep(-2, 2, smallL[i] - own[0] - 8);
        const cl = cloudShadow[0] + (cloudLight[0] - cloudShadow[0]) * lit;
        const ca = cloudShadow[1] + (cloudLight[1] - cloudShadow[1]) * lit;
        const cb = cloudShadow[2] + (cloudLight[2] - cloudShadow[2]) * lit;
        l += (cl - l) * alpha;
        a += (ca - a) * alpha;
        b += (cb - b) * alpha;
      }
      out.l[i] += (l - out.l[i]) * m;
      out.a[i] += (a - out.a[i]) * m;
      out.b[i] += (b - out.b[i]) * m;
    }
  }
}

interface SkyFit {
  at(x: number, y: number): [number, number, number];
}

/** Least-squares 2-D quadratic of L, a, b over the pixels in `use` (every other pixel). */
function fitSky(lab: LabImage, use: Uint8Array): SkyFit | null {
  const { width, height } = lab;
  const ata = new Float64Array(36);
  const atb = [new Float64Array(6), new Float64Array(6), new Float64Array(6)];
  const basis = new Float64Array(6);
  let count = 0;
  const sx = 1 / width;
  const sy = 1 / height;
  for (let y = 0; y < height; y += 2) {
    for (let x = (y >> 1) & 1; x < width; x += 2) {
      const i = y * width + x;
      if (!use[i]) continue;
      count++;
      const u = x * sx;
      const v = y * sy;
      basis[0] = 1;
      basis[1] = u;
      basis[2] = v;
      basis[3] = u * u;
      basis[4] = u * v;
      basis[5] = v * v;
      for (let p = 0; p < 6; p++) {
        for (let q = 0; q < 6; q++) ata[p * 6 + q] += basis[p] * basis[q];
        atb[0][p] += basis[p] * lab.l[i];
        atb[1][p] += basis[p] * lab.a[i];
        atb[2][p] += basis[p] * lab.b[i];
      }
    }
  }
  if (count < 40) return null;
  // A little ridge keeps the fit sane when the sky is a thin strip.
  for (let p = 1; p < 6; p++) ata[p * 6 + p] += count * 1e-4;
  const coef = atb.map((rhs) => solveLinear(ata, rhs, 6));
  if (coef.some((c) => c === null)) return null;
  const [cl, ca, cb] = coef as Float64Array[];
  return {
    at(x: number, y: number): [number, number, number] {
      const u = x * sx;
      const v = y * sy;
      const e = (c: Float64Array): number => c[0] + c[1] * u + c[2] * v + c[3] * u * u + c[4] * u * v + c[5] * v * v;
      return [e(cl), e(ca), e(cb)];
    },
  };
}

/** Gaussian elimination with partial pivoting; null when singular. */
export function solveLinear(matrix: Float64Array, rhs: Float64Array, size: number): Float64Array | null {
  const m = Float64Array.from(matrix);
  const r = Float64Array.from(rhs);
  for (let col = 0; col < size; col++) {
    let pivot = col;
    for (let row = col + 1; row < size; row++) if (Math.abs(m[row * size + col]) > Math.abs(m[pivot * size + col])) pivot = row;
    if (Math.abs(m[pivot * size + col]) < 1e-12) return null;
    if (pivot !== col) {
      for (let k = 0; k < size; k++) {
        const t = m[col * size + k];
        m[col * size + k] = m[pivot * size + k];
        m[pivot * size + k] = t;
      }
      const t = r[col];
      r[col] = r[pivot];
      r[pivot] = t;
    }
    for (let row = col + 1; row < size; row++) {
      const f = m[row * size + col] / m[col * size + col];
      if (f === 0) continue;
      for (let k = col; k < size; k++) m[row * size + k] -= f * m[col * size + k];
      r[row] -= f * r[col];
    }
  }
  const x = new Float64Array(size);
  for (let row = size - 1; row >= 0; row--) {
    let acc = r[row];
    for (let k = row + 1; k < size; k++) acc -= m[row * size + k] * x[k];
    x[row] = acc / m[row * size + row];
  }
  return x;
}

function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}
