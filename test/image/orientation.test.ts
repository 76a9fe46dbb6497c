import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../../src/image/decode.js';
import { assertNear, pixel, sharp } from './helpers.js';
import { displayOrientation, ORIENTATION_INVERSE, QUADRANTS, quadrantImage } from './orientation-fixtures.js';

// Upright reference: 64×40 (landscape, so a missed 90° turn shows in the size too).
const W = 64;
const H = 40;
const upright = () => quadrantImage(W, H);
const display = displayOrientation;
const INVERSE = ORIENTATION_INVERSE;

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
