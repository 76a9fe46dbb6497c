// Test helper: decode a photo to an RgbImage with sharp (Node-only, so it lives in tests, not in src/analyse).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../../src/core/raster.js';

export const FIXTURES = path.resolve('test/fixtures/photos');
/** The wider corpus lives next to the checkout when present (never copied into the repo). */
export const CORPUS = path.resolve('../shared/corpus/images');
export const corpusPresent = existsSync(CORPUS);

export async function loadPhoto(file: string, resize?: { width: number } | { longSide: number }): Promise<RgbImage> {
  // From a buffer: src/image blocks libvips's file loaders in any process that imports it.
  let pipeline = sharp(readFileSync(file)).removeAlpha().toColourspace('srgb');
  if (resize && 'width' in resize) pipeline = pipeline.resize({ width: resize.width });
  if (resize && 'longSide' in resize) pipeline = pipeline.resize({ width: resize.longSide, height: resize.longSide, fit: 'inside', withoutEnlargement: true });
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

export function mirror(image: RgbImage): RgbImage {
  const out = new Uint8Array(image.data.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const s = (y * image.width + x) * 3;
      const d = (y * image.width + (image.width - 1 - x)) * 3;
      out[d] = image.data[s];
      out[d + 1] = image.data[s + 1];
      out[d + 2] = image.data[s + 2];
    }
  }
  return { width: image.width, height: image.height, data: out };
}
