/** Exact-size resampling of an RgbImage with sharp, for edge code that wants libvips quality/speed. */
import type { RgbImage } from '../core/raster.js';
import { expectOneOf, expectPositiveInteger } from '../validate.js';
import { expectRgbImage, rawInput, toPlainBytes } from './rgb-image.js';
import { wrapInternalError } from './sharp-errors.js';
import { sharp } from './sharp-setup.js';

export const RESIZE_KERNELS = ['nearest', 'linear', 'cubic', 'mitchell', 'lanczos2', 'lanczos3'] as const;
export type ResizeKernel = (typeof RESIZE_KERNELS)[number];

/** Largest side we resize to: same bound as decoding, so a typo cannot allocate gigabytes. */
const MAX_SIDE = 16_384;

/** Resize to exactly width×height (aspect ratio not kept; crop first if it must be). */
export async function resizeImage(image: RgbImage, width: number, height: number, kernel: ResizeKernel = 'lanczos3'): Promise<RgbImage> {
  expectRgbImage(image);
  expectPositiveInteger(width, 'width', MAX_SIDE);
  expectPositiveInteger(height, 'height', MAX_SIDE);
  expectOneOf(kernel, 'kernel', RESIZE_KERNELS);
  if (width === image.width && height === image.height) {
    return { width, height, data: image.data.slice() };
  }
  try {
    const { data, info } = await sharp(image.data, rawInput(image))
      .resize({ width, height, fit: 'fill', kernel })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== width || info.height !== height) {
      throw new Error(`unexpected output ${info.width}x${info.height}x${info.channels}`);
    }
    return { width, height, data: toPlainBytes(data) };
  } catch (error) {
    throw wrapInternalError(error, 'resize image');
  }
}
