import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RgbImage } from '../../src/core/raster.js';
import { decodeImage } from '../../src/image/decode.js';
import { assertNear, pixel, sharp } from './helpers.js';

// Upright reference: 64×40 (landscape, so a missed 90° turn shows in the size too) with four
// quadrant colours, so every flip and rotation gives a different layout.
const W = 64;
const H = 40;
const QUADRANTS: Record<string, [number, number, number]> = {
  topLeft: [220, 30, 30],
  topRight: [30, 200, 40],
  bottomLeft: [30, 40, 220],
  bottomRight: [240, 220, 40],
};

function upright(): RgbImage {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const key = `${y < H / 2 ? 'top' : 'bottom'}${x < W / 2 ? 'Left' : 'Right'}`;
      data.set(QUADRANTS[key], (y * W + x) * 3);
    }
  }
  return { width: W, height: H, data };
}

/**
 * The transform a viewer applies for EXIF orientation `o` (CIPA DC-008): 2 mirror, 3 rotate 180,
 * 4 flip, 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° anticlockwise.
 * Written independently of sharp so the test checks sharp, not itself.
 */
function display(o: number, src: RgbImage): RgbImage {
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
      out.set(src.data.subarray((sy * src.width + sx) * 3, (sy * src.width + sx) * 3 + 3), (y * w + x) * 3);
    }
  }
  return { width: w, height: h, data: out };
}

// 6 and 8 undo each other; every other transform is its own inverse.
const INVERSE = [0, 1, 2, 3, 4, 5, 8, 7, 6];

test('display() is consistent: applying the inverse then the transform is the identity', () => {
  const u = upright();
  for (let o = 1; o <= 8; o++) assert.deepEqual(display(o, display(INVERSE[o], u)), u, `orientation ${o}`);
});

test('every EXIF orientation 1–8 decodes upright (G6)', async () => {
  const reference = upright();
  for (let o = 1; o <= 8; o++) {
    const stored = display(INVERSE[o], reference);
    const jpeg = await sharp(stored.data, { raw: { width: stored.width, height: stored.height, channels: 3 } })
      .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
      .withMetadata({ orientation: o })
      .toBuffer();
    assert.equal((await sharp(jpeg).metadata()).orientation, o, `tag written for ${o}`);

    const decoded = await decodeImage(jpeg);
    assert.equal(decoded.orientation, o);
    assert.deepEqual([decoded.image.width, decoded.image.height], [W, H], `size for ${o}`);
    assert.deepEqual([decoded.originalWidth, decoded.originalHeight], [W, H], `original size for ${o}`);
    // Quadrant centres, away from JPEG edge ringing.
    assertNear(pixel(decoded.image, W / 4, H / 4), QUADRANTS.topLeft, 12, `o=${o} top-left`);
    assertNear(pixel(decoded.image, (3 * W) / 4, H / 4), QUADRANTS.topRight, 12, `o=${o} top-right`);
    assertNear(pixel(decoded.image, W / 4, (3 * H) / 4), QUADRANTS.bottomLeft, 12, `o=${o} bottom-left`);
    assertNear(pixel(decoded.image, (3 * W) / 4, (3 * H) / 4), QUADRANTS.bottomRight, 12, `o=${o} bottom-right`);

    // With maxSide the shrink applies to the upright image.
    const small = await decodeImage(jpeg, { maxSide: 32 });
    assert.deepEqual([small.image.width, small.image.height], [32, 20], `maxSide for ${o}`);
    assertNear(pixel(small.image, 8, 5), QUADRANTS.topLeft, 20, `o=${o} small top-left`);
  }
});
