/**
 * sRGB <-> CIELAB (D65) on planar float arrays. The engine works in Lab so that smoothing, palette
 * distances and tone bands follow perceived colour, and so skin tone can be measured as ITA.
 */
import type { RgbImage } from '../../core/raster.js';

/** Planar CIELAB image: L in 0..100, a/b roughly -128..127. */
export interface LabImage {
  width: number;
  height: number;
  l: Float32Array;
  a: Float32Array;
  b: Float32Array;
}

const XN = 0.95047;
const YN = 1.0;
const ZN = 1.08883;
const EPS = 216 / 24389;
const KAPPA = 24389 / 27;

/** 8-bit sRGB -> linear, a table because there are only 256 inputs. */
const SRGB_TO_LINEAR = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const c = i / 255;
  SRGB_TO_LINEAR[i] = c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

/** linear -> 8-bit sRGB through a fine table; 8192 steps keep the dark end within one 8-bit level. */
const LIN_STEPS = 8192;
const LINEAR_TO_SRGB = new Uint8Array(LIN_STEPS + 1);
for (let i = 0; i <= LIN_STEPS; i++) {
  const c = i / LIN_STEPS;
  const s = c <= 0.0031308 ? 12.92 * c : 1.055 * Math.pow(c, 1 / 2.4) - 0.055;
  LINEAR_TO_SRGB[i] = Math.max(0, Math.min(255, Math.round(s * 255)));
}

function labF(t: number): number {
  return t > EPS ? Math.cbrt(t) : (KAPPA * t + 16) / 116;
}

function labFInv(f: number): number {
  const f3 = f * f * f;
  return f3 > EPS ? f3 : (116 * f - 16) / KAPPA;
}

export function createLabImage(width: number, height: number): LabImage {
  const n = width * height;
  return { width, height, l: new Float32Array(n), a: new Float32Array(n), b: new Float32Array(n) };
}

export function cloneLab(lab: LabImage): LabImage {
  return { width: lab.width, height: lab.height, l: lab.l.slice(), a: lab.a.slice(), b: lab.b.slice() };
}

/** Convert one sRGB triple to Lab; writes into `out` to avoid allocation in loops. */
export function rgbToLabPixel(r: number, g: number, b: number, out: [number, number, number]): [number, number, number] {
  const lr = SRGB_TO_LINEAR[r];
  const lg = SRGB_TO_LINEAR[g];
  const lb = SRGB_TO_LINEAR[b];
  const fx = labF((0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb) / XN);
  const fy = labF((0.2126729 * lr + 0.7151522 * lg + 0.072175 * lb) / YN);
  const fz = labF((0.0193339 * lr + 0.119192 * lg + 0.9503041 * lb) / ZN);
  out[0] = 116 * fy - 16;
  out[1] = 500 * (fx - fy);
  out[2] = 200 * (fy - fz);
  return out;
}

function linearToByte(v: number): number {
  if (v <= 0) return 0;
  if (v >= 1) return 255;
  return LINEAR_TO_SRGB[(v * LIN_STEPS + 0.5) | 0];
}

/** Convert one Lab triple to 8-bit sRGB (clipped to gamut). */
export function labToRgbPixel(l: number, a: number, b: number, out: [number, number, number]): [number, number, number] {
  const fy = (l + 16) / 116;
  const x = XN * labFInv(fy + a / 500);
  const y = YN * labFInv(fy);
  const z = ZN * labFInv(fy - b / 200);
  out[0] = linearToByte(3.2404542 * x - 1.5371385 * y - 0.4985314 * z);
  out[1] = linearToByte(-0.969266 * x + 1.8760108 * y + 0.041556 * z);
  out[2] = linearToByte(0.0556434 * x - 0.2040259 * y + 1.0572252 * z);
  return out;
}

export function rgbToLab(image: RgbImage): LabImage {
  const { width, height, data } = image;
  const lab = createLabImage(width, height);
  const px: [number, number, number] = [0, 0, 0];
  for (let i = 0, j = 0; i < width * height; i++, j += 3) {
    rgbToLabPixel(data[j], data[j + 1], data[j + 2], px);
    lab.l[i] = px[0];
    lab.a[i] = px[1];
    lab.b[i] = px[2];
  }
  return lab;
}

export function labToRgb(lab: LabImage): RgbImage {
  const { width, height } = lab;
  const data = new Uint8Array(width * height * 3);
  const px: [number, number, number] = [0, 0, 0];
  for (let i = 0, j = 0; i < width * height; i++, j += 3) {
    labToRgbPixel(lab.l[i], lab.a[i], lab.b[i], px);
    data[j] = px[0];
    data[j + 1] = px[1];
    data[j + 2] = px[2];
  }
  return { width, height, data };
}

/** Individual Typology Angle in degrees (higher = lighter skin). */
export function itaOf(l: number, b: number): number {
  return (Math.atan2(l - 50, Math.max(b, 1e-3)) * 180) / Math.PI;
}

/** CIE76 colour difference; enough for "did the skin move" checks. */
export function deltaE76(p: readonly number[], q: readonly number[]): number {
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** Weighted mean Lab over pixels where weight > 0; null when nothing is weighted. */
export function meanLab(lab: LabImage, weight: Uint8Array | Float32Array): [number, number, number] | null {
  let sw = 0;
  let sl = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < weight.length; i++) {
    const w = weight[i];
    if (w <= 0) continue;
    sw += w;
    sl += w * lab.l[i];
    sa += w * lab.a[i];
    sb += w * lab.b[i];
  }
  return sw > 0 ? [sl / sw, sa / sw, sb / sw] : null;
}
