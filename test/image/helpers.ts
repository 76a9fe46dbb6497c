/** Shared helpers for the image tests: build inputs with sharp and check AnimeMeError codes. */
import assert from 'node:assert/strict';
import { crc32 } from '../../src/core/png-text.js';
import type { RgbImage } from '../../src/core/raster.js';
import { AnimeMeError, type ErrorCode } from '../../src/errors.js';
import { sharp } from '../../src/image/sharp-setup.js';

export { sharp };

/** Await `promise` and require an AnimeMeError with `code` and a one-line message (never a raw error). */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode, label = ''): Promise<AnimeMeError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught !== undefined, `${label}: expected ${code}, but it resolved`);
  assert.ok(caught instanceof AnimeMeError, `${label}: not an AnimeMeError: ${String(caught)}`);
  assert.equal(caught.code, code, `${label}: ${caught.message}`);
  assert.ok(!caught.message.includes('\n'), `${label}: message must be one line: ${caught.message}`);
  return caught;
}

/** Solid-colour image as encoded bytes in `format`. */
export async function solid(
  width: number,
  height: number,
  colour: { r: number; g: number; b: number; alpha?: number },
  format: 'png' | 'jpeg' | 'webp' | 'avif' | 'gif' | 'tiff',
): Promise<Uint8Array> {
  const channels = colour.alpha === undefined ? 3 : 4;
  return sharp({ create: { width, height, channels, background: colour } }).toFormat(format).toBuffer();
}

/** A real PNG (made by sharp) with one chunk's fields replaced and its CRC recomputed, or broken. */
export function patchPngChunk(png: Uint8Array, type: string, patch: (data: Uint8Array) => void, fixCrc = true): Uint8Array {
  const out = Uint8Array.from(png);
  const view = new DataView(out.buffer);
  let offset = 8;
  while (offset + 12 <= out.length) {
    const length = view.getUint32(offset);
    const name = String.fromCharCode(...out.subarray(offset + 4, offset + 8));
    if (name === type) {
      patch(out.subarray(offset + 8, offset + 8 + length));
      const crc = crc32(out, offset + 4, offset + 8 + length);
      view.setUint32(offset + 8 + length, fixCrc ? crc : (crc ^ 0xffffffff) >>> 0);
      return out;
    }
    offset += 12 + length;
  }
  throw new Error(`no ${type} chunk`);
}

export function pixel(image: RgbImage, x: number, y: number): [number, number, number] {
  const i = (y * image.width + x) * 3;
  return [image.data[i], image.data[i + 1], image.data[i + 2]];
}

export function assertNear(actual: readonly number[], expected: readonly number[], tolerance: number, label = ''): void {
  const ok = actual.every((v, i) => Math.abs(v - expected[i]) <= tolerance);
  assert.ok(ok, `${label}: got ${actual.join(',')} expected ${expected.join(',')} ±${tolerance}`);
}
