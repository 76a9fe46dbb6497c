/**
 * EXIF orientation fixtures shared by the image and hostile-input tests: a four-quadrant reference
 * image and the viewer's transform for each orientation (CIPA DC-008), written without sharp so the
 * tests check sharp rather than themselves.
 */
import type { RgbImage } from '../../src/core/raster.js';

type Rgb = [number, number, number];

/** Four distinct colours: a missed flip shows in the layout, a missed 90° turn in the size. */
export const QUADRANTS: Record<'topLeft' | 'topRight' | 'bottomLeft' | 'bottomRight', Rgb> = {
  topLeft: [220, 30, 30],
  topRight: [30, 200, 40],
  bottomLeft: [30, 40, 220],
  bottomRight: [240, 220, 40],
};

export function quadrantImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const key = `${y < height / 2 ? 'top' : 'bottom'}${x < width / 2 ? 'Left' : 'Right'}` as keyof typeof QUADRANTS;
      data.set(QUADRANTS[key], (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

/**
 * What a viewer shows for stored pixels `src` tagged with orientation `o`: 2 mirror, 3 rotate 180,
 * 4 flip, 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° anticlockwise.
 */
export function displayOrientation(o: number, src: RgbImage): RgbImage {
  const swap = o >= 5;
  const w = swap ? src.height : src.width;
  const h = swap ? src.width : src.height;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // (sx, sy): the stored pixel shown at display position (x, y).
      let sx: number;
      let sy: number;
      switch (o) {
        case 1: [sx, sy] = [x, y]; break;
        case 2: [sx, sy] = [src.width - 1 - x, y]; break;
        case 3: [sx, sy] = [src.width - 1 - x, src.height - 1 - y]; break;
        case 4: [sx, sy] = [x, src.height - 1 - y]; break;
        case 5: [sx, sy] = [y, x]; break;
        case 6: [sx, sy] = [y, src.height - 1 - x]; break;
        case 7: [sx, sy] = [src.width - 1 - y, src.height - 1 - x]; break;
        case 8: [sx, sy] = [src.width - 1 - y, x]; break;
        default: throw new Error(`bad orientation ${o}`);
      }
      const from = (sy * src.width + sx) * 3;
      out.set(src.data.subarray(from, from + 3), (y * w + x) * 3);
    }
  }
  return { width: w, height: h, data: out };
}

/** 6 and 8 undo each other; every other transform is its own inverse. */
export const ORIENTATION_INVERSE = [0, 1, 2, 3, 4, 5, 8, 7, 6] as const;

/** The stored pixels that display as `upright` under orientation `o`. */
export const storedForOrientation = (o: number, upright: RgbImage): RgbImage => displayOrientation(ORIENTATION_INVERSE[o]!, upright);
