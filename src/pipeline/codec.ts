/**
 * What the pipeline needs from the platform to turn bytes into pixels and back. Node provides it with
 * sharp (src/image); a browser could provide it with canvas. Keeping it an interface keeps the
 * pipeline itself free of native code.
 */
import type { RgbImage } from '../core/raster.js';

export type OutputFormat = 'png' | 'jpeg' | 'webp';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['png', 'jpeg', 'webp'];

export interface CodecDecodeOptions {
  /** Shrink on load so the long side is at most this many pixels. */
  maxSide?: number;
}

export interface CodecDecodedImage {
  image: RgbImage;
  format: string;
  originalWidth: number;
  originalHeight: number;
}

export interface CodecEncodeOptions {
  format: OutputFormat;
  quality?: number;
  /** PNG text chunks (e.g. `parameters`); ignored for other formats. */
  text?: Record<string, string>;
}

export interface ImageCodec {
  decode(bytes: Uint8Array, options?: CodecDecodeOptions): Promise<CodecDecodedImage>;
  encode(image: RgbImage, options: CodecEncodeOptions): Promise<Uint8Array>;
  resize(image: RgbImage, width: number, height: number): Promise<RgbImage>;
}
