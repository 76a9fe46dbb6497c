/** Small portable drawing helpers for the compositor: copy, and blend a coverage mask in one colour. */
import { createMask, type Mask, type RgbImage } from '../core/raster.js';

export type Rgb = readonly [number, number, number];

/** Copy `src` into `dst` with its top-left at (x, y); parts outside `dst` are clipped. */
export function blit(dst: RgbImage, src: RgbImage, x: number, y: number): void {
  const x0 = Math.max(0, x);
  const x1 = Math.min(dst.width, x + src.width);
  if (x1 <= x0) return;
  for (let sy = Math.max(0, -y); sy < src.height && y + sy < dst.height; sy++) {
    const from = (sy * src.width + (x0 - x)) * 3;
    dst.data.set(src.data.subarray(from, from + (x1 - x0) * 3), ((y + sy) * dst.width + x0) * 3);
  }
}

/** Paint `color` through `mask` (coverage 0..255) scaled by `opacity`, top-left at (x, y); clipped. */
export function blendMask(dst: RgbImage, mask: Mask, x: number, y: number, color: Rgb, opacity = 1): void {
  for (let my = Math.max(0, -y); my < mask.height && y + my < dst.height; my++) {
    for (let mx = Math.max(0, -x); mx < mask.width && x + mx < dst.width; mx++) {
      const coverage = mask.data[my * mask.width + mx];
      if (coverage === 0) continue;
      const a = (coverage / 255) * opacity;
      const i = ((y + my) * dst.width + x + mx) * 3;
      dst.data[i] = Math.round(dst.data[i] + (color[0] - dst.data[i]) * a);
      dst.data[i + 1] = Math.round(dst.data[i + 1] + (color[1] - dst.data[i + 1]) * a);
      dst.data[i + 2] = Math.round(dst.data[i + 2] + (color[2] - dst.data[i + 2]) * a);
    }
  }
}

/** A filled rectangle with anti-aliased round corners of `radius` pixels. */
export function roundedRectMask(width: number, height: number, radius: number): Mask {
  const mask = createMask(width, height, 255);
  const r = Math.max(0, Math.min(radius, width / 2, height / 2));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Distance from the pixel centre to the nearest corner circle's centre, only inside corner squares.
      const dx = Math.max(0, r - (x + 0.5), x + 0.5 - (width - r));
      const dy = Math.max(0, r - (y + 0.5), y + 0.5 - (height - r));
      if (dx === 0 || dy === 0) continue;
      const coverage = Math.min(1, Math.max(0, r + 0.5 - Math.hypot(dx, dy)));
      mask.data[y * width + x] = Math.round(coverage * 255);
    }
  }
  return mask;
}

/** Relative luminance-ish (0..1) in sRGB, enough to pick dark or light text. */
export function lightness(color: Rgb): number {
  return (0.2126 * color[0] + 0.7152 * color[1] + 0.0722 * color[2]) / 255;
}
