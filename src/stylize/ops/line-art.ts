/**
 * Line art by extended difference-of-Gaussians (XDoG, Winnemöller et al. 2012) on lightness, then
 * cleaned: strokes shorter than `minComponent` pixels are dropped, which removes the speckle that
 * makes raw DoG look like a photocopy instead of inked lines.
 */
import { gaussianBlur } from './blur.js';
import { dilate } from './morphology.js';
import { maskComponents } from './regions.js';
import { scratchFloat } from './scratch.js';

export interface LineArtOptions {
  /** Inner Gaussian sigma in pixels (line scale). */
  sigma: number;
  /** Outer/inner sigma ratio. */
  k: number;
  /** Edge sensitivity: closer to 1 = only strong edges ink. */
  tau: number;
  /** Threshold on the DoG response (in 0..1 lightness units). */
  epsilon: number;
  /** Steepness of the soft threshold; larger = crisper lines. */
  phi: number;
  /** Connected strokes smaller than this many pixels are removed. */
  minComponent: number;
}

/**
 * Returns line coverage 0..1 per pixel (1 = full ink). `lightness` is L in 0..100.
 */
export function xdogLines(lightness: Float32Array, width: number, height: number, options: LineArtOptions): Float32Array {
  const n = width * height;
  const src = scratchFloat('xdog.src', n);
  for (let i = 0; i < n; i++) src[i] = lightness[i] / 100;
  const g1 = gaussianBlur(src, width, height, options.sigma, scratchFloat('xdog.g1', n));
  const g2 = gaussianBlur(src, width, height, options.sigma * options.k, scratchFloat('xdog.g2', n));
  const ink = new Float32Array(n);
  const { tau, epsilon, phi } = options;
  for (let i = 0; i < n; i++) {
    const d = g1[i] - tau * g2[i];
    // XDoG: white above epsilon, soft ramp to black below; ink = 1 - that.
    ink[i] = d >= epsilon ? 0 : Math.min(1, Math.tanh(phi * (epsilon - d)));
  }
  return removeSpeckle(ink, width, height, options.minComponent);
}

/** Drop strokes (8-connected, ink > 0.5) smaller than minComponent pixels; keep their soft fringe. */
export function removeSpeckle(ink: Float32Array, width: number, height: number, minComponent: number): Float32Array {
  if (minComponent <= 1) return ink;
  const { ids, sizes } = maskComponents(ink, width, height, 0.5);
  const keep = new Uint8Array(ink.length);
  for (let i = 0; i < ink.length; i++) {
    const id = ids[i];
    if (id >= 0 && sizes[id] >= minComponent) keep[i] = 1;
  }
  // The fringe below 0.5 belongs to no component; keep it only next to a kept stroke.
  const near = dilate(keep, width, height, 1);
  const out = new Float32Array(ink.length);
  for (let i = 0; i < ink.length; i++) {
    if (keep[i]) out[i] = ink[i];
    else if (near[i] && ink[i] <= 0.5) out[i] = ink[i];
  }
  return out;
}

/**
 * Thicken lines where `weight` is high (person outlines, faces): blend the ink with its 1-px
 * dilation by the weight, so thin detail elsewhere stays thin.
 */
export function thickenLines(ink: Float32Array, width: number, height: number, weight: Float32Array, radius = 1): Float32Array {
  const grown = dilate(ink, width, height, radius);
  const out = new Float32Array(ink.length);
  for (let i = 0; i < ink.length; i++) {
    const w = weight[i];
    out[i] = w > 0 ? ink[i] + (grown[i] - ink[i]) * Math.min(1, w) : ink[i];
  }
  return out;
}

/** Outline of a soft mask: where the mask gradient is steep (e.g. around a segmented person). */
export function maskOutline(mask: Float32Array, width: number, height: number, strength = 1): Float32Array {
  const out = new Float32Array(mask.length);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const gx = mask[i + 1] - mask[i - 1];
      const gy = mask[i + width] - mask[i - width];
      const g = Math.sqrt(gx * gx + gy * gy) * 2.2 * strength;
      out[i] = g > 1 ? 1 : g;
    }
  }
  return out;
}

/**
 * Thin outlines on strong colour edges of a smoothed Lab image (Sobel over L, a and b with
 * non-maximum suppression): a pale dog on green grass has little lightness edge, so XDoG alone
 * would leave it without an outline. `threshold` is the Lab gradient (per pixel) that starts a line.
 */
export function colourEdgeLines(
  lab: { l: Float32Array; a: Float32Array; b: Float32Array },
  width: number,
  height: number,
  threshold: number,
  minComponent: number,
): Float32Array {
  const n = width * height;
  const mag = scratchFloat('colour-edges.mag', n, true);
  const dir = new Uint8Array(n);
  const planes = [lab.l, lab.a, lab.b];
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      let gxx = 0;
      let gyy = 0;
      let gxy = 0;
      for (const p of planes) {
        const gx = (p[i - width + 1] + 2 * p[i + 1] + p[i + width + 1] - p[i - width - 1] - 2 * p[i - 1] - p[i + width - 1]) / 8;
        const gy = (p[i + width - 1] + 2 * p[i + width] + p[i + width + 1] - p[i - width - 1] - 2 * p[i - width] - p[i - width + 1]) / 8;
        gxx += gx * gx;
        gyy += gy * gy;
        gxy += gx * gy;
      }
      const m = Math.sqrt(gxx + gyy);
      mag[i] = m;
      // Dominant direction of the colour structure tensor, quantised to 4 (0, 45, 90, 135 deg);
      // only where a line can start (the angle is the costly part).
      if (m < threshold) continue;
      const angle = 0.5 * Math.atan2(2 * gxy, gxx - gyy);
      dir[i] = Math.round((angle < 0 ? angle + Math.PI : angle) / (Math.PI / 4)) % 4;
    }
  }
  const out = new Float32Array(n);
  const offs = [1, width + 1, width, width - 1];
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const m = mag[i];
      if (m < threshold) continue;
      const o = offs[dir[i]];
      if (m < mag[i - o] || m < mag[i + o]) continue;
      out[i] = Math.min(1, 0.6 + (m - threshold) / threshold);
    }
  }
  return removeSmallLoops(removeSpeckle(out, width, height, minComponent), width, height, minComponent);
}

/**
 * Drop strokes whose bounding box is smaller than `minExtent` in both directions: small closed
 * contours (polka dots, print, gravel) would otherwise turn into a grid of tiny rings.
 */
function removeSmallLoops(ink: Float32Array, width: number, height: number, minExtent: number): Float32Array {
  const { ids, sizes } = maskComponents(ink, width, height, 0.3);
  const count = sizes.length;
  const x0 = new Int32Array(count).fill(width);
  const x1 = new Int32Array(count).fill(-1);
  const y0 = new Int32Array(count).fill(height);
  const y1 = new Int32Array(count).fill(-1);
  for (let i = 0; i < ink.length; i++) {
    const id = ids[i];
    if (id < 0) continue;
    const x = i % width;
    const y = (i - x) / width;
    if (x < x0[id]) x0[id] = x;
    if (x > x1[id]) x1[id] = x;
    if (y < y0[id]) y0[id] = y;
    if (y > y1[id]) y1[id] = y;
  }
  const out = ink.slice();
  for (let i = 0; i < ink.length; i++) {
    const id = ids[i];
    if (id >= 0 && x1[id] - x0[id] + 1 < minExtent && y1[id] - y0[id] + 1 < minExtent) out[i] = 0;
  }
  return out;
}
