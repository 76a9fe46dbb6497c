/** The Node codec: the pipeline's ImageCodec backed by src/image (sharp). */
import { decodeImage, encodeImage, resizeImage } from '../image/index.js';
import type { ImageCodec } from '../pipeline/codec.js';

export interface SharpCodecOptions {
  /** Refuse photos whose header declares more pixels than this (default: src/image's limit). */
  maxPixels?: number;
}

export function createSharpCodec(options: SharpCodecOptions = {}): ImageCodec {
  return {
    decode: (bytes, decodeOptions = {}) =>
      decodeImage(bytes, {
        ...(options.maxPixels !== undefined ? { maxPixels: options.maxPixels } : {}),
        ...(decodeOptions.maxSide !== undefined ? { maxSide: decodeOptions.maxSide } : {}),
      }),
    encode: (image, encodeOptions) => encodeImage(image, encodeOptions),
    resize: (image, width, height) => resizeImage(image, width, height),
  };
}
