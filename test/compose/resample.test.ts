import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMask, createRgbImage, type RgbImage } from '../../src/core/raster.js';
import { coverCrop, coverRgbImage, resizeMask, resizeRgbImage } from '../../src/compose/resample.js';

function noise(width: number, height: number, seed = 1): RgbImage {
  const image = createRgbImage(width, height);
  let s = seed;
  for (let i = 0; i < image.data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    image.data[i] = s >>> 24;
  }
  return image;
}

test('same size is an exact copy, not an alias', () => {
  const src = noise(33, 17);
  const out = resizeRgbImage(src, 33, 17);
  assert.deepEqual(out.data, src.data);
  assert.notEqual(out.data, src.data);
});

test('downscaling averages areas exactly', () => {
  // 4×4 made of uniform 2×2 blocks → each output pixel is its block.
  const src = createRgbImage(4, 4);
  const blocks = [10, 80, 160, 240];
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) src.data.fill(blocks[(y >> 1) * 2 + (x >> 1)], (y * 4 + x) * 3, (y * 4 + x) * 3 + 3);
  }
  const out = resizeRgbImage(src, 2, 2);
  assert.deepEqual(Array.from(out.data), blocks.flatMap((v) => [v, v, v]));

  // Two pixels 0 and 255 into one: the mean, 127.5, rounds to 128.
  const pair = { width: 2, height: 1, data: new Uint8Array([0, 0, 0, 255, 255, 255]) };
  assert.deepEqual(Array.from(resizeRgbImage(pair, 1, 1).data), [128, 128, 128]);

  // Fractional footprint (3 → 2): output 0 = (a + b/2) / 1.5.
  const row = { width: 3, height: 1, data: new Uint8Array([0, 0, 0, 90, 90, 90, 180, 180, 180]) };
  assert.deepEqual(Array.from(resizeRgbImage(row, 2, 1).data), [30, 30, 30, 150, 150, 150]);
});

test('a flat colour stays exactly flat at odd sizes, up and down', () => {
  const src = createRgbImage(333, 517, [37, 150, 222]);
  for (const [w, h] of [[100, 77], [700, 901], [1, 1], [333, 1000]] as const) {
    const out = resizeRgbImage(src, w, h);
    assert.equal(out.data.length, w * h * 3);
    for (let i = 0; i < out.data.length; i += 3) {
      assert.deepEqual([out.data[i], out.data[i + 1], out.data[i + 2]], [37, 150, 222], `${w}x${h} pixel ${i / 3}`);
    }
  }
});

test('upscaling keeps a ramp monotonic and clamps cubic overshoot into bytes', () => {
  const src = createRgbImage(8, 1);
  for (let x = 0; x < 8; x++) src.data.fill(x * 30, x * 3, x * 3 + 3);
  const out = resizeRgbImage(src, 50, 3);
  for (let y = 0; y < 3; y++) {
    for (let x = 1; x < 50; x++) assert.ok(out.data[(y * 50 + x) * 3] >= out.data[(y * 50 + x - 1) * 3]);
  }
  // Catmull-Rom may overshoot a little past the last sample, but only a little.
  assert.ok(Math.min(...out.data) <= 2 && Math.max(...out.data) >= 208 && Math.max(...out.data) <= 215);

  // A black/white step rings past 0 and 255: clamped, not wrapped around.
  const step = createRgbImage(4, 1);
  step.data.fill(255, 6);
  const big = resizeRgbImage(step, 40, 1);
  for (let x = 0; x < 40; x++) {
    const v = big.data[x * 3];
    if (x < 15) assert.ok(v <= 40, `dark side ${x}: ${v}`);
    if (x >= 25) assert.ok(v >= 215, `light side ${x}: ${v}`);
  }
});

test('cover crops the centre and never stretches', () => {
  assert.deepEqual(coverCrop({ width: 200, height: 100 }, { width: 50, height: 50 }), { x: 50, y: 0, width: 100, height: 100 });
  assert.deepEqual(coverCrop({ width: 100, height: 300 }, { width: 100, height: 100 }), { x: 0, y: 100, width: 100, height: 100 });

  // Three vertical stripes: a square cover keeps exactly the middle one.
  const src = createRgbImage(300, 100);
  for (let y = 0; y < 100; y++) {
    for (let x = 0; x < 300; x++) {
      const i = (y * 300 + x) * 3;
      src.data[i + (x < 100 ? 0 : x < 200 ? 1 : 2)] = 255;
    }
  }
  const out = coverRgbImage(src, 40, 40);
  for (let i = 0; i < out.data.length; i += 3) assert.deepEqual([out.data[i], out.data[i + 1], out.data[i + 2]], [0, 255, 0]);
});

test('masks resize with area averaging', () => {
  const mask = createMask(4, 2);
  mask.data.set([255, 255, 0, 0, 255, 255, 0, 0]);
  assert.deepEqual(Array.from(resizeMask(mask, 2, 1).data), [255, 0]);
  assert.deepEqual(Array.from(resizeMask(mask, 1, 1).data), [128]);
  assert.deepEqual(Array.from(resizeMask(createMask(0, 8), 3, 2).data), [0, 0, 0, 0, 0, 0]);
});

test('target sizes are validated', () => {
  assert.throws(() => resizeRgbImage(noise(4, 4), 0, 4), { message: 'Expected positive integer for width but received 0 of type number' });
  assert.throws(() => coverRgbImage(noise(4, 4), 4, 2.5), { message: 'Expected positive integer for height but received 2.5 of type number' });
});
