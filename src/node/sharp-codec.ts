/** The Node codec: the pipeline's ImageCodec backed by src/image (sharp). */
import { decodeImage, encodeImage, resizeImage, type DecodeOptions } from '../image/index.js';
import type { ImageCodec } from '../pipeline/codec.js';

/**
 * Input limits, checked before any decoding; defaults and their reasons are in src/image/decode.ts
 * (DEFAULT_MAX_BYTES 64 MiB, DEFAULT_MAX_PIXELS 50 MP, DEFAULT_MAX_DIMENSION 16384 px).
 */
export interface SharpCodecOptions {
  /** Refuse inputs longer than this many bytes (TOO_LARGE). */
  maxBytes?: number;
  /** Refuse photos whose header declares more pixels than this (TOO_MANY_PIXELS). */
  maxPixels?: number;
  /** Refuse photos whose header declares a side longer than this (TOO_MANY_PIXELS). */
  maxDimension?: number;
}

export function createSharpCodec(options: SharpCodecOptions = {}): ImageCodec {
  const limits: DecodeOptions = {
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    ...(options.maxPixels !== undefined ? { maxPixels: options.maxPixels } : {}),
    ...(options.maxDimension !== undefined ? { maxDimension: options.maxDimension } : {}),
  };
  return {
    decode: (bytes, decodeOptions = {}) =>
      decodeImage(bytes, {
        ...limits,
        ...(decodeOptions.maxSide !== undefined ? { maxSide: decodeOptions.maxSide } : {}),
      }),
    // The codec contract ignores `text` for JPEG/WebP (they would need EXIF, which we never write);
    // encodeImage refuses it there, so drop it here rather than fail every non-PNG run.
    encode: (image, { text, ...rest }) => encodeImage(image, rest.format === 'png' && text !== undefined ? { ...rest, text } : rest),
    resize: (image, width, height) => resizeImage(image, width, height),
  };
}
