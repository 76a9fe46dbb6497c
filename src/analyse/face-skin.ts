/**
 * Samples face skin pixels (inside the face oval, away from eyes, brows, lips and nostrils) and measures
 * their tone. Portable: works on an RgbImage and landmark polygons.
 */
import type { RgbImage } from '../core/raster.js';
import type { FaceLandmarks, SkinTone } from '../core/types.js';
import { boxOfPoints, fillPolygon, scalePolygon } from './geometry.js';
import { skinToneFromSamples } from './skin-tone.js';

/** Enough samples for a stable mean; larger faces are sampled on a grid. */
const MAX_SAMPLES = 12000;

export function measureFaceSkinTone(image: RgbImage, landmarks: FaceLandmarks): SkinTone | undefined {
  const box = boxOfPoints(landmarks.faceOval);
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(image.height, Math.ceil(box.y + box.height));
  const w = x1 - x0;
  const h = y1 - y0;
  if (w < 4 || h < 4) return undefined;
  const local = (pts: { x: number; y: number }[]) => pts.map((p) => ({ x: p.x - x0, y: p.y - y0 }));
  const region = new Uint8Array(w * h);
  // The top of the oval is the hairline: drop its upper fifth, where fringes and hats usually are.
  fillPolygon(region, w, h, local(landmarks.faceOval), 1);
  const browTop = Math.min(...landmarks.leftEyebrow.concat(landmarks.rightEyebrow).map((p) => p.y)) - y0;
  const cut = Math.max(0, Math.floor(browTop - (browTop - (box.y - y0)) * 0.4));
  region.fill(0, 0, Math.min(region.length, cut * w));
  for (const [poly, grow] of [
    [landmarks.leftEye, 1.6],
    [landmarks.rightEye, 1.6],
    [landmarks.leftEyebrow, 1.35],
    [landmarks.rightEyebrow, 1.35],
    [landmarks.lips, 1.2],
  ] as const) {
    fillPolygon(region, w, h, local(scalePolygon(poly, grow)), 0);
  }
  if (landmarks.noseBase && landmarks.noseBase.length === 3) {
    // Nostrils are dark holes: clear a band around the nose base.
    const nb = landmarks.noseBase;
    const tip = landmarks.nose[landmarks.nose.length - 1];
    fillPolygon(region, w, h, local(scalePolygon([nb[0], tip, nb[2], nb[1]], 1.3)), 0);
  }
  let count = 0;
  for (let i = 0; i < region.length; i++) count += region[i];
  if (count === 0) return undefined;
  const step = Math.max(1, Math.ceil(Math.sqrt(count / MAX_SAMPLES)));
  const samples = new Uint8Array(Math.ceil(count / (step * step) + w + h) * 3 + 3);
  let n = 0;
  for (let y = 0; y < h; y += step) {
    for (let x = 0; x < w; x += step) {
      if (!region[y * w + x]) continue;
      const src = ((y + y0) * image.width + (x + x0)) * 3;
      if (n + 3 > samples.length) break;
      samples[n] = image.data[src];
      samples[n + 1] = image.data[src + 1];
      samples[n + 2] = image.data[src + 2];
      n += 3;
    }
  }
  return skinToneFromSamples(samples.subarray(0, n));
}
