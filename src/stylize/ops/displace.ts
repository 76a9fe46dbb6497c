/**
 * Displacement resampling: every pixel reads from a nearby, noise-driven position. Applied to a
 * flat cel image it makes region borders wander like wet paint instead of following pixel steps.
 */
import type { LabImage } from './color.js';
import { fractalNoise } from './noise.js';
import { scratchFloat } from './scratch.js';

/**
 * Returns a new image sampled at (x + amp * nx, y + amp * ny), where nx/ny are smooth seeded noise
 * fields with features about `cell` px wide; `scale` (0..1 per pixel) scales the amplitude locally.
 */
export function wobble(src: LabImage, amplitude: number, cell: number, seed: number, scale?: Float32Array): LabImage {
  const { width, height } = src;
  const nx = fractalNoise(width, height, seed, cell, 2, scratchFloat('wobble.nx', width * height));
  const ny = fractalNoise(width, height, seed ^ 0x5bd1e995, cell, 2, scratchFloat('wobble.ny', width * height));
  const out: LabImage = { width, height, l: new Float32Array(width * height), a: new Float32Array(width * height), b: new Float32Array(width * height) };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const k = amplitude * (scale ? scale[i] : 1);
      let sx = x + nx[i] * k;
      let sy = y + ny[i] * k;
      sx = sx < 0 ? 0 : sx > width - 1 ? width - 1 : sx;
      sy = sy < 0 ? 0 : sy > height - 1 ? height - 1 : sy;
      const x0 = Math.min(width - 2, sx | 0);
      const y0 = Math.min(height - 2, sy | 0);
      if (width < 2 || height < 2) {
        out.l[i] = src.l[i];
        out.a[i] = src.a[i];
        out.b[i] = src.b[i];
        continue;
      }
      const fx = sx - x0;
      const fy = sy - y0;
      const j = y0 * width + x0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      out.l[i] = src.l[j] * w00 + src.l[j + 1] * w10 + src.l[j + width] * w01 + src.l[j + width + 1] * w11;
      out.a[i] = src.a[j] * w00 + src.a[j + 1] * w10 + src.a[j + width] * w01 + src.a[j + width + 1] * w11;
      out.b[i] = src.b[j] * w00 + src.b[j + 1] * w10 + src.b[j + width] * w01 + src.b[j + width + 1] * w11;
    }
  }
  return out;
}
