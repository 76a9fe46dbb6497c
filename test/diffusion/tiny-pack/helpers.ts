/** Shared by the diffusion tests: temp folders, test images, image comparison. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RgbImage } from '../../../src/core/raster.js';

export function createTempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `anime-me-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Smooth gradients with one soft blob: the tiny VAE (a low-pass round trip) keeps it nearly intact. */
export function smoothImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const blob = Math.exp(-((x - width * 0.6) ** 2 + (y - height * 0.4) ** 2) / (0.08 * width * height));
      data[i] = Math.round(40 + (160 * x) / width);
      data[i + 1] = Math.round(60 + 120 * blob);
      data[i + 2] = Math.round(200 - (140 * y) / height);
    }
  }
  return { width, height, data };
}

/** Mean absolute difference per byte (0..255). */
export function meanAbsDiff(a: RgbImage, b: RgbImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}
