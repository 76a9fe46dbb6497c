/**
 * The mean colour of a face's skin, measured on the same pixels in the photo and in a stylized
 * image, so the difference is what the stylizer did to the skin and nothing else.
 */
import { createMask, type Mask, type RgbImage } from '../core/raster.js';
import type { Box, FaceAnalysis, FaceLandmarks } from '../core/types.js';
import { chroma, ita, MONOCHROME_CHROMA, srgbToLab, type Lab, type Rgb } from './colour.js';
import { ellipsePolygon, fillPolygon, scalePolygon } from './geometry.js';

export interface FaceSkinColour {
  /** Mean CIELAB (D65) of the kept skin pixels. */
  lab: Lab;
  /** Mean sRGB of the kept skin pixels (per-channel mean of code values). */
  rgb: Rgb;
  /** ITA° of `lab` (higher = lighter). */
  ita: number;
  /** No colour to speak of (a black-and-white photo): ITA says nothing then. */
  monochrome: boolean;
  /** Pixels averaged after trimming. */
  pixels: number;
  /** Where the region came from. */
  region: 'landmarks' | 'box';
}

export interface FaceSkinOptions {
  /**
   * Share of the darkest and of the brightest pixels (by L*) left out, 0..0.45 (default 0.15):
   * drops nostrils, stray hair, ink lines and specular highlights, which are not skin colour.
   */
  trim?: number;
}

/** Features cut out of the face oval, grown a little so their rims (lashes, lip line) go too. */
const FEATURE_GROWTH = 1.35;

/**
 * The skin region of a face: the face-oval polygon minus eyes, brows and lips when landmarks
 * exist; otherwise an ellipse in the middle of the detector box (cheeks, nose, lower forehead).
 */
export function faceSkinMask(width: number, height: number, face: { box: Box; landmarks?: FaceLandmarks }): Mask {
  const mask = createMask(width, height);
  const lm = face.landmarks;
  if (lm && lm.faceOval.length >= 3) {
    fillPolygon(mask, lm.faceOval, 255);
    // Keep only the lower 40 % of the forehead: fringes, hairlines and hat brims sit above that.
    const brows = [...lm.leftEyebrow, ...lm.rightEyebrow];
    if (brows.length > 0) {
      const ovalTop = Math.min(...lm.faceOval.map((p) => p.y));
      const browTop = Math.min(...brows.map((p) => p.y));
      const cut = Math.floor(browTop - (browTop - ovalTop) * 0.4);
      if (cut > 0) mask.data.fill(0, 0, Math.min(mask.data.length, cut * width));
    }
    for (const feature of [lm.leftEye, lm.rightEye, lm.leftEyebrow, lm.rightEyebrow, lm.lips]) {
      if (feature.length >= 3) fillPolygon(mask, scalePolygon(feature, FEATURE_GROWTH), 0);
    }
    return mask;
  }
  const { x, y, width: w, height: h } = face.box;
  fillPolygon(mask, ellipsePolygon(x + w / 2, y + h * 0.55, w * 0.3, h * 0.33), 255);
  return mask;
}

/** Mean skin colour over `mask` (non-zero pixels), trimmed by lightness. Undefined when nothing is left. */
export function maskedSkinColour(image: RgbImage, mask: Mask, options: FaceSkinOptions = {}): Omit<FaceSkinColour, 'region'> | undefined {
  if (mask.width !== image.width || mask.height !== image.height) {
    throw new Error(`mask is ${mask.width}x${mask.height}, image is ${image.width}x${image.height}`);
  }
  const trim = Math.min(0.45, Math.max(0, options.trim ?? 0.15));
  const { data } = image;
  const labs: Lab[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < mask.data.length; i++) {
    if (mask.data[i] === 0) continue;
    const o = i * 3;
    labs.push(srgbToLab(data[o], data[o + 1], data[o + 2]));
    offsets.push(o);
  }
  if (labs.length === 0) return undefined;
  const order = labs.map((_, k) => k).sort((p, q) => labs[p][0] - labs[q][0]);
  const drop = Math.floor(order.length * trim);
  const kept = order.slice(drop, order.length - drop);
  if (kept.length === 0) return undefined;
  const sum = [0, 0, 0, 0, 0, 0];
  for (const k of kept) {
    const o = offsets[k];
    for (let c = 0; c < 3; c++) {
      sum[c] += labs[k][c];
      sum[3 + c] += data[o + c];
    }
  }
  const n = kept.length;
  const lab: Lab = [sum[0] / n, sum[1] / n, sum[2] / n];
  return { lab, rgb: [sum[3] / n, sum[4] / n, sum[5] / n], ita: ita(lab), monochrome: chroma(lab) < MONOCHROME_CHROMA, pixels: n };
}

/** Mean skin colour of one face of `image`; `face` is in `image`'s pixel coordinates. */
export function faceSkinColour(image: RgbImage, face: Pick<FaceAnalysis, 'box' | 'landmarks'>, options: FaceSkinOptions = {}): FaceSkinColour | undefined {
  const region = face.landmarks && face.landmarks.faceOval.length >= 3 ? 'landmarks' : 'box';
  const colour = maskedSkinColour(image, faceSkinMask(image.width, image.height, face), options);
  return colour && { ...colour, region };
}
