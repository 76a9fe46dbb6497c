/**
 * Plain pixel containers shared by every stage. They hold typed arrays only, so the core (analyse,
 * stylize, upscale, compose) runs anywhere JavaScript runs: Node, a worker thread, a phone's browser.
 */

/** 8-bit sRGB, 3 channels, row-major, no padding: data.length === width * height * 3. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One value per pixel, 0..255 (255 = inside). data.length === width * height. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}

export function createRgbImage(width: number, height: number, fill?: readonly [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  if (fill) {
    for (let i = 0; i < data.length; i += 3) {
      data[i] = fill[0];
      data[i + 1] = fill[1];
      data[i + 2] = fill[2];
    }
  }
  return { width, height, data };
}

export function createMask(width: number, height: number, value = 0): Mask {
  const data = new Uint8Array(width * height);
  if (value) data.fill(value);
  return { width, height, data };
}

export function cloneRgbImage(image: RgbImage): RgbImage {
  return { width: image.width, height: image.height, data: image.data.slice() };
}

export type Orientation = 'portrait' | 'landscape' | 'square';

export function orientationOf(size: { width: number; height: number }): Orientation {
  if (size.width === size.height) return 'square';
  return size.height > size.width ? 'portrait' : 'landscape';
}
