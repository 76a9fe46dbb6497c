/**
 * Skin-tone colour maths: sRGB → CIELAB (D65) and the Individual Typology Angle (ITA°).
 * Portable (typed arrays only). ITA = atan2(L* − 50, b*) in degrees; common bands: > 55 very light,
 * 41–55 light, 28–41 intermediate, 10–28 tan, −30–10 brown, < −30 dark.
 */
import type { SkinTone } from '../core/types.js';

/** Mean CIELAB chroma under which face pixels are treated as colourless. */
export const MONOCHROME_CHROMA = 6;

const D65 = { x: 0.95047, y: 1, z: 1.08883 } as const;

function srgbToLinear(channel: number): number {
  const c = channel / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function linearToSrgb(value: number): number {
  const c = value <= 0.0031308 ? value * 12.92 : 1.055 * value ** (1 / 2.4) - 0.055;
  return Math.round(Math.min(1, Math.max(0, c)) * 255);
}

// A lookup table: 256 entries is cheaper than pow() per pixel.
const LINEAR = Float64Array.from({ length: 256 }, (_, i) => srgbToLinear(i));

function labF(t: number): number {
  return t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116;
}

function labFInverse(t: number): number {
  return t ** 3 > 216 / 24389 ? t ** 3 : (116 * t - 16) / (24389 / 27);
}

export function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  const lr = LINEAR[Math.round(Math.min(255, Math.max(0, r)))];
  const lg = LINEAR[Math.round(Math.min(255, Math.max(0, g)))];
  const lb = LINEAR[Math.round(Math.min(255, Math.max(0, b)))];
  const x = (0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb) / D65.x;
  const y = (0.2126729 * lr + 0.7151522 * lg + 0.072175 * lb) / D65.y;
  const z = (0.0193339 * lr + 0.119192 * lg + 0.9503041 * lb) / D65.z;
  const fx = labF(x);
  const fy = labF(y);
  const fz = labF(z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

export function labToSrgb(l: number, a: number, b: number): [number, number, number] {
  const fy = (l + 16) / 116;
  const x = labFInverse(fy + a / 500) * D65.x;
  const y = labFInverse(fy) * D65.y;
  const z = labFInverse(fy - b / 200) * D65.z;
  const lr = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
  const lg = -0.969266 * x + 1.8760108 * y + 0.041556 * z;
  const lb = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
  return [linearToSrgb(lr), linearToSrgb(lg), linearToSrgb(lb)];
}

/** ITA in degrees. atan2 keeps it defined for grey skin (b* ≈ 0), where the textbook atan would divide by zero. */
export function itaFromLab(l: number, b: number): number {
  return (Math.atan2(l - 50, b) * 180) / Math.PI;
}

function median(values: Float32Array): number {
  const sorted = values.slice().sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface SkinToneOptions {
  /** Fewer samples than this gives no estimate (default 20). */
  minSamples?: number;
}

/**
 * Mean colour of skin samples given as packed RGB triples. Outliers (hair, shadow, highlights, lips the
 * polygons missed) are dropped first: samples far from the median in L* or b* by robust spread.
 */
export function skinToneFromSamples(rgb: Uint8Array, options: SkinToneOptions = {}): SkinTone | undefined {
  const count = Math.floor(rgb.length / 3);
  if (count < (options.minSamples ?? 20)) return undefined;
  const ls = new Float32Array(count);
  const as = new Float32Array(count);
  const bs = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const [l, a, b] = srgbToLab(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]);
    ls[i] = l;
    as[i] = a;
    bs[i] = b;
  }
  const mL = median(ls);
  const mB = median(bs);
  const madL = median(ls.map((v) => Math.abs(v - mL)));
  const madB = median(bs.map((v) => Math.abs(v - mB)));
  // 2.5 MAD ≈ 1.7 σ for normal data; the floors keep flat (synthetic or grey) faces from rejecting everything.
  const limL = Math.max(4, 2.5 * madL);
  const limB = Math.max(3, 2.5 * madB);
  let n = 0;
  let sumL = 0;
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < count; i++) {
    if (Math.abs(ls[i] - mL) > limL || Math.abs(bs[i] - mB) > limB) continue;
    n++;
    sumL += ls[i];
    sumA += as[i];
    sumB += bs[i];
  }
  if (n === 0) return undefined;
  const lab: [number, number, number] = [sumL / n, sumA / n, sumB / n];
  const tone: SkinTone = { ita: itaFromLab(lab[0], lab[2]), lab, rgb: labToSrgb(lab[0], lab[1], lab[2]) };
  // Real skin, even pale or very dark, has chroma of about 10 or more; below that the photo is black and white.
  if (Math.hypot(lab[1], lab[2]) < MONOCHROME_CHROMA) tone.monochrome = true;
  return tone;
}
