/** Portable resampling used by the analyser (area averaging down, bilinear up for masks). */
import type { Mask, RgbImage } from '../core/raster.js';

/** Area-average downscale so the long side is at most `maxSide`; returns the input when already small. */
export function downscaleToMaxSide(image: RgbImage, maxSide: number): { image: RgbImage; scale: number } {
  const long = Math.max(image.width, image.height);
  if (long <= maxSide) return { image, scale: 1 };
  const scale = maxSide / long;
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const out = new Uint8Array(width * height * 3);
  const src = image.data;
  const fx = image.width / width;
  const fy = image.height / height;
  // Column spans are the same on every row: compute them once.
  const xStart = new Int32Array(width);
  const xEnd = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    xStart[x] = Math.floor(x * fx);
    xEnd[x] = Math.max(xStart[x] + 1, Math.min(image.width, Math.floor((x + 1) * fx)));
  }
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * fy);
    const y1 = Math.max(y0 + 1, Math.min(image.height, Math.floor((y + 1) * fy)));
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = y0; sy < y1; sy++) {
        let i = (sy * image.width + xStart[x]) * 3;
        for (let sx = xStart[x]; sx < xEnd[x]; sx++, i += 3) {
          r += src[i];
          g += src[i + 1];
          b += src[i + 2];
        }
      }
      const n = (y1 - y0) * (xEnd[x] - xStart[x]);
      const o = (y * width + x) * 3;
      out[o] = (r / n + 0.5) | 0;
      out[o + 1] = (g / n + 0.5) | 0;
      out[o + 2] = (b / n + 0.5) | 0;
    }
  }
  return { image: { width, height, data: out }, scale: width / image.width };
}

/** Bilinear resize of a mask to an exact size (used to bring a model-resolution mask to image pixels). */
export function resizeMask(mask: Mask, width: number, height: number): Mask {
  if (mask.width === width && mask.height === height) return mask;
  const out = new Uint8Array(width * height);
  const sx = mask.width / width;
  const sy = mask.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.max(0, Math.min(mask.height - 1, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(mask.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.max(0, Math.min(mask.width - 1, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(mask.width - 1, x0 + 1);
      const wx = fx - x0;
      const top = mask.data[y0 * mask.width + x0] * (1 - wx) + mask.data[y0 * mask.width + x1] * wx;
      const bottom = mask.data[y1 * mask.width + x0] * (1 - wx) + mask.data[y1 * mask.width + x1] * wx;
      out[y * width + x] = (top * (1 - wy) + bottom * wy + 0.5) | 0;
    }
  }
  return { width, height, data: out };
}
