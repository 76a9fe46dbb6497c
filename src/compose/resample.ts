/**
 * Portable resampling (typed arrays only, no sharp) so the compose stage also runs in a browser.
 * Separable filter: per axis, area-average when shrinking (every source pixel counts once, no
 * aliasing), Catmull-Rom when enlarging (sharper than bilinear, cheap at 4 taps).
 */
import { createMask, type Mask, type RgbImage } from '../core/raster.js';
import type { Box } from '../core/types.js';
import { expectPositiveInteger } from '../validate.js';

/** Per-output-pixel taps along one axis, flattened: taps of output o are offsets[o]..offsets[o+1]. */
interface AxisTaps {
  offsets: Int32Array;
  index: Int32Array;
  weight: Float32Array;
}

function catmullRom(x: number): number {
  const a = Math.abs(x);
  if (a < 1) return 1.5 * a * a * a - 2.5 * a * a + 1;
  if (a < 2) return -0.5 * a * a * a + 2.5 * a * a - 4 * a + 2;
  return 0;
}

/** Taps mapping the source window [start, start + length) of an axis of `size` pixels onto `out` pixels. */
function axisTaps(size: number, start: number, length: number, out: number): AxisTaps {
  const scale = length / out;
  const offsets = new Int32Array(out + 1);
  const index: number[] = [];
  const weight: number[] = [];
  const clamp = (i: number): number => (i < 0 ? 0 : i >= size ? size - 1 : i);
  for (let o = 0; o < out; o++) {
    if (scale >= 1) {
      const a = start + o * scale;
      const b = a + scale;
      for (let i = Math.floor(a); i < b; i++) {
        const cover = Math.min(b, i + 1) - Math.max(a, i);
        // Float slivers (1e-12 of a pixel) would only add taps, never change the result.
        if (cover > 1e-9) {
          index.push(clamp(i));
          weight.push(cover / scale);
        }
      }
    } else {
      const centre = start + (o + 0.5) * scale - 0.5;
      const base = Math.floor(centre);
      const t = centre - base;
      for (let k = -1; k <= 2; k++) {
        index.push(clamp(base + k));
        weight.push(catmullRom(k - t));
      }
    }
    offsets[o + 1] = index.length;
  }
  return { offsets, index: Int32Array.from(index), weight: Float32Array.from(weight) };
}

/**
 * Resample an interleaved 8-bit plane. `crop` (fractional allowed) is the source window that fills
 * the whole output; it defaults to the full source.
 */
function resamplePlane(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
  crop: Box = { x: 0, y: 0, width, height },
): Uint8Array {
  const out = new Uint8Array(outWidth * outHeight * channels);
  if (crop.x === 0 && crop.y === 0 && crop.width === width && crop.height === height && width === outWidth && height === outHeight) {
    out.set(src);
    return out;
  }
  const tx = axisTaps(width, crop.x, crop.width, outWidth);
  const ty = axisTaps(height, crop.y, crop.height, outHeight);

  // Only the source rows some output row reads need the horizontal pass.
  let rowLo = height;
  let rowHi = -1;
  for (const r of ty.index) {
    if (r < rowLo) rowLo = r;
    if (r > rowHi) rowHi = r;
  }
  const rowStride = outWidth * channels;
  const tmp = new Float32Array((rowHi - rowLo + 1) * rowStride);
  for (let y = rowLo; y <= rowHi; y++) {
    const srcRow = y * width * channels;
    const tmpRow = (y - rowLo) * rowStride;
    for (let x = 0; x < outWidth; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = tx.offsets[x]; k < tx.offsets[x + 1]; k++) sum += tx.weight[k] * src[srcRow + tx.index[k] * channels + c];
        tmp[tmpRow + x * channels + c] = sum;
      }
    }
  }
  for (let y = 0; y < outHeight; y++) {
    const outRow = y * rowStride;
    const k0 = ty.offsets[y];
    const k1 = ty.offsets[y + 1];
    for (let i = 0; i < rowStride; i++) {
      let sum = 0;
      for (let k = k0; k < k1; k++) sum += ty.weight[k] * tmp[(ty.index[k] - rowLo) * rowStride + i];
      // Catmull-Rom overshoots at edges; clamp before rounding into bytes.
      out[outRow + i] = sum <= 0 ? 0 : sum >= 255 ? 255 : Math.round(sum);
    }
  }
  return out;
}

/** Resize to exactly width × height (aspect ratio is the caller's business; see coverRgbImage). */
export function resizeRgbImage(image: RgbImage, width: number, height: number): RgbImage {
  expectPositiveInteger(width, 'width');
  expectPositiveInteger(height, 'height');
  return { width, height, data: resamplePlane(image.data, image.width, image.height, 3, width, height) };
}

/** The centred source window with the target's aspect ratio (fractional; no pixel is stretched). */
export function coverCrop(source: { width: number; height: number }, target: { width: number; height: number }): Box {
  const targetAspect = target.width / target.height;
  if (source.width / source.height > targetAspect) {
    const w = source.height * targetAspect;
    return { x: (source.width - w) / 2, y: 0, width: w, height: source.height };
  }
  const h = source.width / targetAspect;
  return { x: 0, y: (source.height - h) / 2, width: source.width, height: h };
}

/** Fill width × height keeping aspect ratio: scale to cover, then trim the overflow evenly from both sides. */
export function coverRgbImage(image: RgbImage, width: number, height: number): RgbImage {
  expectPositiveInteger(width, 'width');
  expectPositiveInteger(height, 'height');
  const crop = coverCrop(image, { width, height });
  return { width, height, data: resamplePlane(image.data, image.width, image.height, 3, width, height, crop) };
}

/** Resize a coverage mask; shrinking averages, so hard bitmap edges come out anti-aliased. */
export function resizeMask(mask: Mask, width: number, height: number): Mask {
  expectPositiveInteger(width, 'width');
  expectPositiveInteger(height, 'height');
  if (mask.width === 0 || mask.height === 0) return createMask(width, height);
  return { width, height, data: resamplePlane(mask.data, mask.width, mask.height, 1, width, height) };
}
