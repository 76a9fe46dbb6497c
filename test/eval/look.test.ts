import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRgbImage, type RgbImage } from '../../src/core/raster.js';
import { colourFlatness, darkLines, linePresence, strongEdges } from '../../src/eval/look.js';

function noise(width: number, height: number, seed = 7): RgbImage {
  const image = createRgbImage(width, height);
  let s = seed;
  for (let i = 0; i < image.data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    image.data[i] = s >>> 24;
  }
  return image;
}

/** Light background with a mid-grey square: four straight step edges. */
function square(size = 64): RgbImage {
  const image = createRgbImage(size, size, [230, 230, 230]);
  for (let y = 16; y < 48; y++) for (let x = 16; x < 48; x++) image.data.set([120, 120, 120], (y * size + x) * 3);
  return image;
}

/** The same square with a 1 px black outline on its border. */
function inked(size = 64): RgbImage {
  const image = square(size);
  for (let i = 15; i <= 48; i++) {
    for (const [x, y] of [[i, 15], [i, 48], [15, i], [48, i]]) image.data.set([0, 0, 0], (y * size + x) * 3);
  }
  return image;
}

test('flatness: a flat image is 1, a few flat colours are 1, noise is near 0', () => {
  assert.equal(colourFlatness(createRgbImage(32, 32, [10, 200, 30])), 1);
  assert.equal(colourFlatness(square()), 1);
  assert.ok(colourFlatness(noise(128, 128)) < 0.05, String(colourFlatness(noise(128, 128))));
  // A smooth 2-D gradient (a photo's sky) spreads evenly over 32 × 32 bins: top 32 of 1024.
  const gradient = createRgbImage(256, 256);
  for (let x = 0; x < 256; x++) for (let y = 0; y < 256; y++) gradient.data.set([x, y, 128], (y * 256 + x) * 3);
  assert.ok(Math.abs(colourFlatness(gradient) - 32 / 1024) < 1e-9, String(colourFlatness(gradient)));
  assert.ok(Math.abs(colourFlatness(gradient, { bits: 4, topK: 24 }) - 24 / 256) < 1e-9);
});

test('strong edges are one pixel thick and lie on the square outline', () => {
  const edges = strongEdges(square());
  let count = 0;
  for (let i = 0; i < edges.length; i++) count += edges[i];
  // Four sides of ~32 px, one pixel each (corners may add or drop a few).
  assert.ok(count > 100 && count < 150, String(count));
  assert.equal(edges[32 * 64 + 32], 0);
  assert.equal(strongEdges(createRgbImage(20, 20, [90, 90, 90])).some((v) => v), false);
});

test('dark lines: an ink outline is a line, a step edge is not', () => {
  const plain = darkLines(square());
  assert.equal(plain.some((v) => v), false);
  const ink = darkLines(inked());
  assert.equal(ink[15 * 64 + 30], 1);
  assert.equal(ink[32 * 64 + 32], 0);
});

test('line presence: identical photo ≈ 0, inked copy ≈ 1, blank output 0', () => {
  const photo = square();
  const same = linePresence(photo, photo);
  assert.ok(same);
  assert.equal(same.share, 0);
  const drawn = linePresence(photo, inked());
  assert.ok(drawn && drawn.share > 0.95, String(drawn?.share));
  assert.equal(linePresence(photo, createRgbImage(64, 64, [255, 255, 255]))!.share, 0);
  assert.equal(linePresence(createRgbImage(8, 8), createRgbImage(8, 8)), undefined);
  assert.throws(() => linePresence(photo, createRgbImage(10, 10)));
});
