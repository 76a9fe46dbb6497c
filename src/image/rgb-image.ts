/** Small helpers shared by the sharp-facing modules for moving RgbImage data in and out of sharp. */
import type { RgbImage } from '../core/raster.js';
import { invalidParameter, is } from '../validate.js';

/** A plain Uint8Array that owns its whole ArrayBuffer (safe to transfer to a worker), never a Buffer. */
export function toPlainBytes(data: Uint8Array): Uint8Array {
  if (data.byteOffset === 0 && data.buffer.byteLength === data.length) return new Uint8Array(data.buffer);
  return new Uint8Array(data);
}

/** Check that `image` is a well-formed RgbImage (integer size, data of exactly width*height*3 bytes). */
export function expectRgbImage(image: unknown, name = 'image'): RgbImage {
  if (typeof image !== 'object' || image === null) {
    throw invalidParameter('RgbImage {width, height, data}', name, image);
  }
  const { width, height, data } = image as Partial<RgbImage>;
  if (!is.integer(width) || width <= 0) throw invalidParameter('positive integer', `${name}.width`, width);
  if (!is.integer(height) || height <= 0) throw invalidParameter('positive integer', `${name}.height`, height);
  if (!(data instanceof Uint8Array)) throw invalidParameter('Uint8Array', `${name}.data`, data);
  if (data.length !== width * height * 3) {
    throw invalidParameter(`Uint8Array of length ${width * height * 3} (width*height*3)`, `${name}.data.length`, data.length);
  }
  return image as RgbImage;
}

/** sharp's description of our raw pixel layout. */
export function rawInput(image: RgbImage): { raw: { width: number; height: number; channels: 3 } } {
  return { raw: { width: image.width, height: image.height, channels: 3 } };
}
