/** Image I/O edge: the only part of anime-me that talks to sharp. */
export { decodeImage, DEFAULT_MAX_BYTES, DEFAULT_MAX_DIMENSION, DEFAULT_MAX_PIXELS } from './decode.js';
export type { DecodedImage, DecodeOptions } from './decode.js';
export { encodeImage, DEFAULT_QUALITY, OUTPUT_FORMATS } from './encode.js';
export type { EncodeOptions, OutputFormat } from './encode.js';
export { resizeImage, RESIZE_KERNELS } from './resize.js';
export type { ResizeKernel } from './resize.js';
export { ACCEPTED_FORMATS, ACCEPTED_FORMATS_TEXT, sniffImageType } from './sniff.js';
export type { ImageFormat, SniffResult } from './sniff.js';
export { ALLOWED_LOADERS } from './sharp-setup.js';
