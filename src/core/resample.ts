/**
 * The one portable resampler (typed arrays only, no sharp), so analyse and compose also run in a browser.
 * Separable: each axis gets its own taps, then a horizontal and a vertical pass. When an axis shrinks,
 * every filter is widened to the output pixel spacing, so every source pixel counts and nothing aliases.
 */
import { createMask, type Mask, type RgbImage } from './raster.js';
import type { Box } from './types.js';
import { expectPositiveInteger, invalidParameter } from '../validate.js';

/**
 * - `area`: each output pixel is the coverage-weighted mean of the source pixels under its footprint.
 * - `bilinear`: triangle filter; never overshoots, so soft masks keep their levels.
 * - `catmull-rom`: cubic (a = −0.5); sharper, overshoots a little at edges (clamped into bytes).
 * - `auto`: per axis, `area` when shrinking and `catmull-rom` when enlarging.
 */
export type ResampleFilter = 'auto' | 'area' | 'bilinear' | 'catmull-rom';

export const RESAMPLE_FILTERS: readonly ResampleFilter[] = ['auto', 'area', 'bilinear', 'catmull-rom'];

export interface ResampleOptions {
  /** Default `auto`. */
  filter?: ResampleFilter;
  /** Source window (fractional allowed) that fills the whole output. Default: the whole source. */
  crop?: Box;
}

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

function triangle(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? 1 - a : 0;
}

/** Taps mapping the source window [start, start + length) of an axis of `size` pixels onto `out` pixels. */
function axisTaps(size: number, start: number, length: number, out: number, filter: ResampleFilter): AxisTaps {
  const scale = length / out;
  const kind = filter === 'auto' ? (scale >= 1 ? 'area' : 'catmull-rom') : filter;
  const offsets = new Int32Array(out + 1);
  const index: number[] = [];
  const weight: number[] = [];
  // Edge pixels repeat outwards, so the border is not darkened by missing taps.
  const clamp = (i: number): number => (i < 0 ? 0 : i >= size ? size - 1 : i);
  for (let o = 0; o < out; o++) {
    if (kind === 'area') {
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
      const kernel = kind === 'bilinear' ? triangle : catmullRom;
      const stretch = Math.max(1, scale);
      const support = (kind === 'bilinear' ? 1 : 2) * stretch;
      const centre = start + (o + 0.5) * scale - 0.5;
      const first = index.length;
      let sum = 0;
      for (let i = Math.ceil(centre - support); i <= Math.floor(centre + support); i++) {
        const w = kernel((i - centre) / stretch);
        // A widened kernel would count a repeated edge pixel several times: drop outside taps instead.
        if (w !== 0 && (stretch === 1 || (i >= 0 && i < size))) {
          index.push(clamp(i));
          weight.push(w);
          sum += w;
        }
      }
      // Widened or edge-trimmed kernels do not sum to 1 on their own.
      for (let k = first; k < index.length; k++) weight[k] /= sum;
    }
    offsets[o + 1] = index.length;
  }
  return { offsets, index: Int32Array.from(index), weight: Float32Array.from(weight) };
}

/** Resample an interleaved 8-bit plane of `channels` channels. */
function resamplePlane(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
  options: ResampleOptions,
): Uint8Array {
  const out = new Uint8Array(outWidth * outHeight * channels);
  const crop = options.crop ?? { x: 0, y: 0, width, height };
  if (crop.x === 0 && crop.y === 0 && crop.width === width && crop.height === height && width === outWidth && height === outHeight) {
    out.set(src);
    return out;
  }
  const filter = options.filter ?? 'auto';
  const tx = axisTaps(width, crop.x, crop.width, outWidth, filter);
  const ty = axisTaps(height, crop.y, crop.height, outHeight, filter);

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

function checkOptions(options: ResampleOptions): void {
  if (options.filter !== undefined && !RESAMPLE_FILTERS.includes(options.filter)) {
    throw invalidParameter(`one of ${RESAMPLE_FILTERS.join(', ')}`, 'filter', options.filter);
  }
  const crop = options.crop;
  if (crop && !(crop.width > 0 && crop.height > 0 && Number.isFinite(crop.x) && Number.isFinite(crop.y))) {
    throw invalidParameter('a box with positive width and height', 'crop', crop);
  }
}

/** Resize to exactly width × height; a new buffer even at the same size (aspect ratio: see coverRgb). */
export function resampleRgb(image: RgbImage, width: number, height: number, options: ResampleOptions = {}): RgbImage {
  expectPositiveInteger(width, 'width');
  expectPositiveInteger(height, 'height');
  checkOptions(options);
  return { width, height, data: resamplePlane(image.data, image.width, image.height, 3, width, height, options) };
}

/** Resize a coverage mask to exactly width × height; an empty (0-sized) mask gives an empty one. */
export function resampleMask(mask: Mask, width: number, height: number, options: ResampleOptions = {}): Mask {
  expectPositiveInteger(width, 'width');
  expectPositiveInteger(height, 'height');
  checkOptions(options);
  if (mask.width === 0 || mask.height === 0) return createMask(width, height);
  return { width, height, data: resamplePlane(mask.data, mask.width, mask.height, 1, width, height, options) };
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
export function coverRgb(image: RgbImage, width: number, height: number, options: Omit<ResampleOptions, 'crop'> = {}): RgbImage {
  expectPositiveInteger(width, 'width');
  expectPositiveInteger(height, 'height');
  return resampleRgb(image, width, height, { ...options, crop: coverCrop(image, { width, height }) });
}

/** Shrink so the long side is at most `maxSide`, keeping aspect ratio; returns `image` itself when already small. */
export function shrinkToFit(image: RgbImage, maxSide: number, options: Omit<ResampleOptions, 'crop'> = {}): RgbImage {
  expectPositiveInteger(maxSide, 'maxSide');
  const long = Math.max(image.width, image.height);
  if (long <= maxSide) return image;
  const width = Math.max(1, Math.round((image.width * maxSide) / long));
  const height = Math.max(1, Math.round((image.height * maxSide) / long));
  return resampleRgb(image, width, height, options);
}
